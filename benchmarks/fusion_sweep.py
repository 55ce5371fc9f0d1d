"""Why reciprocal rank fusion: NDCG@10 of RRF (several k) against weighted score fusion on the demo queries.

    SHOPASSIST_HOME=.shopassist .venv/bin/python benchmarks/fusion_sweep.py

Runs dense and BM25 once per query (top 50 each), then fuses the same lists every way, so the
comparison is exact. Weighted fusion min-max normalises each list's scores and mixes them with
weight alpha on the dense side.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.services import Services  # noqa: E402
from assistant.config import get_settings  # noqa: E402
from assistant.demo_store import demo_queries_path  # noqa: E402
from retrieval.evaluation import load_qrels, ndcg_at_k  # noqa: E402
from retrieval.models import SearchRequest  # noqa: E402
from retrieval.search import reciprocal_rank_fusion  # noqa: E402


def weighted(dense: dict[str, float], lexical: dict[str, float], alpha: float) -> dict[str, float]:
    def normalise(scores: dict[str, float]) -> dict[str, float]:
        if not scores:
            return {}
        lo, hi = min(scores.values()), max(scores.values())
        return {k: (v - lo) / (hi - lo) if hi > lo else 1.0 for k, v in scores.items()}

    d, b = normalise(dense), normalise(lexical)
    return {k: alpha * d.get(k, 0.0) + (1 - alpha) * b.get(k, 0.0) for k in set(d) | set(b)}


def main() -> None:
    settings = get_settings()
    retriever = Services(settings).retriever
    queries = load_qrels(demo_queries_path(settings))
    runs = []
    for q in queries:
        dense = retriever.search(SearchRequest(query=q.query, k=50, mode="dense")).results
        lexical = retriever.search(SearchRequest(query=q.query, k=50, mode="bm25")).results
        runs.append((q, dense, lexical))

    def score(fuse) -> float:
        total = 0.0
        for q, dense, lexical in runs:
            fused = fuse(dense, lexical)
            ranked = sorted(fused, key=lambda pid: (-fused[pid], pid))
            total += ndcg_at_k(ranked, q.judgments, 10)
        return total / len(runs)

    rows = [("dense only", score(lambda d, b: {h.id: h.score for h in d})),
            ("bm25 only", score(lambda d, b: {h.id: h.score for h in b}))]
    for k in (5, 20, 60, 200):
        rows.append((f"RRF k={k}", score(lambda d, b, k=k: reciprocal_rank_fusion(
            [[h.id for h in d], [h.id for h in b]], k))))
    for alpha in (0.3, 0.5, 0.7, 0.9):
        rows.append((f"weighted alpha={alpha}", score(lambda d, b, a=alpha: weighted(
            {h.id: h.score for h in d}, {h.id: h.score for h in b}, a))))
    print(f"{len(runs)} queries\n\n| fusion | NDCG@10 |\n|---|---:|")
    for name, value in rows:
        print(f"| {name} | {value:.4f} |")


if __name__ == "__main__":
    main()
