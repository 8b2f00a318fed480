"""The SMS gateway interface: one method, so any vendor's API can be wrapped in a few lines."""

from __future__ import annotations

import itertools
import logging
from typing import Protocol

from hotline.notify.base import Delivery, Notification, masked

log = logging.getLogger("hotline.notify")


class SmsGateway(Protocol):
    def send_sms(self, phone: str, text: str) -> str:
        """Send; return the gateway's message id; raise on failure."""
        ...


class LogSmsGateway:
    """Writes the SMS to the log instead of sending it (demo and tests)."""

    def __init__(self) -> None:
        self.outbox: list[tuple[str, str]] = []
        self._ids = itertools.count(1)

    def send_sms(self, phone: str, text: str) -> str:
        log.info("sms to %s: %s", masked(phone), text)
        self.outbox.append((phone, text))
        return f"log-{next(self._ids)}"


class SmsNotifier:
    """Customers get an SMS; internal targets (role:/team:/agent:) are logged only."""

    def __init__(self, gateway: SmsGateway, signature: str = "") -> None:
        self.gateway = gateway
        self.signature = signature

    def send(self, message: Notification) -> Delivery:
        if not message.to_customer:
            log.info("notify %s [%s] %s", message.to, message.kind, message.text)
            return Delivery(True, "log")
        try:
            mid = self.gateway.send_sms(message.to, f"{self.signature}{message.text}")
        except Exception as exc:  # a gateway failure is a failed delivery, not a crash
            return Delivery(False, "sms", f"{type(exc).__name__}: {exc}")
        return Delivery(True, "sms", mid)
