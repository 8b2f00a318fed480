"""Knowledge base API: search (every logged-in role), articles with versions, error reports
(fix tasks), answer templates and synonyms (edited by supervisors/admins and article owners).

The agent desktop's KB box calls `GET /api/kb/search?q=…` and renders `title_html` /
`snippet_html` (escaped text with `<mark>` tags) and `under_review`.
"""

from __future__ import annotations

import itertools
from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request, status
from pydantic import BaseModel, Field

from hotline.kb.diff import changed_fields, text_diff
from hotline.kb.model import (
    ARCHIVED,
    LANGUAGES,
    MAX_BODY_CHARS,
    MAX_TITLE_CHARS,
    Article,
    ArticleDraft,
)
from hotline.kb.service import KbService, may_edit
from hotline.kb.templates import placeholders, render
from hotline.store import NotFoundError, User
from hotline.store.kb import VersionConflict
from hotline.web.deps import SUPERVISORS, AnyUser, Supervisor
from hotline.web.responses import errors
from hotline.web.schemas import Finite, Offset, RowId

router = APIRouter(prefix="/api/kb", tags=["knowledge base"], responses=errors(404, 409))


def _kb(request: Request) -> KbService:
    return request.app.state.channels.kb


class ArticleIn(BaseModel):
    title: str = Field(min_length=1, max_length=MAX_TITLE_CHARS)
    body: str = Field(min_length=1, max_length=MAX_BODY_CHARS)
    category: str = Field(default="", max_length=128)
    tags: list[str] = Field(default_factory=list, max_length=50)
    language: str = "zh-CN"
    valid_from: Finite | None = None
    valid_to: Finite | None = None
    owner: str | None = None
    note: str | None = Field(default=None, max_length=500)
    expected_version: RowId | None = None  # for edits: refuse if someone saved in between


class ReportIn(BaseModel):
    reason: str = Field(min_length=1, max_length=4000)


class ResolveIn(BaseModel):
    fixed: bool = True
    resolution: str | None = Field(default=None, max_length=4000)


class TemplateIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, max_length=20_000)
    category: str = Field(default="", max_length=128)
    active: bool = True


class RenderIn(BaseModel):
    values: dict[str, str] = Field(default_factory=dict)


class SynonymsIn(BaseModel):
    terms: list[str] = Field(min_length=2, max_length=50)


class RestoreIn(BaseModel):
    version: RowId


def article_view(a: Article) -> dict[str, Any]:
    view = asdict(a)
    view["tags"] = list(a.tags)
    view["under_review"] = a.under_review
    return view


def _draft(body: ArticleIn, owner: str | None) -> ArticleDraft:
    if body.language not in LANGUAGES:
        raise HTTPException(422, f"language: must be one of {', '.join(LANGUAGES)}")
    if body.valid_from and body.valid_to and body.valid_from > body.valid_to:
        raise HTTPException(422, "valid_from must be before valid_to")
    return ArticleDraft(
        body.title,
        body.body,
        body.category,
        tuple(t.strip() for t in body.tags if t.strip()),
        body.language,
        body.valid_from,
        body.valid_to,
        owner,
    )


def _article_or_404(kb: KbService, article_id: int) -> Article:
    a = kb.article(article_id)
    if a is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no article {article_id}")
    return a


def _may_edit(user: User, a: Article | None) -> None:
    if not may_edit(user.role, user.username, a):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "only supervisors, admins or the owner edit")


# -- search and reading -------------------------------------------------------------------
@router.get("/search")
def search(
    request: Request,
    _user: AnyUser,
    q: str = Query(min_length=1, max_length=200),
    k: int = Query(default=5, ge=1, le=50),
    category: str | None = None,
    language: str | None = None,
) -> dict[str, Any]:
    result = _kb(request).search(q, k, category=category, language=language)
    hits = []
    for h in result.hits:
        a = h.article
        hits.append(
            {
                "id": a.id,
                "title": a.title,
                "title_html": h.title_html,
                "snippet_html": h.snippet_html,
                "category": a.category,
                "tags": list(a.tags),
                "language": a.language,
                "version": a.version,
                "updated_at": a.updated_at,
                "under_review": a.under_review,
                "score": round(h.score, 4),
                "coverage": round(h.coverage, 3),
            }
        )
    return {"query": q, "hits": hits}


@router.get("/articles")
def list_articles(
    request: Request,
    _user: AnyUser,
    category: str | None = None,
    archived: bool = False,
    limit: int = Query(default=50, ge=1, le=500),
    offset: Offset = 0,
) -> list[dict[str, Any]]:
    store = request.app.state.channels.kb_store
    rows = store.articles(status=ARCHIVED if archived else "active")
    if category:
        rows = (a for a in rows if a.category == category)
    return [article_view(a) for a in itertools.islice(rows, offset, offset + limit)]


@router.get("/articles/{article_id}")
def get_article(article_id: RowId, request: Request, _user: AnyUser) -> dict[str, Any]:
    kb = _kb(request)
    view = article_view(_article_or_404(kb, article_id))
    view["open_reports"] = [
        asdict(r) for r in kb.repo.reports(status="open", article_id=article_id)
    ]
    return view


@router.get("/articles/{article_id}/versions")
def versions(article_id: RowId, request: Request, _user: AnyUser) -> list[dict[str, Any]]:
    kb = _kb(request)
    _article_or_404(kb, article_id)
    out = []
    for v in kb.repo.versions(article_id):
        d = asdict(v.draft) | {"tags": list(v.draft.tags)}
        out.append({"version": v.version, "author": v.author, "at": v.at, "note": v.note, **d})
    return out


@router.get("/articles/{article_id}/diff")
def diff(
    article_id: RowId,
    request: Request,
    _user: AnyUser,
    old: RowId = Query(alias="from", description="the older version"),
    new: RowId | None = Query(default=None, alias="to", description="default: the current one"),
) -> dict[str, Any]:
    """What changed from version `from` to version `to`: the metadata fields, and the title
    and body as equal/delete/insert pieces (lines, then characters within changed lines)."""
    kb = _kb(request)
    current = _article_or_404(kb, article_id)
    by_version = {v.version: v for v in kb.repo.versions(article_id)}
    new = current.version if new is None else new
    for v in (old, new):
        if v not in by_version:
            raise HTTPException(
                status.HTTP_404_NOT_FOUND, f"article {article_id} has no version {v}"
            )
    a, b = by_version[old].draft, by_version[new].draft
    return {
        "article_id": article_id,
        "from": old,
        "to": new,
        "fields": changed_fields(a, b),
        "title": [asdict(p) for p in text_diff(a.title, b.title)],
        "body": [asdict(p) for p in text_diff(a.body, b.body)],
    }


# -- editing ------------------------------------------------------------------------------
@router.post("/articles", status_code=201)
def create_article(body: ArticleIn, request: Request, user: Supervisor) -> dict[str, Any]:
    draft = _draft(body, body.owner or user.username)
    return article_view(_kb(request).create(draft, user.username, body.note))


@router.put("/articles/{article_id}")
def update_article(
    article_id: RowId, body: ArticleIn, request: Request, user: AnyUser
) -> dict[str, Any]:
    kb = _kb(request)
    current = _article_or_404(kb, article_id)
    _may_edit(user, current)
    owner = body.owner if (body.owner and user.role in SUPERVISORS) else current.owner
    try:
        a = kb.update(
            article_id, _draft(body, owner), user.username, body.note, body.expected_version
        )
    except VersionConflict as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
    return article_view(a)


@router.delete("/articles/{article_id}")
def archive_article(article_id: RowId, request: Request, user: AnyUser) -> dict[str, Any]:
    kb = _kb(request)
    current = _article_or_404(kb, article_id)
    _may_edit(user, current)
    draft = ArticleDraft(**{**asdict(current.draft()), "status": ARCHIVED})
    return article_view(kb.update(article_id, draft, user.username, "archived"))


@router.post("/articles/{article_id}/restore")
def restore(article_id: RowId, body: RestoreIn, request: Request, user: AnyUser) -> dict[str, Any]:
    kb = _kb(request)
    _may_edit(user, _article_or_404(kb, article_id))
    try:
        return article_view(kb.restore(article_id, body.version, user.username))
    except LookupError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc


# -- error reports (查误报错) --------------------------------------------------------------
@router.post("/articles/{article_id}/reports", status_code=201)
def report_error(article_id: RowId, body: ReportIn, request: Request, user: AnyUser) -> dict:
    kb = _kb(request)
    _article_or_404(kb, article_id)
    return asdict(kb.report_error(article_id, user.username, body.reason))


@router.get("/reports")
def reports(
    request: Request, user: AnyUser, status_: str | None = Query(default="open", alias="status")
) -> list[dict[str, Any]]:
    """Fix tasks: supervisors and admins see all, everyone else the ones assigned to them."""
    kb = _kb(request)
    assignee = None if user.role in SUPERVISORS else user.username
    return [asdict(r) for r in kb.repo.reports(status=status_ or None, assignee=assignee)]


@router.post("/reports/{report_id}/resolve")
def resolve(report_id: RowId, body: ResolveIn, request: Request, user: AnyUser) -> dict[str, Any]:
    kb = _kb(request)
    mine = [r for r in kb.repo.reports() if r.id == report_id]
    if not mine:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no error report {report_id}")
    if user.role not in SUPERVISORS and mine[0].assignee != user.username:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "only the assignee or a supervisor")
    try:
        return asdict(kb.resolve(report_id, user.username, body.fixed, body.resolution))
    except VersionConflict as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc


# -- templates ----------------------------------------------------------------------------
def _template_view(t: Any) -> dict[str, Any]:
    return asdict(t) | {"placeholders": placeholders(t.body)}


@router.get("/templates")
def templates(request: Request, _user: AnyUser, category: str | None = None) -> list[dict]:
    return [_template_view(t) for t in request.app.state.channels.kb_store.templates(category)]


@router.post("/templates", status_code=201)
def create_template(body: TemplateIn, request: Request, user: Supervisor) -> dict[str, Any]:
    kbs, now = request.app.state.channels.kb_store, request.app.state.service.clock()
    t = kbs.save_template(
        body.name, body.body, body.category, user.username, now, active=body.active
    )
    return _template_view(t)


@router.put("/templates/{template_id}")
def update_template(
    template_id: RowId, body: TemplateIn, request: Request, user: Supervisor
) -> dict[str, Any]:
    kbs, now = request.app.state.channels.kb_store, request.app.state.service.clock()
    try:
        t = kbs.save_template(
            body.name, body.body, body.category, user.username, now, template_id, active=body.active
        )
    except NotFoundError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
    return _template_view(t)


@router.post("/templates/{template_id}/render")
def render_template(
    template_id: RowId, body: RenderIn, request: Request, _user: AnyUser
) -> dict[str, Any]:
    found = [t for t in request.app.state.channels.kb_store.templates() if t.id == template_id]
    if not found:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no template {template_id}")
    out = render(found[0].body, body.values)
    return {"text": out.text, "missing": list(out.missing)}


# -- synonyms -----------------------------------------------------------------------------
@router.get("/synonyms")
def synonyms(request: Request, _user: AnyUser) -> list[dict[str, Any]]:
    return [asdict(g) | {"terms": list(g.terms)} for g in _kb(request).repo.synonyms()]


@router.post("/synonyms", status_code=201)
def add_synonyms(body: SynonymsIn, request: Request, user: Supervisor) -> dict[str, Any]:
    try:
        g = _kb(request).save_synonyms(body.terms, user.username)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from exc
    return asdict(g) | {"terms": list(g.terms)}


@router.put("/synonyms/{group_id}")
def edit_synonyms(
    group_id: RowId, body: SynonymsIn, request: Request, user: Supervisor
) -> dict[str, Any]:
    try:
        g = _kb(request).save_synonyms(body.terms, user.username, group_id)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from exc
    except NotFoundError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
    return asdict(g) | {"terms": list(g.terms)}


@router.delete("/synonyms/{group_id}", status_code=204)
def delete_synonyms(group_id: RowId, request: Request, _user: Supervisor) -> None:
    try:
        _kb(request).delete_synonyms(group_id)
    except NotFoundError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
