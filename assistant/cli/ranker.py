"""`shopassist train-ranker`, `eval ranker`: the CTR ranker trained, compared and saved."""

from __future__ import annotations

import argparse
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import Settings
from .arguments import iso_moment

if TYPE_CHECKING:
    from ranking.report import TrainingReport


def register(sub, eval_sub) -> None:
    train = sub.add_parser("train-ranker", help="train the CTR ranker on the stored events, save it with a model "
                                                "card and serve it (runs under torchrun unchanged)")
    _data_options(train)
    train.add_argument("--out", type=Path, metavar="DIR", help="where to save (default <home>/ranker/<timestamp>)")
    start = train.add_mutually_exclusive_group()
    start.add_argument("--from-scratch", action="store_true",
                       help="start from the packaged MiniLM and a fresh head, not from the serving model")
    start.add_argument("--init-from", type=Path, metavar="DIR", help="continue training this saved model")
    train.add_argument("--no-activate", action="store_true", help="save only; keep serving the current model")
    train.set_defaults(handler=cmd_train_ranker)

    ranker = eval_sub.add_parser("ranker", help="train the ranker and its baselines (popularity, logistic "
                                                "regression, LightGBM) on one time split; AUC, logloss, "
                                                "NDCG@10 on the test period")
    _data_options(ranker)
    ranker.add_argument("--json", action="store_true", help="print the full JSON report")
    ranker.set_defaults(handler=cmd_eval_ranker)


def _data_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--since", type=iso_moment, metavar="DATE",
                        help="only searches at or after DATE (ISO 8601; naive = UTC)")
    parser.add_argument("--seed", type=int, default=0, help="seed for every random choice (default 0)")
    parser.add_argument("--text-steps", type=int, metavar="N",
                        help="text-tower fine-tuning steps (default: one pass over the click pairs, at most 300)")
    parser.add_argument("--max-epochs", type=int, default=40, help="head epochs before early stopping (default 40)")
    parser.add_argument("--agent-traffic", choices=("include", "exclude"),
                        help="outside agents' searches (MCP, marked traffic=agent): exclude keeps them out of training "
                             "and counts them in the report; include learns from them like shoppers' (default: "
                             "SHOPASSIST_RANKER_AGENT_TRAFFIC, exclude)")


def cmd_train_ranker(args: argparse.Namespace, settings: Settings) -> int:
    from ranking import distributed
    from ranking.artifacts import activate, active_model, save_ranker

    from ..intent import query_parser

    distributed.init_from_environment()
    split, rows, products, screening = _load(settings, args.since, _agent_traffic(args, settings))
    parse_query = query_parser(products.values())
    init_from = None if args.from_scratch else (args.init_from or active_model(settings.ranker_dir))
    trained = _train(args, split, products, parse_query, init_from)
    trained.report.screening = screening  # saved in ranker.json, printed below
    if not distributed.is_main_process():
        return 0
    out = args.out or settings.ranker_dir / datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    window = {"since": args.since.isoformat() if args.since else None, "source": _redacted(settings),
              "agent_traffic": screening.agent_traffic,
              "initialised_from": str(init_from) if init_from else "packaged MiniLM (from scratch)"}
    save_ranker(trained, out, rows, products, parse_query, window, settings.models_dir)
    if not args.no_activate:
        activate(settings.ranker_dir, out)
    print(_table(trained.report))
    print(f"saved to {out}{'' if args.no_activate else ' (now serving)'}; model card: {out / 'model_card.md'}")
    return 0


def cmd_eval_ranker(args: argparse.Namespace, settings: Settings) -> int:
    from ..intent import query_parser

    split, _, products, screening = _load(settings, args.since, _agent_traffic(args, settings))
    report = _train(args, split, products, query_parser(products.values()), None).report
    report.screening = screening
    print(json.dumps(report.model_dump(by_alias=True), indent=2) if args.json else _table(report))
    return 0


def _agent_traffic(args: argparse.Namespace, settings: Settings) -> str:
    return args.agent_traffic or settings.ranker_agent_traffic


def _load(settings: Settings, since, agent_traffic: str = "exclude"):
    from ranking.dataset import load_impressions, load_products, split_by_time
    from ranking.report import ExclusionReport

    from ..services import Services

    services = Services(settings)
    screening = ExclusionReport()  # what the event screening leaves out (ranking/screening.py)
    try:
        rows = load_impressions(services.events, since=since, exclusions=screening, agent_traffic=agent_traffic)
        products = load_products(services.catalog_home)
    finally:
        services.close()
    # Products since removed from the catalog cannot be described; their impressions are left out.
    rows = [r for r in rows if r.product_id in products]
    return split_by_time(rows), rows, products, screening


def _train(args: argparse.Namespace, split, products, parse_query, init_from):
    from ranking.train import TrainConfig, train_and_evaluate

    config = TrainConfig(seed=args.seed, head_max_epochs=args.max_epochs)
    if args.text_steps is not None:
        config.text_max_steps = args.text_steps
    return train_and_evaluate(split, products, parse_query, config=config, init_from=init_from)


def _table(report: TrainingReport) -> str:
    lines = [f"test period: {report.test_events} impressions from {report.periods.test_start}",
             f"{'model':<12}{'AUC':>8}{'logloss':>9}{'NDCG@10':>9}"]
    for name, m in report.models.items():
        lines.append(f"{name:<12}{m.auc:>8.4f}{m.logloss:>9.4f}{m.ndcg_at_10:>9.4f}")
    lines.append(report.screening.screening_summary())
    lines.append(report.screening.agent_summary())
    return "\n".join(lines)


def _redacted(settings: Settings) -> str:
    """The events database, without a password."""
    url = settings.events_database_url
    scheme, sep, rest = url.partition("://")
    if "@" in rest:
        rest = rest.split("@", 1)[1]
    return f"{scheme}{sep}{rest}"
