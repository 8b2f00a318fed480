"""Telling people things: the customer (closed loop), a supervisor or a team (escalations).

`Notifier` is the port the work-order services call. Implementations:

* `LogNotifier` - the default: writes a log line (numbers masked) and keeps what it sent;
* `WebhookNotifier` - POSTs each notification as JSON to an HTTP endpoint (httpx), e.g. the
  center's SMS platform or a messaging bridge;
* `SmsNotifier` - adapts any `SmsGateway` (one method: `send_sms(phone, text)`) so a
  vendor's SMS API plugs in without touching the services.

`notifier_from_env()` picks one from `HOTLINE_NOTIFY_*` settings.
"""

from hotline.notify.base import Delivery, LogNotifier, Notification, Notifier, RetryLater
from hotline.notify.sms import LogSmsGateway, SmsGateway, SmsNotifier
from hotline.notify.webhook import NotifySettings, WebhookNotifier, notifier_from_env

__all__ = [
    "Delivery",
    "LogNotifier",
    "LogSmsGateway",
    "Notification",
    "Notifier",
    "NotifySettings",
    "RetryLater",
    "SmsGateway",
    "SmsNotifier",
    "WebhookNotifier",
    "notifier_from_env",
]
