"""Ingestion throughput with and without catalog enrichment (retrieval/enrichment), in the same process.

    .venv/bin/python benchmarks/enrichment_bench.py --products 5000 --runs 3
    .venv/bin/python benchmarks/enrichment_bench.py --brand-pass 100000    # enrichment's own cost at 100k

Catalogs: the synthetic demo (brands and attributes given: little to derive), the same demo with every brand,
colour and material removed (the worst case for enrichment: the brand pass rewrites most products), and the
real slices in tests/data/catalogs. Each catalog gets a warm-up ingest (200 products), then `--runs` ingests with
and without enrichment, alternating, each a full `ingest_products(..., replace=True)` (parse, enrich, embed, write Chroma
and SQLite, rebuild BM25); the median of each is reported, with their ratio, in wall-clock time and in this process's CPU time (all
threads: the fairer figure on a machine that other jobs share). The enrichment work alone
(attributes for every product, learning the brands, matching the titles; no I/O) is timed separately.
Output: JSON in benchmarks/out/enrichment.json and a Markdown table.
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

from assistant.config import Settings  # noqa: E402
from assistant.services import Services  # noqa: E402
from retrieval.demo.catalog_generator import generate_catalog  # noqa: E402
from retrieval.enrichment import enrich  # noqa: E402
from retrieval.enrichment.stats import catalog_stats  # noqa: E402
from retrieval.ingest import pipeline  # noqa: E402
from retrieval.ingest.pipeline import ingest_products, read_feed  # noqa: E402
from retrieval.models import Product  # noqa: E402

OUT = Path(__file__).parent / "out"
CATALOGS = Path(__file__).resolve().parents[1] / "tests" / "data" / "catalogs"
REAL = ("shopify_packt_home.csv", "bestbuy_marketplace.csv", "google_retail_products.jsonl")


def demo(n: int, stripped: bool) -> list[Product]:
    products = generate_catalog(n=n, seed=7)
    if stripped:  # what a marketplace feed often looks like: no brand column, attributes only in the text
        for p in products:
            p.brand = None
            for name in ("color", "material", "size"):
                p.attributes.pop(name, None)
            p.variants = []
    return products


def copies(products: list[Product]) -> list[tuple[int, Product]]:
    """Fresh rows for one ingest (enrichment changes products in place)."""
    return [(i + 1, p.model_copy(deep=True)) for i, p in enumerate(products)]


def timed_ingest(home, embedder, rows, enrich_on: bool) -> tuple[float, float, float, object]:
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
        report = ingest_products(home, embedder, rows, replace=True, enrich=enrich_on)
        return time.perf_counter() - started, time.process_time() - cpu, brand_pass[0], report
    finally:
        pipeline._derive_brands = original


def bench_catalog(name: str, products: list[Product], home, embedder, runs: int) -> dict:
    n = len(products)
    timed_ingest(home, embedder, copies(products[:200]), True)  # warm-up: model, Chroma, caches
    seconds: dict[bool, list[float]] = {True: [], False: []}
    cpu_seconds: dict[bool, list[float]] = {True: [], False: []}
    brand_pass: list[float] = []
    report = None
    for run in range(runs):
        for enrich_on in ((False, True) if run % 2 == 0 else (True, False)):
            rows = copies(products)
            elapsed, cpu, brand_s, result = timed_ingest(home, embedder, rows, enrich_on)
            seconds[enrich_on].append(elapsed)
            cpu_seconds[enrich_on].append(cpu)
            if enrich_on:
                brand_pass.append(brand_s)
                report = result
    enrich_only = []
    for _ in range(runs):
        batch = [p.model_copy(deep=True) for p in products]
        started = time.perf_counter()
        enrich(batch)
        enrich_only.append(time.perf_counter() - started)
    # coverage of the enriched catalog: the same derivation and brand learning as the ingest's, over the same titles
    stats = catalog_stats(batch)

    without, with_ = statistics.median(seconds[False]), statistics.median(seconds[True])
    cpu_without, cpu_with = statistics.median(cpu_seconds[False]), statistics.median(cpu_seconds[True])
    return {
        "catalog": name, "products": n, "runs": runs,
        "without_s": round(without, 2), "with_s": round(with_, 2),
        "without_per_s": round(n / without, 1), "with_per_s": round(n / with_, 1),
        "ratio": round((n / with_) / (n / without), 3),
        "all_without_s": [round(x, 2) for x in seconds[False]], "all_with_s": [round(x, 2) for x in seconds[True]],
        "cpu_without_s": round(cpu_without, 2), "cpu_with_s": round(cpu_with, 2),
        "cpu_ratio": round(cpu_without / cpu_with, 3),
        "brand_pass_s": round(statistics.median(brand_pass), 3),
        "enrich_only_per_s": round(n / statistics.median(enrich_only), 1),
        "derived": report.enrichment.derived if report and report.enrichment else {},
        "coverage": {f: {"feed": c.feed_share, "derived": c.derived_share} for f, c in stats.fields.items()},
    }


def bench_brand_pass(n: int, home) -> dict:
    """The brand pass alone at scale: `n` demo products with brands, colours, materials and sizes removed, written
    with random vectors (no embedding: this times what enrichment adds, not the model), then the pass that
    learns the brands from every stored title and rewrites the brandless products. Also the attribute step
    alone over the same products, and the learner's memory."""
    import hashlib
    import tracemalloc

    import numpy as np

    from retrieval.documents import product_document
    from retrieval.enrichment import BrandLearner, EnrichmentReport, derive
    from retrieval.filters import Facets

    products = demo(n, stripped=True)
    started = time.perf_counter()
    for p in products:
        derive(p)
    attributes_s = time.perf_counter() - started
    version = home.create()
    rng = np.random.default_rng(7)
    for start in range(0, n, 5000):
        chunk = products[start:start + 5000]
        vectors = rng.standard_normal((len(chunk), 384)).astype(np.float32)
        version.vectors.upsert([p.id for p in chunk], vectors, [Facets.of(p).chroma_metadata() for p in chunk])
        version.products.upsert((p, hashlib.sha1(product_document(p).encode()).hexdigest()) for p in chunk)
    tracemalloc.start()
    learner = BrandLearner()
    for p in products:
        learner.observe(p.title, None, p.category)
    learner.learn()
    _, learner_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    report = EnrichmentReport()
    started = time.perf_counter()
    class NoModel:  # a brand spelt unlike its title would need its document embedded again: counted, not run
        stale = 0

        def encode(self, documents):
            NoModel.stale += len(documents)
            return np.zeros((len(documents), 384), dtype=np.float32)

    pipeline._derive_brands(version, NoModel(), report)
    brand_s = time.perf_counter() - started
    version.close()
    home.discard(version.name)
    return {"products": n, "attributes_s": round(attributes_s, 2), "attributes_per_s": round(n / attributes_s),
            "brand_pass_s": round(brand_s, 2), "brand_pass_per_s": round(n / brand_s),
            "brands_derived": report.derived.get("brand", 0), "brands_learned": report.brands_learned,
            "documents_changed_by_a_brand": NoModel.stale,
            "learner_peak_mb": round(learner_peak / 1e6, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--products", type=int, default=5000, help="demo catalog size")
    parser.add_argument("--runs", type=int, default=3, help="timed ingests per catalog and setting")
    parser.add_argument("--skip-demo", action="store_true")
    parser.add_argument("--brand-pass", type=int, default=0, metavar="N",
                        help="only time the enrichment steps (no embedding) on N stripped demo products")
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    settings = Settings(home=OUT / ("enrichment-brand-pass-home" if args.brand_pass else "enrichment-home"))
    shutil.rmtree(settings.home, ignore_errors=True)
    services = Services(settings)
    home = services.catalog_home
    if args.brand_pass:
        result = bench_brand_pass(args.brand_pass, home)
        (OUT / f"enrichment-brand-pass-{args.brand_pass}.json").write_text(json.dumps(result, indent=2))
        print(json.dumps(result))
        return
    embedder = services.embedder

    catalogs: list[tuple[str, list[Product]]] = []
    if not args.skip_demo:
        catalogs += [(f"demo ({args.products:,})", demo(args.products, stripped=False)),
                     (f"demo, brands/colour/material/size removed ({args.products:,})",
                      demo(args.products, stripped=True))]
    for file in REAL:
        catalogs.append((file, [row[1] for row in read_feed(CATALOGS / file) if isinstance(row, tuple)]))

    results = {"machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
               "load_average": os.getloadavg(), "catalogs": []}
    for name, products in catalogs:
        result = bench_catalog(name, products, home, embedder, args.runs)
        results["catalogs"].append(result)
        print(json.dumps(result), flush=True)
    results["load_average_after"] = os.getloadavg()
    (OUT / "enrichment.json").write_text(json.dumps(results, indent=2))

    print()
    print("| catalog | products | without: products/s | with: products/s | ratio (wall) | CPU s without / with | "
          "ratio (CPU) | brand pass s | enrichment alone: products/s |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results["catalogs"]:
        print(f"| {r['catalog']} | {r['products']:,} | {r['without_per_s']} | {r['with_per_s']} | {r['ratio']} | "
              f"{r['cpu_without_s']} / {r['cpu_with_s']} | {r['cpu_ratio']} | {r['brand_pass_s']} | "
              f"{r['enrich_only_per_s']:,} |")
    fields = list(results["catalogs"][0]["coverage"])
    print()
    print("| catalog | " + " | ".join(fields) + " |")
    print("|---|" + "---:|" * len(fields))
    for r in results["catalogs"]:
        cells = [f"{c['feed']:.0%} + {c['derived']:.0%}" if c["derived"] else f"{c['feed']:.0%}"
                 for c in r["coverage"].values()]
        print(f"| {r['catalog']} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
