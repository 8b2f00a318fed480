"""Map domain refusals to HTTP: every error body is {"detail": reason} (plus field for 422).

Validation errors (422) keep FastAPI's list shape but never echo a large input back: an
attacker's megabyte string (or a whole body of the wrong type) would otherwise come back in
the answer, and land in any log that records it.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from hotline.config import ConfigError
from hotline.routing import RoutingError
from hotline.runtime import Unavailable
from hotline.store import DuplicateError

MAX_ECHO = 64  # characters of a rejected string shown back to the client


def shown_input(value: Any) -> tuple[bool, Any]:
    """(keep, value): short inputs as they were, a long string cut, anything else big omitted."""
    if isinstance(value, str):
        if len(value) <= MAX_ECHO:
            return True, value
        return True, f"{value[:MAX_ECHO]}… ({len(value)} characters)"
    encoded = jsonable_encoder(value)
    return len(json.dumps(encoded, ensure_ascii=False, default=str)) <= 4 * MAX_ECHO, encoded


def _cut(text: str, limit: int = 8 * MAX_ECHO) -> str:
    """A message quoting the input (a config's wrong value) stays short."""
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} characters)"


def validation_errors(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    shown = []
    for error in errors:
        error = dict(error)
        if "input" in error:
            keep, value = shown_input(error.pop("input"))
            if keep:
                error["input"] = value
        shown.append(error)
    return jsonable_encoder(shown)


def install(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _invalid(_req: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": validation_errors(list(exc.errors()))}, status_code=422)

    @app.exception_handler(RoutingError)
    async def _routing(_req: Request, exc: RoutingError) -> JSONResponse:
        return JSONResponse({"detail": exc.reason}, status_code=exc.status)

    @app.exception_handler(ConfigError)
    async def _config(_req: Request, exc: ConfigError) -> JSONResponse:
        body = {"detail": _cut(str(exc)), "field": _cut(exc.field), "reason": _cut(exc.message)}
        return JSONResponse(body, status_code=422)

    @app.exception_handler(DuplicateError)
    async def _dup(_req: Request, exc: DuplicateError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=409)

    @app.exception_handler(Unavailable)
    async def _down(_req: Request, exc: Unavailable) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=503)
