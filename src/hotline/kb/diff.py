"""What changed between two versions of an article (pure), for the KB editor's diff view.

Chinese has no spaces to split words on and an article's paragraph is often one long line, so
a line diff would mark a whole paragraph for one changed character. The body is compared by
lines first, and each changed block of lines again by characters; very large blocks stay at
line level (the character pass is quadratic in the worst case).
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher

from hotline.kb.model import ArticleDraft

#: changed blocks larger than this (characters, both sides together) are not compared by character
CHAR_DIFF_LIMIT = 20_000
FIELDS = ("category", "tags", "language", "valid_from", "valid_to", "owner", "status")


@dataclass(frozen=True, slots=True)
class Piece:
    op: str  # "equal", "insert" or "delete"
    text: str


def _merge(pieces: list[Piece]) -> list[Piece]:
    out: list[Piece] = []
    for p in pieces:
        if not p.text:
            continue
        if out and out[-1].op == p.op:
            out[-1] = Piece(p.op, out[-1].text + p.text)
        else:
            out.append(p)
    return out


def _chars(a: str, b: str) -> list[Piece]:
    if len(a) + len(b) > CHAR_DIFF_LIMIT:
        return [Piece("delete", a), Piece("insert", b)]
    pieces: list[Piece] = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            pieces.append(Piece("equal", a[i1:i2]))
        else:
            pieces.append(Piece("delete", a[i1:i2]))
            pieces.append(Piece("insert", b[j1:j2]))
    return pieces


def text_diff(old: str, new: str) -> list[Piece]:
    """`old` -> `new` as equal/delete/insert pieces (delete before insert where both)."""
    a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    pieces: list[Piece] = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        left, right = "".join(a[i1:i2]), "".join(b[j1:j2])
        if op == "equal":
            pieces.append(Piece("equal", left))
        elif op == "replace":
            pieces.extend(_chars(left, right))
        else:
            pieces.append(Piece("delete" if op == "delete" else "insert", left or right))
    return _merge(pieces)


def changed_fields(old: ArticleDraft, new: ArticleDraft) -> list[dict[str, object]]:
    """The metadata fields that differ (the title has its own text diff): name, old, new."""
    out: list[dict[str, object]] = []
    for name in FIELDS:
        before, after = getattr(old, name), getattr(new, name)
        if before != after:
            if isinstance(before, tuple):
                before, after = list(before), list(after)
            out.append({"field": name, "old": before, "new": after})
    return out
