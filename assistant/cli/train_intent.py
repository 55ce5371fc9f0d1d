"""`shopassist train-intent`: fine-tune the intent model on the store's own catalog, save it with a model card
and make it the default LLM for intents (assistant/intent/finetune.py, assistant/llm/intent_model.py)."""

from __future__ import annotations

import argparse
import json
import random
import time
from datetime import datetime, timezone
from pathlib import Path

from ..config import Settings

LABELLED_SPLIT_FILE = "real_requests.jsonl"  # rows with "split": "test" are the held-out set: never read here
REAL_TRAIN_FILE = "real_requests_train.jsonl"  # real requests drawn and labelled for training only
REAL_QUERIES_FILE = "real_queries_train.jsonl"  # real typed search queries, labelled for training only


def register(sub, eval_sub) -> None:
    train = sub.add_parser("train-intent", help="fine-tune SmolLM2 for intents on requests written from the "
                                                "store's products (+ the hand-labelled ones), save it with a "
                                                "model card and use it for intents")
    train.add_argument("--out", type=Path, metavar="DIR", help="where to save (default <home>/intent_model/<timestamp>)")
    train.add_argument("--epochs", type=float, default=2.0, help="passes over the training requests (default 2)")
    train.add_argument("--seed", type=int, default=0, help="seed for the generated requests and training (default 0)")
    train.add_argument("--max-steps", type=int, metavar="N", help="stop after N optimiser steps")
    train.add_argument("--examples", type=int, default=300, metavar="N",
                       help="requests to generate from the catalog (default 300)")
    train.add_argument("--minutes", type=float, default=24.0,
                       help="training time budget: fewer steps are planned when the first ones show it would "
                            "take longer (default 24, so the whole command stays within 30 minutes on 2 cores)")
    train.add_argument("--hold-out-real", type=int, default=0, metavar="N",
                       help="leave the last N real training requests out (to tune on them; default 0)")
    train.add_argument("--method", choices=["lora", "full"], default="lora",
                       help="LoRA adapters (default; on every layer unless --lora-layers) or a full fine-tune")
    train.add_argument("--lora-layers", type=int, default=0, metavar="N",
                       help="LoRA adapters on the top N decoder layers only (default 0: all of them; a step costs "
                            "~1.7x the top 10's, so ~1.4 epochs fit the budget instead of 2, and it scored "
                            "better on held-out requests: benchmarks/RESULTS.md)")
    train.add_argument("--base", type=Path, metavar="DIR", help="model to start from (default: the packaged SmolLM2)")
    train.add_argument("--no-activate", action="store_true", help="save only; keep the current intent model")
    train.set_defaults(handler=cmd_train_intent)


def cmd_train_intent(args: argparse.Namespace, settings: Settings) -> int:
    from ..intent.finetune import FinetuneConfig, finetune
    from ..llm.intent_model import activate_intent_model, write_model_files
    from ..llm.prepare import default_model_dir, prepare_local_model

    started = time.perf_counter()
    base = args.base or default_model_dir(settings)
    if args.base is None:
        local = settings.model_copy(update={"local_model": None})
        # The packaged model, never a previous fine-tune: each model is trained from the same start.
        base = default_model_dir(local) if (default_model_dir(local) / "config.json").is_file() else \
            _convert(prepare_local_model, settings)
    config = FinetuneConfig(method=args.method, epochs=args.epochs, seed=args.seed, max_steps=args.max_steps,
                            lora_layers=args.lora_layers or None,
                            budget_seconds=args.minutes * 60 if args.minutes else None)
    train, validation, data = training_data(settings, args.examples, args.seed, hold_out_real=args.hold_out_real)
    print(f"data: {data['synthetic']} generated from {data['products']} products, {data['labelled']} hand-labelled"
          f" + {data['dev']} dev + {data['real_train']} training real requests + {data['real_queries']} typed "
          f"search queries; {len(train)} to train, "
          f"{len(validation)} held out", flush=True)
    out = args.out or settings.intent_model_dir / datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    report = finetune(base, out, train, validation, config, progress=lambda line: print(line, flush=True))
    from dataclasses import asdict

    meta = {"created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "base_model": str(base),
            "data": data, "config": asdict(config), "report": asdict(report),
            "command_seconds": round(time.perf_counter() - started, 1)}
    write_model_files(out, meta)
    if not args.no_activate:
        activate_intent_model(settings, out)
    print(f"saved to {out}{'' if args.no_activate else ' (now the intent model)'}; model card: {out / 'README.md'}; "
          f"{meta['command_seconds']:.0f} s in all")
    return 0


def _convert(prepare, settings: Settings) -> Path:
    from ..llm.prepare import convert_gguf, default_model_dir, packaged_gguf

    target = default_model_dir(settings)
    convert_gguf(packaged_gguf(), target)
    return target


def training_data(settings: Settings, examples: int, seed: int, no_hints_share: float = 0.25,
                  validation: int = 32, hold_out_real: int = 0):
    """(train pairs, validation pairs, a description): requests generated from the serving catalog, the
    hand-labelled set shipped with the package, the dev split of the real requests (never the test split) and
    the real requests and typed search queries labelled for training."""
    from retrieval.catalog import open_active_products

    from ..intent.evaluation import DEFAULT_SET, IntentExample, load_examples
    from ..intent.synthetic import generate_requests
    from ..intent.vocabulary import CatalogVocabulary
    from ..intent.finetune import build_pairs

    opened = open_active_products(settings.catalog_dir)
    if opened is None:
        raise ValueError("no catalog is serving: run `shopassist ingest FEED` or `shopassist demo --no-serve`")
    catalog, store = opened
    try:
        products = list(store.iter_products())
    finally:
        store.close()
    vocabulary = CatalogVocabulary.from_products(products)
    synthetic = generate_requests(products, examples, seed)
    labelled = load_examples(DEFAULT_SET)
    dev = _real_rows(DEFAULT_SET.with_name(LABELLED_SPLIT_FILE), "dev")  # the test split stays unseen
    real_train = _real_rows(DEFAULT_SET.with_name(REAL_TRAIN_FILE), "train")
    real_train = real_train[:len(real_train) - hold_out_real]
    real_queries = _real_rows(DEFAULT_SET.with_name(REAL_QUERIES_FILE), "train")
    # Real requests are open-domain: their hints come from the rules without the catalog's vocabulary, as
    # `shopassist eval intent` parses them.
    pairs = [*build_pairs(synthetic, vocabulary, no_hints_share, seed, "synthetic"),
             *build_pairs(labelled, vocabulary, no_hints_share, seed + 1, "labelled"),
             *build_pairs([*dev, *real_train, *real_queries], None, no_hints_share, seed + 2, "real")]
    random.Random(seed).shuffle(pairs)
    data = {"catalog": catalog, "products": len(products), "synthetic": len(synthetic), "labelled": len(labelled),
            "labelled_file": "assistant/intent/data/intent_eval.jsonl", "dev": len(dev),
            "real_train": len(real_train), "real_train_file": f"assistant/intent/data/{REAL_TRAIN_FILE}",
            "real_queries": len(real_queries), "real_queries_file": f"assistant/intent/data/{REAL_QUERIES_FILE}",
            "no_hints_share": no_hints_share, "held_out_real": hold_out_real}
    return pairs[validation:], pairs[:validation], data



def _real_rows(path: Path, split: str) -> list:
    """The labelled real requests of `split` in `path` (none when the file is absent)."""
    from ..intent.evaluation import load_examples

    return [example for example in load_examples(path) if example.split == split] if path.is_file() else []
