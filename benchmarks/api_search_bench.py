"""What the HTTP layer adds to a search: `POST /v1/search` (validation, query_id, the logged query event
with its fsync, JSON) against `Retriever.search` alone, same process, same queries.

    SHOPASSIST_HOME=<demo home> .venv/bin/python benchmarks/api_search_bench.py [--runs 300]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fastapi.testclient import TestClient  # noqa: E402

from assistant.services import Services  # noqa: E402
from assistant.api import create_app  # noqa: E402
from assistant.config import get_settings  # noqa: E402
from assistant.demo_store import demo_queries_path  # noqa: E402
from retrieval.evaluation import load_qrels  # noqa: E402
from retrieval.models import SearchRequest  # noqa: E402


def timed(fn, items) -> str:
    for item in items[:20]:
        fn(item)
    samples = []
    for item in items:
        started = time.perf_counter()
        fn(item)
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return f"p50 {statistics.median(samples):6.2f} ms   p95 {samples[int(len(samples) * 0.95)]:6.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args()
    # One client sending hundreds of searches is what rate limiting stops: measured without it.
    settings = get_settings().model_copy(update={"rate_limiting": False})
    retriever = Services(settings).retriever
    queries = [q.query for q in load_qrels(demo_queries_path(settings))]
    queries = (queries * (args.runs // len(queries) + 1))[:args.runs]
    with TestClient(create_app(settings, retriever=retriever)) as client:
        print("Retriever.search   ", timed(lambda q: retriever.search(SearchRequest(query=q)), queries))
        print("POST /v1/search    ", timed(lambda q: client.post("/v1/search", json={"query": q}).json(), queries))


if __name__ == "__main__":
    main()
