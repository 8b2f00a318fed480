"""Tables of the knowledge base and the chat channel, on the same `Base` metadata as models.py.

Same conventions as `models.py`: epoch seconds in `Double`, enums as strings, JSON payloads.

* `kb_articles` holds the current state of each article; `kb_article_versions` keeps every
  edit (who, when, what) - the article row is a projection of its newest version. The
  version's `id` is a global change counter: a server reloads only articles changed since the
  last id it saw (another process, e.g. `hotline kb import`, may have written them).
* `kb_error_reports` are "report an error" fix tasks, assigned to the article's owner.
* `chat_sessions` / `chat_messages` / `chat_media` are the transcripts of web-widget and WeChat
  chats (with the bot's outcome, a KPI); `wechat_inbound` remembers MsgIds to drop retries.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Double,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from hotline.store.models import Base

_AUTOINC = {"sqlite_autoincrement": True}  # ids are never reused (they are change counters)


class KbArticle(Base):
    __tablename__ = "kb_articles"
    __table_args__ = (
        Index("ix_kb_articles_category", "category"),
        Index("ix_kb_articles_last_change", "last_change"),
        _AUTOINC,
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(128))
    tags: Mapped[list[Any]] = mapped_column(JSON)
    language: Mapped[str] = mapped_column(String(16))
    valid_from: Mapped[float | None] = mapped_column(Double)
    valid_to: Mapped[float | None] = mapped_column(Double)
    owner: Mapped[str | None] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16))  # active | archived
    version: Mapped[int] = mapped_column(Integer)
    last_change: Mapped[int] = mapped_column(Integer)  # id of the newest kb_article_versions row
    created_at: Mapped[float] = mapped_column(Double)
    updated_at: Mapped[float] = mapped_column(Double)
    updated_by: Mapped[str] = mapped_column(String(128))


class KbArticleVersion(Base):
    __tablename__ = "kb_article_versions"
    __table_args__ = (
        UniqueConstraint("article_id", "version"),
        _AUTOINC,
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_articles.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(128))
    tags: Mapped[list[Any]] = mapped_column(JSON)
    language: Mapped[str] = mapped_column(String(16))
    valid_from: Mapped[float | None] = mapped_column(Double)
    valid_to: Mapped[float | None] = mapped_column(Double)
    owner: Mapped[str | None] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16))
    author: Mapped[str] = mapped_column(String(128))
    at: Mapped[float] = mapped_column(Double)
    note: Mapped[str | None] = mapped_column(String(500))


class KbTemplate(Base):
    """An answer template with `{{placeholders}}` an agent inserts in one click."""

    __tablename__ = "kb_templates"
    __table_args__ = (_AUTOINC,)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(128))
    owner: Mapped[str | None] = mapped_column(String(128))
    active: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[float] = mapped_column(Double)
    updated_at: Mapped[float] = mapped_column(Double)
    updated_by: Mapped[str] = mapped_column(String(128))


class KbSynonym(Base):
    """One group of interchangeable phrases (退票 / 退款), editable by the team."""

    __tablename__ = "kb_synonyms"
    __table_args__ = (_AUTOINC,)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    terms: Mapped[list[Any]] = mapped_column(JSON)
    updated_at: Mapped[float] = mapped_column(Double)
    updated_by: Mapped[str] = mapped_column(String(128))


class KbErrorReport(Base):
    """ "Report an error" on an article: a fix task for its owner; open = under review."""

    __tablename__ = "kb_error_reports"
    __table_args__ = (
        Index("ix_kb_error_reports_article_id", "article_id"),
        Index("ix_kb_error_reports_assignee_status", "assignee", "status"),
        _AUTOINC,
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_articles.id", ondelete="CASCADE"))
    article_version: Mapped[int] = mapped_column(Integer)
    reporter: Mapped[str] = mapped_column(String(128))
    reason: Mapped[str] = mapped_column(Text)
    assignee: Mapped[str | None] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16))  # open | fixed | rejected
    created_at: Mapped[float] = mapped_column(Double)
    resolved_at: Mapped[float | None] = mapped_column(Double)
    resolved_by: Mapped[str | None] = mapped_column(String(128))
    resolution: Mapped[str | None] = mapped_column(Text)


class ChatSession(Base):
    """One conversation: bot first, then (maybe) a contact in a queue; `token_hash` is the
    sha256 of the customer's session secret (the widget holds the secret)."""

    __tablename__ = "chat_sessions"
    __table_args__ = (
        Index("ix_chat_sessions_contact_id", "contact_id"),
        Index("ix_chat_sessions_customer", "customer"),
        Index("ix_chat_sessions_created_at", "created_at"),
        Index("ix_chat_sessions_status", "status"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))  # web | wechat
    customer: Mapped[str] = mapped_column(String(255))
    language: Mapped[str] = mapped_column(String(16))
    queue: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))  # bot | queued | agent | ended
    contact_id: Mapped[str | None] = mapped_column(String(64))
    agent_id: Mapped[str | None] = mapped_column(String(64))
    bot_outcome: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[float] = mapped_column(Double)
    updated_at: Mapped[float] = mapped_column(Double)
    ended_at: Mapped[float | None] = mapped_column(Double)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class ChatMessage(Base):
    __tablename__ = "chat_messages"
    __table_args__ = (Index("ix_chat_messages_session_id_id", "session_id", "id"), _AUTOINC)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("chat_sessions.id", ondelete="CASCADE"))
    at: Mapped[float] = mapped_column(Double)
    sender: Mapped[str] = mapped_column(String(16))  # customer | bot | agent | system
    agent_id: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))  # text | image
    body: Mapped[str] = mapped_column(Text)
    media_id: Mapped[int | None] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class ChatMedia(Base):
    __tablename__ = "chat_media"
    __table_args__ = (Index("ix_chat_media_session_id", "session_id"), _AUTOINC)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("chat_sessions.id", ondelete="CASCADE"))
    at: Mapped[float] = mapped_column(Double)
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class WeChatInbound(Base):
    """MsgIds (or FromUserName+CreateTime for events) already accepted: retries are dropped."""

    __tablename__ = "wechat_inbound"
    __table_args__ = (Index("ix_wechat_inbound_at", "at"),)

    msg_key: Mapped[str] = mapped_column(String(128), primary_key=True)
    openid: Mapped[str] = mapped_column(String(128))
    at: Mapped[float] = mapped_column(Double)


class WeChatSignature(Base):
    """Signed webhook URLs (timestamp + nonce) already used, with the hash of the body they
    came with: the signature covers no body, so a captured URL replayed with another message
    is refused; the same body again is WeChat's own retry (dropped by MsgId)."""

    __tablename__ = "wechat_signatures"
    __table_args__ = (Index("ix_wechat_signatures_at", "at"),)

    sig_key: Mapped[str] = mapped_column(String(128), primary_key=True)
    body_sha256: Mapped[str] = mapped_column(String(64))
    at: Mapped[float] = mapped_column(Double)
