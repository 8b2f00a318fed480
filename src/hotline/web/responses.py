"""Error answers as the OpenAPI document promises them: one body shape, documented everywhere.

The OpenAPI document is a contract that clients - and schemathesis, which fuzzes the whole API
in tests/integration/test_openapi_fuzz.py - hold us to. Hand-written `responses=` on ~110
routes drift as routes change, while most error answers follow from what guards a route. So
`install(app)` derives them when the document is built:

* 401 when the route needs a login (it depends on `current_user`);
* 403 when it admits only some roles (a `require(...)` check);
* 404 when its path names a resource;
* 422 when it takes parameters or a body - request validation, and also the domain's own
  refusals of a well-formed request (a sentence, not FastAPI's list of issues);
* 400 when it takes a body (FastAPI's answer to bytes that do not decode).

Codes that depend on what a handler does (409 conflicts, 429 rate limits, 413/415 uploads,
400 from a webhook's payload...) are declared on the route with `responses=errors(409)`.
Every 4xx, derived or declared, gets the `ErrorOut` body under `application/json` - also on
routes whose success is plain text - because that is what the exception handlers send.

It also installs the request-validation handler, so that body is what a 422 really carries:
FastAPI's default echoes each refused `input` whole - a JSON `NaN` echoed back cannot be
serialised (a 500 instead of the 422), and a megabyte string would come back entire. Here a
refused input is shown only when short (strings cut at `MAX_ECHO`, as the edge's own 422s
do) and valid JSON.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import get_flat_params
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute, iter_route_contexts

from hotline.web.deps import current_user
from hotline.web.schemas import ErrorOut

ERROR_REF = "#/components/schemas/ErrorOut"
MAX_ECHO = 64  # characters of a refused string shown back (never a whole large input)
DESCRIPTIONS = {
    400: "The payload could not be read (detail says why)",
    401: "Not logged in, or the session expired (send `Authorization: Bearer <token>`)",
    403: "Logged in, but this role (or this login) may not do this",
    404: "No such resource, or not one this caller may see",
    409: "Conflicts with the current state (detail says which)",
    413: "Request body too large",
    415: "Unsupported media type",
    422: "Refused input: `field` names it, `reason` says why",
    429: "Too many requests; slow down",
    503: "The center cannot take writes right now; retry",
}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route: error codes its handler can answer besides the derived ones."""
    return {code: {"description": DESCRIPTIONS[code]} for code in codes}


def install(app: FastAPI) -> None:
    """Document the error answers of every route and send 422s in the documented shape."""
    app.add_exception_handler(RequestValidationError, _validation_refusal)
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document(app, build())
        assert app.openapi_schema is not None
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


async def _validation_refusal(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return JSONResponse(validation_body(exc.errors()), status_code=422)


def validation_body(errs: Any) -> dict[str, Any]:
    """FastAPI's list of issues, each refused input shown only if short and JSON-safe, plus
    the first issue's field and reason."""
    issues = []
    for e in errs:
        issue: dict[str, Any] = {
            "loc": [p if isinstance(p, int) else str(p) for p in e.get("loc", ())],
            "msg": str(e.get("msg", "")),
            "type": str(e.get("type", "")),
        }
        if "input" in e:
            keep, shown = _shown(e["input"])
            if keep:
                issue["input"] = shown
        ctx = _ctx(e.get("ctx"))
        if ctx:  # the limits (ge, max_length, expected): the UI words the reason from them
            issue["ctx"] = ctx
        issues.append(issue)
    if not issues:
        issues = [{"loc": [], "msg": "invalid request", "type": "value_error"}]
    first = issues[0]
    where = first["loc"][1:] if len(first["loc"]) > 1 else first["loc"]  # drop body/query/...
    field = ".".join(str(p) for p in where) or None
    return {"detail": issues, "field": field, "reason": first["msg"]}


def _ctx(ctx: Any) -> dict[str, Any]:
    """The error's short scalar context (`{"ge": 0}`); objects (a wrapped exception) are left
    out, so nothing but a limit or a short list of choices goes back to the client."""
    if not isinstance(ctx, dict):
        return {}
    out: dict[str, Any] = {}
    for k, v in ctx.items():
        if isinstance(v, bool) or not isinstance(v, int | float | str):
            continue
        if isinstance(v, float) and not math.isfinite(v):
            continue
        if isinstance(v, str) and len(v) > MAX_ECHO:
            continue
        out[str(k)] = v
    return out


def _shown(value: Any) -> tuple[bool, Any]:
    """(keep, value): a short string as it was, a long one cut, other inputs only if small and
    valid JSON (a NaN or Infinity cannot be sent back in JSON at all)."""
    if isinstance(value, str):
        if len(value) <= MAX_ECHO:
            return True, value
        return True, f"{value[:MAX_ECHO]}… ({len(value)} characters)"
    try:
        encoded = jsonable_encoder(value)
        text = json.dumps(encoded, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError):
        return False, None
    return len(text) <= 4 * MAX_ECHO, encoded


def document(app: FastAPI, schema: dict[str, Any]) -> dict[str, Any]:
    """Add the derived and declared error responses to `schema` (the app's OpenAPI dict)."""
    # FastAPI keeps included routers nested; `iter_route_contexts` yields each route as served
    # (prefix and router dependencies applied), the way FastAPI's own document is built.
    for route in iter_route_contexts(app.routes):
        if not isinstance(route.original_route, APIRoute) or not route.include_in_schema:
            continue
        codes = derived_codes(route)
        for method in route.methods:
            op = schema.get("paths", {}).get(route.path_format, {}).get(method.lower())
            if op is None:
                continue
            responses = op.setdefault("responses", {})
            declared = {int(c) for c in responses if str(c).isdigit() and 400 <= int(c) < 500}
            for code in sorted(codes | declared):
                entry = responses.setdefault(str(code), {})
                if code == 422 or not entry.get("description"):
                    entry["description"] = DESCRIPTIONS.get(code, "Refused")
                entry["content"] = {"application/json": {"schema": {"$ref": ERROR_REF}}}
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    model = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(model.pop("$defs", {}))
    components["ErrorOut"] = model
    if "HTTPValidationError" not in str(schema.get("paths")):
        components.pop("HTTPValidationError", None)
        components.pop("ValidationError", None)
    return schema


def derived_codes(route: Any) -> set[int]:
    """The error codes a route answers because of what it depends on."""
    calls = {id(d.call) for d in _dependants(route.dependant) if d.call is not None}
    roles = [d.call for d in _dependants(route.dependant) if hasattr(d.call, "roles")]
    codes: set[int] = set()
    if id(current_user) in calls:
        codes.add(401)
    if roles:
        codes.add(403)
    if route.dependant.path_params:
        codes.add(404)
    if get_flat_params(route.dependant) or route.body_field is not None:
        codes.add(422)
    if route.body_field is not None:
        codes.add(400)  # a body that is not text in its declared encoding cannot be parsed
    return codes


def _dependants(dep: Dependant) -> Iterator[Dependant]:
    for sub in dep.dependencies:
        yield sub
        yield from _dependants(sub)
