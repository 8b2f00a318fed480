"""Scoring a contact against the center's rubric.

An automatic item fails while any of its findings stands (open or confirmed); a finding a
reviewer dismissed no longer counts, so confirming/dismissing moves the score. Manual items
wait for a reviewer's mark and are left out of the score until then (the score is over what
has been decided, and `pending` says what is still open). Items that cannot apply to the
channel (dead air in a chat) are left out too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from hotline.qa.rules import QaRules

ACOUSTIC = frozenset({"dead_air", "talk_over", "talk_ratio"})
STANDING = frozenset({"open", "confirmed", "disputed"})


@dataclass(frozen=True, slots=True)
class FindingRef:
    """What scoring needs of a finding: which rule it belongs to and whether it stands."""

    kind: str  # forbidden | missing | dead_air | talk_over | talk_ratio
    rule: str | None
    status: str = "open"


@dataclass(frozen=True, slots=True)
class Score:
    score: float | None  # 0..100 over decided items; None when nothing is decided
    items: list[dict] = field(default_factory=list)  # id, label, weight, result
    pending: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        s = None if self.score is None else round(self.score, 1)
        return {"score": s, "items": self.items, "pending": self.pending}


def _auto_key(f: FindingRef) -> str:
    if f.kind == "forbidden":
        return f"forbidden:{f.rule}"
    if f.kind == "missing":
        return f"required:{f.rule}"
    return f.kind


def score(
    rules: QaRules,
    findings: Iterable[FindingRef],
    *,
    acoustic: bool,
    manual: Mapping[str, bool] | None = None,
) -> Score:
    """The rubric applied to a contact's findings and a reviewer's manual marks."""
    failing = {_auto_key(f) for f in findings if f.status in STANDING}
    manual = manual or {}
    items, pending = [], []
    got = decided = 0.0
    for item in rules.rubric:
        if item.auto is None:
            result = manual.get(item.id)
            verdict = None if result is None else ("pass" if result else "fail")
            if verdict is None:
                pending.append(item.id)
        elif item.auto in ACOUSTIC and not acoustic:
            verdict = "n/a"
        else:
            verdict = "fail" if item.auto in failing else "pass"
        if verdict in ("pass", "fail"):
            decided += item.weight
            got += item.weight if verdict == "pass" else 0.0
        items.append({"id": item.id, "label": item.label, "weight": item.weight, "result": verdict})
    return Score(100.0 * got / decided if decided else None, items, pending)
