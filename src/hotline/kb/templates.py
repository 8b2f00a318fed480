"""Answer templates: text with `{{placeholder}}` fields an agent fills in one click (pure).

`{{客户姓名}}` or `{{customer_name}}` are replaced from the values the desktop knows (the
contact's name, an order number the agent typed); `{{name|default}}` gives a fallback. A field
without a value is left visible as `【name】` so the agent sees what still needs typing - a
template is never sent with raw braces.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_FIELD = re.compile(r"\{\{\s*([^{}|]+?)\s*(?:\|([^{}]*))?\}\}")

#: Common fields under their Chinese and English names (either may be used in a template).
ALIASES = {
    "客户姓名": "customer_name",
    "姓名": "customer_name",
    "订单号": "order_no",
    "航班号": "flight_no",
    "工号": "agent_id",
    "坐席": "agent_name",
    "日期": "date",
}


def _canonical(name: str) -> str:
    return ALIASES.get(name, name)


def placeholders(body: str) -> list[str]:
    """The distinct field names of a template, in order of appearance."""
    return list(dict.fromkeys(m.group(1) for m in _FIELD.finditer(body)))


@dataclass(frozen=True, slots=True)
class Rendered:
    text: str
    missing: tuple[str, ...]


def render(body: str, values: dict[str, str]) -> Rendered:
    """Fill `body`'s fields from `values` (keys by either alias); list the unfilled ones."""
    known = {_canonical(k): v for k, v in values.items() if v not in (None, "")}
    missing: list[str] = []

    def fill(m: re.Match[str]) -> str:
        name, default = m.group(1), m.group(2)
        value = known.get(_canonical(name))
        if value is not None:
            return str(value)
        if default is not None:
            return default
        if name not in missing:
            missing.append(name)
        return f"【{name}】"

    return Rendered(_FIELD.sub(fill, body), tuple(missing))
