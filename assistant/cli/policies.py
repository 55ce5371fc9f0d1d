"""`shopassist policies load | list | clear`: the store's own policy documents (returns, shipping, ...).

    shopassist policies load policies.md                 # Markdown: `#`/`##` headings are titles
    shopassist policies load policies.json               # a Shopify policy export (Admin API policies.json)
    shopassist policies load refunds.txt shipping.html   # plain text (paragraphs), HTML; several files at once
    shopassist policies list [--json]

`load` replaces the whole set atomically; a running server answers from the new set on its next question.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from retrieval.policies import POLICY_FORMATS, PolicyStore, read_policies

from ..config import Settings


def register(sub, eval_sub) -> None:
    policies = sub.add_parser("policies", help="the store's policy documents: load, list, clear")
    policies_sub = policies.add_subparsers(required=True, metavar="ACTION")
    load = policies_sub.add_parser(
        "load", help="replace the store's policies with the documents in FILE(s)",
        description="Markdown (# and ## headings are titles), a Shopify policy export (JSON from the Admin API, "
                    "bodies in HTML), HTML, or plain text (paragraphs become passages; the file name is the "
                    "document). A folder loads its .md, .txt, .html and .json files.")
    load.add_argument("paths", nargs="+", type=Path, metavar="FILE")
    load.add_argument("--format", choices=POLICY_FORMATS, default="auto",
                      help="force the format of every FILE (default: detected from each)")
    load.add_argument("--json", action="store_true", help="print the loaded documents as JSON")
    load.set_defaults(handler=cmd_load)
    listing = policies_sub.add_parser("list", help="the documents the assistant answers from, and their sections")
    listing.add_argument("--json", action="store_true", help="one JSON document: {\"documents\": [...]}")
    listing.set_defaults(handler=cmd_list)
    clear = policies_sub.add_parser("clear", help="remove every policy document (the assistant then says it "
                                                  "does not know, and how to reach the store)")
    clear.set_defaults(handler=cmd_clear)


def _store(settings: Settings) -> PolicyStore:
    return PolicyStore(settings.policies_home, contact=settings.store_contact)


def cmd_load(args: argparse.Namespace, settings: Settings) -> int:
    documents = read_policies(args.paths, args.format)
    store = _store(settings)
    store.replace(documents)
    _print(store, args.json)
    if not args.json:
        sections = sum(len(document.sections) for document in documents)
        print(f"loaded {len(documents)} document{'s' * (len(documents) != 1)}, {sections} section"
              f"{'s' * (sections != 1)} into {store.directory}", file=sys.stderr)
    return 0


def cmd_list(args: argparse.Namespace, settings: Settings) -> int:
    store = _store(settings)
    _print(store, args.json)
    if not args.json and not store.outline():
        print(f"no policies in {store.directory}: load them with `shopassist policies load FILE`", file=sys.stderr)
    return 0


def cmd_clear(args: argparse.Namespace, settings: Settings) -> int:
    store = _store(settings)
    store.replace([])
    print(f"removed the policies in {store.directory}", file=sys.stderr)
    return 0


def _print(store: PolicyStore, as_json: bool) -> None:
    outline = store.outline()
    if as_json:
        print(json.dumps({"documents": [document.model_dump() for document in outline]}, ensure_ascii=False))
        return
    for document in outline:
        print(f"{document.source}  {document.title}")
        for title in document.sections:
            print(f"  - {title}")
