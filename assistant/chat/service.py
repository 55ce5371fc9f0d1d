"""`ChatService`: a chat turn end to end, the copilot's suggestion and the session cart.

    turn(ChatRequest) -> ChatResponse
    stream(ChatRequest) -> ChatEvent...: IntentEvent, ProductsEvent, TokenEvent..., DoneEvent (or ErrorEvent)
    suggest(CopilotRequest) -> CopilotSuggestion
    cart(session_id) -> Cart;  add_to_cart(session_id, product_id, quantity) -> Cart

A turn: load the session (a new one when there is none or it expired) -> parse the message with the session
as context -> route: a tool-capable model calling the tools itself (`tool_calling`; it falls back to the
router on any failure), else the deterministic router (`routes`) -> compose (LLM or template,
grounding-checked) -> save the session.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date

from ranking.event_store import EventStore
from ranking.privacy import redact
from retrieval.errors import NotFound
from retrieval.policies import PolicyIndex
from tools import ProductSearch, Shop, build_tools, tools_by_name
from tools.cart import add_to_cart as add_product
from tools.models import Cart

from ..config import Settings
from ..intent.context import IntentContext
from ..intent.parser import IntentParser
from ..llm.chat import LLM
from ..llm.guard import Deadline
from ..metrics import METRICS
from .agent import run_agent
from .composer import Composer
from .copilot import suggest
from .findings import Findings
from .models import (ChatEvent, ChatRequest, ChatResponse, CopilotRequest, CopilotSuggestion, DoneEvent, ErrorEvent,
                     IntentEvent, ProductsEvent, TokenEvent)
from .routes import RouteContext, route
from .session_store import SessionStore
from .sessions import Session, is_issued_id, new_session_id

log = logging.getLogger(__name__)


def _count_turn(source, llm, composer: Composer) -> None:
    """/metrics: the turn, by who wrote the reply, and each LLM fallback (asked, and failed or too slow)."""
    METRICS.inc("shopassist_chat_turns_total", composer=composer.composer)
    if source.llm is not None and source.parser == "rules":
        METRICS.inc("shopassist_llm_fallbacks_total", stage="intent")
    if llm is not None and composer.llm is not None and composer.composer == "template":
        METRICS.inc("shopassist_llm_fallbacks_total", stage="composer")


class UnknownSession(NotFound):
    def __init__(self, session_id: str):
        super().__init__("session_id", f"no session {session_id!r} (it may have expired)")
        self.session_id = session_id


@dataclass(frozen=True)
class ChatOptions:
    """How turns are answered (from `Settings`: chat_*, session and LLM switches)."""

    results: int = 5  # product cards per reply
    history: int = 10  # messages a session keeps
    reply_chars: int = 400
    first_token_seconds: float = 1.5
    use_llm_for_intent: bool = True
    tool_calling: bool = False
    turn_seconds: float = 15.0  # one deadline for every LLM call of a turn

    @classmethod
    def from_settings(cls, settings: Settings) -> ChatOptions:
        return cls(results=settings.chat_results, history=settings.chat_history_turns,
                   reply_chars=settings.chat_reply_chars, first_token_seconds=settings.chat_first_token_seconds,
                   use_llm_for_intent=settings.serves_llm,
                   tool_calling=settings.chat_tool_calling and settings.serves_llm,
                   turn_seconds=settings.llm_turn_seconds)


class ChatService:
    def __init__(self, search: ProductSearch, intent_parser: IntentParser, policies: PolicyIndex,
                 sessions: SessionStore, events: EventStore, llm: Callable[[], LLM | None] = lambda: None,
                 options: ChatOptions = ChatOptions(), today: Callable[[], date] = date.today):
        """`llm` is a callable so the model loads on first use; it returns None for template replies."""
        self.search = search
        self.intent_parser = intent_parser
        self.policies = policies
        self.sessions = sessions
        self.events = events
        self.llm = llm
        self.options = options
        self.today = today

    def close(self) -> None:
        self.sessions.close()

    # ------------------------------------------------------------------ chat

    def turn(self, request: ChatRequest, search_marks: dict | None = None) -> ChatResponse:
        """The whole turn; `search_marks` go into the query_attributes of the searches it logs (an outside
        agent's turn marks them `traffic: agent`, assistant/ucp)."""
        for event in self._turn(request, search_marks):
            if isinstance(event, DoneEvent):
                return event.response
        raise RuntimeError("the turn ended without a response")

    def stream(self, request: ChatRequest) -> Iterator[ChatEvent]:
        """The turn as events; a failure ends the stream with an ErrorEvent instead of DoneEvent."""
        try:
            yield from self._turn(request)
        except Exception:  # noqa: BLE001 - the client gets an error event, the log the traceback
            log.exception("chat turn failed")
            yield ErrorEvent(detail="the assistant could not answer this message; please try again")

    def _turn(self, request: ChatRequest, search_marks: dict | None = None) -> Iterator[ChatEvent]:
        deadline = Deadline.for_turn(self.options.turn_seconds)
        session = self._session(request.session_id, request.user_id)
        # Personal details (e-mails, phones, card numbers) never reach the LLM, the session or the events.
        message = redact(request.message)
        parsed = self.intent_parser.parse(message, session.context(),
                                          use_llm=self.options.use_llm_for_intent, deadline=deadline)
        intent = parsed.intent
        yield IntentEvent(intent=intent)
        tools = build_tools(self.shop(session, search_marks=search_marks))
        llm = self.llm()
        called = run_agent(llm, tools, intent, message, session, deadline) \
            if self.options.tool_calling and llm else None
        findings, written = called or (route(self.route_context(tools, session), intent, message), None)
        yield ProductsEvent(products=findings.products)
        composer = Composer(findings, message, llm, self.options.reply_chars,
                            self.options.first_token_seconds, written, deadline)
        for piece in composer.stream():
            yield TokenEvent(text=piece)
        session.remember(message, composer.text, self.options.history)
        _count_turn(parsed.source, llm, composer)
        self.sessions.save(session)
        yield DoneEvent(response=self._response(session, findings, composer))

    def _response(self, session: Session, findings: Findings, composer: Composer) -> ChatResponse:
        show_cart = findings.shows_cart or bool(session.cart.lines)
        return ChatResponse(session_id=session.id, query_id=findings.query_id, reply=composer.text,
                            products=findings.products, intent=findings.intent,
                            cart=session.cart if show_cart else None, policies=findings.policies,
                            composer=composer.composer)

    def _session(self, session_id: str | None, user_id: str | None) -> Session:
        """The stored session; a new one, under a new id the server makes, when there is none or it expired (a
        client's made-up id never names a session: the response carries the new one)."""
        session = self.sessions.get(session_id) if is_issued_id(session_id) else None
        if session is None:
            return Session(id=new_session_id(), user_id=user_id)
        session.identify(user_id)
        return session

    def shop(self, session: Session, log_searches: bool = True, search_marks: dict | None = None) -> Shop:
        return Shop(search=self.search, policies=self.policies, events=self.events, session=session,
                    today=self.today(), log_searches=log_searches, search_marks=dict(search_marks or {}))

    def route_context(self, tools, session: Session) -> RouteContext:
        return RouteContext(tools_by_name(tools), session, self.options.results)

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
        return self.stored(session_id).cart

    def add_to_cart(self, session_id: str, product_id: str, quantity: int = 1) -> Cart:
        """Raises UnknownSession, or tools.UnknownProduct (both NotFound errors naming the field)."""
        session = self.stored(session_id)
        cart = add_product(self.shop(session), product_id, quantity)
        self.sessions.save(session)
        return cart

    def stored(self, session_id: str) -> Session:
        """The stored session with this id; raises UnknownSession when there is none (or the id is not one the
        server issued)."""
        session = self.sessions.get(session_id) if is_issued_id(session_id) else None
        if session is None:
            raise UnknownSession(session_id)
        return session
