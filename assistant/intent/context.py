"""Conversation context: what the shopper asked and was shown before, and how a follow-up changes it.

How a message changes the current request (the rules the dialogue follows; tested in
tests/test_dialogue_state.py):

| the shopper says | example | the request becomes |
|---|---|---|
| a new product type or topic | "show me dinosaur figures" | the new request alone: the old budget, colours, brands and features belonged to the old one |
| a refinement | "in blue", "under $15", "not X", "waterproof" | the previous request with the new constraint laid over it |
| "instead" / "rather" / "something else" | "something more creative instead" | the new want, keeping the budget, who it is for, the occasion and the brands ruled out |
| the same kind for another target | "for a Honda Element instead", "what about for the 3DS?" | the previous request, its kind kept (less a word the target replaces: 'ds' for '3ds'), the target a feature the products must state |
| an accessory "for it" | "a wall mount for it" after TVs | a new request for the accessory, the previous kind in its query ("tv wall mount") |
| a purpose | "something for my balcony", "something to keep my coffee hot" | a new request (no product named; a department it names is the scope); after a gift, the gift goes on with its budget and who it is for ("something for their desk") |
| "ones with X" / "X only" | "ones with a bottom freezer", "electric only" | a refinement: X a feature the products of the kind must state (the reply says when none does) |
| "cheaper" | after products at $20, $25, $40 | below the median shown ($24.99), never below all of it unless all cost the same; no prices shown: 0.8 x the old ceiling, else cheapest first |
| "more expensive" | | above the median shown (mirror of cheaper) |
| "bigger" / "smaller" | | one step along the size ladder (XS..XXXL, Twin..California King, or the catalog's own sizes) |
| "not that brand" / "other brands" | | the previous brands move to exclude.brands |
| a sort | "cheapest first", "best rated", "newest" | the same request, ordered |
| "show me more" | | the same request; the products already shown are skipped (the chat session keeps them) |

Relative moves stay in the same kind of product: the chat route keeps the category of what was shown.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import BaseModel, Field

from retrieval.intent import Exclusions, Intent, PriceConstraint, Reference

CHEAPER_FACTOR, PRICIER_FACTOR = 0.8, 1.25
LETTER_LADDER = ("XXS", "XS", "S", "M", "L", "XL", "XXL", "XXXL")
BED_LADDER = ("Twin", "Twin XL", "Full", "Queen", "King", "California King")
_NUMERIC_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(.*?)\s*$")


class IntentContext(BaseModel):
    """What the conversation already holds when a new message arrives."""

    previous: Intent | None = None
    shown_product_ids: list[str] = Field(default_factory=list, description="Products shown last, in order.")
    shown_prices: list[float] = Field(default_factory=list, description="Their prices, in the same order.")


@dataclass(frozen=True)
class Refinement:
    """The follow-up cues a message carries, as found by the extractor."""

    cheaper: bool = False
    pricier: bool = False
    bigger: bool = False
    smaller: bool = False
    other_brand: bool = False
    more: bool = False


def merge_intents(base: Intent, refinement: Intent) -> Intent:
    """`base` with every field the refinement sets laid over it; exclusions add up.

    The action, reference and language are the refinement's: they belong to the newest message.
    """
    brands = refinement.brands or base.brands
    exclude = _merge_exclusions(base.exclude, refinement.exclude, refinement.brands)
    excluded_brands = {b.lower() for b in exclude.brands}
    brands = [b for b in brands if b.lower() not in excluded_brands]
    attributes = {**base.attributes, **refinement.attributes}
    for key, values in exclude.attributes.items():
        if key in attributes and attributes[key].lower() in {v.lower() for v in values}:
            del attributes[key]
    replaced = [value for key, value in base.attributes.items() if attributes.get(key) != value]
    dropped = [*replaced, *exclude.brands, *exclude.terms, *(v for vs in exclude.attributes.values() for v in vs)]
    price = PriceConstraint(
        min=refinement.price.min if refinement.price.min is not None else base.price.min,
        max=refinement.price.max if refinement.price.max is not None else base.price.max,
        currency=refinement.price.currency or base.price.currency)
    if refinement.price.min is None and refinement.price.max is None:
        price = base.price.model_copy(update={"currency": price.currency})  # a move by "cheaper" stays one
    elif price.min is not None and price.max is not None and price.min > price.max:
        price = _keep_newest_bound(price, refinement.price)
    new_type = refinement.product_type is not None
    return Intent(
        action=refinement.action,
        query=merge_queries(base.query, refinement.query, dropped),
        product_type=refinement.product_type if new_type else base.product_type,
        category=(refinement.category or base.category) if new_type else base.category,
        brands=brands,
        exclude=exclude,
        attributes=attributes,
        features=list(dict.fromkeys([*base.features, *refinement.features])),
        price=price,
        pack_count=refinement.pack_count or base.pack_count,
        sort=refinement.sort if refinement.sort != "relevance" else base.sort,
        reference=refinement.reference,
        recipient=refinement.recipient or base.recipient,
        occasion=refinement.occasion or base.occasion,
        language=refinement.language,
        confidence={**base.confidence, **refinement.confidence},
    )


def merge_queries(base: str, addition: str, dropped: Sequence[str] = ()) -> str:
    """The previous keyword query without the dropped words, plus the new words: 'running shoes blue'."""
    drop = {word for phrase in dropped for word in phrase.lower().split()}
    words = [w for w in base.split() if w.lower() not in drop]
    seen = {w.lower() for w in words}
    words += [w for w in addition.split() if w.lower() not in seen]
    return " ".join(words)


def refine(previous: Intent, fresh: Intent, cues: Refinement, context: IntentContext,
           known_sizes: Sequence[str] = ()) -> Intent:
    """A follow-up message applied to the previous intent (rules in the module docstring)."""
    merged = merge_intents(previous, fresh.model_copy(update={"action": "refine"}))
    update: dict = {}
    if cues.other_brand and previous.brands:
        exclude = merged.exclude.model_copy(update={
            "brands": list(dict.fromkeys([*merged.exclude.brands, *previous.brands]))})
        update |= {"exclude": exclude, "brands": [b for b in fresh.brands if b not in previous.brands],
                   "query": merge_queries(merged.query, "", previous.brands)}
    if cues.cheaper and fresh.price.max is None:
        update |= _cheaper(merged, context.shown_prices)
    if cues.pricier and fresh.price.min is None:
        update |= _pricier(merged, context.shown_prices)
    if (cues.bigger or cues.smaller) and "size" not in fresh.attributes and merged.attributes.get("size"):
        stepped = step_size(merged.attributes["size"], 1 if cues.bigger else -1, known_sizes)
        if stepped:
            update["attributes"] = {**merged.attributes, "size": stepped}
            update["query"] = merge_queries(update.get("query", merged.query), stepped, [merged.attributes["size"]])
    if update:  # a field derived by these rules is less sure than one the shopper stated
        derived = {"attributes": "attributes.size"}
        confidence = {**merged.confidence, **{derived.get(key, key): 0.7 for key in update if key != "query"}}
        merged = merged.model_copy(update={**update, "confidence": confidence})
    merged = Intent.model_validate(merged.model_dump())
    return merged.model_copy(update={"confidence": {
        key: value for key, value in merged.confidence.items() if _is_set(merged, key)}})


def _is_set(intent: Intent, key: str) -> bool:
    """Whether the field a confidence key names holds a value: confidences are only for fields that are set."""
    if key in ("action", "query", "language"):
        return True
    if key.startswith("attributes."):
        return key.removeprefix("attributes.") in intent.attributes
    value = getattr(intent, key, None)
    if key == "price":
        return value.min is not None or value.max is not None
    if key == "exclude":
        return bool(value.brands or value.terms or value.attributes)
    if key == "sort":
        return value != "relevance"
    return bool(value)


def resolve_reference(reference: Reference | None, shown_product_ids: Sequence[str]) -> Reference | None:
    """'the second one' -> the second shown product's id, when the products shown are known."""
    if reference is None or reference.product_id or reference.ordinal is None or not shown_product_ids:
        return reference
    index = reference.ordinal - 1 if reference.ordinal > 0 else len(shown_product_ids) + reference.ordinal
    if 0 <= index < len(shown_product_ids):
        return reference.model_copy(update={"product_id": shown_product_ids[index]})
    return reference


def replace_wanted(previous: Intent, fresh: Intent) -> Intent:
    """'something more creative instead': what is wanted is the new message's, the budget, who it is for, the
    occasion and the brands ruled out are the previous request's unless the message sets them."""
    stated_price = fresh.price.min is not None or fresh.price.max is not None
    return fresh.model_copy(update={
        "action": "search",
        "price": fresh.price if stated_price else previous.price.stated(),
        "recipient": fresh.recipient or previous.recipient,
        "occasion": fresh.occasion or previous.occasion,
        "exclude": _merge_exclusions(Exclusions(brands=previous.exclude.brands), fresh.exclude, fresh.brands),
    })


def step_size(size: str, direction: int, known_sizes: Sequence[str] = ()) -> str | None:
    """One size up (direction 1) or down (-1): 'M' -> 'L', 'Queen' -> 'King', '55-Inch' -> '65-Inch'."""
    for ladder in (LETTER_LADDER, BED_LADDER):
        lowered = [s.lower() for s in ladder]
        if size.lower() in lowered:
            index = lowered.index(size.lower()) + direction
            return ladder[index] if 0 <= index < len(ladder) else None
    match = _NUMERIC_SIZE.match(size)
    if not match:
        return None
    value, unit = float(match[1]), match[2].lower()
    same_unit = []
    for known in known_sizes:
        other = _NUMERIC_SIZE.match(known)
        if other and other[2].lower() == unit:
            same_unit.append((float(other[1]), known))
    ahead = sorted((v, s) for v, s in same_unit if (v - value) * direction > 0)
    if not ahead:
        return None
    return (ahead[0] if direction > 0 else ahead[-1])[1]


def _cheaper(intent: Intent, shown_prices: Sequence[float]) -> dict:
    prices = [p for p in shown_prices if p is not None and p > 0]
    if prices:
        middle = statistics.median(prices)
        ceiling = round((middle if middle > min(prices) else min(prices)) - 0.01, 2)
    elif intent.price.max is not None:
        ceiling = round(intent.price.max * CHEAPER_FACTOR, 2)
    else:
        return {"sort": "price_asc"}
    floor = intent.price.min if intent.price.min is not None and intent.price.min <= ceiling else None
    return {"price": intent.price.moved_to(min=floor, max=max(ceiling, 0))}


def _pricier(intent: Intent, shown_prices: Sequence[float]) -> dict:
    prices = [p for p in shown_prices if p is not None and p > 0]
    if prices:
        middle = statistics.median(prices)
        floor = round((middle if middle < max(prices) else max(prices)) + 0.01, 2)
    elif intent.price.min is not None:
        floor = round(intent.price.min * PRICIER_FACTOR, 2)
    elif intent.price.max is not None:
        floor = intent.price.max
    else:
        return {"sort": "price_desc"}
    return {"price": intent.price.moved_to(min=floor, max=None)}


def _merge_exclusions(base: Exclusions, new: Exclusions, wanted_brands: Sequence[str]) -> Exclusions:
    wanted = {b.lower() for b in wanted_brands}
    attributes = {key: list(values) for key, values in base.attributes.items()}
    for key, values in new.attributes.items():
        attributes[key] = list(dict.fromkeys([*attributes.get(key, []), *values]))
    return Exclusions(
        brands=[b for b in dict.fromkeys([*base.brands, *new.brands]) if b.lower() not in wanted],
        terms=list(dict.fromkeys([*base.terms, *new.terms])),
        attributes=attributes)


def _keep_newest_bound(price: PriceConstraint, newest: PriceConstraint) -> PriceConstraint:
    """A new bound that contradicts an old one wins: 'under 50' after 'over 80' drops the 80."""
    if newest.max is not None:
        return price.model_copy(update={"min": None})
    return price.model_copy(update={"max": None})
