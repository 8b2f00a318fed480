"""Where a request comes from: this server's own origins, the CSRF rule, the widget's CORS.

CSRF: the browser UI authenticates with an HttpOnly cookie, which a browser attaches to
requests that another site makes it send. So a state-changing request (POST/PUT/PATCH/DELETE)
that carries the login cookie and no bearer header must come from one of our own origins, as
its `Origin` header (or, without one, its `Referer`) says. Browsers always send `Origin` on
such requests from `fetch()`, which is all the UI uses (common.js). A request with an
`Authorization: Bearer` header is exempt: no other site can make a browser add that header.
The login itself reads no cookie, but a foreign `Origin` on it is refused too (login CSRF:
signing a victim into the attacker's account). The widget API and the WeChat webhook never
read the cookie; they are exempt.

The same rule guards the `/api/stream` WebSocket handshake (cross-site WebSocket hijacking):
browsers do not apply CORS to WebSockets, so a cookie-authenticated handshake from a foreign
`Origin` is refused before it is accepted.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urlsplit

from hotline.web.deps import COOKIE

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
COOKIELESS_PREFIXES = ("/api/chat/sessions", "/api/wechat/")
LOGIN_PATH = "/api/auth/login"
_DEFAULT_PORT = {"http": "80", "https": "443"}
_COOKIE_RE = re.compile(rb"(?:^|;)\s*" + re.escape(COOKIE.encode()) + rb"=([^;\s]+)")


def split_list(value: str) -> list[str]:
    return [v for v in re.split(r"[\s,]+", value.strip()) if v]


def normalise_origin(value: str | None) -> str | None:
    """`scheme://host[:port]` in lower case without a default port; None if not an origin."""
    if not value or value == "null":
        return None
    try:
        parts = urlsplit(value.strip())
        port = parts.port
    except ValueError:
        return None
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    if scheme not in _DEFAULT_PORT or not host:
        return None
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    if port is not None and str(port) != _DEFAULT_PORT[scheme]:
        return f"{scheme}://{host}:{port}"
    return f"{scheme}://{host}"


def request_schemes(scope: dict, headers: dict[bytes, bytes], trust_forwarded: bool) -> set[str]:
    """The schemes the client used: the connection's, plus a trusted X-Forwarded-Proto."""
    scheme = {"ws": "http", "wss": "https"}.get(scope.get("scheme", "http"), scope.get("scheme"))
    schemes = {scheme or "http"}
    forwarded = headers.get(b"x-forwarded-proto", b"").decode("latin-1").split(",")[0].strip()
    if trust_forwarded and forwarded.lower() in _DEFAULT_PORT:
        schemes = {forwarded.lower()}
    return schemes


def own_origins(scope: dict, headers: dict[bytes, bytes], trust_forwarded: bool) -> set[str]:
    host = headers.get(b"host", b"").decode("latin-1")
    if not host and scope.get("server"):
        server_host, server_port = scope["server"]
        host = f"{server_host}:{server_port}"
    found = set()
    for scheme in request_schemes(scope, headers, trust_forwarded):
        origin = normalise_origin(f"{scheme}://{host}")
        if origin:
            found.add(origin)
    return found


def has_login_cookie(headers: dict[bytes, bytes]) -> bool:
    return bool(_COOKIE_RE.search(headers.get(b"cookie", b"")))


def has_bearer(headers: dict[bytes, bytes]) -> bool:
    return headers.get(b"authorization", b"")[:7].lower() == b"bearer "


def sender_origin(headers: dict[bytes, bytes]) -> tuple[str | None, str]:
    """The requesting page's origin (from Origin, else Referer) and the header it came from."""
    origin = headers.get(b"origin")
    if origin is not None:
        return normalise_origin(origin.decode("latin-1")), "Origin"
    referer = headers.get(b"referer")
    if referer is not None:
        return normalise_origin(referer.decode("latin-1")), "Referer"
    return None, ""


def csrf_refusal(
    method: str, path: str, headers: dict[bytes, bytes], own: Callable[[], set[str]]
) -> str | None:
    """Why this request must be refused as cross-site, or None if it may go on.

    `own()` gives the origins that count as this site (called only when needed: reads and
    bearer requests, nearly all of the API's traffic, never compute it).
    """
    if method in SAFE_METHODS or path.startswith(COOKIELESS_PREFIXES) or has_bearer(headers):
        return None
    origin, header = sender_origin(headers)
    if path == LOGIN_PATH:  # no cookie is read; refuse only a page of another site
        if header and origin not in own():
            return f"cross-site login refused: {header} {origin or 'null'} is not this site"
        return None
    if not has_login_cookie(headers):
        return None
    if not header:
        return (
            "cookie-authenticated write without an Origin or Referer header refused "
            "(send Authorization: Bearer <token> instead of the cookie)"
        )
    allowed = own()
    if origin not in allowed:
        return (
            f"cross-site request refused: {header} {origin or 'null'} is not this site "
            f"({', '.join(sorted(allowed))}); add it to HOTLINE_TRUSTED_ORIGINS if it is"
        )
    return None


def websocket_refused(headers: dict[bytes, bytes], query: bytes, allowed: set[str]) -> bool:
    """A cookie-authenticated WebSocket handshake from another site's page."""
    if b"token=" in query or not has_login_cookie(headers):
        return False
    origin, header = sender_origin(headers)
    return bool(header) and origin not in allowed


def widget_allow_origin(configured: str, origin: str | None) -> str | None:
    """Access-Control-Allow-Origin for the chat widget API, or None for a refused origin.

    `configured` is `HOTLINE_CHAT_ORIGINS`: `*` (any website may embed the widget; its
    requests carry no cookie, only the chat token) or a list of the embedding sites' origins.
    A request without an Origin (not from a browser page) is not a cross-origin request.
    """
    allowed = split_list(configured) or ["*"]
    if "*" in allowed:
        return "*"
    wanted = normalise_origin(origin)
    if origin is None:
        return allowed[0]
    normalised = {normalise_origin(a) for a in allowed}
    return wanted if wanted is not None and wanted in normalised else None
