"""The poisoning experiment (issue 11): can a few clients posting 5,000 fake clicks move a product up?

    .venv/bin/python benchmarks/poisoning_bench.py [--home DIR] [--sessions 1500] [--users 100]
                                                     [--clicks 5000] [--clients 4] [--text-steps 0] [--max-epochs 12]

1. the 2,000-product demo store (built in --home when missing) and a SYNTHETIC normal log (`simulate`);
2. the target: the product retrieval shows at position --position for the most frequent simulated query;
3. a copy of the log plus `simulate_click_attack`: --clicks fake clicks for the target from --clients clients
   (a fifth on made-up query ids, a fifth without impressions, the rest on real searches after impressions);
4. the ranker trained three times with the same seed and config: on the normal log, on the attacked log with
   the event screening (ranking/screening.py, the default), and on the attacked log without it;
5. the target's place in the reranked top 50 for its query with each model, and what screening left out.
Results go to benchmarks/out/poisoning.json and the table is printed (benchmarks/RESULTS.md keeps them).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.config import Settings  # noqa: E402
from assistant.demo_store import ensure_demo_store  # noqa: E402
from assistant.intent import query_parser  # noqa: E402
from ranking.artifacts import save_ranker  # noqa: E402
from ranking.dataset import load_impressions, load_products, split_by_time  # noqa: E402
from ranking.event_store import open_event_store  # noqa: E402
from ranking.events import QueryEvent  # noqa: E402
from ranking.report import ExclusionReport  # noqa: E402
from ranking.serving import RankedSearch  # noqa: E402
from ranking.simulator import simulate, simulate_click_attack  # noqa: E402
from ranking.train import TrainConfig, train_and_evaluate  # noqa: E402
from retrieval.models import SearchRequest  # noqa: E402
from retrieval.search import Retriever  # noqa: E402

OUT = Path(__file__).resolve().parent / "out"


def attacked_copy(clean_db: Path, attacked_db: Path, retriever: Retriever, report, clicks: int, clients: int,
                  position: int, seed: int = 0) -> dict:
    """Copy the normal log and add the attack; returns the attack's description (query, target, ...)."""
    shutil.copy(clean_db, attacked_db)
    store = open_event_store(f"sqlite:///{attacked_db}")
    try:
        texts = Counter(e.user_query for e in store.iter_events() if isinstance(e, QueryEvent))
        query = next(t for t, _ in texts.most_common() if "under" not in t)
        hits = [h.id for h in retriever.search(SearchRequest(query=query, k=10)).results]
        target = hits[min(position, len(hits)) - 1]
        # During the first half of the training period, where the text tower and the head both learn.
        attack = simulate_click_attack(store, target, query, hits, start=report.start + timedelta(days=2),
                                       days=12, clients=clients, clicks=clicks, seed=seed)
    finally:
        store.close()
    return attack.model_dump()


def place(db: Path, screen: bool, retriever: Retriever, settings: Settings, query: str, target: str, out: Path,
          config: TrainConfig) -> dict:
    """Train on the log in `db` (screened or not), serve the model, and find the target's place for `query`."""
    store = open_event_store(f"sqlite:///{db}")
    exclusions = ExclusionReport()
    try:
        rows = load_impressions(store, screen=screen, exclusions=exclusions)
    finally:
        store.close()
    products = load_products(retriever.home)
    rows = [r for r in rows if r.product_id in products]
    parse_query = query_parser(products.values())
    started = time.perf_counter()
    trained = train_and_evaluate(split_by_time(rows), products, parse_query, config=config)
    save_ranker(trained, out, rows, products, parse_query, {"since": None, "source": str(db)}, settings.models_dir)
    seconds = time.perf_counter() - started
    search = RankedSearch(retriever, query_parser, settings.ranker_dir, settings.models_dir, model_dir=out)
    ranked = [h.id for h in search.search(SearchRequest(query=query, k=50)).results]
    return {"position": ranked.index(target) + 1 if target in ranked else None, "top5": ranked[:5],
            "auc": trained.report.models["ranker"].auc, "rows": len(rows), "train_seconds": round(seconds, 1),
            "target_clicks_learnt": sum(r.clicked for r in rows if r.product_id == target),
            "screening": exclusions.model_dump() if screen else None}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, default=OUT / "poisoning-home")
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--sessions", type=int, default=1500)
    parser.add_argument("--clicks", type=int, default=5000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--position", type=int, default=8, help="the target's retrieval position for its query")
    parser.add_argument("--text-steps", type=int, default=0)
    parser.add_argument("--max-epochs", type=int, default=12)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    settings = Settings(home=args.home)
    ensure_demo_store(settings)
    from assistant.services import Services
    from retrieval.embeddings import load_embedder

    retriever = Retriever(Services(settings).catalog_home, load_embedder(cache_dir=str(settings.models_dir)))
    work = args.home / "poisoning"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    clean_db, attacked_db = work / "clean.db", work / "attacked.db"
    store = open_event_store(f"sqlite:///{clean_db}")
    report = simulate(retriever, store, users=args.users, sessions=args.sessions, seed=args.seed)
    store.close()
    attack = attacked_copy(clean_db, attacked_db, retriever, report, args.clicks, args.clients, args.position)
    print(f"normal log: {report.sessions} sessions, {report.queries} searches, {report.clicks} clicks (SYNTHETIC)")
    print(f"attack: {attack['clicks']} clicks for {attack['product_id']} (retrieval position {attack['position']} "
          f"for {attack['query']!r}) from {attack['clients']} clients")
    config = TrainConfig(seed=0, text_max_steps=args.text_steps, head_max_epochs=args.max_epochs)
    runs = {}
    for name, db, screen in (("normal log", clean_db, True), ("attacked, screened", attacked_db, True),
                             ("attacked, not screened", attacked_db, False)):
        runs[name] = place(db, screen, retriever, settings, attack["query"], attack["product_id"],
                           work / name.replace(" ", "-").replace(",", ""), config)
        run = runs[name]
        print(f"{name:<24} place {run['position']!s:>4}  target clicks learnt {run['target_clicks_learnt']:>5}  "
              f"AUC {run['auc']:.4f}  ({run['train_seconds']} s)")
    print(ExclusionReport(**runs["attacked, screened"]["screening"]).summary())
    result = {"args": {k: str(v) for k, v in vars(args).items()}, "simulation": {
        "sessions": report.sessions, "queries": report.queries, "clicks": report.clicks}, "attack": attack,
        "runs": runs}
    OUT.mkdir(exist_ok=True)
    (OUT / "poisoning.json").write_text(json.dumps(result, indent=1, default=str))
    return result


if __name__ == "__main__":
    main()
