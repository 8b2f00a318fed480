"""`KbService`: the knowledge base use cases - the stored articles plus the live search index.

The repository (`hotline.store.kb.KbStore`) is passed in, so this module imports no database
code. Every write goes to the store first and then to the index, under one lock; searches take
the same lock (a search is ~1 ms). Articles written by another process (`hotline kb import`
while the server runs) are picked up by `refresh()`, which reloads only articles changed since
the last change id seen, at most once per `refresh_every_s`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from hotline.kb.model import (
    DEFAULT_SYNONYMS,
    REPORT_FIXED,
    REPORT_REJECTED,
    Article,
    ArticleDraft,
    ArticleVersion,
    ErrorReport,
    SynonymGroup,
)
from hotline.kb.search import KnowledgeSearch, SearchResult

EDITOR_ROLES = frozenset({"supervisor", "admin"})


class Repository(Protocol):  # the subset of KbStore used here
    def create_article(
        self, draft: ArticleDraft, author: str, at: float, note: str | None = ...
    ) -> Article: ...
    def update_article(
        self,
        article_id: int,
        draft: ArticleDraft,
        author: str,
        at: float,
        note: str | None = ...,
        expected_version: int | None = ...,
    ) -> Article: ...
    def article(self, article_id: int) -> Article | None: ...
    def articles(self, status: str | None = ...) -> Iterable[Article]: ...
    def last_change(self) -> int: ...
    def changed_since(self, change_id: int) -> list[Article]: ...
    def versions(self, article_id: int) -> list[ArticleVersion]: ...
    def report_error(
        self, article_id: int, reporter: str, reason: str, at: float
    ) -> ErrorReport: ...
    def resolve_report(
        self, report_id: int, by: str, status: str, resolution: str | None, at: float
    ) -> ErrorReport: ...
    def reports(
        self, status: str | None = ..., assignee: str | None = ..., article_id: int | None = ...
    ) -> list[ErrorReport]: ...
    def synonyms(self) -> list[SynonymGroup]: ...
    def save_synonyms(
        self, terms: list[str], author: str, at: float, group_id: int | None = ...
    ) -> SynonymGroup: ...
    def delete_synonyms(self, group_id: int) -> None: ...


def may_edit(role: str, username: str, article: Article | None) -> bool:
    """Supervisors and admins edit everything; anyone edits an article they own."""
    return role in EDITOR_ROLES or (article is not None and article.owner == username)


class KbService:
    def __init__(
        self,
        repo: Repository,
        clock: Callable[[], float] = time.time,
        refresh_every_s: float = 2.0,
    ) -> None:
        self.repo = repo
        self.clock = clock
        self.refresh_every_s = refresh_every_s
        self.search_engine = KnowledgeSearch()
        self._lock = threading.RLock()
        self._seen_change = 0
        self._last_refresh = 0.0

    # ------------------------------------------------------------------ loading
    def load(self, *, seed_synonyms: bool = True, author: str = "hotline") -> int:
        """Build the index from the store (and seed default synonyms on a new center)."""
        with self._lock:
            change = self.repo.last_change()
            if seed_synonyms and not self.repo.synonyms():
                for group in DEFAULT_SYNONYMS:
                    self.repo.save_synonyms(list(group), author, self.clock())
            self._reload_synonyms()
            self.search_engine.put_many(self.repo.articles())
            self._seen_change = change
            self._last_refresh = time.monotonic()
            return len(self.search_engine)

    def refresh(self, force: bool = False) -> int:
        """Re-index articles changed by anyone since the last look; returns how many."""
        now = time.monotonic()
        if not force and now - self._last_refresh < self.refresh_every_s:
            return 0
        with self._lock:
            self._last_refresh = now
            changed = self.repo.changed_since(self._seen_change)
            for a in changed:
                self.search_engine.put(a)
                self._seen_change = max(self._seen_change, a.last_change)
            return len(changed)

    def _reload_synonyms(self) -> None:
        self.search_engine.set_synonyms(g.terms for g in self.repo.synonyms())

    # ------------------------------------------------------------------ reading
    def search(self, query: str, k: int = 5, **filters: Any) -> SearchResult:
        self.refresh()
        filters.setdefault("now", self.clock())
        with self._lock:
            return self.search_engine.search(query, k, **filters)

    def article(self, article_id: int) -> Article | None:
        return self.repo.article(article_id)

    # ------------------------------------------------------------------ writing
    def _indexed(self, article: Article) -> Article:
        with self._lock:
            self.search_engine.put(article)
            self._seen_change = max(self._seen_change, article.last_change)
        return article

    def create(self, draft: ArticleDraft, author: str, note: str | None = None) -> Article:
        return self._indexed(self.repo.create_article(draft, author, self.clock(), note))

    def update(
        self,
        article_id: int,
        draft: ArticleDraft,
        author: str,
        note: str | None = None,
        expected_version: int | None = None,
    ) -> Article:
        a = self.repo.update_article(
            article_id, draft, author, self.clock(), note, expected_version
        )
        return self._indexed(a)

    def restore(self, article_id: int, version: int, author: str) -> Article:
        """Make an old version current again (as a new version: history is never rewritten)."""
        old = next((v for v in self.repo.versions(article_id) if v.version == version), None)
        if old is None:
            raise LookupError(f"article {article_id} has no version {version}")
        return self.update(article_id, old.draft, author, note=f"restored version {version}")

    def report_error(self, article_id: int, reporter: str, reason: str) -> ErrorReport:
        report = self.repo.report_error(article_id, reporter, reason, self.clock())
        self._flag(article_id)
        return report

    def resolve(self, report_id: int, by: str, fixed: bool, resolution: str | None) -> ErrorReport:
        status = REPORT_FIXED if fixed else REPORT_REJECTED
        report = self.repo.resolve_report(report_id, by, status, resolution, self.clock())
        self._flag(report.article_id)
        return report

    def _flag(self, article_id: int) -> None:
        """Refresh the cached article so hits show (or stop showing) "under review"."""
        a = self.repo.article(article_id)
        if a is not None:
            with self._lock:
                self.search_engine.put(a)

    def save_synonyms(
        self, terms: list[str], author: str, group_id: int | None = None
    ) -> SynonymGroup:
        clean = list(dict.fromkeys(t.strip() for t in terms if t.strip()))
        if len(clean) < 2:
            raise ValueError("a synonym group needs at least two different terms")
        group = self.repo.save_synonyms(clean, author, self.clock(), group_id)
        with self._lock:
            self._reload_synonyms()
        return group

    def delete_synonyms(self, group_id: int) -> None:
        self.repo.delete_synonyms(group_id)
        with self._lock:
            self._reload_synonyms()

    def import_drafts(self, drafts: Iterable[ArticleDraft], author: str) -> list[Article]:
        return [self.create(d, author, note="imported") for d in drafts]
