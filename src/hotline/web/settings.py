"""Typed settings, read from `HOTLINE_*` environment variables (or passed in by tests)."""

from __future__ import annotations

from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything the server needs; nothing is read at import time."""

    model_config = SettingsConfigDict(env_prefix="HOTLINE_")

    database_url: str = "sqlite:///var/hotline.db"
    token_ttl_s: float = 12 * 3600.0
    session_cache_s: float = 10.0  # a token revoked by another process stays valid this long
    reconcile_every_s: float = 30.0
    #: the work-order check (SLA escalations, closed loop, outbox retries: tickets_loop)
    tickets_every_s: float = 60.0
    campaigns_every_s: float = 5.0  # outbound campaign rounds (web/routes/campaigns.py)
    # Background jobs (report catch-up, alerts, scheduled reports, QA, purge; web/jobs.py):
    # `hotline serve` runs them in a `hotline jobs` child ("child"), or leaves them to a
    # separately run `hotline jobs` ("off"); in-process servers (tests) run them inline.
    jobs: Literal["child", "off", "inline"] = "inline"
    max_tick_sleep_s: float = 1.0
    stream_backlog: int = 5000  # most events replayed to a reconnecting client
    # Login brute-force limits (hotline.web.login_guard): per user name in the database,
    # per client address in memory; argon2 runs in its own small pool.
    login_max_failures: int = 5  # failures within the window that lock the user name
    login_window_s: float = 900.0
    login_lockout_s: float = 900.0  # an admin can lift it earlier
    login_address_failures: int = 30  # failures per client address within the window below
    login_address_window_s: float = 300.0
    login_hash_workers: int = 0  # concurrent argon2 checks; 0 = half the CPUs (at least 1)
    # Logins waiting for a check beyond this answer 503: room for a whole shift (and the load
    # generators' 200 bots) logging in at once; a flood beyond it is refused at once.
    login_hash_queue: int = 256
    # Edges (hotline.web.edges): refused with 413 before the body is parsed.
    max_body_bytes: int = 1024 * 1024  # any request body
    max_upload_bytes: int = 8 * 1024 * 1024  # upload routes only (chat images)
    # Origins besides the server's own that may send cookie-authenticated writes, e.g. the
    # public https://desk.example.com when a proxy in front does not pass the Host through.
    trusted_origins: str = ""  # space- or comma-separated
    # Believe X-Forwarded-Proto from any peer (a TLS proxy in front): marks cookies Secure and
    # makes https://host this server's own origin. uvicorn already trusts it from 127.0.0.1.
    trust_forwarded_proto: bool = False
