"""Plain values of the knowledge base, shared by the search core, the store and the API."""

from __future__ import annotations

from dataclasses import dataclass, field

LANGUAGES = ("zh-CN", "zh-TW", "en")
ACTIVE, ARCHIVED = "active", "archived"
REPORT_OPEN, REPORT_FIXED, REPORT_REJECTED = "open", "fixed", "rejected"


#: the largest article the KB takes, from the API and from an import alike: a hotline answer
#: is a page or two; a 50 MB body was once accepted and then made every search take 38 s
MAX_TITLE_CHARS = 500
MAX_BODY_CHARS = 100_000


@dataclass(frozen=True, slots=True)
class ArticleDraft:
    """The editable fields of an article (create, or the new state of an edit)."""

    title: str
    body: str
    category: str = ""
    tags: tuple[str, ...] = ()
    language: str = "zh-CN"
    valid_from: float | None = None
    valid_to: float | None = None
    owner: str | None = None
    status: str = ACTIVE


@dataclass(frozen=True, slots=True)
class Article:
    id: int
    title: str
    body: str
    category: str
    tags: tuple[str, ...]
    language: str
    valid_from: float | None
    valid_to: float | None
    owner: str | None
    status: str
    version: int
    last_change: int
    created_at: float
    updated_at: float
    updated_by: str
    open_reports: int = 0  # > 0: "under review"

    @property
    def under_review(self) -> bool:
        return self.open_reports > 0

    def draft(self) -> ArticleDraft:
        return ArticleDraft(
            self.title,
            self.body,
            self.category,
            self.tags,
            self.language,
            self.valid_from,
            self.valid_to,
            self.owner,
            self.status,
        )


@dataclass(frozen=True, slots=True)
class ArticleVersion:
    article_id: int
    version: int
    draft: ArticleDraft
    author: str
    at: float
    note: str | None


@dataclass(frozen=True, slots=True)
class Template:
    id: int
    name: str
    body: str
    category: str
    owner: str | None
    active: bool
    updated_at: float
    updated_by: str


@dataclass(frozen=True, slots=True)
class SynonymGroup:
    id: int
    terms: tuple[str, ...]
    updated_at: float = 0.0
    updated_by: str = ""


@dataclass(frozen=True, slots=True)
class ErrorReport:
    id: int
    article_id: int
    article_version: int
    reporter: str
    reason: str
    assignee: str | None
    status: str
    created_at: float
    resolved_at: float | None = None
    resolved_by: str | None = None
    resolution: str | None = None


@dataclass(frozen=True, slots=True)
class Hit:
    """One search result: the article, why it matched, and a highlighted snippet (HTML-safe)."""

    article: Article
    score: float
    title_html: str
    snippet_html: str
    coverage: float  # share of the query's weight this article covers (0..1)
    matched: tuple[str, ...] = field(default_factory=tuple)


#: Synonym groups a new center starts with; the team edits them in the KB admin.
DEFAULT_SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("退票", "退款", "退钱"),
    ("改签", "换票", "改期", "改航班"),
    ("丢失", "遗失", "丢了", "找不到", "弄丢"),
    ("行李", "箱子", "托运"),
    ("延误", "晚点", "推迟"),
    ("取消", "停飞", "不飞了"),
    ("话费", "账单", "扣费"),
    ("套餐", "资费"),
    ("停电", "断电", "没电"),
    ("发票", "报销凭证", "行程单"),
    ("refund", "money back", "退款"),
    ("baggage", "luggage", "行李"),
)
