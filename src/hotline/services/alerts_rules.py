"""Alert rules as data and the pure state machine that fires, dedupes and clears them.

A rule watches one measure per subject (a queue, an agent, a callback, a work order): each
evaluation passes the measured values in; a subject that breaches the rule continuously for
`for_s` fires ONE alert, which stays open — acknowledged or not — while the breach lasts, and
is cleared when the measure is back within the rule. Only after it cleared can the same rule
fire again for that subject. No clock, no I/O: `now` and the values come in as arguments.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

#: rule kind → (what is measured, direction: True = alert when above the threshold)
KINDS: dict[str, tuple[str, bool]] = {
    "service_level_below": ("service level over the window (0..1) per queue", False),
    "abandon_rate_above": ("abandon rate over the window (0..1) per queue", True),
    "waiting_above": ("contacts waiting now per queue", True),
    "agent_not_ready_over": ("seconds an agent has been not-ready", True),
    "callback_overdue": ("seconds a scheduled callback is past its due time", True),
    "order_at_risk": ("share of a work order's SLA budget used (0..1, > 1 = overdue)", True),
}


@dataclass(frozen=True, slots=True)
class AlertRule:
    """`kind` is one of `KINDS`; `queue` limits queue rules to one queue (None = each)."""

    id: str
    kind: str
    threshold: float
    for_s: float = 0.0
    window_s: float = 1800.0
    queue: str | None = None
    notify: str = "role:supervisor"

    def breached(self, value: float | None) -> bool:
        if value is None:  # nothing to measure (no contact in the window): no breach
            return False
        above = KINDS[self.kind][1]
        return value > self.threshold if above else value < self.threshold

    def describe(self, subject: str, value: float) -> str:
        what = KINDS[self.kind][0]
        side = ">" if KINDS[self.kind][1] else "<"
        held = f" for {self.for_s:.0f} s" if self.for_s else ""
        return f"[{self.id}] {subject}: {what} = {value:.4g} {side} {self.threshold:.4g}{held}"


@dataclass(frozen=True, slots=True)
class Fired:
    rule: AlertRule
    subject: str
    value: float
    since: float


@dataclass(frozen=True, slots=True)
class Cleared:
    rule_id: str
    subject: str


class AlertBook:
    """Breach timers and open alerts per (rule, subject); `open` survives in the store."""

    def __init__(self, open_alerts: Iterable[tuple[str, str]] = ()) -> None:
        self._since: dict[tuple[str, str], float] = {}
        self._open: set[tuple[str, str]] = set(open_alerts)

    def sync(self, open_alerts: Iterable[tuple[str, str]], rule_ids: Iterable[str]) -> None:
        """Take the store's open alerts as the truth and drop timers of rules that are gone.

        The rules are edited (and a deleted rule's alerts closed) by the server while the
        evaluation runs in the jobs process: without this, a rule deleted and created again
        with the same id would look open here forever and never fire again.
        """
        self._open = set(open_alerts)
        live = set(rule_ids)
        self._since = {k: v for k, v in self._since.items() if k[0] in live}

    def forget(self, rule_id: str) -> list[str]:
        """Drop a deleted rule's timers and open alerts; the subjects that were open."""
        self._since = {k: v for k, v in self._since.items() if k[0] != rule_id}
        gone = sorted(s for r, s in self._open if r == rule_id)
        self._open = {k for k in self._open if k[0] != rule_id}
        return gone

    def step(
        self, now: float, rule: AlertRule, values: dict[str, float | None]
    ) -> list[Fired | Cleared]:
        """Feed one rule's measured values per subject; what fires and what clears now.

        A subject missing from `values` (a queue removed, an agent logged off) is not in
        breach any more.
        """
        out: list[Fired | Cleared] = []
        subjects = set(values) | {s for r, s in self._since if r == rule.id}
        subjects |= {s for r, s in self._open if r == rule.id}
        for subject in sorted(subjects):
            key = (rule.id, subject)
            value = values.get(subject)
            if not rule.breached(value):
                self._since.pop(key, None)
                if key in self._open:
                    self._open.discard(key)
                    out.append(Cleared(rule.id, subject))
                continue
            since = self._since.setdefault(key, now)
            if key not in self._open and now - since >= rule.for_s:
                self._open.add(key)
                out.append(Fired(rule, subject, float(value), since))  # type: ignore[arg-type]
        return out
