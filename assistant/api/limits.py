"""Abuse limits on every door: requests per minute per client (429 with `Retry-After`), request body
sizes (413, checked before any JSON is parsed), and chat turns in flight at once (`ChatGate`).

    install_limits(app, settings)

Each request belongs to a door (`door_of`: chat, copilot, search, events, cart, read, admin, agents, ui, pages;
`/healthz` is exempt, for load balancers and probes). Its client is a staff or admin key when the request
carries a valid one (`Authorization: Bearer`, checked against the key store, cached for a minute), else the
client's IP address: a public key is shared by every shopper of the widget, so shoppers are told apart by
address, and a made-up bearer value counts as the address it comes from. Behind a reverse proxy the address is
the proxy's unless the server trusts its `X-Forwarded-For` (uvicorn's `--forwarded-allow-ips`, which
`shopassist serve` leaves at its default, 127.0.0.1).

Limits are token buckets: a client may spend a whole minute's allowance at once, then gets it back at the
door's rate; `rate_limits` (per door, requests a minute), `rate_limit_role_factors` (staff and admin keys
get more) and `rate_limit_key_factors` (one staff or admin key's own factor, by key id) in Settings. The
counts live in this process: with `uvicorn --workers N` each worker counts on its own (a client gets up to N
times the limit); one process, as `shopassist serve` runs, counts exactly.

Chat turns in flight: at most `chat_concurrency` chat and copilot requests are answered at once (more wait up
to `chat_queue_seconds`, then 503 with Retry-After). A turn holds a request thread while it waits on the LLM;
the gate keeps the others (of the 40 the server has) for search, products, events and /healthz, so a hung LLM
cannot starve them.

Body sizes: a `Content-Length` over the door's limit is refused before the body is read; a body sent without
one (chunked) is counted as it arrives and refused as soon as it passes the limit.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import anyio
from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..config import Settings

from .errors import BodyTooLarge, problem_body

Clock = Callable[[], float]
DEFAULT_BODY_LIMIT = 65_536  # a door the settings do not name
MAX_CLIENTS = 100_000  # buckets kept; the least recently seen go first (a full bucket is as good as none)


def door_of(method: str, path: str) -> str | None:
    """The door a request comes in by (None: not limited)."""
    if path == "/healthz" or method == "OPTIONS":  # probes; CORS preflights (the request that follows counts)
        return None
    if path.startswith("/v1/"):
        if path == "/v1/chat":
            return "chat"
        if path.startswith("/v1/copilot"):
            return "copilot"
        if path in ("/v1/search", "/v1/intent"):
            return "search"
        if path == "/v1/events":
            return "events"
        if path.startswith("/v1/sessions/"):
            return "cart"
        if method in ("GET", "HEAD", "OPTIONS"):
            return "read"
        return "admin"  # every other write under /v1 (policies, keys, ...) changes the store
    if path.startswith("/ucp/") and method == "POST":
        return "agents"  # outside agents over MCP: a call may run a whole chat turn
    if path == "/ui" or path.startswith("/ui/"):
        # The Gradio UI: its posts run chat turns and copilot suggestions; its gets load the page's assets.
        return "ui" if method == "POST" else "pages"
    return "pages"


@dataclass
class Decision:
    allowed: bool
    limit: int
    retry_after: float = 0.0


class RateLimiter:
    """Token buckets per (client, door), in this process."""

    def __init__(self, limits: dict[str, int], role_factors: dict[str, float] | None = None,
                 clock: Clock = time.monotonic, max_clients: int = MAX_CLIENTS,
                 key_factors: dict[str, float] | None = None):
        self.limits = dict(limits)
        self.role_factors = dict(role_factors or {})
        self.key_factors = dict(key_factors or {})  # by key id ("sa_staff_Xy12Ab9Q"): over its role's factor
        self._clock = clock
        self._max_clients = max_clients
        self._buckets: OrderedDict[tuple[str, str], tuple[float, float]] = OrderedDict()  # -> (tokens, at)
        self._lock = threading.Lock()

    def limit(self, door: str, role: str | None, client: str = "") -> int:
        base = self.limits.get(door, 0)
        factor = self.role_factors.get(role or "", 1.0)
        if client.startswith("key:"):
            factor = self.key_factors.get(client[4:], factor)
        return int(base * factor) if base > 0 else 0

    def hit(self, client: str, door: str, role: str | None = None) -> Decision:
        limit = self.limit(door, role, client)
        if limit <= 0:
            return Decision(True, 0)  # 0 (or absent): this door is not limited
        rate = limit / 60.0
        now = self._clock()
        key = (client, door)
        with self._lock:
            tokens, at = self._buckets.pop(key, (float(limit), now))
            tokens = min(float(limit), tokens + (now - at) * rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                decision = Decision(True, limit)
            else:
                self._buckets[key] = (tokens, now)
                decision = Decision(False, limit, (1.0 - tokens) / rate)
            while len(self._buckets) > self._max_clients:
                self._buckets.popitem(last=False)
        return decision


class ClientIdentity:
    """Who a request is, for its limits: ("key:<id>", role) for a valid staff or admin key, else
    ("ip:<address>", role or None). `check(token)` looks a key up (None: not a valid key)."""

    def __init__(self, check: Callable[[], Callable[[str], object | None] | None], ttl: float = 60.0,
                 clock: Clock = time.monotonic):
        self._check = check
        self._ttl = ttl
        self._clock = clock
        self._cache: OrderedDict[str, tuple[float, object | None]] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, scope: Scope) -> tuple[str, str | None]:
        address = (scope.get("client") or ("unknown", 0))[0]
        token = _bearer(scope)
        record = self._record(token) if token else None
        role = getattr(record, "role", None)
        if record is not None and role != "public":
            return f"key:{getattr(record, 'id', '')}", role
        return f"ip:{address}", role

    def _record(self, token: str) -> object | None:
        digest = hashlib.sha256(token.encode()).hexdigest()
        now = self._clock()
        with self._lock:
            cached = self._cache.get(digest)
            if cached is not None and now - cached[0] < self._ttl:
                return cached[1]
        check = self._check()
        try:
            record = check(token) if check is not None else None
        except Exception:  # noqa: BLE001 - the door reports a broken key store; the limit falls back to the address
            record = None
        with self._lock:
            self._cache[digest] = (now, record)
            while len(self._cache) > 10_000:
                self._cache.popitem(last=False)
        return record


def _bearer(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            return token.strip() or None if scheme.lower() == "bearer" else None
    return None


class LimitsMiddleware:
    """Rate limits, then body size limits, for every HTTP request (pure ASGI: streamed responses pass
    untouched)."""

    def __init__(self, app: ASGIApp, limiter: RateLimiter | None, identify: Callable[[Scope], tuple[str, str | None]],
                 body_limits: dict[str, int]):
        self.app = app
        self.limiter = limiter
        self.identify = identify
        self.body_limits = dict(body_limits)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        door = door_of(scope["method"], scope["path"])
        if door is None:
            await self.app(scope, receive, send)
            return
        if self.limiter is not None:
            client, role = self.identify(scope)
            decision = self.limiter.hit(client, door, role)
            if not decision.allowed:
                retry = max(1, math.ceil(decision.retry_after))
                await _answer(send, 429, "rate_limit",
                              f"more than {decision.limit} {door} requests a minute from this client; "
                              f"retry in {retry} s", [(b"retry-after", str(retry).encode())])
                return
        limit = self.body_limits.get(door, self.body_limits.get("pages", DEFAULT_BODY_LIMIT))
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _answer(send, 413, "body", f"larger than {limit:,} bytes (this door's limit)")
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, counted, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _answer(send: Send, status: int, field: str, message: str,
                  headers: list[tuple[bytes, bytes]] = ()) -> None:
    body = problem_body([(field, message)])
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
        (b"connection", b"close") if status == 413 else (b"cache-control", b"no-store"), *headers]})
    await send({"type": "http.response.body", "body": body})


class ChatGate:
    """At most `size` requests of `doors` in flight; others wait (without a thread) up to `wait` seconds, then
    get a 503. Counted on the event loop, so no lock is needed."""

    def __init__(self, app: ASGIApp, doors: tuple[str, ...], size: int, wait: float, poll: float = 0.02):
        self.app = app
        self.doors = doors
        self.size = max(1, size)
        self.wait = wait
        self.poll = poll
        self.in_flight = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or door_of(scope["method"], scope["path"]) not in self.doors:
            await self.app(scope, receive, send)
            return
        give_up = time.monotonic() + self.wait
        while self.in_flight >= self.size:
            if time.monotonic() >= give_up:
                retry = max(1, math.ceil(self.wait))
                await _answer(send, 503, "busy", f"{self.size} chat turns are being answered; retry in {retry} s",
                              [(b"retry-after", str(retry).encode())])
                return
            await anyio.sleep(self.poll)
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1


def install_limits(app: FastAPI, settings: Settings) -> None:
    """The limits of `settings` on `app`: the chat gate inside, rate and size limits outside it (a refused
    request never waits for a turn slot)."""
    app.add_middleware(ChatGate, doors=("chat", "copilot", "agents"), size=settings.chat_concurrency,
                       wait=settings.chat_queue_seconds)
    limiter = RateLimiter(settings.rate_limits, settings.rate_limit_role_factors,
                          key_factors=settings.rate_limit_key_factors) if settings.rate_limiting else None
    app.add_middleware(LimitsMiddleware, limiter=limiter, identify=ClientIdentity(lambda: _key_check(app)),
                       body_limits=settings.max_body_bytes)


def _key_check(app: FastAPI) -> Callable[[str], object | None] | None:
    """The key store's lookup (a valid key's record, else None), once the app has its Services."""
    services = getattr(app.state, "services", None)
    keys = getattr(services, "keys", None) if services is not None else None
    return getattr(keys, "check", None)
