"""The baselines the learnt ranker has to beat, and the scoring of any model on the test period.

- `PopularityBaseline`: each product's training-window CTR, smoothed towards the overall CTR; the same
  score for every shopper and every search.
- `LogisticBaseline`: logistic regression on the standardised FEATURES. It is trained WITH the position
  column, so position bias is explained by position and not by the other weights, and it predicts with
  that column held at one constant (the training mean: the predictions stay on the average click level,
  and the order, which is all NDCG and AUC read, does not depend on the constant chosen).
- `LightGBMBaseline`: gradient-boosted trees on the same FEATURES, position column treated the same way,
  early-stopped on the validation period.

`evaluate_baselines` fits them on the train period (on out-of-fold behaviour features, see features.py) and
`score_predictions` reports AUC, logloss and NDCG@10 (graded, see metrics.py) on the test period.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from retrieval.models import Product

from .dataset import Impression, Split
from .features import POSITION_COLUMN, FeatureContext, QueryParser, featurize, featurize_training, fit_context
from .metrics import auc, logloss, ndcg_at_k
from .report import EvaluationReport, ModelMetrics, SplitSizes

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


class LightGBMBaseline:
    def __init__(self, seed: int = SEED):
        import lightgbm

        self.model = lightgbm.LGBMClassifier(
            n_estimators=1000, learning_rate=0.03, num_leaves=15, min_child_samples=40, subsample=0.8,
            subsample_freq=1, colsample_bytree=0.8, reg_lambda=1.0, random_state=seed, n_jobs=2, verbose=-1)

    def fit(self, X: np.ndarray, y: np.ndarray, X_validation: np.ndarray,
            y_validation: np.ndarray) -> LightGBMBaseline:
        import lightgbm

        self.serving_position = float(X[:, POSITION_COLUMN].mean())
        # Validation rows keep their real positions here: early stopping judges the fit of clicks as logged.
        self.model.fit(X, y, eval_X=(X_validation,), eval_y=(y_validation,), eval_metric="binary_logloss",
                       callbacks=[lightgbm.early_stopping(50, verbose=False)])
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        X = X.copy()
        X[:, POSITION_COLUMN] = self.serving_position
        return self.model.predict_proba(X)[:, 1]


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


@dataclass
class FeatureSet:
    """The split's rows as feature matrices: training rows out-of-fold, the others from the training context."""

    context: FeatureContext
    X_train: np.ndarray
    X_validation: np.ndarray
    X_test: np.ndarray

    @classmethod
    def build(cls, split: Split, products: dict[str, Product], parse_query: QueryParser) -> FeatureSet:
        if not split.train or not split.test:
            raise ValueError("need training and test rows")
        if len({r.clicked for r in split.train}) < 2:
            raise ValueError("the training rows need both clicks and non-clicks")
        context = fit_context(split.train, products, parse_query)
        return cls(context, featurize_training(split.train, context), featurize(split.validation, context),
                   featurize(split.test, context))


def baseline_predictions(split: Split, features: FeatureSet) -> dict[str, np.ndarray]:
    """Test-period click probabilities of each baseline, all trained on the same training period."""
    y_train = np.array([r.clicked for r in split.train])
    predictions = {
        "popularity": PopularityBaseline().fit(split.train).predict(split.test),
        "logreg": LogisticBaseline().fit(features.X_train, y_train).predict(features.X_test),
    }
    if split.validation and len({r.clicked for r in split.validation}) == 2:
        y_validation = np.array([r.clicked for r in split.validation])
        predictions["lightgbm"] = LightGBMBaseline().fit(
            features.X_train, y_train, features.X_validation, y_validation).predict(features.X_test)
    return predictions


def score_predictions(rows: list[Impression], predictions: dict[str, np.ndarray]) -> dict[str, ModelMetrics]:
    """Each model's AUC, logloss and NDCG@10 over `rows` (the test period)."""
    labels = [r.clicked for r in rows]
    query_ids, grades = [r.query_id for r in rows], [r.grade for r in rows]
    return {name: ModelMetrics(auc=auc(labels, p), logloss=logloss(labels, p),
                               ndcg_at_10=ndcg_at_k(query_ids, grades, p, k=10))
            for name, p in predictions.items()}


def evaluate_baselines(split: Split, products: dict[str, Product], parse_query: QueryParser) -> EvaluationReport:
    """The baselines (popularity, logreg, lightgbm) measured on the test period (impression rows = test_events)."""
    features = FeatureSet.build(split, products, parse_query)
    return EvaluationReport(models=score_predictions(split.test, baseline_predictions(split, features)),
                            test_events=len(split.test), rows=split_sizes(split))


def split_sizes(split: Split) -> SplitSizes:
    return SplitSizes(train=len(split.train), validation=len(split.validation), test=len(split.test))
