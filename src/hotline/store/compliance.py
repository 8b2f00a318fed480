"""`ComplianceStore`: do-not-call list, attempt log, legal holds, settings and the purge.

Like `Store`, every public method is one transaction and returns plain values. The purge runs
per record type in its own transaction (a crash mid-purge leaves whole types done, never half a
contact), selects the rows past their cutoff, drops those a hold covers (counted as `held`), and
deletes the rest. Recording *files* are the service's business: the store only says which
paths the purged references named.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Engine, Table, delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from hotline.compliance.policy import Attempt, OptOut
from hotline.compliance.retention import Hold, HoldSet, PurgeReport, RetentionPolicy
from hotline.store import models
from hotline.store import models_compliance as mc
from hotline.store import models_kb as mk
from hotline.store import models_tickets as mt


def _t(model: Any) -> Table:
    return model.__table__


OPT_OUTS, ATTEMPTS, HOLDS = _t(mc.OptOutRow), _t(mc.AttemptRow), _t(mc.HoldRow)
SETTINGS, PURGES, CONFIDENTIAL = _t(mc.SettingRow), _t(mc.PurgeRow), _t(mc.ConfidentialRow)
EVENTS, CONTACTS, AUDIT = _t(models.Event), _t(models.Contact), _t(models.AuditLog)
SESSIONS, MESSAGES, MEDIA = _t(mk.ChatSession), _t(mk.ChatMessage), _t(mk.ChatMedia)
ORDERS, ORDER_EVENTS, LINKS = _t(mt.TicketOrder), _t(mt.TicketEvent), _t(mt.TicketContact)
CUSTOMERS, IDS, SURVEYS = _t(mt.Customer), _t(mt.CustomerIdentifier), _t(mt.Survey)
RECORDING = "voice.recording"
_CHUNK = 500


def _chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for i in range(0, len(values), _CHUNK):
        yield values[i : i + _CHUNK]


def _paths(data: dict[str, Any]) -> list[str]:
    return [f["path"] for f in data.get("files", []) if isinstance(f, dict) and f.get("path")]


class ComplianceStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    # -- do-not-call --------------------------------------------------------------------------

    def add_opt_out(self, o: OptOut, data: dict[str, Any] | None = None) -> bool:
        """Store an opt-out at once; False if it was already there (the first one is kept)."""
        row = {"identifier": o.identifier, "channel": o.channel, "at": o.at, "source": o.source}
        try:
            with self._engine.begin() as conn:
                conn.execute(insert(OPT_OUTS).values(**row, data=dict(data or {})))
        except IntegrityError:
            return False
        return True

    def remove_opt_out(self, identifier: str, channel: str | None = None) -> int:
        stmt = delete(OPT_OUTS).where(OPT_OUTS.c.identifier == identifier)
        if channel is not None:
            stmt = stmt.where(OPT_OUTS.c.channel == channel)
        with self._engine.begin() as conn:
            return conn.execute(stmt).rowcount

    def opt_outs(self, identifier: str | None = None) -> list[OptOut]:
        stmt = select(OPT_OUTS).order_by(OPT_OUTS.c.at)
        if identifier is not None:
            stmt = stmt.where(OPT_OUTS.c.identifier == identifier)
        with self._engine.connect() as conn:
            return [OptOut(r.identifier, r.channel, r.at, r.source) for r in conn.execute(stmt)]

    # -- attempts -----------------------------------------------------------------------------

    def log_attempt(
        self, identifier: str, channel: str, at: float, actor: str, decision: dict[str, Any]
    ) -> int:
        values = {
            "at": at,
            "identifier": identifier,
            "channel": channel,
            "allowed": bool(decision["allowed"]),
            "rule": str(decision["rule"]),
            "actor": actor,
            "data": decision,
        }
        with self._engine.begin() as conn:
            stmt = insert(ATTEMPTS).values(**values).returning(ATTEMPTS.c.id)
            return int(conn.execute(stmt).scalar_one())

    def attempts(
        self, identifier: str, since: float, *, allowed_only: bool = True
    ) -> list[Attempt]:
        stmt = select(ATTEMPTS.c.at, ATTEMPTS.c.channel).where(
            ATTEMPTS.c.identifier == identifier, ATTEMPTS.c.at >= since
        )
        if allowed_only:
            stmt = stmt.where(ATTEMPTS.c.allowed.is_(True))
        with self._engine.connect() as conn:
            return [Attempt(r.at, r.channel) for r in conn.execute(stmt.order_by(ATTEMPTS.c.at))]

    def attempt_log(self, identifier: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        stmt = select(ATTEMPTS).order_by(ATTEMPTS.c.id.desc()).limit(limit)
        if identifier is not None:
            stmt = stmt.where(ATTEMPTS.c.identifier == identifier)
        with self._engine.connect() as conn:
            return [dict(r) for r in conn.execute(stmt).mappings()]

    # -- settings -----------------------------------------------------------------------------

    def setting(self, key: str) -> dict[str, Any] | None:
        with self._engine.connect() as conn:
            row = conn.execute(select(SETTINGS.c.body).where(SETTINGS.c.key == key)).first()
        return dict(row.body) if row is not None else None

    def put_setting(self, key: str, body: dict[str, Any], at: float, by: str) -> None:
        with self._engine.begin() as conn:
            done = conn.execute(
                update(SETTINGS)
                .where(SETTINGS.c.key == key)
                .values(body=body, updated_at=at, updated_by=by)
            ).rowcount
            if not done:
                conn.execute(
                    insert(SETTINGS).values(key=key, body=body, updated_at=at, updated_by=by)
                )

    # -- confidential callers (GB/T 33358) ------------------------------------------------------

    def set_confidential(self, identifier: str, roles: list[str], by: str, at: float) -> None:
        with self._engine.begin() as conn:
            conn.execute(delete(CONFIDENTIAL).where(CONFIDENTIAL.c.identifier == identifier))
            conn.execute(
                insert(CONFIDENTIAL).values(identifier=identifier, roles=roles, set_by=by, at=at)
            )

    def clear_confidential(self, identifier: str) -> bool:
        stmt = delete(CONFIDENTIAL).where(CONFIDENTIAL.c.identifier == identifier)
        with self._engine.begin() as conn:
            return conn.execute(stmt).rowcount > 0

    def confidential_roles(self, identifier: str) -> list[str] | None:
        """The roles that may see this caller's identity, or None when not confidential."""
        stmt = select(CONFIDENTIAL.c.roles).where(CONFIDENTIAL.c.identifier == identifier)
        with self._engine.connect() as conn:
            row = conn.execute(stmt).first()
        return list(row.roles) if row is not None else None

    # -- legal holds --------------------------------------------------------------------------

    def add_hold(self, kind: str, target: str, reason: str, by: str, at: float) -> Hold:
        values = {"kind": kind, "target": target, "reason": reason, "created_by": by}
        with self._engine.begin() as conn:
            stmt = insert(HOLDS).values(**values, created_at=at).returning(HOLDS.c.id)
            hid = int(conn.execute(stmt).scalar_one())
        return Hold(hid, kind, target, reason, by, at)

    def release_hold(self, hold_id: int, by: str, at: float) -> bool:
        stmt = (
            update(HOLDS)
            .where(HOLDS.c.id == hold_id, HOLDS.c.released_at.is_(None))
            .values(released_at=at, released_by=by)
        )
        with self._engine.begin() as conn:
            return conn.execute(stmt).rowcount == 1

    def holds(self, *, active_only: bool = True) -> list[Hold]:
        stmt = select(HOLDS).order_by(HOLDS.c.id)
        if active_only:
            stmt = stmt.where(HOLDS.c.released_at.is_(None))
        with self._engine.connect() as conn:
            return [
                Hold(r.id, r.kind, r.target, r.reason, r.created_by, r.created_at, r.released_at)
                for r in conn.execute(stmt)
            ]

    def hold_set(self) -> HoldSet:
        """Active holds resolved: a customer hold covers the profile and every identifier."""
        holds = self.holds()
        contacts = {h.target for h in holds if h.kind == "contact"}
        named = {h.target for h in holds if h.kind == "customer"}
        idents, cids = set(named), set()
        if named:
            with self._engine.connect() as conn:
                rows = conn.execute(
                    select(IDS.c.value, IDS.c.customer_id).where(
                        or_(IDS.c.value.in_(named), IDS.c.customer_id.in_(named))
                    )
                ).all()
                cids = {r.customer_id for r in rows} | (named & self._customer_ids(conn, named))
                if cids:
                    more = conn.execute(select(IDS.c.value).where(IDS.c.customer_id.in_(cids)))
                    idents |= {r.value for r in more}
        targets = set(contacts)
        if idents or cids:
            with self._engine.connect() as conn:
                q = select(CONTACTS.c.id).where(CONTACTS.c.customer.in_(idents))
                targets |= {r.id for r in conn.execute(q)}
                q = select(ORDERS.c.id).where(
                    or_(ORDERS.c.customer.in_(idents), ORDERS.c.customer_id.in_(cids))
                )
                targets |= {r.id for r in conn.execute(q)}
        return HoldSet(frozenset(contacts), frozenset(idents), frozenset(cids), frozenset(targets))

    @staticmethod
    def _customer_ids(conn: Any, values: set[str]) -> set[str]:
        rows = conn.execute(select(CUSTOMERS.c.id).where(CUSTOMERS.c.id.in_(values)))
        return {r.id for r in rows}

    # -- purge --------------------------------------------------------------------------------

    def purge(
        self, policy: RetentionPolicy, now: float, *, dry_run: bool
    ) -> tuple[PurgeReport, list[str]]:
        """Delete what is past retention and not held; returns the report and the recording
        paths whose retention ended (or whose contact went) for the caller to remove."""
        holds = self.hold_set()
        report = PurgeReport(at=now, dry_run=dry_run)
        paths: list[str] = []
        for kind in policy.days:
            report.cutoffs[kind] = policy.cutoff(kind, now)
        steps = (
            ("recordings", self._purge_recordings),
            ("transcripts", self._purge_transcripts),
            ("chat_images", self._purge_media),
            ("chat_messages", self._purge_messages),
            ("contact_records", self._purge_contacts),
            ("work_orders", self._purge_orders),
            ("audit_log", self._purge_audit),
        )
        for kind, step in steps:
            cutoff = report.cutoffs[kind]
            if cutoff is None:
                continue
            with self._engine.connect() as conn:
                trans = conn.begin()
                try:
                    deleted, held, files = step(conn, cutoff, holds)
                finally:
                    (trans.rollback if dry_run else trans.commit)()
            report.deleted[kind], report.held[kind] = deleted, held
            paths += files
        return report, paths

    def save_purge(self, report: dict[str, Any], actor: str) -> int:
        """Store a purge report (the service calls this once the files are handled too)."""
        values = {"at": report["at"], "actor": actor, "dry_run": report["dry_run"]}
        with self._engine.begin() as conn:
            stmt = insert(PURGES).values(**values, report=report).returning(PURGES.c.id)
            return int(conn.execute(stmt).scalar_one())

    def purges(self, limit: int = 20) -> list[dict[str, Any]]:
        stmt = select(PURGES).order_by(PURGES.c.id.desc()).limit(limit)
        with self._engine.connect() as conn:
            return [dict(r) for r in conn.execute(stmt).mappings()]

    def _customers_of(self, conn: Any, contact_ids: Iterable[str]) -> dict[str, str | None]:
        ids = sorted(set(contact_ids))
        out: dict[str, str | None] = {}
        for chunk in _chunks(ids):
            rows = conn.execute(
                select(CONTACTS.c.id, CONTACTS.c.customer).where(CONTACTS.c.id.in_(chunk))
            )
            out.update({r.id: r.customer for r in rows})
        return out

    def _held_contact(self, holds: HoldSet, cid: str | None, customers: dict) -> bool:
        return cid is not None and holds.covers(contact_id=cid, identifier=customers.get(cid))

    def _purge_recordings(self, conn, cutoff, holds):
        rows = conn.execute(
            select(EVENTS.c.seq, EVENTS.c.contact_id, EVENTS.c.data).where(
                EVENTS.c.kind == RECORDING, EVENTS.c.at < cutoff
            )
        ).all()
        customers = self._customers_of(conn, [r.contact_id for r in rows if r.contact_id])
        files: list[str] = []
        held = 0
        for r in rows:
            if self._held_contact(holds, r.contact_id, customers):
                held += 1
            else:
                files += _paths(r.data or {})
        return len(files), held, files

    def _purge_transcripts(self, conn, cutoff, holds):
        rows = conn.execute(
            select(EVENTS.c.seq, EVENTS.c.contact_id).where(
                EVENTS.c.kind.like("%.transcript"), EVENTS.c.at < cutoff
            )
        ).all()
        return self._delete_events(conn, rows, holds)

    def _delete_events(self, conn, rows, holds):
        customers = self._customers_of(conn, [r.contact_id for r in rows if r.contact_id])
        gone = [r.seq for r in rows if not self._held_contact(holds, r.contact_id, customers)]
        for chunk in _chunks(gone):
            conn.execute(delete(EVENTS).where(EVENTS.c.seq.in_(chunk)))
        return len(gone), len(rows) - len(gone), []

    def _sessions(self, conn, ids) -> dict[str, Any]:
        out = {}
        for chunk in _chunks(sorted(set(ids))):
            q = select(SESSIONS.c.id, SESSIONS.c.customer, SESSIONS.c.contact_id)
            out.update({r.id: r for r in conn.execute(q.where(SESSIONS.c.id.in_(chunk)))})
        return out

    def _session_held(self, holds: HoldSet, s: Any) -> bool:
        return s is not None and holds.covers(contact_id=s.contact_id, identifier=s.customer)

    def _purge_chat_rows(self, conn, table, cutoff, holds):
        rows = conn.execute(select(table.c.id, table.c.session_id).where(table.c.at < cutoff)).all()
        sessions = self._sessions(conn, [r.session_id for r in rows])
        gone = [r.id for r in rows if not self._session_held(holds, sessions.get(r.session_id))]
        for chunk in _chunks(gone):
            conn.execute(delete(table).where(table.c.id.in_(chunk)))
        return len(gone), len(rows) - len(gone), []

    def _purge_media(self, conn, cutoff, holds):
        return self._purge_chat_rows(conn, MEDIA, cutoff, holds)

    def _purge_messages(self, conn, cutoff, holds):
        return self._purge_chat_rows(conn, MESSAGES, cutoff, holds)

    def _purge_contacts(self, conn, cutoff, holds):
        """Ended contacts, their timelines, surveys and links; a recording cannot outlive its
        contact record, so its files are returned for removal too. Bot-only chat sessions
        (no contact) go by their end time."""
        rows = conn.execute(
            select(CONTACTS.c.id, CONTACTS.c.customer).where(
                CONTACTS.c.status == "ended", CONTACTS.c.ended_at < cutoff
            )
        ).all()
        gone = [r.id for r in rows if not holds.covers(contact_id=r.id, identifier=r.customer)]
        files: list[str] = []
        for chunk in _chunks(gone):
            recs = conn.execute(
                select(EVENTS.c.data).where(
                    EVENTS.c.contact_id.in_(chunk), EVENTS.c.kind == RECORDING
                )
            )
            files += [p for r in recs for p in _paths(r.data or {})]
            conn.execute(delete(EVENTS).where(EVENTS.c.contact_id.in_(chunk)))
            conn.execute(delete(SURVEYS).where(SURVEYS.c.contact_id.in_(chunk)))
            conn.execute(delete(LINKS).where(LINKS.c.contact_id.in_(chunk)))
            conn.execute(delete(SESSIONS).where(SESSIONS.c.contact_id.in_(chunk)))
            conn.execute(delete(CONTACTS).where(CONTACTS.c.id.in_(chunk)))
        bots = conn.execute(
            select(SESSIONS.c.id, SESSIONS.c.customer, SESSIONS.c.contact_id).where(
                SESSIONS.c.contact_id.is_(None), SESSIONS.c.ended_at < cutoff
            )
        ).all()
        bot_gone = [s.id for s in bots if not self._session_held(holds, s)]
        for chunk in _chunks(bot_gone):
            conn.execute(delete(SESSIONS).where(SESSIONS.c.id.in_(chunk)))
        held = len(rows) - len(gone) + len(bots) - len(bot_gone)
        return len(gone) + len(bot_gone), held, files

    def _purge_orders(self, conn, cutoff, holds):
        rows = conn.execute(
            select(ORDERS.c.id, ORDERS.c.customer, ORDERS.c.customer_id).where(
                ORDERS.c.state == "closed", ORDERS.c.updated_at < cutoff
            )
        ).all()
        links: dict[str, list[str]] = {}
        for chunk in _chunks([r.id for r in rows]):
            for link in conn.execute(select(LINKS).where(LINKS.c.order_id.in_(chunk))):
                links.setdefault(link.order_id, []).append(link.contact_id)
        gone = [
            r.id
            for r in rows
            if not holds.covers(
                identifier=r.customer, customer_id=r.customer_id, contact_ids=links.get(r.id, ())
            )
        ]
        for chunk in _chunks(gone):
            conn.execute(delete(ORDER_EVENTS).where(ORDER_EVENTS.c.order_id.in_(chunk)))
            conn.execute(delete(LINKS).where(LINKS.c.order_id.in_(chunk)))
            conn.execute(delete(ORDERS).where(ORDERS.c.id.in_(chunk)))
        return len(gone), len(rows) - len(gone), []

    def _purge_audit(self, conn, cutoff, holds):
        rows = conn.execute(
            select(AUDIT.c.id, AUDIT.c.target).where(
                AUDIT.c.at < cutoff, AUDIT.c.action.not_like("compliance.%")
            )
        ).all()
        gone = [r.id for r in rows if not holds.covers_target(r.target)]
        for chunk in _chunks(gone):
            conn.execute(delete(AUDIT).where(AUDIT.c.id.in_(chunk)))
        return len(gone), len(rows) - len(gone), []
