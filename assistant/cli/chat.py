"""`shopassist chat`: the shopping assistant in the terminal, streaming its replies."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from ..config import Settings

if TYPE_CHECKING:
    from ..chat.models import ChatRequest, ChatResponse
    from ..chat.service import ChatService


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
    from ..chat.models import ChatRequest
    from ..services import Services

    if args.llm:
        settings.llm = args.llm
    if not (settings.catalog_dir / "ACTIVE").exists():
        raise ValueError("no catalog in the data home: run `shopassist demo --no-serve` or `shopassist ingest`")
    services = Services(settings)
    chat = services.chat
    interactive = args.message is None and sys.stdin.isatty()
    session_id = args.session
    try:
        for message in [args.message] if args.message is not None else _lines(interactive):
            request = ChatRequest(message=message, session_id=session_id, user_id=args.user)
            done = _turn(chat, request, args.json)
            if done is None:
                return 1
            session_id = done.session_id
    finally:
        services.close()
    if not args.json:
        print(f"(session {session_id})", file=sys.stderr)
    return 0


def _turn(chat: ChatService, request: ChatRequest, as_json: bool) -> ChatResponse | None:
    """Stream one turn: the reply as it comes, then the product cards; the final response, or None on error."""
    from ..chat.models import DoneEvent, ErrorEvent, TokenEvent

    for event in chat.stream(request):
        if isinstance(event, TokenEvent) and not as_json:
            print(event.text, end="", flush=True)
        elif isinstance(event, ErrorEvent):
            print(f"\nshopassist: error: {event.detail}", file=sys.stderr)
            return None
        elif isinstance(event, DoneEvent):
            response = event.response
            if as_json:
                print(json.dumps(response.model_dump(mode="json")), flush=True)
            else:
                print()
                for n, card in enumerate(response.products, start=1):
                    price = f"${card.price:,.2f}" if card.price is not None else "no price"
                    print(f"  {n}. {card.title}  {price}  [{card.id}]  {' · '.join(card.reasons)}")
                print()
            return response
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
