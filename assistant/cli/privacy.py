"""`shopassist privacy export | forget | purge`: a shopper's data, and retention (assistant/privacy.py).

    shopassist privacy export --user u-1        # JSON: events, sessions, affinities held about u-1
    shopassist privacy forget --user u-1        # delete them; prints what went
    shopassist privacy purge [--days 90]        # delete events and sessions older than that (default:
                                                # SHOPASSIST_RETENTION_DAYS)
"""

from __future__ import annotations

import argparse
import json

from ..config import Settings


def register(sub, eval_sub) -> None:
    privacy = sub.add_parser("privacy", help="a shopper's data (export, forget) and retention (purge)")
    privacy_sub = privacy.add_subparsers(required=True, metavar="ACTION")
    export = privacy_sub.add_parser("export", help="print what is held about a shopper, as JSON")
    export.add_argument("--user", required=True, help="the store's id for the shopper")
    export.set_defaults(handler=cmd_export)
    forget = privacy_sub.add_parser("forget", help="delete a shopper's events, sessions and ranker affinities")
    forget.add_argument("--user", required=True, help="the store's id for the shopper")
    forget.set_defaults(handler=cmd_forget)
    purge = privacy_sub.add_parser("purge", help="delete events and chat sessions older than the retention")
    purge.add_argument("--days", type=int, default=None, help="default: SHOPASSIST_RETENTION_DAYS")
    purge.set_defaults(handler=cmd_purge)


def _services(settings: Settings):
    from ..services import Services

    return Services(settings)


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    from ..privacy import export_user

    services = _services(settings)
    try:
        print(json.dumps(export_user(services, args.user), indent=1))
    finally:
        services.close()
    return 0


def cmd_forget(args: argparse.Namespace, settings: Settings) -> int:
    from ..privacy import forget_user

    services = _services(settings)
    try:
        print(json.dumps({"user_id": args.user, "removed": forget_user(services, args.user)}))
    finally:
        services.close()
    return 0


def cmd_purge(args: argparse.Namespace, settings: Settings) -> int:
    from ..privacy import purge

    days = args.days or settings.retention_days
    if not days or days < 1:
        raise ValueError("no retention: pass --days N or set SHOPASSIST_RETENTION_DAYS")
    services = _services(settings)
    try:
        print(json.dumps({"days": days, "removed": purge(services, days)}))
    finally:
        services.close()
    return 0
