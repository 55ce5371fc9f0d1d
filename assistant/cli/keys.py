"""`shopassist keys create | list | revoke` (API keys, assistant/keys.py) and `shopassist identity sign` (a
signed shopper identity, assistant/identity.py, for trying personalization).

    shopassist keys create --role staff --label "support desk"     # prints the key once
    shopassist keys create --role public --origins https://shop.example https://www.shop.example
    shopassist keys list [--all] [--json]
    shopassist keys revoke sa_staff_Xy12Ab9Q

Whoever can run these can read the data home: key management is an admin action by construction.
"""

from __future__ import annotations

import argparse
import json
import sys

from ..config import Settings
from ..keys import ROLES, KeyStore, open_key_store

DEMO_LABEL = "demo (shopassist demo)"


def register(sub, eval_sub) -> None:
    keys = sub.add_parser("keys", help="API keys: create, list, revoke")
    keys_sub = keys.add_subparsers(required=True, metavar="ACTION")
    create = keys_sub.add_parser("create", help="create a key and print it (shown once; stored hashed)")
    create.add_argument("--role", required=True, choices=ROLES,
                        help="public: the widget (shopper doors, from --origins only); staff: the copilot; "
                             "admin: policies and key management")
    create.add_argument("--origins", nargs="+", default=[], metavar="ORIGIN",
                        help="for a public key: the shop's origins, e.g. https://shop.example")
    create.add_argument("--label", default="", help="who or what the key is for")
    create.add_argument("--json", action="store_true")
    create.set_defaults(handler=cmd_create)
    listing = keys_sub.add_parser("list", help="the keys (ids, roles, origins; never the keys themselves)")
    listing.add_argument("--all", action="store_true", help="revoked keys too")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=cmd_list)
    revoke = keys_sub.add_parser("revoke", help="revoke a key by its id (the prefix `keys list` shows)")
    revoke.add_argument("key_id")
    revoke.set_defaults(handler=cmd_revoke)

    identity = sub.add_parser("identity", help="signed shopper identities (SHOPASSIST_IDENTITY_SECRET)")
    identity_sub = identity.add_subparsers(required=True, metavar="ACTION")
    sign = identity_sub.add_parser("sign", help="print a signed user_id token, as the store's site makes them")
    sign.add_argument("user_id")
    sign.add_argument("--ttl", type=int, default=86_400, help="seconds the token is valid (default a day)")
    sign.set_defaults(handler=cmd_sign)


def _store(settings: Settings) -> KeyStore:
    return open_key_store(settings.events_database_url)


def cmd_create(args: argparse.Namespace, settings: Settings) -> int:
    store = _store(settings)
    try:
        created = store.create(args.role, args.origins, args.label)
    finally:
        store.close()
    if args.json:
        print(json.dumps({"key": created.key, **created.record.model_dump(mode="json")}))
    else:
        print(created.key)
        print(f"{created.record.role} key {created.record.id} created; it is shown only now: keep it somewhere "
              f"safe (send it as 'Authorization: Bearer <key>')", file=sys.stderr)
    return 0


def cmd_list(args: argparse.Namespace, settings: Settings) -> int:
    store = _store(settings)
    try:
        records = store.list(include_revoked=args.all)
    finally:
        store.close()
    if args.json:
        print(json.dumps({"keys": [record.model_dump(mode="json") for record in records]}))
        return 0
    for record in records:
        state = f"revoked {record.revoked_at:%Y-%m-%d %H:%M}" if record.revoked_at else "active"
        origins = f"  origins: {' '.join(record.origins)}" if record.origins else ""
        print(f"{record.id:<22} {record.role:<6} {state:<24} created {record.created_at:%Y-%m-%d %H:%M}"
              f"{origins}{'  ' + record.label if record.label else ''}")
    if not records:
        print("no keys: create one with `shopassist keys create --role staff`", file=sys.stderr)
    return 0


def cmd_revoke(args: argparse.Namespace, settings: Settings) -> int:
    store = _store(settings)
    try:
        record = store.revoke(args.key_id)
    except KeyError:
        raise ValueError(f"no key with id {args.key_id!r} (see `shopassist keys list --all`)") from None
    finally:
        store.close()
    print(f"{record.role} key {record.id} revoked", file=sys.stderr)
    return 0


def cmd_sign(args: argparse.Namespace, settings: Settings) -> int:
    from ..identity import sign_identity

    if not settings.identity_secret:
        raise ValueError("SHOPASSIST_IDENTITY_SECRET is not set: the server ignores every user_id without it")
    print(sign_identity(args.user_id, settings.identity_secret, args.ttl))
    return 0


def demo_staff_key(settings: Settings) -> str:
    """A fresh staff key for the demo (`make run`), printed at start-up: the previous demo key is revoked, so
    only the key of the running demo works."""
    store = _store(settings)
    try:
        for record in store.list():
            if record.label == DEMO_LABEL:
                store.revoke(record.id)
        return store.create("staff", label=DEMO_LABEL).key
    finally:
        store.close()
