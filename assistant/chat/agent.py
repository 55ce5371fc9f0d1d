"""Tool calling: a tool-capable model (vLLM serving one, `chat_tool_calling` on) picks the tools itself.

A bounded loop: up to MAX_ROUNDS model calls, each answered with the results of the tools it asked for (the
same tools the deterministic router uses, as strict OpenAI specs). The tool results become `Findings`, so
the model's final text goes through the same grounding check, and the template is the fallback. Any failure
(no tool support, a server error, no answer within the rounds) returns None: the router takes over.
"""

from __future__ import annotations

import json
import logging

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.tools import BaseTool
from pydantic import BaseModel, ValidationError

from retrieval.models import Product
from tools import openai_tool_specs, tools_by_name
from tools.models import Comparison, PolicyResults, ProductResults

from ..intent.schema import Intent
from ..llm.chat import LLM
from ..llm.prompts import load_prompt
from .answers import answer_product_question
from .models import Cart, ConversationTurn
from .pipeline import Findings
from .reasons import product_card
from .sessions import Session

log = logging.getLogger(__name__)

MAX_ROUNDS = 3
SYSTEM_PROMPT = "chat_agent_system.md"


def run_agent(llm: LLM, tools: list[BaseTool], intent: Intent, message: str, session: Session
              ) -> tuple[Findings, str] | None:
    """(findings from the tool results, the model's reply), or None when the router should answer."""
    try:
        model = llm.chat.bind_tools(openai_tool_specs(tools), tool_choice="auto")
        messages = _messages(message, session.history)
        by_name = tools_by_name(tools)
        results: list[BaseModel] = []
        for _ in range(MAX_ROUNDS):
            reply = model.invoke(messages)
            if not reply.tool_calls:
                findings = _findings(results, intent, message, session)
                return (findings, reply.text) if findings is not None and reply.text.strip() else None
            messages.append(reply)
            for call in reply.tool_calls:
                messages.append(ToolMessage(_call(by_name, call, results), tool_call_id=call["id"]))
    except Exception as exc:  # noqa: BLE001 - whatever the backend raises, the router answers instead
        log.warning("tool calling failed, routing deterministically: %s: %s", type(exc).__name__, exc)
        return None
    log.info("no answer after %d tool rounds, routing deterministically", MAX_ROUNDS)
    return None


def _call(by_name: dict[str, BaseTool], call: dict, results: list[BaseModel]) -> str:
    """Run one tool call; a bad call is reported back to the model, which may correct it next round."""
    tool = by_name.get(call["name"])
    if tool is None:
        return f"error: no tool named {call['name']!r}"
    try:
        output = tool.invoke(call["args"])
    except (LookupError, ValidationError, ValueError) as exc:
        return f"error: {exc}"
    results.append(output)
    return output.model_dump_json(exclude_none=True) if isinstance(output, BaseModel) else json.dumps(output)


def _findings(results: list[BaseModel], intent: Intent, message: str, session: Session) -> Findings | None:
    """The last result of each kind, as the deterministic router would have found it."""
    if not results:
        return Findings("chitchat", intent)
    last = results[-1]
    if isinstance(last, ProductResults):
        if last.products:
            session.shown_ids = [card.id for card in last.products]
            session.shown_prices = [card.price for card in last.products if card.price is not None]
        session.intent = intent if intent.action in ("search", "recommend", "refine") else session.intent
        return Findings("search", intent, products=last.products, query_id=last.query_id, results=last)
    if isinstance(last, Comparison):
        return Findings("compare", intent, products=last.products, comparison=last)
    if isinstance(last, PolicyResults):
        return Findings("policy", intent, policies=last.passages)
    if isinstance(last, Cart):
        return Findings("cart_view", intent, cart=last)
    if isinstance(last, Product):
        session.focus_id = last.id
        return Findings("product", intent, products=[product_card(last)], product=last,
                        answer=answer_product_question(last, intent, message))
    return None


def _messages(message: str, history: list[ConversationTurn]) -> list[BaseMessage]:
    messages: list[BaseMessage] = [SystemMessage(load_prompt(SYSTEM_PROMPT).text)]
    for turn in history[-4:]:
        messages.append(HumanMessage(turn.text) if turn.role == "customer" else AIMessage(turn.text))
    messages.append(HumanMessage(message))
    return messages
