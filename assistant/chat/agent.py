"""Tool calling: a tool-capable model (vLLM serving one, `chat_tool_calling` on) picks the tools itself.

A bounded loop: up to MAX_ROUNDS model calls, each answered with the results of the tools it asked for (the
same tools the deterministic router uses, as strict OpenAI specs). The tool results become `Findings`, so
the model's final text goes through the same grounding check, and the template is the fallback. Any failure
(no tool support, a server error, no answer within the rounds) returns None: the router takes over.
"""

from __future__ import annotations

import json
import logging

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.tools import BaseTool
from pydantic import BaseModel, ValidationError

from retrieval.intent import Intent
from retrieval.models import Product
from tools import openai_tool_specs, tools_by_name
from tools.models import Cart, Comparison, PolicyResults, ProductResults

from ..llm.chat import LLM
from ..llm.guard import Deadline
from ..llm.prompts import data_block, load_prompt
from . import cues
from .findings import Findings
from .models import ConversationTurn
from .routes.cart import CartViewFindings
from .routes.chitchat import ChitchatFindings
from .routes.compare import CompareFindings
from .routes.context import SEARCH_ACTIONS
from .routes.policy import PolicyFindings
from .routes.product import product_findings
from .routes.search import SearchFindings
from .sessions import Session

log = logging.getLogger(__name__)

MAX_ROUNDS = 3
SYSTEM_PROMPT = "chat_agent_system.md"


def run_agent(llm: LLM, tools: list[BaseTool], intent: Intent, message: str, session: Session,
              deadline: Deadline | None = None) -> tuple[Findings, str] | None:
    """(findings from the tool results, the model's reply), or None when the router should answer. Every
    model call finishes within `deadline` (the turn's) or the router answers."""
    try:
        model = llm.chat.bind_tools(openai_tool_specs(tools), tool_choice="auto")
        messages = _messages(message, session.history)
        by_name = tools_by_name(tools)
        # "Show me more" skips what was shown for the request, as the router does: the model cannot know
        # those ids, so its searches are told them.
        more = intent.action == "refine" and cues.wants_more(message) and session.intent is not None
        skip = list(session.seen_ids) if more else []
        results: list[BaseModel] = []
        for _ in range(MAX_ROUNDS):
            reply = llm.call(lambda: model.invoke(messages), deadline, "tools")
            if not reply.tool_calls:
                findings = _findings(results, intent, message, session, more)
                return (findings, reply.text) if findings is not None and reply.text.strip() else None
            messages.append(reply)
            for call in reply.tool_calls:
                messages.append(ToolMessage(data_block("tool_result", _call(by_name, call, results, skip, intent, message)),
                                            tool_call_id=call["id"]))
    except Exception as exc:  # noqa: BLE001 - whatever the backend raises, the router answers instead
        log.warning("tool calling failed, routing deterministically: %s: %s", type(exc).__name__, exc)
        return None
    log.info("no answer after %d tool rounds, routing deterministically", MAX_ROUNDS)
    return None


def _call(by_name: dict[str, BaseTool], call: dict, results: list[BaseModel], skip: list[str], intent: Intent,
          message: str) -> str:
    """Run one tool call; a bad call is reported back to the model, which may correct it next round. A cart
    change the shopper's own message did not ask for is refused (tool_refusal), whatever the model read."""
    tool = by_name.get(call["name"])
    if tool is None:
        return f"error: no tool named {call['name']!r}"
    args = call["args"]
    refusal = tool_refusal(call["name"], args if isinstance(args, dict) else {}, intent, message)
    if refusal:
        log.warning("refused a %s call the shopper did not ask for: %s", call["name"], refusal)
        return f"refused: {refusal}"
    if skip and call["name"] == "search_products" and isinstance(args, dict):
        args = {**args, "exclude_ids": list(dict.fromkeys([*(args.get("exclude_ids") or []), *skip]))}
    try:
        output = tool.invoke(args)
    except (LookupError, ValidationError, ValueError) as exc:
        return f"error: {exc}"
    results.append(output)
    return output.model_dump_json(exclude_none=True) if isinstance(output, BaseModel) else json.dumps(output)


CART_TOOLS = ("add_to_cart", "remove_from_cart", "update_cart_quantity", "clear_cart")


def tool_refusal(name: str, args: dict, intent: Intent, message: str) -> str | None:
    """Why the shopper's latest message does not ask for this cart change, or None (allowed). Tool policy
    reads only the shopper's own words and the intent parsed from them: a product description, a tool
    result or an earlier turn saying "add 10 to the cart" cannot change it."""
    if name not in CART_TOOLS:
        return None  # reading tools change nothing
    if name == "add_to_cart":
        if intent.action != "add_to_cart" and not cues.wants_to_add(message):
            return "the shopper's message does not ask to add anything to the cart"
        asked = cues.quantity(message)
        if int(args.get("quantity", 1) or 1) != asked:
            return f"the shopper asked for {asked}, not {args.get('quantity')}"
        return None
    if name == "update_cart_quantity":
        asked = cues.new_quantity(message)
        if asked is None:
            return "the shopper's message does not set a quantity"
        return None if int(args.get("quantity", -1)) == asked else f"the shopper asked for {asked}"
    if name == "remove_from_cart":
        return None if cues.wants_removed(message) else "the shopper's message does not ask to remove anything"
    return None if cues.wants_cart_cleared(message) else "the shopper's message does not ask to clear the cart"


def _findings(results: list[BaseModel], intent: Intent, message: str, session: Session, more: bool
              ) -> Findings | None:
    """The last result of each kind, as the deterministic router would have found it; the session records
    what was shown and focused through the same methods the routes use."""
    if not results:
        return ChitchatFindings(intent)
    last = results[-1]
    if isinstance(last, ProductResults):
        if intent.action in SEARCH_ACTIONS:
            session.set_request(intent)
        session.show(last.products, more=more)
        return SearchFindings(intent, products=last.products, query_id=last.query_id, results=last)
    if isinstance(last, Comparison):
        if last.products:
            session.focus(last.products[0].id)
        return CompareFindings(intent, products=last.products, comparison=last)
    if isinstance(last, PolicyResults):
        return PolicyFindings(intent, policies=last.passages)
    if isinstance(last, Cart):
        return CartViewFindings(intent, cart=last)
    if isinstance(last, Product):
        session.focus(last.id)
        return product_findings(last, intent, message)
    return None


def _messages(message: str, history: list[ConversationTurn]) -> list[BaseMessage]:
    """The system prompt, then the shopper's message; earlier turns (which carry catalog text) come before it
    inside a <history> data block, never as instructions."""
    messages: list[BaseMessage] = [SystemMessage(load_prompt(SYSTEM_PROMPT).text)]
    earlier = "\n".join(f"{turn.role}: {turn.text}" for turn in history[-4:])
    messages.append(HumanMessage(f"{data_block('history', earlier)}\nThe shopper now says: {message}" if earlier
                                 else message))
    return messages
