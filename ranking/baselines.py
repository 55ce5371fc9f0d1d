"""Two baselines the learnt ranker has to beat, and their evaluation on the test period.

- `PopularityBaseline`: each product's training-window CTR, smoothed towards the overall CTR; the same
  score for every shopper and every search.
- `LogisticBaseline`: logistic regression on the standardised FEATURES. It is trained WITH the position
  column, so position bias is explained by position and not by the other weights, and it predicts with
  that column held at one constant (the training mean: the predictions stay on the average click level,
  and the order, which is all NDCG and AUC read, does not depend on the constant chosen).

`evaluate_baselines` fits both on the train period (logistic regression on out-of-fold behaviour features,
see features.py) and reports AUC, logloss and NDCG@10 (graded, see
metrics.py) on the test period. The validation period is left for tuning the learnt model.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from assistant.intent.extractor import CatalogVocabulary
from retrieval.models import Product

from .dataset import Impression, Split
from .features import POSITION_COLUMN, featurize, featurize_training, fit_context
from .metrics import auc, logloss, ndcg_at_k

CTR_SMOOTHING = 20.0  # pseudo impressions at the overall CTR
SEED = 0


class PopularityBaseline:
    def fit(self, rows: list[Impression]) -> PopularityBaseline:
        shown = Counter(r.product_id for r in rows)
        clicks = Counter(r.product_id for r in rows if r.clicked)
        self.overall = sum(clicks.values()) / max(len(rows), 1)
        self.ctr = {pid: (clicks[pid] + CTR_SMOOTHING * self.overall) / (n + CTR_SMOOTHING)
                    for pid, n in shown.items()}
        return self

    def predict(self, rows: list[Impression]) -> np.ndarray:
        """Click probabilities; a product never shown in training gets the overall CTR."""
        return np.array([self.ctr.get(r.product_id, self.overall) for r in rows], dtype=np.float64)


class LogisticBaseline:
    def __init__(self, C: float = 1.0):
        self.model = make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=1000, random_state=SEED))

    def fit(self, X: np.ndarray, y: np.ndarray) -> LogisticBaseline:
        self.serving_position = float(X[:, POSITION_COLUMN].mean())
        self.model.fit(X, y)
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Click probabilities with the position column held at the training mean."""
        X = X.copy()
        X[:, POSITION_COLUMN] = self.serving_position
        return self.model.predict_proba(X)[:, 1]


def evaluate_baselines(split: Split, products: dict[str, Product],
                       vocabulary: CatalogVocabulary | None = None) -> dict:
    """{"models": {"popularity": {...}, "logreg": {...}}, "test_events": N, "rows": sizes}; each model's
    {"auc", "logloss", "ndcg@10"} is measured on the test period (impression rows = test_events)."""
    if not split.train or not split.test:
        raise ValueError("need training and test rows")
    context = fit_context(split.train, products, vocabulary)
    y_train = np.array([r.clicked for r in split.train])
    if y_train.min() == y_train.max():
        raise ValueError("the training rows need both clicks and non-clicks")
    predictions = {
        "popularity": PopularityBaseline().fit(split.train).predict(split.test),
        "logreg": LogisticBaseline().fit(featurize_training(split.train, context), y_train)
                                    .predict(featurize(split.test, context)),
    }
    labels = [r.clicked for r in split.test]
    query_ids, grades = [r.query_id for r in split.test], [r.grade for r in split.test]
    models = {name: {"auc": auc(labels, p), "logloss": logloss(labels, p),
                     "ndcg@10": ndcg_at_k(query_ids, grades, p, k=10)}
              for name, p in predictions.items()}
    return {"models": models, "test_events": len(split.test),
            "rows": {"train": len(split.train), "validation": len(split.validation), "test": len(split.test)}}
