"""Chat API: the public widget endpoints, the agents' transcript/reply endpoints, the bot KPI,
the WeChat webhook, and `install(app)` which mounts all of it (plus the KB API) on the app.

Widget endpoints are public by nature: a chat is reached only with its session token
(`X-Chat-Token`, never a cookie, so any site may embed the widget - CORS `*` is safe), a wrong
token answers 404 like an unknown chat, and sessions/messages are rate-limited per client
address and per chat. Replies arrive by long-polling `GET …/messages?after=<id>&wait=20`.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, FastAPI, Header, HTTPException, Query, Request, Response, status
from fastapi.responses import FileResponse, HTMLResponse, PlainTextResponse
from pydantic import BaseModel, Field

from hotline.channels.chat.ratelimit import RateLimiter
from hotline.channels.chat.service import ChatError, ChatService
from hotline.channels.chat.settings import ChatSettings, WeChatSettings
from hotline.channels.runtime import Channels
from hotline.channels.wechat.adapter import BadSignature
from hotline.channels.wechat.protocol import ProtocolError
from hotline.store.kb import ChatMessageRec, ChatSessionRec
from hotline.web.deps import SUPERVISORS, AnyUser, Service, Supervisor
from hotline.web.edges.origin import normalise_origin, widget_allow_origin
from hotline.web.responses import errors
from hotline.web.routes.tickets_common import Tickets, refusals
from hotline.web.schemas import Finite, Offset, RowId
from hotline.web.security import mask

log = logging.getLogger(__name__)
STATIC = Path(__file__).resolve().parents[2] / "channels" / "chat" / "static"
IMAGE_TYPES = {
    "image/png": b"\x89PNG",
    "image/jpeg": b"\xff\xd8\xff",
    "image/gif": b"GIF8",
    "image/webp": b"RIFF",
}
MAX_WAIT_S = 25.0
DEMO_LANGS = ("zh-CN", "en")

widget = APIRouter(prefix="/api/chat/sessions", tags=["chat widget"], responses=errors(400, 409))
agents = APIRouter(prefix="/api/chat", tags=["chat"], responses=errors(400, 404, 409))
wechat = APIRouter(prefix="/api/wechat", tags=["wechat"])
static = APIRouter(tags=["chat widget"])


# ---------------------------------------------------------------------------- plumbing
class Waiters:
    """Wakes long-polls when a message lands in their chat (called from any thread)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.by_session: dict[str, set[asyncio.Event]] = {}

    def notify(self, rec: ChatSessionRec, _msg: ChatMessageRec) -> None:
        self.loop.call_soon_threadsafe(self._wake, rec.id)

    def notify_id(self, session_id: str) -> None:
        self.loop.call_soon_threadsafe(self._wake, session_id)

    def _wake(self, session_id: str) -> None:
        for e in self.by_session.get(session_id, ()):
            e.set()

    async def wait(self, session_id: str, timeout: float) -> None:
        e = asyncio.Event()
        self.by_session.setdefault(session_id, set()).add(e)
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(e.wait(), timeout)
        finally:
            waiting = self.by_session.get(session_id, set())
            waiting.discard(e)
            if not waiting:
                self.by_session.pop(session_id, None)


def _channels(request: Request) -> Channels:
    return request.app.state.channels


def _chat(request: Request) -> ChatService:
    return request.app.state.channels.chat


def _cors(request: Request, response: Response) -> None:
    """Let the embedding sites (`HOTLINE_CHAT_ORIGINS`) call the widget API; refuse others."""
    origin = request.headers.get("origin")
    allowed = widget_allow_origin(_channels(request).chat_settings.origins, origin)
    response.headers["Vary"] = "Origin"
    if allowed is None:
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"origin {origin} may not embed the chat")
    response.headers["Access-Control-Allow-Origin"] = allowed


def _client(request: Request) -> str:
    return request.client.host if request.client else "?"


def message_view(m: ChatMessageRec) -> dict[str, Any]:
    return {
        "id": m.id,
        "at": m.at,
        "sender": m.sender,
        "kind": m.kind,
        "body": m.body,
        "agent_id": m.agent_id,
        "media_id": m.media_id,
        "data": m.data,
    }


def _session(request: Request, session_id: str, token: str | None) -> ChatSessionRec:
    try:
        return _chat(request).authenticate(session_id, token)
    except ChatError as exc:
        raise HTTPException(exc.status, str(exc)) from exc


def _limited(request: Request, key: str) -> None:
    if not request.app.state.chat_limits["messages"].allow(key):
        raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS, "too many messages; slow down")


def _call(fn: Any, *args: Any) -> Any:
    try:
        return fn(*args)
    except ChatError as exc:
        raise HTTPException(exc.status, str(exc)) from exc


def _reply(request: Request, rec: ChatSessionRec, msgs: list[ChatMessageRec]) -> dict[str, Any]:
    return {
        "session_id": rec.id,
        "messages": [message_view(m) for m in msgs],
        "state": _chat(request).state(rec),
    }


Token = Header(default=None, alias="X-Chat-Token")


# ---------------------------------------------------------------------------- widget API
class StartIn(BaseModel):
    language: str = Field(default="zh-CN", max_length=16)
    queue: str | None = Field(default=None, max_length=64)
    phone: str | None = Field(default=None, pattern=r"^\+?[0-9]{5,20}$")  # for a call back


class TextIn(BaseModel):
    text: str = Field(min_length=1, max_length=4000)


class FeedbackIn(BaseModel):
    solved: bool


class SurveyIn(BaseModel):
    rating: Literal["satisfied", "neutral", "unsatisfied"]
    comment: str | None = Field(default=None, max_length=2000)


@widget.options("{rest:path}", include_in_schema=False)
def preflight(request: Request) -> Response:
    r = Response(status_code=204)
    try:
        _cors(request, r)
    except HTTPException as exc:  # a refused site gets no CORS headers: the browser stops it
        return Response(exc.detail, status_code=exc.status_code, headers={"Vary": "Origin"})
    r.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
    r.headers["Access-Control-Allow-Headers"] = "Content-Type, X-Chat-Token"
    r.headers["Access-Control-Max-Age"] = "600"
    return r


@widget.options("", include_in_schema=False)
def preflight_root(request: Request) -> Response:
    return preflight(request)


@widget.post("", status_code=201, responses=errors(404, 429))
def start_chat(body: StartIn, request: Request, response: Response) -> dict[str, Any]:
    _cors(request, response)
    if not request.app.state.chat_limits["sessions"].allow(_client(request)):
        raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS, "too many new chats; wait a minute")
    rec, token = _call(_chat(request).start, "web", body.phone, body.language, body.queue)
    return _reply(request, rec, _chat(request).messages(rec)) | {"token": token}


@widget.get("/{session_id}/messages")
async def poll(
    session_id: str,
    request: Request,
    response: Response,
    after: Offset = 0,
    wait: float = Query(default=0, ge=0, le=MAX_WAIT_S),
    token: str | None = Token,
) -> dict[str, Any]:
    """New messages after `after`; with `wait`, holds the request until one arrives."""
    _cors(request, response)
    rec = await asyncio.to_thread(_session, request, session_id, token)
    msgs = await asyncio.to_thread(_chat(request).messages, rec, after)
    if not msgs and wait > 0:
        await request.app.state.chat_waiters.wait(rec.id, wait)
        msgs = await asyncio.to_thread(_chat(request).messages, rec, after)
    return await asyncio.to_thread(_reply, request, rec, msgs)


@widget.post("/{session_id}/messages", responses=errors(429))
def send(
    session_id: str, body: TextIn, request: Request, response: Response, token: str | None = Token
) -> dict[str, Any]:
    _cors(request, response)
    rec = _session(request, session_id, token)
    _limited(request, rec.id)
    return _reply(request, rec, _call(_chat(request).customer_text, rec, body.text))


@widget.post("/{session_id}/images", responses=errors(413, 415, 429))
async def send_image(
    session_id: str, request: Request, response: Response, token: str | None = Token
) -> dict[str, Any]:
    """Raw image bytes as the body (Content-Type image/png, jpeg, gif or webp)."""
    _cors(request, response)
    rec = await asyncio.to_thread(_session, request, session_id, token)
    _limited(request, rec.id)
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    limit = _channels(request).chat_settings.max_image_bytes
    if ctype not in IMAGE_TYPES:
        raise HTTPException(415, f"images only: {', '.join(IMAGE_TYPES)}")
    data = b""
    async for chunk in request.stream():
        data += chunk
        if len(data) > limit:
            raise HTTPException(413, f"image larger than {limit} bytes")
    if not data.startswith(IMAGE_TYPES[ctype]):
        raise HTTPException(415, "the bytes are not the declared image type")
    msg = await asyncio.to_thread(_call, _chat(request).customer_image, rec, ctype, data)
    return await asyncio.to_thread(_reply, request, rec, [msg])


@widget.get("/{session_id}/media/{media_id}")
def session_media(
    session_id: str, media_id: RowId, request: Request, token: str | None = Token
) -> Response:
    rec = _session(request, session_id, token)
    found = _channels(request).chat_store.media(media_id)
    if found is None or found[0] != rec.id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such image")
    r = Response(found[2], media_type=found[1])
    _cors(request, r)
    return r


@widget.post("/{session_id}/agent", responses=errors(429))
def talk_to_agent(
    session_id: str, request: Request, response: Response, token: str | None = Token
) -> dict[str, Any]:
    _cors(request, response)
    rec = _session(request, session_id, token)
    _limited(request, rec.id)
    rec = _call(_chat(request).request_agent, rec)
    return _reply(request, rec, [])


@widget.post("/{session_id}/feedback")
def feedback(
    session_id: str,
    body: FeedbackIn,
    request: Request,
    response: Response,
    token: str | None = Token,
) -> dict[str, Any]:
    _cors(request, response)
    rec = _session(request, session_id, token)
    return _reply(request, _call(_chat(request).feedback, rec, body.solved), [])


@widget.post("/{session_id}/survey", status_code=201)
def survey(
    session_id: str,
    body: SurveyIn,
    request: Request,
    response: Response,
    tickets: Tickets,
    token: str | None = Token,
) -> dict[str, Any]:
    """The end-of-chat rating, stored by the surveys service (`/api/surveys`) against the chat
    contact, its agent and queue. Only after an agent served the chat, once per chat."""
    _cors(request, response)
    rec = _session(request, session_id, token)
    if not _chat(request).state(rec)["survey"] or rec.contact_id is None:
        raise HTTPException(status.HTTP_409_CONFLICT, "rating: this chat cannot be rated (now)")
    comment = (body.comment or "").strip() or None
    with refusals():
        answered, _escalated = tickets.answer_survey(rec.contact_id, None, body.rating, comment)
    rec = _chat(request).mark_surveyed(rec)
    return _reply(request, rec, []) | {"rating": answered.rating}


@widget.post("/{session_id}/close")
def close(
    session_id: str, request: Request, response: Response, token: str | None = Token
) -> dict[str, Any]:
    _cors(request, response)
    rec = _session(request, session_id, token)
    return _reply(request, _call(_chat(request).close, rec), [])


# ---------------------------------------------------------------------------- agents
def _visible_chat(request: Request, service: Service, user: Any, contact_id: str) -> ChatSessionRec:
    """The chat behind a contact (or its callback task), if this user may see it."""
    rec = _call(_chat(request).session_for_contact, contact_id)
    if user.role in SUPERVISORS:
        return rec
    if user.role == "agent":
        ids = {contact_id, rec.contact_id, f"{rec.contact_id}-cb"}
        for cid in ids:
            snap = service.read(lambda r, c=cid: r.contact(c)) or service.store.contact(cid)
            if snap is not None and snap.agent_id == user.agent_id:
                return rec
    raise HTTPException(status.HTTP_403_FORBIDDEN, "agents see only their own chats")


@agents.get("/contacts/{contact_id}/messages")
def transcript(
    contact_id: str,
    request: Request,
    service: Service,
    user: AnyUser,
    after: int = Query(default=0, ge=0, description="only messages with a greater id"),
) -> dict:
    rec = _visible_chat(request, service, user, contact_id)
    msgs = _chat(request).messages(rec, after)
    return {
        "session_id": rec.id,
        "contact_id": rec.contact_id,
        "channel": rec.channel,
        "status": rec.status,
        "customer": mask(rec.customer),
        "language": rec.language,
        "bot_outcome": rec.bot_outcome,
        "messages": [message_view(m) for m in msgs],
    }


@agents.post("/contacts/{contact_id}/typing", status_code=204)
def agent_typing(contact_id: str, request: Request, service: Service, user: AnyUser) -> Response:
    """The agent is writing: the customer's widget shows "客服正在输入…" for a few seconds."""
    _visible_chat(request, service, user, contact_id)
    agent_id = user.agent_id if user.role == "agent" else None
    _call(_chat(request).agent_typing, contact_id, agent_id)
    return Response(status_code=204)


class AgentTextIn(BaseModel):
    text: str = Field(min_length=1, max_length=4000)


@agents.post("/contacts/{contact_id}/messages", status_code=201)
def agent_reply(
    contact_id: str, body: AgentTextIn, request: Request, service: Service, user: AnyUser
) -> dict[str, Any]:
    _visible_chat(request, service, user, contact_id)
    agent_id = user.agent_id if user.role == "agent" else None
    if user.role not in ("agent", *SUPERVISORS):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "agents and supervisors only")
    msg = _call(_chat(request).agent_send, contact_id, agent_id, body.text, user.username)
    return message_view(msg)


@agents.get("/media/{media_id}")
def agent_media(media_id: RowId, request: Request, service: Service, user: AnyUser) -> Response:
    found = _channels(request).chat_store.media(media_id)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such image")
    rec = _channels(request).chat_store.session(found[0])
    if rec is None or rec.contact_id is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such image")
    _visible_chat(request, service, user, rec.contact_id)
    return Response(found[2], media_type=found[1])


@agents.get("/kpis")
def bot_kpis(
    request: Request,
    service: Service,
    _user: Supervisor,
    start: Finite | None = Query(default=None, alias="from"),
    end: Finite | None = Query(default=None, alias="to"),
) -> dict[str, Any]:
    """Share of chats the bot solved: bot_solved / chats that ended (default: last 24 h)."""
    end = end if end is not None else service.clock() + 1
    start = start if start is not None else end - 86400
    counts = _channels(request).chat_store.bot_outcomes(start, end)
    ended = sum(v for k, v in counts.items() if k != "open")
    solved = counts.get("bot_solved", 0)
    return {
        "from": start,
        "to": end,
        "chats": sum(counts.values()),
        "ended": ended,
        "bot_solved": solved,
        "handed_over": counts.get("handed_over", 0),
        "left_in_bot": counts.get("left_in_bot", 0),
        "open": counts.get("open", 0),
        "bot_solved_share": solved / ended if ended else None,
        "definition": "chats the bot answered and that ended without asking for an agent "
        "(customer confirmed, closed, or went quiet) / chats ended in the period",
    }


# ---------------------------------------------------------------------------- WeChat
def _adapter(request: Request):
    adapter = _channels(request).wechat
    if adapter is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "WeChat adapter not configured")
    return adapter


@wechat.get("/webhook", response_class=PlainTextResponse, responses=errors(403, 404))
def wechat_verify(
    request: Request,
    signature: str | None = None,
    timestamp: str | None = None,
    nonce: str | None = None,
    echostr: str = "",
) -> str:
    """The console's URL check: echo `echostr` when the signature matches our token."""
    try:
        _adapter(request).verify(signature, timestamp, nonce)
    except BadSignature as exc:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "bad signature") from exc
    return echostr


@wechat.post("/webhook", response_class=PlainTextResponse, responses=errors(400, 403, 404))
async def wechat_message(
    request: Request,
    signature: str | None = None,
    timestamp: str | None = None,
    nonce: str | None = None,
) -> str:
    adapter = _adapter(request)
    try:
        adapter.verify(signature, timestamp, nonce)
    except BadSignature as exc:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "bad signature") from exc
    body = await request.body()
    try:
        return await asyncio.to_thread(adapter.handle, body, (timestamp or "", nonce or ""))
    except BadSignature as exc:  # Replayed: the signed URL was used before for another body
        raise HTTPException(status.HTTP_403_FORBIDDEN, str(exc)) from exc
    except ProtocolError as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(exc)) from exc


# ---------------------------------------------------------------------------- static
@static.get("/chat/widget.js", include_in_schema=False)
def widget_js() -> FileResponse:
    return FileResponse(
        STATIC / "widget.js",
        media_type="text/javascript",
        headers={"Cache-Control": "public, max-age=300"},
    )


@static.get("/chat/demo", response_class=HTMLResponse, include_in_schema=False)
def demo_page(request: Request) -> Response:
    """A stand-in customer website with the one-line embed (also used by the browser test).

    `?api=` (another hotline's origin) and `?lang=` are written into the page: `api` must be
    a bare http(s) origin and `lang` one of the widget's languages (422 otherwise), both are
    HTML-escaped, and the page's CSP lets scripts come only from here and from that origin.
    """
    raw_api = request.query_params.get("api")
    api = normalise_origin(raw_api or str(request.base_url))
    if api is None or (raw_api is not None and raw_api.rstrip("/").lower() != api):
        raise HTTPException(422, "api must be an http(s) origin such as https://hotline.example")
    lang = request.query_params.get("lang", "zh-CN")
    if lang not in DEMO_LANGS:
        raise HTTPException(422, f"lang must be one of {', '.join(DEMO_LANGS)}")
    page = (STATIC / "demo.html").read_text("utf-8")
    page = page.replace("{{API}}", html.escape(api)).replace("{{LANG}}", html.escape(lang))
    csp = (
        f"default-src 'self'; script-src 'self' {api}; connect-src 'self' {api}; "
        f"img-src 'self' {api} data: blob:; style-src 'self' 'unsafe-inline'; "
        "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )
    return HTMLResponse(page, headers={"Content-Security-Policy": csp})


# ---------------------------------------------------------------------------- mounting
def install(
    app: FastAPI, chat: ChatSettings | None = None, wechat_settings: WeChatSettings | None = None
) -> FastAPI:
    """Mount the KB and chat APIs and start their services with the app. Idempotent."""
    if getattr(app.state, "channels_installed", False):
        return app
    app.state.channels_installed = True
    from hotline.web.routes import kb

    for r in (kb.router, widget, agents, wechat, static):
        app.include_router(r)
    core_lifespan = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(a: FastAPI) -> AsyncIterator[Any]:
        async with core_lifespan(a) as state:
            settings = chat or ChatSettings()
            channels = await asyncio.to_thread(
                Channels, a.state.service, settings, wechat_settings or WeChatSettings()
            )
            waiters = Waiters(asyncio.get_running_loop())
            channels.chat.listeners.append(waiters.notify)
            channels.chat.typing_listeners.append(waiters.notify_id)
            a.state.channels, a.state.chat_waiters = channels, waiters
            a.state.chat_limits = {
                "messages": RateLimiter(settings.messages_per_minute, 10),
                "sessions": RateLimiter(settings.sessions_per_minute, 5),
            }
            sweeper = asyncio.create_task(_sweep(channels, settings.sweep_every_s))
            try:
                yield state
            finally:
                sweeper.cancel()
                await asyncio.to_thread(channels.close)

    app.router.lifespan_context = lifespan
    return app


async def _sweep(channels: Channels, every: float) -> None:
    while True:
        await asyncio.sleep(every)
        try:
            await asyncio.to_thread(channels.chat.sweep)
        except Exception:  # keep sweeping; the failure is logged
            log.exception("chat sweep failed")
