"""Chat and WeChat settings, read from `HOTLINE_CHAT_*` / `HOTLINE_WECHAT_*` variables."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class ChatSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HOTLINE_CHAT_")

    default_queue: str = "chat"
    queues: str = ""  # comma-separated queues a widget may ask for ("" = any configured queue)
    idle_timeout_s: float = 300.0  # a web customer not polling this long has left
    bot_threshold: float = 0.6  # KB coverage needed for the bot to answer on its own
    bot_margin: float = 1.15  # best article's score / runner-up's
    max_image_bytes: int = 2_000_000
    messages_per_minute: float = 30.0  # per chat session (burst 10)
    sessions_per_minute: float = 10.0  # per client address (burst 5)
    # Websites that embed the widget: "*" (any; its API uses no cookie, only the chat token)
    # or their origins, space/comma-separated - others get no CORS grant and a 403.
    origins: str = "*"
    sweep_every_s: float = 5.0


class WeChatSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HOTLINE_WECHAT_")

    token: str = ""  # the server token set in the official-account console; "" = adapter off
    app_id: str = ""
    app_secret: str = ""
    api_base: str = "https://api.weixin.qq.com"
    queue: str = "chat"
    send_timeout_s: float = 5.0
    merge_window_s: float = 1.0  # an agent's burst of short lines goes out as one message
