"""The SYNTHETIC click-log simulator, against the demo store's real retrieval."""

import json

import pytest

from assistant.cli import main
from ranking.event_store import open_event_store
from ranking.events import InteractionEvent, QueryEvent
from ranking.simulator import CLIENT_ID, simulate


def _store(tmp_path, name="events.db"):
    return open_event_store(f"sqlite:///{tmp_path / name}")


def _export(store) -> list[str]:
    return [event.model_dump_json() for event in store.iter_events()]


@pytest.fixture(scope="module")
def simulated(demo_retriever, tmp_path_factory):
    """300 sessions by 50 shoppers: enough clicks for the statistics below."""
    store = _store(tmp_path_factory.mktemp("simulated"))
    report = simulate(demo_retriever, store, users=50, sessions=300, seed=3)
    events = list(store.iter_events())
    store.close()
    version = demo_retriever.home.open_active()
    products = {p.id: p for p in version.products.iter_products()}
    version.close()
    return report, events, products


def test_same_seed_same_events_and_another_seed_differs(demo_retriever, tmp_path):
    exports = []
    for name, seed in (("a.db", 11), ("b.db", 11), ("c.db", 12)):
        store = _store(tmp_path, name)
        simulate(demo_retriever, store, users=5, sessions=20, seed=seed)
        exports.append(_export(store))
        store.close()
    assert exports[0] and exports[0] == exports[1]
    assert exports[2] != exports[0]


def test_rerun_into_the_same_store_adds_nothing(demo_retriever, tmp_path):
    store = _store(tmp_path)
    first = simulate(demo_retriever, store, users=3, sessions=5, seed=4)
    again = simulate(demo_retriever, store, users=3, sessions=5, seed=4)
    store.close()
    assert first.accepted > 0 and first.duplicates == 0
    assert again.accepted == 0 and again.duplicates == first.accepted


def test_clicks_show_position_bias(simulated):
    report, _, _ = simulated
    ctr = report.ctr_by_position
    assert set(ctr) == set(range(1, 11))
    assert ctr[1] > 3 * ctr[10]
    assert ctr[1] > ctr[3] > ctr[10]
    assert report.impressions == 10 * report.queries
    assert report.clicks >= report.add_to_carts >= report.purchases > 0


def test_preferred_brands_are_clicked_more_than_they_are_shown(simulated):
    report, events, products = simulated
    brands = {profile.user_id: set(profile.brands) for profile in report.shoppers}
    shown = preferred_shown = clicked = preferred_clicked = 0
    for event in events:
        if isinstance(event, InteractionEvent) and event.action_name in ("impression", "click"):
            preferred = products[event.object_id].brand in brands[event.user_id]
            if event.action_name == "impression":
                shown, preferred_shown = shown + 1, preferred_shown + preferred
            else:
                clicked, preferred_clicked = clicked + 1, preferred_clicked + preferred
    assert preferred_clicked / clicked > 1.4 * (preferred_shown / shown)


def test_events_are_linked_valid_ubi_and_marked_synthetic(simulated):
    report, events, products = simulated
    queries = {e.query_id: e for e in events if isinstance(e, QueryEvent)}
    interactions = [e for e in events if isinstance(e, InteractionEvent)]
    assert len(queries) == report.queries
    assert len(events) == report.accepted
    assert all(e.client_id == CLIENT_ID and e.user_id and e.session_id for e in events)
    assert all(q.query_attributes["synthetic"] is True for q in queries.values())
    for event in interactions:
        query = queries[event.query_id]  # every interaction points at a stored search
        assert event.session_id == query.session_id and event.user_id == query.user_id
        assert event.object_id in products
        assert query.query_response_hit_ids[event.position - 1] == event.object_id
        assert query.timestamp <= event.timestamp
    assert all(report.start <= e.timestamp < report.end for e in events)


def test_cli_simulate_json(demo_settings, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("SHOPASSIST_HOME", str(demo_settings.home))
    monkeypatch.setenv("SHOPASSIST_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    assert main(["simulate", "--users", "2", "--sessions", "3", "--seed", "9", "--days", "7",
                 "--end", "2026-11-20", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["synthetic"] is True and report["sessions"] == 3 and len(report["shoppers"]) == 2
    assert report["end"].startswith("2026-11-20") and report["start"].startswith("2026-11-13")
    assert report["accepted"] > 0
