"""重复来电率 (repeat-contact rate): how often customers have to come back.

A high repeat rate means first contacts did not solve the problem, whatever the service level
says. The window X is a report option and must be printed beside the figure.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from hotline.domain.records import EventRecord
from hotline.kpi.contacts import fold_contacts, group_by_contact


@dataclass(frozen=True, slots=True)
class RepeatContacts:
    """`repeats` of `contacts` came from a customer who had contacted within `window_s` before."""

    contacts: int
    repeats: int
    rate: float | None
    window_s: float

    def describe(self) -> str:
        """The definition printed under the figure."""
        return (
            f"重复来电率 repeat-contact rate = contacts from a customer who already contacted "
            f"within the previous {self.window_s:.15g} s ÷ contacts with a known customer "
            "(callbacks excluded)"
        )


def repeat_contacts(
    events: Iterable[EventRecord],
    start: float,
    end: float,
    *,
    window_s: float = 86400,
    queue: str | None = None,
    channel: str | None = None,
) -> RepeatContacts:
    """Share of contacts created in [start, end) whose customer contacted in the prior window.

    Counted: every contact created in the range with a `customer` on `contact.created`, queued
    or not (the notes define the rate over all calls), filtered by queue/channel like
    `compute_kpis`. It is a repeat when the same customer created another contact at t with
    at − window_s ≤ t < at, on any channel and queue and possibly before the range (pass those
    events): a customer who chatted and then phones is coming back all the same. Callbacks are
    outbound, so they are never counted and never count as the customer contacting.
    """
    if window_s < 0:
        raise ValueError("window_s must be >= 0")
    contacts = [c for c in fold_contacts(group_by_contact(events)) if not c.is_callback]
    times: dict[str, list[float]] = defaultdict(list)
    for contact in contacts:  # already in creation order, so each list is sorted
        if contact.customer is not None:
            times[contact.customer].append(contact.created_at)

    counted = repeats = 0
    for contact in contacts:
        if not start <= contact.created_at < end or contact.customer is None:
            continue
        if queue is not None and contact.queue != queue:
            continue
        if channel is not None and contact.channel != channel:
            continue
        counted += 1
        earlier = times[contact.customer]
        i = bisect.bisect_left(earlier, contact.created_at - window_s)
        if i < len(earlier) and earlier[i] < contact.created_at:
            repeats += 1
    return RepeatContacts(
        contacts=counted,
        repeats=repeats,
        rate=repeats / counted if counted else None,
        window_s=window_s,
    )
