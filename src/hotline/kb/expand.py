"""Query expansion: editable synonyms and pinyin-ish typo tolerance (pure).

Synonyms are applied at query time, so editing a group takes effect on the next search
without re-indexing. The pinyin fallback rescues two kinds of input cheaply:

* a homophone typo (退飘 for 退票): a query bigram no article contains is replaced by the most
  frequent indexed bigram that sounds the same and shares one of its two characters;
* pinyin typed without an IME (tuipiao, "xing li"): a Latin word no article contains that
  splits into pinyin syllables is mapped to indexed bigrams with those sounds.

The sound map is built lazily from the index vocabulary (pypinyin, ~9 µs per distinct
character), only when a query needs it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from itertools import product

from hotline.kb.index import SearchIndex
from hotline.kb.text import UNIGRAM_WEIGHT, fold, is_unigram, tokens

SYNONYM_WEIGHT = 0.8
PINYIN_WEIGHT = 0.7
_WORD = re.compile(r"[a-z]+")


class Synonyms:
    """Groups of interchangeable phrases; `expand` adds the other members' terms."""

    def __init__(self, groups: Iterable[Iterable[str]] = ()) -> None:
        self.groups: list[tuple[str, ...]] = []
        for g in groups:
            folded = tuple(dict.fromkeys(fold(t).strip() for t in g if t.strip()))
            if len(folded) >= 2:
                self.groups.append(folded)

    def expand(
        self, folded_query: str, terms: dict[str, float], alts: dict[str, set[str]]
    ) -> dict[str, float]:
        """Terms of the other members of every group found in the query; `alts` records, per
        query term, the terms that may stand in for it (for the coverage measure)."""
        extra: dict[str, float] = {}
        for group in self.groups:
            present = [p for p in group if _contains(folded_query, p)]
            if not present:
                continue
            others = [o for o in group if o not in present]
            stand_ins = {t for o in others for t in tokens(o, query=True) if not is_unigram(t)}
            for p in present:
                for t in tokens(p, query=True):
                    if not is_unigram(t):
                        alts.setdefault(t, set()).update(stand_ins)
            for other in others:
                for t in tokens(other, query=True):
                    w = SYNONYM_WEIGHT * (UNIGRAM_WEIGHT if is_unigram(t) else 1.0)
                    if t not in terms and extra.get(t, 0.0) < w:
                        extra[t] = w
        return extra


def _contains(text: str, phrase: str) -> bool:
    if phrase.isascii():
        return re.search(rf"\b{re.escape(phrase)}\b", text) is not None
    return phrase in text


@lru_cache(maxsize=65536)
def _char_sounds(ch: str) -> tuple[str, ...]:
    from pypinyin import Style, pinyin  # its dictionaries take a second: load when first asked

    return tuple(pinyin(ch, style=Style.NORMAL, heteronym=True)[0])


class PinyinFallback:
    """Maps sounds to indexed bigrams; rebuilt when the vocabulary has changed."""

    def __init__(self) -> None:
        self._by_sound: dict[str, list[str]] = {}
        self._syllables: set[str] = set()
        self._version = -1

    def _refresh(self, index: SearchIndex) -> None:
        if self._version == index.version:
            return
        by_sound: dict[str, list[str]] = {}
        syllables: set[str] = set()
        for term in index.vocabulary():
            if len(term) != 2 or term < "\u3400":
                continue
            a, b = _char_sounds(term[0]), _char_sounds(term[1])
            syllables.update(a)
            syllables.update(b)
            for x, y in product(a, b):
                by_sound.setdefault(x + y, []).append(term)
        self._by_sound, self._syllables, self._version = by_sound, syllables, index.version

    def expand(
        self, index: SearchIndex, terms: dict[str, float], alts: dict[str, set[str]]
    ) -> dict[str, float]:
        unknown = [t for t in terms if index.df(t) == 0 and (len(t) == 2 or t.isascii())]
        if not unknown:
            return {}
        self._refresh(index)
        extra: dict[str, float] = {}
        for t in unknown:
            if t.isascii():
                keys = self._pinyin_keys(t)
            else:
                keys = ["".join(s) for s in product(_char_sounds(t[0]), _char_sounds(t[1]))]
            for key in keys:
                found = self._by_sound.get(key, ())
                if not t.isascii():  # a typo changes one character, never both
                    found = [c for c in found if c[0] == t[0] or c[1] == t[1]]
                best = max(found, key=index.df, default=None)
                if best is not None and best not in terms:
                    extra[best] = max(extra.get(best, 0.0), PINYIN_WEIGHT)
                    alts.setdefault(t, set()).add(best)
        return extra

    def _pinyin_keys(self, word: str) -> list[str]:
        """Adjacent syllable pairs of `word` if it splits wholly into known syllables."""
        if not _WORD.fullmatch(word) or len(word) < 4:
            return []
        parts = _split(word, self._syllables)
        if not parts or len(parts) < 2:
            return []
        return [parts[i] + parts[i + 1] for i in range(len(parts) - 1)]


def _split(word: str, syllables: set[str]) -> list[str] | None:
    """Fewest-syllable segmentation (dynamic programming), None if impossible."""
    n = len(word)
    best: list[list[str] | None] = [None] * (n + 1)
    best[0] = []
    for i in range(n):
        if best[i] is None:
            continue
        for j in range(i + 1, min(n, i + 6) + 1):
            if word[i:j] in syllables:
                cand = [*best[i], word[i:j]]  # type: ignore[misc]
                if best[j] is None or len(cand) < len(best[j]):  # type: ignore[arg-type]
                    best[j] = cand
    return best[n]
