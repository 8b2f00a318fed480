"""Text folding and tokenisation for Chinese/English search (pure, no I/O).

Measured on these machines (`shared/notes/chinese-text-and-speech.md`, re-checked by
`bench/kb.py`): character unigrams + bigrams beat jieba words on recall for hotline questions
(jieba keeps 飞机票 whole so it never matches 机票), and traditional-script queries must be
folded to simplified first. So:

* `fold` = NFKC (full-width ＣＡ１２３ -> ca123) + lower case + OpenCC `tw2sp` (characters AND
  Taiwan phrases, 軟體 -> 软件, 網路 -> 网络); applied to documents and queries alike.
* a run of Han characters gives bigrams (the real signal) and unigrams (recall for one-character
  words such as 丢/退); a Latin/digit run gives one word, lightly stemmed (refunds -> refund).

Tokens are plain strings: a bigram has two Han characters, a unigram one, a word is ASCII, so
their kinds never collide.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import lru_cache

import opencc

_converter = opencc.OpenCC("tw2sp")

HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUN = re.compile(rf"[{HAN}]+|[a-z0-9]+(?:['.][a-z0-9]+)*")
_HAN_RE = re.compile(rf"[{HAN}]")

#: Question fluff: frequent in queries, says nothing about the answer. Dropped from queries
#: only (documents keep them, so quoting an article still matches).
STOP_BIGRAMS = frozenset(
    [
        "请问",
        "怎么",
        "如何",
        "怎样",
        "什么",
        "可以",
        "一下",
        "我的",
        "我们",
        "你们",
        "是否",
        "能否",
        "需要",
        "想要",
        "想问",
        "咨询",
        "这个",
        "那个",
        "为什么",
        "吗呢",
        "了吗",
        "的话",
        "应该",
        "哪里",
        "就是",
        "还是",
        "然后",
        "已经",
        "现在",
        "谢谢",
        "你好",
        "您好",
    ]
)
STOP_CHARS = frozenset("的了吗呢吧啊呀么我你您他她它是在有和与及或也都就还要想能会请问怎")
STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "to",
        "of",
        "in",
        "on",
        "at",
        "for",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "do",
        "does",
        "did",
        "i",
        "my",
        "me",
        "we",
        "our",
        "you",
        "your",
        "it",
        "its",
        "this",
        "that",
        "how",
        "what",
        "can",
        "could",
        "would",
        "should",
        "will",
        "with",
        "and",
        "or",
        "if",
        "from",
        "by",
        "about",
        "as",
        "please",
        "hi",
        "hello",
        "there",
        "have",
        "has",
        "had",
        "get",
    ]
)


@lru_cache(maxsize=4096)
def _fold_short(text: str) -> str:
    return _converter.convert(unicodedata.normalize("NFKC", text).lower())


def fold(text: str) -> str:
    """Normalise for matching: NFKC, lower case, traditional -> simplified (tw2sp)."""
    if len(text) <= 64:
        return _fold_short(text)  # queries repeat: cache them
    return _converter.convert(unicodedata.normalize("NFKC", text).lower())


def stem(word: str) -> str:
    """A deliberately light English stemmer: plural and a few verb endings."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 5 and word.endswith("ing"):
        return word[:-3]
    if len(word) > 4 and word.endswith("ed") and not word.endswith("eed"):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def is_han(text: str) -> bool:
    return bool(_HAN_RE.search(text))


def tokens(folded: str, *, query: bool = False) -> list[str]:
    """Tokens of already folded text, in order (duplicates kept: term frequency counts)."""
    out: list[str] = []
    for m in _RUN.finditer(folded):
        run = m.group()
        if run[0] >= "\u3400":
            if query:
                out.extend(ch for ch in run if ch not in STOP_CHARS)
                out.extend(
                    b for i in range(len(run) - 1) if (b := run[i : i + 2]) not in STOP_BIGRAMS
                )
            else:
                out.extend(run)
                out.extend(run[i : i + 2] for i in range(len(run) - 1))
        else:
            if query and run in STOP_WORDS:
                continue
            out.append(stem(run))
    return out


def term_counts(text: str) -> Counter[str]:
    """Term frequencies of a document field (folds first)."""
    return Counter(tokens(fold(text)))


def query_terms(text: str) -> dict[str, float]:
    """Query tokens with weights (`UNIGRAM_WEIGHT` for single Han characters, else 1.0)."""
    weights: dict[str, float] = {}
    for t in tokens(fold(text), query=True):
        w = UNIGRAM_WEIGHT if is_unigram(t) else 1.0
        weights[t] = max(weights.get(t, 0.0), w)
    return weights


def is_unigram(term: str) -> bool:
    return len(term) == 1 and term >= "\u3400"


#: Measured with bench/kb.py (10,000 articles): recall@5 0.966 / 0.976 / 0.984 and MRR 0.871 /
#: 0.886 / 0.899 with unigram weights 0.25 / 0.5 / 1.0 - unigrams rescue paraphrases that
#: change one character of a pair (箱子 / 行李箱), so they count fully.
UNIGRAM_WEIGHT = 1.0
