"""Typed settings, read from `HOTLINE_*` environment variables (or passed in by tests)."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything the server needs; nothing is read at import time."""

    model_config = SettingsConfigDict(env_prefix="HOTLINE_")

    database_url: str = "sqlite:///var/hotline.db"
    token_ttl_s: float = 12 * 3600.0
    session_cache_s: float = 10.0  # a token revoked by another process stays valid this long
    reconcile_every_s: float = 30.0
    max_tick_sleep_s: float = 1.0
    stream_backlog: int = 5000  # most events replayed to a reconnecting client
