"""`ChatService`: a chat's life from the first message to the agent's last.

Bot first: every customer message is answered by the bot (`hotline.channels.bot`) until the
customer asks for a person (button or words such as 转人工), then the chat becomes a contact
in the same queues as calls - `ContactArrived(channel=chat, customer=...)` through the core -
with the transcript a click away for the agent (`chat.handover` fact on the timeline).

Never lost when it can be reached: the contact carries the phone the customer gave, or
`wechat:<openid>` (WeChat can be answered later), so when such a customer leaves while waiting -
closes the widget, or stops polling for `idle_timeout_s` - the core's `CustomerLeft` rule turns
it into a callback/message task in the queue's callback queue; agents answer it into the same
session. An anonymous web chat (no phone left) reaches the queue without a customer: there is
no number to call back, so no callback task is made for it.

Router facts about chat contacts (answered, transferred, ended, callback created) arrive
through `on_records` (a `CenterService` subscriber) and are worked off a queue by `drain`, so
the center's lock is never held while chat rows are written.
"""

from __future__ import annotations

import hashlib
import logging
import queue
import secrets
import threading
from collections.abc import Callable
from typing import Any

from hotline.channels.bot import Bot, lang_key, wants_agent
from hotline.channels.chat.settings import ChatSettings
from hotline.domain.enums import Channel, ContactStatus, Outcome
from hotline.domain.facts import Answered, CallbackCreated, Ended, Queued, Transferred, fact
from hotline.domain.records import EventRecord
from hotline.routing import events as ev
from hotline.routing.errors import RoutingError
from hotline.runtime import Arrive, CenterService
from hotline.services.compliance import OPT_OUT_REPLY, chat_notice_fact, opt_out_message
from hotline.store.kb import ChatMessageRec, ChatSessionRec, ChatStore

log = logging.getLogger(__name__)

BOT, QUEUED, AGENT, ENDED = "bot", "queued", "agent", "ended"
SOLVED, HANDED_OVER, LEFT_IN_BOT = "bot_solved", "handed_over", "left_in_bot"
PREFIX = "chat-"
_SERVED = (ContactStatus.ACTIVE, ContactStatus.HELD)
TYPING_S = 5.0  # how long one "agent is typing" signal lasts
NOTICE = {
    "zh": {
        "queued": "正在为您转接人工客服，请稍候。",
        "answered": "客服{agent}为您服务。",
        "transferred": "正在为您转接其他客服，请稍候。",
        "ended": "本次会话已结束，感谢您的咨询。",
        "callback": "暂时没有客服接待，我们已为您登记，客服会尽快回复您。",
    },
    "en": {
        "queued": "Connecting you to an agent, please wait.",
        "answered": "Agent {agent} is with you now.",
        "transferred": "Transferring you to another agent.",
        "ended": "This chat has ended. Thank you.",
        "callback": "No agent is free right now; we have noted your request and will reply soon.",
    },
}


class ChatError(Exception):
    status = 400


class NotFound(ChatError):
    status = 404


class Forbidden(ChatError):
    status = 403


class Conflict(ChatError):
    status = 409


def reachable(customer: str | None) -> str | None:
    """The customer a contact may carry: a phone or a WeChat openid, not a web session id
    (`chat:<session>` names nobody who could be called back)."""
    return None if not customer or customer.startswith("chat:") else customer


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def origin_contact(contact_id: str) -> str:
    """The chat contact a callback task was created for (`chat-x-cb` -> `chat-x`)."""
    return contact_id[:-3] if contact_id.endswith("-cb") else contact_id


Listener = Callable[[ChatSessionRec, ChatMessageRec], None]


class ChatService:
    def __init__(
        self, center: CenterService, store: ChatStore, bot: Bot, settings: ChatSettings
    ) -> None:
        self.center, self.store, self.bot, self.settings = center, store, bot, settings
        self.clock = center.clock
        self.listeners: list[Listener] = []
        self._lock = threading.RLock()
        self._seen: dict[str, float] = {s.id: s.updated_at for s in store.open_sessions()}
        self._inbox: queue.SimpleQueue[list[EventRecord] | None] = queue.SimpleQueue()
        #: session id -> until when the agent counts as typing (shown in the widget)
        self._typing: dict[str, float] = {}
        #: called with a session id when only the typing state changed (wakes long-polls)
        self.typing_listeners: list[Callable[[str], None]] = []

    # ------------------------------------------------------------------ customer side
    def start(
        self,
        channel: str = "web",
        customer: str | None = None,
        language: str = "zh-CN",
        queue_id: str | None = None,
        greet: bool = True,
    ) -> tuple[ChatSessionRec, str]:
        queue_id = queue_id or self.settings.default_queue
        allowed = [q for q in self.settings.queues.split(",") if q.strip()]
        known = {q.id for q in self.center.read(lambda r: r.config).queues}  # type: ignore[attr-defined]
        if queue_id not in known or (allowed and queue_id not in allowed):
            raise NotFound(f"no chat queue {queue_id!r}")
        sid, token, now = secrets.token_hex(12), secrets.token_urlsafe(24), self.clock()
        rec = ChatSessionRec(
            id=sid,
            token_hash=token_hash(token),
            channel=channel,
            customer=customer or f"chat:{sid}",
            language=language,
            queue=queue_id,
            status=BOT,
            contact_id=None,
            agent_id=None,
            bot_outcome=None,
            created_at=now,
            updated_at=now,
            ended_at=None,
            data={"answered": 0, "misses": 0},
        )
        self.store.create_session(rec)
        self._seen[sid] = now
        if greet:
            self._say(rec, "bot", self.bot.greeting(language), data={"actions": ["agent"]})
        return rec, token

    def authenticate(self, session_id: str, token: str | None) -> ChatSessionRec:
        rec = self.store.session(session_id)
        if (
            rec is None
            or not token
            or not secrets.compare_digest(rec.token_hash, token_hash(token))
        ):
            raise NotFound("no such chat")  # same answer for "wrong token": no probing
        self._seen[rec.id] = self.clock()
        return rec

    def customer_text(self, rec: ChatSessionRec, text: str) -> list[ChatMessageRec]:
        text = text.strip()[:4000]
        if not text:
            raise ChatError("empty message")
        with self._lock:
            rec = self._fresh(rec)
            if rec.status == ENDED:
                raise Conflict("this chat has ended; start a new one")
            out = [self._say(rec, "customer", text)]
            who = reachable(rec.customer)
            if opt_out_message(self.center.store, self.clock, who, text, rec.channel):
                out.append(self._say(rec, "system", OPT_OUT_REPLY))  # 退订/TD: on the DNC list now
            if rec.status != BOT:
                return out
            if wants_agent(text):
                self.request_agent(rec)
                return out
            reply = self.bot.reply(text, rec.language)
            data = rec.data | {
                "answered": rec.data.get("answered", 0) + reply.confident,
                "misses": rec.data.get("misses", 0) + (not reply.confident),
            }
            self.store.update_session(rec.id, data=data)
            extra = {
                "article_id": reply.article_id,
                "confident": reply.confident,
                "coverage": round(reply.coverage, 3),
                "actions": list(reply.actions),
                "suggestions": [{"id": i, "title": t} for i, t in reply.suggestions],
            }
            out.append(self._say(rec, "bot", reply.text, data=extra))
            return out

    def customer_image(self, rec: ChatSessionRec, content_type: str, data: bytes) -> ChatMessageRec:
        with self._lock:
            rec = self._fresh(rec)
            if rec.status == ENDED:
                raise Conflict("this chat has ended; start a new one")
            media_id = self.store.add_media(rec.id, content_type, data, self.clock())
            return self._say(rec, "customer", "[图片]", kind="image", media_id=media_id)

    def request_agent(self, rec: ChatSessionRec) -> ChatSessionRec:
        """Hand the chat over to the queues (idempotent while it waits or is served).

        The contact and its hand-over facts commit together first; only then is the session
        marked queued. If the arrival fails nothing changed and the next request tries
        again. If the mark fails after it, the contact's facts still find the session by the
        contact's id and mark it (`_on_record`), and a repeated request finds the contact
        (the arrival is idempotent by id) and marks the session as the contact is now:
        waiting, with an agent, or ended."""
        with self._lock:
            rec = self._fresh(rec)
            if rec.status in (QUEUED, AGENT):
                return rec
            if rec.status == ENDED:
                raise Conflict("this chat has ended; start a new one")
            cid = PREFIX + rec.id
            if self.center.read(lambda r: r.contact(cid)) is None and self.center.store.contact(
                cid
            ):  # handed over before and ended since (its facts were lost): never a second one
                return self._end(rec, HANDED_OVER, "contact ended")
            arrived = ev.ContactArrived(
                contact_id=cid,
                queue=rec.queue,
                channel=Channel.CHAT,
                customer=reachable(rec.customer),
                language="en" if lang_key(rec.language) == "en" else None,
                intent="chat",
            )
            history = self.store.messages(rec.id)
            last_q = next((m.body for m in reversed(history) if m.sender == "customer"), None)
            notes = [
                EventRecord(
                    at=self.clock(),
                    kind="chat.handover",
                    contact_id=cid,
                    queue=rec.queue,
                    channel=Channel.CHAT.value,
                    data={
                        "session_id": rec.id,
                        "chat_channel": rec.channel,
                        "messages": len(history),
                        "last_question": last_q,
                        "bot_answers": rec.data.get("answered", 0),
                        "transcript": f"/api/chat/contacts/{cid}/messages",
                    },
                )
            ]
            if rec.channel == "web":  # the widget showed the recording notice (issue 16)
                notes.append(chat_notice_fact(cid, rec.queue, rec.created_at))
            created = self.center.execute(Arrive(event=arrived, notes=tuple(notes)))
            snap = None if created else self.center.read(lambda r: r.contact(cid))
            agent = snap.agent_id if snap is not None and snap.status in _SERVED else None  # type: ignore[attr-defined]
            if agent is None:
                return self._link(rec, cid)
            data = rec.data | {"served_by": agent}
            rec = self.store.update_session(
                rec.id,
                status=AGENT,
                agent_id=agent,
                contact_id=cid,
                bot_outcome=HANDED_OVER,
                data=data,
            )
            self._notice(rec, "answered", agent=self.agent_name(agent))
            return rec

    def _link(self, rec: ChatSessionRec, cid: str) -> ChatSessionRec:
        """Mark the session handed over to contact `cid`, waiting in line."""
        rec = self.store.update_session(
            rec.id, status=QUEUED, contact_id=cid, bot_outcome=HANDED_OVER
        )
        self._notice(rec, "queued")
        return rec

    def feedback(self, rec: ChatSessionRec, solved: bool) -> ChatSessionRec:
        with self._lock:
            rec = self._fresh(rec)
            if rec.status != BOT:
                return rec
            if solved:
                return self._end(rec, SOLVED)
            data = rec.data | {"unhelpful": rec.data.get("unhelpful", 0) + 1}
            return self.store.update_session(rec.id, data=data)

    def close(self, rec: ChatSessionRec, reason: str = "customer") -> ChatSessionRec:
        """The customer closed the chat (or went quiet): waiting chats become callback tasks."""
        with self._lock:
            rec = self._fresh(rec)
            if rec.status == ENDED:
                return rec
            if rec.status == BOT:
                solved = rec.data.get("answered", 0) > 0 and not rec.data.get("unhelpful")
                return self._end(rec, SOLVED if solved else LEFT_IN_BOT, reason)
            live = self.center.read(lambda r: r.contact(rec.contact_id))
            if live is not None:
                try:  # the router's facts end the session (see _on_record)
                    self.center.apply(ev.CustomerLeft(rec.contact_id))  # type: ignore[arg-type]
                except RoutingError:
                    log.warning("chat %s: contact %s could not be left", rec.id, rec.contact_id)
            return self._end(self._fresh(rec), rec.bot_outcome, reason)

    def state(self, rec: ChatSessionRec) -> dict[str, Any]:
        """Status for the widget: where the customer is in line and the estimated wait."""
        rec = self._fresh(rec)
        served_by = rec.agent_id or rec.data.get("served_by")
        out: dict[str, Any] = {
            "status": rec.status,
            "agent_id": rec.agent_id,
            "agent_name": self.agent_name(served_by) if served_by else None,
            "agent_typing": rec.status == AGENT and self._typing.get(rec.id, 0) > self.clock(),
            "position": None,  # 1 = next in line
            "ahead": None,  # people in line before this customer
            "ewt_s": None,
            # a customer an agent served may rate the chat once it has ended
            "survey": rec.status == ENDED
            and bool(rec.data.get("served_by"))
            and not rec.data.get("surveyed"),
        }
        if rec.status == QUEUED and rec.contact_id:
            cid = rec.contact_id

            def where(r: Any) -> tuple[int | None, float | None]:
                snap = r.contact(cid)
                if snap is None:
                    return None, None
                line = r.waiting(snap.queue)
                if cid not in line:
                    return 0, 0.0
                return line.index(cid) + 1, r.estimated_wait(snap.queue, cid)

            out["position"], out["ewt_s"] = self.center.read(where)  # type: ignore[misc]
            if out["position"] is not None:
                out["ahead"] = max(0, out["position"] - 1)
        return out

    def agent_name(self, agent_id: str) -> str:
        """The agent's display name from the center config (the customer never sees ids)."""
        agents = self.center.read(lambda r: r.config.agents)  # type: ignore[attr-defined]
        return next((a.name for a in agents if a.id == agent_id), agent_id)  # type: ignore[attr-defined]

    def mark_surveyed(self, rec: ChatSessionRec) -> ChatSessionRec:
        rec = self._fresh(rec)
        return self.store.update_session(rec.id, data=rec.data | {"surveyed": True})

    def messages(self, rec: ChatSessionRec, after: int = 0) -> list[ChatMessageRec]:
        return self.store.messages(rec.id, after)

    # ------------------------------------------------------------------ agent side
    def session_for_contact(self, contact_id: str) -> ChatSessionRec:
        rec = self.store.find_session(contact_id=origin_contact(contact_id))
        if rec is None:
            raise NotFound(f"no chat for contact {contact_id!r}")
        return rec

    def agent_send(
        self, contact_id: str, agent_id: str | None, text: str, by: str
    ) -> ChatMessageRec:
        """An agent's reply (also into an ended chat while working its callback task)."""
        text = text.strip()[:4000]
        if not text:
            raise ChatError("empty message")
        rec = self.session_for_contact(contact_id)
        snap = self.center.read(lambda r: r.contact(contact_id))
        if snap is None or (agent_id is not None and snap.agent_id != agent_id):  # type: ignore[attr-defined]
            raise Forbidden("only the agent handling this contact may write to the customer")
        self._typing.pop(rec.id, None)
        return self._say(rec, "agent", text, agent_id=agent_id, data={"by": by})

    def agent_typing(self, contact_id: str, agent_id: str | None) -> None:
        """The agent is writing a reply: the widget shows it for a few seconds."""
        rec = self.session_for_contact(contact_id)
        snap = self.center.read(lambda r: r.contact(contact_id))
        if snap is None or (agent_id is not None and snap.agent_id != agent_id):  # type: ignore[attr-defined]
            raise Forbidden("only the agent handling this contact may write to the customer")
        self._typing[rec.id] = self.clock() + TYPING_S
        for fn in list(self.typing_listeners):
            try:
                fn(rec.id)
            except Exception:
                log.exception("chat typing listener failed")

    # ------------------------------------------------------------------ router facts
    def on_records(self, records: list[EventRecord]) -> None:
        """`CenterService` subscriber: cheap filter, the work happens in `drain`."""
        mine = [r for r in records if r.contact_id and r.contact_id.startswith(PREFIX)]
        if mine and any(r.kind != "chat.message" for r in mine):
            self._inbox.put(mine)

    def stop(self) -> None:
        self._inbox.put(None)

    def drain(self, block: bool = True) -> None:
        """Work off router facts until `stop()` (or, with block=False, until empty)."""
        while True:
            try:
                batch = self._inbox.get(block=block)
            except queue.Empty:
                return
            if batch is None:
                return
            for r in batch:
                try:
                    self._on_record(r)
                except Exception:
                    log.exception("chat: could not apply %s", r.kind)

    def _on_record(self, r: EventRecord) -> None:
        f = fact(r)
        if not isinstance(f, (Queued, Answered, Transferred, Ended, CallbackCreated)):
            return
        cid = f.contact_id or ""
        with self._lock:  # after a hand-over in flight has marked its session (or failed to)
            rec = self._session_of(origin_contact(cid))
            if rec is None:
                return
            if rec.contact_id is None:  # the hand-over's mark failed: the facts mark it
                if rec.status != BOT:
                    return
                rec = self._link(rec, origin_contact(cid))
            if cid.endswith("-cb"):  # a callback task: note who works it
                if isinstance(f, Answered):
                    data = rec.data | {"callback_agent": f.agent_id}
                    self.store.update_session(rec.id, data=data)
                return
            match f:
                case Answered(agent_id=agent):
                    data = rec.data | {"served_by": agent}
                    rec = self.store.update_session(rec.id, status=AGENT, agent_id=agent, data=data)
                    self._notice(rec, "answered", agent=self.agent_name(agent or ""))
                case Transferred():
                    rec = self.store.update_session(rec.id, status=QUEUED, agent_id=None)
                    self._notice(rec, "transferred")
                case CallbackCreated(callback_id=callback):
                    rec = self.store.update_session(
                        rec.id, data=rec.data | {"callback_id": callback}
                    )
                    self._notice(rec, "callback")
                case Ended(outcome=Outcome.OVERFLOWED_OUT):
                    return  # served by a peer center: the conversation goes on through it
                case Ended(outcome=outcome) if rec.status != ENDED:
                    rec = self._end(rec, rec.bot_outcome, f"contact {outcome.value}")
                    if outcome is Outcome.COMPLETED:
                        self._notice(rec, "ended")

    # ------------------------------------------------------------------ upkeep
    def sweep(self) -> list[str]:
        """Close web chats whose customer has gone quiet; end idle WeChat bot chats."""
        now, closed = self.clock(), []
        for rec in self.store.open_sessions():
            seen = max(self._seen.get(rec.id, rec.updated_at), rec.updated_at)
            idle = now - seen > self.settings.idle_timeout_s
            if idle and (rec.channel == "web" or rec.status == BOT):
                self.close(rec, reason="idle")
                closed.append(rec.id)
        return closed

    # ------------------------------------------------------------------ helpers
    def _session_of(self, contact_id: str) -> ChatSessionRec | None:
        """The session of a chat contact: the one linked to it, else the one its id names
        (`chat-<session>`) if that was never linked (its hand-over's mark failed). A peer's
        mirrored chat is always linked: it is found by the contact id alone."""
        rec = self.store.find_session(contact_id=contact_id)
        if rec is not None or not contact_id.startswith(PREFIX):
            return rec
        named = self.store.session(contact_id[len(PREFIX) :])
        return named if named is not None and named.contact_id is None else None

    def _fresh(self, rec: ChatSessionRec) -> ChatSessionRec:
        return self.store.session(rec.id) or rec

    def _end(self, rec: ChatSessionRec, outcome: str | None, reason: str = "") -> ChatSessionRec:
        data = rec.data | ({"end_reason": reason} if reason else {})
        self._seen.pop(rec.id, None)
        return self.store.update_session(
            rec.id, status=ENDED, ended_at=self.clock(), bot_outcome=outcome, data=data
        )

    def _notice(self, rec: ChatSessionRec, key: str, **fmt: Any) -> None:
        self._say(rec, "system", NOTICE[lang_key(rec.language)][key].format(**fmt))

    def _say(
        self,
        rec: ChatSessionRec,
        sender: str,
        body: str,
        *,
        kind: str = "text",
        media_id: int | None = None,
        agent_id: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> ChatMessageRec:
        msg = self.store.add_message(
            ChatMessageRec(
                0, rec.id, self.clock(), sender, kind, body, agent_id, media_id, data or {}
            )
        )
        if sender == "customer" and rec.agent_id and rec.contact_id:
            self.center.annotate(  # pushes to the agent's desktop stream (no text on the timeline)
                EventRecord(
                    at=msg.at,
                    kind="chat.message",
                    contact_id=rec.contact_id,
                    agent_id=rec.agent_id,
                    queue=rec.queue,
                    channel=Channel.CHAT.value,
                    data={"session_id": rec.id, "message_id": msg.id, "kind": kind},
                )
            )
        for fn in list(self.listeners):
            try:
                fn(rec, msg)
            except Exception:
                log.exception("chat listener failed")
        return msg
