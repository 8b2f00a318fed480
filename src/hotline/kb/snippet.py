"""Highlighted snippets: the window of an article that best covers the query (pure).

Matching runs on the folded text (so a simplified query highlights a traditional article);
marks are placed on the original characters. Output is HTML-escaped text with `<mark>` tags,
safe to insert with `innerHTML`.
"""

from __future__ import annotations

import html
import re

from hotline.kb.text import fold, stem

_WORDS = re.compile(r"[a-z0-9]+")


def _folded_aligned(text: str) -> str:
    """`fold(text)` with the same length as `text` (per character when phrases change length)."""
    folded = fold(text)
    if len(folded) == len(text):
        return folded
    out = []
    for ch in text:
        f = fold(ch)
        out.append(f if len(f) == 1 else ch.lower())
    return "".join(out)


def marks(text: str, terms: set[str]) -> list[bool]:
    """Which characters of `text` match a query term (bigrams and words; unigrams only when
    the query has no longer term, so a lone character does not light up the whole text)."""
    folded = _folded_aligned(text)
    flags = [False] * len(text)
    pairs = {t for t in terms if len(t) == 2 and t >= "\u3400"}
    singles = {t for t in terms if len(t) == 1 and t >= "\u3400"}
    words = {t for t in terms if t.isascii()}
    if pairs:
        for i in range(len(folded) - 1):
            if folded[i : i + 2] in pairs:
                flags[i] = flags[i + 1] = True
    elif singles:
        for i, ch in enumerate(folded):
            if ch in singles:
                flags[i] = True
    if words:
        for m in _WORDS.finditer(folded):
            if m.group() in words or stem(m.group()) in words:
                for i in range(m.start(), m.end()):
                    flags[i] = True
    return flags


def render(text: str, flags: list[bool], start: int = 0, end: int | None = None) -> str:
    end = len(text) if end is None else end
    out, i = [], start
    while i < end:
        j = i
        while j < end and flags[j] == flags[i]:
            j += 1
        piece = html.escape(text[i:j])
        out.append(f"<mark>{piece}</mark>" if flags[i] else piece)
        i = j
    return "".join(out)


def highlight(text: str, terms: set[str]) -> str:
    """The whole text, escaped, with matches marked (for titles)."""
    return render(text, marks(text, terms))


def snippet(text: str, terms: set[str], width: int = 90) -> str:
    """The `width`-character window with the most matched characters, marked."""
    text = " ".join(text.split())  # Markdown line breaks and indentation are noise here
    if not text:
        return ""
    flags = marks(text, terms)
    n = len(text)
    if n <= width:
        return render(text, flags)
    prefix = [0]
    for f in flags:
        prefix.append(prefix[-1] + f)
    best, best_start = -1, 0
    for s in range(0, n - width + 1):
        hits = prefix[s + width] - prefix[s]
        if hits > best:
            best, best_start = hits, s
    if best > 0:  # start a little before the first match of the window, at a boundary
        first = next(i for i in range(best_start, best_start + width) if flags[i])
        best_start = max(0, min(first - 12, n - width))
        for k in range(best_start, first):
            if text[k] in "。！？；.!?;，, ":
                best_start = k + 1
    end = min(n, best_start + width)
    lead = "…" if best_start > 0 else ""
    tail = "…" if end < n else ""
    return lead + render(text, flags, best_start, end) + tail
