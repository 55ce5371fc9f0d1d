"""Where behaviour events are kept: an append-only table keyed by `event_id`.

`EventStore` is the contract the API, the CLI and training use; `open_event_store(url)` is the one entry
point and picks the backend from a database URL: SQLite (`sqlite:///path`, the default, below) or
PostgreSQL (`postgresql://...`, in `event_store_postgres.py`). Both keep the same table (`ts_us`
microseconds since the epoch, `event_id` as the tiebreak) and page through it by keyset.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from .events import InteractionEvent, QueryEvent, parse_event

AnyEvent = QueryEvent | InteractionEvent
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class AddResult:
    accepted: int
    duplicates: int


class EventStore(ABC):
    PAGE = 1000  # rows per keyset page in iter_events

    @abstractmethod
    def add(self, events: Iterable[AnyEvent]) -> AddResult:
        """Store events in one transaction; an `event_id` already stored (or repeated) is a duplicate."""

    @abstractmethod
    def count(self, since: datetime | None = None, until: datetime | None = None) -> int:
        """How many events iter_events would yield."""

    @abstractmethod
    def _page(self, after: tuple[int, str], high: int) -> list[tuple[int, str, str]]:
        """Up to PAGE rows (ts_us, event_id, JSON body) with (ts_us, event_id) > after and ts_us < high, in order."""

    def iter_events(self, since: datetime | None = None, until: datetime | None = None) -> Iterator[AnyEvent]:
        """Events with since <= timestamp < until, oldest first."""
        # Keyset pages: no lock or transaction is held while the caller consumes events.
        low, high = time_window(since, until)
        after = (low, "")  # every event_id is non-empty, so this includes ts_us == low
        while True:
            page = self._page(after, high)
            for _, _, body in page:
                yield parse_event(json.loads(body))
            if len(page) < self.PAGE:
                return
            after = (page[-1][0], page[-1][1])

    def close(self) -> None:
        pass


def open_event_store(url: str) -> EventStore:
    scheme, sep, rest = url.partition("://")
    if scheme == "sqlite" and sep and rest.startswith("/"):
        # SQLAlchemy's spelling: sqlite:///relative/file.db, sqlite:////absolute/file.db
        return SQLiteEventStore(Path(rest[1:]))
    if scheme in ("postgresql", "postgres") and sep:
        from .event_store_postgres import PostgresEventStore  # psycopg is only loaded when it is used

        return PostgresEventStore(url)
    raise ValueError(f"database_url: expected sqlite:///PATH or postgresql://USER@HOST:PORT/DB, got {url!r}")


SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    event_id TEXT PRIMARY KEY,
    ts_us INTEGER NOT NULL,      -- microseconds since the epoch, UTC: sorts and compares exactly
    type TEXT NOT NULL,
    query_id TEXT,
    body TEXT NOT NULL           -- the validated event as JSON
);
CREATE INDEX IF NOT EXISTS events_by_time ON events (ts_us, event_id);
"""


def micros(moment: datetime) -> int:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return (moment - EPOCH) // timedelta(microseconds=1)


def time_window(since: datetime | None, until: datetime | None) -> tuple[int, int]:
    """[since, until) in microseconds; an open end is a bound no event reaches."""
    return (micros(since) if since else -(2 ** 62)), (micros(until) if until else 2 ** 62)


def event_row(event: AnyEvent) -> tuple[str, int, str, str | None, str]:
    """The columns (event_id, ts_us, type, query_id, body) both backends store."""
    return event.event_id, micros(event.timestamp), event.type, event.query_id, event.model_dump_json()


class SQLiteEventStore(EventStore):
    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        # FULL: each commit is fsynced before it returns, so an acknowledged event survives a crash.
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA busy_timeout=5000")  # the CLI may write while the server runs
        self._db.executescript(SCHEMA)
        self._lock = threading.Lock()  # one connection shared by the API's worker threads

    def close(self) -> None:
        self._db.close()

    def add(self, events: Iterable[AnyEvent]) -> AddResult:
        rows = [event_row(e) for e in events]
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                cursor = self._db.executemany(
                    "INSERT INTO events (event_id, ts_us, type, query_id, body) VALUES (?, ?, ?, ?, ?) "
                    "ON CONFLICT(event_id) DO NOTHING", rows)
                accepted = max(cursor.rowcount, 0)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
        return AddResult(accepted=accepted, duplicates=len(rows) - accepted)

    def _page(self, after: tuple[int, str], high: int) -> list[tuple[int, str, str]]:
        with self._lock:
            return self._db.execute(
                "SELECT ts_us, event_id, body FROM events WHERE (ts_us, event_id) > (?, ?) AND ts_us < ? "
                "ORDER BY ts_us, event_id LIMIT ?", (*after, high, self.PAGE)).fetchall()

    def count(self, since: datetime | None = None, until: datetime | None = None) -> int:
        low, high = time_window(since, until)
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM events WHERE ts_us >= ? AND ts_us < ?",
                                    (low, high)).fetchone()[0]
