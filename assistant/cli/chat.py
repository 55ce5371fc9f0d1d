"""`shopassist chat`: the shopping assistant in the terminal, streaming its replies."""

from __future__ import annotations

import argparse
import json
import sys

from ..config import Settings


def register(sub, eval_sub) -> None:
    chat = sub.add_parser("chat", help="talk to the shopping assistant (one message, or a conversation on stdin)")
    chat.add_argument("message", nargs="?", help="one message; without it, read one message a line until EOF")
    chat.add_argument("--session", help="continue this session id")
    chat.add_argument("--user", help="who is shopping (personalizes ranking)")
    chat.add_argument("--llm", choices=["auto", "none", "local", "openai"], default=None,
                      help="override SHOPASSIST_LLM for this run (none: template replies)")
    chat.add_argument("--json", action="store_true", help="print each full response as one JSON line")
    chat.set_defaults(handler=cmd_chat)


def cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    from .. import services
    from ..chat.models import ChatRequest

    if args.llm:
        settings.llm = args.llm
    if not (settings.catalog_dir / "ACTIVE").exists():
        raise ValueError("no catalog in the data home: run `shopassist demo --no-serve` or `shopassist ingest`")
    retriever = services.retriever(settings)
    events = services.event_store(settings)
    chat = services.chat_service(settings, services.product_search(settings, retriever),
                                 services.intent_parser(settings, retriever), events)
    interactive = args.message is None and sys.stdin.isatty()
    session_id = args.session
    try:
        for message in [args.message] if args.message is not None else _lines(interactive):
            request = ChatRequest(message=message, session_id=session_id, user_id=args.user)
            done = _turn(chat, request, args.json)
            if done is None:
                return 1
            session_id = done["session_id"]
    finally:
        chat.close()
        events.close()
    if not args.json:
        print(f"(session {session_id})", file=sys.stderr)
    return 0


def _turn(chat, request, as_json: bool) -> dict | None:
    """Stream one turn: the reply as it comes, then the product cards; the final response, or None on error."""
    for event, data in chat.stream(request):
        if event == "token" and not as_json:
            print(data["text"], end="", flush=True)
        elif event == "error":
            print(f"\nshopassist: error: {data['detail']}", file=sys.stderr)
            return None
        elif event == "done":
            if as_json:
                print(json.dumps(data), flush=True)
            else:
                print()
                for n, card in enumerate(data["products"], start=1):
                    price = f"${card['price']:,.2f}" if card["price"] is not None else "no price"
                    print(f"  {n}. {card['title']}  {price}  [{card['id']}]  {' · '.join(card['reasons'])}")
                print()
            return data
    return None


def _lines(interactive: bool):
    while True:
        try:
            line = input("you> ") if interactive else sys.stdin.readline()
        except EOFError:
            return
        if not interactive and not line:
            return
        if line.strip():
            yield line.strip()
