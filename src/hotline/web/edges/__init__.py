"""The server's edges: what every request meets before a route sees it.

`install(app, settings)` adds `EdgeMiddleware` (size limits, NUL refusal, CSRF origin check,
security headers, Secure cookies). `origin.widget_allow_origin` is the chat widget's CORS rule.
Why each rule exists is written where it is enforced (`body`, `origin`, `headers`).
"""

from __future__ import annotations

from fastapi import FastAPI

from hotline.web.edges.middleware import EdgeMiddleware
from hotline.web.edges.origin import widget_allow_origin
from hotline.web.settings import Settings

__all__ = ["EdgeMiddleware", "install", "widget_allow_origin"]


def install(app: FastAPI, settings: Settings) -> None:
    app.add_middleware(
        EdgeMiddleware,
        max_body_bytes=settings.max_body_bytes,
        max_upload_bytes=settings.max_upload_bytes,
        trusted_origins=settings.trusted_origins,
        trust_forwarded_proto=settings.trust_forwarded_proto,
    )
