"""The PostgreSQL event store: the SQLite store's table and behaviour on a server database.

`open_event_store("postgresql://user@host:port/db")` (or `postgres://`) returns it. A commit returns only
once the server has flushed its WAL (PostgreSQL's default, `synchronous_commit = on`), so a 2xx from the
API still means the event is kept.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import datetime

import psycopg

from .event_store import AddResult, AnyEvent, EventStore, event_row, time_window

# COLLATE "C" compares bytes, as SQLite does, so both backends order events with equal times the same way.
# body is JSON rather than JSONB: JSON keeps the text as written (JSONB rejects the \u0000 escape a valid
# event may contain) and can still be queried with ->> when someone needs to.
SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    event_id TEXT COLLATE "C" PRIMARY KEY,
    ts_us BIGINT NOT NULL,       -- microseconds since the epoch, UTC
    type TEXT NOT NULL,
    query_id TEXT,
    body JSON NOT NULL           -- the validated event
);
CREATE INDEX IF NOT EXISTS events_by_time ON events (ts_us, event_id);
"""


class PostgresEventStore(EventStore):
    """One connection per store, used under a lock by the API's worker threads.

    Not a pool: every call is one short statement or one short transaction, so threads wait microseconds
    for each other, and one connection per process keeps the server's connection count predictable
    without another dependency (psycopg_pool) to configure. The lock also keeps one thread's transaction
    from taking in another thread's statements.
    """

    def __init__(self, url: str):
        self.url = url
        self._lock = threading.Lock()
        self._conn = self._connect()
        with self._conn.transaction():
            # Two processes (the server, the CLI) creating the table at once would collide in the catalog.
            self._conn.execute("SELECT pg_advisory_xact_lock(hashtext('shopassist.events'))")
            self._conn.execute(SCHEMA)

    def _connect(self) -> psycopg.Connection:
        # autocommit: reads run on their own; add() opens its transaction explicitly.
        return psycopg.connect(self.url, autocommit=True)

    def _connection(self) -> psycopg.Connection:
        """The connection, reopened if the server dropped it (a restart): the call that met the break
        failed with an error, and a retried add is harmless because adds are idempotent."""
        if self._conn.broken:
            self._conn = self._connect()
        return self._conn

    def close(self) -> None:
        self._conn.close()

    def add(self, events: Iterable[AnyEvent]) -> AddResult:
        rows = [event_row(e) for e in events]
        with self._lock:
            conn = self._connection()
            # The transaction commits when the block ends, before add returns.
            with conn.transaction(), conn.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO events (event_id, ts_us, type, query_id, body) VALUES (%s, %s, %s, %s, %s) "
                    "ON CONFLICT (event_id) DO NOTHING", rows)
                accepted = max(cursor.rowcount, 0)  # summed over the rows; a skipped conflict counts 0
        return AddResult(accepted=accepted, duplicates=len(rows) - accepted)

    def _page(self, after: tuple[int, str], high: int) -> list[tuple[int, str, str]]:
        with self._lock:
            return self._connection().execute(
                "SELECT ts_us, event_id, body::text FROM events WHERE (ts_us, event_id) > (%s, %s) AND ts_us < %s "
                "ORDER BY ts_us, event_id LIMIT %s", (*after, high, self.PAGE)).fetchall()

    def count(self, since: datetime | None = None, until: datetime | None = None) -> int:
        low, high = time_window(since, until)
        with self._lock:
            return self._connection().execute("SELECT COUNT(*) FROM events WHERE ts_us >= %s AND ts_us < %s",
                                              (low, high)).fetchone()[0]
