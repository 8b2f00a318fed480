"""Persistence of the knowledge base (`KbStore`) and of chat transcripts (`ChatStore`).

Same rules as `Store`: one transaction per public method, SQLAlchemy Core on the ORM tables,
plain dataclasses out. Every article edit appends a row to `kb_article_versions` and rewrites
the `kb_articles` projection in the same transaction, so history and current state agree.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import Engine, Table, and_, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from hotline.kb.model import (
    ACTIVE,
    REPORT_OPEN,
    Article,
    ArticleDraft,
    ArticleVersion,
    ErrorReport,
    SynonymGroup,
    Template,
)
from hotline.store import models_kb as m
from hotline.store.entities import NotFoundError, StoreError

ARTICLES: Table = m.KbArticle.__table__  # type: ignore[assignment]
VERSIONS: Table = m.KbArticleVersion.__table__  # type: ignore[assignment]
TEMPLATES: Table = m.KbTemplate.__table__  # type: ignore[assignment]
SYNONYMS: Table = m.KbSynonym.__table__  # type: ignore[assignment]
REPORTS: Table = m.KbErrorReport.__table__  # type: ignore[assignment]
SESSIONS: Table = m.ChatSession.__table__  # type: ignore[assignment]
MESSAGES: Table = m.ChatMessage.__table__  # type: ignore[assignment]
MEDIA: Table = m.ChatMedia.__table__  # type: ignore[assignment]
INBOUND: Table = m.WeChatInbound.__table__  # type: ignore[assignment]
SIGNED: Table = m.WeChatSignature.__table__  # type: ignore[assignment]


class VersionConflict(StoreError):
    """The article changed since the editor loaded it (optimistic concurrency)."""


def _fields(d: ArticleDraft) -> dict[str, Any]:
    return {
        "title": d.title,
        "body": d.body,
        "category": d.category,
        "tags": list(d.tags),
        "language": d.language,
        "valid_from": d.valid_from,
        "valid_to": d.valid_to,
        "owner": d.owner,
        "status": d.status,
    }


def _draft(r: Any) -> ArticleDraft:
    return ArticleDraft(
        r.title,
        r.body,
        r.category,
        tuple(r.tags or ()),
        r.language,
        r.valid_from,
        r.valid_to,
        r.owner,
        r.status,
    )


def _article(r: Any, open_reports: int = 0) -> Article:
    d = _draft(r)
    return Article(
        r.id,
        d.title,
        d.body,
        d.category,
        d.tags,
        d.language,
        d.valid_from,
        d.valid_to,
        d.owner,
        d.status,
        r.version,
        r.last_change,
        r.created_at,
        r.updated_at,
        r.updated_by,
        open_reports,
    )


def _report(r: Any) -> ErrorReport:
    return ErrorReport(
        r.id,
        r.article_id,
        r.article_version,
        r.reporter,
        r.reason,
        r.assignee,
        r.status,
        r.created_at,
        r.resolved_at,
        r.resolved_by,
        r.resolution,
    )


class KbStore:
    """Articles (versioned), templates, synonyms and error reports."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    # -- articles -------------------------------------------------------------------------
    def create_article(
        self, draft: ArticleDraft, author: str, at: float, note: str | None = None
    ) -> Article:
        with self._engine.begin() as conn:
            aid = conn.execute(
                insert(ARTICLES).values(
                    **_fields(draft),
                    version=1,
                    last_change=0,
                    created_at=at,
                    updated_at=at,
                    updated_by=author,
                )
            ).inserted_primary_key[0]
            self._add_version(conn, aid, 1, draft, author, at, note)
            return self._get(conn, aid)

    def update_article(
        self,
        article_id: int,
        draft: ArticleDraft,
        author: str,
        at: float,
        note: str | None = None,
        expected_version: int | None = None,
    ) -> Article:
        """Store a new version; `VersionConflict` if `expected_version` is stale."""
        with self._engine.begin() as conn:
            row = conn.execute(
                select(ARTICLES.c.version).where(ARTICLES.c.id == article_id).with_for_update()
            ).first()
            if row is None:
                raise NotFoundError(f"no article {article_id}")
            if expected_version is not None and row.version != expected_version:
                raise VersionConflict(
                    f"article {article_id} is at version {row.version}, not {expected_version}"
                )
            version = row.version + 1
            conn.execute(
                update(ARTICLES)
                .where(ARTICLES.c.id == article_id)
                .values(**_fields(draft), version=version, updated_at=at, updated_by=author)
            )
            self._add_version(conn, article_id, version, draft, author, at, note)
            return self._get(conn, article_id)

    def _add_version(self, conn, aid, version, draft, author, at, note) -> None:
        vid = conn.execute(
            insert(VERSIONS).values(
                article_id=aid, version=version, author=author, at=at, note=note, **_fields(draft)
            )
        ).inserted_primary_key[0]
        conn.execute(update(ARTICLES).where(ARTICLES.c.id == aid).values(last_change=vid))

    def _get(self, conn, article_id: int) -> Article:
        row = conn.execute(select(ARTICLES).where(ARTICLES.c.id == article_id)).first()
        if row is None:
            raise NotFoundError(f"no article {article_id}")
        return _article(row, self._open_counts(conn, [article_id]).get(article_id, 0))

    def _open_counts(self, conn, ids: list[int] | None = None) -> dict[int, int]:
        stmt = (
            select(REPORTS.c.article_id, func.count())
            .where(REPORTS.c.status == REPORT_OPEN)
            .group_by(REPORTS.c.article_id)
        )
        if ids is not None:
            stmt = stmt.where(REPORTS.c.article_id.in_(ids))
        return {r[0]: r[1] for r in conn.execute(stmt)}

    def article(self, article_id: int) -> Article | None:
        with self._engine.connect() as conn:
            try:
                return self._get(conn, article_id)
            except NotFoundError:
                return None

    def articles(self, status: str | None = ACTIVE, batch: int = 5000) -> Iterator[Article]:
        """Every article (of `status`), in id order, streamed in batches."""
        last = 0
        while True:
            stmt = select(ARTICLES).where(ARTICLES.c.id > last).order_by(ARTICLES.c.id).limit(batch)
            if status is not None:
                stmt = stmt.where(ARTICLES.c.status == status)
            with self._engine.connect() as conn:
                rows = conn.execute(stmt).all()
                counts = self._open_counts(conn, [r.id for r in rows]) if rows else {}
            if not rows:
                return
            yield from (_article(r, counts.get(r.id, 0)) for r in rows)
            last = rows[-1].id

    def last_change(self) -> int:
        with self._engine.connect() as conn:
            return int(conn.execute(select(func.coalesce(func.max(VERSIONS.c.id), 0))).scalar())

    def changed_since(self, change_id: int) -> list[Article]:
        """Articles (any status) whose newest version is after `change_id`."""
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(ARTICLES).where(ARTICLES.c.last_change > change_id).order_by(ARTICLES.c.id)
            ).all()
            counts = self._open_counts(conn, [r.id for r in rows]) if rows else {}
        return [_article(r, counts.get(r.id, 0)) for r in rows]

    def versions(self, article_id: int) -> list[ArticleVersion]:
        stmt = (
            select(VERSIONS).where(VERSIONS.c.article_id == article_id).order_by(VERSIONS.c.version)
        )
        with self._engine.connect() as conn:
            return [
                ArticleVersion(r.article_id, r.version, _draft(r), r.author, r.at, r.note)
                for r in conn.execute(stmt)
            ]

    # -- error reports ----------------------------------------------------------------------
    def report_error(self, article_id: int, reporter: str, reason: str, at: float) -> ErrorReport:
        """A fix task for the article's owner (None: for any supervisor)."""
        with self._engine.begin() as conn:
            art = self._get(conn, article_id)
            rid = conn.execute(
                insert(REPORTS).values(
                    article_id=article_id,
                    article_version=art.version,
                    reporter=reporter,
                    reason=reason,
                    assignee=art.owner,
                    status=REPORT_OPEN,
                    created_at=at,
                )
            ).inserted_primary_key[0]
            return _report(conn.execute(select(REPORTS).where(REPORTS.c.id == rid)).one())

    def reports(
        self, status: str | None = None, assignee: str | None = None, article_id: int | None = None
    ) -> list[ErrorReport]:
        stmt = select(REPORTS).order_by(REPORTS.c.id.desc())
        for col, value in (("status", status), ("assignee", assignee), ("article_id", article_id)):
            if value is not None:
                stmt = stmt.where(REPORTS.c[col] == value)
        with self._engine.connect() as conn:
            return [_report(r) for r in conn.execute(stmt)]

    def resolve_report(
        self, report_id: int, by: str, status: str, resolution: str | None, at: float
    ) -> ErrorReport:
        with self._engine.begin() as conn:
            done = conn.execute(
                update(REPORTS)
                .where(and_(REPORTS.c.id == report_id, REPORTS.c.status == REPORT_OPEN))
                .values(status=status, resolved_by=by, resolution=resolution, resolved_at=at)
            )
            row = conn.execute(select(REPORTS).where(REPORTS.c.id == report_id)).first()
            if row is None:
                raise NotFoundError(f"no error report {report_id}")
            if done.rowcount == 0:
                raise VersionConflict(f"error report {report_id} is already {row.status}")
            return _report(row)

    # -- templates ----------------------------------------------------------------------------
    def save_template(
        self,
        name: str,
        body: str,
        category: str,
        author: str,
        at: float,
        template_id: int | None = None,
        owner: str | None = None,
        active: bool = True,
    ) -> Template:
        values = {
            "name": name,
            "body": body,
            "category": category,
            "active": active,
            "updated_at": at,
            "updated_by": author,
        }
        with self._engine.begin() as conn:
            if template_id is None:
                template_id = conn.execute(
                    insert(TEMPLATES).values(**values, owner=owner or author, created_at=at)
                ).inserted_primary_key[0]
            elif not conn.execute(
                update(TEMPLATES).where(TEMPLATES.c.id == template_id).values(**values)
            ).rowcount:
                raise NotFoundError(f"no template {template_id}")
            r = conn.execute(select(TEMPLATES).where(TEMPLATES.c.id == template_id)).one()
        return Template(
            r.id, r.name, r.body, r.category, r.owner, r.active, r.updated_at, r.updated_by
        )

    def templates(self, category: str | None = None, active: bool = True) -> list[Template]:
        stmt = select(TEMPLATES).where(TEMPLATES.c.active == active).order_by(TEMPLATES.c.name)
        if category:
            stmt = stmt.where(TEMPLATES.c.category == category)
        with self._engine.connect() as conn:
            return [
                Template(
                    r.id, r.name, r.body, r.category, r.owner, r.active, r.updated_at, r.updated_by
                )
                for r in conn.execute(stmt)
            ]

    # -- synonyms -------------------------------------------------------------------------------
    def synonyms(self) -> list[SynonymGroup]:
        with self._engine.connect() as conn:
            rows = conn.execute(select(SYNONYMS).order_by(SYNONYMS.c.id)).all()
        return [SynonymGroup(r.id, tuple(r.terms), r.updated_at, r.updated_by) for r in rows]

    def save_synonyms(
        self, terms: list[str], author: str, at: float, group_id: int | None = None
    ) -> SynonymGroup:
        with self._engine.begin() as conn:
            if group_id is None:
                group_id = conn.execute(
                    insert(SYNONYMS).values(terms=terms, updated_at=at, updated_by=author)
                ).inserted_primary_key[0]
            elif not conn.execute(
                update(SYNONYMS)
                .where(SYNONYMS.c.id == group_id)
                .values(terms=terms, updated_at=at, updated_by=author)
            ).rowcount:
                raise NotFoundError(f"no synonym group {group_id}")
        return SynonymGroup(group_id, tuple(terms), at, author)

    def delete_synonyms(self, group_id: int) -> None:
        with self._engine.begin() as conn:
            if not conn.execute(delete(SYNONYMS).where(SYNONYMS.c.id == group_id)).rowcount:
                raise NotFoundError(f"no synonym group {group_id}")


# ---------------------------------------------------------------------------------- chat
@dataclass(frozen=True, slots=True)
class ChatSessionRec:
    id: str
    token_hash: str
    channel: str
    customer: str
    language: str
    queue: str
    status: str
    contact_id: str | None
    agent_id: str | None
    bot_outcome: str | None
    created_at: float
    updated_at: float
    ended_at: float | None
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ChatMessageRec:
    id: int
    session_id: str
    at: float
    sender: str
    kind: str
    body: str
    agent_id: str | None = None
    media_id: int | None = None
    data: dict[str, Any] = field(default_factory=dict)


def _session(r: Any) -> ChatSessionRec:
    return ChatSessionRec(**{c: getattr(r, c) for c in ChatSessionRec.__slots__})  # type: ignore[attr-defined]


def _message(r: Any) -> ChatMessageRec:
    return ChatMessageRec(**{c: getattr(r, c) for c in ChatMessageRec.__slots__})  # type: ignore[attr-defined]


class ChatStore:
    """Chat sessions, their messages and images, and the WeChat MsgId memory."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def create_session(self, rec: ChatSessionRec) -> ChatSessionRec:
        with self._engine.begin() as conn:
            conn.execute(insert(SESSIONS).values(**{c: getattr(rec, c) for c in rec.__slots__}))
        return rec

    def session(self, session_id: str) -> ChatSessionRec | None:
        with self._engine.connect() as conn:
            row = conn.execute(select(SESSIONS).where(SESSIONS.c.id == session_id)).first()
        return _session(row) if row else None

    def find_session(self, **where: Any) -> ChatSessionRec | None:
        """The newest session matching every `column=value` (e.g. contact_id=..., customer=...)."""
        stmt = select(SESSIONS).order_by(SESSIONS.c.created_at.desc()).limit(1)
        for col, value in where.items():
            if col == "open":
                stmt = stmt.where(SESSIONS.c.status != "ended") if value else stmt
            else:
                stmt = stmt.where(SESSIONS.c[col] == value)
        with self._engine.connect() as conn:
            row = conn.execute(stmt).first()
        return _session(row) if row else None

    def open_sessions(self) -> list[ChatSessionRec]:
        stmt = select(SESSIONS).where(SESSIONS.c.status != "ended").order_by(SESSIONS.c.created_at)
        with self._engine.connect() as conn:
            return [_session(r) for r in conn.execute(stmt)]

    def update_session(self, session_id: str, **values: Any) -> ChatSessionRec:
        with self._engine.begin() as conn:
            conn.execute(update(SESSIONS).where(SESSIONS.c.id == session_id).values(**values))
            row = conn.execute(select(SESSIONS).where(SESSIONS.c.id == session_id)).first()
        if row is None:
            raise NotFoundError(f"no chat session {session_id}")
        return _session(row)

    def add_message(self, msg: ChatMessageRec) -> ChatMessageRec:
        values = {c: getattr(msg, c) for c in msg.__slots__ if c != "id"}  # type: ignore[attr-defined]
        with self._engine.begin() as conn:
            mid = conn.execute(insert(MESSAGES).values(**values)).inserted_primary_key[0]
            conn.execute(
                update(SESSIONS).where(SESSIONS.c.id == msg.session_id).values(updated_at=msg.at)
            )
        return replace(msg, id=mid)

    def messages(self, session_id: str, after: int = 0, limit: int = 500) -> list[ChatMessageRec]:
        stmt = (
            select(MESSAGES)
            .where(MESSAGES.c.session_id == session_id, MESSAGES.c.id > after)
            .order_by(MESSAGES.c.id)
            .limit(limit)
        )
        with self._engine.connect() as conn:
            return [_message(r) for r in conn.execute(stmt)]

    def add_media(self, session_id: str, content_type: str, data: bytes, at: float) -> int:
        with self._engine.begin() as conn:
            return conn.execute(
                insert(MEDIA).values(
                    session_id=session_id,
                    at=at,
                    content_type=content_type,
                    size=len(data),
                    data=data,
                )
            ).inserted_primary_key[0]

    def media(self, media_id: int) -> tuple[str, str, bytes] | None:
        """(session_id, content_type, bytes) of a stored image."""
        with self._engine.connect() as conn:
            r = conn.execute(select(MEDIA).where(MEDIA.c.id == media_id)).first()
        return (r.session_id, r.content_type, r.data) if r else None

    def first_inbound(self, msg_key: str, openid: str, at: float) -> bool:
        """Remember a WeChat message key; False if it was seen before (a retry)."""
        try:
            with self._engine.begin() as conn:
                conn.execute(insert(INBOUND).values(msg_key=msg_key, openid=openid, at=at))
        except IntegrityError:
            return False
        return True

    def forget_inbound(self, before: float) -> int:
        with self._engine.begin() as conn:
            return conn.execute(delete(INBOUND).where(INBOUND.c.at < before)).rowcount

    def first_signed(self, sig_key: str, body_sha256: str, at: float) -> str | None:
        """Remember a signed webhook URL with its body's hash; returns the hash it was FIRST
        seen with (`None` when new). In the database so every server process agrees."""
        try:
            with self._engine.begin() as conn:
                conn.execute(insert(SIGNED).values(sig_key=sig_key, body_sha256=body_sha256, at=at))
        except IntegrityError:
            stmt = select(SIGNED.c.body_sha256).where(SIGNED.c.sig_key == sig_key)
            with self._engine.connect() as conn:
                return conn.execute(stmt).scalar_one()
        return None

    def forget_signed(self, before: float) -> int:
        with self._engine.begin() as conn:
            return conn.execute(delete(SIGNED).where(SIGNED.c.at < before)).rowcount

    def bot_outcomes(self, start: float, end: float) -> dict[str, int]:
        """Chats started in [start, end) by bot outcome (None = still open)."""
        stmt = (
            select(SESSIONS.c.bot_outcome, func.count())
            .where(SESSIONS.c.created_at >= start, SESSIONS.c.created_at < end)
            .group_by(SESSIONS.c.bot_outcome)
        )
        with self._engine.connect() as conn:
            return {(r[0] or "open"): r[1] for r in conn.execute(stmt)}
