"""The staff copilot: for a customer's conversation, the parsed request, candidate products with reasons, the
policy passages that bear on it and an editable draft reply grounded in them. Nothing is saved: the
conversation lives in the staff member's tool, not in a shopper session."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Protocol

from langchain_core.tools import BaseTool

from retrieval.policies import PolicyIndex
from tools import Shop, build_tools

from ..intent.context import IntentContext
from ..intent.parser import IntentParser
from ..llm.chat import LLM
from ..llm.guard import Deadline
from .composer import Composer
from .models import CopilotRequest, CopilotSuggestion
from .routes import RouteContext, route
from .routes.search import search
from .sessions import Session

POLICY_PASSAGES = 2
MIN_POLICY_SCORE = 1.5  # BM25 points: below it a passage shares a word with the message, not its topic


class Assistant(Protocol):
    """What the copilot uses of the chat service (`ChatService` is it): the same parser, tools and composer
    settings as a shopper's turn."""

    intent_parser: IntentParser
    policies: PolicyIndex
    llm: Callable[[], LLM | None]

    @property
    def options(self): ...

    def context_of(self, messages: list[str]) -> IntentContext: ...

    def shop(self, session: Session, log_searches: bool = True) -> Shop: ...

    def route_context(self, tools: list[BaseTool], session: Session) -> RouteContext: ...


def suggest(service: Assistant, request: CopilotRequest) -> CopilotSuggestion:
    customer = [turn.text for turn in request.conversation if turn.role == "customer"]
    last = customer[-1] if customer else request.conversation[-1].text
    context = service.context_of(customer[:-1])
    session = Session(id=f"copilot-{uuid.uuid4().hex}", user_id=request.user_id, intent=context.previous)
    deadline = Deadline.for_turn(service.options.turn_seconds)  # every LLM call of the suggestion, as for a chat turn
    intent = service.intent_parser.parse(last, context, use_llm=service.options.use_llm_for_intent,
                                         deadline=deadline).intent
    routes = service.route_context(build_tools(service.shop(session)), session)
    findings = route(routes, intent, last)
    if not findings.policies:  # a product question may still touch a policy ("can I return it if ...")
        findings.policies = [p for p in service.policies.search(last, POLICY_PASSAGES) if p.score >= MIN_POLICY_SCORE]
    products, query_id = findings.products, findings.query_id
    if not products and context.previous is not None:  # candidates for what the customer is shopping for
        candidates = search(routes, context.previous)
        products, query_id = candidates.products, candidates.query_id
    composer = Composer(findings, last, service.llm(), service.options.reply_chars,
                        service.options.first_token_seconds, deadline=deadline)
    reply = "".join(composer.stream())
    return CopilotSuggestion(intent=intent, products=products, policies=findings.policies, reply=reply,
                             query_id=query_id)

