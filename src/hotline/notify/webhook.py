"""HTTP webhook delivery (httpx) and the choice of notifier from settings."""

from __future__ import annotations

from typing import Any

import httpx
from pydantic_settings import BaseSettings, SettingsConfigDict

from hotline.notify.base import Delivery, LogNotifier, Notification, Notifier


class WebhookNotifier:
    """POST `{"to", "kind", "text", "order_id", "data"}` as JSON; 2xx means delivered.

    The full customer identifier is sent (the receiver has to reach the customer), so the URL
    must be the center's own SMS/messaging platform over HTTPS; a bearer token is optional.
    """

    def __init__(
        self,
        url: str,
        token: str | None = None,
        timeout_s: float = 5.0,
        client: httpx.Client | None = None,
    ) -> None:
        self.url = url
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._client = client or httpx.Client(timeout=timeout_s, headers=headers)

    def send(self, message: Notification) -> Delivery:
        body: dict[str, Any] = {
            "to": message.to,
            "kind": message.kind,
            "text": message.text,
            "order_id": message.order_id,
            "data": dict(message.data),
        }
        try:
            r = self._client.post(self.url, json=body)
        except httpx.HTTPError as exc:
            return Delivery(False, "webhook", f"{type(exc).__name__}: {exc}")
        if r.is_success:
            return Delivery(True, "webhook", r.headers.get("x-message-id"))
        return Delivery(False, "webhook", f"HTTP {r.status_code}")

    def close(self) -> None:
        self._client.close()


class NotifySettings(BaseSettings):
    """`HOTLINE_NOTIFY_WEBHOOK_URL` (empty = log only), `HOTLINE_NOTIFY_WEBHOOK_TOKEN`."""

    model_config = SettingsConfigDict(env_prefix="HOTLINE_NOTIFY_")

    webhook_url: str = ""
    webhook_token: str | None = None
    timeout_s: float = 5.0


def notifier_from_env(settings: NotifySettings | None = None) -> Notifier:
    s = settings or NotifySettings()
    if s.webhook_url:
        return WebhookNotifier(s.webhook_url, s.webhook_token, s.timeout_s)
    return LogNotifier()
