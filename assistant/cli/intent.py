"""`shopassist intent | llm prepare | llm serve | eval intent`: intents and the LLM layer."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..config import Settings
from .batch import numbered_lines


def register(sub, eval_sub) -> None:
    intent = sub.add_parser("intent", help="parse a shopping request into a structured intent")
    intent.add_argument("text", nargs="?")
    intent.add_argument("--llm", choices=["auto", "none", "local", "openai"], default=None,
                        help="override SHOPASSIST_LLM for this run")
    intent.add_argument("--json", action="store_true", help="print the full response as JSON")
    intent.add_argument("--batch", type=Path, help="JSONL {\"text\": ...} or plain lines in, one JSON line out each")
    intent.set_defaults(handler=cmd_intent)

    llm = sub.add_parser("llm", help="the LLM layer")
    llm_sub = llm.add_subparsers(required=True, metavar="ACTION")
    prepare = llm_sub.add_parser("prepare", help="convert the packaged SmolLM2 GGUF into <home>/models once")
    prepare.set_defaults(handler=cmd_llm_prepare)
    serve_llm = llm_sub.add_parser("serve", help="start a vLLM OpenAI-compatible server for a model directory")
    serve_llm.add_argument("model_dir", type=Path, nargs="?", help="default: the prepared local model")
    serve_llm.add_argument("--port", type=int, default=8001)
    serve_llm.set_defaults(handler=cmd_llm_serve)

    intent_eval = eval_sub.add_parser("intent", help="per-field P/R/F1 and exact match: rules vs LLM vs hybrid")
    intent_eval.add_argument("--set", type=Path, default=None, help="labelled JSONL (default: the labelled set shipped in assistant/intent/data)")
    intent_eval.add_argument("--modes", default="none,local,hybrid",
                             help="comma list of none (rules), local (LLM alone), hybrid (rules + LLM)")
    intent_eval.add_argument("--limit", type=int, default=None,
                             help="evaluate every mode on N examples spread evenly over the set "
                                  "(the LLM takes about a second each)")
    intent_eval.add_argument("--money", action="store_true",
                             help="score price.min, price.max and currency only, on the money set "
                                  "(assistant/intent/data/money_eval.jsonl) unless --set names another")
    intent_eval.add_argument("--split", choices=["dev", "test"], default=None,
                             help="only this split of the set (test: the held-out real requests, "
                                  "assistant/intent/data/real_requests.jsonl)")
    intent_eval.add_argument("--json", action="store_true")
    intent_eval.set_defaults(handler=cmd_eval_intent)


def cmd_intent(args: argparse.Namespace, settings: Settings) -> int:
    from ..services import Services

    if args.llm:
        settings.llm = args.llm
    parser = Services(settings).intent_parser
    if args.batch:
        return _intent_batch(parser, args.batch)
    if not args.text or not args.text.strip():
        raise ValueError("give a TEXT or --batch FILE")
    response = parser.parse(args.text)
    if args.json:
        print(response.model_dump_json())
    else:
        print(response.intent.model_dump_json(indent=2, exclude_defaults=True, exclude={"confidence"}))
        print(f"source: {response.source.parser}"
              + (f" ({response.source.fallback})" if response.source.fallback else "")
              + f", {response.latency_ms:.1f} ms", file=sys.stderr)
    return 0


def _intent_batch(parser, path: Path) -> int:
    """One JSON intent per input line, same order; a line that fails becomes {"error": ...} and the batch goes on."""
    failed = 0
    for number, line in numbered_lines(path):
        try:
            text = line.strip()
            if text.startswith("{"):
                text = json.loads(text)["text"]
            if not isinstance(text, str) or not text.strip():
                raise ValueError("text must be a non-empty string")
            print(parser.parse(text).intent.model_dump_json(exclude_defaults=True), flush=True)
        except (ValueError, KeyError, TypeError) as exc:
            failed += 1
            reason = f"missing key {exc}" if isinstance(exc, KeyError) else str(exc).splitlines()[0]
            print(json.dumps({"line": number, "error": reason}), flush=True)
    return 1 if failed else 0


def cmd_llm_prepare(args: argparse.Namespace, settings: Settings) -> int:
    from ..llm.prepare import prepare_local_model

    print(prepare_local_model(settings))
    return 0


def cmd_llm_serve(args: argparse.Namespace, settings: Settings) -> int:
    from ..llm.vllm import serve_vllm

    return serve_vllm(args.model_dir, args.port, settings)


def cmd_eval_intent(args: argparse.Namespace, settings: Settings) -> int:
    from ..intent.evaluation import (DEFAULT_SET, MONEY_FIELDS, MONEY_SET, evaluate_intents, format_table, is_real,
                                     load_examples, scored_fields, select_split)
    from ..intent.parser import IntentParser
    from ..llm.chat import LLMUnavailable
    from ..llm.intent import llm_intent
    from ..services import Services

    money = getattr(args, "money", False)
    examples = select_split(load_examples(args.set or (MONEY_SET if money else DEFAULT_SET)),
                            getattr(args, "split", None))
    fields = MONEY_FIELDS if money else scored_fields(examples)
    services = Services(settings)
    parser = services.intent_parser
    if is_real(examples):  # open-domain requests: parsed without the store's catalog vocabulary (INTENT_LABELS.md)
        parser = IntentParser(lambda: None, parser.llm)
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    reports = {}
    if args.limit and args.limit < len(examples):
        step = len(examples) / args.limit
        examples = [examples[int(i * step)] for i in range(args.limit)]
    for mode in modes:
        subset = examples
        if mode == "none":
            reports[mode] = evaluate_intents(lambda t, c: parser.parse(t, c, use_llm=False).intent, subset, fields)
        elif mode == "hybrid":
            reports[mode] = evaluate_intents(lambda t, c: parser.parse(t, c).intent, subset, fields)
        elif mode == "local":
            llm = services.intent_llm()
            if llm is None:
                raise ValueError("no LLM available for the 'local' mode (SHOPASSIST_LLM=none?)")

            def llm_only(text, context, llm=llm):
                try:
                    return llm_intent(text, llm, context.previous if context else None)
                except LLMUnavailable:
                    return IntentParser().parse("", use_llm=False).intent  # counts as an empty answer
            reports[mode] = evaluate_intents(llm_only, subset, fields)
        else:
            raise ValueError(f"unknown mode {mode!r}: use none, local, hybrid")
    if args.json:
        print(json.dumps({m: r.model_dump(exclude={"mismatches"}) for m, r in reports.items()}))
    else:
        for mode, report in reports.items():
            print(f"== {mode}\n{format_table(report)}\n")
    return 0

