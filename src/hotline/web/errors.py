"""Map domain refusals to HTTP: every error body is {"detail": reason} (plus field for 422)."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from hotline.config import ConfigError
from hotline.routing import RoutingError
from hotline.runtime import Unavailable
from hotline.store import DuplicateError


def install(app: FastAPI) -> None:
    @app.exception_handler(RoutingError)
    async def _routing(_req: Request, exc: RoutingError) -> JSONResponse:
        return JSONResponse({"detail": exc.reason}, status_code=exc.status)

    @app.exception_handler(ConfigError)
    async def _config(_req: Request, exc: ConfigError) -> JSONResponse:
        body = {"detail": str(exc), "field": exc.field, "reason": exc.message}
        return JSONResponse(body, status_code=422)

    @app.exception_handler(DuplicateError)
    async def _dup(_req: Request, exc: DuplicateError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=409)

    @app.exception_handler(Unavailable)
    async def _down(_req: Request, exc: Unavailable) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=503)
