"""Error responses: every 4xx has `detail` (the fields named) and `errors` ([{field, message}])."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from retrieval.errors import FieldError, NotFound

from .auth import DoorRefused


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

    @app.exception_handler(FieldError)
    async def _field_error(request: Request, exc: FieldError) -> JSONResponse:
        return unprocessable([(exc.field, exc.message)], status_code=404 if isinstance(exc, NotFound) else 422)
