"""Issue 14, privacy: personal details redacted before anything is stored, retention enforced, and a shopper's
data exported and forgotten end to end (events, sessions, ranker affinities; the next training sees none)."""

from __future__ import annotations

import json
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient

from assistant.api import create_app
from assistant.cli import main as cli
from assistant.config import Settings
from assistant.identity import sign_identity
from assistant.intent.extractor import extract_intent
from assistant.privacy import RetentionKeeper, export_user, forget_user, purge
from assistant.services import Services
from ranking.dataset import load_impressions
from ranking.event_store import open_event_store
from ranking.events import parse_event
from ranking.features import fit_context
from ranking.privacy import CARD_TOKEN, EMAIL_TOKEN, PHONE_TOKEN, forget_events, purge_events, redact, user_events
from retrieval.search import Retriever

from conftest import ingest_file

SECRET = "identity-secret-for-privacy-tests-0123"

# ---------------------------------------------------------------------------------------------- redaction

EMAILS = ["jane.doe@example.com", "bob_smith+shop@mail.example.org", "J.O'Neil@sub.example.co.uk".replace("'", ""),
          "x@y.io"]
PHONES = ["+44 20 7946 0958", "+1 (555) 010-0199", "+1-555-010-0199", "(555) 010-0199", "555-010-0199",
          "555.010.0199", "555 010 0199", "07700 900123", "020 7946 0958", "5550100199", "+33 1 23 45 67 89",
          "+4915112345678"]
CARDS = ["4111 1111 1111 1111", "4111-1111-1111-1111", "4111111111111111", "5500 0000 0000 0004",
         "3782 822463 10005", "6011 1111 1111 1117", "4012888888881881"]
KEPT = ["under $80", "between $100 and $1,299.99", "a 55 inch tv", "size 10, 2 pairs", "model QN65Q80C",
        "order 12345", "delivered 2026-01-15", "isbn 9780306406157", "4111 1111 1111 1112 (not Luhn)",
        "tents for 4 people under 300", "1000 piece puzzle", "gtin 0012345678905"]


@pytest.mark.parametrize("email", EMAILS)
def test_emails_are_redacted(email):
    assert redact(f"write to {email} please") == f"write to {EMAIL_TOKEN} please"


@pytest.mark.parametrize("phone", PHONES)
def test_phone_numbers_are_redacted(phone):
    assert redact(f"call me on {phone} today") == f"call me on {PHONE_TOKEN} today"


@pytest.mark.parametrize("card", CARDS)
def test_card_like_numbers_are_redacted(card):
    assert redact(f"my card is {card}, thanks") == f"my card is {CARD_TOKEN}, thanks"


def test_a_card_followed_by_another_number_is_still_found():
    assert redact("card 4111111111111111 2 units") == f"card {CARD_TOKEN} 2 units"


@pytest.mark.parametrize("text", KEPT)
def test_prices_sizes_codes_and_non_cards_are_kept(text):
    assert redact(text) == text


MESSAGES = [
    ("red running shoes under $80, email me at {}", EMAILS[0]),
    ("my number is {}, I need a tent for 4 people under $300", PHONES[0]),
    ("add the blue one to my cart, card {}", CARDS[0]),
    ("call me on {} about waterproof hiking boots size 10", PHONES[3]),
    ("do you ship to Canada? my email is {}", EMAILS[1]),
    ("compare the two cheapest coffee makers, my phone {}", PHONES[7]),
    ("Sony headphones under 200 dollars, card no. {}", CARDS[3]),
    ("{} here: a gift for my dad who loves gardening, not clothes", EMAILS[3]),
]


@pytest.mark.parametrize("template,detail", MESSAGES)
def test_the_redacted_message_parses_to_the_same_intent(template, detail):
    original, redacted = template.format(detail), redact(template.format(detail))
    assert detail not in redacted
    before, after = extract_intent(original).model_dump(), extract_intent(redacted).model_dump()
    # The same request: every field but the free-text query is identical, and the query lost only the detail.
    assert {k: v for k, v in after.items() if k != "query"} == {k: v for k, v in before.items() if k != "query"}
    without = extract_intent(template.format("")).query
    assert after["query"] == without, (before["query"], after["query"])


# ---------------------------------------------------------------------------------------------- a small shop

FEED = [
    {"id": "T-1", "title": "Trailpeak 4-Person Dome Tent", "brand": "Trailpeak", "category": "Outdoor > Tents",
     "price": 249.0, "attributes": {"color": "green"}},
    {"id": "T-2", "title": "Trailpeak 2-Person Backpacking Tent", "brand": "Trailpeak", "category": "Outdoor > Tents",
     "price": 179.0, "attributes": {"color": "blue"}},
    {"id": "T-3", "title": "Summitline Family Cabin Tent", "brand": "Summitline", "category": "Outdoor > Tents",
     "price": 289.0, "attributes": {"color": "grey"}},
    {"id": "M-1", "title": "Hearthline Ceramic Coffee Mug", "brand": "Hearthline", "category": "Kitchen > Mugs",
     "price": 12.0, "attributes": {"color": "white"}},
    {"id": "M-2", "title": "Hearthline Travel Mug, Insulated", "brand": "Hearthline", "category": "Kitchen > Mugs",
     "price": 24.0, "attributes": {"color": "black"}},
    {"id": "B-1", "title": "Stridewell Waterproof Hiking Boots", "brand": "Stridewell", "category": "Shoes > Boots",
     "price": 139.0, "attributes": {"color": "brown"}},
]


@pytest.fixture(scope="module")
def shop(tmp_path_factory, embedder):
    """A six-product catalog, its Services (SQLite events and sessions) and an API client with an admin key."""
    tmp = tmp_path_factory.mktemp("privacy")
    feed = tmp / "feed.jsonl"
    feed.write_text("\n".join(json.dumps(p) for p in FEED) + "\n")
    settings = Settings(home=tmp / "home", llm="none", llm_url=None, identity_secret=SECRET)
    services = Services(settings)
    ingest_file(services.catalog_home, embedder, feed)
    services = Services(settings, retriever=Retriever(services.catalog_home, embedder))
    with TestClient(create_app(services=services)) as client:
        admin = {"authorization": f"Bearer {services.keys.create('admin').key}"}
        yield settings, services, client, admin


def shopper_turns(client, user: str, first: str, then: str) -> tuple[str, list[dict]]:
    """Two chat turns as `user` (signed), then an impression per product shown and a click on the first."""
    token = sign_identity(user, SECRET)
    one = client.post("/v1/chat", json={"message": first, "user_id": token}).json()
    two = client.post("/v1/chat", json={"message": then, "user_id": token, "session_id": one["session_id"]}).json()
    assert two["session_id"] == one["session_id"]
    now = datetime.now(timezone.utc)
    events = []
    for reply in (one, two):
        if not reply.get("query_id"):
            continue
        for position, product in enumerate(reply["products"], 1):
            events.append({"type": "interaction", "action_name": "impression", "query_id": reply["query_id"],
                           "object_id": product["id"], "position": position, "user_id": token,
                           "session_id": one["session_id"], "timestamp": now.isoformat()})
        if reply["products"]:
            events.append({"type": "interaction", "action_name": "click", "query_id": reply["query_id"],
                           "object_id": reply["products"][0]["id"], "position": 1, "user_id": token,
                           "session_id": one["session_id"], "timestamp": (now + timedelta(seconds=2)).isoformat()})
    assert client.post("/v1/events", json={"events": events}).status_code == 200
    return one["session_id"], [one, two]


def test_chat_messages_are_stored_redacted(shop):
    settings, services, client, _ = shop
    session_id, replies = shopper_turns(client, "redact-me", "email jane.doe@example.com: a tent under $300",
                                        "my phone is +44 20 7946 0958 and card 4111 1111 1111 1111, cheaper")
    stored = services.sessions.database.fetch("SELECT body FROM chat_sessions WHERE session_id = ?", (session_id,))
    events = [e.model_dump_json() for e in services.events.iter_events()]
    for text in [stored[0][0], *events]:
        for detail in ("jane.doe@example.com", "7946 0958", "4111"):
            assert detail not in text
    history = json.loads(stored[0][0])["history"]
    assert history[0]["text"] == f"email {EMAIL_TOKEN}: a tent under $300"
    assert history[2]["text"] == f"my phone is {PHONE_TOKEN} and card {CARD_TOKEN}, cheaper"
    assert {p["id"] for p in replies[0]["products"]} <= {"T-1", "T-2", "T-3"}  # the request still worked


def catalog(services: Services) -> dict:
    return {p["id"]: services.retriever.get_product(p["id"]) for p in FEED}


def write_ranker(settings: Settings, services: Services) -> None:
    """A trained ranker's behaviour tables as train-ranker writes them (artifacts.save_ranker): user affinities
    fitted on the impressions training reads."""
    rows = load_impressions(services.events)
    context = fit_context(rows, catalog(services), extract_intent)
    model = settings.ranker_dir / "20260101T000000Z"
    model.mkdir(parents=True, exist_ok=True)
    (model / "behaviour.json").write_text(json.dumps({
        "popularity": context.popularity, "query_popularity": [],
        "user_lift": [[u, k, value, v] for (u, k, value), v in context.user_lift.items()],
        "shown": {}, "clicks": {}}))


def test_forget_a_user_end_to_end(shop, capsys):
    settings, services, client, admin = shop
    shopper_turns(client, "alice", "a tent for 4 people under $300, I'm alice@example.com", "cheaper ones")
    bob_session, _ = shopper_turns(client, "bob", "coffee mugs", "the black one")
    write_ranker(settings, services)

    # Before: the export (API and CLI) shows alice's events, her session and her affinities.
    before = client.get("/v1/privacy/users/alice", headers=admin)
    assert before.status_code == 200, before.text
    held = before.json()
    assert held["user_id"] == "alice"
    assert {e["type"] for e in held["events"]} == {"query", "interaction"}
    assert any(e.get("action_name") == "click" for e in held["events"])
    assert all(e["user_id"] == "alice" for e in held["events"])
    assert len(held["sessions"]) == 1 and held["sessions"][0]["user_id"] == "alice"
    assert "alice@example.com" not in json.dumps(held)  # redacted before it was stored
    assert held["affinities"] and all(a["kind"] in ("brand", "category", "price_band", "color")
                                      for lifts in held["affinities"].values() for a in lifts)
    training = load_impressions(services.events)
    assert any(r.user_id == "alice" for r in training) and any(r.user_id == "bob" for r in training)

    # Doors: only an admin key opens them.
    assert client.get("/v1/privacy/users/alice").status_code == 401
    assert client.delete("/v1/privacy/users/alice").status_code == 401

    forgotten = client.delete("/v1/privacy/users/alice", headers=admin)
    assert forgotten.status_code == 200, forgotten.text
    removed = forgotten.json()["removed"]
    assert removed["events"] == len(held["events"]) and removed["sessions"] == 1
    assert removed["affinities"] == sum(len(v) for v in held["affinities"].values())
    assert removed["issued_queries"] >= 1

    # After: nothing held about alice; bob untouched; the next training has none of her rows or affinities.
    after = client.get("/v1/privacy/users/alice", headers=admin).json()
    assert after == {"user_id": "alice", "events": [], "sessions": [], "affinities": {}}
    rows = load_impressions(services.events)
    assert rows and not any(r.user_id == "alice" for r in rows) and any(r.user_id == "bob" for r in rows)
    lifts = json.loads(next(settings.ranker_dir.glob("*/behaviour.json")).read_text())["user_lift"]
    assert lifts and not any(u == "alice" for u, *_ in lifts) and any(u == "bob" for u, *_ in lifts)
    assert not any(key[0] == "alice" for key in fit_context(rows, catalog(services), extract_intent).user_lift)
    assert export_user(services, "bob")["sessions"][0]["id"] == bob_session
    assert client.get(f"/v1/sessions/{bob_session}/cart").status_code == 200


def test_the_cli_exports_and_forgets(shop, capsys, monkeypatch):
    settings, services, client, _ = shop
    shopper_turns(client, "carol", "hiking boots", "waterproof ones")
    monkeypatch.setenv("SHOPASSIST_HOME", str(settings.home))
    monkeypatch.setenv("SHOPASSIST_IDENTITY_SECRET", SECRET)
    capsys.readouterr()
    assert cli(["privacy", "export", "--user", "carol"]) == 0
    held = json.loads(capsys.readouterr().out)
    assert held["events"] and len(held["sessions"]) == 1
    assert cli(["privacy", "forget", "--user", "carol"]) == 0
    assert json.loads(capsys.readouterr().out)["removed"]["events"] == len(held["events"])
    assert cli(["privacy", "export", "--user", "carol"]) == 0
    assert json.loads(capsys.readouterr().out)["events"] == []


# ---------------------------------------------------------------------------------------------- both backends

@pytest.fixture(params=["sqlite", "postgres"])
def url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'events.db'}"
    return request.getfixturevalue("postgres_url")


def event(kind: str, event_id: str, when: datetime, **fields):
    base = {"type": "query", "query_id": event_id, "user_query": "tent"} if kind == "query" else \
        {"type": "interaction", "action_name": "click", "object_id": "T-1", "position": 1}
    return parse_event({**base, "event_id": event_id, "timestamp": when.isoformat(), **fields})


def test_forget_and_retention_on_both_backends(url, tmp_path):
    store = open_event_store(url)
    try:
        now = datetime.now(timezone.utc)
        store.issue([event("query", "q-a", now, user_id="a"), event("query", "q-b", now, user_id="b")])
        store.add([event("interaction", "i-a1", now, query_id="q-a", user_id="a"),
                   event("interaction", "i-a2", now, query_id="q-a", client_id="browser-1"),  # on a's search
                   event("interaction", "i-b1", now, query_id="q-b", user_id="b"),
                   event("query", "q-old", now - timedelta(days=40), user_id="b")])
        assert [e.event_id for e in user_events(store, "a")] == ["i-a1", "i-a2", "q-a"]
        assert forget_events(store, "a") == {"events": 3, "issued_queries": 1}
        assert user_events(store, "a") == [] and store.count() == 3
        assert set(store.issued()) == {"q-b"}
        assert purge_events(store, now - timedelta(days=30)) == {"events": 1, "issued_queries": 0}
        assert sorted(e.event_id for e in store.iter_events()) == ["i-b1", "q-b"]
    finally:
        store.close()


def test_retention_purges_old_events_and_sessions(tmp_path):
    settings = Settings(home=tmp_path / "home", llm="none", llm_url=None)
    services = Services(settings)
    try:
        old, now = datetime.now(timezone.utc) - timedelta(days=100), datetime.now(timezone.utc)
        services.events.add([event("query", "q-old", old, user_id="a"), event("query", "q-new", now, user_id="a")])
        from assistant.chat.sessions import Session, new_session_id

        services.sessions.save(Session(id=new_session_id(), user_id="a"))
        assert purge(services, 30) == {"events": 1, "issued_queries": 0, "sessions": 0}
        assert [e.event_id for e in services.events.iter_events()] == ["q-new"]
        assert purge(services, 30, now=now + timedelta(days=31)) == {"events": 1, "issued_queries": 0,
                                                                    "sessions": 1}
    finally:
        services.close()


def test_the_app_enforces_retention_at_start_up(tmp_path, embedder):
    settings = Settings(home=tmp_path / "home", llm="none", llm_url=None, retention_days=30)
    services = Services(settings)
    ingest_file(services.catalog_home, embedder, _feed(tmp_path))
    old = datetime.now(timezone.utc) - timedelta(days=31)
    services.events.add([event("query", "q-old", old), event("query", "q-new", datetime.now(timezone.utc))])
    services.close()
    services = Services(settings)
    services.retriever = Retriever(services.catalog_home, embedder)
    with TestClient(create_app(services=services)):
        for _ in range(100):  # the purge runs on its own thread, at start-up
            if services.events.count() == 1:
                break
            time.sleep(0.05)
    assert [e.event_id for e in open_event_store(settings.events_database_url).iter_events()] == ["q-new"]


def test_stopping_retention_waits_for_a_purge_under_way(tmp_path, monkeypatch):
    # The app closes the databases right after stop(): a purge still running would use closed connections.
    started, finished = threading.Event(), threading.Event()

    def slow_purge(services, days):
        started.set()
        time.sleep(0.5)
        finished.set()
        return {}

    monkeypatch.setattr("assistant.privacy.purge", slow_purge)
    services = Services(Settings(home=tmp_path / "home", llm="none", llm_url=None, retention_days=30))
    keeper = RetentionKeeper(services)
    keeper.start()
    assert started.wait(10)
    keeper.stop()
    assert finished.is_set()
    services.close()


def _feed(tmp_path):
    path = tmp_path / "feed.jsonl"
    path.write_text("\n".join(json.dumps(p) for p in FEED[:2]) + "\n")
    return path
