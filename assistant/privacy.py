"""A shopper's data: what is held (export), forgetting it (forget), and how long anything is kept (retention).

    export_user(services, "u-1")   -> {"user_id", "events": [...], "sessions": [...], "affinities": {...}}
    forget_user(services, "u-1")   -> {"events": N, "issued_queries": N, "sessions": N, "affinities": N}
    purge(services, days)          -> rows older than `days` deleted (events, issued searches, chat sessions)
    RetentionKeeper(services)      -> the API's: purges at start-up and every hour when `retention_days` is set

Held about a shopper (`user_id`, the verified id of a signed identity): behaviour events (ranking/privacy.py
says which), chat sessions stored under their id or named by their events (history, cart), and the per-user
affinities of every trained ranker. Chat messages are redacted (e-mails, phones, card numbers) before any of
this is stored: ChatService.turn redacts the message first, and searches are logged with redacted text.

Reached by `shopassist privacy export|forget|purge` and `GET|DELETE /v1/privacy/users/{user_id}` (admin key).
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta, timezone

from ranking.privacy import forget_affinities, forget_events, purge_events, user_affinities, user_events

from .services import Services

log = logging.getLogger(__name__)

PURGE_EVERY_SECONDS = 3600


def _session_rows(services: Services, user_id: str, session_ids: set[str]) -> list[tuple[str, str]]:
    """(session_id, body) of the shopper's stored sessions: under their user_id, or named by their events."""
    database = services.sessions.database
    rows = dict(database.fetch("SELECT session_id, body FROM chat_sessions WHERE user_id = ?", (user_id,)))
    wanted = sorted(session_ids - set(rows))
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        rows.update(database.fetch(f"SELECT session_id, body FROM chat_sessions WHERE session_id IN "
                                   f"({', '.join('?' * len(chunk))})", tuple(chunk)))
    return sorted(rows.items())


def export_user(services: Services, user_id: str) -> dict:
    """Everything held about the shopper, as JSON-ready data."""
    import json

    events = user_events(services.events, user_id)
    sessions = _session_rows(services, user_id, {e.session_id for e in events if e.session_id})
    return {"user_id": user_id,
            "events": [e.model_dump(mode="json") for e in events],
            "sessions": [json.loads(body) for _, body in sessions],
            "affinities": user_affinities(services.settings.ranker_dir, user_id)}


def forget_user(services: Services, user_id: str) -> dict[str, int]:
    """Delete the shopper's events, issued searches, sessions and ranker affinities; how many of each went.
    The next `train-ranker` reads the events table, so it no longer sees them."""
    events = user_events(services.events, user_id)
    session_ids = {e.session_id for e in events if e.session_id}
    sessions = [session_id for session_id, _ in _session_rows(services, user_id, session_ids)]
    removed = forget_events(services.events, user_id)
    with services.sessions.database.transaction() as transaction:
        removed["sessions"] = sum(transaction.execute("DELETE FROM chat_sessions WHERE session_id = ?", (s,))
                                  for s in sessions)
    removed["affinities"] = forget_affinities(services.settings.ranker_dir, user_id)
    log.info("forgot user %s: %s", user_id, removed)
    return removed


def purge(services: Services, days: int, now: datetime | None = None) -> dict[str, int]:
    """Delete events, issued searches and chat sessions older than `days` (a session by its last turn)."""
    cutoff = (now or datetime.now(timezone.utc)) - timedelta(days=days)
    removed = purge_events(services.events, cutoff)
    from ranking.database import micros

    with services.sessions.database.transaction() as transaction:
        removed["sessions"] = transaction.execute("DELETE FROM chat_sessions WHERE updated_us < ?", (micros(cutoff),))
    return removed


class RetentionKeeper:
    """Purges what is older than `retention_days` now and then every hour, on a daemon thread (each API
    process runs one; two purging at once delete the same rows, which is harmless)."""

    def __init__(self, services: Services, every: float = PURGE_EVERY_SECONDS):
        self.services = services
        self.every = every
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self.services.settings.retention_days is None:
            return
        self._thread = threading.Thread(target=self._run, name="retention", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            try:
                removed = purge(self.services, self.services.settings.retention_days)
                if any(removed.values()):
                    log.info("retention (%s days): deleted %s", self.services.settings.retention_days, removed)
            except Exception:  # noqa: BLE001 - the next round tries again
                log.warning("retention purge failed", exc_info=True)
            if self._stop.wait(self.every):
                return

    def stop(self, timeout: float = 30.0) -> None:
        """Stop, waiting for a purge under way: the services close next, under its feet otherwise."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
