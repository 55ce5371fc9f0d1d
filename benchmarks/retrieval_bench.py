"""Ingestion throughput and search latency (dense, BM25, hybrid, hybrid+filters) on the synthetic catalog.

    .venv/bin/python benchmarks/retrieval_bench.py --products 2000 100000

Each size gets a fresh data home under benchmarks/out/. Latencies are end to end through
`Retriever.search` (query encoding included), after a warm-up, over many queries; the baseline
(BM25 alone, dense alone, and the query encoding alone) runs in the same process so ratios are fair.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.services import Services  # noqa: E402
from assistant.config import Settings  # noqa: E402
from retrieval.demo.catalog_generator import generate_catalog, generate_queries  # noqa: E402
from retrieval.ingest.pipeline import ingest_products  # noqa: E402
from retrieval.models import SearchRequest  # noqa: E402
from retrieval.search import Retriever  # noqa: E402

OUT = Path(__file__).parent / "out"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def time_calls(fn, inputs: list, warmup: int = 20) -> dict:
    for item in inputs[:warmup]:
        fn(item)
    samples = []
    for item in inputs:
        started = time.perf_counter()
        fn(item)
        samples.append((time.perf_counter() - started) * 1000)
    return {"p50_ms": round(statistics.median(samples), 2), "p95_ms": round(percentile(samples, 95), 2),
            "mean_ms": round(statistics.fmean(samples), 2), "runs": len(samples)}


def bench_size(n: int, runs: int, reuse: bool) -> dict:
    home = OUT / f"home-{n}"
    settings = Settings(home=home)
    started = time.perf_counter()
    products = generate_catalog(n=n, seed=7)
    generated_s = time.perf_counter() - started

    ingest_s = ingested = None
    rebuild = not (reuse and (settings.catalog_dir / "ACTIVE").exists())
    if rebuild:  # before any Chroma client opens the directory
        shutil.rmtree(home, ignore_errors=True)
    services = Services(settings)
    catalog, embedder = services.catalog_home, services.embedder
    if rebuild:
        started = time.perf_counter()
        report = ingest_products(catalog, embedder, ((i + 1, p) for i, p in enumerate(products)), replace=True)
        ingest_s, ingested = time.perf_counter() - started, report.ingested

    retriever = Retriever(catalog, embedder, settings.candidates, settings.rrf_k)
    labelled = [q.query for q in generate_queries(products[:2000], seed=7)]
    queries = (labelled * (runs // len(labelled) + 1))[:runs]
    # Filters a shopper would set: a price ceiling and a department, plus an excluded brand.
    departments = sorted({p.category[0] for p in products})
    brands = sorted({p.brand for p in products if p.brand})

    def filtered(i_query):
        i, query = i_query
        return SearchRequest(query=query, k=10, max_price=[30, 80, 150, 400][i % 4],
                             category=departments[i % len(departments)], exclude_brand=[brands[i % len(brands)]])

    result = {
        "products": n, "generate_s": round(generated_s, 1),
        "ingest_s": ingest_s and round(ingest_s, 1),
        "ingest_products_per_s": ingest_s and round(ingested / ingest_s, 1),
        "latency": {
            "query_encoding": time_calls(embedder.encode_query, queries),
            "bm25": time_calls(lambda q: retriever.search(SearchRequest(query=q, mode="bm25")), queries),
            "dense": time_calls(lambda q: retriever.search(SearchRequest(query=q, mode="dense")), queries),
            "hybrid": time_calls(lambda q: retriever.search(SearchRequest(query=q)), queries),
            "hybrid+filters": time_calls(lambda iq: retriever.search(filtered(iq)), list(enumerate(queries))),
        },
    }
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--products", type=int, nargs="+", default=[2000])
    parser.add_argument("--runs", type=int, default=300, help="timed searches per retriever")
    parser.add_argument("--reuse", action="store_true", help="time searches on an index built by an earlier run")
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    results = {"machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
               "sizes": [bench_size(n, args.runs, args.reuse) for n in args.products]}
    (OUT / "retrieval.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))
    print()
    print("| products | retriever | p50 ms | p95 ms | p95 / BM25 p95 |")
    print("|---:|---|---:|---:|---:|")
    for size in results["sizes"]:
        base = size["latency"]["bm25"]["p95_ms"]
        for name, lat in size["latency"].items():
            print(f"| {size['products']:,} | {name} | {lat['p50_ms']} | {lat['p95_ms']} | "
                  f"{lat['p95_ms'] / base:.1f}x |")
    for size in (s for s in results["sizes"] if s["ingest_s"]):
        print(f"\ningest {size['products']:,} products: {size['ingest_s']} s = "
              f"{size['ingest_products_per_s']} products/s (embeddings included)")


if __name__ == "__main__":
    main()
