"""Offline metrics for the CTR ranker.

- `auc`: the probability that a random clicked impression scores above a random unclicked one (ties count
  half), over all impressions pooled; NaN when only one class is present.
- `logloss`: mean binary cross-entropy of predicted click probabilities (clipped away from 0 and 1).
- `ndcg_at_k`: per search (grouped by query_id), the list re-ordered by score and judged by GRADED relevance
  (dataset.Impression.grade: 0 nothing, 1 click, 2 add to cart, 3 purchase; gain 2**grade - 1, discount
  log2(rank + 1)), then averaged over searches. Binary-click NDCG is the same call with grades = clicked.
  Searches with no positive grade are skipped (every order is equally good there). Equal scores keep the
  rows' given order, which for dataset rows is the order they were shown in.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np
from scipy.stats import rankdata

EPSILON = 1e-15


def auc(labels: Sequence[int], scores: Sequence[float]) -> float:
    labels, scores = np.asarray(labels, dtype=bool), np.asarray(scores, dtype=np.float64)
    positives, negatives = int(labels.sum()), int((~labels).sum())
    if positives == 0 or negatives == 0:
        return float("nan")
    ranks = rankdata(scores)  # average ranks: tied pairs count half (Mann-Whitney U)
    return float((ranks[labels].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def logloss(labels: Sequence[int], probabilities: Sequence[float]) -> float:
    y = np.asarray(labels, dtype=np.float64)
    p = np.clip(np.asarray(probabilities, dtype=np.float64), EPSILON, 1 - EPSILON)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def ndcg_at_k(query_ids: Sequence[str], grades: Sequence[int], scores: Sequence[float], k: int = 10) -> float:
    groups: dict[str, list[int]] = defaultdict(list)
    for index, query_id in enumerate(query_ids):
        groups[query_id].append(index)
    grades, scores = np.asarray(grades, dtype=np.float64), np.asarray(scores, dtype=np.float64)
    discounts = 1 / np.log2(np.arange(2, k + 2))
    values = []
    for indices in groups.values():
        group_grades = grades[indices]
        ideal = np.sort(group_grades)[::-1][:k]
        if ideal[0] <= 0:
            continue
        order = np.argsort(-scores[indices], kind="stable")[:k]
        gains = 2 ** group_grades[order] - 1
        values.append(float(gains @ discounts[:len(order)] / ((2 ** ideal - 1) @ discounts[:len(ideal)])))
    return float(np.mean(values)) if values else float("nan")
