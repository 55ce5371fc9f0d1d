"""Error responses: every 4xx has `detail` (the fields named) and `errors` ([{field, message}]); so do the
5xx: a database that cannot be used (read-only, disk full, gone) is a 503 naming the cause's class, anything
else unexpected a JSON 500, never a plain-text one."""

from __future__ import annotations

import json
import logging
import sqlite3

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from ranking.database import is_storage_failure
from retrieval.errors import FieldError, NotFound

from .auth import DoorRefused


log = logging.getLogger(__name__)
STORAGE_RETRY_SECONDS = 30


class BodyTooLarge(HTTPException):
    """A body read past its door's limit (limits.py): FastAPI passes an HTTPException raised while it reads the
    body through, and it is answered as a 413 like every other error."""

    def __init__(self, limit: int):
        super().__init__(413, detail=f"larger than {limit:,} bytes (this door's limit)")


def problem_body(errors: list[tuple[str, str]], **extra) -> bytes:
    """The JSON of an error response (for middleware that answers without a Response object)."""
    return json.dumps({"detail": "; ".join(f"{field}: {message}" for field, message in errors),
                       "errors": [{"field": field, "message": message} for field, message in errors],
                       **extra}).encode()


def storage_unavailable(exc: BaseException) -> JSONResponse:
    """503: the database cannot be used now; `cause` names the error's class, `detail` what it said."""
    said = str(exc).splitlines()[0] if str(exc) else ""
    log.error("storage unavailable: %s: %s", type(exc).__name__, said)
    message = f"the database cannot be used right now ({type(exc).__name__}: {said}); try again later"
    return JSONResponse(status_code=503, headers={"Retry-After": str(STORAGE_RETRY_SECONDS)},
                        content={"detail": f"storage: {message}", "cause": type(exc).__name__,
                                 "errors": [{"field": "storage", "message": message}]})


def unprocessable(errors: list[tuple[str, str]], status_code: int = 422) -> JSONResponse:
    """A 4xx shaped like every other one: `detail` names the fields, `errors` lists them."""
    detail = "; ".join(f"{field}: {message}" for field, message in errors)
    return JSONResponse(status_code=status_code, content={
        "detail": detail, "errors": [{"field": field, "message": message} for field, message in errors]})


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return unprocessable([(".".join(str(p) for p in e["loc"] if p != "body") or "body", e["msg"])
                              for e in exc.errors()])

    @app.exception_handler(DoorRefused)
    async def _refused(request: Request, exc: DoorRefused) -> JSONResponse:
        response = unprocessable([(exc.field, exc.message)], status_code=exc.status)
        if exc.status == 401:
            response.headers["WWW-Authenticate"] = "Bearer"
        return response

    @app.exception_handler(BodyTooLarge)
    async def _too_large(request: Request, exc: BodyTooLarge) -> JSONResponse:
        response = unprocessable([("body", exc.detail)], status_code=413)
        response.headers["Connection"] = "close"
        return response

    async def _storage(request: Request, exc: Exception) -> JSONResponse:
        if is_storage_failure(exc):
            return storage_unavailable(exc)
        raise exc  # not the database's state: a bug, answered by the JSON 500 below

    for storage_error in _storage_errors():
        app.add_exception_handler(storage_error, _storage)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse(status_code=500, content={
            "detail": "internal: the server could not answer this request", "cause": type(exc).__name__,
            "errors": [{"field": "internal", "message": "the server could not answer this request"}]})

    @app.exception_handler(FieldError)
    async def _field_error(request: Request, exc: FieldError) -> JSONResponse:
        return unprocessable([(exc.field, exc.message)], status_code=404 if isinstance(exc, NotFound) else 422)


def _storage_errors() -> list[type[Exception]]:
    """The exception classes a database failure can surface as (psycopg's only when it is installed)."""
    errors: list[type[Exception]] = [sqlite3.DatabaseError, OSError]
    try:
        import psycopg
    except ImportError:
        return errors
    return [*errors, psycopg.OperationalError, psycopg.InterfaceError]
