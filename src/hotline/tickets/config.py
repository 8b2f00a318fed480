"""Work-order configuration as frozen values, parsed from data with errors naming the field."""

from __future__ import annotations

import copy
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import yaml

from hotline.domain.enums import Outcome
from hotline.domain.hours import BusinessHours, HoursSpecError
from hotline.tickets.rules import Rule, RuleError, parse_rules
from hotline.tickets.sla import parse_duration, workday_seconds
from hotline.tickets.surveys import SurveyScale

CALENDARS = ("office", "24x7")
OUTCOMES = tuple(o.value for o in Outcome if o is not Outcome.COMPLETED)


class TicketsConfigError(ValueError):
    """`field` names the offending entry, e.g. `categories.complaint.resolution`."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


@dataclass(frozen=True, slots=True)
class Category:
    id: str
    name: str
    first_action_s: float
    resolution_s: float
    calendar: str = "office"
    required: tuple[str, ...] = ()  # fields an order of this category must carry
    optional: tuple[str, ...] = ()
    default_priority: int = 0


@dataclass(frozen=True, slots=True)
class AutoOrder:
    """Create an order automatically when a contact ends with outcome `on`."""

    on: str  # the contact outcome, `when:` in the data form
    category: str
    priority: int = 0


@dataclass(frozen=True, slots=True)
class TicketsConfig:
    office_hours: BusinessHours | None
    categories: Mapping[str, Category]
    rules: tuple[Rule, ...] = ()
    confirm_after_s: float = 3 * 86400.0
    repeat_window_s: float = 7 * 86400.0
    at_risk: float = 0.8
    survey: SurveyScale = field(default_factory=SurveyScale)
    auto_orders: tuple[AutoOrder, ...] = ()
    auto_link_repeats: bool = True  # link a new contact to the customer's live order
    body: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def hours(self, category: str) -> BusinessHours | None:
        """The calendar an order's SLA counts in (None = round the clock)."""
        cat = self.categories.get(category)
        return self.office_hours if cat is not None and cat.calendar == "office" else None


def _duration(raw: Any, where: str, workday_s: float) -> float:
    try:
        return parse_duration(raw, workday_s)
    except ValueError as exc:
        raise TicketsConfigError(where, str(exc)) from None


def _category(cid: str, raw: Any, workday_s: float) -> Category:
    where = f"categories.{cid}"
    if not isinstance(raw, Mapping):
        raise TicketsConfigError(where, "expected a mapping")
    calendar = raw.get("calendar", "office")
    if calendar not in CALENDARS:
        raise TicketsConfigError(f"{where}.calendar", f"expected one of {', '.join(CALENDARS)}")
    day = workday_s if calendar == "office" else 86400.0
    fields = raw.get("fields") or {}
    if not isinstance(fields, Mapping) or any(
        v not in ("required", "optional") for v in fields.values()
    ):
        raise TicketsConfigError(f"{where}.fields", "expected {name: required|optional}")
    first = _duration(raw.get("first_action"), f"{where}.first_action", day)
    resolution = _duration(raw.get("resolution"), f"{where}.resolution", day)
    if first > resolution:
        raise TicketsConfigError(f"{where}.first_action", "must not exceed the resolution budget")
    return Category(
        id=cid,
        name=str(raw.get("name", cid)),
        first_action_s=first,
        resolution_s=resolution,
        calendar=calendar,
        required=tuple(k for k, v in fields.items() if v == "required"),
        optional=tuple(k for k, v in fields.items() if v == "optional"),
        default_priority=int(raw.get("default_priority", 0)),
    )


def parse_config(body: Mapping[str, Any]) -> TicketsConfig:
    """Validate and build; raises `TicketsConfigError` naming the field."""
    if not isinstance(body, Mapping):
        raise TicketsConfigError("", "expected a mapping")
    try:
        hours = BusinessHours.parse(body.get("office_hours") or "24x7")
    except HoursSpecError as exc:
        raise TicketsConfigError(f"office_hours.{exc.part}", exc.reason) from None
    workday_s = workday_seconds(hours)
    cats = body.get("categories")
    if not isinstance(cats, Mapping) or not cats:
        raise TicketsConfigError("categories", "expected a non-empty mapping")
    categories = {str(k): _category(str(k), v, workday_s) for k, v in cats.items()}
    try:
        rules = parse_rules(body.get("rules", []))
    except RuleError as exc:
        raise TicketsConfigError(exc.field, exc.message) from None
    for i, r in enumerate(rules):
        if unknown := r.categories - set(categories):
            raise TicketsConfigError(f"rules[{i}].categories", f"unknown {sorted(unknown)}")
    autos = []
    for i, a in enumerate(body.get("auto_orders") or ()):
        if not isinstance(a, Mapping) or a.get("category") not in categories:
            raise TicketsConfigError(f"auto_orders[{i}].category", "expected a known category")
        if a.get("when") not in OUTCOMES:
            raise TicketsConfigError(
                f"auto_orders[{i}].when", f"expected a contact outcome: {', '.join(OUTCOMES)}"
            )
        autos.append(AutoOrder(a["when"], a["category"], int(a.get("priority", 0))))
    survey = body.get("survey") or {}
    scale = SurveyScale(
        satisfied_min=int(survey.get("satisfied_min", 8)),
        unsatisfied_max=int(survey.get("unsatisfied_max", 4)),
    )
    if not 1 <= scale.unsatisfied_max < scale.satisfied_min <= 10:
        raise TicketsConfigError("survey", "need 1 <= unsatisfied_max < satisfied_min <= 10")
    at_risk = float(body.get("at_risk", 0.8))
    if not 0 < at_risk <= 1:
        raise TicketsConfigError("at_risk", "expected a share in (0, 1]")
    return TicketsConfig(
        office_hours=None if hours.spec == "24x7" else hours,
        categories=categories,
        rules=rules,
        confirm_after_s=_duration(body.get("confirm_after", "3d"), "confirm_after", 86400.0),
        repeat_window_s=_duration(body.get("repeat_window", "7d"), "repeat_window", 86400.0),
        at_risk=at_risk,
        survey=scale,
        auto_orders=tuple(autos),
        auto_link_repeats=bool(body.get("auto_link_repeats", True)),
        body=copy.deepcopy(dict(body)),
    )


@functools.lru_cache(maxsize=1)
def _default_body() -> dict[str, Any]:
    text = resources.files("hotline.tickets").joinpath("defaults.yaml").read_text("utf-8")
    return yaml.safe_load(text)


def default_body() -> dict[str, Any]:
    """The shipped configuration as data (a fresh copy)."""
    return copy.deepcopy(_default_body())


def default_config() -> TicketsConfig:
    return parse_config(default_body())
