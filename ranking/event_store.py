"""Where behaviour events are kept: an append-only table keyed by `event_id`.

`EventStore` is the contract the API, the CLI and (later) training use. `open_event_store(url)` picks the
backend from a database URL; SQLite (`sqlite:///path`) is the one implemented. A PostgreSQL backend is
another subclass with the same SQL shape (`ON CONFLICT (event_id) DO NOTHING`, an index on the time).
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
    @abstractmethod
    def add(self, events: Iterable[AnyEvent]) -> AddResult:
        """Store events in one transaction; an `event_id` already stored (or repeated) is a duplicate."""

    @abstractmethod
    def iter_events(self, since: datetime | None = None, until: datetime | None = None) -> Iterator[AnyEvent]:
        """Events with since <= timestamp < until, oldest first."""

    @abstractmethod
    def count(self, since: datetime | None = None, until: datetime | None = None) -> int:
        """How many events iter_events would yield."""

    def close(self) -> None:
        pass


def open_event_store(url: str) -> EventStore:
    scheme, sep, rest = url.partition("://")
    if scheme == "sqlite" and sep and rest.startswith("/"):
        # SQLAlchemy's spelling: sqlite:///relative/file.db, sqlite:////absolute/file.db
        return SQLiteEventStore(Path(rest[1:]))
    if sep and scheme.startswith("postgres"):
        raise ValueError("database_url: PostgreSQL is not supported yet, use sqlite:///PATH")
    raise ValueError(f"database_url: expected sqlite:///PATH, got {url!r}")


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


def _micros(moment: datetime) -> int:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return (moment - EPOCH) // timedelta(microseconds=1)


class SQLiteEventStore(EventStore):
    PAGE = 1000

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
        rows = [(e.event_id, _micros(e.timestamp), e.type, e.query_id, e.model_dump_json()) for e in events]
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

    def iter_events(self, since: datetime | None = None, until: datetime | None = None) -> Iterator[AnyEvent]:
        # Keyset pages: the lock is never held while the caller consumes events.
        low, high = self._window(since, until)
        after = (low, "")  # every event_id is non-empty, so this includes ts_us == low
        while True:
            with self._lock:
                page = self._db.execute(
                    "SELECT ts_us, event_id, body FROM events WHERE (ts_us, event_id) > (?, ?) AND ts_us < ? "
                    "ORDER BY ts_us, event_id LIMIT ?", (*after, high, self.PAGE)).fetchall()
            for _, _, body in page:
                yield parse_event(json.loads(body))
            if len(page) < self.PAGE:
                return
            after = (page[-1][0], page[-1][1])

    def count(self, since: datetime | None = None, until: datetime | None = None) -> int:
        low, high = self._window(since, until)
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM events WHERE ts_us >= ? AND ts_us < ?",
                                    (low, high)).fetchone()[0]

    @staticmethod
    def _window(since: datetime | None, until: datetime | None) -> tuple[int, int]:
        return (_micros(since) if since else -(2 ** 62)), (_micros(until) if until else 2 ** 62)
