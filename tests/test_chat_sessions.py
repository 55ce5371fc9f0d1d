"""Sessions in the events database, run against both backends, SQLite (a file) and PostgreSQL (a real
server): round trip, expiry, the shared database, threads, and what an expired session means for a
conversation; then the chat API keeping its sessions and carts on PostgreSQL."""

from __future__ import annotations

import sqlite3
import statistics
import threading
from datetime import datetime, timedelta, timezone

import pytest
from chat_helpers import Conversation, chat_service, chat_settings
from fastapi.testclient import TestClient

from assistant.api import create_app
from assistant.chat.models import ConversationTurn
from assistant.chat.service import ChatService, UnknownSession
from assistant.chat.session_store import open_session_store
from assistant.chat.sessions import Session
from assistant.config import Settings
from ranking.database import PostgresDatabase, SQLiteDatabase
from ranking.event_store import open_event_store
from retrieval.intent import Intent, PriceConstraint
from tools.models import Cart, CartLine

TTL = timedelta(minutes=30)


class Clock:
    def __init__(self):
        self.now = datetime(2026, 11, 24, 10, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(params=["sqlite", "postgres"])
def url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'shop.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(url, clock):
    store = open_session_store(url, TTL, clock)
    yield store
    store.close()


def query(url: str, sql: str) -> list[tuple]:
    """Rows read straight from the database, past the store."""
    if url.startswith("sqlite:"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
            return db.execute(sql).fetchall()
    import psycopg

    with psycopg.connect(url) as db:
        return db.execute(sql).fetchall()


def test_the_url_picks_the_backend(url):
    store = open_session_store(url, TTL)
    store.close()
    assert type(store.database) is (SQLiteDatabase if url.startswith("sqlite:") else PostgresDatabase)


def test_the_short_postgres_scheme_is_accepted(postgres_url):
    store = open_session_store(postgres_url.replace("postgresql://", "postgres://", 1), TTL)
    try:
        store.save(Session(id="s1"))
        assert store.get("s1") is not None
    finally:
        store.close()


def test_round_trip_and_expiry(store, url, clock):
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
    assert query(url, "SELECT session_id FROM chat_sessions") == [("s2",)]


def test_expiry_is_exact_to_the_microsecond(store, clock):
    store.save(Session(id="s1"))
    clock.now += TTL - timedelta(microseconds=1)
    assert store.get("s1") is not None
    clock.now += timedelta(microseconds=1)  # idle for exactly the TTL: expired
    assert store.get("s1") is None


def test_a_save_replaces_the_whole_row(store, url, clock):
    store.save(Session(id="s1", user_id="u1", shown_ids=["A"]))
    clock.now += timedelta(minutes=1)
    store.save(Session(id="s1", user_id="u2", shown_ids=["B"]))
    assert store.get("s1").user_id == "u2" and store.get("s1").shown_ids == ["B"]
    (row,) = query(url, "SELECT user_id, updated_us, expires_us FROM chat_sessions")
    assert row[0] == "u2" and row[2] - row[1] == TTL // timedelta(microseconds=1)


def test_text_round_trips_exactly(store):
    text = "bl\u00f8 \u2602 \x00 \"x\"\\ \U0001f6d2"  # a NUL too: PostgreSQL's TEXT takes only escaped ones
    session = Session(id="s\u00e9 1", history=[ConversationTurn(role="customer", text=text)])
    store.save(session)
    assert store.get("s\u00e9 1") == session


def test_sessions_survive_closing_and_reopening(url):
    store = open_session_store(url, TTL)
    store.save(Session(id="s1", shown_ids=["A"]))
    store.close()
    reopened = open_session_store(url, TTL)
    try:
        assert reopened.get("s1").shown_ids == ["A"]
    finally:
        reopened.close()


def test_two_stores_on_one_database_see_each_others_writes(url, clock):
    # Two processes (the API, the CLI) each with their store.
    first, second = open_session_store(url, TTL, clock), open_session_store(url, TTL, clock)
    try:
        first.save(Session(id="s1", shown_ids=["A"]))
        second.save(Session(id="s1", shown_ids=["B"]))
        assert first.get("s1").shown_ids == ["B"]
    finally:
        first.close()
        second.close()


def test_concurrent_saves_from_threads_keep_every_session(store):
    barrier = threading.Barrier(8)
    errors = []

    def chat(worker: int) -> None:
        try:
            barrier.wait()
            for turn in range(10):
                store.save(Session(id=f"s{worker}", shown_ids=[f"{worker}-{turn}"]))
                assert store.get(f"s{worker}").shown_ids == [f"{worker}-{turn}"]
        except BaseException as error:  # noqa: BLE001 - reported below, in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=chat, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert [store.get(f"s{w}").shown_ids for w in range(8)] == [[f"{w}-9"] for w in range(8)]


def test_sessions_share_the_events_database(url):
    events, sessions = open_event_store(url), open_session_store(url, timedelta(minutes=5))
    sessions.save(Session(id="s1"))
    assert events.count() == 0 and sessions.get("s1") is not None
    events.close()
    sessions.close()
    if url.startswith("sqlite:"):
        tables = {row[0] for row in query(url, "SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert query(url, "PRAGMA journal_mode") == [("wal",)]
    else:
        tables = {row[0] for row in query(url, "SELECT table_name FROM information_schema.tables "
                                               "WHERE table_schema = 'public'")}
    assert {"events", "chat_sessions"} <= tables


def test_postgres_store_reconnects_after_the_server_drops_it(postgres_url):
    import psycopg

    store = open_session_store(postgres_url, TTL)
    try:
        store.save(Session(id="s1"))
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE datname = current_database() AND pid <> pg_backend_pid()")
        with pytest.raises(psycopg.OperationalError):
            store.get("s1")  # this call meets the dropped connection...
        assert store.get("s1") is not None  # ...the next one reconnects
        store.save(Session(id="s2"))
        assert store.get("s2") is not None
    finally:
        store.close()


def test_unsupported_database_urls_are_clear_errors():
    with pytest.raises(ValueError, match="expected sqlite:///PATH or postgresql://"):
        open_session_store("mysql://host/db", timedelta(minutes=5))


def test_history_keeps_the_latest_messages():
    session = Session(id="s1")
    for n in range(6):
        session.remember(f"question {n}", f"answer {n}", keep=4)
    assert [turn.text for turn in session.history] == ["question 4", "answer 4", "question 5", "answer 5"]


def test_an_expired_session_forgets_the_conversation(demo_settings, demo_retriever, tmp_path, url, clock):
    base = chat_service(chat_settings(demo_settings, tmp_path), demo_retriever)
    sessions = open_session_store(url, timedelta(minutes=10), clock)
    chat = ChatService(base.search, base.intent_parser, base.policies, sessions, base.events)
    talk = Conversation(chat)
    talk.say("running shoes under $80")
    talk.say("add the first one to my cart")
    assert len(chat.cart(talk.session_id).lines) == 1
    clock.now += timedelta(minutes=11)
    with pytest.raises(UnknownSession):
        chat.cart(talk.session_id)
    expired = talk.session_id
    after = talk.say("cheaper")  # a fresh session, under a new id: nothing to be cheaper than
    assert after.session_id != expired and after.intent.price.max is None
    assert after.cart is None and chat.cart(after.session_id).lines == []
    base.close()
    sessions.close()


def test_the_chat_api_keeps_sessions_and_carts_in_postgres(postgres_url, demo_retriever, tmp_path, monkeypatch):
    monkeypatch.setenv("SHOPASSIST_DATABASE_URL", postgres_url)
    settings = Settings(home=tmp_path / "home", llm="none", llm_url=None)
    with TestClient(create_app(settings, retriever=demo_retriever)) as client:
        first = client.post("/v1/chat", json={"message": "running shoes under $80"}).json()
        session_id = first["session_id"]
        follow = client.post("/v1/chat", json={"message": "cheaper", "session_id": session_id}).json()
        # "cheaper" than what the first turn showed: the second turn read the session back from PostgreSQL.
        assert first["products"] and follow["session_id"] == session_id and follow["products"]
        median = statistics.median(card["price"] for card in first["products"])
        assert follow["intent"]["price"]["max"] < median
        assert all(card["price"] < median for card in follow["products"])
        product = follow["products"][0]
        cart_url = f"/v1/sessions/{session_id}/cart"
        added = client.post(cart_url, json={"product_id": product["id"], "quantity": 2})
    assert added.status_code == 200
    with TestClient(create_app(settings, retriever=demo_retriever)) as client:  # a restarted server
        cart = client.get(cart_url)
    assert cart.status_code == 200 and cart.json() == added.json()
    assert [(line["product_id"], line["quantity"]) for line in cart.json()["lines"]] == [(product["id"], 2)]
    rows = query(postgres_url, "SELECT session_id, body::json -> 'cart' -> 'lines' -> 0 ->> 'product_id' "
                               "FROM chat_sessions")
    assert rows == [(session_id, product["id"])]
    assert not list(tmp_path.rglob("*.db"))  # no SQLite file, the default <home>/shopassist.db included
