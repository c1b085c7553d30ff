"""HTTP errors as `{"error": code, "reason": human text}` (docs/protocol.md), for every status.

Routes raise `ApiError`; the handlers installed by `install_handlers` turn it, FastAPI's
validation errors, Starlette's 404/405, our `StoreError`s and any unexpected exception into
that body, so no client ever sees another shape (nor a traceback).
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from plateau.server.store_checks import NotFound, StoreError

log = logging.getLogger(__name__)

_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
          408: "request_timeout", 409: "conflict", 413: "request_too_large", 415: "unsupported_media_type",
          422: "invalid_request", 429: "too_many_requests", 500: "internal_error", 503: "unavailable"}


class ErrorBody(BaseModel):
    """Every error answer."""

    error: str
    reason: str


class ApiError(Exception):
    def __init__(self, status: int, error: str, reason: str, headers: dict | None = None):
        super().__init__(reason)
        self.status, self.error, self.reason, self.headers = status, error, reason, headers


def error_response(status: int, error: str, reason: str, headers: dict | None = None) -> JSONResponse:
    return JSONResponse({"error": error, "reason": reason}, status_code=status, headers=headers)


def _validation_reason(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        where = ".".join(str(x) for x in err.get("loc", ()) if x != "body") or "body"
        parts.append(f"{where}: {err.get('msg', 'invalid')}")
    return "; ".join(parts) or "invalid request"


def install_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api(_req: Request, exc: ApiError):
        return error_response(exc.status, exc.error, exc.reason, exc.headers)

    @app.exception_handler(NotFound)
    async def _not_found(_req: Request, exc: NotFound):
        return error_response(404, "not_found", str(exc))

    @app.exception_handler(StoreError)
    async def _store(_req: Request, exc: StoreError):
        return error_response(422, "invalid_request", str(exc))

    @app.exception_handler(RequestValidationError)
    async def _validation(_req: Request, exc: RequestValidationError):
        return error_response(422, "invalid_request", _validation_reason(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_req: Request, exc: StarletteHTTPException):
        reason = exc.detail if isinstance(exc.detail, str) else _CODES.get(exc.status_code, "error")
        if exc.status_code == 404 and reason == "Not Found":
            reason = "no such resource"
        if exc.status_code == 405:
            reason = "this method is not allowed on this resource"
        return error_response(exc.status_code, _CODES.get(exc.status_code, "error"), reason,
                              getattr(exc, "headers", None))

    @app.exception_handler(IntegrityError)
    async def _conflict(_req: Request, exc: IntegrityError):
        log.warning("integrity error answered 409: %s", exc.orig)
        return error_response(409, "conflict", "this conflicts with a concurrent change or an existing record; "
                                               "read it again and retry")

    @app.exception_handler(Exception)
    async def _bug(req: Request, exc: Exception):
        log.error("unexpected error on %s %s", req.method, req.url.path, exc_info=exc)
        return error_response(500, "internal_error", "unexpected server error (logged)")


def responses(*statuses: int) -> dict:
    """OpenAPI `responses=` entries documenting the error bodies a route may answer."""
    return {s: {"model": ErrorBody, "description": _CODES.get(s, "error")} for s in statuses}
