"""Hints shared by every loader's error messages (center file, federation, scenarios).

Their own module so that `loader` and `federation` both use them without importing each
other (the import contract forbids cycles).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any


def bad_target(target: str, own: str, queues: Mapping[str, int]) -> str | None:
    """Why an overflow target is unusable, or None when it is fine."""
    if target == "callback":
        return None
    if target.startswith("center:"):
        return None if target[len("center:") :].strip() else "'center:' needs a center name"
    if target == own:
        return "a queue cannot overflow to itself"
    if target in queues:
        return None
    return (
        f"unknown target {target!r}{did_you_mean(target, queues)}; expected a queue id, "
        "'callback' or 'center:<name>'"
    )


def did_you_mean(word: str, choices: Any) -> str:
    """` (did you mean 'general'?)` when a close match exists: for every "unknown …" message."""
    close = difflib.get_close_matches(word, [str(c) for c in choices], n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""
