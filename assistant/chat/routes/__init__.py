"""Deterministic routing: one parsed message -> the route that answers it -> its `Findings`.

One module per route owns how the route is handled and how its template reply reads:

| route | module | when |
|---|---|---|
| search / more | `search` | search, recommend, refine; "show me more" skips what was shown for the request; "cheaper" stays in the kind shown |
| pick | `pick` | "which one is the cheapest / best rated?": a pick among the products shown |
| compare | `compare` | compare: the products pointed at, else the first two shown, else a search's top two |
| product | `product` | product_question, or a search-like message asking about "it": answered from the record |
| policy | `policy` | policy_question: `lookup_policy`, quoted |
| cart_change | `cart` | remove/update/clear_cart, or "remove it", "make it two", "clear my cart" (first: never a search) |
| cart_add / cart_view | `cart` | add_to_cart / view_cart, or an unambiguous cart phrase; "and the second one" right after an add (or a removal) does it again |
| related | `related` | "what goes with ...": complements of the referenced product |
| clarify | `clarify` | the message points at products that cannot be told apart |
| chitchat | `chitchat` | small talk, or nothing to look up |

Adding a route: a module with its Findings subclass and handler, and one line in `route` below. Routes
change the session only through its methods (`show`, `set_request`, `focus`, `add_to_cart`, ...).
"""

from __future__ import annotations

from retrieval.intent import Intent

from .. import cues
from ..findings import Findings
from .cart import add_to_cart, change_cart, continued, is_cart_change, view_cart
from .chitchat import ChitchatFindings
from .compare import compare
from .context import SEARCH_ACTIONS, RouteContext
from .pick import pick, pick_by_text
from .policy import policy
from .product import product_question
from .related import related
from .search import search

__all__ = ["RouteContext", "route"]


def route(context: RouteContext, intent: Intent, text: str) -> Findings:
    action = intent.action
    again = continued(context, text)  # "and the second one" after "add the first one to my cart"
    if again == "add":
        return add_to_cart(context, intent.model_copy(update={"action": "add_to_cart"}), text)
    if again == "remove":
        return change_cart(context, intent, text, "remove")
    change = None if cues.wants_to_add(text) else is_cart_change(context, intent, text)
    if change is not None:
        return change_cart(context, intent, text, change)
    if cues.wants_related(text) and action not in ("policy_question", "add_to_cart", "view_cart"):
        return related(context, intent, text)
    # The parser's action is overridden only by unambiguous cart phrases and questions about "it".
    if action not in ("add_to_cart", "view_cart") and cues.wants_to_add(text):
        return add_to_cart(context, intent.model_copy(update={"action": "add_to_cart"}), text)
    if action != "view_cart" and cues.wants_cart(text):
        action, intent = "view_cart", intent.model_copy(update={"action": "view_cart"})
    if intent.sort != "relevance" and context.session.shown_ids and cues.asks_which(text):
        return pick(context, intent, text)  # "which one is the cheapest?"
    if action in (*SEARCH_ACTIONS, "other", "product_question") and context.session.shown_ids:
        picked = pick_by_text(context, intent, text)  # "which one fits a 55 inch TV?": by what their data says
        if picked is not None:
            return picked
    if (action in SEARCH_ACTIONS or action == "other") and context.asks_about_shown(intent, text):
        # "what sizes does it come in?", "what colours do they come in?", "what colour is the mug?"
        return product_question(context, intent.model_copy(update={"action": "product_question"}), text)
    if action in SEARCH_ACTIONS:
        more = action == "refine" and cues.wants_more(text) and context.session.intent is not None
        relative = cues.relative_move(text) if action == "refine" and context.session.shown_ids else None
        return search(context, intent, more, relative)
    handler = {"compare": compare, "product_question": product_question, "policy_question": policy,
               "add_to_cart": add_to_cart, "view_cart": view_cart}.get(action)
    if handler is not None:
        return handler(context, intent, text)
    if action == "other" and (intent.product_type or intent.category or intent.brands):
        return search(context, intent)
    return ChitchatFindings(intent)
