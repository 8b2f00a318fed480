"""Agent assist (pure): what the KB suggests while a contact is live.

The desk asks for suggestions whenever the customer writes. The query is built from the
customer's own latest lines (the agent's replies would only repeat the article back), newest
kept first, because the latest line usually says what the customer wants now. Answer templates
are ranked by how well they fit that question: the categories of the best articles (a
template is written for a kind of case) plus the words the template shares with the question.
The values a template can be filled with are gathered from what the desk already knows (the
customer's name on file, the work order of this contact, a flight number the customer typed),
so one click quotes a template with its placeholders filled.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from hotline.kb.model import Template
from hotline.kb.templates import Rendered, render
from hotline.kb.text import is_unigram, term_counts

#: the KB search accepts at most this many characters (GET /api/kb/search caps q at 200)
MAX_QUERY_CHARS = 200
#: how many of the customer's latest lines make the question
LINES_USED = 3
#: each older line counts this much of the next newer one
RECENCY = 0.5
K = TypeVar("K")
#: an airline flight number: two-character IATA code (letters or letter+digit) and 1-4 digits
_FLIGHT = re.compile(r"(?<![A-Z0-9])([A-Z]{2}|[A-Z]\d|\d[A-Z])\s?(\d{3,4})(?![0-9])")


def recent_lines(customer_lines: Sequence[str], n: int = LINES_USED) -> list[str]:
    """The customer's last `n` non-empty lines, oldest first, each cut to what search takes."""
    picked = [" ".join(x.split())[-MAX_QUERY_CHARS:] for x in customer_lines]
    return [x for x in picked if x][-n:]


def question(customer_lines: Sequence[str], max_chars: int = MAX_QUERY_CHARS) -> str:
    """The customer's latest lines as one text, oldest first, cut from the old end."""
    text = " ".join(recent_lines(customer_lines))
    return text[-max_chars:]


def weights(n: int) -> list[float]:
    """Recency weights of `n` lines, oldest first: the newest counts 1, each older one half."""
    return [RECENCY ** (n - 1 - i) for i in range(n)]


def fuse(per_line: Sequence[Sequence[K]]) -> list[tuple[K, float]]:
    """Recency-weighted reciprocal-rank fusion of each line's ranked results (oldest line
    first): a result the newest line finds leads, one every line finds is sure."""
    score: dict[K, float] = {}
    for w, ranked in zip(weights(len(per_line)), per_line, strict=True):
        for rank, key in enumerate(ranked):
            score[key] = score.get(key, 0.0) + w / (rank + 1)
    return sorted(score.items(), key=lambda kv: -kv[1])


def flight_number(lines: Iterable[str]) -> str | None:
    """The last flight number the customer typed (full-width letters folded, upper case)."""
    found = None
    for line in lines:
        for m in _FLIGHT.finditer(unicodedata.normalize("NFKC", line).upper()):
            found = m.group(1) + m.group(2)
    return found


@dataclass(frozen=True, slots=True)
class TemplateHit:
    template: Template
    score: float
    rendered: Rendered


def rank_templates(
    templates: Iterable[Template],
    lines: Sequence[str],
    line_categories: Sequence[Sequence[str]],
    values: Mapping[str, str],
    k: int = 3,
) -> list[TemplateHit]:
    """Active templates that fit what the customer wrote, best first, rendered with `values`.

    `lines` are the customer's recent lines (oldest first) and `line_categories[i]` the
    categories of the articles line i found, best first. Per line, a template scores its
    category fit (1/(rank+1) of the best article of its category) plus the share of the line's
    bigrams and words found in its name and body (single characters match nearly anything);
    lines add up with recency weights. A template that fits no line is not suggested: an
    unrelated greeting is no help.
    """
    per_line = []
    for text, cats in zip(lines, line_categories, strict=True):
        q_terms = {t: n for t, n in term_counts(text).items() if not is_unigram(t)}
        fit: dict[str, float] = {}
        for rank, cat in enumerate(cats):
            if cat and cat not in fit:
                fit[cat] = 1.0 / (rank + 1)
        per_line.append((q_terms, sum(q_terms.values()) or 1, fit))
    hits: list[TemplateHit] = []
    for t in templates:
        if not t.active:
            continue
        t_terms = term_counts(f"{t.name} {t.body}")
        score = 0.0
        for w, (q_terms, total, fit) in zip(weights(len(per_line)), per_line, strict=True):
            overlap = sum(n for term, n in q_terms.items() if term in t_terms) / total
            score += w * (fit.get(t.category, 0.0) + overlap)
        if score > 0:
            hits.append(TemplateHit(t, score, render(t.body, dict(values))))
    hits.sort(key=lambda h: (-h.score, h.template.id))
    return hits[:k]
