"""Issue 11, section 3: events that cannot be gamed.

Interactions count for training only on searches this server issued to their session or user; clicks
without impressions, bursts, one client dominating a product and the per-client caps are left out of
training (never out of the store), with counts in the training report. The poisoning experiment: a
simulated normal log plus 5,000 fake clicks for one product from a few clients; after retraining the
product's place for its query moves by at most one (the bigger run is benchmarks/poisoning_bench.py)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from ranking.dataset import load_impressions
from ranking.event_store import open_event_store
from ranking.events import QueryEvent, validate_events
from ranking.report import ExclusionReport

START = datetime(2026, 10, 1, 9, tzinfo=timezone.utc)
HITS = ["P1", "P2", "P3", "P4", "P5"]


@pytest.fixture
def store(tmp_path):
    store = open_event_store(f"sqlite:///{tmp_path / 'events.db'}")
    yield store
    store.close()


def search(store, query_id, at, session_id=None, user_id=None, client_key=None, issued=True, hits=HITS):
    query = QueryEvent(type="query", event_id=query_id, query_id=query_id, user_query="lamp", timestamp=at,
                       session_id=session_id, user_id=user_id, query_response_hit_ids=hits)
    (store.issue([query], client_key=client_key) if issued else store.add([query]))


def interactions(store, query_id, at, clicks=(), impressions=True, hits=HITS, **ids):
    events = [{"type": "interaction", "action_name": "impression", "query_id": query_id, "object_id": hit,
               "position": p, "timestamp": (at + timedelta(seconds=1)).isoformat(), **ids}
              for p, hit in enumerate(hits, start=1)] if impressions else []
    events += [{"type": "interaction", "action_name": "click", "query_id": query_id, "object_id": product,
                "position": position, "timestamp": (at + timedelta(seconds=5)).isoformat(), **ids}
               for product, position in clicks]
    valid, rejected = validate_events(events)
    assert not rejected
    store.add(valid)


def rows_and_report(store, screen=True):
    report = ExclusionReport()
    return load_impressions(store, screen=screen, exclusions=report), report


def clicked(rows):
    return sorted((r.query_id, r.product_id) for r in rows if r.clicked)


def test_clicks_on_searches_the_server_never_issued_are_stored_but_not_learnt(store):
    search(store, "real", START, session_id="s1")
    interactions(store, "real", START, clicks=[("P2", 2)], session_id="s1")
    # The issue's attack: a query event the client posts itself, then clicks on it.
    search(store, "fake", START, client_key=None, issued=False)
    interactions(store, "fake", START, clicks=[("P5", 5)] * 3, client_id="bot")
    rows, report = rows_and_report(store)
    assert clicked(rows) == [("real", "P2")]
    assert report.excluded == {"unissued_query": 6}  # 5 impressions and the click (repeats are one event)
    assert store.count() == 1 + 6 + 1 + 6  # nothing was lost
    unscreened, _ = rows_and_report(store, screen=False)
    assert ("fake", "P5") in clicked(unscreened)  # what training learnt before


def test_a_search_issued_to_one_session_does_not_count_for_another(store):
    search(store, "q1", START, session_id="victim")
    interactions(store, "q1", START, clicks=[("P3", 3)], session_id="attacker")
    rows, report = rows_and_report(store)
    assert rows == [] and report.excluded == {"other_session": 6}


def test_clicks_without_impressions_and_impressions_of_what_was_not_shown_are_left_out(store):
    search(store, "q1", START, client_key="ip-1")
    interactions(store, "q1", START, clicks=[("P4", 4)], impressions=False)
    search(store, "q2", START + timedelta(minutes=1), client_key="ip-1")
    # claims P9 was shown first (the server showed P1), then clicks it
    interactions(store, "q2", START + timedelta(minutes=1), clicks=[("P9", 1)], hits=["P9", "P2"])
    rows, report = rows_and_report(store)
    assert clicked(rows) == [] and [r.product_id for r in rows] == ["P2"]  # q2's true impression of P2 stays
    assert report.excluded == {"not_shown": 3}


def test_one_client_dominating_a_product_is_left_out_and_named(store):
    for n in range(12):  # one address, twelve real searches, always clicking P5
        at = START + timedelta(hours=n * 5)
        search(store, f"bot{n}", at, client_key="ip-bot")
        interactions(store, f"bot{n}", at, clicks=[("P5", 5)], client_id=f"rotating-{n}", user_id=f"u-{n}")
    for n in range(4):  # shoppers
        at = START + timedelta(hours=n * 7, minutes=3)
        search(store, f"shopper{n}", at, session_id=f"s{n}")
        interactions(store, f"shopper{n}", at, clicks=[("P5", 5)], session_id=f"s{n}")
    rows, report = rows_and_report(store)
    assert clicked(rows) == sorted((f"shopper{n}", "P5") for n in range(4))
    assert report.flagged_actors == {"client:ip-bot": "dominating"} and report.products == {"P5": 12}
    assert report.excluded == {"dominating": 72} and report.searches_dropped == 12
    assert "dominating 72" in report.summary() and "P5 (12)" in report.summary()


def test_bursts_and_the_per_client_caps(store):
    for n in range(25):  # 25 clicks within a minute: a burst
        at = START + timedelta(seconds=2 * n)
        search(store, f"b{n}", at, client_key="ip-burst")
        interactions(store, f"b{n}", at, clicks=[(HITS[n % 5], n % 5 + 1)])
    for n in range(5):  # the same product five times in one day: three count
        at = START + timedelta(hours=n + 1)
        search(store, f"c{n}", at, session_id="keen")
        interactions(store, f"c{n}", at, clicks=[("P1", 1)], session_id="keen")
    for n in range(35):  # 35 searches with clicks in one hour (different products): 30 count
        at = START + timedelta(days=2, seconds=100 * n)
        hits = [f"H{n}"]
        search(store, f"h{n}", at, session_id="busy", hits=hits)
        interactions(store, f"h{n}", at, clicks=[(f"H{n}", 1)], hits=hits, session_id="busy")
    rows, report = rows_and_report(store)
    assert report.flagged_actors == {"client:ip-burst": "burst"}
    assert report.excluded == {"burst": 25 * 6, "over_hourly_cap": 5 * 2, "over_product_cap": 2 * 6}
    assert len([r for r in rows if r.query_id.startswith("c") and r.clicked]) == 3
    assert len([r for r in rows if r.query_id.startswith("h")]) == 30


def test_the_api_says_how_many_accepted_events_were_flagged(tmp_path):
    from fastapi.testclient import TestClient

    from assistant.api import create_app
    from assistant.config import Settings

    settings = Settings(home=tmp_path / "home", database_url=f"sqlite:///{tmp_path / 'events.db'}")
    with TestClient(create_app(settings)) as client:
        clicks = [{"type": "interaction", "action_name": "click", "query_id": "never-issued", "object_id": "P1",
                   "position": 1, "client_id": "bot", "timestamp": (START + timedelta(seconds=n)).isoformat()}
                  for n in range(1000)]
        response = client.post("/v1/events", json={"events": clicks})
        assert response.status_code == 200, response.text
        assert response.json()["accepted"] == 1000 and response.json()["flagged"] == 1000


def test_an_imported_log_is_stored_and_counted_as_flagged(tmp_path, monkeypatch, capsys):
    import json

    from assistant.cli import main

    monkeypatch.setenv("SHOPASSIST_HOME", str(tmp_path / "home"))
    source = tmp_path / "log.ndjson"
    lines = [{"type": "query", "query_id": "imp-1", "user_query": "lamp", "client_id": "c-1",
              "timestamp": START.isoformat()},
             *({"type": "interaction", "action_name": action, "query_id": "imp-1", "object_id": "P1", "position": 1,
                "client_id": "c-1", "timestamp": (START + timedelta(seconds=n)).isoformat()}
               for n, action in enumerate(["impression", "click"], start=1))]
    source.write_text("".join(json.dumps(line) + "\n" for line in lines))
    assert main(["events", "import", str(source)]) == 0
    summary = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert (summary["accepted"], summary["flagged"]) == (3, 2)  # its searches were not issued here


def historic_log() -> list[dict]:
    """A store's own click log, exported from elsewhere: four shoppers' searches with impressions and a click
    each (one search's query line comes after its interactions), a bot's 25 searches with a click each within
    a minute (a burst), a click on a search the log does not have, and a click on shopper 0's search from another
    session."""
    lines = []

    def searched(query_id, at, session_id, client_id, click, query_last=False):
        query = {"type": "query", "query_id": query_id, "user_query": "lamp", "session_id": session_id,
                 "client_id": client_id, "query_response_hit_ids": HITS, "timestamp": at.isoformat()}
        events = [{"type": "interaction", "action_name": "impression", "query_id": query_id, "object_id": hit,
                   "position": p, "session_id": session_id, "client_id": client_id,
                   "timestamp": (at + timedelta(seconds=1)).isoformat()} for p, hit in enumerate(HITS, start=1)]
        events.append({"type": "interaction", "action_name": "click", "query_id": query_id, "object_id": click,
                       "position": HITS.index(click) + 1, "session_id": session_id, "client_id": client_id,
                       "timestamp": (at + timedelta(seconds=3)).isoformat()})
        lines.extend([*events, query] if query_last else [query, *events])

    for n in range(4):
        searched(f"hist-{n}", START + timedelta(hours=n), f"s{n}", f"c{n}", HITS[n], query_last=n == 3)
    for n in range(25):
        searched(f"bot-{n}", START + timedelta(days=1, seconds=2 * n), "sbot", "bot", HITS[n % 5])
    lines.append({"type": "interaction", "action_name": "click", "query_id": "not-in-the-log", "object_id": "P1",
                  "position": 1, "session_id": "s9", "timestamp": START.isoformat()})
    lines.append({"type": "interaction", "action_name": "click", "query_id": "hist-0", "object_id": "P1",
                  "position": 1, "session_id": "intruder", "timestamp": (START + timedelta(seconds=9)).isoformat()})
    return lines


@pytest.mark.parametrize("trusted", [False, True])
def test_a_trusted_import_is_learnt_from_and_still_screened(tmp_path, monkeypatch, capsys, trusted):
    """`events import` flags every interaction of a log (its searches were not run here) and training keeps
    none of it; `events import --trusted` records the log's searches as issued: the shoppers' clicks are learnt,
    while the bot's burst, a click on a search the log lacks and one from another session are still left out."""
    import json

    from assistant.cli import main

    database = tmp_path / "events.db"
    monkeypatch.setenv("SHOPASSIST_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SHOPASSIST_DATABASE_URL", f"sqlite:///{database}")
    source = tmp_path / "log.ndjson"
    lines = historic_log()
    source.write_text("".join(json.dumps(line) + "\n" for line in lines))
    interactions_in_log = sum(1 for line in lines if line["type"] == "interaction")
    assert interactions_in_log == 29 * 6 + 2

    assert main(["events", "import", str(source), *(["--trusted"] if trusted else [])]) == 0
    out = capsys.readouterr()
    summary = json.loads(out.out.splitlines()[-1])
    assert summary["accepted"] == len(lines) and summary["rejected"] == []
    store = open_event_store(f"sqlite:///{database}")
    try:
        rows, report = rows_and_report(store)  # what train-ranker's dataset keeps (load_impressions, screened)
        if not trusted:
            assert summary["flagged"] == interactions_in_log and "trusted_searches" not in summary
            # (the stray click is not even read: its search is not in the log)
            assert rows == [] and report.excluded == {"unissued_query": interactions_in_log - 1}
            assert store.issued() == {}
        else:
            assert summary["flagged"] == 2 and summary["trusted_searches"] == 29  # the stray and the intruder
            assert "29 searches of this file recorded as issued" in out.err
            assert clicked(rows) == [(f"hist-{n}", HITS[n]) for n in range(4)]  # hist-3's query came last
            assert {r.query_id for r in rows} == {f"hist-{n}" for n in range(4)} and len(rows) == 4 * 5
            assert report.excluded == {"other_session": 1, "burst": 25 * 6}  # the stray is not read
            assert report.flagged_actors == {"session:sbot": "burst"}
            assert store.issued()["hist-0"].session_id == "s0"
        assert store.count() == len(lines)  # stored either way
    finally:
        store.close()

    # Re-importing the same file with --trusted vouches for the searches an earlier import stored.
    if not trusted:
        assert main(["events", "import", str(source), "--trusted"]) == 0
        again = json.loads(capsys.readouterr().out.splitlines()[-1])
        assert (again["accepted"], again["duplicates"], again["flagged"]) == (0, len(lines), 2)
        store = open_event_store(f"sqlite:///{database}")
        try:
            rows, report = rows_and_report(store)
            assert clicked(rows) == [(f"hist-{n}", HITS[n]) for n in range(4)]
            assert report.excluded["burst"] == 25 * 6
        finally:
            store.close()


# ---------------------------------------------------------------- the poisoning experiment, small


TYPES = {"Lanterns": ("Outdoor", "Camping"), "Tents": ("Outdoor", "Camping"), "Mugs": ("Kitchen", "Drinkware"),
         "Kettles": ("Kitchen", "Appliances")}
BRANDS = ["Ridgefern", "Summitry", "Brightpeak", "Fernbrook"]
COLORS = ["red", "blue", "green"]


@pytest.fixture(scope="module")
def small_store(embedder, tmp_path_factory):
    """60 products over 4 types, a SYNTHETIC normal log of 300 sessions, and the same log plus the attack."""
    import json
    import shutil

    from assistant.config import Settings
    from assistant.services import Services
    from ranking.simulator import simulate, simulate_click_attack
    from retrieval.ingest.pipeline import ingest_products, read_feed
    from retrieval.models import SearchRequest
    from retrieval.search import Retriever

    root = tmp_path_factory.mktemp("poisoning")
    settings = Settings(home=root / "home")
    feed = root / "feed.jsonl"
    records = [{"id": f"{kind[:3].upper()}-{n:02d}", "title": f"{BRANDS[n % 4]} {kind[:-1]} {n}, {COLORS[n % 3]}",
                "brand": BRANDS[n % 4], "category": " > ".join([*path, kind]), "price": 10 + 7 * n % 90,
                "color": COLORS[n % 3], "launched_at": "2026-09-01", "description": f"A {kind[:-1].lower()}."}
               for kind, path in TYPES.items() for n in range(15)]
    feed.write_text("".join(json.dumps(r) + "\n" for r in records))
    home = Services(settings).catalog_home
    ingest_products(home, embedder, read_feed(feed), enrich=False)
    retriever = Retriever(home, embedder)
    clean = root / "clean.db"
    store = open_event_store(f"sqlite:///{clean}")
    report = simulate(retriever, store, users=30, sessions=300, seed=3)
    store.close()
    attacked = root / "attacked.db"
    shutil.copy(clean, attacked)
    hits = [h.id for h in retriever.search(SearchRequest(query="lanterns", k=10)).results]
    store = open_event_store(f"sqlite:///{attacked}")
    attack = simulate_click_attack(store, hits[6], "lanterns", hits, start=report.start + timedelta(days=2),
                                   days=10, clients=3, clicks=5000)
    store.close()
    return settings, retriever, clean, attacked, attack


def test_an_attack_of_5000_fake_clicks_is_left_out_and_named(small_store):
    _, _, clean, attacked, attack = small_store
    stores = {name: open_event_store(f"sqlite:///{path}") for name, path in (("clean", clean), ("attacked", attacked))}
    try:
        normal, _ = rows_and_report(stores["clean"])
        screened, report = rows_and_report(stores["attacked"])
        unscreened, _ = rows_and_report(stores["attacked"], screen=False)
    finally:
        for store in stores.values():
            store.close()
    assert screened == normal  # what training sees is what it saw without the attack
    target = attack.product_id
    assert sum(r.clicked for r in unscreened if r.product_id == target) > 3000  # without screening: learnt
    assert report.excluded["unissued_query"] > 1000 and report.excluded["not_shown"] >= 1000
    assert report.excluded["dominating"] > 3000
    assert {f"client:attacker-{n}" for n in range(3)} <= set(report.flagged_actors)
    assert next(iter(report.products)) == target
    assert target in report.summary() and "dominating" in report.summary()


@pytest.mark.slow
def test_retraining_on_the_attacked_log_moves_the_product_at_most_one_place(small_store):
    """Train on the normal log and on the attacked one (same seed, a short config), serve each model, and
    find the attacked product's place for its query."""
    from assistant.intent import query_parser
    from ranking.artifacts import save_ranker
    from ranking.dataset import load_products, split_by_time
    from ranking.serving import RankedSearch
    from ranking.train import TrainConfig, train_and_evaluate
    from retrieval.models import SearchRequest

    settings, retriever, clean, attacked, attack = small_store
    products = load_products(retriever.home)
    parse_query = query_parser(products.values())
    places, reports = {}, {}
    for name, path in (("clean", clean), ("attacked", attacked)):
        store = open_event_store(f"sqlite:///{path}")
        rows, reports[name] = rows_and_report(store)
        store.close()
        trained = train_and_evaluate(split_by_time(rows), products, parse_query,
                                     config=TrainConfig(text_max_steps=0, head_max_epochs=4, patience=2))
        trained.report.screening = reports[name]
        out = settings.home / f"ranker-{name}"
        save_ranker(trained, out, rows, products, parse_query, {"since": None}, settings.models_dir)
        search = RankedSearch(retriever, query_parser, settings.ranker_dir, settings.models_dir, model_dir=out)
        ranked = [h.id for h in search.search(SearchRequest(query=attack.query, k=30)).results]
        places[name] = ranked.index(attack.product_id) + 1
    assert abs(places["attacked"] - places["clean"]) <= 1, places
    assert reports["attacked"].excluded["dominating"] > 3000
    clean_report = reports["clean"]  # a normal log loses little (in a 60-product store a keen shopper can dominate one)
    assert clean_report.interactions - clean_report.kept < 0.10 * clean_report.interactions
