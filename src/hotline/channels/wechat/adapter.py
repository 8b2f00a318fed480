"""WeChat official-account adapter: webhook in, customer-service API out.

The webhook acknowledges every POST at once with `success` (WeChat retries 3 times within
~15 s and shows the user an error if an answer takes over 5 s): it checks the signature,
refuses a signed URL already used with another body (a replay: the signature does not cover
the body), parses, drops retries by MsgId (stored, so a restart does not replay), and hands
the message to the `ChatService` - the same bot, queues and transcripts as the web widget;
the customer is `wechat:<OpenID>`, never shown as a phone number. Replies (bot, agent,
notices) leave through `WeChatClient` from a worker thread, an agent's burst of short lines
merged into one message so it does not burn the 5-message reply budget.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable

from hotline.channels.chat.service import ChatService
from hotline.channels.chat.settings import WeChatSettings
from hotline.channels.wechat import protocol
from hotline.channels.wechat.client import WeChatClient, WeChatError, WindowClosed
from hotline.store.kb import ChatMessageRec, ChatSessionRec, ChatStore

log = logging.getLogger(__name__)
CUSTOMER = "wechat:"
NOT_TEXT = {
    "voice": "[语音]",
    "video": "[视频]",
    "shortvideo": "[视频]",
    "location": "[位置]",
    "link": "[链接]",
}


class BadSignature(Exception):
    pass


class Replayed(BadSignature):
    """A signed URL seen before with a different body: someone replays a captured request."""


class WeChatAdapter:
    def __init__(
        self,
        chat: ChatService,
        store: ChatStore,
        client: WeChatClient,
        settings: WeChatSettings,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.chat, self.store, self.client, self.settings = chat, store, client, settings
        self.clock = clock
        self._outbox: queue.SimpleQueue[tuple[str, str, str] | None] = queue.SimpleQueue()
        self._worker: threading.Thread | None = None
        self.sent = 0
        self.undelivered = 0
        self._forgot_at = 0.0
        chat.listeners.append(self._on_message)

    # ------------------------------------------------------------------ inbound
    def verify(self, signature: str | None, timestamp: str | None, nonce: str | None) -> None:
        if not protocol.check_signature(
            self.settings.token, signature, timestamp, nonce, self.clock()
        ):
            raise BadSignature("bad signature")

    def handle(self, body: bytes, signed: tuple[str, str] | None = None) -> str:
        """Process one (already verified) POST; returns the HTTP answer body.

        `signed` is the request's (timestamp, nonce): remembered with the body's hash for the
        signature's lifetime, so the same URL with another body raises `Replayed`; with the
        same body it is a retry, dropped below by MsgId.
        """
        if signed is not None:
            self._remember(*signed, body)
        msg = protocol.parse(body)
        if not self.store.first_inbound(msg.key, msg.from_user, self.clock()):
            return "success"  # a retry of a message we already have
        customer = CUSTOMER + msg.from_user
        if msg.msg_type == "event":
            if (msg.event or "").lower() == "subscribe":
                rec, _ = self._session(customer, greet=True)
            return "success"
        self.client.budget.user_wrote(msg.from_user)
        rec, _new = self._session(customer)
        if msg.msg_type == "text":
            self.chat.customer_text(rec, msg.content)
        elif msg.msg_type == "image" and msg.media_id:
            try:
                ctype, data = self.client.media(msg.media_id)
                self.chat.customer_image(rec, ctype, data)
            except (WeChatError, OSError) as exc:
                log.warning("wechat: image %s not fetched: %s", msg.media_id, exc)
                self.chat.customer_text(rec, "[图片，未能获取]")
        else:
            self.chat.customer_text(rec, NOT_TEXT.get(msg.msg_type, f"[{msg.msg_type}]"))
        return "success"

    def _remember(self, timestamp: str, nonce: str, body: bytes) -> None:
        now, digest = self.clock(), protocol.body_digest(body)
        first = self.store.first_signed(protocol.signed_key(timestamp, nonce), digest, now)
        if first is not None and first != digest:
            log.warning("wechat: signed URL replayed with another body (nonce %r)", nonce)
            raise Replayed("this signed URL was already used for another message")
        if now - self._forgot_at > protocol.MAX_SKEW_S:
            self._forgot_at = now
            self.store.forget_signed(now - 2 * protocol.MAX_SKEW_S - 60)

    def _session(self, customer: str, greet: bool = False) -> tuple[ChatSessionRec, bool]:
        rec = self.store.find_session(channel="wechat", customer=customer, open=True)
        if rec is not None:
            return rec, False
        rec, _token = self.chat.start("wechat", customer, "zh-CN", self.settings.queue, greet=greet)
        return rec, True

    # ------------------------------------------------------------------ outbound
    def _on_message(self, rec: ChatSessionRec, msg: ChatMessageRec) -> None:
        if rec.channel != "wechat" or msg.sender == "customer" or msg.data.get("undelivered"):
            return
        text = msg.body.replace("点「转人工」", "回复「人工」").replace(
            "请点「转人工」", "请回复「人工」"
        )
        self._outbox.put((rec.id, rec.customer.removeprefix(CUSTOMER), text))

    def start(self) -> None:
        self._worker = threading.Thread(target=self._run, name="wechat-outbox", daemon=True)
        self._worker.start()

    def stop(self) -> None:
        self._outbox.put(None)
        if self._worker is not None:
            self._worker.join(timeout=5)
        self.client.close()

    def _run(self) -> None:
        while (item := self._outbox.get()) is not None:
            # the window slides: each line waits for the next one, so an agent typing a burst of
            # short lines sends one message (the 5-message budget lasts), but never past 3 windows
            batch, stop = [item], False
            window = self.settings.merge_window_s
            cap = time.monotonic() + 3 * window
            deadline = min(cap, time.monotonic() + window)
            while (left := deadline - time.monotonic()) > 0:
                try:
                    nxt = self._outbox.get(timeout=left)
                except queue.Empty:
                    break
                if nxt is None:
                    stop = True
                    break
                batch.append(nxt)
                deadline = min(cap, time.monotonic() + window)
            self._send(batch)
            if stop:
                return

    def _send(self, batch: list[tuple[str, str, str]]) -> None:
        by_user: dict[tuple[str, str], list[str]] = {}
        for sid, openid, text in batch:
            by_user.setdefault((sid, openid), []).append(text)
        for (sid, openid), texts in by_user.items():
            try:
                self.client.send_text(openid, "\n".join(texts))
                self.sent += 1
            except WindowClosed:
                self.undelivered += 1
                self._undelivered(
                    sid, "微信回复窗口已关闭（48小时内最多5条），消息未送达；请改用电话回访。"
                )
            except (WeChatError, OSError) as exc:
                self.undelivered += 1
                log.warning("wechat: send to %s failed: %s", openid, exc)
                self._undelivered(sid, f"消息未送达微信用户：{exc}")

    def _undelivered(self, session_id: str, note: str) -> None:
        rec = self.store.session(session_id)
        if rec is not None:
            self.store.add_message(
                ChatMessageRec(
                    0, rec.id, self.clock(), "system", "text", note, data={"undelivered": True}
                )
            )
