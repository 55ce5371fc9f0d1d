"""The CTR ranker end to end on a SYNTHETIC log over the demo store: training time, the comparison table,
reranking latency, and what exploration costs and buys, measured with the simulator in the loop.

    .venv/bin/python benchmarks/ranker_bench.py [--sessions 6000] [--users 300] [--text-steps N]

Steps (each printed):
1. a fresh data home under benchmarks/out/ranker/ with the 2,000-product demo store;
2. `simulate` --sessions over 30 days (the bootstrap log, retrieval order), counted in events;
3. train-ranker on it: wall time, seconds per 100k events, and the test-period table (ranker, LightGBM,
   logistic regression, popularity), plus the same head with the text tower left at the packaged weights;
4. rerank latency: RankedSearch (retrieval + 50-candidate rerank) against Retriever.search alone on the
   same queries, p50/p95 after warm-up;
5. exploration: a further 7 days simulated with the ranker serving, with and without exploration (same
   seed, separate stores): share of impressions and clicks on new products, and CTR.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.config import Settings  # noqa: E402
from assistant.demo_store import demo_queries_path, ensure_demo_store  # noqa: E402
from assistant.intent import query_parser  # noqa: E402
from assistant.services import Services  # noqa: E402
from ranking.artifacts import save_ranker  # noqa: E402
from ranking.dataset import load_impressions, load_products, split_by_time  # noqa: E402
from ranking.event_store import open_event_store  # noqa: E402
from ranking.exploration import Exploration  # noqa: E402
from ranking.report import ModelMetrics  # noqa: E402
from ranking.serving import RankedSearch  # noqa: E402
from ranking.simulator import simulate  # noqa: E402
from ranking.train import TrainConfig, train_and_evaluate  # noqa: E402
from retrieval.evaluation import load_qrels  # noqa: E402
from retrieval.models import SearchRequest  # noqa: E402

OUT = Path(__file__).resolve().parent / "out" / "ranker"


def percentiles(samples: list[float]) -> str:
    samples = sorted(samples)
    return f"p50 {statistics.median(samples):6.2f} ms  p95 {samples[int(len(samples) * 0.95)]:6.2f} ms"


def table(models: dict[str, ModelMetrics]) -> str:
    lines = [f"    {'model':<24}{'AUC':>8}{'logloss':>9}{'NDCG@10':>9}"]
    for name, m in models.items():
        lines.append(f"    {name:<24}{m.auc:>8.4f}{m.logloss:>9.4f}{m.ndcg_at_10:>9.4f}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=6000)
    parser.add_argument("--users", type=int, default=300)
    parser.add_argument("--text-steps", type=int, help="cap on text-tower steps (default: TrainConfig's)")
    parser.add_argument("--runs", type=int, default=300, help="searches timed per side")
    parser.add_argument("--explore-sessions", type=int, default=1500)
    args = parser.parse_args()

    shutil.rmtree(OUT, ignore_errors=True)
    settings = Settings(home=OUT / "home")
    ensure_demo_store(settings)
    services = Services(settings)
    retriever = services.retriever
    store = open_event_store(settings.events_database_url)
    started = time.perf_counter()
    report = simulate(retriever, store, users=args.users, sessions=args.sessions, seed=11)
    events = store.count()
    print(f"1-2. simulated {args.sessions} sessions: {events} events, {report.impressions} impressions, "
          f"CTR {report.ctr} ({time.perf_counter() - started:.0f} s)")

    rows = load_impressions(store)
    products = load_products(services.catalog_home)
    split = split_by_time(rows)
    parse_query = query_parser(products.values())
    config = TrainConfig()
    if args.text_steps is not None:
        config.text_max_steps = args.text_steps
    started = time.perf_counter()
    trained = train_and_evaluate(split, products, parse_query, config=config)
    seconds = time.perf_counter() - started
    model_dir = save_ranker(trained, settings.ranker_dir / "bench", rows, products, parse_query,
                            {"source": "benchmark"}, settings.models_dir)
    print(f"3. trained in {seconds:.0f} s = {seconds / events * 100_000:.0f} s per 100k events "
          f"(text tower {trained.report.text_tower.steps} steps, {trained.report.text_tower.seconds} s; "
          f"best head epoch {trained.history['best_epoch']}); test period {trained.report.test_events} impressions")
    frozen = train_and_evaluate(split, products, parse_query, config=TrainConfig(text_max_steps=0))
    models = dict(trained.report.models)
    models["ranker, text not tuned"] = frozen.report.models["ranker"]
    print(table(models))
    print(json.dumps({name: m.model_dump(by_alias=True) for name, m in models.items()}))

    ranked = RankedSearch(retriever, query_parser, settings.ranker_dir, settings.models_dir, model_dir=model_dir)
    queries = [q.query for q in load_qrels(demo_queries_path(settings))]
    users = [s.user_id for s in report.shoppers]
    requests = [SearchRequest(query=q, k=10, user_id=users[i % len(users)])
                for i, q in enumerate((queries * (args.runs // len(queries) + 1))[:args.runs])]
    for side in ("retrieval", "ranked"):  # warm-up: ONNX sessions, catalog tables
        for request in requests[:20]:
            (retriever if side == "retrieval" else ranked).search(request)
    timings = {"retrieval": [], "ranked": []}
    for request in requests:  # interleaved, so noise hits both sides alike
        for side, engine in (("retrieval", retriever), ("ranked", ranked)):
            t = time.perf_counter()
            engine.search(request)
            timings[side].append((time.perf_counter() - t) * 1000)
    p95 = {side: sorted(v)[int(len(v) * 0.95)] for side, v in timings.items()}
    print(f"4. Retriever.search (k=10)          {percentiles(timings['retrieval'])}")
    print(f"   RankedSearch (50 reranked, k=10)  {percentiles(timings['ranked'])}")
    print(f"   rerank adds {p95['ranked'] - p95['retrieval']:.1f} ms at p95 (ratio {p95['ranked'] / p95['retrieval']:.2f})")

    new = {pid for pid in products if ranked.ranker().behaviour.shown.get(pid, 0) < 20}
    end = (max(r.timestamp for r in rows) + timedelta(days=8)).date()
    print(f"5. exploration over {args.explore_sessions} more sessions ({len(new)} of {len(products)} products new)")
    for share in (0.0, 0.1, 0.2):
        exploring = RankedSearch(retriever, query_parser, settings.ranker_dir, settings.models_dir, model_dir=model_dir,
                                 exploration=Exploration(share=share) if share else None, seed=5)
        later = open_event_store(f"sqlite:///{OUT / f'explore-{share}.db'}")
        simulate(retriever, later, users=args.users, sessions=args.explore_sessions, seed=11, days=7, end=end,
                 search=exploring)
        shown, clicked = Counter(), Counter()
        for row in load_impressions(later):
            kind = "new" if row.product_id in new else "known"
            shown[kind] += 1
            clicked[kind] += row.clicked
        total, clicks = sum(shown.values()), sum(clicked.values())
        print(f"   share {share:.1f}: new products {shown['new'] / total:.3f} of impressions, "
              f"{clicked['new'] / max(clicks, 1):.3f} of clicks; CTR {clicks / total:.4f} "
              f"(new {clicked['new'] / max(shown['new'], 1):.4f}, known {clicked['known'] / max(shown['known'], 1):.4f})")
        later.close()
    store.close()


if __name__ == "__main__":
    main()
