"""Call-control figures per queue: transfers and consults, from the router's facts.

Pure: facts in, figures out. A fact counts in the queue it names (the queue of the contact
when it happened) if its time falls in `[start, end)`.

Definitions (printed by `hotline report` under the figures):
- transfers: `contact.transferred` - to another queue, to an agent, after a consult, or out;
- after consult: transfers completed from a consult (warm); out: blind transfers to a number
  outside the center (the contact ends `transferred_out`);
- consults: `contact.consult_ended`; each one's consult time runs from the agent asking to
  its end (ringing included) or its merge into a conference; conferences: consults merged
  into a three-way call (their end is not another consult);
- mean consult time: the sum of consult times / consults.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from hotline.domain.records import EventRecord

KINDS = ("contact.transferred", "contact.consult_ended")


@dataclass(slots=True)
class QueueCallControl:
    queue: str
    transfers: int = 0
    after_consult: int = 0
    out: int = 0
    consults: int = 0
    conferences: int = 0
    consult_s: float = 0.0

    @property
    def mean_consult_s(self) -> float | None:
        return self.consult_s / self.consults if self.consults else None


def call_control_kpis(
    facts: Iterable[EventRecord], start: float, end: float
) -> dict[str, QueueCallControl]:
    """Per queue, sorted by queue id; queues with no transfer and no consult are left out."""
    out: dict[str, QueueCallControl] = {}
    for f in facts:
        if f.kind not in KINDS or not start <= f.at < end:
            continue
        q = out.setdefault(f.queue or "-", QueueCallControl(f.queue or "-"))
        d = f.data
        if f.kind == "contact.transferred":
            q.transfers += 1
            q.after_consult += bool(d.get("consult"))
            q.out += d.get("to_number") is not None
        elif "conference_s" not in d:  # not the end of a conference (counted when merged)
            q.consults += 1
            q.conferences += d.get("how") == "conference"
            q.consult_s += float(d.get("consult_s") or 0.0)
    return dict(sorted(out.items()))
