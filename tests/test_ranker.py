"""The fine-tuned CTR ranker, trained for real on a SYNTHETIC log simulated over the demo store: training
and its comparison table, saving and serving, personalization, exploration, and search with and without it."""

import json
import logging
from datetime import timedelta
from statistics import mean

import pytest

from assistant.api import create_app
from assistant.cli import main
from assistant.config import Settings
from assistant.identity import sign_identity
from assistant.intent import query_parser
from ranking.artifacts import active_model
from ranking.event_store import open_event_store
from ranking.exploration import Exploration
from ranking.serving import RankedSearch
from ranking.simulator import simulate
from retrieval.models import SearchRequest

pytestmark = pytest.mark.slow  # trains a real model (about a minute on 2 cores)

FAST = ["--text-steps", "4", "--max-epochs", "12"]


@pytest.fixture(scope="module")
def trained(demo_settings, demo_retriever, tmp_path_factory):
    """600 sessions by 40 shoppers (seed 1), then `shopassist train-ranker` into its own ranker home."""
    root = tmp_path_factory.mktemp("ranker")
    settings = Settings(home=demo_settings.home, database_url=f"sqlite:///{root / 'events.db'}")
    store = open_event_store(settings.events_database_url)
    report = simulate(demo_retriever, store, users=40, sessions=600, seed=1)
    store.close()
    out = root / "model"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SHOPASSIST_HOME", str(demo_settings.home))
        patch.setenv("SHOPASSIST_DATABASE_URL", settings.events_database_url)
        assert main(["train-ranker", *FAST, "--out", str(out), "--no-activate"]) == 0
    return settings, report, out


def ranked(settings, retriever, model_dir, exploration=None, seed=0) -> RankedSearch:
    return RankedSearch(retriever, query_parser, settings.ranker_dir, settings.models_dir, exploration=exploration,
                        model_dir=model_dir, seed=seed)


def test_training_writes_a_model_with_a_card_and_beats_popularity(trained):
    _, _, out = trained
    meta = json.loads((out / "ranker.json").read_text())
    models = meta["report"]["models"]
    assert set(models) == {"ranker", "lightgbm", "logreg", "popularity"}
    # The planted preferences are learnt: clearly above chance, and above a popularity ranking.
    assert models["ranker"]["auc"] > 0.65
    assert models["ranker"]["auc"] > models["popularity"]["auc"] + 0.03
    assert models["ranker"]["ndcg@10"] > models["popularity"]["ndcg@10"]
    card = (out / "model_card.md").read_text()
    assert "SYNTHETIC" in card and "| ranker |" in card and "validation" in card
    for name in ("head.pt", "text_encoder/config.json", "product_vectors.npy", "behaviour.json"):
        assert (out / name).exists(), name
    assert meta["report"]["text_tower"]["steps"] == 4
    # Fine-tuning moved the text tower away from the packaged weights.
    assert meta["report"]["text_tower"]["pairs"] > 100


def test_search_without_a_model_keeps_retrieval_order_and_says_so_once(demo_settings, demo_retriever, tmp_path,
                                                                        caplog):
    search = RankedSearch(demo_retriever, query_parser, tmp_path / "no-ranker", demo_settings.models_dir)
    request = SearchRequest(query="running shoes", k=10)
    with caplog.at_level(logging.INFO, logger="ranking.serving"):
        first, second = search.search(request), search.search(request)
    plain = demo_retriever.search(request)
    assert [h.id for h in first.results] == [h.id for h in plain.results] == [h.id for h in second.results]
    assert first.ranker is None and all(h.why == [] for h in first.results)
    assert sum("no trained ranker" in r.message for r in caplog.records) == 1


def test_search_with_the_model_reranks_explains_and_keeps_filters(trained, demo_retriever):
    settings, _, out = trained
    search = ranked(settings, demo_retriever, out)
    request = SearchRequest(query="running shoes", k=10, max_price=80)
    response = search.search(request)
    assert response.ranker == out.name and len(response.results) == 10
    scores = [h.score for h in response.results]
    assert scores == sorted(scores, reverse=True) and all(0 < s < 1 for s in scores)
    assert all(h.retrieval_score is not None for h in response.results)
    assert all(h.price is not None and h.price <= 80 for h in response.results)
    assert any(h.why for h in response.results)
    # The candidates are retrieval's top 50: the ranker reorders them, it does not add others.
    pool = {h.id for h in demo_retriever.search(request.model_copy(update={"k": 50})).results}
    assert {h.id for h in response.results} <= pool
    assert [h.id for h in response.results] != [h.id for h in demo_retriever.search(request).results]


def test_a_shopper_sees_their_preferred_brands_first(trained, demo_retriever):
    settings, report, out = trained
    search = ranked(settings, demo_retriever, out)
    products = demo_retriever.catalog_products()
    lifts = []
    for shopper in report.shoppers[:12]:
        brands = set(shopper.brands)
        # Their favourite department's product types, searched as plain type names.
        types = sorted({p.category[-1] for p in products.values()
                        if p.category and p.category[0] == shopper.department and p.brand in brands})
        for query in types[:3]:
            request = SearchRequest(query=query, k=10)
            anonymous = [h.id for h in search.search(request).results]
            theirs = [h.id for h in search.search(request.model_copy(update={"user_id": shopper.user_id})).results]

            def preferred_share(ids, top=5):
                return sum(products[i].brand in brands for i in ids[:top]) / top

            lifts.append(preferred_share(theirs) - preferred_share(anonymous))
    assert len(lifts) >= 10
    assert mean(lifts) > 0.05  # more of their brands in the first five, on average
    assert sum(lift < 0 for lift in lifts) < len(lifts) / 4


def test_exploration_in_search_marks_what_it_lifted(trained, demo_retriever):
    settings, _, out = trained
    search = ranked(settings, demo_retriever, out, Exploration(share=0.2, max_impressions=10_000), seed=3)
    explored = 0
    for query in ("tents", "coffee makers", "running shoes", "yoga mats", "headphones"):
        results = search.search(SearchRequest(query=query, k=10)).results
        lifted = [h for h in results if "exploration" in h.why]
        assert len(lifted) <= 2
        explored += len(lifted)
    assert explored > 0


def test_api_search_uses_the_model_and_personalizes(trained, demo_retriever):
    from fastapi.testclient import TestClient

    settings, report, out = trained
    secret = "ranker-tests-identity-secret"
    app = create_app(settings.model_copy(update={"ranker_model": out, "explore_share": 0.0,
                                                 "identity_secret": secret}), demo_retriever)
    with TestClient(app) as client:  # personalization takes a signed identity
        body = client.post("/v1/search", json={"query": "tents", "k": 5, "user_id": sign_identity(
            report.shoppers[0].user_id, secret)}).json()
    assert body["ranker"] == out.name
    assert all(0 < hit["score"] < 1 and isinstance(hit["why"], list) for hit in body["results"])


def test_cli_search_reranks_like_the_api(trained, demo_settings, demo_retriever, monkeypatch, capsys):
    settings, _, out = trained
    monkeypatch.setenv("SHOPASSIST_HOME", str(demo_settings.home))
    monkeypatch.setenv("SHOPASSIST_RANKER_MODEL", str(out))
    monkeypatch.setenv("SHOPASSIST_EXPLORE_SHARE", "0")
    assert main(["search", "tents", "--k", "5", "--json"]) == 0
    cli = json.loads(capsys.readouterr().out)
    api = ranked(settings, demo_retriever, out).search(SearchRequest(query="tents", k=5))
    assert cli["ranker"] == out.name and [h["id"] for h in cli["results"]] == [h.id for h in api.results]


def test_cli_eval_ranker_json_and_incremental_training(trained, demo_settings, monkeypatch, tmp_path, capsys):
    settings, simulated, first = trained
    monkeypatch.setenv("SHOPASSIST_HOME", str(demo_settings.home))
    monkeypatch.setenv("SHOPASSIST_DATABASE_URL", settings.events_database_url)
    # The last ten days of the log only, to keep the test quick (and to exercise --since).
    since = (simulated.end - timedelta(days=10)).isoformat()
    assert main(["eval", "ranker", "--json", "--since", since, "--text-steps", "1", "--max-epochs", "3"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report["models"]) == {"ranker", "lightgbm", "logreg", "popularity"}
    assert all(set(m) == {"auc", "logloss", "ndcg@10"} for m in report["models"].values())
    assert report["test_events"] == report["rows"]["test"] > 0
    assert report["periods"]["train_start"] >= since

    # Retraining continues the given model (its text tower is the starting point) and becomes ACTIVE.
    second = tmp_path / "second"
    monkeypatch.setattr(Settings, "ranker_dir", tmp_path / "ranker-home")
    assert main(["train-ranker", "--since", since, "--init-from", str(first), "--out", str(second),
                 "--text-steps", "1", "--max-epochs", "3"]) == 0
    meta = json.loads((second / "ranker.json").read_text())
    assert meta["window"]["initialised_from"] == str(first)
    assert meta["report"]["text_tower"]["start"] == str(first / "text_encoder")
    assert active_model(tmp_path / "ranker-home") == second
    assert "now serving" in capsys.readouterr().out


def test_a_search_for_nothing_known_still_answers(trained, demo_retriever):
    settings, _, out = trained
    response = ranked(settings, demo_retriever, out).search(SearchRequest(query="zzqx unknown words", k=5))
    assert response.ranker == out.name and response.results
    assert all(0 < h.score < 1 for h in response.results)
