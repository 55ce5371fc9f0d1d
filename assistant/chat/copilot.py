"""The staff copilot: for a customer's conversation, the parsed request, candidate products with reasons, the
policy passages that bear on it and an editable draft reply grounded in them. Nothing is saved: the
conversation lives in the staff member's tool, not in a shopper session."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from tools import build_tools, tools_by_name

from .composer import Composer
from .models import CopilotRequest, CopilotSuggestion
from .pipeline import Router
from .sessions import Session

if TYPE_CHECKING:
    from .service import ChatService

POLICY_PASSAGES = 2
MIN_POLICY_SCORE = 1.5  # BM25 points: below it a passage shares a word with the message, not its topic


def suggest(service: ChatService, request: CopilotRequest) -> CopilotSuggestion:
    customer = [turn.text for turn in request.conversation if turn.role == "customer"]
    last = customer[-1] if customer else request.conversation[-1].text
    context = service.context_of(customer[:-1])
    session = Session(id=f"copilot-{uuid.uuid4().hex}", user_id=request.user_id, intent=context.previous)
    intent = service.intent_parser.parse(last, context, use_llm=service.use_llm_for_intent).intent
    router = Router(tools_by_name(build_tools(service.shop(session))), session, service.results)
    findings = router.route(intent, last)
    if not findings.policies:  # a product question may still touch a policy ("can I return it if ...")
        findings.policies = [p for p in service.policies.search(last, POLICY_PASSAGES) if p.score >= MIN_POLICY_SCORE]
    products, query_id = findings.products, findings.query_id
    if not products and context.previous is not None:  # candidates for what the customer is shopping for
        candidates = router.search(context.previous, more=False)
        products, query_id = candidates.products, candidates.query_id
    composer = Composer(findings, last, service.llm(), service.reply_chars, service.first_token_seconds)
    reply = "".join(composer.stream())
    return CopilotSuggestion(intent=intent, products=products, policies=findings.policies, reply=reply,
                             query_id=query_id)
