"""`KnowledgeSearch`: articles in, ranked and highlighted hits out (pure, in memory).

Query pipeline: fold (NFKC, lower, tw2sp) -> unigram/bigram/word terms -> synonym expansion ->
pinyin fallback for terms no article contains -> BM25 (`SearchIndex`) with filters -> snippets.
`coverage` of a hit is the share of the query's idf weight that the article contains; the bot
answers on its own only when the best hit covers most of the question.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from hotline.kb.expand import PinyinFallback, Synonyms
from hotline.kb.index import Filters, IndexedDoc, SearchIndex
from hotline.kb.model import ACTIVE, Article, Hit
from hotline.kb.snippet import highlight, snippet
from hotline.kb.text import fold, is_unigram, query_terms, term_counts


@dataclass(frozen=True, slots=True)
class SearchResult:
    query: str
    terms: dict[str, float]  # what was searched, expansions included
    hits: list[Hit]


def _doc(a: Article) -> IndexedDoc:
    title = term_counts(a.title)
    for tag in a.tags:  # tags and category count like title words
        title.update(term_counts(tag))
    title.update(term_counts(a.category))
    return IndexedDoc(
        key=a.id,
        title=title,
        body=term_counts(a.body),
        category=a.category,
        language=a.language,
        valid_from=a.valid_from,
        valid_to=a.valid_to,
    )


class KnowledgeSearch:
    """Index + article texts + synonyms. Not thread-safe; `KbService` serialises access."""

    def __init__(self, synonyms: Iterable[Iterable[str]] = ()) -> None:
        self.index = SearchIndex()
        self.articles: dict[int, Article] = {}
        self.synonyms = Synonyms(synonyms)
        self._pinyin = PinyinFallback()

    def __len__(self) -> int:
        return len(self.articles)

    def set_synonyms(self, groups: Iterable[Iterable[str]]) -> None:
        self.synonyms = Synonyms(groups)

    def put(self, article: Article) -> None:
        """Index an article (replacing its previous version); archived ones are removed."""
        if article.status != ACTIVE:
            self.drop(article.id)
            return
        old = self.articles.get(article.id)
        self.articles[article.id] = article
        if old is not None and _same_text(old, article):
            return  # e.g. only the review flag changed: no re-index
        self.index.upsert(_doc(article))

    def put_many(self, articles: Iterable[Article]) -> None:
        for a in articles:
            self.put(a)

    def drop(self, article_id: int) -> None:
        self.articles.pop(article_id, None)
        self.index.remove(article_id)

    def terms(self, query: str) -> tuple[dict[str, float], dict[str, set[str]]]:
        """Weighted search terms, and per query term the expansions that stand in for it."""
        terms, alts = query_terms(query), {}
        terms.update(self.synonyms.expand(fold(query), terms, alts))
        terms.update(self._pinyin.expand(self.index, terms, alts))
        return terms, alts

    def _coverage(self, base: dict[str, float], alts: dict[str, set[str]], matched) -> float:
        """Share of the question's meaningful terms (not single characters; weighted by idf)
        that the article contains itself or through a synonym / sound-alike. A term no
        article knows and nothing stands in for (要多, 少钱: cross-word pairs) is ignored."""
        total = got = 0.0
        for t in base:
            if is_unigram(t):
                continue
            stand_ins = alts.get(t, set())
            if self.index.df(t):
                w = self.index.idf(t)
            else:
                w = max((self.index.idf(a) for a in stand_ins if self.index.df(a)), default=0.0)
            total += w
            if t in matched or not stand_ins.isdisjoint(matched):
                got += w
        return got / total if total > 0 else 0.0

    def search(
        self,
        query: str,
        k: int = 5,
        *,
        category: str | None = None,
        language: str | None = None,
        now: float | None = None,
    ) -> SearchResult:
        base = query_terms(query)
        terms, alts = self.terms(query)
        filters = Filters(category, language, now) if (category or language or now) else None
        ranked = self.index.search(terms, k, filters)
        hits = []
        marked = set(terms)
        for r in ranked:
            a = self.articles[r.key]  # type: ignore[index]
            hits.append(
                Hit(
                    article=a,
                    score=r.score,
                    title_html=highlight(a.title, marked),
                    snippet_html=snippet(a.body, marked),
                    coverage=self._coverage(base, alts, r.matched),
                    matched=tuple(sorted(r.matched)),
                )
            )
        return SearchResult(query, terms, hits)


def _same_text(a: Article, b: Article) -> bool:
    return (a.title, a.body, a.category, a.tags, a.language, a.valid_from, a.valid_to) == (
        b.title,
        b.body,
        b.category,
        b.tags,
        b.language,
        b.valid_from,
        b.valid_to,
    )
