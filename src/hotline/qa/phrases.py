"""Finding phrases in transcripts: exact, by pinyin (ASR homophones) and by gap pattern.

Three passes over the same normalised text, because ASR errors come in three shapes
(shared/notes/chinese-text-and-speech.md):

1. exact - one Aho-Corasick automaton over every phrase (~33 M chars/s);
2. pinyin - the same phrases and the text as toneless pinyin syllables, so 不知到 (ASR) still
   hits 不知道: the recogniser picked a character with the same sound;
3. patterns - small regular expressions for insertions (不归我们管 via 不归.{0,2}管).

Text is folded like the KB (NFKC, lower case, traditional -> simplified), then punctuation and
spaces are dropped between Han characters and collapsed to one space between Latin words, so
"不，知道" and "You  are stupid." still match. Every hit keeps an index back into the segment
so it gets a time in the call and the text around it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

import ahocorasick
from pypinyin import Style, lazy_pinyin

from hotline.kb.text import HAN, fold
from hotline.qa.asr import Segment
from hotline.qa.rules import PhraseRule

_HAN = re.compile(rf"[{HAN}]")
_PRIORITY = {"exact": 0, "pattern": 1, "pinyin": 2}
CONTEXT_CHARS = 20


@dataclass(frozen=True, slots=True)
class Hit:
    rule: str
    kind: str  # forbidden | required
    phrase: str  # the phrase or pattern that matched
    matched: str  # the text as spoken / typed
    method: str  # exact | pinyin | pattern
    speaker: str
    at: float  # seconds from the start of the call / chat
    segment: int
    context: str

    def as_dict(self) -> dict:
        return {
            "rule": self.rule,
            "kind": self.kind,
            "phrase": self.phrase,
            "matched": self.matched,
            "method": self.method,
            "speaker": self.speaker,
            "at": round(self.at, 2),
            "segment": self.segment,
            "context": self.context,
        }


def _is_punct(ch: str) -> bool:
    return ch.isspace() or unicodedata.category(ch)[0] in "PSZ"


def normalise(text: str) -> tuple[str, list[int]]:
    """Folded text without punctuation, and for each kept char its index in `fold(text)`."""
    folded = fold(text)
    out: list[str] = []
    idx: list[int] = []
    pending_space = False
    for i, ch in enumerate(folded):
        if _is_punct(ch):
            pending_space = bool(out)
            continue
        if pending_space and not _HAN.match(ch) and not _HAN.match(out[-1]):
            out.append(" ")
            idx.append(i)
        pending_space = False
        out.append(ch)
        idx.append(i)
    return "".join(out), idx


def _syllables(text: str) -> list[str]:
    """One pinyin syllable per Han char, the char itself otherwise (same length as text)."""
    result = lazy_pinyin(text, style=Style.NORMAL, errors=lambda s: list(s))
    return result if len(result) == len(text) else [lazy_pinyin(c, errors=list)[0] for c in text]


def _pinyin_key(text: str) -> tuple[str, list[int]]:
    """`|bu|zhi|dao|` and, for each position where a syllable ends, the char index."""
    parts, ends = ["|"], {}
    pos = 1
    for i, syl in enumerate(_syllables(text)):
        parts.append(syl + "|")
        pos += len(syl) + 1
        ends[pos - 1] = i
    return "".join(parts), ends  # type: ignore[return-value]


def _word_boundary(text: str, start: int, end: int) -> bool:
    """Latin phrases must not match inside a word ("hell" in "hello")."""
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not (before.isalnum() and not _HAN.match(before)) and not (
        after.isalnum() and not _HAN.match(after)
    )


class PhraseMatcher:
    """All phrase rules of one center compiled once; `find(segments)` runs the three passes."""

    def __init__(self, forbidden: Iterable[PhraseRule], required: Iterable[PhraseRule]) -> None:
        self.rules = {r.id: ("forbidden", r) for r in forbidden}
        self.rules.update({r.id: ("required", r) for r in required})
        self._exact = ahocorasick.Automaton()
        self._pinyin = ahocorasick.Automaton()
        self._patterns: list[tuple[str, str, re.Pattern[str]]] = []
        exact: dict[str, list[tuple[str, str]]] = {}
        pinyin: dict[str, list[tuple[str, str]]] = {}
        for rid, (_kind, rule) in self.rules.items():
            for phrase in rule.phrases:
                norm, _ = normalise(phrase)
                if not norm:
                    continue
                exact.setdefault(norm, []).append((rid, phrase))
                if rule.pinyin and _HAN.search(norm):
                    pinyin.setdefault(_pinyin_key(norm)[0], []).append((rid, phrase))
                if rule.gaps and len(norm) >= 3 and all(_HAN.match(c) for c in norm):
                    gap = f"[{HAN}]{{0,{rule.gaps}}}"
                    rx = re.compile(gap.join(re.escape(c) for c in norm))
                    self._patterns.append((rid, phrase, rx))
            for pat in rule.patterns:
                self._patterns.append((rid, pat, re.compile(fold(pat))))
        for key, value in exact.items():
            self._exact.add_word(key, (len(key), value))
        for key, value in pinyin.items():
            self._pinyin.add_word(key, (key.count("|") - 1, value))
        self._has_exact, self._has_pinyin = bool(exact), bool(pinyin)
        if exact:
            self._exact.make_automaton()
        if pinyin:
            self._pinyin.make_automaton()

    def _spans(self, norm: str) -> list[tuple[int, int, str, str, str]]:
        """(start, end, rule, phrase, method) over one normalised text."""
        spans = []
        if self._has_exact:
            for end, (length, owners) in self._exact.iter(norm):
                start = end - length + 1
                if _word_boundary(norm, start, end + 1):
                    spans.extend((start, end + 1, rid, ph, "exact") for rid, ph in owners)
        if self._has_pinyin and _HAN.search(norm):
            key, ends = _pinyin_key(norm)
            for end, (n, owners) in self._pinyin.iter(key):
                last = ends.get(end)
                if last is not None:
                    spans.extend((last - n + 1, last + 1, rid, ph, "pinyin") for rid, ph in owners)
        for rid, pat, rx in self._patterns:
            spans.extend((m.start(), m.end(), rid, pat, "pattern") for m in rx.finditer(norm))
        return _dedupe(spans)

    def find(self, segments: list[Segment]) -> list[Hit]:
        hits: list[Hit] = []
        for n, seg in enumerate(segments):
            norm, idx = normalise(seg.text)
            if not norm:
                continue
            folded = fold(seg.text)
            for start, end, rid, phrase, method in self._spans(norm):
                kind, rule = self.rules[rid]
                if seg.speaker not in rule.speakers:
                    continue
                a, b = idx[start], idx[end - 1] + 1
                hits.append(
                    Hit(
                        rule=rid,
                        kind=kind,
                        phrase=phrase,
                        matched=_original(seg.text, folded, a, b),
                        method=method,
                        speaker=seg.speaker,
                        at=time_at(seg, a, len(folded)),
                        segment=n,
                        context=folded[max(0, a - CONTEXT_CHARS) : b + CONTEXT_CHARS].strip(),
                    )
                )
        return hits


def _dedupe(spans: list[tuple[int, int, str, str, str]]) -> list[tuple[int, int, str, str, str]]:
    """One hit per rule per stretch of text: exact beats pattern beats pinyin."""
    spans.sort(key=lambda s: (s[2], _PRIORITY[s[4]], s[0]))
    kept: list[tuple[int, int, str, str, str]] = []
    for s in spans:
        if not any(k[2] == s[2] and k[0] < s[1] and s[0] < k[1] for k in kept):
            kept.append(s)
    return sorted(kept, key=lambda s: s[0])


def _original(text: str, folded: str, a: int, b: int) -> str:
    return text[a:b] if len(text) == len(folded) else folded[a:b]


def time_at(seg: Segment, char: int, length: int) -> float:
    """When char `char` of the segment was spoken: from word times, else interpolated."""
    if seg.words:
        pos = 0
        text = "".join(w.text for w in seg.words)
        lead = len(text) - len(text.lstrip())
        for w in seg.words:
            pos += len(w.text)
            if pos - lead > char:
                return w.start
        return seg.words[-1].start
    if length <= 0 or seg.end <= seg.start:
        return seg.start
    return seg.start + (seg.end - seg.start) * char / length
