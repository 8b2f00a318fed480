"""An in-memory inverted index with BM25 ranking, incremental updates and filters (pure).

Why our own and not bm25s or SQLite FTS5 (both measured side by side in `bench/kb.py`):
articles change while agents search (an edit must be findable at once), searches filter on
category, language and validity dates, and the bot needs to know which query terms the best
article covers (its confidence). bm25s re-indexes the whole corpus on every change; FTS5 ranks
every matching row of common bigrams in SQL and has no Chinese tokenizer (we would feed it
pre-split tokens anyway).

Layout: each term has a posting list of (slot, tf) appended in slot order, so it stays sorted
and membership is a binary search. An edit kills the old slot and appends a new one; dead slots
are skipped and `compact()` rebuilds when they pile up. For speed, a posting's BM25
tf-normalisation is cached as one float32 array (recomputed when the average document length
drifts by more than 5 %), so a query costs two vector operations per term.
"""

from __future__ import annotations

import math
from array import array
from collections import Counter
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field

import numpy as np

K1 = 1.2
B = 0.75
TITLE_BOOST = 3  # a title term counts like three body terms (BM25F-lite)


@dataclass(frozen=True, slots=True)
class IndexedDoc:
    """What the index needs of an article. Times are epoch seconds; None = open-ended."""

    key: Hashable
    title: Counter
    body: Counter
    category: str = ""
    language: str = ""
    valid_from: float | None = None
    valid_to: float | None = None


@dataclass(frozen=True, slots=True)
class Filters:
    category: str | None = None
    language: str | None = None
    now: float | None = None  # keep only articles valid at this time


@dataclass(slots=True)
class Ranked:
    key: Hashable
    score: float
    matched: dict[str, float] = field(default_factory=dict)  # query term -> its idf


class _Posting:
    __slots__ = ("cache", "ids", "tfs")

    def __init__(self) -> None:
        self.ids = array("i")
        self.tfs = array("f")
        self.cache: tuple[np.ndarray, np.ndarray] | None = None


class SearchIndex:
    """BM25 over title+body terms. Not thread-safe: callers serialise writes (see KbService)."""

    def __init__(self) -> None:
        self._postings: dict[str, _Posting] = {}
        self._slot_of: dict[Hashable, int] = {}
        self._keys: list[Hashable | None] = []
        self._cap = 1024
        self._len = np.zeros(self._cap, np.float32)
        self._alive = np.zeros(self._cap, bool)
        self._vfrom = np.full(self._cap, -np.inf)
        self._vto = np.full(self._cap, np.inf)
        self._cat = np.zeros(self._cap, np.int32)
        self._lang = np.zeros(self._cap, np.int32)
        self._codes: dict[str, int] = {"": 0}
        self._total_len = 0.0
        self._live = 0
        self._cached_avg = 0.0
        self.version = 0  # bumps on every change (new vocabulary for the pinyin fallback)

    # ------------------------------------------------------------------ writing
    def __len__(self) -> int:
        return self._live

    def __contains__(self, key: Hashable) -> bool:
        return key in self._slot_of

    def add_many(self, docs: Iterable[IndexedDoc]) -> None:
        for d in docs:
            self.upsert(d)

    def upsert(self, doc: IndexedDoc) -> None:
        """Add a document or replace the one with the same key."""
        self.remove(doc.key)
        slot = len(self._keys)
        if slot >= self._cap:
            self._grow()
        self._keys.append(doc.key)
        self._slot_of[doc.key] = slot
        terms: Counter = Counter()
        for t, n in doc.title.items():
            terms[t] += n * TITLE_BOOST
        for t, n in doc.body.items():
            terms[t] += n
        length = float(sum(terms.values()))
        self._len[slot] = length
        self._alive[slot] = True
        self._vfrom[slot] = -np.inf if doc.valid_from is None else doc.valid_from
        self._vto[slot] = np.inf if doc.valid_to is None else doc.valid_to
        self._cat[slot] = self._code(doc.category)
        self._lang[slot] = self._code(doc.language)
        postings = self._postings
        for t, n in terms.items():
            p = postings.get(t)
            if p is None:
                p = postings[t] = _Posting()
            p.ids.append(slot)
            p.tfs.append(n)
            p.cache = None
        self._total_len += length
        self._live += 1
        self.version += 1

    def remove(self, key: Hashable) -> bool:
        slot = self._slot_of.pop(key, None)
        if slot is None:
            return False
        self._alive[slot] = False
        self._keys[slot] = None
        self._total_len -= float(self._len[slot])
        self._live -= 1
        self.version += 1
        if len(self._keys) > 1000 and self._live < len(self._keys) * 0.7:
            self.compact()
        return True

    def compact(self) -> None:
        """Drop dead slots: rebuild postings with renumbered slots (order kept)."""
        alive = [s for s in range(len(self._keys)) if self._alive[s]]
        remap = np.full(len(self._keys), -1, np.int64)
        remap[alive] = np.arange(len(alive))
        for t in list(self._postings):
            p = self._postings[t]
            ids = np.frombuffer(p.ids, np.int32).copy().astype(np.int64)
            keep = remap[ids] >= 0
            if not keep.any():
                del self._postings[t]
                continue
            new = _Posting()
            new.ids = array("i", remap[ids[keep]].astype(np.int32).tobytes())
            new.tfs = array("f", np.frombuffer(p.tfs, np.float32).copy()[keep].tobytes())
            self._postings[t] = new
        for name in ("_len", "_alive", "_vfrom", "_vto", "_cat", "_lang"):
            arr = getattr(self, name)
            fresh = arr.copy()
            fresh[: len(alive)] = arr[alive]
            fresh[len(alive) :] = _EMPTY[name]
            setattr(self, name, fresh)
        self._keys = [self._keys[s] for s in alive]
        self._slot_of = {k: i for i, k in enumerate(self._keys)}
        self.version += 1

    def _grow(self) -> None:
        self._cap *= 2
        for name in ("_len", "_alive", "_vfrom", "_vto", "_cat", "_lang"):
            arr = getattr(self, name)
            fresh = np.full(self._cap, _EMPTY[name], arr.dtype)
            fresh[: len(arr)] = arr
            setattr(self, name, fresh)

    def _code(self, value: str) -> int:
        return self._codes.setdefault(value or "", len(self._codes))

    # ------------------------------------------------------------------ reading
    def df(self, term: str) -> int:
        p = self._postings.get(term)
        return len(p.ids) if p is not None else 0

    def vocabulary(self) -> Iterable[str]:
        return self._postings.keys()

    def idf(self, term: str) -> float:
        df = self.df(term)
        n = max(self._live, 1)
        return math.log(1.0 + (n - df + 0.5) / (df + 0.5))

    def _arrays(self, p: _Posting, avg: float) -> tuple[np.ndarray, np.ndarray]:
        if p.cache is None:
            ids = np.frombuffer(p.ids, np.int32).copy()
            tfs = np.frombuffer(p.tfs, np.float32).copy()
            norm = tfs * (K1 + 1) / (tfs + K1 * (1 - B + B * self._len[ids] / avg))
            p.cache = (ids, norm.astype(np.float32))
        return p.cache

    def search(
        self, terms: dict[str, float], k: int = 10, filters: Filters | None = None
    ) -> list[Ranked]:
        """Top `k` live documents for weighted query terms, best first."""
        if not terms or self._live == 0:
            return []
        avg = self._total_len / self._live
        if abs(avg - self._cached_avg) > 0.05 * max(self._cached_avg, 1e-9):
            for p in self._postings.values():
                p.cache = None
            self._cached_avg = avg
        avg = self._cached_avg
        n = len(self._keys)
        scores = np.zeros(n, np.float32)
        used: list[tuple[str, float, np.ndarray]] = []
        for term, weight in terms.items():
            p = self._postings.get(term)
            if p is None:
                continue
            ids, norm = self._arrays(p, avg)
            idf = self.idf(term)
            scores[ids] += norm * np.float32(idf * weight)
            used.append((term, idf, ids))
        cand = np.flatnonzero(scores)
        if cand.size == 0:
            return []
        mask = self._alive[cand]
        if filters is not None:
            mask &= self._filter_mask(cand, filters)
        cand = cand[mask]
        top = cand[np.argpartition(-scores[cand], k - 1)[:k]] if cand.size > k else cand
        top = top[np.argsort(-scores[top], kind="stable")]
        out = []
        for slot in top.tolist():
            matched = {}
            for term, idf, ids in used:
                i = int(np.searchsorted(ids, slot))
                if i < ids.size and ids[i] == slot:
                    matched[term] = idf
            out.append(Ranked(self._keys[slot], float(scores[slot]), matched))
        return out

    def _filter_mask(self, cand: np.ndarray, f: Filters) -> np.ndarray:
        mask = np.ones(cand.size, bool)
        if f.category is not None:
            mask &= self._cat[cand] == self._codes.get(f.category, -1)
        if f.language is not None:
            mask &= self._lang[cand] == self._codes.get(f.language, -1)
        if f.now is not None:
            mask &= (self._vfrom[cand] <= f.now) & (self._vto[cand] >= f.now)
        return mask


_EMPTY = {"_len": 0.0, "_alive": False, "_vfrom": -np.inf, "_vto": np.inf, "_cat": 0, "_lang": 0}
