"""The notification port and its log-only default."""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

log = logging.getLogger("hotline.notify")


@dataclass(frozen=True, slots=True)
class Notification:
    """One message. `to` is a customer identifier, or `role:supervisor`, `team:<id>`,
    `agent:<id>`; `kind` says why (order_resolved, escalation, order_dispatched…)."""

    to: str
    kind: str
    text: str
    order_id: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)

    @property
    def to_customer(self) -> bool:
        return ":" not in self.to


@dataclass(frozen=True, slots=True)
class Delivery:
    ok: bool
    channel: str  # "log", "webhook", "sms"
    detail: str | None = None  # message id, or why it failed


class RetryLater(Exception):
    """A transient failure (the peer center is down): keep the message and send it again on a
    later round, instead of recording a failed delivery."""


class Notifier(Protocol):
    def send(self, message: Notification) -> Delivery:
        """Deliver or fail; never raise for a delivery problem (return ok=False)."""
        ...


def masked(to: str) -> str:
    """Customer identifiers are masked in logs (138****5678); role/team targets are not."""
    if ":" in to or len(to) <= 4:
        return to
    return to[:3] + "*" * max(0, len(to) - 7) + to[-4:]


class LogNotifier:
    """Log-only delivery (the default): nothing leaves the machine; `sent` keeps a copy."""

    def __init__(self, keep: int = 1000) -> None:
        self.sent: list[Notification] = []
        self._keep = keep
        self._lock = threading.Lock()

    def send(self, message: Notification) -> Delivery:
        log.info("notify %s [%s] %s", masked(message.to), message.kind, message.text)
        with self._lock:
            self.sent.append(message)
            del self.sent[: -self._keep]
        return Delivery(True, "log")
