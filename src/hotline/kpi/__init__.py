"""Contact-center KPIs computed from the event timeline: pure functions, no I/O, no clock.

Every figure is defined in `definitions()`, which a report prints under its numbers together
with the service-level variant and thresholds in use (Chinese operators use several variants).
"""

from hotline.kpi.compute import Kpis, compute_kpis, intervals, kpis_by_queue
from hotline.kpi.definitions import definitions, field_definitions
from hotline.kpi.options import (
    SL_ANSWERED_ONLY,
    SL_COMBINED,
    SL_DEFAULT,
    SL_FORMULAS,
    SL_IGNORE_EARLY_ABANDONS,
    KpiOptions,
    service_level,
)
from hotline.kpi.ranges import RangeError, clip_to_now, format_range, parse_time
from hotline.kpi.repeat import RepeatContacts, repeat_contacts

__all__ = [
    "SL_ANSWERED_ONLY",
    "SL_COMBINED",
    "SL_DEFAULT",
    "SL_FORMULAS",
    "SL_IGNORE_EARLY_ABANDONS",
    "KpiOptions",
    "Kpis",
    "RangeError",
    "RepeatContacts",
    "clip_to_now",
    "compute_kpis",
    "definitions",
    "field_definitions",
    "format_range",
    "intervals",
    "kpis_by_queue",
    "parse_time",
    "repeat_contacts",
    "service_level",
]
