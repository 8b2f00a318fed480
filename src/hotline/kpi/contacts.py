"""Fold each contact's timeline into the few facts KPIs need.

KPIs are contact-based: a contact belongs wholly to the range its `contact.created` falls in, so
its answer, talk and end may lie after the range end (pass the events that follow the range too,
or late answers are missed). Folding once per contact lets intraday buckets and per-queue tables
reuse the same facts instead of re-reading the timeline.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from hotline.domain.enums import Channel, Outcome
from hotline.domain.records import EventRecord


@dataclass(frozen=True, slots=True)
class ContactFacts:
    """What one contact's timeline says, before any range, filter or threshold is applied.

    `queue` is where the contact is counted: the queue of its first `contact.answered` if
    answered, else of its `contact.ended`, else of its last `contact.queued` (falling through
    events whose queue is None, and finally to `contact.scheduled`/`contact.created`).
    `wait_s` is the wait that matters for its fate: for an answered contact `wait_s` of the first
    `contact.answered` (else answered.at − first queued.at); for an unanswered one that ended,
    `wait_s` of `contact.ended` (else ended.at − first queued.at). `talk_s` is set only when the
    contact ended (it is "handled") and sums every leg from a `contact.answered` to the next
    `contact.transferred`, `contact.callback_attempt` or `contact.ended`; hold is part of talk.
    """

    contact_id: str
    created_at: float
    channel: str | None
    queue: str | None
    customer: str | None
    first_queued_at: float | None
    first_ewt_s: float | None
    answered_at: float | None
    wait_s: float | None
    outcome: str | None
    ended_at: float | None
    talk_s: float | None

    @property
    def queued(self) -> bool:
        return self.first_queued_at is not None

    @property
    def answered(self) -> bool:
        return self.answered_at is not None

    @property
    def handled(self) -> bool:
        """Answered and ended within the data, so its talk time is known."""
        return self.answered and self.ended_at is not None

    @property
    def gave_up(self) -> bool:
        """Ended as abandoned and never answered (short or not; see `KpiOptions`)."""
        return not self.answered and self.outcome == Outcome.ABANDONED.value

    @property
    def is_callback(self) -> bool:
        return self.channel == Channel.CALLBACK.value


def group_by_contact(events: Iterable[EventRecord]) -> dict[str, list[EventRecord]]:
    """Contact events per contact id, in timeline order (at, then seq; input order on ties)."""
    grouped: dict[str, list[EventRecord]] = defaultdict(list)
    for event in events:
        if event.contact_id is not None and event.kind.startswith("contact."):
            grouped[event.contact_id].append(event)
    for timeline in grouped.values():
        timeline.sort(key=lambda e: (e.at, e.seq))
    return grouped


def fold_contact(contact_id: str, timeline: list[EventRecord]) -> ContactFacts | None:
    """Facts of one contact, or None when its `contact.created` is not in the data."""
    created = _first(timeline, "contact.created")
    if created is None:
        return None
    queued = [e for e in timeline if e.kind == "contact.queued"]
    answered = _first(timeline, "contact.answered")
    ended = _first(timeline, "contact.ended")
    first_queued_at = queued[0].at if queued else None

    wait_s: float | None = None
    if answered is not None:
        wait_s = _wait(answered, first_queued_at)
    elif ended is not None:
        wait_s = _wait(ended, first_queued_at)

    queue_sources = [answered, ended, *reversed(queued), _last(timeline, "contact.scheduled")]
    queue = next((e.queue for e in [*queue_sources, created] if e is not None and e.queue), None)
    channel = created.channel or created.data.get("channel")
    return ContactFacts(
        contact_id=contact_id,
        created_at=created.at,
        channel=str(channel) if channel is not None else None,
        queue=queue,
        customer=created.data.get("customer"),
        first_queued_at=first_queued_at,
        first_ewt_s=queued[0].data.get("ewt_s") if queued else None,
        answered_at=answered.at if answered is not None else None,
        wait_s=wait_s,
        outcome=ended.data.get("outcome") if ended is not None else None,
        ended_at=ended.at if ended is not None else None,
        talk_s=_talk(timeline) if answered is not None and ended is not None else None,
    )


def fold_contacts(grouped: dict[str, list[EventRecord]]) -> list[ContactFacts]:
    """Facts of every contact whose creation is in the data, ordered by creation time."""
    facts = [fold_contact(cid, timeline) for cid, timeline in grouped.items()]
    return sorted((f for f in facts if f is not None), key=lambda f: f.created_at)


def _first(timeline: list[EventRecord], kind: str) -> EventRecord | None:
    return next((e for e in timeline if e.kind == kind), None)


def _last(timeline: list[EventRecord], kind: str) -> EventRecord | None:
    return next((e for e in reversed(timeline) if e.kind == kind), None)


def _wait(event: EventRecord, first_queued_at: float | None) -> float | None:
    """The event's own `wait_s` (measured from the place in line), else time since first queued."""
    wait = event.data.get("wait_s")
    if wait is not None:
        return float(wait)
    return event.at - first_queued_at if first_queued_at is not None else None


#: events that end an agent's leg of a contact (a callback dial-out ends at each attempt, and a
#: failed attempt is re-scheduled, so the wait for the retry must not count as talk)
LEG_ENDS = frozenset({"contact.transferred", "contact.callback_attempt", "contact.ended"})


def _talk(timeline: list[EventRecord]) -> float:
    """Sum of legs answered → `LEG_ENDS`; a second answer inside an open leg is ignored."""
    total, leg_start = 0.0, None
    for event in timeline:
        if event.kind == "contact.answered" and leg_start is None:
            leg_start = event.at
        elif event.kind in LEG_ENDS and leg_start is not None:
            total += event.at - leg_start
            leg_start = None
    return total
