"""`shopassist events import | export | simulate`: the behaviour-event log."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..config import Settings
from .arguments import iso_day, iso_moment


def register(sub, eval_sub) -> None:
    events = sub.add_parser("events", help="behaviour events (UBI): import and export NDJSON")
    events_sub = events.add_subparsers(required=True, metavar="ACTION")
    events_import = events_sub.add_parser("import", help="store events from NDJSON, one event per line")
    events_import.add_argument("path", type=Path)
    events_import.add_argument("--trusted", action="store_true",
                               help="the store's own search log: record its query events as searches this server "
                                    "issued, so train-ranker may learn from interactions on them (bot, burst and "
                                    "cap screening still apply); default: they are flagged and not learnt from")
    events_import.set_defaults(handler=cmd_events_import)
    events_export = events_sub.add_parser("export", help="write stored events as NDJSON, oldest first")
    events_export.add_argument("path", type=Path)
    events_export.add_argument("--since", type=iso_moment, metavar="DATE",
                               help="only events at or after DATE (ISO 8601; naive = UTC)")
    events_export.set_defaults(handler=cmd_events_export)

    simulate = sub.add_parser("simulate", help="store a SYNTHETIC click log made by simulated shoppers")
    simulate.add_argument("--users", type=int, required=True, help="number of simulated shoppers")
    simulate.add_argument("--sessions", type=int, required=True, help="number of sessions, over all shoppers")
    simulate.add_argument("--seed", type=int, default=0, help="random seed (default 0); same seed, same events")
    simulate.add_argument("--days", type=int, default=30, help="spread sessions over the last D days (default 30)")
    simulate.add_argument("--end", type=iso_day, metavar="DATE",
                          help="the window's end (ISO date; default: the day after the newest product launch)")
    simulate.add_argument("--json", action="store_true", help="print the full report, shopper profiles included")
    simulate.set_defaults(handler=cmd_simulate)


def cmd_events_import(args: argparse.Namespace, settings: Settings) -> int:
    """Bad lines go to stderr with their line numbers; every valid line is stored (1000 per transaction).
    The last stdout line is the JSON summary, `rejected` holding {"index": LINE, "field", "message"}.

    `--trusted`: the file's valid query events (duplicates of stored ones included) are recorded as issued
    (`EventStore.trust`), so only interactions that do not match one of them (an id it lacks, another session or
    user) are flagged; the summary adds `trusted_searches` (newly recorded). An interaction may come before its
    query event in the file: it is checked again at the end."""
    from ranking.events import EventsReport, InteractionEvent, Rejection, validate_events
    from ranking.screening import binding_problem

    from ..services import Services

    if not args.path.is_file():
        raise FileNotFoundError(f"no such events file: {args.path}")
    store = Services(settings).events
    report = EventsReport(accepted=0, duplicates=0)
    trusted = 0
    unissued: list[InteractionEvent] = []  # with --trusted: their search may come later in the file

    def flush(numbered: list[tuple[int, object]]) -> None:
        nonlocal trusted
        events, rejected = validate_events([item for _, item in numbered])
        for rejection in rejected:
            line = numbered[rejection.index][0]
            report.rejected.append(rejection.model_copy(update={"index": line}))
        if events:
            added = store.add(events)
            report.accepted += added.accepted
            report.duplicates += added.duplicates
            if args.trusted:
                trusted += store.trust(e for e in events if e.type == "query")
            # Interactions on searches this server did not issue: stored, and never learnt from.
            interactions = [e for e in events if isinstance(e, InteractionEvent)]
            issued = store.issued(e.query_id for e in interactions)
            for event in interactions:
                problem = binding_problem(event, issued.get(event.query_id))
                if problem == "unissued_query" and args.trusted:
                    unissued.append(event)
                elif problem:
                    report.flagged += 1

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
        for start in range(0, len(unissued), 1000):
            pending = unissued[start:start + 1000]
            issued = store.issued(e.query_id for e in pending)
            report.flagged += sum(1 for e in pending if binding_problem(e, issued.get(e.query_id)))
    finally:
        store.close()
    report.rejected.sort(key=lambda r: r.index)
    for rejection in report.rejected:
        print(f"line {rejection.index}: {rejection.message}", file=sys.stderr)
    if args.trusted:
        print(f"trusted: {trusted} searches of this file recorded as issued; train-ranker may learn from "
              f"interactions on them (screening still applies)", file=sys.stderr)
        print(json.dumps({**report.model_dump(mode="json"), "trusted_searches": trusted}))
    else:
        print(report.model_dump_json())
    return 1 if report.rejected else 0


def cmd_events_export(args: argparse.Namespace, settings: Settings) -> int:
    from ..services import Services

    store = Services(settings).events
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

    from ..services import Services

    services = Services(settings)
    store = services.events
    try:
        report = simulate(services.retriever, store, users=args.users, sessions=args.sessions,
                          seed=args.seed, days=args.days, end=args.end)
    finally:
        store.close()
    print(report.model_dump_json() if args.json else format_report(report))
    return 0
