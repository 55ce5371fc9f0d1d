"""Retrieval quality: NDCG@10, Recall@50 and MRR for dense, BM25 and hybrid on a labelled query set."""

from __future__ import annotations

import json
import math
from pathlib import Path

from pydantic import BaseModel

from .models import SearchMode, SearchRequest
from .search import Retriever

MODES: tuple[SearchMode, ...] = ("dense", "bm25", "hybrid")


class JudgedQuery(BaseModel):
    """A query and graded judgments: product id -> grade; unlisted products are 0 (not relevant)."""

    id: str = ""
    query: str
    judgments: dict[str, int]


class RetrievalMetrics(BaseModel):
    ndcg_at_10: float
    recall_at_50: float
    mrr: float
    queries: int


def ndcg_at_k(ranked: list[str], judgments: dict[str, int], k: int = 10) -> float:
    """Exponential gain (2^grade - 1), log2 discount; ideal from all judged products."""
    dcg = sum((2 ** judgments.get(pid, 0) - 1) / math.log2(i + 2) for i, pid in enumerate(ranked[:k]))
    ideal = sorted(judgments.values(), reverse=True)[:k]
    idcg = sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg > 0 else 0.0


def recall_at_k(ranked: list[str], relevant: set[str], k: int = 50) -> float:
    return len(relevant.intersection(ranked[:k])) / len(relevant) if relevant else 0.0


def reciprocal_rank(ranked: list[str], relevant: set[str]) -> float:
    return next((1.0 / i for i, pid in enumerate(ranked, start=1) if pid in relevant), 0.0)


def load_qrels(path: Path) -> list[JudgedQuery]:
    """JSONL lines `{"query", "judgments": {id: grade}}`, or TSV lines `query<TAB>product_id<TAB>grade`."""
    text = path.read_text(encoding="utf-8")
    if text.lstrip().startswith("{"):
        return [JudgedQuery.model_validate_json(line) for line in text.splitlines() if line.strip()]
    grouped: dict[str, dict[str, int]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 3 or not parts[2].strip().lstrip("-").isdigit():
            raise ValueError(f"{path}:{number}: expected 'query<TAB>product_id<TAB>grade'")
        grouped.setdefault(parts[0], {})[parts[1]] = int(parts[2])
    return [JudgedQuery(id=str(i), query=q, judgments=j) for i, (q, j) in enumerate(grouped.items(), start=1)]


def evaluate(retriever: Retriever, queries: list[JudgedQuery], modes=MODES,
             min_relevant: int | None = None) -> dict[str, RetrievalMetrics]:
    """Recall and MRR count a product as relevant when its grade >= min_relevant
    (default: the highest grade in the set, so graded and binary qrels both work)."""
    if min_relevant is None:
        min_relevant = max((g for q in queries for g in q.judgments.values()), default=1)
    results: dict[str, RetrievalMetrics] = {}
    for mode in modes:
        ndcg = recall = mrr = 0.0
        for q in queries:
            hits = retriever.search(SearchRequest(query=q.query, k=50, mode=mode)).results
            ranked = [h.id for h in hits]
            relevant = {pid for pid, grade in q.judgments.items() if grade >= min_relevant}
            ndcg += ndcg_at_k(ranked, q.judgments, 10)
            recall += recall_at_k(ranked, relevant, 50)
            mrr += reciprocal_rank(ranked, relevant)
        n = max(len(queries), 1)
        results[mode] = RetrievalMetrics(ndcg_at_10=round(ndcg / n, 4), recall_at_50=round(recall / n, 4),
                                         mrr=round(mrr / n, 4), queries=len(queries))
    return results


def format_table(results: dict[str, RetrievalMetrics]) -> str:
    lines = [f"{'retriever':<10} {'NDCG@10':>8} {'Recall@50':>10} {'MRR':>7}"]
    for mode, m in results.items():
        lines.append(f"{mode:<10} {m.ndcg_at_10:>8.4f} {m.recall_at_50:>10.4f} {m.mrr:>7.4f}")
    return "\n".join(lines)


def dump(results: dict[str, RetrievalMetrics]) -> str:
    return json.dumps({mode: m.model_dump() for mode, m in results.items()})
