"""Deterministic routing: one parsed message -> the tools it needs -> `Findings`, the facts a reply may use.

Routes (by `intent.action`, then the message's cues):
- search / recommend / refine: `search_products` with the intent's hard filters; "show me more" skips the
  products already shown for the same request;
- compare: the products the message points at ("the first two", "the 1st and the 3rd"), else the first two
  shown, else the top two of a search;
- product_question: the referenced product ("the second one", "it", an id) answered from its own record;
- policy_question: `lookup_policy`, quoted;
- add_to_cart / view_cart: the session's cart;
- "what goes with ...": `related_products` for the referenced or last shown product;
- chitchat / other: nothing to look up.
The session is updated in place (products shown, the current request, the product in focus, the cart).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from langchain_core.tools import BaseTool

from retrieval.models import Product
from retrieval.policies import PolicyPassage
from tools.models import Comparison, ProductResults

from ..intent.schema import Intent
from . import cues
from .answers import ASPECTS, answer_product_question
from .models import Cart, CartLine, ProductCard
from .reasons import product_card
from .sessions import Session

Route = Literal["search", "more", "compare", "product", "policy", "cart_add", "cart_view", "related", "chitchat",
                "clarify"]
SEARCH_ACTIONS = ("search", "recommend", "refine")
POLICY_PASSAGES = 2


@dataclass
class Findings:
    route: Route
    intent: Intent
    products: list[ProductCard] = field(default_factory=list)
    query_id: str | None = None
    results: ProductResults | None = None
    comparison: Comparison | None = None
    product: Product | None = None
    answer: str | None = None
    policies: list[PolicyPassage] = field(default_factory=list)
    cart: Cart | None = None
    added: CartLine | None = None
    anchor: Product | None = None  # what related products go with


class Router:
    def __init__(self, tools: dict[str, BaseTool], session: Session, results: int):
        self.tools = tools
        self.session = session
        self.results = results

    def route(self, intent: Intent, text: str) -> Findings:
        action = intent.action
        if cues.wants_related(text) and action not in ("policy_question", "add_to_cart", "view_cart"):
            return self.related(intent, text)
        # The parser's action is overridden only by unambiguous cart phrases and questions about "it".
        if action not in ("add_to_cart", "view_cart") and cues.wants_to_add(text):
            return self.add_to_cart(intent.model_copy(update={"action": "add_to_cart"}), text)
        if action != "view_cart" and cues.wants_cart(text):
            action, intent = "view_cart", intent.model_copy(update={"action": "view_cart"})
        if action in SEARCH_ACTIONS and self._asks_about_focus(text):  # "what sizes does it come in?"
            return self.product_question(intent.model_copy(update={"action": "product_question"}), text)
        if action in SEARCH_ACTIONS:
            more = action == "refine" and cues.wants_more(text) and self.session.intent is not None
            return self.search(intent, more)
        if action == "compare":
            return self.compare(intent, text)
        if action == "product_question":
            return self.product_question(intent, text)
        if action == "policy_question":
            return self.policy(intent, text)
        if action == "add_to_cart":
            return self.add_to_cart(intent, text)
        if action == "view_cart":
            cart = self.tools["view_cart"].invoke({})
            return Findings("cart_view", intent, cart=cart)
        if action == "other" and (intent.product_type or intent.category or intent.brands):
            return self.search(intent, more=False)
        return Findings("chitchat", intent)

    def search(self, intent: Intent, more: bool) -> Findings:
        results = self._search(intent, exclude_ids=self.session.seen_ids if more else [])
        self.session.intent = intent
        if results.products:
            self._show(results.products, keep_seen=more)
        elif not more:
            self.session.seen_ids = []
        return Findings("more" if more else "search", intent, products=results.products, query_id=results.query_id,
                        results=results)

    def compare(self, intent: Intent, text: str) -> Findings:
        ids = self._pointed_ids(intent, text)
        if len(ids) < 2 and len(self.session.shown_ids) >= 2:
            ids = self.session.shown_ids[:2]
        query_id = None
        if len(ids) < 2 and (intent.product_type or intent.category or intent.query):
            results = self._search(intent)
            ids, query_id = [card.id for card in results.products[:2]], results.query_id
        if len(ids) < 2:
            return Findings("clarify", intent)
        comparison = self.tools["compare_products"].invoke({"product_ids": ids})
        self.session.focus_id = ids[0]
        return Findings("compare", intent, products=comparison.products, comparison=comparison, query_id=query_id)

    def product_question(self, intent: Intent, text: str) -> Findings:
        product = self._referenced(intent, text)
        if product is None:
            if intent.product_type or intent.category or intent.brands:  # "do you have waterproof tents?"
                return self.search(intent.model_copy(update={"action": "search"}), more=False)
            return Findings("clarify", intent)
        self.session.focus_id = product.id
        return Findings("product", intent, products=[product_card(product)], product=product,
                        answer=answer_product_question(product, intent, text))

    def policy(self, intent: Intent, text: str) -> Findings:
        passages = self.tools["lookup_policy"].invoke({"question": text, "k": 3}).passages
        if passages:  # the best one, and the next only when it is nearly as good
            passages = [p for p in passages if p.score >= passages[0].score * 0.8][:POLICY_PASSAGES]
        return Findings("policy", intent, policies=passages)

    def add_to_cart(self, intent: Intent, text: str) -> Findings:
        product = self._referenced(intent, text, default_to_only=True)
        if product is None:
            return Findings("clarify", intent, cart=self.session.cart)
        quantity = cues.quantity(text)
        cart = self.tools["add_to_cart"].invoke({"product_id": product.id, "quantity": quantity})
        added = next(line for line in cart.lines if line.product_id == product.id).model_copy(
            update={"quantity": quantity})
        return Findings("cart_add", intent, products=[product_card(product)], product=product, cart=cart,
                        added=added)

    def related(self, intent: Intent, text: str) -> Findings:
        anchor = self._referenced(intent, text, default_to_only=True)
        if anchor is None and self.session.shown_ids:
            anchor = self._matching_shown(intent) or self._get(self.session.shown_ids[0])
        if anchor is None and (intent.product_type or intent.category):
            found = self._search(intent.model_copy(update={"action": "search"}), k=1).products
            anchor = self._get(found[0].id) if found else None
        if anchor is None:
            return Findings("clarify", intent)
        results = self.tools["related_products"].invoke({"product_id": anchor.id, "k": min(self.results, 4)})
        if results.products:
            self._show(results.products, keep_seen=False)
        self.session.focus_id = anchor.id
        return Findings("related", intent, products=results.products, query_id=results.query_id, results=results,
                        anchor=anchor)

    # ------------------------------------------------------------------ helpers

    def _asks_about_focus(self, text: str) -> bool:
        return bool(self.session.focus_id and cues.points_at_one(text) and
                    (text.rstrip().endswith("?") or any(re.search(p, text.lower()) for p in ASPECTS.values())))

    def _search(self, intent: Intent, exclude_ids: list[str] | None = None, k: int | None = None) -> ProductResults:
        request = intent.search_request(k or self.results)
        args = {**request.model_dump(include={"query", "min_price", "max_price", "brand", "exclude_brand",
                                              "category", "color", "size"}),
                "features": intent.features, "exclude_terms": intent.exclude.terms,
                "exclude_ids": list(exclude_ids or []), "k": k or self.results}
        return self.tools["search_products"].invoke(args)

    def _show(self, cards: list[ProductCard], keep_seen: bool) -> None:
        ids = [card.id for card in cards]
        self.session.shown_ids = ids
        self.session.shown_prices = [card.price for card in cards if card.price is not None] \
            if all(card.price is not None for card in cards) else []
        self.session.seen_ids = list(dict.fromkeys([*self.session.seen_ids, *ids])) if keep_seen else ids

    def _pointed_ids(self, intent: Intent, text: str) -> list[str]:
        shown = self.session.shown_ids
        ids = [shown[n - 1 if n > 0 else len(shown) + n] for n in cues.ordinals(text)
               if shown and -len(shown) <= n <= len(shown) and n != 0]
        if intent.reference and intent.reference.product_id:
            ids.append(intent.reference.product_id)
        if intent.brands and shown:  # "compare the Summitry and the Ridgefern"
            wanted = {brand.lower() for brand in intent.brands}
            ids += [pid for pid in shown if (self._brand(pid) or "").lower() in wanted][:2]
        return [pid for pid in dict.fromkeys(ids) if self._get(pid) is not None]

    def _referenced(self, intent: Intent, text: str, default_to_only: bool = False) -> Product | None:
        """The one product a message is about: an id or position, else 'it' (the product in focus), else
        a shown product of the brand or kind named, else the product in focus or the first shown (for an add
        to cart: only when it is the only one shown)."""
        if intent.reference and intent.reference.product_id:
            return self._get(intent.reference.product_id)
        if intent.reference and intent.reference.ordinal is not None:
            return None  # a position among products that are not (or no longer) shown
        if self.session.focus_id and cues.points_at_one(text):
            return self._get(self.session.focus_id)
        matching = self._matching_shown(intent)
        if matching:
            return matching
        if self.session.focus_id and not default_to_only:
            return self._get(self.session.focus_id)
        if len(self.session.shown_ids) == 1 or (self.session.shown_ids and not default_to_only):
            return self._get(self.session.shown_ids[0])
        return None

    def _matching_shown(self, intent: Intent) -> Product | None:
        if not (intent.brands or intent.category):
            return None
        for pid in self.session.shown_ids:
            product = self._get(pid)
            if product and (not intent.brands or product.brand in intent.brands) and \
                    (not intent.category or intent.category in product.category):
                return product
        return None

    def _brand(self, product_id: str) -> str | None:
        product = self._get(product_id)
        return product.brand if product else None

    def _get(self, product_id: str) -> Product | None:
        try:
            return self.tools["get_product"].invoke({"product_id": product_id})
        except LookupError:
            return None
