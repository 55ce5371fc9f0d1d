"""The events database: one connection for a store that keeps its rows there (behaviour events, chat sessions).

`open_database(url, ...)` reads the database URL setting: `sqlite:///relative/file.db` or
`sqlite:////absolute/file.db` (SQLAlchemy's spelling), or `postgresql://user@host:port/db` (or `postgres://`).
Stores write their SQL once, in SQLite's dialect (`?` placeholders, INTEGER columns); the PostgreSQL variant
translates it. Either gives a store the same three things:

- `create(schema)`: the store's CREATE ... IF NOT EXISTS statements, safe when two processes start at once;
- `fetch(sql, params)`: one read, in no transaction;
- `transaction()`: a write transaction that has committed, durably, when the block ends, and that takes
  turns with every other writer of the same store, in this process and in others (so two writers never
  deadlock on each other's rows).

One connection per store, used under a lock by the API's worker threads. Not a pool: every call is one
short statement or one short transaction, so threads wait microseconds for each other, and one connection
per process keeps a server's connection count predictable without another dependency to configure.
Times are stored as integer microseconds since the epoch (`micros`): they sort and compare exactly.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import psycopg

Params = Sequence[Any]
Dialect = Literal["sqlite", "postgresql"]
Synchronous = Literal["FULL", "NORMAL"]
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def micros(moment: datetime) -> int:
    """Microseconds since the epoch; a naive datetime is UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return (moment - EPOCH) // timedelta(microseconds=1)


def open_database(url: str, name: str, synchronous: Synchronous) -> Database:
    """The database at `url`, for the store of table `name`.

    `name` keys PostgreSQL's cross-process writer lock (SQLite's writers always take turns). `synchronous` is
    SQLite's durability: FULL fsyncs every commit before it returns, NORMAL may lose the last commits to a
    power cut (never to a crash of the process). A PostgreSQL commit always waits for the server's WAL flush
    (its default, `synchronous_commit = on`).
    """
    scheme, sep, rest = url.partition("://")
    if scheme == "sqlite" and sep and rest.startswith("/"):
        return SQLiteDatabase(Path(rest[1:]), synchronous)  # sqlite:///relative.db, sqlite:////abs.db
    if scheme in ("postgresql", "postgres") and sep:
        return PostgresDatabase(url, name)
    raise ValueError(f"database_url: expected sqlite:///PATH or postgresql://USER@HOST:PORT/DB, got {url!r}")


class Transaction:
    """The statements of one write transaction; each returns how many rows it inserted, changed or deleted."""

    def __init__(self, cursor: sqlite3.Cursor | psycopg.Cursor, translate: Callable[[str], str]):
        self._cursor = cursor
        self._translate = translate

    def execute(self, sql: str, params: Params = ()) -> int:
        self._cursor.execute(self._translate(sql), params)
        return max(self._cursor.rowcount, 0)

    def executemany(self, sql: str, rows: Iterable[Params]) -> int:
        self._cursor.executemany(self._translate(sql), rows)
        return max(self._cursor.rowcount, 0)  # summed over the rows; a skipped conflict counts 0


class Database(ABC):
    dialect: Dialect

    def __init__(self) -> None:
        self._lock = threading.Lock()  # one connection shared by the API's worker threads

    @abstractmethod
    def create(self, schema: str) -> None:
        """Run CREATE ... IF NOT EXISTS statements."""

    @abstractmethod
    def fetch(self, sql: str, params: Params = ()) -> list[tuple]:
        """The rows of one read."""

    @abstractmethod
    def transaction(self) -> AbstractContextManager[Transaction]:
        """A write transaction: committed when the block ends, rolled back if it raises."""

    @abstractmethod
    def close(self) -> None:
        """Close the connection."""


class SQLiteDatabase(Database):
    """A file in WAL mode, so reads go on while a write commits."""

    dialect = "sqlite"

    def __init__(self, path: Path, synchronous: Synchronous):
        super().__init__()
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(f"PRAGMA synchronous={synchronous}")
        self._db.execute("PRAGMA busy_timeout=5000")  # the CLI, or another store, may be writing the file

    def create(self, schema: str) -> None:
        with self._lock:
            self._db.executescript(schema)

    def fetch(self, sql: str, params: Params = ()) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        with self._lock:
            # IMMEDIATE takes the file's write lock at BEGIN: writers take turns from the start.
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield Transaction(self._db.cursor(), lambda sql: sql)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def close(self) -> None:
        # Under the lock: closing while another thread's statement runs (the GIL released) crashes sqlite3.
        with self._lock:
            self._db.close()


class PostgresDatabase(Database):
    """A server database over an autocommit connection (reads run on their own; writes open a transaction),
    reopened when the server dropped it. psycopg is imported only when a PostgreSQL URL is used."""

    dialect = "postgresql"

    def __init__(self, url: str, name: str):
        super().__init__()
        self.url = url
        # Held for the length of a transaction, so writers of this store take turns across processes, as
        # SQLite's BEGIN IMMEDIATE makes them.
        self._writer_lock = f"SELECT pg_advisory_xact_lock(hashtext('shopassist.{name}'))"
        self._conn = self._connect()

    def create(self, schema: str) -> None:
        # Two processes (the server, the CLI) creating the table at once would collide in the catalog.
        with self._locked_transaction() as conn:
            conn.execute(postgres_schema(schema))

    def fetch(self, sql: str, params: Params = ()) -> list[tuple]:
        with self._lock:
            return self._connection().execute(postgres_sql(sql), params).fetchall()

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        with self._locked_transaction() as conn, conn.cursor() as cursor:
            yield Transaction(cursor, postgres_sql)

    @contextmanager
    def _locked_transaction(self) -> Iterator[psycopg.Connection]:
        with self._lock:
            conn = self._connection()
            with conn.transaction():  # commits when the block ends
                conn.execute(self._writer_lock)
                yield conn

    def _connect(self) -> psycopg.Connection:
        import psycopg

        return psycopg.connect(self.url, autocommit=True)

    def _connection(self) -> psycopg.Connection:
        """The connection, reopened if the server dropped it (a restart): the call that met the break failed
        with an error, and the next one works."""
        if self._conn.broken:
            self._conn = self._connect()
        return self._conn

    def close(self) -> None:
        with self._lock:
            self._conn.close()


def postgres_sql(statement: str) -> str:
    """A statement with psycopg's placeholders (stores' statements hold no other `?` or `%`)."""
    return statement.replace("?", "%s")


def postgres_schema(schema: str) -> str:
    """A schema with PostgreSQL's 64-bit BIGINT for SQLite's INTEGER (PostgreSQL's INTEGER is 32-bit)."""
    return re.sub(r"\bINTEGER\b", "BIGINT", schema)


STORAGE_ERRNOS = {28, 30, 122, 5, 13}  # ENOSPC, EROFS, EDQUOT, EIO, EACCES


def is_storage_failure(exc: BaseException) -> bool:
    """Whether `exc` says the database cannot be used right now (unwritable or read-only file, disk full, locked,
    I/O error, server gone) rather than that a statement is wrong: what callers answer with "try again later"."""
    if isinstance(exc, sqlite3.OperationalError | sqlite3.DatabaseError) and \
            not isinstance(exc, sqlite3.IntegrityError | sqlite3.ProgrammingError):
        return True
    if isinstance(exc, OSError):
        return exc.errno in STORAGE_ERRNOS
    module = type(exc).__module__
    if module.startswith("psycopg"):
        import psycopg

        return isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError)
    return False
