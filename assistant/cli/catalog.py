"""`shopassist demo | serve | ingest | search | eval retrieval`: the catalog and its search."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from pydantic import ValidationError

from ..config import Settings
from .batch import numbered_lines, one_line


def register(sub, eval_sub) -> None:
    demo = sub.add_parser("demo", help="build the demo store if missing, then serve it")
    demo.add_argument("--no-serve", action="store_true", help="only build the demo store")
    demo.add_argument("--products", type=int, default=None, help="demo catalog size (default 2000)")
    demo.set_defaults(handler=cmd_demo)

    serve = sub.add_parser("serve", help="serve the API (and pages) for the current catalog")
    serve.add_argument("--host", default=None)
    serve.add_argument("--port", type=int, default=None)
    serve.add_argument("--workers", type=int, default=1,
                       help="worker processes on the one port (use PostgreSQL and a Chroma server: README 'Deploying')")
    serve.set_defaults(handler=cmd_serve)

    ingest = sub.add_parser("ingest", help="add or update products from a feed file")
    ingest.add_argument("path", type=Path)
    ingest.add_argument("--format", default="auto", choices=["auto", "shopify", "google", "csv", "jsonl", "acp"])
    ingest.add_argument("--map", action="append", default=[], metavar="FIELD=COLUMN",
                        help='map a product field to a feed column, e.g. --map title="Product Name"')
    ingest.add_argument("--replace", action="store_true",
                        help="build a new catalog from this feed and swap it in only on success")
    ingest.add_argument("--json", action="store_true", help="end with a JSON summary line")
    ingest.add_argument("--no-enrich", dest="enrich", action="store_false",
                        help="take the feed as it is: derive no brand or attributes from the products' own text")
    ingest.set_defaults(handler=cmd_ingest)

    catalog = sub.add_parser("catalog", help="about the serving catalog")
    catalog_sub = catalog.add_subparsers(required=True, metavar="WHAT")
    stats = catalog_sub.add_parser("stats", help="product count and, per field, the share from the feed and the "
                                                 "share derived at ingest")
    stats.add_argument("--json", action="store_true")
    stats.set_defaults(handler=cmd_catalog_stats)

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

    retrieval = eval_sub.add_parser("retrieval", help="NDCG@10, Recall@50, MRR: dense vs BM25 vs hybrid")
    retrieval.add_argument("--qrels", type=Path, help="JSONL {query, judgments} or TSV query/id/grade "
                                                      "(default: the demo query set)")
    retrieval.add_argument("--min-relevant", type=int, default=None,
                           help="grade that counts as relevant for recall and MRR (default: highest grade)")
    retrieval.add_argument("--json", action="store_true")
    retrieval.set_defaults(handler=cmd_eval_retrieval)


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from ..demo_store import ensure_demo_store

    if args.products:
        settings.demo_products = args.products
    built = ensure_demo_store(settings)
    print(f"demo store {'built' if built else 'already present'} in {settings.home}", file=sys.stderr)
    if settings.llm == "local" or (settings.llm == "auto" and not settings.llm_url):
        from ..llm.prepare import prepare_local_model

        try:  # once per machine (~30 s), so the first intent request does not pay for it
            prepare_local_model(settings)
        except (OSError, ValueError) as exc:
            print(f"local LLM not prepared, intents use the rules only: {exc}", file=sys.stderr)
    if args.no_serve:
        return 0
    from .keys import demo_staff_key

    print(f"staff key for the Copilot tab at /ui and POST /v1/copilot/suggest (valid until the next "
          f"`shopassist demo`):\n    {demo_staff_key(settings)}", file=sys.stderr)
    return cmd_serve(argparse.Namespace(host=None, port=None, workers=1), settings)


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from ..api import create_app

    from ..keys import open_key_store

    host, port = args.host or settings.host, args.port or settings.port
    keys = open_key_store(settings.events_database_url)
    try:
        closed = [role for role in ("staff", "admin") if not keys.has_role(role)]
    finally:
        keys.close()
    if closed:  # doors always need a key: without one they stay shut (401), wherever the server listens
        print(f"no {' or '.join(closed)} key: the {' and '.join(closed)} doors answer 401 until one is created "
              f"(shopassist keys create --role {closed[-1]})", file=sys.stderr)
    print(f"shopassist serving on http://{host}:{port}  (API docs: /docs)", file=sys.stderr)
    workers = getattr(args, "workers", 1) or 1
    if workers > 1 and settings.events_database_url.startswith("sqlite"):
        print("several workers on SQLite: they take turns writing one file (fine for a trial; use "
              "SHOPASSIST_DATABASE_URL=postgresql://... for a shop)", file=sys.stderr)
    if workers > 1 and not settings.chroma_host:
        print("several workers on the embedded Chroma store: each opens it; an ingest while they serve wants a "
              "Chroma server (CHROMA_HOST)", file=sys.stderr)
    if workers > 1:  # each worker builds its own app from the environment (assistant/api/workers.py)
        os.environ["SHOPASSIST_HOST"], os.environ["SHOPASSIST_PORT"] = host, str(port)
        uvicorn.run("assistant.api.workers:app", factory=True, host=host, port=port, workers=workers,
                    log_config=None, access_log=False)
    else:
        from ..api.observability import configure_logging

        configure_logging(settings.log_format)
        uvicorn.run(create_app(settings, warm_up=True), host=host, port=port, log_config=None, access_log=False)
    return 0


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    from retrieval.ingest.pipeline import ingest_products, read_feed

    from ..services import Services

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
    services = Services(settings)
    report = ingest_products(services.catalog_home, services.embedder, rows,
                             replace=args.replace, progress=progress, enrich=args.enrich)
    print(file=sys.stderr)
    for error in report.errors[:20]:
        print(f"skipped line {error.line}: {error.reason}", file=sys.stderr)
    if len(report.errors) > 20:
        print(f"... and {len(report.errors) - 20} more skipped rows (see --json)", file=sys.stderr)
    for warning in report.warnings[:20]:
        print(f"line {warning.line}: {warning.field} {warning.reason}", file=sys.stderr)
    if len(report.warnings) > 20:
        print(f"... and {len(report.warnings) - 20} more dropped values (see --json)", file=sys.stderr)
    summary = f"ingested {report.ingested}, updated {report.updated}, skipped {report.skipped}"
    if report.warnings:
        summary += f"; dropped {len(report.warnings)} unsafe values (kept the products)"
    if report.enrichment is not None and report.enrichment.derived:
        derived = ", ".join(f"{name} {count}" for name, count in report.enrichment.derived.items() if count)
        summary += f"; derived from the products' own text: {derived or 'nothing'}"
    print(report.model_dump_json() if args.json else summary)
    return 0


def cmd_catalog_stats(args: argparse.Namespace, settings: Settings) -> int:
    from retrieval.catalog import open_active_products
    from retrieval.enrichment.stats import CatalogStats, catalog_stats, format_stats

    opened = open_active_products(settings.catalog_dir)
    if opened is None:
        stats = CatalogStats()
    else:
        name, store = opened
        try:
            stats = catalog_stats(store.iter_products(), version=name)
        finally:
            store.close()
    print(stats.model_dump_json() if args.json else format_stats(stats))
    if not stats.products:
        print("the catalog is empty: run `shopassist ingest FEED` or `shopassist demo --no-serve`", file=sys.stderr)
    return 0


def cmd_search(args: argparse.Namespace, settings: Settings) -> int:
    from retrieval.models import SearchRequest

    from ..services import Services

    services = Services(settings)
    search = services.search  # as shoppers and POST /v1/search get it: reranked when a ranker is trained
    if args.batch:
        return _search_batch(search, args.batch, args.k, args.mode)
    if not args.query:
        raise ValueError("give a QUERY or --batch FILE")
    request = SearchRequest(query=args.query, k=args.k, mode=args.mode, min_price=args.min_price,
                            max_price=args.max_price, brand=args.brand, exclude_brand=args.exclude_brand,
                            category=args.category, color=args.color, size=args.size, in_stock=args.in_stock)
    response = search.search(request)
    if args.json:
        print(response.model_dump_json())
        return 0
    if services.retriever.product_count() == 0:
        print("the catalog is empty: run `shopassist ingest FEED` or `shopassist demo --no-serve`",
              file=sys.stderr)
    for rank, hit in enumerate(response.results, start=1):
        price = "price unknown" if hit.price is None else f"{hit.price:.2f} {hit.currency}"
        print(f"{rank:>3}. {hit.title}  [{price}]  {' > '.join(hit.category)}  ({hit.id})")
    return 0


def _search_batch(search, path: Path, k: int, mode: str) -> int:
    from retrieval.models import SearchRequest

    failed = 0
    for number, line in numbered_lines(path):
        try:
            fields = json.loads(line)
            if not isinstance(fields, dict):
                raise ValueError("expected a JSON object")
            request = SearchRequest.model_validate({"k": k, "mode": mode, **fields})
        except (ValueError, ValidationError) as exc:
            failed += 1
            print(json.dumps({"line": number, "error": one_line(exc)}), flush=True)
            continue
        response = search.search(request)
        print(json.dumps({"query": request.query, "ranker": response.ranker, "results": [
            {"id": h.id, "title": h.title, "price": h.price, "currency": h.currency,
             "category": h.category, "score": h.score} for h in response.results]}), flush=True)
    return 1 if failed else 0


def cmd_eval_retrieval(args: argparse.Namespace, settings: Settings) -> int:
    from retrieval.evaluation import dump, evaluate, format_table, load_qrels

    from ..services import Services
    from ..demo_store import demo_queries_path

    path = args.qrels or demo_queries_path(settings)
    if not path.is_file():
        raise FileNotFoundError(f"no qrels file at {path}: build the demo store (`shopassist demo --no-serve`) "
                                f"or pass --qrels FILE")
    results = evaluate(Services(settings).retriever, load_qrels(path), min_relevant=args.min_relevant)
    print(dump(results) if args.json else format_table(results))
    return 0

