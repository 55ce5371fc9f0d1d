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
from ..answers import ASPECTS, asked_count, asked_feature, asked_properties
from ..sessions import Session

SEARCH_ACTIONS = ("search", "recommend", "refine")


class RouteContext:
    def __init__(self, tools: dict[str, BaseTool], session: Session, results: int):
        self.tools = tools
        self.session = session
        self.results = results

    def search(self, intent: Intent, exclude_ids: list[str] | None = None, k: int | None = None,
               whole_category: bool = True) -> ProductResults:
        """`whole_category`: a category the shopper named by one word ("a tv", "garden") takes all its products;
        False where the category only keeps a move in the kind shown ("cheaper" lamps are not all of 'Indoor')."""
        request = intent.search_request(k or self.results)
        args = {**request.model_dump(include={"query", "min_price", "max_price", "brand", "exclude_brand",
                                              "category", "color", "size"}),
                "features": intent.features, "sort": intent.sort,
                # "not plastic", "no gray": unwanted words and attribute values both keep products out
                "exclude_terms": list(dict.fromkeys([*intent.exclude.terms, *(
                    v for values in intent.exclude.attributes.values() for v in values)])),
                "exclude_ids": list(exclude_ids or []), "k": k or self.results, "kind": intent.product_type}
        narrowed_to = [*intent.features, *(v for key, v in intent.attributes.items() if key not in ("color", "size"))]
        if intent.action == "refine" and narrowed_to:
            # "electric only", "in wood" after cooktops, chairs: the others are not what is asked now
            args |= {"narrowing": True, "features": narrowed_to}
        elif intent.action == "refine":
            args["same_kind"] = True  # "a red one" after pens: a red journal is no answer
        if not (intent.product_type or intent.category):
            args["browse"] = True  # "something for the garden": the best of what it finds, not only close matches
        elif whole_category and intent.category and len((intent.product_type or "").split()) <= 1:
            args["whole_category"] = True  # "a tv", "outdoor things": all of the category, "show me more" too
        if is_gift(intent):
            args |= gift_search(intent)
        # A long message ("Ampvane" said 75 times) parses to a query over the tool's limit: searched trimmed.
        args["query"] = fit_text(self.tools["search_products"], "query", args["query"])
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

    def asks_about_shown(self, intent: Intent, text: str) -> bool:
        """'what sizes?', 'what colours do they come in?', 'what colour is the mug?', 'what are the plates made
        of?', 'does the first one have caller ID?': a question about a property of products, not a request for
        others. A question that names a kind no shown product is answers too (the route finds it first)."""
        lowered = text.lower().strip()
        if cues.wants_other_than_shown(text):
            return False
        if self.asks_about_focus(text):
            return True
        if _WHICH_ONE.search(lowered):
            return False  # "which one fits ...?": a pick among them (`pick`), not a property of one
        noun = _named_noun(intent, lowered)
        shown = bool(self.session.focus_id or self.session.shown_ids)
        if not shown and not noun:
            return False  # "what sizes do your tents come in?" with nothing shown: a search
        aspects = [a for a in ("size", "color", "material", "piece_count", "pack_count", "age_range", "stock",
                               *(("price",) if noun or self.described_shown(intent, text) else ()))
                   if re.search(ASPECTS[a], lowered)]
        wh = _WH_QUESTION.match(lowered)
        if wh and (aspects or asked_count(text) or asked_properties(text)):
            # "what size tent for four?" asks for tents; "what sizes?" and "what colour is the mug?" ask about one
            return not any(re.search(rf"(?<![\w-]){re.escape(v.lower())}(?![\w-])", lowered)
                           for v in intent.attributes.values())
        return shown and bool(cues.ordinals(text) or _PLURAL.search(lowered)) and \
            bool(asked_feature(text) or asked_properties(text) or aspects)

    def asked_about(self, intent: Intent, text: str) -> list[Product]:
        """The products a question is about: those pointed at (a position, an id, 'the blue one', 'it'), else a
        shown product the question names ('the mug'), else all shown for 'they' or no pointer at all, else the
        product in focus when the question names a part of it ('the plates'). Empty: none shown fits."""
        lowered = text.lower()
        ids = [pid for pid in (self.pointed_ids(intent, text)) if pid in self.session.shown_ids or
               (intent.reference and pid == intent.reference.product_id)]
        if ids:
            return [p for p in (self.product(pid) for pid in ids[:3]) if p is not None]
        described = self.described_shown(intent, text)
        if described:
            return described[:1]
        shown = [p for p in (self.product(pid) for pid in self.session.shown_ids) if p is not None]
        if cues.points_at_one(text) and (self.session.focus_id or shown):  # "how much was it before the sale?"
            product = self.referenced(intent, text)
            return [product] if product else []
        noun = _named_noun(intent, lowered)
        if noun:
            named = [p for p in shown if _has_word(p.title, noun)]
            if named:
                return named[:1] if not _PLURAL.search(lowered) else named[:3]
            focus = self.product(self.session.focus_id) if self.session.focus_id else (shown[0] if shown else None)
            if focus is not None and _has_word(" ".join([focus.title, focus.description]), noun):
                return [focus]  # "what are the plates made of?" about a flat iron with "floating plates"
            return []
        if cues.points_at_one(text) or not shown:
            product = self.referenced(intent, text)
            return [product] if product else []
        if _PLURAL.search(lowered):  # "what colours do they come in?"
            return _distinct(shown)[:3]
        # "what sizes?": the product talked about last, else the top pick
        product = self.product(self.session.focus_id) if self.session.focus_id else shown[0]
        return [product] if product else []

    def described_shown(self, intent: Intent, text: str) -> list[Product]:
        """'the blue one', 'the metal one': shown products with the attribute value the message names, else
        products talked about earlier ('back to the blue one' after a single result that was blue)."""
        lowered = text.lower()
        named = [value.lower() for value in intent.attributes.values()
                 if re.search(rf"\b{re.escape(value.lower())}\s+(?:one|ones)\b", lowered)]
        if not named:
            return []
        found = []
        shown = self.session.shown_ids
        earlier = [pid for pid in reversed(self.session.mentioned_ids) if pid not in shown]
        for pid in [*shown, *earlier]:
            if found and pid not in shown:
                break  # one on show is meant before one talked about earlier
            product = self.product(pid)
            if product and all(value in [v for key in product.attributes for v in product.attribute_values(key)]
                               or _has_word(product.title, value) for value in named):
                found.append(product)
        return found

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
        described = self.described_shown(intent, text)  # "the blue one"
        if len(described) == 1:
            return described[0]
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


_WH_QUESTION = re.compile(r"^\W*(?:(?:and|so|ok(?:ay)?|also|but|then)\W+)?(?:what|which|how)\b")
_WHICH_ONE = re.compile(r"\bwhich(?:\s+one|\s+ones|\s+of\s+(?:them|these|those|the\s+\w+))\b")
_PLURAL = re.compile(r"\b(?:they|them|these|those|both|each|all of them|either)\b")


def _named_noun(intent: Intent, lowered: str) -> str | None:
    """The kind of product this message itself names after 'the' ('what colour is the mug?' -> 'mug')."""
    for words in (intent.product_type or "", *re.findall(r"\bthe\s+([a-z][a-z-]+)\b", lowered)):
        head = words.split()[-1] if words.split() else ""
        if head and head not in _NOT_NOUNS and re.search(rf"\bthe\s+(?:[a-z-]+\s+)?{re.escape(head)}\b", lowered):
            return head
    return None


_NOT_NOUNS = frozenset("one ones first second third fourth fifth last other same data product products item items "
                       "price cost size sizes colour color colours colors material fabric sale discount box pack "
                       "package store shop warranty delivery shipping order cart data description picture "
                       "photo".split())


def _has_word(text: str, word: str) -> bool:
    stem = re.escape(word.lower().rstrip("s"))
    return bool(re.search(rf"\b{stem}(?:s|es)?\b", text.lower()))


def _distinct(products: list[Product]) -> list[Product]:
    """One product per title: a size or colour of the same item is the same answer."""
    seen: dict[str, Product] = {}
    for product in products:
        seen.setdefault(product.title.lower(), product)
    return list(seen.values())


def fit_text(tool: BaseTool, field: str, text: str) -> str:
    """`text` cut at a word boundary to the length the tool's `field` takes (unchanged when it fits)."""
    schema = tool.args_schema
    fields = getattr(schema, "model_fields", {})
    limits = [m.max_length for m in getattr(fields.get(field), "metadata", ()) if hasattr(m, "max_length")]
    if not limits or len(text) <= limits[0]:
        return text
    cut = text[:limits[0] + 1]
    return (cut.rsplit(None, 1)[0] if " " in cut.strip() else cut[:limits[0]]).strip()


def is_gift(intent: Intent) -> bool:
    return bool(intent.recipient or (intent.action == "recommend" and intent.occasion))


PETS = frozenset({"dog", "cat", "puppy", "kitten", "pup", "pet"})


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
    pet = next((w for w in (intent.recipient or "").lower().split() if w in PETS), None)
    generic = [pet, "pet"] if pet else ["toys", "games"] if for_age else ["gift"]  # "something for my dog": pet things
    words = [*for_age, *([] if named or topic else generic)]
    query = " ".join(dict.fromkeys([*(topic if topic and not named else intent.query.split()), *words])) \
        or intent.search_request().query
    # Browsing always: "he drinks a lot of coffee" in a store without coffee looks at what is close (mugs).
    return {"query": query, "age": age, "browse": True}
