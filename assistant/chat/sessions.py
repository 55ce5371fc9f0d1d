"""Chat sessions: what a conversation remembers between turns, kept in the events database.

`SessionStore` is the contract and holds what does not depend on the database (the TTL arithmetic, the
JSON, the statements, which both backends run); `open_session_store(url)` picks the backend from the same
database URL as `ranking.event_store.open_event_store`: SQLite (`sqlite:///path`, below) or PostgreSQL
(`postgresql://...`, in `sessions_postgres.py`). A session expires when idle for the TTL: `get` no longer
returns it and the next write deletes it.
"""

from __future__ import annotations

import sqlite3
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

from pydantic import BaseModel, Field

from ..intent.context import IntentContext
from ..intent.schema import Intent
from .models import MAX_MESSAGE_CHARS, Cart, ConversationTurn

Clock = Callable[[], datetime]
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class Session(BaseModel):
    id: str
    user_id: str | None = None
    created_at: datetime = Field(default_factory=utc_now)
    history: list[ConversationTurn] = Field(default_factory=list, description="The latest messages, oldest first.")
    intent: Intent | None = Field(default=None, description="The last shopping request, refined by follow-ups.")
    shown_ids: list[str] = Field(default_factory=list, description="The products shown last, in order.")
    shown_prices: list[float] = Field(default_factory=list)
    seen_ids: list[str] = Field(default_factory=list, description="Every product shown for the current request: "
                                                                   "'show me more' skips them.")
    focus_id: str | None = Field(default=None, description="The product talked about last ('add it').")
    cart: Cart = Field(default_factory=Cart)

    def context(self) -> IntentContext:
        return IntentContext(previous=self.intent, shown_product_ids=self.shown_ids, shown_prices=self.shown_prices)

    def remember(self, customer: str, agent: str, keep: int) -> None:
        """Append one exchange and keep the latest `keep` messages (older ones are dropped, not summarized:
        what a follow-up needs, the intent, the products shown and the cart, is kept apart from the text)."""
        self.history += [ConversationTurn(role="customer", text=customer[:MAX_MESSAGE_CHARS]),
                         ConversationTurn(role="agent", text=agent[:MAX_MESSAGE_CHARS] or "…")]
        self.history = self.history[-keep:]


class SessionStore(ABC):
    """A session is one `chat_sessions` row: its id, user, last write and expiry (microseconds since the
    epoch, UTC, from the store's clock) and the Session as JSON. Backends run the statements below."""

    def __init__(self, ttl: timedelta, clock: Clock = utc_now):
        self.ttl = ttl
        self._clock = clock

    def get(self, session_id: str) -> Session | None:
        """The session, or None when there is none or it has expired."""
        body = self._load(session_id, _micros(self._clock()))
        return Session.model_validate_json(body) if body is not None else None

    def save(self, session: Session) -> None:
        """Store the session (one transaction), restarting its idle time; expired sessions are deleted."""
        now = _micros(self._clock())
        expires = now + self.ttl // timedelta(microseconds=1)
        self._store((session.id, session.user_id, now, expires, session.model_dump_json()), now)

    @abstractmethod
    def _load(self, session_id: str, now_us: int) -> str | None:
        """Run SELECT_BODY: the stored JSON of the session if it expires after now_us."""

    @abstractmethod
    def _store(self, row: tuple[str, str | None, int, int, str], now_us: int) -> None:
        """In one transaction: DELETE_EXPIRED with now_us, then UPSERT the row."""

    def close(self) -> None:
        pass


def open_session_store(url: str, ttl: timedelta, clock: Clock = utc_now) -> SessionStore:
    scheme, sep, rest = url.partition("://")
    if scheme == "sqlite" and sep and rest.startswith("/"):
        return SQLiteSessionStore(Path(rest[1:]), ttl, clock)  # sqlite:///relative.db, sqlite:////abs.db
    if scheme in ("postgresql", "postgres") and sep:
        from .sessions_postgres import PostgresSessionStore  # psycopg is only loaded when it is used

        return PostgresSessionStore(url, ttl, clock)
    raise ValueError(f"database_url: expected sqlite:///PATH or postgresql://USER@HOST:PORT/DB, got {url!r}")


# The statements both backends run, with SQLite's `?` placeholders (PostgreSQL's store swaps them for `%s`).
SELECT_BODY = "SELECT body FROM chat_sessions WHERE session_id = ? AND expires_us > ?"
DELETE_EXPIRED = "DELETE FROM chat_sessions WHERE expires_us <= ?"
UPSERT = ("INSERT INTO chat_sessions (session_id, user_id, updated_us, expires_us, body) VALUES (?, ?, ?, ?, ?) "
          "ON CONFLICT (session_id) DO UPDATE SET user_id = excluded.user_id, updated_us = excluded.updated_us, "
          "expires_us = excluded.expires_us, body = excluded.body")

SCHEMA = """
CREATE TABLE IF NOT EXISTS chat_sessions (
    session_id TEXT PRIMARY KEY,
    user_id TEXT,
    updated_us INTEGER NOT NULL,   -- microseconds since the epoch, UTC
    expires_us INTEGER NOT NULL,
    body TEXT NOT NULL             -- the Session as JSON
);
CREATE INDEX IF NOT EXISTS chat_sessions_by_expiry ON chat_sessions (expires_us);
"""


def _micros(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(microseconds=1)


class SQLiteSessionStore(SessionStore):
    def __init__(self, path: Path, ttl: timedelta, clock: Clock = utc_now):
        super().__init__(ttl, clock)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")  # a session lost to a power cut is a chat restarted
        self._db.execute("PRAGMA busy_timeout=5000")  # shares the file with the event store
        self._db.executescript(SCHEMA)
        self._lock = threading.Lock()  # one connection shared by the API's worker threads

    def close(self) -> None:
        self._db.close()

    def _load(self, session_id: str, now_us: int) -> str | None:
        with self._lock:
            row = self._db.execute(SELECT_BODY, (session_id, now_us)).fetchone()
        return row[0] if row else None

    def _store(self, row: tuple[str, str | None, int, int, str], now_us: int) -> None:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute(DELETE_EXPIRED, (now_us,))
                self._db.execute(UPSERT, row)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
