"""Ingestion throughput and search latency (dense, BM25, hybrid, hybrid+filters) on the synthetic catalog.

    .venv/bin/python benchmarks/retrieval_bench.py --products 2000 100000
    .venv/bin/python benchmarks/retrieval_bench.py --products 100000 --feed marketplace-csv --no-enrich

Ingestion runs with catalog enrichment on (`ingest_products`' default: attributes derived from each product's
text, then the brand pass over brandless products), as `shopassist ingest` does. `--no-enrich` also ingests
each catalog without enrichment, in the same process and into its own home, before the enriched ingest, so the
two throughputs sit side by side (searches are timed on the enriched catalog only).

Feeds (`--feed`, one or more): `demo`, the generated products handed to `ingest_products` directly (the
feed gives every brand, so the brand pass does not run); `marketplace-csv`, the same synthetic products with
no brand column and no attribute columns, written as a marketplace CSV shaped like
tests/data/catalogs/bestbuy_marketplace.csv (Uniq Id, Product Name, "Category | Sub | Leaf", "$12.99" prices,
About Product) and read back through `read_feed`, so CSV parsing, the attributes derived from the text and the
brand pass are all in the timing.

`--stand-in-vectors` (for search latency at scale on a box too busy to embed 100k products): documents get
seeded random unit vectors instead of the model's (queries are still encoded by the model, so query
encoding stays in every search); everything else in the ingest is real (feed parsing, enrichment, the brand
pass, Chroma, SQLite, BM25, the vector snapshot). The ingest rates of such a run are not model throughput and
are reported as such. Search cost does not depend on the vectors' values (the filtered path is an exact scan),
but HNSW over random vectors is not HNSW over clustered ones: the unfiltered dense figure is indicative.

Each size gets a fresh data home under benchmarks/out/. Latencies are end to end through
`Retriever.search` (query encoding included), after a warm-up, over many queries; the baseline
(BM25 alone, dense alone, and the query encoding alone) runs in the same process so ratios are fair.
"""

from __future__ import annotations

import argparse
import csv
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
from retrieval.ingest import pipeline  # noqa: E402
from retrieval.ingest.pipeline import ingest_products, read_feed  # noqa: E402
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


def write_marketplace_csv(products, path: Path) -> None:
    """The products as a brand-less marketplace feed: title, category path, "$" price, description."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Uniq Id", "Product Name", "Category", "Selling Price", "About Product", "Product Url", "Image"])
        for p in products:
            writer.writerow([p.id, p.title, " | ".join(p.category), f"${p.price:.2f}", p.description or "",
                             p.url or "", p.image_url or ""])


class StandInVectors:
    """The model for queries; seeded random unit vectors for documents (see --stand-in-vectors)."""

    def __init__(self, embedder):
        import numpy as np

        self.model, self.np = embedder, np
        self.dimension, self.model_dir = embedder.dimension, embedder.model_dir
        self.rng = np.random.default_rng(7)

    def encode(self, texts):
        vectors = self.rng.standard_normal((len(texts), self.dimension)).astype(self.np.float32)
        return vectors / self.np.linalg.norm(vectors, axis=1, keepdims=True)

    def encode_query(self, text):
        return self.model.encode_query(text)


def timed_ingest(home, embedder, rows, enrich: bool) -> dict:
    """One full `ingest_products(..., replace=True)`: wall and process CPU time, the brand pass's share."""
    brand_pass = [0.0]
    original = pipeline._derive_brands

    def measured(*args, **kwargs):
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            brand_pass[0] += time.perf_counter() - started

    pipeline._derive_brands = measured
    try:
        started, cpu = time.perf_counter(), time.process_time()
        report = ingest_products(home, embedder, rows, replace=True, enrich=enrich)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    finally:
        pipeline._derive_brands = original
    done = report.ingested + report.updated
    result = {"enrich": enrich, "ingested": done, "skipped": report.skipped, "ingest_s": round(wall, 1),
              "cpu_s": round(cpu, 1), "ingest_products_per_s": round(done / wall, 1),
              "brand_pass_s": round(brand_pass[0], 1), "load_after": os.getloadavg()}
    if report.enrichment is not None:
        derived = report.enrichment.model_dump()
        result["enrichment"] = {k: v for k, v in derived.items() if isinstance(v, (int, float, dict))}
    return result


def bench_size(n: int, runs: int, reuse: bool, feed: str = "demo", baseline: bool = False,
               stand_in: bool = False) -> dict:
    suffix = ("" if feed == "demo" else f"-{feed}") + ("-stand-in" if stand_in else "")
    home = OUT / f"home-{n}{suffix}"
    settings = Settings(home=home)
    started = time.perf_counter()
    products = generate_catalog(n=n, seed=7)
    feed_path = OUT / f"marketplace-{n}.csv"
    if feed == "marketplace-csv":
        write_marketplace_csv(products, feed_path)
    generated_s = time.perf_counter() - started

    def rows():
        if feed == "marketplace-csv":
            return read_feed(feed_path)
        return ((i + 1, p.model_copy(deep=True)) for i, p in enumerate(products))  # enrichment edits in place

    ingests = []
    rebuild = not (reuse and (settings.catalog_dir / "ACTIVE").exists())
    if rebuild:  # before any Chroma client opens the directory
        shutil.rmtree(home, ignore_errors=True)
    services = Services(settings)
    catalog, embedder = services.catalog_home, services.embedder
    if stand_in:
        embedder = StandInVectors(embedder)
    if rebuild and baseline:
        plain = Services(Settings(home=OUT / f"home-{n}{suffix}-no-enrich"))
        shutil.rmtree(plain.settings.home, ignore_errors=True)
        ingests.append(timed_ingest(plain.catalog_home, embedder, rows(), enrich=False))
        del plain
        shutil.rmtree(OUT / f"home-{n}{suffix}-no-enrich", ignore_errors=True)
    if rebuild:
        ingests.append(timed_ingest(catalog, embedder, rows(), enrich=True))

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

    enriched = next((i for i in ingests if i["enrich"]), None)
    result = {
        "products": n, "feed": feed, "document_vectors": "stand-in (random)" if stand_in else "model",
        "generate_s": round(generated_s, 1),
        "ingest_s": enriched and enriched["ingest_s"],
        "ingest_products_per_s": enriched and enriched["ingest_products_per_s"],
        "ingests": ingests,
        "latency": {
            "query_encoding": time_calls(embedder.encode_query, queries),
            "bm25": time_calls(lambda q: retriever.search(SearchRequest(query=q, mode="bm25")), queries),
            "dense": time_calls(lambda q: retriever.search(SearchRequest(query=q, mode="dense")), queries),
            "hybrid": time_calls(lambda q: retriever.search(SearchRequest(query=q)), queries),
            "hybrid+filters": time_calls(lambda iq: retriever.search(filtered(iq)), list(enumerate(queries))),
        },
        "load_after_search": os.getloadavg(),
    }
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--products", type=int, nargs="+", default=[2000])
    parser.add_argument("--runs", type=int, default=300, help="timed searches per retriever")
    parser.add_argument("--reuse", action="store_true", help="time searches on an index built by an earlier run")
    parser.add_argument("--feed", nargs="+", choices=["demo", "marketplace-csv"], default=["demo"])
    parser.add_argument("--no-enrich", action="store_true",
                        help="also ingest without enrichment first (baseline, same process), side by side")
    parser.add_argument("--stand-in-vectors", action="store_true",
                        help="random document vectors (queries still encoded by the model): search latency at scale")
    parser.add_argument("--json", default="retrieval.json", help="output file name under benchmarks/out/")
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    results = {"machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
               "load_before": os.getloadavg(), "sizes": []}
    for n in args.products:
        for feed in args.feed:
            results["sizes"].append(bench_size(n, args.runs, args.reuse, feed, args.no_enrich,
                                                  args.stand_in_vectors))
            (OUT / args.json).write_text(json.dumps(results, indent=2))  # partial results survive a kill
    results["load_after"] = os.getloadavg()
    (OUT / args.json).write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))
    print()
    print("| products | feed | retriever | p50 ms | p95 ms | p95 / BM25 p95 |")
    print("|---:|---|---|---:|---:|---:|")
    for size in results["sizes"]:
        base = size["latency"]["bm25"]["p95_ms"]
        for name, lat in size["latency"].items():
            print(f"| {size['products']:,} | {size['feed']} | {name} | {lat['p50_ms']} | {lat['p95_ms']} | "
                  f"{lat['p95_ms'] / base:.1f}x |")
    print()
    for size in results["sizes"]:
        for run in size["ingests"]:
            print(f"ingest {size['products']:,} products ({size['feed']}, {size['document_vectors']} vectors, "
                  f"enrichment {'on' if run['enrich'] else 'off'}): "
                  f"{run['ingest_s']} s = {run['ingest_products_per_s']} products/s, CPU {run['cpu_s']} s, "
                  f"brand pass {run['brand_pass_s']} s"
                  + (" (embeddings included)" if size["document_vectors"] == "model" else " (no model embedding)"))


if __name__ == "__main__":
    main()
