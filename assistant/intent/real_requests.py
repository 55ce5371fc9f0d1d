"""The real-request evaluation set (issue 10): which requests, drawn how, and the dev / held-out test split.

The requests were written by people outside this project: WebShop human goals (Princeton NLP, MIT licence) and
Amazon Shopping Queries (ESCI) search queries (Apache-2.0, via the OpenSearch sample query set), both read from
`../shared/data/` (not copied into the repository). `sample` draws them with a fixed seed, removes duplicates and
anything already in `intent_eval.jsonl`, and assigns each a split: a third `dev` (may be looked at while tuning),
two thirds `test` (held out: issue 10's figures are reported on it; neither the rules nor a model are tuned on
it, and it is never training data). The labels were then written by hand in `data/real_requests.jsonl`
(how: data/INTENT_LABELS.md, "Real requests (issue 10)"); `check` confirms that the labelled file is exactly
this sample.

    python -m assistant.intent.real_requests sample --seed 13 [--out FILE]
    python -m assistant.intent.real_requests check [--seed 13]
    python -m assistant.intent.real_requests sample-train [--out FILE]
    python -m assistant.intent.real_requests sample-train-queries [--out FILE]

`sample-train` draws *training* requests (split "train", data/real_requests_train.jsonl, labelled by hand by
the same rules): WebShop goals only (the ESCI file has too few queries left), never a text of the evaluation
set or of `intent_eval.jsonl`, so `shopassist train-intent` can learn real phrasing without seeing `test`.
`sample-train-queries` draws the short search-box queries people typed in WebShop (the goal-to-query map,
source "webshop_query", data/real_queries_train.jsonl): the search-box register of the ESCI rows, which the
goals lack. A query typed for a goal of either evaluation set is never drawn, nor one equal to an evaluation text.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
from pathlib import Path

DATA = Path(__file__).parent / "data"
REAL_SET = DATA / "real_requests.jsonl"
TRAIN_SET = DATA / "real_requests_train.jsonl"
# The training file is these draws in order, each excluding what the earlier ones took: (seed, count).
TRAIN_DRAWS = ((29, 400), (31, 1200))
QUERY_TRAIN_SET = DATA / "real_queries_train.jsonl"
QUERY_TRAIN_SEED, QUERY_TRAIN_COUNT = 37, 600
EXISTING_SET = DATA / "intent_eval.jsonl"
# Beside the checkout, as the tests look for it (SHOPASSIST_SHARED_DATA points elsewhere).
SHARED_DATA = Path(os.environ.get("SHOPASSIST_SHARED_DATA") or Path(__file__).resolve().parents[3] / "shared" / "data")
SEED = 13
WEBSHOP_COUNT = 300
ESCI_COUNT = 130
DEV_FRACTION = 1 / 3
LICENCES = {"webshop": "WebShop human goals (Princeton NLP), MIT",
            "esci": "Amazon Shopping Queries (ESCI) via OpenSearch sample query set, Apache-2.0"}


def normalise(text: str) -> str:
    """The key two requests are duplicates under: lower case, single spaces."""
    return " ".join(text.lower().split())


def sample(shared: Path = SHARED_DATA, seed: int = SEED, webshop_count: int = WEBSHOP_COUNT,
           esci_count: int = ESCI_COUNT, existing: Path = EXISTING_SET) -> list[dict[str, str]]:
    """`{"text", "source", "split"}` rows, WebShop first then ESCI, each in the order drawn."""
    taken = {normalise(json.loads(line)["text"]) for line in existing.read_text(encoding="utf-8").splitlines()
             if line.strip()}
    goals = json.loads((shared / "webshop_human_goals.json").read_text(encoding="utf-8"))
    queries = [q["queryText"] for q in
               json.loads((shared / "esci_us_queryset.json").read_text(encoding="utf-8"))["querySetQueries"]]
    rows: list[dict[str, str]] = []
    for source, texts, count in (("webshop", goals, webshop_count), ("esci", queries, esci_count)):
        pool, seen = [], set()
        for text in texts:
            key = normalise(text)
            if key and key not in seen and key not in taken:
                seen.add(key)
                pool.append(" ".join(text.split()))
        pool.sort()  # the draw depends on the seed only, not on the files' order
        drawn = random.Random(f"{seed}:{source}").sample(pool, count)
        dev = round(count * DEV_FRACTION)
        rows += [{"text": text, "source": source, "split": "dev" if i < dev else "test"}
                 for i, text in enumerate(drawn)]
        taken |= {normalise(t) for t in drawn}
    return rows


def evaluation_texts(evaluation: Path = REAL_SET, existing: Path = EXISTING_SET) -> set[str]:
    """The normalised texts of both evaluation sets: what no training draw may take."""
    return {normalise(json.loads(line)["text"]) for path in (evaluation, existing)
            for line in path.read_text(encoding="utf-8").splitlines() if line.strip()}


def sample_train(shared: Path = SHARED_DATA, draws: tuple[tuple[int, int], ...] = TRAIN_DRAWS,
                 evaluation: Path = REAL_SET, existing: Path = EXISTING_SET) -> list[dict[str, str]]:
    """`{"text", "source": "webshop", "split": "train"}` rows: WebShop goals in neither evaluation set, drawn
    `count` at a time with each `seed` (a later draw never repeats an earlier one)."""
    taken = evaluation_texts(evaluation, existing)
    goals = json.loads((shared / "webshop_human_goals.json").read_text(encoding="utf-8"))
    rows: list[dict[str, str]] = []
    for seed, count in draws:
        pool = sorted({normalise(text): " ".join(text.split()) for text in goals
                       if normalise(text) and normalise(text) not in taken}.values())
        drawn = random.Random(f"{seed}:train").sample(pool, count)
        taken |= {normalise(text) for text in drawn}
        rows += [{"text": text, "source": "webshop", "split": "train"} for text in drawn]
    return rows


def sample_train_queries(shared: Path = SHARED_DATA, seed: int = QUERY_TRAIN_SEED,
                         count: int = QUERY_TRAIN_COUNT, evaluation: Path = REAL_SET,
                         existing: Path = EXISTING_SET) -> list[dict[str, str]]:
    """`{"text", "source": "webshop_query", "split": "train"}` rows: search queries people typed for WebShop
    goals that are in neither evaluation set (nor equal to an evaluation text), deduplicated, drawn with `seed`."""
    evaluated = evaluation_texts(evaluation, existing)
    goal_queries = json.loads((shared / "webshop_goal_query_map.json").read_text(encoding="utf-8"))
    # A query typed for an evaluation goal is out even when someone typed the same words for another goal.
    evaluated |= {normalise(query) for goal, queries in goal_queries.items() if normalise(goal) in evaluated
                  for query in queries}
    pool = sorted({normalise(query): " ".join(query.split()) for queries in goal_queries.values()
                   for query in queries if normalise(query) and normalise(query) not in evaluated}.values())
    drawn = random.Random(f"{seed}:train-queries").sample(pool, count)
    return [{"text": text, "source": "webshop_query", "split": "train"} for text in drawn]


def check(path: Path = REAL_SET, shared: Path = SHARED_DATA, seed: int = SEED) -> list[str]:
    """Differences between the labelled file and the sample drawn from `shared` (empty: they agree)."""
    labelled = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    want = {(r["text"], r["source"], r["split"]) for r in sample(shared, seed)}
    have = {(r["text"], r["source"], r["split"]) for r in labelled}
    return ([f"not labelled: {t!r} ({s}, {p})" for t, s, p in sorted(want - have)]
            + [f"not in the sample: {t!r} ({s}, {p})" for t, s, p in sorted(have - want)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Draw or check the real-request evaluation set (issue 10).")
    sub = parser.add_subparsers(dest="command", required=True)
    draw = sub.add_parser("sample", help="print the unlabelled sample as JSONL")
    draw.add_argument("--seed", type=int, default=SEED)
    draw.add_argument("--shared", type=Path, default=SHARED_DATA)
    draw.add_argument("--out", type=Path, default=None)
    train = sub.add_parser("sample-train", help="print unlabelled training requests (never evaluation rows)")
    train.add_argument("--shared", type=Path, default=SHARED_DATA)
    train.add_argument("--out", type=Path, default=None)
    queries = sub.add_parser("sample-train-queries", help="print unlabelled typed search queries for training")
    queries.add_argument("--shared", type=Path, default=SHARED_DATA)
    queries.add_argument("--out", type=Path, default=None)
    verify = sub.add_parser("check", help="confirm that data/real_requests.jsonl is exactly the sample")
    verify.add_argument("--seed", type=int, default=SEED)
    verify.add_argument("--shared", type=Path, default=SHARED_DATA)
    verify.add_argument("--set", type=Path, default=REAL_SET)
    args = parser.parse_args(argv)
    if args.command in ("sample", "sample-train", "sample-train-queries"):
        rows = {"sample": lambda: sample(args.shared, args.seed), "sample-train": lambda: sample_train(args.shared),
                "sample-train-queries": lambda: sample_train_queries(args.shared)}[args.command]()
        lines = "".join(json.dumps(row) + "\n" for row in rows)
        if args.out:
            args.out.write_text(lines, encoding="utf-8")
        else:
            sys.stdout.write(lines)
        return 0
    problems = check(args.set, args.shared, args.seed)
    for problem in problems:
        print(problem)
    print(f"{args.set}: {'matches' if not problems else 'differs from'} the sample (seed {args.seed})")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
