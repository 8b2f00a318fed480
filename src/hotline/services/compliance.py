"""The compliance service: contact-policy checks with their log, opt-outs, legal holds,
retention settings and the purge (files included). Every change is audited in the store's
audit log under an action starting `compliance.` (those lines are never purged).

Settings live in the store (`compliance_settings`), not in the center file: a compliance
officer changes them through the admin API without a center reload, and each change is an
audit line with the old and the new document.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hotline.compliance.policy import ALL, CHANNELS, ContactPolicy, Decision, OptOut, is_opt_out
from hotline.compliance.policy import normalise_identifier as norm
from hotline.compliance.retention import Hold, PurgeReport, RetentionPolicy
from hotline.domain.hours import DEFAULT_TZ
from hotline.domain.records import EventRecord
from hotline.store import Store
from hotline.store.compliance import ComplianceStore

WEEK = 7 * 86400.0
CONFIDENTIAL_ROLES = frozenset({"agent", "supervisor", "admin", "team"})
SOURCES = frozenset({"api", "chat", "sms", "wechat", "voice", "admin"})


class ComplianceError(ValueError):
    """A refused request; `field` names what was wrong (for a 4xx naming the field)."""

    def __init__(self, field: str, reason: str, status: int = 422) -> None:
        super().__init__(f"{field}: {reason}")
        self.field, self.reason, self.status = field, reason, status


class ComplianceService:
    def __init__(self, store: Store, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.repo = ComplianceStore(store.engine)
        self.clock = clock

    # -- settings -----------------------------------------------------------------------------

    def timezone(self) -> str:
        latest = self.store.latest_config()
        return str((latest[1] if latest else {}).get("timezone") or DEFAULT_TZ)

    def contact_policy(self) -> ContactPolicy:
        return ContactPolicy.from_spec(self.repo.setting("contact_policy"), tz=self.timezone())

    def retention(self) -> RetentionPolicy:
        return RetentionPolicy.from_spec(self.repo.setting("retention"))

    def settings(self) -> dict[str, Any]:
        return {
            "contact_policy": self.repo.setting("contact_policy") or {},
            "retention": self.retention().to_spec(),
            "timezone": self.timezone(),
        }

    def set_contact_policy(self, spec: dict[str, Any], by: str) -> None:
        ContactPolicy.from_spec(spec, tz=self.timezone())  # raises HoursSpecError naming a key
        self._put("contact_policy", spec, by)

    def set_retention(self, spec: dict[str, Any], by: str) -> RetentionPolicy:
        policy = RetentionPolicy.from_spec(spec)  # raises RetentionSpecError naming a key
        self._put("retention", policy.to_spec(), by)
        return policy

    def _put(self, key: str, body: dict[str, Any], by: str) -> None:
        now = self.clock()
        old = self.repo.setting(key)
        self.repo.put_setting(key, body, now, by)
        self.store.audit(by, "compliance.settings", key, {"old": old, "new": body}, at=now)

    # -- do-not-call --------------------------------------------------------------------------

    def opt_out(
        self, identifier: str, *, channel: str = ALL, source: str = "api", by: str = "customer"
    ) -> bool:
        """Store an opt-out at once (True if new); audited either way."""
        if channel != ALL and channel not in CHANNELS:
            raise ComplianceError("channel", f"must be 'all' or one of {list(CHANNELS)}")
        if source not in SOURCES:
            raise ComplianceError("source", f"must be one of {sorted(SOURCES)}")
        key = norm(identifier)
        if not key:
            raise ComplianceError("identifier", "empty")
        now = self.clock()
        new = self.repo.add_opt_out(OptOut(key, channel, now, source))
        self.store.audit(
            by,
            "compliance.opt_out",
            key,
            {"channel": channel, "source": source, "new": new},
            at=now,
        )
        return new

    def opt_in(self, identifier: str, by: str, channel: str | None = None) -> int:
        """Lift an opt-out (the customer asked to be contacted again); audited."""
        key = norm(identifier)
        n = self.repo.remove_opt_out(key, channel)
        self.store.audit(by, "compliance.opt_in", key, {"channel": channel, "removed": n})
        return n

    def inbound_message(self, identifier: str | None, text: str | None, source: str) -> bool:
        """Call on every customer message (chat, SMS reply, WeChat): an opt-out keyword
        (退订 / TD / STOP…) puts the sender on the list before anything else happens."""
        if not identifier or not is_opt_out(text):
            return False
        self.opt_out(identifier, source=source, by="customer")
        return True

    def is_opted_out(self, identifier: str, channel: str = ALL) -> bool:
        return any(o.covers(channel) for o in self.repo.opt_outs(norm(identifier)))

    # -- confidential callers (GB/T 33358) -----------------------------------------------------

    def set_confidential(self, identifier: str, roles: list[str], by: str) -> None:
        """Hide this caller's identity from everyone but `roles` (reveal refused to others)."""
        bad = sorted(set(roles) - CONFIDENTIAL_ROLES)
        if bad:
            raise ComplianceError(
                "roles", f"unknown role {bad[0]!r}; use {sorted(CONFIDENTIAL_ROLES)}"
            )
        key = norm(identifier)
        self.repo.set_confidential(key, sorted(set(roles)), by, self.clock())
        self.store.audit(by, "compliance.confidential", key, {"roles": sorted(set(roles))})

    def may_narrow(self, identifier: str, roles: list[str]) -> bool:
        """True when marking `identifier` for `roles` shows it to no role that may not see it
        now (a new marking, or one that keeps or narrows the existing roles)."""
        existing = self.repo.confidential_roles(norm(identifier))
        return existing is None or set(roles) <= set(existing)

    def clear_confidential(self, identifier: str, by: str) -> bool:
        key = norm(identifier)
        done = self.repo.clear_confidential(key)
        self.store.audit(by, "compliance.confidential_cleared", key, {"was": done})
        return done

    def may_see_identity(self, identifier: str | None, role: str) -> bool:
        if not identifier:
            return True
        roles = self.repo.confidential_roles(norm(identifier))
        return roles is None or role in roles

    # -- attempts -----------------------------------------------------------------------------

    def check_attempt(
        self, identifier: str, channel: str, *, actor: str, record: bool = True, **context: Any
    ) -> Decision:
        """Decide on one outbound attempt now and log the decision (allowed or not) with the
        rule; allowed attempts count toward the caps from this moment."""
        if channel not in CHANNELS:
            raise ComplianceError("channel", f"must be one of {list(CHANNELS)}")
        key, now = norm(identifier), self.clock()
        decision = self.contact_policy().decide(
            channel,
            now,
            opt_outs=self.repo.opt_outs(key),
            attempts=self.repo.attempts(key, now - WEEK - 86400),
        )
        if record:
            fact = decision.as_fact() | {k: v for k, v in context.items() if v is not None}
            self.repo.log_attempt(key, channel, now, actor, fact)
        return decision

    # -- legal holds --------------------------------------------------------------------------

    def add_hold(self, kind: str, target: str, reason: str, by: str) -> Hold:
        if kind not in ("customer", "contact"):
            raise ComplianceError("kind", "must be 'customer' or 'contact'")
        if not target.strip():
            raise ComplianceError("target", "empty")
        if not reason.strip():
            raise ComplianceError("reason", "a legal hold needs a reason (case, request…)")
        t = norm(target) if kind == "customer" else target.strip()
        hold = self.repo.add_hold(kind, t, reason.strip(), by, self.clock())
        self.store.audit(by, "compliance.hold", t, {"id": hold.id, "kind": kind, "reason": reason})
        return hold

    def release_hold(self, hold_id: int, by: str) -> None:
        if not self.repo.release_hold(hold_id, by, self.clock()):
            raise ComplianceError("hold_id", f"no active hold {hold_id}", 404)
        self.store.audit(by, "compliance.hold_released", str(hold_id), {})

    def is_held(self, identifier: str | None = None, contact_id: str | None = None) -> bool:
        hs = self.repo.hold_set()
        return hs.covers(contact_id=contact_id, identifier=norm(identifier) if identifier else None)

    # -- purge --------------------------------------------------------------------------------

    def purge(self, *, dry_run: bool = False, actor: str = "system") -> PurgeReport:
        """Delete what is past retention and not held, recording files too; audited."""
        report, paths = self.repo.purge(self.retention(), self.clock(), dry_run=dry_run)
        report.files, report.missing_files = [], 0
        for p in dict.fromkeys(paths):
            present = [f for f in _variants(p) if f.exists()]
            if not present:
                report.missing_files += 1
                continue
            report.files.append(p)
            if not dry_run:
                for f in present:
                    f.unlink(missing_ok=True)
        report.deleted["recordings"] = len(report.files)
        self.repo.save_purge(report.as_dict(), actor)
        self.store.audit(
            actor,
            "compliance.purge" + ("_dry_run" if dry_run else ""),
            None,
            report.as_dict(),
            at=report.at,
        )
        return report


def _variants(path: str) -> list[Path]:
    """A recording may be the WAV or its encrypted `.enc` form (see compliance_recordings)."""
    p = Path(path)
    return [p, p.with_name(p.name + ".enc")]


#: What the chat says after an opt-out keyword; the chat goes on (退订 may also mean a service).
OPT_OUT_REPLY = (
    "已为您登记退订：我们不会再主动致电或发送营销短信。如需退订业务，请继续描述。"
    " / You will not be called or texted by us again. To cancel a service, please go on."
)


def opt_out_message(
    store: Store, clock: Callable[[], float], identifier: str | None, text: str, channel: str
) -> bool:
    """The chat/WeChat hook: a customer message that is an opt-out keyword (退订, TD…) puts
    the sender on the do-not-call list at once. Anonymous web visitors (no number) are skipped."""
    if not identifier or not is_opt_out(text):
        return False
    source = "wechat" if channel == "wechat" else "chat"
    ComplianceService(store, clock).opt_out(identifier, source=source, by="customer")
    return True


#: The notice the chat widget shows above the conversation (widget.js `T.notice`), and the
#: IVR's first prompt (demo_ivr.yaml `welcome`): PIPL Art. 17, before anything is recorded.
NOTICE_TEXT = "为了提高服务质量，本次会话/通话可能会被录音或记录。"


def chat_notice_fact(contact_id: str, queue: str, shown_at: float) -> EventRecord:
    """`compliance.notice` on a chat contact: the widget shows the notice from the session's
    start, before the first message is stored, so `shown_at` is the session's creation."""
    return EventRecord(
        at=shown_at,
        kind="compliance.notice",
        contact_id=contact_id,
        queue=queue,
        channel="chat",
        data={"notice": "recording", "medium": "widget", "text": NOTICE_TEXT},
    )
