"""Why customers contacted the center: one reason per contact, counted for a period.

A contact's reason is the category of the work order it opened (`ticket_contacts` role
`origin`), "follow_up" when it followed up an existing order, else the agent's last
disposition (`contact.note` data `disposition`, the desk's wrap-up code), else none. The
order comes first because its category is checked against the center's list and stays with
the case; a disposition is a free choice at wrap-up. This is the labelling the intent model
trains on (`TicketStore.labelled_contacts`), counted here over every contact rather than
only identified ones. Callback contacts are left out: a callback is the center calling back
about an earlier contact, which already has its reason.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import Engine, Table, func, select

from hotline.store import models
from hotline.store import models_tickets as mt

CONTACTS: Table = models.Contact.__table__  # type: ignore[assignment]
EVENTS: Table = models.Event.__table__  # type: ignore[assignment]
LINKS: Table = mt.TicketContact.__table__  # type: ignore[assignment]
ORDERS: Table = mt.TicketOrder.__table__  # type: ignore[assignment]
#: desk disposition codes that name the same reason as an order category
ALIASES = {"consult": "consultation"}
NOTE_GRACE_S = 86400.0  # a contact's wrap-up note may come after midnight: look a day further


@dataclass(frozen=True, slots=True)
class ReasonCounts:
    contacts: int  # contacts created in the period (callbacks excluded)
    reasons: Counter[str]  # reason -> contacts; the rest had none recorded

    def ranked(self) -> list[tuple[str, int]]:
        """Most frequent first, ties by name (a report must not reorder them run to run)."""
        return sorted(self.reasons.items(), key=lambda kv: (-kv[1], kv[0]))

    @property
    def unrecorded(self) -> int:
        return self.contacts - sum(self.reasons.values())


def reason_counts(engine: Engine, start: float, end: float) -> ReasonCounts:
    """Each contact created in [start, end) counted once under its reason (see the module)."""
    c, e, ln, o = CONTACTS.c, EVENTS.c, LINKS.c, ORDERS.c
    in_period = (c.created_at >= start) & (c.created_at < end) & (c.channel != "callback")
    links = (
        select(ln.contact_id, ln.role, o.category)
        .join(ORDERS, o.id == ln.order_id)
        .join(CONTACTS, c.id == ln.contact_id)
        .where(in_period)
        .order_by(ln.linked_at)
    )
    notes = (
        select(e.contact_id, e.data)
        .join(CONTACTS, c.id == e.contact_id)
        .where(e.kind == "contact.note", e.at >= start, e.at < end + NOTE_GRACE_S, in_period)
        .order_by(e.seq)
    )
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(CONTACTS).where(in_period))
        contacts = int(total.scalar_one())
        label: dict[str, str] = {}
        for cid, role, category in conn.execute(links):
            if role == "follow_up":
                label[cid] = "follow_up"
            else:
                label.setdefault(cid, category)  # the first order it opened
        noted: dict[str, str] = {}
        for cid, data in conn.execute(notes):
            if isinstance(data, dict) and data.get("disposition"):
                noted[cid] = str(data["disposition"])  # the last one wins
    for cid, code in noted.items():
        label.setdefault(cid, ALIASES.get(code, code))
    return ReasonCounts(contacts, Counter(label.values()))
