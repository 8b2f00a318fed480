"""The SQL form of `hotline.kpi.aggregate.sums_of`: one set of column expressions, three uses.

The same expressions build the 15-minute cube from contact facts, sum the facts at the
unaligned edges of a range, and answer a whole range for thresholds no cube is kept for — so
the three paths cannot drift apart. `test_report_aggregates` checks them against the refold.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, case, func, literal, or_

from hotline.domain.enums import Outcome
from hotline.kpi.aggregate import CALLBACK, Sums
from hotline.kpi.compute import CALLBACK_FINAL_OUTCOMES
from hotline.kpi.options import KpiOptions
from hotline.store import models_reports as m

FACTS: Table = m.ReportContact.__table__  # type: ignore[assignment]
QUEUE_INTERVALS: Table = m.ReportQueueInterval.__table__  # type: ignore[assignment]
AGENT_INTERVALS: Table = m.ReportAgentInterval.__table__  # type: ignore[assignment]
SPANS: Table = m.ReportAgentSpan.__table__  # type: ignore[assignment]
EDGES: Table = m.ReportAgentEdges.__table__  # type: ignore[assignment]
CURSOR: Table = m.ReportCursor.__table__  # type: ignore[assignment]
QUEUE_DAYS: Table = m.ReportQueueDay.__table__  # type: ignore[assignment]
CENTER_DAYS: Table = m.ReportCenterDay.__table__  # type: ignore[assignment]

#: the `Sums` fields stored as columns of `report_queue_intervals`, in order
SUM_FIELDS = (
    "contacts", "queued", "answered", "short", "abandoned", "answered_in", "abandoned_in",
    "wait_sum", "wait_n", "max_wait", "handled", "talk_sum", "acw_sum", "ewt_sum", "ewt_n",
    "cb_created", "cb_completed", "cb_reached",
)  # fmt: skip
_FLOATS = {"wait_sum", "talk_sum", "acw_sum", "ewt_sum"}


def _count(condition: ColumnElement[bool]) -> ColumnElement[Any]:
    return func.sum(case((condition, 1), else_=0))


def _total(condition: ColumnElement[bool], value: ColumnElement[Any]) -> ColumnElement[Any]:
    return func.sum(case((condition, value), else_=literal(0.0)))


def fact_sums(options: KpiOptions) -> dict[str, ColumnElement[Any]]:
    """`Sums` field → aggregate expression over `report_contacts` for `options`' thresholds."""
    c = FACTS.c
    t, short_s = options.sl_threshold_s, options.short_abandon_s
    queued = c.queued == 1
    answered = and_(queued, c.answered == 1)
    gave_up = and_(queued, c.gave_up == 1)
    short = and_(gave_up, c.wait_s.is_not(None), c.wait_s < short_s)
    abandoned = and_(gave_up, or_(c.wait_s.is_(None), c.wait_s >= short_s))
    timed = and_(answered, c.wait_s.is_not(None))
    handled = and_(queued, c.handled == 1)
    ewt = and_(answered, c.ewt_err_s.is_not(None))
    callback = c.channel == CALLBACK
    waited = or_(timed, and_(abandoned, c.wait_s.is_not(None)))
    return {
        "contacts": func.count(),
        "queued": _count(queued),
        "answered": _count(answered),
        "short": _count(short),
        "abandoned": _count(abandoned),
        "answered_in": _count(and_(timed, c.wait_s <= t)),
        "abandoned_in": _count(and_(abandoned, c.wait_s.is_not(None), c.wait_s <= t)),
        "wait_sum": _total(timed, c.wait_s),
        "wait_n": _count(timed),
        "max_wait": func.max(case((waited, c.wait_s), else_=None)),
        "handled": _count(handled),
        "talk_sum": _total(handled, func.coalesce(c.talk_s, 0.0)),
        "acw_sum": _total(handled, c.acw_s),
        "ewt_sum": _total(ewt, c.ewt_err_s),
        "ewt_n": _count(ewt),
        "cb_created": _count(callback),
        "cb_completed": _count(and_(callback, c.outcome.in_(sorted(CALLBACK_FINAL_OUTCOMES)))),
        "cb_reached": _count(and_(callback, c.outcome == Outcome.COMPLETED.value)),
    }


def cube_sums(table: Table = QUEUE_INTERVALS) -> dict[str, ColumnElement[Any]]:
    """`Sums` field → aggregate expression re-summing rows of the cube or the daily rollup."""
    c = table.c
    return {
        name: func.max(c[name]) if name == "max_wait" else func.sum(c[name]) for name in SUM_FIELDS
    }


def to_sums(row: Mapping[str, Any]) -> Sums:
    """A result row of either expression set as `Sums` (drivers differ in numeric types)."""
    values: dict[str, Any] = {}
    for name in SUM_FIELDS:
        v = row[name]
        if name == "max_wait":
            values[name] = None if v is None else float(v)
        elif name in _FLOATS:
            values[name] = float(v or 0.0)
        else:
            values[name] = int(v or 0)
    return Sums(**values)
