"""How long each kind of record is kept (PIPL Art. 19) and what a legal hold protects.

`RetentionPolicy` holds days per record type (None = keep until erased on request). The purge
deletes a record once it is older than its type's retention *and* no active `Hold` covers it.
A hold names a customer (any of their identifiers, or a customer id) or one contact; it covers
every record about them: their contacts and timelines, recordings, chat sessions, messages and
images, work orders, and audit lines whose target is one of them.

The audit log has a floor of 180 days: GB/T 22239 (等保 2.0, level 2 and up) requires audit
records be kept at least six months, so a shorter setting is refused, not silently obeyed.
Lines that record compliance actions themselves (purges, erasures, holds) are never purged:
they are the proof the other deletions were lawful.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

RECORD_TYPES: tuple[str, ...] = (
    "recordings",
    "transcripts",
    "chat_images",
    "chat_messages",
    "contact_records",
    "work_orders",
    "audit_log",
)
DEFAULT_DAYS: Mapping[str, int | None] = {
    "recordings": 180,
    "transcripts": 180,
    "chat_images": 90,
    "chat_messages": 365,
    "contact_records": 730,
    "work_orders": 1095,
    "audit_log": 1095,
}
AUDIT_FLOOR_DAYS = 180
DAY = 86400.0


class RetentionSpecError(ValueError):
    """A bad retention setting; `part` names the field (e.g. `retention.recordings`)."""

    def __init__(self, part: str, reason: str) -> None:
        super().__init__(f"{part}: {reason}")
        self.part = part
        self.reason = reason


@dataclass(frozen=True)
class RetentionPolicy:
    days: Mapping[str, int | None] = field(default_factory=lambda: dict(DEFAULT_DAYS))

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any] | None) -> RetentionPolicy:
        """`{"recordings": 180, "work_orders": null, ...}`; missing types take the defaults."""
        days = dict(DEFAULT_DAYS)
        for key, value in dict(spec or {}).items():
            part = f"retention.{key}"
            if key not in RECORD_TYPES:
                raise RetentionSpecError(part, f"unknown record type; expected {RECORD_TYPES}")
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                raise RetentionSpecError(part, f"expected whole days or null, got {value!r}")
            if value is not None and value < 1:
                raise RetentionSpecError(part, "must be at least 1 day (or null: keep)")
            if key == "audit_log" and value is not None and value < AUDIT_FLOOR_DAYS:
                raise RetentionSpecError(
                    part, f"GB/T 22239 requires at least {AUDIT_FLOOR_DAYS} days of audit log"
                )
            days[key] = value
        return cls(days)

    def cutoff(self, record_type: str, now: float) -> float | None:
        """Records of this type created/ended before this instant are due; None = keep."""
        d = self.days[record_type]
        return None if d is None else now - d * DAY

    def to_spec(self) -> dict[str, int | None]:
        return {t: self.days[t] for t in RECORD_TYPES}


@dataclass(frozen=True)
class Hold:
    """A legal hold: `kind` "customer" (an identifier or customer id) or "contact"."""

    id: int
    kind: str
    target: str
    reason: str
    created_by: str
    created_at: float
    released_at: float | None = None

    @property
    def active(self) -> bool:
        return self.released_at is None


@dataclass(frozen=True)
class HoldSet:
    """What the active holds protect, resolved to contact ids and customer identifiers."""

    contacts: frozenset[str] = frozenset()
    identifiers: frozenset[str] = frozenset()
    customer_ids: frozenset[str] = frozenset()
    #: ids an audit line may name: held contacts, plus the contacts and orders of held customers
    targets: frozenset[str] = frozenset()

    def covers(
        self,
        *,
        contact_id: str | None = None,
        identifier: str | None = None,
        customer_id: str | None = None,
        contact_ids: Iterable[str] = (),
    ) -> bool:
        if contact_id is not None and contact_id in self.contacts:
            return True
        if identifier is not None and identifier in self.identifiers:
            return True
        if customer_id is not None and customer_id in self.customer_ids:
            return True
        return any(c in self.contacts for c in contact_ids)

    def covers_target(self, target: str | None) -> bool:
        return target is not None and (
            target in self.targets or target in self.identifiers or target in self.customer_ids
        )


@dataclass
class PurgeReport:
    """What a purge deleted (or would delete, `dry_run`) and what holds kept, per type."""

    at: float
    dry_run: bool
    cutoffs: dict[str, float | None] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)
    held: dict[str, int] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)  # recording files removed
    #: references whose files were already gone (an earlier purge, an erasure): counted only,
    #: since every later purge meets them again
    missing_files: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "at": self.at,
            "dry_run": self.dry_run,
            "cutoffs": dict(self.cutoffs),
            "deleted": {t: self.deleted.get(t, 0) for t in RECORD_TYPES},
            "held": {t: self.held.get(t, 0) for t in RECORD_TYPES},
            "files": list(self.files),
            "missing_files": self.missing_files,
        }
