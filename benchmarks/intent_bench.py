"""Deterministic intent parsing on real requests nobody here wrote: latency p50/p99, throughput, errors.

    .venv/bin/python benchmarks/intent_bench.py [--data ../shared/data]

Parses every WebShop human goal (12,087) and every ESCI query with the demo catalog's vocabulary
(and without a catalog, as the baseline), after a warm-up. Also reports how well the `query` rewrite
covers the search queries people typed for each WebShop goal (token recall).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.intent.extractor import CatalogVocabulary, extract_intent  # noqa: E402
from retrieval.demo.catalog_generator import generate_catalog  # noqa: E402

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def time_parses(texts: list[str], vocabulary) -> dict:
    for text in texts[:500]:
        extract_intent(text, vocabulary)
    samples, errors = [], 0
    started = time.perf_counter()
    for text in texts:
        t0 = time.perf_counter()
        try:
            extract_intent(text, vocabulary)
        except Exception:  # noqa: BLE001 - counted: the contract is that no string raises
            errors += 1
        samples.append((time.perf_counter() - t0) * 1000)
    total = time.perf_counter() - started
    return {"requests": len(texts), "errors": errors, "p50_ms": round(statistics.median(samples), 3),
            "p99_ms": round(percentile(samples, 99), 3), "max_ms": round(max(samples), 3),
            "per_s": round(len(texts) / total)}


def query_token_recall(goal_queries: dict[str, list[str]], vocabulary) -> float:
    """Share of the words people typed as search queries that our `query` rewrite also contains."""
    words = re.compile(r"[a-z0-9]+")
    hit = total = 0
    for goal, queries in goal_queries.items():
        ours = set(words.findall(extract_intent(goal, vocabulary).query.lower()))
        for typed in queries:
            tokens = set(words.findall(typed.lower()))
            hit += len(tokens & ours)
            total += len(tokens)
    return round(hit / total, 4) if total else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    goals = json.loads((args.data / "webshop_human_goals.json").read_text())
    esci = [q["queryText"] for q in json.loads((args.data / "esci_us_queryset.json").read_text())["querySetQueries"]]
    goal_queries = json.loads((args.data / "webshop_goal_query_map.json").read_text())
    started = time.perf_counter()
    vocabulary = CatalogVocabulary.from_products(generate_catalog(2000))
    build_ms = (time.perf_counter() - started) * 1000
    results = {
        "vocabulary_build_ms (2k products, incl. generation)": round(build_ms),
        "webshop_goals, demo vocabulary": time_parses(goals, vocabulary),
        "webshop_goals, no catalog": time_parses(goals, None),
        "esci_queries, demo vocabulary": time_parses(esci, vocabulary),
        "query_token_recall vs typed WebShop queries": query_token_recall(goal_queries, vocabulary),
    }
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
