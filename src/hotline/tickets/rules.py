"""Escalation and expediting (催办) rules, configured as data and evaluated as pure functions.

A rule says *when* (a trigger and conditions) and *what* (effects)::

    - id: sla-at-risk
      when: sla_at_risk        # or: created, sla_breached, repeat_contact, unhappy_rating
      at: 0.8                  # sla_at_risk: share of the budget used
      min_count: 1             # repeat_contact: how many times the customer called again
      categories: [complaint]  # optional filters
      tags: [vip]              #   customer tags, any of
      min_priority: 0
      do: [{raise_priority: 1}, {notify: supervisor}, {expedite: true}]

Each firing has a key (rule id + what fired it), and an order remembers the keys that fired, so
a rule fires once per cause: once when the resolution clock passes 80 %, again only after a
reopening (the key includes the reopen count) or for the next repeat call.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

TRIGGERS = ("created", "sla_at_risk", "sla_breached", "repeat_contact", "unhappy_rating")
NOTIFY_TARGETS = ("supervisor", "owner", "assignee", "team", "customer")


@dataclass(frozen=True, slots=True)
class Effect:
    """`raise_priority` (by n), `set_priority` (to n), `notify` (a target), `expedite`."""

    kind: str
    value: Any = None


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    when: str
    effects: tuple[Effect, ...]
    at: float = 0.8
    min_count: int = 1
    categories: frozenset[str] = frozenset()
    tags: frozenset[str] = frozenset()
    min_priority: int | None = None
    max_priority: int | None = None


@dataclass(frozen=True, slots=True)
class Trigger:
    """Something that happened to an order (or to a contact without an order)."""

    kind: str
    key: str  # what makes this occurrence distinct, e.g. "resolution#0" or a survey id
    fraction: float = 0.0  # sla_*: share of the budget used
    count: int = 0  # repeat_contact: calls about it so far


@dataclass(frozen=True, slots=True)
class Subject:
    """What conditions are checked against (an order, or a contact's customer)."""

    category: str | None = None
    priority: int = 0
    tags: frozenset[str] = frozenset()
    fired: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Firing:
    rule: str
    key: str
    trigger: str
    effects: tuple[Effect, ...]

    @property
    def expedite(self) -> bool:
        return any(e.kind == "expedite" for e in self.effects)


class RuleError(ValueError):
    """A rule definition is wrong; `field` names where (e.g. `rules[2].do[0]`)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


def _matches(rule: Rule, trigger: Trigger, s: Subject) -> bool:
    if rule.when != trigger.kind:
        return False
    if rule.categories and s.category not in rule.categories:
        return False
    if rule.tags and not rule.tags & s.tags:
        return False
    if rule.min_priority is not None and s.priority < rule.min_priority:
        return False
    if rule.max_priority is not None and s.priority > rule.max_priority:
        return False
    if trigger.kind == "sla_at_risk" and trigger.fraction < rule.at:
        return False
    return not (trigger.kind == "repeat_contact" and trigger.count < rule.min_count)


def evaluate(rules: Iterable[Rule], trigger: Trigger, subject: Subject) -> list[Firing]:
    """The rules that fire for `trigger` on `subject` and have not fired for this key yet."""
    out = []
    for rule in rules:
        key = f"{rule.id}:{trigger.key}"
        if key not in subject.fired and _matches(rule, trigger, subject):
            out.append(Firing(rule.id, key, trigger.kind, rule.effects))
    return out


def new_priority(priority: int, firings: Sequence[Firing], top: int = 10) -> int:
    """Priority after the firings' effects, capped at `top`."""
    for f in firings:
        for e in f.effects:
            if e.kind == "raise_priority":
                priority += int(e.value)
            elif e.kind == "set_priority":
                priority = max(priority, int(e.value))
    return max(0, min(top, priority))


# -- parsing ---------------------------------------------------------------------------------


def _effect(raw: Any, where: str) -> Effect:
    if isinstance(raw, str):
        raw = {raw: True}
    if not isinstance(raw, Mapping) or len(raw) != 1:
        raise RuleError(
            where, "an effect is one key: raise_priority, set_priority, notify, expedite"
        )
    [(kind, value)] = raw.items()
    if kind in ("raise_priority", "set_priority"):
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 10:
            raise RuleError(where, f"{kind}: expected a whole number 0..10")
    elif kind == "notify":
        if value not in NOTIFY_TARGETS:
            raise RuleError(where, f"notify: expected one of {', '.join(NOTIFY_TARGETS)}")
    elif kind == "expedite":
        value = True
    else:
        raise RuleError(where, f"unknown effect {kind!r}")
    return Effect(kind, value)


def parse_rules(raw: Any, field: str = "rules") -> tuple[Rule, ...]:
    """Rules from their data form; errors name the field."""
    if not isinstance(raw, list):
        raise RuleError(field, "expected a list of rules")
    rules: list[Rule] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        where = f"{field}[{i}]"
        if not isinstance(item, Mapping):
            raise RuleError(where, "expected a mapping")
        unknown = set(item) - {
            "id",
            "when",
            "at",
            "min_count",
            "categories",
            "tags",
            "min_priority",
            "max_priority",
            "do",
        }
        if unknown:
            raise RuleError(where, f"unknown keys {sorted(unknown)}")
        rid = item.get("id")
        if not isinstance(rid, str) or not rid or rid in seen:
            raise RuleError(f"{where}.id", "a unique, non-empty id is required")
        seen.add(rid)
        if item.get("when") not in TRIGGERS:
            raise RuleError(f"{where}.when", f"expected one of {', '.join(TRIGGERS)}")
        do = item.get("do")
        if not isinstance(do, list) or not do:
            raise RuleError(f"{where}.do", "expected a non-empty list of effects")
        at = item.get("at", 0.8)
        if not isinstance(at, int | float) or not 0 < at <= 1:
            raise RuleError(f"{where}.at", "expected a share of the budget in (0, 1]")
        rules.append(
            Rule(
                id=rid,
                when=item["when"],
                effects=tuple(_effect(e, f"{where}.do[{j}]") for j, e in enumerate(do)),
                at=float(at),
                min_count=int(item.get("min_count", 1)),
                categories=frozenset(item.get("categories") or ()),
                tags=frozenset(item.get("tags") or ()),
                min_priority=item.get("min_priority"),
                max_priority=item.get("max_priority"),
            )
        )
    return tuple(rules)
