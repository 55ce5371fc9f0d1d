"""Where chat sessions are kept between turns: the `chat_sessions` table of the events database.

`open_session_store(url, ttl)` takes the same database URL as `ranking.event_store.open_event_store`, so
sessions and carts go to the same SQLite file or PostgreSQL database as the events (ranking/database.py).
A session expires when idle for the TTL: `get` no longer returns it and the next write deletes it.
"""

from __future__ import annotations

from datetime import timedelta

from ranking.database import Database, micros, open_database

from .sessions import Clock, Session, utc_now

# body is TEXT, not JSON, on PostgreSQL too, so both backends run the same statements;
# `body::json ->> 'user_id'` still queries it there.
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
SELECT_BODY = "SELECT body FROM chat_sessions WHERE session_id = ? AND expires_us > ?"
DELETE_EXPIRED = "DELETE FROM chat_sessions WHERE expires_us <= ?"
DELETE_SESSION = "DELETE FROM chat_sessions WHERE session_id = ?"
UPSERT = ("INSERT INTO chat_sessions (session_id, user_id, updated_us, expires_us, body) VALUES (?, ?, ?, ?, ?) "
          "ON CONFLICT (session_id) DO UPDATE SET user_id = excluded.user_id, updated_us = excluded.updated_us, "
          "expires_us = excluded.expires_us, body = excluded.body")


class SessionStore:
    """A session is one `chat_sessions` row: its id, user, last write and expiry (microseconds since the
    epoch, UTC, from the store's clock) and the Session as JSON."""

    def __init__(self, database: Database, ttl: timedelta, clock: Clock = utc_now):
        self.database = database
        self.ttl = ttl
        self._clock = clock
        database.create(SCHEMA)

    def get(self, session_id: str) -> Session | None:
        """The session, or None when there is none or it has expired."""
        rows = self.database.fetch(SELECT_BODY, (session_id, micros(self._clock())))
        return Session.model_validate_json(rows[0][0]) if rows else None

    def save(self, session: Session) -> None:
        """Store the session (one transaction), restarting its idle time; expired sessions are deleted."""
        now = micros(self._clock())
        expires = now + self.ttl // timedelta(microseconds=1)
        with self.database.transaction() as transaction:
            transaction.execute(DELETE_EXPIRED, (now,))
            transaction.execute(UPSERT, (session.id, session.user_id, now, expires, session.model_dump_json()))

    def delete(self, session_id: str) -> None:
        """Forget the session now (an agent's cancelled cart): `get` no longer returns it."""
        with self.database.transaction() as transaction:
            transaction.execute(DELETE_SESSION, (session_id,))

    def close(self) -> None:
        self.database.close()


def open_session_store(url: str, ttl: timedelta, clock: Clock = utc_now) -> SessionStore:
    # NORMAL: a session lost to a power cut is a chat restarted, not worth an fsync per turn.
    return SessionStore(open_database(url, name="chat_sessions", synchronous="NORMAL"), ttl, clock)
