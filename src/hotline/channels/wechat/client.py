"""Outbound WeChat API client: access token upkeep, customer-service messages, media download.

* The access token (valid 7,200 s) is fetched once and reused until 5 minutes before it
  expires; an `errcode` 40001/40014/42001 (invalid/expired token) refreshes it and retries once.
* Reply budget per user (`ReplyBudget`): after a user message, 5 messages within 48 h (the rule
  WeChat documents now; a new user message restarts the window). Past it the API answers
  45015; we refuse before sending so the agent sees "window closed" instead of a lost message.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

TOKEN_ERRORS = {40001, 40014, 42001}
WINDOW_S = 48 * 3600
PER_WINDOW = 5


class WeChatError(Exception):
    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"WeChat API error {errcode}: {errmsg}")
        self.errcode, self.errmsg = errcode, errmsg


class WindowClosed(WeChatError):
    """No reply allowed now (48 h window over or 5 messages used); errcode 45015."""


@dataclass
class _Window:
    opened_at: float
    used: int = 0


class ReplyBudget:
    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self._w: dict[str, _Window] = {}
        self._lock = threading.Lock()

    def user_wrote(self, openid: str) -> None:
        with self._lock:
            self._w[openid] = _Window(self.clock())

    def left(self, openid: str) -> tuple[int, float | None]:
        """(messages left, epoch when the window closes) for one user."""
        with self._lock:
            w = self._w.get(openid)
            if w is None or self.clock() - w.opened_at > WINDOW_S:
                return 0, None
            return PER_WINDOW - w.used, w.opened_at + WINDOW_S

    def spend(self, openid: str) -> None:
        with self._lock:
            left = self._w.get(openid)
            if left is None or self.clock() - left.opened_at > WINDOW_S or left.used >= PER_WINDOW:
                raise WindowClosed(45015, "reply window closed or 5 messages used")
            left.used += 1


class WeChatClient:
    def __init__(
        self,
        api_base: str,
        app_id: str,
        app_secret: str,
        timeout_s: float = 5.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.app_id, self._secret, self.clock = app_id, app_secret, clock
        self.http = httpx.Client(base_url=api_base.rstrip("/"), timeout=timeout_s)
        self.budget = ReplyBudget(clock)
        self._token: str | None = None
        self._expires = 0.0
        self._lock = threading.Lock()
        self.token_fetches = 0

    def close(self) -> None:
        self.http.close()

    def access_token(self, force: bool = False) -> str:
        with self._lock:
            if force or self._token is None or self.clock() > self._expires - 300:
                r = self.http.get(
                    "/cgi-bin/token",
                    params={
                        "grant_type": "client_credential",
                        "appid": self.app_id,
                        "secret": self._secret,
                    },
                )
                body = _json(r)
                self._token = body["access_token"]
                self._expires = self.clock() + float(body.get("expires_in", 7200))
                self.token_fetches += 1
            return self._token  # type: ignore[return-value]

    def _call(self, method: str, path: str, **kw: Any) -> httpx.Response:
        for attempt in (0, 1):
            token = self.access_token(force=attempt == 1)
            r = self.http.request(
                method, path, params={"access_token": token, **kw.pop("params", {})}, **kw
            )
            if r.headers.get("content-type", "").startswith("application/json"):
                body = r.json()
                code = body.get("errcode", 0)
                if code in TOKEN_ERRORS and attempt == 0:
                    continue
                if code == 45015:
                    raise WindowClosed(code, body.get("errmsg", ""))
                if code:
                    raise WeChatError(code, body.get("errmsg", ""))
            r.raise_for_status()
            return r
        raise AssertionError("unreachable")

    def send_text(self, openid: str, text: str) -> None:
        """A customer-service text message; `WindowClosed` when the budget is used up."""
        self.budget.spend(openid)
        payload = {"touser": openid, "msgtype": "text", "text": {"content": text}}
        self._call("POST", "/cgi-bin/message/custom/send", json=payload)

    def media(self, media_id: str) -> tuple[str, bytes]:
        """(content type, bytes) of a user's image."""
        r = self._call("GET", "/cgi-bin/media/get", params={"media_id": media_id})
        return r.headers.get("content-type", "application/octet-stream"), r.content


def _json(r: httpx.Response) -> dict[str, Any]:
    r.raise_for_status()
    body = r.json()
    if body.get("errcode"):
        raise WeChatError(body["errcode"], body.get("errmsg", ""))
    return body
