"""The CTR ranker's data layer and baselines, on a SYNTHETIC log simulated over the demo store."""

import math
from dataclasses import replace

import numpy as np
import pytest

from assistant.intent import query_parser
from ranking.baselines import evaluate_baselines
from ranking.dataset import load_impressions, load_products, split_by_time
from ranking.event_store import open_event_store
from ranking.features import FEATURES, featurize, featurize_training, fit_context
from ranking.metrics import auc, logloss, ndcg_at_k
from ranking.simulator import simulate

USER_COLUMNS = [FEATURES.index(name) for name in ("user_brand", "user_category", "user_price_band", "user_color")]


@pytest.fixture(scope="module")
def log(demo_retriever, tmp_path_factory):
    """600 sessions by 40 shoppers (seed 1): about 9,500 impressions over 30 days."""
    store = open_event_store(f"sqlite:///{tmp_path_factory.mktemp('ranking') / 'events.db'}")
    report = simulate(demo_retriever, store, users=40, sessions=600, seed=1)
    rows = load_impressions(store)
    products = load_products(demo_retriever.home)
    yield store, report, rows, split_by_time(rows), products, query_parser(products.values())
    store.close()


def test_split_is_by_time_without_overlap(log):
    store, report, rows, split, _, _ = log
    assert len(rows) == report.impressions
    assert max(r.timestamp for r in split.train) < split.validation_start <= min(r.timestamp for r in split.validation)
    assert max(r.timestamp for r in split.validation) < split.test_start <= min(r.timestamp for r in split.test)
    searches = [{r.query_id for r in part} for part in (split.train, split.validation, split.test)]
    assert not (searches[0] & searches[1] or searches[1] & searches[2] or searches[0] & searches[2])
    assert sum(map(len, searches)) == report.queries
    assert abs(len(searches[0]) / report.queries - 0.70) < 0.01 and abs(len(searches[2]) / report.queries - 0.15) < 0.01
    # `since` keeps whole searches from that moment on: here exactly the test period.
    assert load_impressions(store, since=split.test_start) == split.test


def test_labels_and_grades_follow_the_events(log):
    _, report, rows, _, _, _ = log
    assert sum(r.clicked for r in rows) == report.clicks
    assert sum(r.grade >= 2 for r in rows) == report.add_to_carts
    assert sum(r.grade == 3 for r in rows) == report.purchases
    assert all(1 <= r.position <= 10 and r.query_text for r in rows)


def test_features_are_finite_and_do_not_see_the_future(log):
    _, _, _, split, products, parse_query = log
    context = fit_context(split.train, products, parse_query)
    X_train, X_test = featurize_training(split.train, context), featurize(split.test, context)
    assert X_train.shape == (len(split.train), len(FEATURES)) and np.isfinite(X_train).all()
    assert np.isfinite(X_test).all()
    assert np.all(X_test[:, USER_COLUMNS] == 0, axis=0).sum() == 0  # each user feature varies

    # Change every outcome after the training window: nothing a model sees may change.
    def flip(part):
        return [replace(r, clicked=1 - r.clicked, grade=1 - r.clicked) for r in part]

    changed = split_by_time(split.train + flip(split.validation) + flip(split.test))
    assert changed.train == split.train
    other = fit_context(changed.train, products, parse_query)
    assert np.array_equal(featurize(changed.test, other), X_test)
    assert np.array_equal(featurize_training(changed.train, other), X_train)

    # A user's affinities come from their training rows only: without them, the user is a stranger.
    user = split.test[0].user_id
    stranger = fit_context([r for r in split.train if r.user_id != user], products, parse_query)
    theirs = [r for r in split.test if r.user_id == user]
    assert np.all(featurize(theirs, stranger)[:, USER_COLUMNS] == 0)
    assert np.any(featurize(theirs, context)[:, USER_COLUMNS] != 0)


def test_user_brand_affinity_recovers_the_planted_brands(log):
    _, report, _, split, products, parse_query = log
    planted = {s.user_id: set(s.brands) for s in report.shoppers}
    X_test = featurize(split.test, fit_context(split.train, products, parse_query))
    preferred = [products[r.product_id].brand in planted[r.user_id] for r in split.test]
    assert auc(preferred, X_test[:, FEATURES.index("user_brand")]) > 0.7


def test_logistic_regression_learns_beyond_popularity(log):
    _, _, _, split, products, parse_query = log
    report = evaluate_baselines(split, products, parse_query)
    popularity, logreg = report.models["popularity"], report.models["logreg"]
    assert logreg.auc > 0.6
    assert logreg.auc > popularity.auc + 0.03
    for metrics in (popularity, logreg):
        assert 0 < metrics.logloss < 0.6 and 0 < metrics.ndcg_at_10 <= 1
    assert set(report.models) == {"popularity", "logreg", "lightgbm"}
    assert report.rows.model_dump() == {"train": len(split.train), "validation": len(split.validation),
                                        "test": len(split.test)}


def test_metrics_match_hand_computed_values():
    # Positive/negative pairs: 0.9>0.4, 0.9>0.1, 0.4=0.4 (half), 0.4>0.1 -> 3.5 of 4.
    assert auc([1, 0, 1, 0], [0.9, 0.4, 0.4, 0.1]) == pytest.approx(0.875)
    assert math.isnan(auc([0, 0], [0.1, 0.2]))
    assert logloss([1, 0], [0.8, 0.4]) == pytest.approx(-(math.log(0.8) + math.log(0.6)) / 2)
    # Search a is ranked (grade 0, 3, 1): DCG 7/log2(3) + 1/2, ideal 7 + 1/log2(3). Search b has no
    # positive grade and is skipped; search c's tie keeps the shown order, which is ideal.
    query_ids = ["a", "a", "a", "b", "b", "c", "c"]
    grades = [0, 3, 1, 0, 0, 1, 0]
    scores = [0.9, 0.5, 0.1, 0.3, 0.2, 0.2, 0.2]
    ndcg_a = (7 / math.log2(3) + 0.5) / (7 + 1 / math.log2(3))
    assert ndcg_at_k(query_ids, grades, scores, k=10) == pytest.approx((ndcg_a + 1) / 2)
    assert ndcg_at_k(query_ids, grades, scores, k=1) == pytest.approx((0 + 1) / 2)
