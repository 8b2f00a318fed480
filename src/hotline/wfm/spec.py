"""Readable shift templates (YAML/JSON data) -> `ShiftTemplate` values, with errors that name
the offending field, e.g. `templates[1].breaks[0].window: expected '3h-5h'`.

    - name: ft
      length: 9h              # or minutes: 540
      starts: 06:00-15:00/30  # first-last/step-minutes, or a list ["08:00", "09:00"]
      breaks: [{length: 60, window: 3h-5h, paid: false}]
      skills: [agents]
      max_per_day: 4
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from hotline.wfm.schedule import DEFAULT_GROUP, BreakRule, ShiftTemplate

__all__ = ["DEFAULT_TEMPLATES", "SpecError", "parse_duration", "parse_templates"]

_DURATION = re.compile(r"^\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m(?:in)?)?\s*$")
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")


class SpecError(ValueError):
    """A template spec is wrong; the message starts with the field's path."""


DEFAULT_TEMPLATES: tuple[ShiftTemplate, ...] = (
    ShiftTemplate.every("full-time", 540, 0, 900, 30, breaks=(BreakRule(60, 180, 300),)),
    ShiftTemplate.every("part-time", 240, 0, 1200, 30),
)


def parse_duration(value: Any, where: str) -> int:
    """`90`, `"90"`, `"90m"`, `"1h30m"`, `"9h"` -> minutes."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    match = _DURATION.match(str(value)) if isinstance(value, str) else None
    if not match or not any(match.groups()):
        raise SpecError(
            f"{where}: expected minutes or a duration like '9h' or '1h30m', got {value!r}"
        )
    return int(match.group(1) or 0) * 60 + int(match.group(2) or 0)


def _clock(text: str, where: str) -> int:
    match = _CLOCK.match(text.strip())
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise SpecError(f"{where}: expected a time HH:MM between 00:00 and 23:59, got {text!r}")
    return int(match.group(1)) * 60 + int(match.group(2))


def _starts(value: Any, where: str) -> tuple[int, ...]:
    if isinstance(value, str):
        span, _, step = value.partition("/")
        first, sep, last = span.partition("-")
        if not sep:
            return (_clock(first, where),)
        step_min = parse_duration(step or "30", where) if step else 30
        if step_min <= 0:
            raise SpecError(f"{where}: the step after '/' must be > 0")
        lo, hi = _clock(first, where), _clock(last, where)
        if hi < lo:
            raise SpecError(f"{where}: the last start {last!r} is before the first {first!r}")
        return tuple(range(lo, hi + 1, step_min))
    if isinstance(value, Sequence) and value:
        return tuple(_clock(str(v), f"{where}[{i}]") for i, v in enumerate(value))
    raise SpecError(f"{where}: expected '06:00-15:00/30' or a list of times, got {value!r}")


def _break(value: Any, where: str) -> BreakRule:
    if not isinstance(value, Mapping):
        raise SpecError(f"{where}: expected a mapping with length and window")
    unknown = set(value) - {"length", "window", "paid"}
    if unknown:
        raise SpecError(f"{where}: unknown key(s) {sorted(unknown)}")
    length = parse_duration(value.get("length"), f"{where}.length")
    first, sep, last = str(value.get("window", "")).partition("-")
    if not sep:
        raise SpecError(f"{where}.window: expected 'EARLIEST-LATEST' after the start, e.g. '3h-5h'")
    return BreakRule(
        length,
        parse_duration(first, f"{where}.window"),
        parse_duration(last, f"{where}.window"),
        paid=bool(value.get("paid", False)),
    )


def _template(value: Any, where: str) -> ShiftTemplate:
    if not isinstance(value, Mapping):
        raise SpecError(f"{where}: expected a mapping")
    unknown = set(value) - {"name", "length", "starts", "breaks", "skills", "max_per_day", "days"}
    if unknown:
        raise SpecError(f"{where}: unknown key(s) {sorted(unknown)}")
    name = value.get("name")
    if not isinstance(name, str) or not name:
        raise SpecError(f"{where}.name: expected a name")
    breaks = value.get("breaks") or []
    skills = value.get("skills") or [DEFAULT_GROUP]
    if not isinstance(skills, Sequence) or isinstance(skills, str):
        raise SpecError(f"{where}.skills: expected a list of skill group names")
    cap = value.get("max_per_day")
    if cap is not None and (not isinstance(cap, int) or cap < 0):
        raise SpecError(f"{where}.max_per_day: expected a whole number >= 0, got {cap!r}")
    days = value.get("days")
    if days is not None and not (
        isinstance(days, Sequence) and all(isinstance(d, int) for d in days)
    ):
        raise SpecError(f"{where}.days: expected a list of day indexes (0 = first day)")
    return ShiftTemplate(
        name=name,
        length_min=parse_duration(value.get("length"), f"{where}.length"),
        starts_min=_starts(value.get("starts"), f"{where}.starts"),
        breaks=tuple(_break(b, f"{where}.breaks[{i}]") for i, b in enumerate(breaks)),
        skills=frozenset(str(s) for s in skills),
        days=tuple(days) if days is not None else None,
        max_per_day=cap,
    )


def parse_templates(data: Any, where: str = "templates") -> tuple[ShiftTemplate, ...]:
    """A list of template mappings (or `{templates: [...]}`) -> templates."""
    if isinstance(data, Mapping) and "templates" in data:
        data = data["templates"]
    if not isinstance(data, Sequence) or isinstance(data, str) or not data:
        raise SpecError(f"{where}: expected a non-empty list of shift templates")
    return tuple(_template(t, f"{where}[{i}]") for i, t in enumerate(data))
