"""What an operator sees: a request id on every request and log line, `/metrics`, and JSON logs.

    install_observability(app, settings)   # the outermost middleware + GET /metrics
    configure_logging("json")              # `shopassist serve`: one JSON object a line on stderr

Request ids: a request's `X-Request-ID` header is kept when it is a plain token (letters, digits, `._:-`, up to
128 characters: a load balancer's or the caller's), else the server makes one (32 hex digits); every response
carries it back in `X-Request-ID`, and every log line written while the request is answered has it as
`request_id` (a context variable: it follows the request into the thread pool and a streamed reply).
Each answered request also writes one access line (logger `shopassist.access`: method, path, route, status,
duration_ms, client).

`GET /metrics` (a staff or admin key: Prometheus' `authorization: {credentials: ...}`) answers the counters
and histograms of assistant/metrics.py in the Prometheus text format, summed over the workers of this host.
Route labels are route templates (`/v1/products/{product_id}`), never raw paths, so they stay few.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import time
import uuid
from datetime import datetime, timezone

from fastapi import APIRouter, FastAPI
from fastapi.responses import PlainTextResponse
from starlette.routing import Match, Mount, Router
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..config import Settings
from ..metrics import METRICS
from .auth import StaffDoor

REQUEST_ID = contextvars.ContextVar("request_id", default=None)
VALID_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
access_log = logging.getLogger("shopassist.access")

router = APIRouter(tags=["operations"])


@router.get("/metrics", response_class=PlainTextResponse, dependencies=[StaffDoor])
def metrics() -> PlainTextResponse:
    """Counters and latency histograms in the Prometheus text format (version 0.0.4)."""
    return PlainTextResponse(METRICS.render(), media_type="text/plain; version=0.0.4; charset=utf-8")


class RequestObserver:
    """Pure ASGI (a streamed reply is timed to its last byte, never buffered): request id in and out, the
    request counted and timed by route template, one access log line."""

    def __init__(self, app: ASGIApp, router: Router | None = None):
        self.app = app
        self.router = router  # to name the route of a request answered before routing (a 429, a 413)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = _header(scope, b"x-request-id")
        request_id = incoming if incoming and VALID_ID.fullmatch(incoming) else uuid.uuid4().hex
        token = REQUEST_ID.set(request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
            await send(message)

        METRICS.inc("shopassist_http_requests_in_flight", 1)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            METRICS.inc("shopassist_http_requests_in_flight", -1)
            elapsed = time.perf_counter() - started
            route = _route(scope, self.router)
            method = scope["method"]
            METRICS.inc("shopassist_http_requests_total", method=method, route=route, status=str(status))
            METRICS.observe("shopassist_http_request_duration_seconds", elapsed, method=method, route=route)
            if status == 429:
                METRICS.inc("shopassist_rate_limited_total", route=route)
            client = scope.get("client")
            access_log.info("%s %s %s", method, scope["path"], status, extra={
                "method": method, "path": scope["path"], "route": route, "status": status,
                "duration_ms": round(elapsed * 1000, 2), "client": client[0] if client else None})
            REQUEST_ID.reset(token)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return None


def _route(scope: Scope, router: Router | None) -> str:
    """The template of the route that answered (what the router left in the scope), else of the route that
    would have (a request the limits refused), else a fixed label."""
    route = scope.get("route")
    if route is None and router is not None:
        route = _matching(router.routes, scope)
    path = getattr(route, "path", None)
    if path and not isinstance(route, Mount):
        return path
    return "/ui" if scope["path"].startswith("/ui") else "unmatched"


def _matching(routes, scope: Scope):
    for candidate in routes:
        if candidate.matches(scope)[0] != Match.NONE:
            inner = getattr(candidate, "original_router", None)  # FastAPI keeps an included router whole
            return _matching(inner.routes, scope) if inner is not None else candidate
    return None


def install_observability(app: FastAPI, settings: Settings) -> None:
    """Add last, so it is the outermost middleware: it sees (and counts) a 429 or 413 the limits answer."""
    app.add_middleware(RequestObserver, router=app.router)
    app.include_router(router)
    METRICS.share_through(settings.home / "run" / "metrics")


# ---------------------------------------------------------------------------------------------- logs

STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, request_id (when answering a
    request), the record's extra fields, and the exception's traceback when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
                 "level": record.levelname.lower(), "logger": record.name, "message": record.getMessage()}
        request_id = REQUEST_ID.get()
        if request_id:
            entry["request_id"] = request_id
        for key, value in vars(record).items():
            if key not in STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get() or "-"
        return True


def configure_logging(log_format: str = "json", level: int = logging.INFO) -> None:
    """The server's logs on stderr: JSON lines, or text with the request id. uvicorn's own access log is
    replaced by `shopassist.access` (which has the request id and the route)."""
    handler = logging.StreamHandler()
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.addFilter(RequestIdFilter())
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").disabled = True
    for noisy in ("httpx", "httpcore", "chromadb", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
