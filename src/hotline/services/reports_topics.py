"""Top contact reasons and hot topics of a report period, each with the period before.

Reasons are counted by `hotline.store.contact_reasons`. Hot topics are the QA package's
(`hotline.services.qa_reports.hot_topics`: what customers said, clustered, with spike
alerts), not a second clustering: they are clustered once over the period *and* the period
before it (at least 7 days, which the spike test needs as history), so that a topic means
the same thing in both halves and "previous" is comparable; the spikes listed are those on
a day of the period. No QA results (no transcripts or chats analysed) means no topics.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from hotline.services.qa_reports import hot_topics
from hotline.store import Store
from hotline.store.contact_reasons import ReasonCounts, reason_counts
from hotline.store.qa import QaStore

log = logging.getLogger(__name__)
MAX_TOPICS = 10
MIN_WINDOW_S = 7 * 86400.0


@dataclass(frozen=True, slots=True)
class TopicRow:
    label: str
    contacts: int  # in the period
    previous: int  # in the period before, as long
    spike: str | None  # e.g. "2026-11-24: 60, 12.0× its mean 5.0"


@dataclass(frozen=True, slots=True)
class Demand:
    """What customers came for: reasons now and before, and the hot topics."""

    reasons: ReasonCounts
    previous: ReasonCounts
    topics: list[TopicRow]
    analysed: int  # contacts with a QA result in the period (what topics are drawn from)
    failed: str | None = None  # why no topics could be drawn (the report is made anyway)


def demand(store: Store, start: float, end: float, tz: str) -> Demand:
    engine, span = store.engine, end - start
    try:
        topics = _topics(QaStore(engine), start, end, tz)
    except (ValueError, MemoryError) as exc:  # the clustering gave up: say so, keep the rest
        log.warning("hot topics of the report left out: %s", exc)
        topics = {"topics": [], "analysed": 0, "failed": f"{type(exc).__name__}: {exc}"[:200]}
    return Demand(
        reasons=reason_counts(engine, start, end),
        previous=reason_counts(engine, start - span, start),
        **topics,
    )


def _topics(qa: QaStore, start: float, end: float, tz: str) -> dict:
    window = max(end - start, MIN_WINDOW_S)
    zone = ZoneInfo(tz)
    found = hot_topics(qa, start - window, end, tz)
    first = datetime.fromtimestamp(start, zone).date().isoformat()
    before = datetime.fromtimestamp(start - (end - start), zone).date().isoformat()
    now_days = [i for i, d in enumerate(found["days"]) if d >= first]
    prev_days = [i for i, d in enumerate(found["days"]) if before <= d < first]
    spikes = {a["topic"]: a for a in found["alerts"] if a["day"] >= first}
    rows = []
    for t in found["topics"]:
        n = sum(t["daily"][i] for i in now_days)
        if not n or not t["label"]:  # an unlabelled topic is "everything else"
            continue
        s = spikes.get(t["id"])
        spike = None if s is None else (
            f"{s['day']}: {s['count']}, {s['ratio']:g}× its mean {s['baseline']:g}")  # fmt: skip
        rows.append(TopicRow(t["label"], n, sum(t["daily"][i] for i in prev_days), spike))
    rows.sort(key=lambda r: (r.spike is None, -r.contacts, r.label))
    analysed = sum(sum(t["daily"][i] for i in now_days) for t in found["topics"])
    return {"topics": rows[:MAX_TOPICS], "analysed": analysed}
