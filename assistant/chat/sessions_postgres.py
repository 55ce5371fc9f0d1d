"""The PostgreSQL session store: the SQLite store's `chat_sessions` table and behaviour on a server database.

`open_session_store("postgresql://user@host:port/db")` (or `postgres://`) returns it, so chat sessions and
carts go to the same database as the events (`ranking/event_store_postgres.py`, whose connection handling
this mirrors). The TTL arithmetic, the JSON and the statements are `SessionStore`'s, shared with SQLite.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import psycopg

from .sessions import DELETE_EXPIRED, SELECT_BODY, UPSERT, Clock, SessionStore, utc_now

# SQLite's columns, with BIGINT for the microseconds (PostgreSQL's INTEGER is 32-bit). body stays TEXT, as
# in SQLite, so both backends run the same statements; `body::json ->> 'user_id'` still queries it.
SCHEMA = """
CREATE TABLE IF NOT EXISTS chat_sessions (
    session_id TEXT PRIMARY KEY,
    user_id TEXT,
    updated_us BIGINT NOT NULL,    -- microseconds since the epoch, UTC
    expires_us BIGINT NOT NULL,
    body TEXT NOT NULL             -- the Session as JSON
);
CREATE INDEX IF NOT EXISTS chat_sessions_by_expiry ON chat_sessions (expires_us);
"""

# Held for the length of a transaction: table creation, and each save.
LOCK = "SELECT pg_advisory_xact_lock(hashtext('shopassist.chat_sessions'))"


def _pg(statement: str) -> str:
    """A shared statement with psycopg's placeholders (the statements hold no other `?` or `%`)."""
    return statement.replace("?", "%s")


class PostgresSessionStore(SessionStore):
    """One connection per store, used under a lock by the API's worker threads (as PostgresEventStore:
    every call is one short statement or one short transaction, so a pool would buy nothing)."""

    def __init__(self, url: str, ttl: timedelta, clock: Clock = utc_now):
        super().__init__(ttl, clock)
        self.url = url
        self._lock = threading.Lock()
        self._conn = self._connect()
        with self._conn.transaction():
            # Two processes (the server, the CLI) creating the table at once would collide in the catalog.
            self._conn.execute(LOCK)
            self._conn.execute(SCHEMA)

    def _connect(self) -> psycopg.Connection:
        # autocommit: reads run on their own; _store opens its transaction explicitly.
        return psycopg.connect(self.url, autocommit=True)

    def _connection(self) -> psycopg.Connection:
        """The connection, reopened if the server dropped it (a restart): the call that met the break
        failed with an error, and the next one works."""
        if self._conn.broken:
            self._conn = self._connect()
        return self._conn

    def close(self) -> None:
        self._conn.close()

    def _load(self, session_id: str, now_us: int) -> str | None:
        with self._lock:
            row = self._connection().execute(_pg(SELECT_BODY), (session_id, now_us)).fetchone()
        return row[0] if row else None

    def _store(self, row: tuple[str, str | None, int, int, str], now_us: int) -> None:
        with self._lock:
            conn = self._connection()
            # Commits when the block ends, before save returns. The advisory lock makes saves take turns
            # across processes, as SQLite's BEGIN IMMEDIATE does: two saves deleting the same expired rows
            # could otherwise deadlock on their row locks.
            with conn.transaction():
                conn.execute(LOCK)
                conn.execute(_pg(DELETE_EXPIRED), (now_us,))
                conn.execute(_pg(UPSERT), row)
