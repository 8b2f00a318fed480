"""`EdgeMiddleware`: the one place every HTTP request and WebSocket handshake passes first.

A plain ASGI middleware (no `BaseHTTPMiddleware`: that would copy each response through a
task and a queue, on the hot API path) that, in this order:

1. refuses a NUL in the path or query string (422, `loc` naming the parameter);
2. refuses a cross-site cookie-authenticated write (403, `origin.csrf_refusal`);
3. refuses a body over its limit (413: from `Content-Length` before reading a byte, or from a
   running count while a chunked body streams in);
4. reads JSON/form bodies (bounded by 3) and refuses a NUL in any field (422), then hands the
   same bytes to the app;
5. adds the security headers to every response, its own refusals included, and marks cookies
   `Secure` when the request came over TLS.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

from starlette.exceptions import HTTPException

from hotline.web.edges import body as bodies
from hotline.web.edges import headers as sec
from hotline.web.edges import origin as origins

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


@dataclass(frozen=True)
class Refusal:
    status: int
    body: dict[str, Any]


class BodyTooLarge(HTTPException):
    """Raised from `receive` when a streamed body passes its limit; answered 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body larger than {limit} bytes")


class EdgeMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        max_upload_bytes: int,
        trusted_origins: str = "",
        trust_forwarded_proto: bool = False,
    ) -> None:
        self.app = app
        self.max_body, self.max_upload = max_body_bytes, max_upload_bytes
        listed = map(origins.normalise_origin, origins.split_list(trusted_origins))
        self.trusted = {o for o in listed if o}
        self.trust_forwarded = trust_forwarded_proto

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    def _allowed(self, scope: Scope, headers: dict[bytes, bytes]) -> set[str]:
        return origins.own_origins(scope, headers, self.trust_forwarded) | self.trusted

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope["headers"])
        if origins.websocket_refused(headers, scope["query_string"], self._allowed(scope, headers)):
            await send({"type": "websocket.close", "code": 4403, "reason": "cross-site"})
            return
        await self.app(scope, receive, send)

    async def _screen(
        self, scope: Scope, headers: dict[bytes, bytes], receive: Receive
    ) -> Refusal | Receive:
        """Steps 1-4: a refusal, or the `receive` the app reads the (checked) body from."""
        path = scope["path"]
        loc = bodies.nul_in_path(scope)
        name = bodies.nul_in_pairs(scope.get("query_string", b""))
        if loc is None and name is not None:
            loc = ["query", name]
        if loc is not None:
            return Refusal(422, bodies.nul_error(loc))
        reason = origins.csrf_refusal(
            scope["method"], path, headers, lambda: self._allowed(scope, headers)
        )
        if reason is not None:
            return Refusal(403, {"detail": reason})
        limit = bodies.body_limit(path, self.max_body, self.max_upload)
        declared = bodies.declared_length(headers)
        if declared is not None and declared > limit:
            detail = f"request body of {declared} bytes is over the limit of {limit} bytes"
            return Refusal(413, {"detail": f"{detail} for {path}"})
        content_type = headers.get(b"content-type", b"")
        bodiless = scope["method"] in origins.SAFE_METHODS and not declared
        if bodiless or not bodies.inspects_body(content_type):  # images, XML: count, pass on
            return _counting(receive, limit)
        try:
            data, replay = await _buffer(receive, limit)
        except BodyTooLarge as exc:
            return Refusal(413, {"detail": f"{exc.detail} for {path}"})
        loc = bodies.nul_in_body(content_type, data)
        return replay if loc is None else Refusal(422, bodies.nul_error(loc))

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope["headers"])
        path = scope["path"]
        tls = "https" in origins.request_schemes(scope, headers, self.trust_forwarded)

        async def send_secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = sec.secure_headers(list(message["headers"]), path, tls)
            await send(message)

        async def refuse(status: int, body: dict[str, Any]) -> None:
            payload = json.dumps(body, ensure_ascii=False).encode()
            response_headers = [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
            ]
            if status == 413:  # the rest of the body is never read: do not reuse the connection
                response_headers.append((b"connection", b"close"))
            await send_secured(
                {"type": "http.response.start", "status": status, "headers": response_headers}
            )
            await send_secured({"type": "http.response.body", "body": payload})

        screened = await self._screen(scope, headers, receive)
        if isinstance(screened, Refusal):
            return await refuse(screened.status, screened.body)
        receive = screened
        started = False

        async def send_tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send_secured(message)

        try:
            await self.app(scope, receive, send_tracked)
        except BodyTooLarge as exc:  # raised outside the app's own exception handling
            if started:
                raise
            await refuse(413, {"detail": f"{exc.detail} for {path}"})


def _counting(receive: Receive, limit: int) -> Receive:
    seen = 0

    async def counted() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise BodyTooLarge(limit)
        return message

    return counted


async def _buffer(receive: Receive, limit: int) -> tuple[bytes, Receive]:
    """The whole body (at most `limit` bytes) and a `receive` that replays it to the app."""
    chunks, size, more = [], 0, True
    disconnected: Message | None = None
    while more:
        message = await receive()
        if message["type"] != "http.request":
            disconnected = message
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(limit)
        chunks.append(chunk)
        more = message.get("more_body", False)
    data = b"".join(chunks)
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            if disconnected is not None:
                return disconnected
            return {"type": "http.request", "body": data, "more_body": False}
        return await receive()

    return data, replay
