"""Sessions in the events database: round trip, expiry, the shared file, and what an expired session means
for a conversation."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone

import pytest
from chat_helpers import Conversation, chat_service, chat_settings

from assistant.chat.models import Cart, CartLine
from assistant.chat.service import ChatService, UnknownSession
from assistant.chat.sessions import Session, SQLiteSessionStore, open_session_store
from assistant.intent.schema import Intent, PriceConstraint
from ranking.event_store import open_event_store


class Clock:
    def __init__(self):
        self.now = datetime(2026, 11, 24, 10, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now


def test_round_trip_and_expiry(tmp_path):
    clock = Clock()
    store = open_session_store(f"sqlite:///{tmp_path / 'shop.db'}", timedelta(minutes=30), clock)
    session = Session(id="s1", user_id="u1", intent=Intent(query="tent", price=PriceConstraint(max=200)),
                      shown_ids=["OUT-1"], shown_prices=[99.5],
                      cart=Cart(lines=[CartLine(product_id="OUT-1", title="Tent", price=99.5)], total=99.5))
    store.save(session)
    assert store.get("s1") == session and store.get("nope") is None
    clock.now += timedelta(minutes=29)
    assert store.get("s1") == session
    store.save(session)  # a turn restarts the idle time
    clock.now += timedelta(minutes=29)
    assert store.get("s1") is not None
    clock.now += timedelta(minutes=2)
    assert store.get("s1") is None
    store.save(Session(id="s2"))  # the next write deletes what expired
    with sqlite3.connect(tmp_path / "shop.db") as db:
        assert [row[0] for row in db.execute("SELECT session_id FROM chat_sessions")] == ["s2"]
    store.close()


def test_sessions_share_the_events_database_file(tmp_path):
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    events, sessions = open_event_store(url), open_session_store(url, timedelta(minutes=5))
    sessions.save(Session(id="s1"))
    assert events.count() == 0 and sessions.get("s1") is not None
    with sqlite3.connect(tmp_path / "shop.db") as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {"events", "chat_sessions"} <= tables
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    events.close()
    sessions.close()


@pytest.mark.parametrize("url, message", [
    ("postgresql://user@host/db", "PostgreSQL is not supported yet"),
    ("mysql://host/db", "expected sqlite:///PATH"),
])
def test_unsupported_database_urls_are_clear_errors(url, message):
    with pytest.raises(ValueError, match=message):
        open_session_store(url, timedelta(minutes=5))


def test_history_keeps_the_latest_messages():
    session = Session(id="s1")
    for n in range(6):
        session.remember(f"question {n}", f"answer {n}", keep=4)
    assert [turn.text for turn in session.history] == ["question 4", "answer 4", "question 5", "answer 5"]


def test_an_expired_session_forgets_the_conversation(demo_settings, demo_retriever, tmp_path):
    base = chat_service(chat_settings(demo_settings, tmp_path), demo_retriever)
    clock = Clock()
    sessions = SQLiteSessionStore(base.sessions.path, timedelta(minutes=10), clock)
    chat = ChatService(base.search, base.intent_parser, base.policies, sessions, base.events)
    talk = Conversation(chat)
    talk.say("running shoes under $80")
    talk.say("add the first one to my cart")
    assert len(chat.cart(talk.session_id).lines) == 1
    clock.now += timedelta(minutes=11)
    with pytest.raises(UnknownSession):
        chat.cart(talk.session_id)
    after = talk.say("cheaper")  # same id, fresh session: nothing to be cheaper than
    assert after.session_id == talk.session_id and after.intent.price.max is None
    assert after.cart is None and chat.cart(talk.session_id).lines == []
    base.close()
    sessions.close()
