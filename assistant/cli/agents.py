"""`shopassist mcp | export`: the store for outside agents. `mcp` serves the MCP tools (Universal Commerce
Protocol shopping service) over stdio for desktop clients; `export` writes the serving catalog as an ACP or
Google Merchant Center feed for agent platforms."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..config import Settings


def register(sub, eval_sub) -> None:
    mcp = sub.add_parser("mcp", help="serve the store's MCP tools (UCP catalog, cart, policies, the assistant) "
                                     "over stdio, for desktop MCP clients")
    mcp.set_defaults(handler=cmd_mcp)

    export = sub.add_parser("export", help="write the serving catalog as an ACP or Google product feed")
    export.add_argument("--format", default="acp", choices=["acp", "google"])
    export.add_argument("--out", type=Path, help="the feed file: .jsonl, .csv or .tsv (default: ACP JSONL, "
                                                 "Google TSV, on stdout)")
    export.add_argument("--base-url", help="the store's address, for relative product links (default: "
                                           "SHOPASSIST_PUBLIC_URL, else http://HOST:PORT)")
    export.add_argument("--image-fallback", help="image URL for products without one (feeds require an image)")
    export.add_argument("--seller-name", help="ACP seller_name (default: SHOPASSIST_STORE_NAME)")
    export.add_argument("--seller-url", help="ACP seller_url (default: the base URL)")
    export.add_argument("--return-policy", help="ACP return_policy: the URL of the store's return policy")
    export.add_argument("--return-window", type=int, help="ACP return_window: days to return an item")
    export.add_argument("--json", action="store_true", help="end with the JSON report on stdout's last line "
                                                            "(needs --out)")
    export.set_defaults(handler=cmd_export)


def cmd_mcp(args: argparse.Namespace, settings: Settings) -> int:
    from ..ucp.server import run_stdio

    if not settings.mcp:
        raise ValueError("the MCP server is switched off (SHOPASSIST_MCP=off)")
    run_stdio(settings)
    return 0


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    import json

    from retrieval.catalog import open_active_products
    from retrieval.export import ExportOptions, export_feed

    if args.json and not args.out:
        raise ValueError("--json needs --out (the feed goes to the file, the report to stdout)")
    layout = "tsv" if args.format == "google" else "jsonl"
    if args.out:
        suffix = args.out.suffix.lower().lstrip(".")
        layout = {"jsonl": "jsonl", "ndjson": "jsonl", "json": "jsonl", "csv": "csv", "tsv": "tsv",
                  "txt": "tsv"}.get(suffix, layout)
    base = args.base_url or settings.base_url
    options = ExportOptions(base_url=base, image_fallback=args.image_fallback,
                            seller_name=args.seller_name or settings.store_name, seller_url=args.seller_url or base,
                            return_policy=args.return_policy, return_window=args.return_window)
    opened = open_active_products(settings.catalog_dir)
    if opened is None:
        raise ValueError("no catalog serves: run `shopassist ingest FEED` or `shopassist demo --no-serve` first")
    _, store = opened
    try:
        if args.out:
            with open(args.out, "w", encoding="utf-8", newline="") as handle:
                report = export_feed(store.iter_products(), args.format, handle, layout, options)
        else:
            report = export_feed(store.iter_products(), args.format, sys.stdout, layout, options)
    finally:
        store.close()
    for row in report.invalid[:20]:
        print(f"not exported {row.id}: {'; '.join(row.reasons)}", file=sys.stderr)
    if len(report.invalid) > 20:
        print(f"... and {len(report.invalid) - 20} more products not exported (see --json)", file=sys.stderr)
    for warning in report.warnings[:10]:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"exported {report.written} products as a {args.format} feed ({report.layout}); "
          f"{len(report.invalid)} could not make a valid row", file=sys.stderr)
    if args.json:
        print(json.dumps(report.model_dump(mode="json")))
    return 0
