"""Security headers for every response, and `Secure` cookies when the request came over TLS.

Policies, and why each looks the way it does:

* HTML pages: scripts only from this origin (no inline script, no inline event handler, so a
  reflected or stored payload cannot run). `'unsafe-eval'` stays because Alpine.js (standard
  build) compiles its `x-data` / `@click` expressions with `new Function`; Alpine evaluates
  only attributes of our own templates, and Jinja escapes every value written into them.
  Styles keep `'unsafe-inline'`: the templates use a few `style=` attributes and Chart.js /
  Alpine set inline styles; CSS cannot run script.
* Everything else (JSON, images, scripts, files): `default-src 'none'`, so a response opened
  as a document (an uploaded image, an error body) can load and run nothing.
* FastAPI's `/docs` and `/redoc` pages are static HTML with an inline bootstrap script and
  assets from a CDN: they get their own policy allowing exactly that.
* Nothing may frame any page (`frame-ancestors 'none'` + `X-Frame-Options: DENY`): the chat
  widget is a script that draws into the host page, not an iframe, so embedding it needs no
  framing. A route that sets its own `Content-Security-Policy` (the chat demo page) keeps it.
* `Cross-Origin-Resource-Policy`: other sites may load only the widget's script and API (which
  `HOTLINE_CHAT_ORIGINS` governs through CORS); nothing else of the desk - an agent's chat
  image, a page - can be pulled into another site's page.
"""

from __future__ import annotations

PAGE_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; font-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
OTHER_CSP = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
    "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly; "
    "font-src 'self' https://fonts.gstatic.com; worker-src 'self' blob:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
DOCS_PATHS = frozenset({"/docs", "/redoc", "/docs/oauth2-redirect"})
WIDGET_PATHS = ("/chat/widget.js", "/api/chat/sessions")

COMMON = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
)


_ENCODED = {p: p.encode() for p in (PAGE_CSP, OTHER_CSP, DOCS_CSP)}


def csp_for(path: str, content_type: bytes) -> str:
    if path in DOCS_PATHS:
        return DOCS_CSP
    return PAGE_CSP if content_type.startswith(b"text/html") else OTHER_CSP


def secure_headers(
    headers: list[tuple[bytes, bytes]], path: str, tls: bool
) -> list[tuple[bytes, bytes]]:
    """`headers` with the security headers added (a header the route set itself wins)."""
    present = {k.lower() for k, _ in headers}
    out = []
    for k, v in headers:
        if tls and k.lower() == b"set-cookie" and not _is_secure(v):
            v += b"; Secure"
        out.append((k, v))
    ctype = next((v.lower() for k, v in headers if k.lower() == b"content-type"), b"")
    if b"content-security-policy" not in present:
        out.append((b"content-security-policy", _ENCODED[csp_for(path, ctype)]))
    out.extend(h for h in COMMON if h[0] not in present)
    if b"cross-origin-resource-policy" not in present:
        corp = b"cross-origin" if path.startswith(WIDGET_PATHS) else b"same-origin"
        out.append((b"cross-origin-resource-policy", corp))
    if ctype.startswith(b"text/html") and b"cross-origin-opener-policy" not in present:
        out.append((b"cross-origin-opener-policy", b"same-origin"))
    if tls and b"strict-transport-security" not in present:
        out.append((b"strict-transport-security", b"max-age=31536000"))
    return out


def _is_secure(cookie: bytes) -> bool:
    return any(part.strip().lower() == b"secure" for part in cookie.split(b";")[1:])
