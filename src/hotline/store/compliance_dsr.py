"""Data-subject requests in the store: gather every row about a customer, or scrub them.

A customer is a set of identifiers (phone numbers, open ids…) plus, maybe, a profile id.
Erasure anonymises rather than deletes the operational rows (contacts, orders, surveys keep
their counts for KPIs) but removes every copy of the identifiers - in columns and inside JSON
payloads - and the free text the customer wrote; chat images and the profile are deleted.
The audit log is left as it is: it is the record that the request was carried out.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Engine, delete, or_, select, update

from hotline.store.compliance import (
    ATTEMPTS,
    CONFIDENTIAL,
    CONTACTS,
    CUSTOMERS,
    EVENTS,
    IDS,
    MEDIA,
    MESSAGES,
    OPT_OUTS,
    ORDER_EVENTS,
    ORDERS,
    SESSIONS,
    SURVEYS,
    _paths,
)

ERASED_TEXT = "[已删除 erased]"


def _scrub(value: Any, needles: Iterable[str], token: str) -> Any:
    if isinstance(value, str):
        for n in needles:
            value = value.replace(n, token)
        return value
    if isinstance(value, list):
        return [_scrub(v, needles, token) for v in value]
    if isinstance(value, dict):
        return {k: _scrub(v, needles, token) for k, v in value.items()}
    return value


def _rows(conn: Any, stmt: Any) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(stmt).mappings()]


class SubjectStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def identifiers(self, value: str) -> tuple[set[str], str | None]:
        """All identifiers of the customer `value` names (an identifier or a profile id)."""
        with self._engine.connect() as conn:
            row = conn.execute(select(IDS.c.customer_id).where(IDS.c.value == value)).first()
            cid = row.customer_id if row else None
            if (
                cid is None
                and conn.execute(select(CUSTOMERS.c.id).where(CUSTOMERS.c.id == value)).first()
            ):
                cid = value
            idents = {value} if cid != value else set()
            if cid is not None:
                idents |= {
                    r.value
                    for r in conn.execute(select(IDS.c.value).where(IDS.c.customer_id == cid))
                }
        return idents, cid

    def gather(self, idents: set[str], cid: str | None) -> dict[str, Any]:
        """Every row about the customer, as JSON-able dicts (chat images as raw bytes)."""
        with self._engine.connect() as conn:
            contacts = _rows(conn, select(CONTACTS).where(CONTACTS.c.customer.in_(idents)))
            cids = [c["id"] for c in contacts]
            sessions = _rows(
                conn,
                select(SESSIONS).where(
                    or_(SESSIONS.c.customer.in_(idents), SESSIONS.c.contact_id.in_(cids))
                ),
            )
            sids = [s["id"] for s in sessions]
            order_where = ORDERS.c.customer.in_(idents)
            if cid is not None:
                order_where = or_(order_where, ORDERS.c.customer_id == cid)
            orders = _rows(conn, select(ORDERS).where(order_where))
            oids = [o["id"] for o in orders]
            out = {
                "customer": _rows(conn, select(CUSTOMERS).where(CUSTOMERS.c.id == cid)),
                "identifiers": _rows(conn, select(IDS).where(IDS.c.value.in_(idents))),
                "contacts": contacts,
                "events": _rows(
                    conn, select(EVENTS).where(EVENTS.c.contact_id.in_(cids)).order_by(EVENTS.c.seq)
                ),
                "chat_sessions": sessions,
                "chat_messages": _rows(
                    conn,
                    select(MESSAGES).where(MESSAGES.c.session_id.in_(sids)).order_by(MESSAGES.c.id),
                ),
                "chat_media": _rows(conn, select(MEDIA).where(MEDIA.c.session_id.in_(sids))),
                "orders": orders,
                "order_events": _rows(
                    conn, select(ORDER_EVENTS).where(ORDER_EVENTS.c.order_id.in_(oids))
                ),
                "surveys": _rows(
                    conn,
                    select(SURVEYS).where(
                        or_(SURVEYS.c.customer.in_(idents), SURVEYS.c.contact_id.in_(cids))
                    ),
                ),
                "opt_outs": _rows(conn, select(OPT_OUTS).where(OPT_OUTS.c.identifier.in_(idents))),
                "contact_attempts": _rows(
                    conn, select(ATTEMPTS).where(ATTEMPTS.c.identifier.in_(idents))
                ),
            }
        out["recordings"] = [
            p for e in out["events"] if e["kind"] == "voice.recording" for p in _paths(e["data"])
        ]
        return out

    def erase(self, idents: set[str], cid: str | None, token: str) -> dict[str, Any]:
        """Anonymise everything about the customer in one transaction; returns counts and the
        recording paths (the caller deletes the files). Opt-outs are kept: erasing a number
        must not put it back on the calling lists."""
        found = self.gather(idents, cid)
        needles = sorted(idents, key=len, reverse=True)
        scrub = lambda v: _scrub(v, needles, token)  # noqa: E731
        counts: dict[str, int] = {}
        with self._engine.begin() as conn:
            for c in found["contacts"]:
                conn.execute(
                    update(CONTACTS)
                    .where(CONTACTS.c.id == c["id"])
                    .values(customer=token, data=scrub(c["data"]))
                )
            for e in found["events"]:
                conn.execute(
                    update(EVENTS).where(EVENTS.c.seq == e["seq"]).values(data=scrub(e["data"]))
                )
            for s in found["chat_sessions"]:
                conn.execute(
                    update(SESSIONS)
                    .where(SESSIONS.c.id == s["id"])
                    .values(customer=token, data=scrub(s["data"]))
                )
            for m in found["chat_messages"]:
                body = ERASED_TEXT if m["sender"] == "customer" else scrub(m["body"])
                conn.execute(
                    update(MESSAGES)
                    .where(MESSAGES.c.id == m["id"])
                    .values(body=body, data=scrub(m["data"]))
                )
            sids = [s["id"] for s in found["chat_sessions"]]
            if sids:
                conn.execute(delete(MEDIA).where(MEDIA.c.session_id.in_(sids)))
            for o in found["orders"]:
                body = scrub(o["body"]) | {"customer": token, "customer_id": None}
                conn.execute(
                    update(ORDERS)
                    .where(ORDERS.c.id == o["id"])
                    .values(customer=token, customer_id=None, body=body)
                )
            for oe in found["order_events"]:
                conn.execute(
                    update(ORDER_EVENTS)
                    .where(ORDER_EVENTS.c.seq == oe["seq"])
                    .values(data=scrub(oe["data"]))
                )
            for s in found["surveys"]:
                conn.execute(update(SURVEYS).where(SURVEYS.c.id == s["id"]).values(customer=token))
            conn.execute(
                update(ATTEMPTS).where(ATTEMPTS.c.identifier.in_(idents)).values(identifier=token)
            )
            conn.execute(delete(CONFIDENTIAL).where(CONFIDENTIAL.c.identifier.in_(idents)))
            if cid is not None:
                conn.execute(delete(IDS).where(IDS.c.customer_id == cid))
                conn.execute(delete(CUSTOMERS).where(CUSTOMERS.c.id == cid))
        for key in (
            "contacts",
            "events",
            "chat_sessions",
            "chat_messages",
            "chat_media",
            "orders",
            "surveys",
        ):
            counts[key] = len(found[key])
        counts["customer"] = len(found["customer"])
        return {"counts": counts, "recordings": found["recordings"]}
