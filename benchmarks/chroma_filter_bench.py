"""Why filtered dense search does not use Chroma's metadata filter: its cost at 100k products.

    .venv/bin/python benchmarks/chroma_filter_bench.py [--home benchmarks/out/home-100000]

Runs against a catalog built by retrieval_bench.py; times Chroma `query(where=...)` for filters of
different breadth beside the unfiltered query and the exact in-process scan the search uses instead.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from retrieval.catalog import CatalogHome  # noqa: E402
from retrieval.models import SearchFilters  # noqa: E402
from retrieval.vector_store import chroma_client, exact_top_k  # noqa: E402

WHERE = {
    "no filter": (None, SearchFilters()),
    "price <= 80": ({"price": {"$lte": 80.0}}, SearchFilters(max_price=80)),
    "category = shoes": ({"categories": {"$contains": "shoes"}}, SearchFilters(category="shoes")),
    "brand not X": ({"brand": {"$nin": ["stridewell"]}}, SearchFilters(exclude_brand=["stridewell"])),
    "in stock": ({"in_stock": {"$eq": True}}, SearchFilters(in_stock=True)),
}


def p50_p95(fn, runs: int = 30) -> str:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return f"p50 {samples[len(samples) // 2]:6.1f} ms  p95 {samples[int(len(samples) * 0.95)]:6.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--home", type=Path, default=Path(__file__).parent / "out" / "home-100000")
    args = parser.parse_args()
    home = CatalogHome(args.home / "catalog", chroma_client(args.home / "chroma"))
    version = home.open_active()
    lexical, facets, matrix = version.load_search_state()
    rng = np.random.default_rng(0)
    vector = rng.standard_normal(matrix.shape[1]).astype(np.float32)
    vector /= np.linalg.norm(vector)
    print(f"{len(lexical.ids):,} products")
    for name, (where, filters) in WHERE.items():
        chroma = p50_p95(lambda: version.vectors.query(vector, 50, where))
        exact = p50_p95(lambda: exact_top_k(matrix, vector, facets.mask(filters), 50))
        print(f"{name:<18} chroma where: {chroma}   exact scan: {exact}")


if __name__ == "__main__":
    main()
