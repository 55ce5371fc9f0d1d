"""The `shopassist` command: one module per area, each registering its subcommands."""

from __future__ import annotations

import argparse
import logging
import sys

from ..config import get_settings
from . import agents, catalog, chat, evaluate_chat, events, intent, keys, policies, privacy, ranker, train_intent


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        return args.handler(args, get_settings()) or 0
    except (ValueError, FileNotFoundError) as exc:
        print(f"shopassist: error: {exc}", file=sys.stderr)
        return 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="shopassist", description="Self-hosted LLM shopping assistant.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress and decisions")
    sub = parser.add_subparsers(required=True, metavar="COMMAND")
    evaluate = sub.add_parser("eval", help="evaluate a component")
    eval_sub = evaluate.add_subparsers(required=True, metavar="WHAT")
    for area in (catalog, intent, events, ranker, chat, evaluate_chat, policies, keys, agents, privacy, train_intent):
        area.register(sub, eval_sub)
    return parser
