"""Request bodies at the edge: size limits, and NUL characters found before any route runs.

Size: a body longer than its limit is answered 413 before it is parsed - at once from
`Content-Length`, or as soon as a chunked body's running count passes the limit. The default
limit (`HOTLINE_MAX_BODY_BYTES`, 1 MiB) is far above any JSON the API takes; only the upload
routes in `UPLOAD_PATHS` (chat images) get `HOTLINE_MAX_UPLOAD_BYTES`.

NUL: PostgreSQL cannot store U+0000 in a text column, so a NUL that reaches the store fails
the whole write (a 500, or a 503 that made the center rebuild its router). No field of the
API has a use for it, so it is refused here, once for every route, with the 422 shape FastAPI
uses for validation errors and `loc` naming the field: JSON bodies (any nesting, keys too,
whatever Unicode encoding `json.loads` accepts), urlencoded forms, query strings and path
parameters. Raw bodies (images, WeChat XML) pass through untouched.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl

Loc = list[str | int]
UPLOAD_PATHS = (re.compile(r"^/api/chat/sessions/[^/]+/images$"),)


def body_limit(path: str, default: int, upload: int) -> int:
    return upload if any(p.match(path) for p in UPLOAD_PATHS) else default


def declared_length(headers: dict[bytes, bytes]) -> int | None:
    value = headers.get(b"content-length")
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None


def inspects_body(content_type: bytes) -> bool:
    """Bodies checked for NUL: JSON (FastAPI parses a body without a type as JSON) and forms."""
    ctype = content_type.split(b";")[0].strip().lower()
    return not ctype or b"json" in ctype or ctype == b"application/x-www-form-urlencoded"


def nul_in_body(content_type: bytes, body: bytes) -> Loc | None:
    ctype = content_type.split(b";")[0].strip().lower()
    if ctype == b"application/x-www-form-urlencoded":
        name = nul_in_pairs(body)
        return None if name is None else ["body", name]
    if b"\\u0000" not in body and b"\x00" not in body:  # the fast path: nearly every request
        return None
    try:
        data = json.loads(body)  # also decodes UTF-16/32 bodies, as FastAPI does
    except ValueError:
        return None  # not JSON: the route answers 422 json_invalid
    return _walk(data, ["body"])


def _walk(value: Any, loc: Loc) -> Loc | None:
    if isinstance(value, str):
        return loc if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            if "\x00" in key:
                return [*loc, key]
            found = _walk(item, [*loc, key])
            if found:
                return found
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found = _walk(item, [*loc, i])
            if found:
                return found
    return None


def nul_in_pairs(encoded: bytes) -> str | None:
    """The name of the first query/form parameter holding a NUL (`%00`), if any."""
    if b"%00" not in encoded and b"\x00" not in encoded:
        return None
    for name, value in parse_qsl(encoded.decode("latin-1"), keep_blank_values=True):
        if "\x00" in name or "\x00" in value:
            return name.replace("\x00", "\\u0000")
    return None


def nul_in_path(scope: dict) -> Loc | None:
    """`["path", <param>]` for a NUL in the (decoded) path, the param named from the OpenAPI
    path templates (the public view of the routes); `["path"]` for a route not listed there."""
    path = scope.get("path", "")
    if "\x00" not in path:
        return None
    openapi = getattr(scope.get("app"), "openapi", None)
    templates = openapi().get("paths", {}) if callable(openapi) else {}
    for template in templates:
        found = _template_regex(template).fullmatch(path)
        if found:
            for name, value in found.groupdict().items():
                if "\x00" in value:
                    return ["path", name]
    return ["path"]


def _template_regex(template: str) -> re.Pattern[str]:
    parts = re.split(r"\{([^}:]+)(?::path)?\}", template)
    pattern = "".join(
        re.escape(part) if i % 2 == 0 else f"(?P<{part}>[^/]+)" for i, part in enumerate(parts)
    )
    return re.compile(pattern, re.DOTALL)


def nul_error(loc: Loc) -> dict[str, Any]:
    where = ".".join(str(p) for p in loc)
    return {
        "detail": [
            {
                "type": "string_nul_character",
                "loc": loc,
                "msg": f"NUL characters (U+0000) are not allowed: {where}",
            }
        ]
    }
