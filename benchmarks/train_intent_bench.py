"""The fine-tuned intent model against the rules and the packaged model, on held-out real requests (issue 10).

    # once: a demo store and a trained model in a data home
    SHOPASSIST_HOME=/tmp/h shopassist demo --no-serve && SHOPASSIST_HOME=/tmp/h shopassist train-intent
    SHOPASSIST_HOME=/tmp/h python benchmarks/train_intent_bench.py [--split test] [--limit N] [--json out.json]

Modes, each scored per field (P/R/F1), exact match, and timed per request (p50/p95, model load excluded):
  rules        the deterministic extractor alone (`--llm none`)
  packaged     rules + the packaged SmolLM2-135M under the general merge policy (today's hybrid)
  tuned        the fine-tuned model alone (prompt with no parser hints)
  tuned+rules  rules + the fine-tuned model under the trusted merge policy (the default once trained)
  vllm         tuned+rules with the fine-tuned model behind vLLM (`shopassist llm serve`, the openai backend),
               the server started here in .venv-vllm (`make vllm-env`) and stopped at the end
The set is assistant/intent/data/real_requests.jsonl (rows of the chosen split), else --set FILE, or with
`--held-out-train N` the last N rows of real_requests_train.jsonl (for a model trained with `--hold-out-real N`).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.config import Settings  # noqa: E402
from assistant.intent.evaluation import (evaluate_intents, format_table, is_real, load_examples,  # noqa: E402
                                         scored_fields, select_split)

REAL = ROOT / "assistant" / "intent" / "data" / "real_requests.jsonl"
TRAIN_SET = REAL.with_name("real_requests_train.jsonl")


def timed(parse, seconds: list[float]):
    def run(text, context):
        started = time.perf_counter()
        try:
            return parse(text, context)
        finally:
            seconds.append(time.perf_counter() - started)
    return run


def dumped(parse, mode: str, out):
    def run(text, context):
        intent = parse(text, context)
        out.write(json.dumps({"mode": mode, "text": text, "intent": intent.model_dump(
            mode="json", exclude_defaults=True, exclude={"confidence", "query"})}) + "\n")
        return intent
    return run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", type=Path, default=REAL)
    parser.add_argument("--split", default="test", help="rows with this split (default test; 'all' for every row)")
    parser.add_argument("--held-out-train", type=int, metavar="N",
                        help="score the last N real training requests instead (what `train-intent "
                             "--hold-out-real N` leaves out): where recipes and merge policies are compared")
    parser.add_argument("--limit", type=int, help="N requests spread evenly over the set, for the model modes")
    parser.add_argument("--modes", default="rules,packaged,tuned,tuned+rules")
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--dump", type=Path, help="write every request's parse per mode here (JSONL)")
    args = parser.parse_args()

    from assistant.intent.parser import IntentParser
    from assistant.llm.backends import get_llm
    from assistant.llm.chat import LLMUnavailable
    from assistant.llm.intent import llm_intent
    from assistant.llm.intent_model import active_intent_model
    from assistant.llm.prepare import default_model_dir
    from assistant.services import Services

    settings = Settings(llm="local", llm_url=None)
    if args.held_out_train:
        args.set, args.split = TRAIN_SET, "train"
    examples = select_split(load_examples(args.set), None if args.split == "all" else args.split)
    if args.held_out_train:
        examples = examples[-args.held_out_train:]
    fields = scored_fields(examples)
    services = Services(settings)
    # Real requests are parsed without a catalog vocabulary, as `shopassist eval intent` does (INTENT_LABELS.md).
    vocabulary = (lambda: None) if is_real(examples) else services.intent_parser._vocabulary
    tuned_dir = active_intent_model(settings)
    print(f"{len(examples)} requests from {args.set.name} (split {args.split}); fine-tuned model: {tuned_dir}",
          flush=True)

    def llm_for(model_dir: Path):
        llm = get_llm(settings.model_copy(update={"local_model": model_dir}))
        llm.fine_tuned = model_dir == tuned_dir  # the packaged model gets the general policy, as today
        return llm

    results = {}
    servers: list = []
    dump = args.dump.open("w", encoding="utf-8") if args.dump else None
    for mode in [m.strip() for m in args.modes.split(",") if m.strip()]:
        subset = examples
        if mode != "rules" and args.limit and args.limit < len(examples):
            step = len(examples) / args.limit
            subset = [examples[int(i * step)] for i in range(args.limit)]
        if mode == "rules":
            rules = IntentParser(vocabulary)
            parse = lambda text, context: rules.parse(text, context, use_llm=False).intent  # noqa: E731
        elif mode in ("packaged", "tuned+rules"):
            if mode == "tuned+rules" and tuned_dir is None:
                raise SystemExit("no fine-tuned model: run shopassist train-intent first")
            llm = llm_for(default_model_dir(settings) if mode == "packaged" else tuned_dir)
            hybrid = IntentParser(vocabulary, lambda llm=llm: llm)
            hybrid.parse("warm-up request: red shoes")  # loads the weights, caches the prompt prefix
            parse = lambda text, context, hybrid=hybrid: hybrid.parse(text, context).intent  # noqa: E731
        elif mode == "vllm":
            from assistant.llm.intent_model import served_name
            from assistant.llm.vllm import start_vllm, stop_vllm, wait_ready

            port = 8931
            server = start_vllm(tuned_dir, served_name(tuned_dir), port, settings, log_file=Path("/tmp/vllm-bench.log"))
            servers.append(server)
            print(f"vLLM ready in {wait_ready(f'http://127.0.0.1:{port}/v1', server):.0f} s", flush=True)
            llm = get_llm(settings.model_copy(update={"llm": "openai", "llm_url": f"http://127.0.0.1:{port}/v1",
                                                      "llm_model": served_name(tuned_dir)}))
            assert llm.fine_tuned  # the served name says it is a fine-tuned intent model
            hybrid = IntentParser(vocabulary, lambda llm=llm: llm)
            hybrid.parse("warm-up request: red shoes")
            parse = lambda text, context, hybrid=hybrid: hybrid.parse(text, context).intent  # noqa: E731
        elif mode == "tuned":
            llm = llm_for(tuned_dir)
            empty = IntentParser().parse("x", use_llm=False).intent.model_copy(update={"query": ""})

            def parse(text, context, llm=llm, empty=empty):
                try:
                    return llm_intent(text, llm, context.previous if context else None)
                except LLMUnavailable:
                    return empty  # counts as an empty answer
            parse("warm-up request: red shoes", None)
        else:
            raise SystemExit(f"unknown mode {mode}")
        seconds: list[float] = []
        if dump:
            parse = dumped(parse, mode, dump)
        report = evaluate_intents(timed(parse, seconds), subset, fields)
        ordered = sorted(seconds)
        latency = {"p50_ms": round(statistics.median(ordered) * 1000, 1),
                   "p95_ms": round(ordered[max(0, int(len(ordered) * 0.95) - 1)] * 1000, 1),
                   "max_ms": round(ordered[-1] * 1000, 1)}
        scored = [s for name, s in report.fields.items()]
        tp = sum(s.true_positives for s in scored)
        fp = sum(s.false_positives for s in scored)
        fn = sum(s.false_negatives for s in scored)
        micro = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
        results[mode] = {"examples": report.examples, "exact_match": round(report.exact_match, 4),
                         "micro_f1": round(micro, 4),
                         "fields": {n: s.model_dump() for n, s in report.fields.items()}, "latency": latency}
        print(f"== {mode} ({report.examples} requests) micro F1 {micro:.3f}; latency p50 {latency['p50_ms']} ms, "
              f"p95 {latency['p95_ms']} ms\n{format_table(report)}\n", flush=True)
    for server in servers:
        stop_vllm(server)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
