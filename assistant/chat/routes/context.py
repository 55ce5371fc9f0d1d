"""`RouteContext`: what a route works with (the tools bound to this conversation, the session, how many
results a reply shows) and the lookups several routes share: searching for an intent, and finding the
product(s) a message points at among those shown."""

from __future__ import annotations

import re

from langchain_core.tools import BaseTool

from retrieval.intent import Intent
from retrieval.models import Product
from tools.gifts import BABY_UNTIL, CHILD_UNTIL, recipient_age
from tools.models import ProductResults

from .. import cues
from ..answers import ASPECTS
from ..sessions import Session

SEARCH_ACTIONS = ("search", "recommend", "refine")


class RouteContext:
    def __init__(self, tools: dict[str, BaseTool], session: Session, results: int):
        self.tools = tools
        self.session = session
        self.results = results

    def search(self, intent: Intent, exclude_ids: list[str] | None = None, k: int | None = None) -> ProductResults:
        request = intent.search_request(k or self.results)
        args = {**request.model_dump(include={"query", "min_price", "max_price", "brand", "exclude_brand",
                                              "category", "color", "size"}),
                "features": intent.features, "sort": intent.sort,
                # "not plastic", "no gray": unwanted words and attribute values both keep products out
                "exclude_terms": list(dict.fromkeys([*intent.exclude.terms, *(
                    v for values in intent.exclude.attributes.values() for v in values)])),
                "exclude_ids": list(exclude_ids or []), "k": k or self.results}
        if not (intent.product_type or intent.category):
            args["browse"] = True  # "something for the garden": the best of what it finds, not only close matches
        if is_gift(intent):
            args |= gift_search(intent)
        return self.tools["search_products"].invoke(args)

    def product(self, product_id: str) -> Product | None:
        try:
            return self.tools["get_product"].invoke({"product_id": product_id})
        except LookupError:
            return None

    def asks_about_focus(self, text: str) -> bool:
        """'what sizes does it come in?': a question about the product talked about last, or the top pick of
        the products just shown."""
        if (self.session.focus_id or self.session.shown_ids) and text.rstrip().endswith("?") and \
                any(re.search(ASPECTS[a], text.lower()) for a in ("piece_count", "pack_count")):
            return True  # "how many are in the pack?": a count only a product has
        return bool((self.session.focus_id or self.session.shown_ids) and cues.points_at_one(text) and
                    (text.rstrip().endswith("?") or any(re.search(p, text.lower()) for p in ASPECTS.values())))

    def pointed_ids(self, intent: Intent, text: str) -> list[str]:
        """Every shown product the message names: by position, by id, by brand."""
        shown = self.session.shown_ids
        ids = [shown[n - 1 if n > 0 else len(shown) + n] for n in cues.ordinals(text)
               if shown and -len(shown) <= n <= len(shown) and n != 0]
        if intent.reference and intent.reference.product_id:
            ids.append(intent.reference.product_id)
        if intent.brands and shown:  # "compare the Summitry and the Ridgefern"
            wanted = {brand.lower() for brand in intent.brands}
            ids += [pid for pid in shown if (self._brand(pid) or "").lower() in wanted][:2]
        return [pid for pid in dict.fromkeys(ids) if self.product(pid) is not None]

    def referenced(self, intent: Intent, text: str, default_to_only: bool = False) -> Product | None:
        """The one product a message is about: an id or position, else 'it' (the product in focus), else
        a shown product of the brand or kind named, else the product in focus or the first shown (for an add
        to cart: only when it is the only one shown)."""
        session = self.session
        if intent.reference and intent.reference.product_id:
            return self.product(intent.reference.product_id)
        if intent.reference and intent.reference.ordinal is not None:
            return None  # a position among products that are not (or no longer) shown
        if session.focus_id and cues.points_at_one(text):
            return self.product(session.focus_id)
        matching = self.matching_shown(intent)
        if matching:
            return matching
        if session.focus_id and not default_to_only:
            return self.product(session.focus_id)
        if len(session.shown_ids) == 1 or (session.shown_ids and not default_to_only):
            return self.product(session.shown_ids[0])
        return None

    def matching_shown(self, intent: Intent) -> Product | None:
        if not (intent.brands or intent.category):
            return None
        for pid in self.session.shown_ids:
            product = self.product(pid)
            if product and (not intent.brands or product.brand in intent.brands) and \
                    (not intent.category or intent.category in product.category):
                return product
        return None

    def _brand(self, product_id: str) -> str | None:
        product = self.product(product_id)
        return product.brand if product else None


def is_gift(intent: Intent) -> bool:
    return bool(intent.recipient or (intent.action == "recommend" and intent.occasion))


def gift_search(intent: Intent) -> dict:
    """A gift request as search arguments: the recipient's age (products stating another age range are left
    out), words for what suits them when the request names no product ("a present for a 7 year old" looks at
    kids' toys and games), and browsing rather than close matches when it names nothing at all."""
    age = recipient_age(intent.recipient)
    named = intent.product_type or intent.category
    # Words for the age always ("tees for my toddler": toddler tees), and what suits it when nothing is named.
    for_age = (["baby", "toddler", "infant"] if age is not None and age < BABY_UNTIL else
               ["kids", "youth"] if age is not None and age < CHILD_UNTIL else [])
    # What they like ("she loves gardening") is the topic: then the occasion's and generic gift words only blur it.
    occasion = set((intent.occasion or "").lower().split())
    topic = [w for w in intent.query.split() if w.lower() not in occasion]
    words = [*for_age, *([] if named or topic else ["toys", "games"] if for_age else ["gift"])]
    query = " ".join(dict.fromkeys([*(topic if topic and not named else intent.query.split()), *words])) \
        or intent.search_request().query
    # Browsing always: "he drinks a lot of coffee" in a store without coffee looks at what is close (mugs).
    return {"query": query, "age": age, "browse": True}
