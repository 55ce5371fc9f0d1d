"""The `shopassist` command."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from pydantic import ValidationError

from .config import Settings, get_settings

log = logging.getLogger("shopassist")


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        return args.handler(args, get_settings()) or 0
    except (ValueError, FileNotFoundError) as exc:
        print(f"shopassist: error: {exc}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="shopassist", description="Self-hosted LLM shopping assistant.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress and decisions")
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    demo = sub.add_parser("demo", help="build the demo store if missing, then serve it")
    demo.add_argument("--no-serve", action="store_true", help="only build the demo store")
    demo.add_argument("--products", type=int, default=None, help="demo catalog size (default 2000)")
    demo.set_defaults(handler=cmd_demo)

    serve = sub.add_parser("serve", help="serve the API (and pages) for the current catalog")
    serve.add_argument("--host", default=None)
    serve.add_argument("--port", type=int, default=None)
    serve.set_defaults(handler=cmd_serve)

    ingest = sub.add_parser("ingest", help="add or update products from a feed file")
    ingest.add_argument("path", type=Path)
    ingest.add_argument("--format", default="auto", choices=["auto", "shopify", "google", "csv", "jsonl"])
    ingest.add_argument("--map", action="append", default=[], metavar="FIELD=COLUMN",
                        help='map a product field to a feed column, e.g. --map title="Product Name"')
    ingest.add_argument("--replace", action="store_true",
                        help="build a new catalog from this feed and swap it in only on success")
    ingest.add_argument("--json", action="store_true", help="end with a JSON summary line")
    ingest.set_defaults(handler=cmd_ingest)

    search = sub.add_parser("search", help="search the catalog")
    search.add_argument("query", nargs="?")
    search.add_argument("--k", type=int, default=10)
    search.add_argument("--min-price", type=float)
    search.add_argument("--max-price", type=float)
    search.add_argument("--brand", action="append")
    search.add_argument("--exclude-brand", action="append")
    search.add_argument("--category")
    search.add_argument("--color")
    search.add_argument("--size")
    search.add_argument("--in-stock", action="store_true", default=None)
    search.add_argument("--mode", default="hybrid", choices=["hybrid", "dense", "bm25"])
    search.add_argument("--json", action="store_true")
    search.add_argument("--batch", type=Path, help="JSONL queries in, JSON lines out")
    search.set_defaults(handler=cmd_search)

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

    events = sub.add_parser("events", help="behaviour events (UBI): import and export NDJSON")
    events_sub = events.add_subparsers(required=True, metavar="ACTION")
    events_import = events_sub.add_parser("import", help="store events from NDJSON, one event per line")
    events_import.add_argument("path", type=Path)
    events_import.set_defaults(handler=cmd_events_import)
    events_export = events_sub.add_parser("export", help="write stored events as NDJSON, oldest first")
    events_export.add_argument("path", type=Path)
    events_export.add_argument("--since", type=_moment, metavar="DATE",
                               help="only events at or after DATE (ISO 8601; naive = UTC)")
    events_export.set_defaults(handler=cmd_events_export)

    simulate = sub.add_parser("simulate", help="store a SYNTHETIC click log made by simulated shoppers")
    simulate.add_argument("--users", type=int, required=True, help="number of simulated shoppers")
    simulate.add_argument("--sessions", type=int, required=True, help="number of sessions, over all shoppers")
    simulate.add_argument("--seed", type=int, default=0, help="random seed (default 0); same seed, same events")
    simulate.add_argument("--days", type=int, default=30, help="spread sessions over the last D days (default 30)")
    simulate.add_argument("--end", type=_day, metavar="DATE",
                          help="the window's end (ISO date; default: the day after the newest product launch)")
    simulate.add_argument("--json", action="store_true", help="print the full report, shopper profiles included")
    simulate.set_defaults(handler=cmd_simulate)

    evaluate = sub.add_parser("eval", help="evaluate a component")
    eval_sub = evaluate.add_subparsers(required=True, metavar="WHAT")
    retrieval = eval_sub.add_parser("retrieval", help="NDCG@10, Recall@50, MRR: dense vs BM25 vs hybrid")
    retrieval.add_argument("--qrels", type=Path, help="JSONL {query, judgments} or TSV query/id/grade "
                                                      "(default: the demo query set)")
    retrieval.add_argument("--min-relevant", type=int, default=None,
                           help="grade that counts as relevant for recall and MRR (default: highest grade)")
    retrieval.add_argument("--json", action="store_true")
    retrieval.set_defaults(handler=cmd_eval_retrieval)
    intent_eval = eval_sub.add_parser("intent", help="per-field P/R/F1 and exact match: rules vs LLM vs hybrid")
    intent_eval.add_argument("--set", type=Path, default=None, help="labelled JSONL (default tests/data/intent_eval.jsonl)")
    intent_eval.add_argument("--modes", default="none,local,hybrid",
                             help="comma list of none (rules), local (LLM alone), hybrid (rules + LLM)")
    intent_eval.add_argument("--limit", type=int, default=None,
                             help="evaluate every mode on N examples spread evenly over the set "
                                  "(the LLM takes about a second each)")
    intent_eval.add_argument("--json", action="store_true")
    intent_eval.set_defaults(handler=cmd_eval_intent)
    return parser


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from .demo_store import ensure_demo_store

    if args.products:
        settings.demo_products = args.products
    built = ensure_demo_store(settings)
    print(f"demo store {'built' if built else 'already present'} in {settings.home}", file=sys.stderr)
    if settings.llm == "local" or (settings.llm == "auto" and not settings.llm_url):
        from .llm.prepare import prepare_local_model

        try:  # once per machine (~30 s), so the first intent request does not pay for it
            prepare_local_model(settings)
        except (OSError, ValueError) as exc:
            print(f"local LLM not prepared, intents use the rules only: {exc}", file=sys.stderr)
    if args.no_serve:
        return 0
    return cmd_serve(argparse.Namespace(host=None, port=None), settings)


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from .api import create_app

    host, port = args.host or settings.host, args.port or settings.port
    print(f"shopassist serving on http://{host}:{port}  (API docs: /docs)", file=sys.stderr)
    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")
    return 0


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    from retrieval.ingest.pipeline import ingest_products, read_feed

    from . import services

    if not args.path.is_file():
        raise FileNotFoundError(f"no such feed file: {args.path}")
    mapping = {}
    for item in args.map:
        field, sep, column = item.partition("=")
        if not sep or not field.strip() or not column:
            raise ValueError(f"--map expects FIELD=COLUMN, got {item!r}")
        mapping[field.strip()] = column

    def progress(done: int, seconds: float) -> None:
        rate = done / seconds if seconds > 0 else 0.0
        print(f"\ringest: {done} products ({rate:.0f}/s)", end="", file=sys.stderr, flush=True)

    rows = read_feed(args.path, args.format, mapping or None)
    report = ingest_products(services.catalog_home(settings), services.embedder(settings), rows,
                             replace=args.replace, progress=progress)
    print(file=sys.stderr)
    for error in report.errors[:20]:
        print(f"skipped line {error.line}: {error.reason}", file=sys.stderr)
    if len(report.errors) > 20:
        print(f"... and {len(report.errors) - 20} more skipped rows (see --json)", file=sys.stderr)
    summary = f"ingested {report.ingested}, updated {report.updated}, skipped {report.skipped}"
    print(report.model_dump_json() if args.json else summary)
    return 0


def cmd_search(args: argparse.Namespace, settings: Settings) -> int:
    from retrieval.models import SearchRequest

    from . import services

    retriever = services.retriever(settings)
    if args.batch:
        return _search_batch(retriever, args.batch, args.k, args.mode)
    if not args.query:
        raise ValueError("give a QUERY or --batch FILE")
    request = SearchRequest(query=args.query, k=args.k, mode=args.mode, min_price=args.min_price,
                            max_price=args.max_price, brand=args.brand, exclude_brand=args.exclude_brand,
                            category=args.category, color=args.color, size=args.size, in_stock=args.in_stock)
    response = retriever.search(request)
    if args.json:
        print(response.model_dump_json())
        return 0
    if retriever.product_count() == 0:
        print("the catalog is empty: run `shopassist ingest FEED` or `shopassist demo --no-serve`",
              file=sys.stderr)
    for rank, hit in enumerate(response.results, start=1):
        price = "price unknown" if hit.price is None else f"{hit.price:.2f} {hit.currency}"
        print(f"{rank:>3}. {hit.title}  [{price}]  {' > '.join(hit.category)}  ({hit.id})")
    return 0


def _search_batch(retriever, path: Path, k: int, mode: str) -> int:
    from retrieval.models import SearchRequest

    failed = 0
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                fields = json.loads(line)
                if not isinstance(fields, dict):
                    raise ValueError("expected a JSON object")
                request = SearchRequest.model_validate({"k": k, "mode": mode, **fields})
            except (ValueError, ValidationError) as exc:
                failed += 1
                print(json.dumps({"line": number, "error": _one_line(exc)}), flush=True)
                continue
            response = retriever.search(request)
            print(json.dumps({"query": request.query, "results": [
                {"id": h.id, "title": h.title, "price": h.price, "currency": h.currency,
                 "category": h.category, "score": h.score} for h in response.results]}), flush=True)
    return 1 if failed else 0


def cmd_eval_retrieval(args: argparse.Namespace, settings: Settings) -> int:
    from retrieval.evaluation import dump, evaluate, format_table, load_qrels

    from . import services
    from .demo_store import demo_queries_path

    path = args.qrels or demo_queries_path(settings)
    if not path.is_file():
        raise FileNotFoundError(f"no qrels file at {path}: build the demo store (`shopassist demo --no-serve`) "
                                f"or pass --qrels FILE")
    results = evaluate(services.retriever(settings), load_qrels(path), min_relevant=args.min_relevant)
    print(dump(results) if args.json else format_table(results))
    return 0


def cmd_intent(args: argparse.Namespace, settings: Settings) -> int:
    from . import services

    if args.llm:
        settings.llm = args.llm
    retriever = services.retriever(settings) if (settings.catalog_dir / "ACTIVE").exists() else None
    parser = services.intent_parser(settings, retriever)
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
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
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
    from .llm.prepare import prepare_local_model

    print(prepare_local_model(settings))
    return 0


def cmd_llm_serve(args: argparse.Namespace, settings: Settings) -> int:
    from .llm.vllm import serve_vllm

    return serve_vllm(args.model_dir, args.port, settings)


def cmd_eval_intent(args: argparse.Namespace, settings: Settings) -> int:
    from .intent.evaluation import DEFAULT_SET, evaluate_intents, format_table, load_examples
    from .intent.parser import IntentParser
    from .llm.chat import LLMUnavailable
    from .llm.intent import llm_intent
    from . import services

    examples = load_examples(args.set or DEFAULT_SET)
    retriever = services.retriever(settings) if (settings.catalog_dir / "ACTIVE").exists() else None
    parser = services.intent_parser(settings, retriever)
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    reports = {}
    if args.limit and args.limit < len(examples):
        step = len(examples) / args.limit
        examples = [examples[int(i * step)] for i in range(args.limit)]
    for mode in modes:
        subset = examples
        if mode == "none":
            reports[mode] = evaluate_intents(lambda t, c: parser.parse(t, c, use_llm=False).intent, subset)
        elif mode == "hybrid":
            reports[mode] = evaluate_intents(lambda t, c: parser.parse(t, c).intent, subset)
        elif mode == "local":
            llm = services.llm(settings)
            if llm is None:
                raise ValueError("no LLM available for the 'local' mode (SHOPASSIST_LLM=none?)")

            def llm_only(text, context, llm=llm):
                try:
                    return llm_intent(text, llm, context.previous if context else None)
                except LLMUnavailable:
                    return IntentParser().parse("", use_llm=False).intent  # counts as an empty answer
            reports[mode] = evaluate_intents(llm_only, subset)
        else:
            raise ValueError(f"unknown mode {mode!r}: use none, local, hybrid")
    if args.json:
        print(json.dumps({m: r.model_dump(exclude={"mismatches"}) for m, r in reports.items()}))
    else:
        for mode, report in reports.items():
            print(f"== {mode}\n{format_table(report)}\n")
    return 0


def cmd_events_import(args: argparse.Namespace, settings: Settings) -> int:
    """Bad lines go to stderr with their line numbers; every valid line is stored (1000 per transaction).
    The last stdout line is the JSON summary, `rejected` holding {"index": LINE, "field", "message"}."""
    from ranking.events import EventsReport, Rejection, validate_events

    from . import services

    if not args.path.is_file():
        raise FileNotFoundError(f"no such events file: {args.path}")
    store = services.event_store(settings)
    report = EventsReport(accepted=0, duplicates=0)

    def flush(numbered: list[tuple[int, object]]) -> None:
        events, rejected = validate_events([item for _, item in numbered])
        for rejection in rejected:
            line = numbered[rejection.index][0]
            report.rejected.append(rejection.model_copy(update={"index": line}))
        if events:
            added = store.add(events)
            report.accepted += added.accepted
            report.duplicates += added.duplicates

    try:
        with open(args.path, encoding="utf-8") as handle:
            chunk: list[tuple[int, object]] = []
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    chunk.append((number, json.loads(line)))
                except ValueError as exc:
                    report.rejected.append(Rejection(index=number, field="json", message=f"not valid JSON: {exc}"))
                if len(chunk) == 1000:
                    flush(chunk)
                    chunk = []
            flush(chunk)
    finally:
        store.close()
    report.rejected.sort(key=lambda r: r.index)
    for rejection in report.rejected:
        print(f"line {rejection.index}: {rejection.message}", file=sys.stderr)
    print(report.model_dump_json())
    return 1 if report.rejected else 0


def cmd_events_export(args: argparse.Namespace, settings: Settings) -> int:
    from . import services

    store = services.event_store(settings)
    written = 0
    try:
        with open(args.path, "w", encoding="utf-8") as handle:
            for event in store.iter_events(since=args.since):
                handle.write(event.model_dump_json() + "\n")
                written += 1
    finally:
        store.close()
    print(f"exported {written} events to {args.path}", file=sys.stderr)
    return 0


def cmd_simulate(args: argparse.Namespace, settings: Settings) -> int:
    from ranking.simulator import format_report, simulate

    from . import services

    store = services.event_store(settings)
    try:
        report = simulate(services.retriever(settings), store, users=args.users, sessions=args.sessions,
                          seed=args.seed, days=args.days, end=args.end)
    finally:
        store.close()
    print(report.model_dump_json() if args.json else format_report(report))
    return 0


def _day(text: str):
    """An argparse type: an ISO date."""
    from datetime import date

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an ISO date (YYYY-MM-DD), got {text!r}") from None


def _moment(text: str):
    """An argparse type: an ISO date or datetime; naive means UTC."""
    from datetime import datetime, timezone

    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an ISO date or datetime, got {text!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _one_line(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'line'}: {e['msg']}" for e in exc.errors())
    return str(exc).splitlines()[0]


if __name__ == "__main__":
    sys.exit(main())
