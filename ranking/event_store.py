"""Where behaviour events are kept: an append-only table keyed by `event_id`, in the events database.

`open_event_store(url)` is the one entry point the API, the CLI and training use; the URL picks SQLite or
PostgreSQL (database.py). Both keep the same table (`ts_us` microseconds since the epoch, `event_id` as the
tiebreak) and `iter_events` pages through it by keyset.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from .database import Database, micros, open_database
from .events import InteractionEvent, QueryEvent, parse_event

AnyEvent = QueryEvent | InteractionEvent

SQLITE_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    event_id TEXT PRIMARY KEY,
    ts_us INTEGER NOT NULL,      -- microseconds since the epoch, UTC: sorts and compares exactly
    type TEXT NOT NULL,
    query_id TEXT,
    body TEXT NOT NULL           -- the validated event as JSON
);
CREATE INDEX IF NOT EXISTS events_by_time ON events (ts_us, event_id);
"""

# COLLATE "C" compares bytes, as SQLite does, so both backends order events with equal times the same way.
# body is JSON rather than JSONB: JSON keeps the text as written (JSONB rejects the \u0000 escape a valid
# event may contain) and can still be queried with ->> when someone needs to.
POSTGRES_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    event_id TEXT COLLATE "C" PRIMARY KEY,
    ts_us BIGINT NOT NULL,       -- microseconds since the epoch, UTC
    type TEXT NOT NULL,
    query_id TEXT,
    body JSON NOT NULL           -- the validated event
);
CREATE INDEX IF NOT EXISTS events_by_time ON events (ts_us, event_id);
"""

# The searches the server itself ran and logged (query_log.log_search, the simulator): an interaction counts
# for training only when it refers to one of these and, where the search had a session or user, to that
# session or user's (ranking/screening.py). A client can post query events; it cannot add a row here (only an
# admin's `events import --trusted` adds rows for query events it did not run, `EventStore.trust`).
# client_key: a hash of the searcher's address, who "a client" is when the search had no session or user.
ISSUED_SCHEMA = """
CREATE TABLE IF NOT EXISTS issued_queries (
    query_id TEXT PRIMARY KEY,
    ts_us INTEGER NOT NULL,
    session_id TEXT,
    user_id TEXT,
    client_key TEXT
);
"""
POSTGRES_ISSUED_SCHEMA = ISSUED_SCHEMA.replace("TEXT PRIMARY KEY", 'TEXT COLLATE "C" PRIMARY KEY').replace(
    "INTEGER", "BIGINT")
INSERT_ISSUED = ("INSERT INTO issued_queries (query_id, ts_us, session_id, user_id, client_key) VALUES (?, ?, ?, ?, ?) "
                 "ON CONFLICT (query_id) DO NOTHING")
SELECT_ISSUED = "SELECT query_id, ts_us, session_id, user_id, client_key FROM issued_queries"

SCHEMAS = {"sqlite": SQLITE_SCHEMA + ISSUED_SCHEMA, "postgresql": POSTGRES_SCHEMA + POSTGRES_ISSUED_SCHEMA}
INSERT = ("INSERT INTO events (event_id, ts_us, type, query_id, body) VALUES (?, ?, ?, ?, ?) "
          "ON CONFLICT (event_id) DO NOTHING")
# CAST: PostgreSQL's JSON column would otherwise come back parsed; the text is what was stored.
SELECT_PAGE = ("SELECT ts_us, event_id, CAST(body AS TEXT) FROM events WHERE (ts_us, event_id) > (?, ?) AND ts_us < ? "
        "ORDER BY ts_us, event_id LIMIT ?")
COUNT = "SELECT COUNT(*) FROM events WHERE ts_us >= ? AND ts_us < ?"


@dataclass(frozen=True)
class IssuedQuery:
    """A search the server ran: whose it was (session, user, or the client's address) and when (server time)."""

    query_id: str
    ts_us: int
    session_id: str | None = None
    user_id: str | None = None
    client_key: str | None = None


@dataclass(frozen=True)
class AddResult:
    accepted: int
    duplicates: int


class EventStore:
    PAGE = 1000  # rows per keyset page in iter_events

    def __init__(self, database: Database):
        self.database = database
        database.create(SCHEMAS[database.dialect])

    def add(self, events: Iterable[AnyEvent]) -> AddResult:
        """Store events in one transaction, committed (durably) before this returns; an `event_id` already
        stored (or repeated) is a duplicate."""
        rows = [event_row(e) for e in events]
        with self.database.transaction() as transaction:
            accepted = transaction.executemany(INSERT, rows)
        return AddResult(accepted=accepted, duplicates=len(rows) - accepted)

    def issue(self, queries: Iterable[QueryEvent], client_key: str | None = None) -> AddResult:
        """Store server-made query events and record them as issued (one transaction): only the server's
        own code calls this (a search it ran, the simulator), never with events a client posted."""
        queries = list(queries)
        rows = [event_row(q) for q in queries]
        issued = [(q.query_id, micros(q.timestamp), q.session_id, q.user_id, client_key) for q in queries]
        with self.database.transaction() as transaction:
            accepted = transaction.executemany(INSERT, rows)
            transaction.executemany(INSERT_ISSUED, issued)
        return AddResult(accepted=accepted, duplicates=len(rows) - accepted)

    def trust(self, queries: Iterable[QueryEvent]) -> int:
        """Record query events an admin vouches for (`shopassist events import --trusted`: the store's own
        historic search log) as issued, each to its own session and user at its own time, so that interactions
        on them can be learnt from; screening's other rules still apply. Never for events a client posted.
        Returns how many were newly recorded (a query_id already issued keeps its record)."""
        issued = [(q.query_id, micros(q.timestamp), q.session_id, q.user_id, None) for q in queries]
        if not issued:
            return 0
        with self.database.transaction() as transaction:
            return transaction.executemany(INSERT_ISSUED, issued)

    def issued(self, query_ids: Iterable[str] | None = None) -> dict[str, IssuedQuery]:
        """The issued searches by query_id: all of them, or those among `query_ids`."""
        if query_ids is None:
            rows = self.database.fetch(SELECT_ISSUED)
        else:
            wanted, rows = sorted({q for q in query_ids if q}), []
            for start in range(0, len(wanted), 500):
                chunk = wanted[start:start + 500]
                rows += self.database.fetch(f"{SELECT_ISSUED} WHERE query_id IN ({', '.join('?' * len(chunk))})",
                                            tuple(chunk))
        return {row[0]: IssuedQuery(*row) for row in rows}

    def count(self, since: datetime | None = None, until: datetime | None = None) -> int:
        """How many events iter_events would yield."""
        return self.database.fetch(COUNT, time_window(since, until))[0][0]

    def iter_events(self, since: datetime | None = None, until: datetime | None = None) -> Iterator[AnyEvent]:
        """Events with since <= timestamp < until, oldest first."""
        # Keyset pages: no lock or transaction is held while the caller consumes events.
        low, high = time_window(since, until)
        after = (low, "")  # every event_id is non-empty, so this includes ts_us == low
        while True:
            page = self.database.fetch(SELECT_PAGE, (*after, high, self.PAGE))
            for _, _, body in page:
                yield parse_event(json.loads(body))
            if len(page) < self.PAGE:
                return
            after = (page[-1][0], page[-1][1])

    def close(self) -> None:
        self.database.close()


def open_event_store(url: str) -> EventStore:
    # FULL: each commit is fsynced before it returns, so an acknowledged event survives a crash.
    return EventStore(open_database(url, name="events", synchronous="FULL"))


def time_window(since: datetime | None, until: datetime | None) -> tuple[int, int]:
    """[since, until) in microseconds; an open end is a bound no event reaches."""
    return (micros(since) if since else -(2 ** 62)), (micros(until) if until else 2 ** 62)


def event_row(event: AnyEvent) -> tuple[str, int, str, str | None, str]:
    """The columns (event_id, ts_us, type, query_id, body) stored."""
    return event.event_id, micros(event.timestamp), event.type, event.query_id, event.model_dump_json()
