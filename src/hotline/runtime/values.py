"""Is a command storable? Checked before the router acts, so a bad value is a refusal.

Once the router has applied a command its memory is ahead of the database until the facts
commit; if the commit then failed on a value PostgreSQL refuses (a NUL byte, a text longer
than its column, a number out of range) the only way back would be rebuilding the router from
the database, which withdraws every pending offer. Checking the command's own values first
turns that into an `InvalidEvent` (HTTP 422 naming the field) while nothing has changed.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

from hotline.routing.errors import InvalidEvent

#: Event fields stored under another column's name.
ALIASES = {"target_agent_id": "agent_id", "to_queue": "queue"}
INT_BOUNDS = {-32: 2**31, -64: 2**63}


def check_event(event: object, limits: Mapping[str, int]) -> None:
    """Raise `InvalidEvent` naming the first field of `event` the database would refuse."""
    if not dataclasses.is_dataclass(event):
        return
    for f in dataclasses.fields(event):
        value = getattr(event, f.name)
        check_value(value, f.name, limits.get(ALIASES.get(f.name, f.name)))


def check_value(value: Any, where: str, limit: int | None = None) -> None:
    """Recursively check one value; `limit` is a text length, or -32/-64 for integers."""
    if isinstance(value, str):
        if "\x00" in value:
            raise InvalidEvent(f"{where}: text must not contain NUL (\\u0000) characters")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise InvalidEvent(f"{where}: text is not valid Unicode (lone surrogate)") from None
        if limit is not None and limit > 0 and len(value) > limit:
            raise InvalidEvent(f"{where}: at most {limit} characters (got {len(value)})")
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int):
        bound = INT_BOUNDS.get(limit if limit is not None and limit < 0 else -64, 2**63)
        if not -bound <= value < bound:
            raise InvalidEvent(f"{where}: number out of range")
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidEvent(f"{where}: must be a finite number")
    elif isinstance(value, tuple | list):
        for i, item in enumerate(value):
            check_value(item, f"{where}[{i}]")
    elif isinstance(value, Mapping):
        for k, item in value.items():
            check_value(k, f"{where} key")
            check_value(item, f"{where}.{k}")
