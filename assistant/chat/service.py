"""`ChatService`: a chat turn end to end, the copilot's suggestion and the session cart.

    turn(ChatRequest) -> ChatResponse
    stream(ChatRequest) -> (event, data) pairs: intent, products, token..., done (or error)
    suggest(CopilotRequest) -> CopilotSuggestion
    cart(session_id) -> Cart;  add_to_cart(session_id, product_id, quantity) -> Cart

A turn: load the session (a new one when there is none or it expired) -> parse the message with the session
as context -> route: a tool-capable model calling the tools itself (`chat_tool_calling`; it falls back to
the router on any failure), else the deterministic router -> compose (LLM or template, grounding-checked)
-> save the session.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator
from datetime import date

from ranking.event_store import EventStore
from retrieval.policies import PolicyIndex
from tools import Shop, build_tools, tools_by_name
from tools.cart import add_to_cart as add_product

from ..intent.context import IntentContext
from ..intent.parser import IntentParser
from ..llm.chat import LLM
from .agent import run_agent
from .composer import Composer
from .copilot import suggest
from .models import Cart, ChatRequest, ChatResponse, CopilotRequest, CopilotSuggestion
from .pipeline import Findings, Router
from .sessions import Session, SessionStore

log = logging.getLogger(__name__)

Event = tuple[str, dict | list]


class UnknownSession(LookupError):
    def __init__(self, session_id: str):
        super().__init__(f"session_id: no session {session_id!r} (it may have expired)")
        self.session_id = session_id


class ChatService:
    def __init__(self, search, intent_parser: IntentParser, policies: PolicyIndex, sessions: SessionStore,
                 events: EventStore, llm: Callable[[], LLM | None] = lambda: None, *, results: int = 5,
                 history: int = 10, reply_chars: int = 400, first_token_seconds: float = 1.5,
                 use_llm_for_intent: bool = True, tool_calling: bool = False,
                 today: Callable[[], date] = date.today):
        """`llm` is a callable so the model loads on first use; it returns None for template replies."""
        self.search = search
        self.intent_parser = intent_parser
        self.policies = policies
        self.sessions = sessions
        self.events = events
        self.llm = llm
        self.results = results
        self.history = history
        self.reply_chars = reply_chars
        self.first_token_seconds = first_token_seconds
        self.use_llm_for_intent = use_llm_for_intent
        self.tool_calling = tool_calling
        self.today = today

    def close(self) -> None:
        self.sessions.close()

    # ------------------------------------------------------------------ chat

    def turn(self, request: ChatRequest) -> ChatResponse:
        for event, data in self._turn(request):
            if event == "done":
                return ChatResponse.model_validate(data)
        raise RuntimeError("the turn ended without a response")

    def stream(self, request: ChatRequest) -> Iterator[Event]:
        """The turn as events; a failure ends the stream with an `error` event instead of `done`."""
        try:
            yield from self._turn(request)
        except Exception:  # noqa: BLE001 - the client gets an error event, the log the traceback
            log.exception("chat turn failed")
            yield "error", {"detail": "the assistant could not answer this message; please try again"}

    def _turn(self, request: ChatRequest) -> Iterator[Event]:
        session = self._session(request.session_id, request.user_id)
        parsed = self.intent_parser.parse(request.message, session.context(), use_llm=self.use_llm_for_intent)
        intent = parsed.intent
        yield "intent", intent.model_dump(mode="json")
        tools = build_tools(self.shop(session))
        llm = self.llm()
        called = run_agent(llm, tools, intent, request.message, session) if self.tool_calling and llm else None
        findings, written = called or (Router(tools_by_name(tools), session, self.results).route(
            intent, request.message), None)
        yield "products", [card.model_dump(mode="json") for card in findings.products]
        composer = Composer(findings, request.message, llm, self.reply_chars, self.first_token_seconds, written)
        for piece in composer.stream():
            yield "token", {"text": piece}
        session.remember(request.message, composer.text, self.history)
        self.sessions.save(session)
        yield "done", self._response(session, findings, composer).model_dump(mode="json")

    def _response(self, session: Session, findings: Findings, composer: Composer) -> ChatResponse:
        show_cart = findings.route in ("cart_add", "cart_view") or bool(session.cart.lines)
        return ChatResponse(session_id=session.id, query_id=findings.query_id, reply=composer.text,
                            products=findings.products, intent=findings.intent,
                            cart=session.cart if show_cart else None, policies=findings.policies,
                            composer=composer.composer)

    def _session(self, session_id: str | None, user_id: str | None) -> Session:
        """The stored session; a new one (under the id asked for, so a client's id keeps working) when there
        is none or it expired."""
        session = self.sessions.get(session_id) if session_id else None
        if session is None:
            session = Session(id=session_id or uuid.uuid4().hex, user_id=user_id)
        elif user_id and session.user_id != user_id:
            session.user_id = user_id
        return session

    def shop(self, session: Session, log_searches: bool = True) -> Shop:
        return Shop(search=self.search, policies=self.policies, events=self.events, session=session,
                    today=self.today(), log_searches=log_searches)

    # ------------------------------------------------------------------ copilot

    def suggest(self, request: CopilotRequest) -> CopilotSuggestion:
        return suggest(self, request)

    def context_of(self, messages: list[str]) -> IntentContext:
        """The context earlier customer messages build: each parsed over the one before (rules only)."""
        context = IntentContext()
        for text in messages:
            intent = self.intent_parser.parse(text, context, use_llm=False).intent
            if intent.action in ("search", "recommend", "refine"):
                context = IntentContext(previous=intent)
        return context

    # ------------------------------------------------------------------ cart

    def cart(self, session_id: str) -> Cart:
        return self._stored(session_id).cart

    def add_to_cart(self, session_id: str, product_id: str, quantity: int = 1) -> Cart:
        """Raises UnknownSession, or tools.UnknownProduct (both LookupErrors naming the field)."""
        session = self._stored(session_id)
        cart = add_product(self.shop(session), product_id, quantity)
        self.sessions.save(session)
        return cart

    def _stored(self, session_id: str) -> Session:
        session = self.sessions.get(session_id)
        if session is None:
            raise UnknownSession(session_id)
        return session
