"""`Channels`: the knowledge base, the bot, chat and WeChat wired to one `CenterService`.

Built on server start-up (after the core has opened the store and rebuilt the router) and
closed on shutdown; web routes reach it as `app.state.channels`.
"""

from __future__ import annotations

import threading

from hotline.channels.bot import Bot
from hotline.channels.chat.service import ChatService
from hotline.channels.chat.settings import ChatSettings, WeChatSettings
from hotline.channels.wechat.adapter import WeChatAdapter
from hotline.channels.wechat.client import WeChatClient
from hotline.kb.service import KbService
from hotline.runtime import CenterService
from hotline.store.kb import ChatStore, KbStore


class Channels:
    def __init__(
        self,
        center: CenterService,
        chat_settings: ChatSettings | None = None,
        wechat_settings: WeChatSettings | None = None,
    ) -> None:
        self.chat_settings = chat_settings or ChatSettings()
        self.wechat_settings = wechat_settings or WeChatSettings()
        engine = center.store.engine
        self.kb_store, self.chat_store = KbStore(engine), ChatStore(engine)
        self.kb = KbService(self.kb_store, center.clock)
        self.kb.load()
        s = self.chat_settings
        self.bot = Bot(self.kb, s.bot_threshold, s.bot_margin)
        self.chat = ChatService(center, self.chat_store, self.bot, s)
        self._unsubscribe = center.subscribe(self.chat.on_records)
        self._drain = threading.Thread(target=self.chat.drain, name="chat-facts", daemon=True)
        self._drain.start()
        self.wechat: WeChatAdapter | None = None
        w = self.wechat_settings
        if w.token:
            client = WeChatClient(w.api_base, w.app_id, w.app_secret, w.send_timeout_s)
            self.wechat = WeChatAdapter(self.chat, self.chat_store, client, w, center.clock)
            self.wechat.start()

    def close(self) -> None:
        self._unsubscribe()
        self.chat.stop()
        self._drain.join(timeout=5)
        if self.wechat is not None:
            self.wechat.stop()
