"""Compute contact-center KPIs from the event timeline, for a range, a queue and a channel.

Pure functions: the caller passes the events and the range, so the same code serves nightly
reports, the wallboard ("today so far": pass end = now) and the simulator. The timeline is
folded once into per-contact facts and agent state spans (`_Index`); intraday buckets and
per-queue tables then reuse that fold. The exact definitions are in `definitions()`.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, tzinfo

from hotline.domain.enums import Channel, Outcome
from hotline.domain.records import EventRecord
from hotline.kpi.agents import (
    TOUCH_KINDS,
    StateSpan,
    agent_spans,
    occupancy_by_bucket,
    occupancy_seconds,
    wrap_up_by_contact,
)
from hotline.kpi.contacts import ContactFacts, fold_contacts, group_by_contact
from hotline.kpi.definitions import definitions
from hotline.kpi.options import KpiOptions, service_level
from hotline.kpi.ranges import clip_to_now, format_range

#: a callback is completed only when the customer was reached: the center's promise ("a
#: callback for every missed call", the 100 % callback KPI) is kept by talking to the
#: customer, not by dialling; one that failed every try (`callback_failed`) is not completed.
CALLBACK_FINAL_OUTCOMES = frozenset({Outcome.COMPLETED.value})


@dataclass(frozen=True, slots=True)
class Kpis:
    """The KPIs of one range/queue/channel, with the options they were computed with.

    Ratios and averages are None when their denominator is 0 (an empty range prints "—", not
    0 %). Times are seconds. See `definitions()` for every formula.
    """

    start: float
    end: float
    queue: str | None
    channel: str | None
    offered: int
    answered: int
    abandoned: int
    short_abandoned: int
    answered_in_threshold: int
    abandoned_in_threshold: int
    service_level: float | None
    answer_rate: float | None
    abandon_rate: float | None
    asa_s: float | None
    max_wait_s: float | None
    handled: int
    aht_s: float | None
    talk_s_avg: float | None
    acw_s_avg: float | None
    occupancy: float | None
    callbacks_created: int
    callbacks_completed: int
    callbacks_reached: int
    callback_completion_rate: float | None
    ewt_mae_s: float | None
    ewt_samples: int
    options: KpiOptions

    def service_level_with(self, formula: str) -> float | None:
        """The service level under another named formula, for reports that print all four."""
        return service_level(
            formula,
            answered=self.answered,
            answered_in_threshold=self.answered_in_threshold,
            abandoned=self.abandoned,
            abandoned_in_threshold=self.abandoned_in_threshold,
        )

    def definitions(self) -> dict[str, str]:
        """Field name → definition text, with this value's thresholds and SL formula."""
        return definitions(self.options)

    def describe(self, tz: tzinfo = UTC) -> str:
        """The block printed under a report: scope, filters, then one line per definition.

        The range is printed as local dates and times in `tz` (pass the center's zone), with
        the zone named: a reader compares it with their own day, never with epoch seconds.
        """
        queue = self.queue if self.queue is not None else "all"
        channel = self.channel if self.channel is not None else "all except callback"
        head = (
            f"range {format_range(self.start, self.end, tz)} (end excluded), "
            f"queue: {queue}, channel: {channel}"
        )
        return "\n".join([head, *self.definitions().values()])


@dataclass(frozen=True, slots=True)
class _Index:
    """The timeline folded once: contacts by creation time, agent spans, wrap-up per contact."""

    contacts: Sequence[ContactFacts]
    created_ats: Sequence[float]
    spans: Sequence[StateSpan]
    acw_s: dict[str, float]


def _index(events: Iterable[EventRecord]) -> _Index:
    events = sorted(events, key=lambda e: (e.at, e.seq))
    contacts = fold_contacts(group_by_contact(events))
    touches = [
        (e.at, e.agent_id, e.contact_id)
        for e in events
        if e.kind in TOUCH_KINDS and e.agent_id is not None and e.contact_id is not None
    ]
    spans = agent_spans(events)
    return _Index(
        contacts=contacts,
        created_ats=[c.created_at for c in contacts],
        spans=spans,
        acw_s=wrap_up_by_contact(spans, touches),
    )


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


def _compute(
    index: _Index,
    start: float,
    end: float,
    queue: str | None,
    channel: str | None,
    options: KpiOptions,
    occupancy: tuple[float, float] | None = None,
) -> Kpis:
    lo = bisect.bisect_left(index.created_ats, start)
    hi = bisect.bisect_left(index.created_ats, end)
    in_range = [c for c in index.contacts[lo:hi] if queue is None or c.queue == queue]
    if channel is None:
        served = [c for c in in_range if c.queued and not c.is_callback]
    else:
        served = [c for c in in_range if c.queued and c.channel == channel]
    callback_scope = channel is None or channel == Channel.CALLBACK.value
    callbacks = [c for c in in_range if c.is_callback] if callback_scope else []

    threshold, short_s = options.sl_threshold_s, options.short_abandon_s
    answered = [c for c in served if c.answered]
    gave_up = [c for c in served if c.gave_up]
    short = [c for c in gave_up if c.wait_s is not None and c.wait_s < short_s]
    abandoned = [c for c in gave_up if c.wait_s is None or c.wait_s >= short_s]
    offered = len(served) - len(short)
    answer_waits = [c.wait_s for c in answered if c.wait_s is not None]
    abandon_waits = [c.wait_s for c in abandoned if c.wait_s is not None]
    answered_in = sum(1 for w in answer_waits if w <= threshold)
    abandoned_in = sum(1 for w in abandon_waits if w <= threshold)

    handled = [c for c in answered if c.handled]
    talk = sum(c.talk_s or 0.0 for c in handled)
    acw = sum(index.acw_s.get(c.contact_id, 0.0) for c in handled)
    # Occupancy is a property of the agents, whose states carry no queue or channel: a
    # multi-skilled agent's idle minute belongs to every queue it serves, so any per-queue
    # split of it would be invented. Filtered scopes leave it empty instead of repeating the
    # center's figure under each queue's name.
    center_scope = queue is None and channel is None
    occupied, staffed = (
        (occupancy or occupancy_seconds(index.spans, start, end)) if center_scope else (0.0, 0.0)
    )
    ewt_errors = [
        abs(float(c.first_ewt_s) - c.wait_s)
        for c in answered
        if c.first_ewt_s is not None and c.wait_s is not None
    ]
    completed = [c for c in callbacks if c.outcome in CALLBACK_FINAL_OUTCOMES]
    reached = [c for c in callbacks if c.outcome == Outcome.COMPLETED.value]

    return Kpis(
        start=start,
        end=end,
        queue=queue,
        channel=channel,
        offered=offered,
        answered=len(answered),
        abandoned=len(abandoned),
        short_abandoned=len(short),
        answered_in_threshold=answered_in,
        abandoned_in_threshold=abandoned_in,
        service_level=service_level(
            options.sl_formula,
            answered=len(answered),
            answered_in_threshold=answered_in,
            abandoned=len(abandoned),
            abandoned_in_threshold=abandoned_in,
        ),
        answer_rate=_ratio(len(answered), offered),
        abandon_rate=_ratio(len(abandoned), offered),
        asa_s=_ratio(sum(answer_waits), len(answer_waits)),
        max_wait_s=max([*answer_waits, *abandon_waits], default=None),
        handled=len(handled),
        aht_s=_ratio(talk + acw, len(handled)),
        talk_s_avg=_ratio(talk, len(handled)),
        acw_s_avg=_ratio(acw, len(handled)),
        occupancy=_ratio(occupied, staffed),
        callbacks_created=len(callbacks),
        callbacks_completed=len(completed),
        callbacks_reached=len(reached),
        callback_completion_rate=_ratio(len(completed), len(callbacks)),
        ewt_mae_s=_ratio(sum(ewt_errors), len(ewt_errors)),
        ewt_samples=len(ewt_errors),
        options=options,
    )


def compute_kpis(
    events: Iterable[EventRecord],
    start: float,
    end: float,
    *,
    queue: str | None = None,
    channel: str | None = None,
    options: KpiOptions = KpiOptions(),
    now: float | None = None,
) -> Kpis:
    """KPIs of the contacts created in [start, end) (epoch seconds), optionally one queue/channel.

    Pass the events of the range and those after it (a contact created at 23:59 is answered
    after midnight) plus the agent states before it (to know who was in what state at `start`).
    `channel=None` means every channel except callback, whose contacts then appear only in the
    callback figures; `channel="callback"` counts callbacks in offered/answered as well.
    Occupancy is a center figure (all agents): None when a queue or channel filter is set.
    `now` (a live caller passes its clock) cuts the range there: the future is not idle time.
    """
    if now is not None:
        start, end = clip_to_now(start, end, now)
    return _compute(_index(events), start, end, queue, channel, options)


def kpis_by_queue(
    events: Iterable[EventRecord],
    start: float,
    end: float,
    *,
    channel: str | None = None,
    options: KpiOptions = KpiOptions(),
    now: float | None = None,
) -> dict[str, Kpis]:
    """`compute_kpis` for every queue that has a contact created in the range, by queue id.

    Contacts with no queue at all (e.g. ended in the IVR) appear in no queue's row; occupancy
    is None in every row (it is the center's figure, see `compute_kpis`).
    """
    if now is not None:
        start, end = clip_to_now(start, end, now)
    index = _index(events)
    lo = bisect.bisect_left(index.created_ats, start)
    hi = bisect.bisect_left(index.created_ats, end)
    queues = sorted({c.queue for c in index.contacts[lo:hi] if c.queue is not None})
    return {q: _compute(index, start, end, q, channel, options) for q in queues}


def intervals(
    events: Iterable[EventRecord],
    start: float,
    end: float,
    step_s: float = 1800,
    *,
    queue: str | None = None,
    channel: str | None = None,
    options: KpiOptions = KpiOptions(),
    now: float | None = None,
) -> list[tuple[float, Kpis]]:
    """KPIs per bucket [t, t + step_s) from `start`, the last bucket cut at `end` (and `now`).

    Each bucket is an independent range: a contact counts in the bucket it was created in (even
    if answered in the next), and occupancy is clipped to the bucket — the usual convention of
    half-hour intraday reports, which lets buckets be compared with the forecast. With `now`,
    buckets stop there: the running one is cut at now, later ones are not reported.
    """
    if step_s <= 0:
        raise ValueError("step_s must be > 0")
    if now is not None:
        start, end = clip_to_now(start, end, now)
    index = _index(events)
    buckets: list[tuple[float, Kpis]] = []
    i = 0
    n = math.ceil((end - start) / step_s)
    occupancy = occupancy_by_bucket(index.spans, start, step_s, n)
    while (t := start + i * step_s) < end:
        t1 = min(t + step_s, end)
        if t1 < t + step_s:  # a cut last bucket: clip its occupancy exactly
            occupancy[i] = occupancy_seconds(index.spans, t, t1)
        buckets.append((t, _compute(index, t, t1, queue, channel, options, occupancy[i])))
        i += 1
    return buckets
