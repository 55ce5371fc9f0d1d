"""Behaviour events: validation, idempotence, durability across a crash, NDJSON import/export, query ids."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import datetime, timezone

import pytest
from fastapi.testclient import TestClient

from assistant.services import Services
from assistant.api import create_app
from assistant.cli import main
from assistant.config import Settings
from assistant.identity import sign_identity
from ranking.event_store import open_event_store
from ranking.events import parse_event
from retrieval.catalog import CatalogHome
from retrieval.search import Retriever
from retrieval.vector_store import chroma_client

IDENTITY_SECRET = "events-tests-identity-secret"


def click(**overrides) -> dict:
    return {"type": "interaction", "action_name": "click", "query_id": "q1", "object_id": "SHO-1",
            "position": 2, "client_id": "c1", "session_id": "s1", "timestamp": "2026-11-24T10:00:00Z", **overrides}


def query(**overrides) -> dict:
    return {"type": "query", "query_id": "q1", "user_query": "red running shoes", "client_id": "c1",
            "timestamp": "2026-11-24T09:59:58Z", **overrides}


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(home=tmp_path / "home", identity_secret=IDENTITY_SECRET)


@pytest.fixture
def client(settings, embedder, tmp_path):
    """The API over an empty catalog: events need no products."""
    retriever = Retriever(CatalogHome(settings.catalog_dir, chroma_client(settings.chroma_dir)), embedder)
    with TestClient(create_app(settings, retriever=retriever)) as test_client:
        yield test_client


def stored(settings: Settings) -> list:
    store = Services(settings).events
    try:
        return list(store.iter_events())
    finally:
        store.close()


def test_models_normalise_time_and_derive_ids():
    naive = parse_event(click(timestamp="2026-11-24T10:00:00", event_id=None))
    aware = parse_event(click(timestamp="2026-11-24T11:00:00+01:00"))
    assert naive.timestamp == aware.timestamp and naive.timestamp.tzinfo == timezone.utc
    assert naive.event_id == aware.event_id  # the same instant, so the same content
    assert parse_event(click(position=3)).event_id != naive.event_id
    assert parse_event(click(event_id="e-1")).event_id == "e-1"
    assert parse_event(click(action_name="purchase", position=None)).position is None


def test_a_batch_stores_the_good_events_and_reports_the_bad_ones(client, settings):
    batch = {"events": [query(), click(), click(action_name="impression", position=None),
                        click(action_name="wishlist"), click(position=0), {"action_name": "click"}]}
    response = client.post("/v1/events", json=batch)
    assert response.status_code == 207
    body = response.json()
    assert body["accepted"] == 2 and body["duplicates"] == 0
    assert [(r["index"], r["field"]) for r in body["rejected"]] == [
        (2, "events.2.position"), (3, "events.3.action_name"), (4, "events.4.position"), (5, "events.5.type")]
    assert body["rejected"][0]["message"] == "events.2.position: required for impression events"
    assert {e.type for e in stored(settings)} == {"query", "interaction"}


@pytest.mark.parametrize("payload, field", [
    (click(action_name="impression", position=None), "position"),
    (click(timestamp="yesterday"), "timestamp"),
    (click(object_id=""), "object_id"),
    (click(colour="red"), "colour"),
    ({k: v for k, v in query().items() if k != "query_id"}, "query_id"),
    (query(query_id="q\x001"), "query_id"),  # PostgreSQL text cannot hold NUL: a 422, not a 500 there
    ({"events": [click(position=-1), query(user_query=None)]}, "events.0.position"),
    ({"events": []}, "events"),
    ({"events": "nope"}, "events"),
    ({"events": [click()], "extra": 1}, "extra"),
    ([click()], "body"),
    ("click", "body"),
])
def test_nothing_valid_is_a_422_naming_the_field(client, settings, payload, field):
    response = client.post("/v1/events", json=payload)
    assert response.status_code == 422
    body = response.json()
    assert f"{field}:" in body["detail"] and body["errors"][0]["field"] == field
    assert stored(settings) == []


def test_malformed_json_is_a_422(client):
    response = client.post("/v1/events", content=b'{"events": [', headers={"content-type": "application/json"})
    assert response.status_code == 422 and response.json()["errors"]


def test_posting_the_same_events_twice_stores_them_once(client, settings):
    batch = {"events": [query(event_id="e-q"), click(event_id="e-c"), click(position=5)]}  # the last: no id
    first = client.post("/v1/events", json=batch).json()
    again = client.post("/v1/events", json=batch).json()
    assert (first["accepted"], first["duplicates"]) == (3, 0)
    assert (again["accepted"], again["duplicates"]) == (0, 3)
    single = client.post("/v1/events", json=click(position=5))  # the same content, posted alone
    assert single.status_code == 200 and single.json() == {"accepted": 0, "duplicates": 1, "rejected": [], "flagged": 1}
    assert len(stored(settings)) == 3


def test_search_carries_a_query_id_logged_as_a_query_event(client, settings):
    response = client.post("/v1/search", json={"query": "tent", "k": 3, "max_price": 50,
                                               "user_id": sign_identity("u-7", IDENTITY_SECRET)})
    assert response.status_code == 200
    query_id = response.json()["query_id"]
    assert len(query_id) == 32
    [event] = stored(settings)
    assert (event.type, event.query_id, event.user_id, event.user_query) == ("query", query_id, "u-7", "tent")
    assert event.query_attributes == {"max_price": 50.0, "mode": "hybrid", "k": 3}


def test_store_reads_by_time_window(settings):
    store = open_event_store(settings.events_database_url)
    try:
        store.add(parse_event(click(event_id=f"e{h}", timestamp=f"2026-11-24T{h:02d}:00:00Z")) for h in range(6))
        store.PAGE = 2  # exercise the keyset paging
        since, until = datetime(2026, 11, 24, 2, tzinfo=timezone.utc), datetime(2026, 11, 24, 5, tzinfo=timezone.utc)
        assert [e.event_id for e in store.iter_events(since, until)] == ["e2", "e3", "e4"]
        assert store.count(since, until) == 3 and store.count() == 6
        assert [e.event_id for e in store.iter_events()] == [f"e{h}" for h in range(6)]
    finally:
        store.close()


def test_import_and_export_round_trip(settings, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("SHOPASSIST_HOME", str(settings.home))
    source = tmp_path / "in.ndjson"
    source.write_text("\n".join([
        json.dumps(query(timestamp="2026-11-23T08:00:00Z")),
        json.dumps(click()),
        "not json",
        json.dumps(click(action_name="impression", position=None)),
        "",
        json.dumps(click()),  # a repeat of line 2
    ]) + "\n")
    assert main(["events", "import", str(source)]) == 1  # some lines were rejected
    out = capsys.readouterr()
    summary = json.loads(out.out.splitlines()[-1])
    assert (summary["accepted"], summary["duplicates"]) == (2, 1)
    assert [(r["index"], r["field"]) for r in summary["rejected"]] == [(3, "json"), (4, "position")]
    assert "line 4: position: required for impression events" in out.err

    everything, recent = tmp_path / "all.ndjson", tmp_path / "recent.ndjson"
    assert main(["events", "export", str(everything)]) == 0
    assert main(["events", "export", str(recent), "--since", "2026-11-24"]) == 0
    exported = [parse_event(json.loads(line)) for line in everything.read_text().splitlines()]
    assert [e.type for e in exported] == ["query", "interaction"]
    assert [json.loads(line)["type"] for line in recent.read_text().splitlines()] == ["interaction"]

    fresh = tmp_path / "fresh-home"  # exported lines import as the same events (ids included)
    monkeypatch.setenv("SHOPASSIST_HOME", str(fresh))
    assert main(["events", "import", str(everything)]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["accepted"] == 2
    assert stored(Settings(home=fresh)) == exported


@pytest.mark.slow
def test_an_acknowledged_event_survives_a_kill(tmp_path):
    """A 2xx means the event is on disk: SIGKILL the real server right after and the event is there."""
    home = tmp_path / "home"
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "SHOPASSIST_HOME": str(home), "SHOPASSIST_PORT": str(port)}
    proc = subprocess.Popen([sys.executable, "-m", "assistant.cli", "serve"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(480):  # a cold start takes 10-40 s on 2 busy cores
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.25)
        request = urllib.request.Request(f"http://127.0.0.1:{port}/v1/events", method="POST",
                                         data=json.dumps(click(event_id="durable-1")).encode(),
                                         headers={"content-type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait(timeout=10)
    assert [e.event_id for e in stored(Settings(home=home))] == ["durable-1"]
