"""Deterministic intent extraction: a shopper's message -> `Intent`, in well under a millisecond.

How a message is read: `extract_intent`, below, runs these steps in order on one `message.Message`, each
step writing what it finds there for the next (the module doing each step in brackets):
1. normalise it (lower case, plain quotes and dashes: `text`) and find the pattern-shaped parts on the text:
   price, product ids and "the second one", pack counts, sizes, ages and recipients, occasions, follow-up
   cues (`patterns`, prices in `money`);
2. tokenise the rest and match lexicon phrases longest-first: brands, categories, colours, materials,
   flavours, scents, patterns, styles, features and sorts, from the built-in lexicons and, when one is given,
   the catalog vocabulary (`vocabulary`), brands also with one typo (`phrases`);
3. apply negations ("not gray", "no nike", "without sugar") to what follows them (`negations`);
4. pick the product noun phrase, the action and the keyword query (`fields`), and score each field's
   confidence (here);
5. with a context, resolve references against the products shown and merge follow-ups into the previous
   intent (`context`).

The LLM refinement reads `Intent.confidence` to decide which fields to revisit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import lexicons as lex
from .context import (IntentContext, Refinement, merge_intents, merge_queries, refine, replace_wanted,
                      resolve_reference)
from .fields import demonstrative_before, read_action, read_language, read_product_type, read_query
from .message import EXACT, GUESS, Claim, Message
from .negations import apply_negations
from .patterns import find_patterns
from .phrases import match_phrases, tokenise
from retrieval.intent import Exclusions, Intent, Reference
from .text import is_content, lemma_key, normalise, spelling_key, split_words
from .vocabulary import CatalogVocabulary

__all__ = ["CatalogVocabulary", "IntentContext", "extract_intent", "merge_intents"]

ATTRIBUTE_KINDS = ("color", "size", "material", "flavor", "scent", "pattern", "style")
# Actions about the cart, the store or the conversation name no product; some need no query either.
_NOT_ABOUT_PRODUCTS = frozenset({"view_cart", "chitchat", "other", "policy_question"})
_NO_QUERY = frozenset({"view_cart", "chitchat", "other"})
_KEPT_FOR_NON_PRODUCT = frozenset({"action", "query", "reference", "language"})


def extract_intent(text: str, vocabulary: CatalogVocabulary | None = None,
                   context: IntentContext | None = None) -> Intent:
    """The structured intent of one shopper message; never raises on any string."""
    message = Message(normalise(text or ""))
    find_patterns(message, vocabulary)
    tokenise(message)
    match_phrases(message, vocabulary)
    apply_negations(message)
    fresh = _build_intent(message, vocabulary, context)
    return _with_context(fresh, message, context, vocabulary)


# ---------------------------------------------------------------- 4. the intent


def _feature_named_as_product(message: Message, found: _ClaimedFields, vocabulary: CatalogVocabulary | None,
                              confidence: dict[str, float]) -> tuple[str | None, float]:
    """'a wall mount for it', 'a remote control': a feature's words used as a noun, after an article and before
    nothing that could be their head, name the product and are no longer a feature of some other product."""
    for claim in message.claims:
        if claim.kind != "feature" or claim.negated or claim.last - claim.first < 2 or claim.first == 0 \
                or message.words[claim.first - 1] not in lex.ARTICLES:
            continue
        if claim.last < len(message.words) and is_content(message.words[claim.last]):
            continue  # "a wall mount tv bracket": the feature describes what follows
        found.features = [f for f in found.features if f != _catalog_spelling(claim, vocabulary)]
        if not found.features:
            confidence.pop("features", None)
        return " ".join(message.words[claim.first:claim.last]), GUESS
    return None, 0.0


def _build_intent(message: Message, vocabulary: CatalogVocabulary | None, context: IntentContext | None) -> Intent:
    """The intent the message states on its own, each field with its confidence; the context only tells
    whether a 'cheaper' is a sort or a follow-up, and `read_action` whether it refines."""
    confidence: dict[str, float] = {}
    found = _claimed_fields(message, vocabulary, confidence)
    attributes, sort = found.attributes, found.sort
    product_type, category, type_confidence = read_product_type(message, vocabulary)
    if product_type is None:
        product_type, type_confidence = _feature_named_as_product(message, found, vocabulary, confidence)
    elif not category and re.search(lex.ONES_WITH_RE.pattern + re.escape(product_type) + r"\b", message.text):
        # "ones with a bottom freezer": a part the product has, wanted of the kind already talked about
        found.features.append(product_type)
        confidence["features"] = min(confidence.get("features", 1.0), type_confidence)
        product_type = None
    sizes = message.of_kind("size")
    if sizes:
        size = str(sizes[0].value)
        attributes["size"] = vocabulary.catalog_size(size, category) if vocabulary else size
        confidence["attributes.size"] = EXACT if len({s.value for s in sizes}) == 1 else 0.5
    price_spans = message.of_kind("price")
    price = price_spans[0].value.price if price_spans else None
    if price_spans:
        confidence["price"] = price_spans[0].value.confidence
    packs = message.of_kind("pack")
    pack_count = packs[0].value if packs else None
    if packs:
        confidence["pack_count"] = 0.9
    cues = _refinement_cues(message)
    if sort == "relevance" and not (context and context.previous):
        if cues.cheaper:
            sort, confidence["sort"] = "price_asc", 0.7
        elif cues.pricier:
            sort, confidence["sort"] = "price_desc", 0.7
    reference = _reference(message)
    if reference:
        confidence["reference"] = max(s.confidence for s in message.spans if s.kind in ("ordinal", "product_id"))
    recipient = _first_value(message, "recipient")
    occasion = _first_value(message, "occasion")
    if recipient:
        confidence["recipient"] = 0.85
    if occasion:
        confidence["occasion"] = next(s.confidence for s in message.spans if s.kind == "occasion")
    if product_type:
        confidence["product_type"] = type_confidence
    if category:
        confidence["category"] = next(c.confidence for c in message.claims if c.kind == "category"
                                      and c.value == category)
    brands, features = found.brands, found.features
    exclude = Exclusions(brands=found.excluded_brands, terms=_with_audience_kin(message.excluded_terms),
                         attributes=found.excluded_attributes)
    if exclude.terms:
        confidence["exclude"] = min(confidence.get("exclude", 1.0), 0.75)
    strong = bool(brands or attributes or features or price)
    signals = strong or bool(product_type or category)
    action, action_confidence, action_drop = read_action(message, signals, strong, bool(reference), product_type,
                                                         cues, context)
    confidence["action"] = action_confidence
    language, confidence["language"] = read_language(message.words)
    query = read_query(message, action_drop)
    if (action == "product_question" and not category and not demonstrative_before(message.text, product_type)) \
            or (action == "add_to_cart" and product_type and set(split_words(product_type)) <= lex.CART_WORDS):
        product_type = None
        confidence.pop("product_type", None)
    if action in _NO_QUERY:
        query = ""
    if action in _NOT_ABOUT_PRODUCTS:  # a question about the store or the cart states no product constraints
        return Intent(action=action, query=query, reference=reference, language=language, confidence={
            key: round(value, 2) for key, value in confidence.items() if key in _KEPT_FOR_NON_PRODUCT})
    if query:
        confidence["query"] = 0.8 if signals else 0.5
    return Intent(
        action=action, query=query, product_type=product_type, category=category, brands=brands,
        exclude=exclude, attributes=attributes, features=features,
        price=price if price is not None else {}, pack_count=pack_count, sort=sort, reference=reference,
        recipient=recipient, occasion=occasion, language=language,
        confidence={key: round(value, 2) for key, value in confidence.items()})


@dataclass
class _ClaimedFields:
    """What the claimed phrases say, before the sizes, prices and the rest are added."""

    brands: list[str] = field(default_factory=list)
    excluded_brands: list[str] = field(default_factory=list)
    attributes: dict[str, str] = field(default_factory=dict)
    excluded_attributes: dict[str, list[str]] = field(default_factory=dict)
    features: list[str] = field(default_factory=list)
    sort: str = "relevance"
    sort_key_only: bool = False  # the sort came from "by price" alone, which a direction may still turn


_SORT_KEYS = frozenset(p for p in lex.SORT_PHRASES if p.startswith(("by ", "sort", "sorted", "order")))


def _with_audience_kin(terms: list[str]) -> list[str]:
    """"no kids' sizes" rules out what stores call youth, toddler, infant and baby too."""
    kin = [word for term in terms if lex.CHILD_AUDIENCE & set(split_words(term))
           for word in lex.CHILD_AUDIENCE_TERMS]
    return list(dict.fromkeys([*terms, *kin]))


def _claimed_fields(message: Message, vocabulary: CatalogVocabulary | None,
                    confidence: dict[str, float]) -> _ClaimedFields:
    """The fields the lexicon phrases fill, negated ones into the exclusions; confidences go into `confidence`."""
    found = _ClaimedFields()

    def note(key: str, value: float) -> None:
        confidence[key] = min(confidence.get(key, 1.0), value)

    for claim in message.claims:
        value = _catalog_spelling(claim, vocabulary)
        surface = " ".join(message.words[claim.first:claim.last])
        if claim.kind == "brand":
            target = found.excluded_brands if claim.negated else found.brands
            if value not in target:
                target.append(value)
            note("exclude" if claim.negated else "brands", claim.confidence)
        elif claim.kind in ATTRIBUTE_KINDS:
            if claim.negated:
                found.excluded_attributes.setdefault(claim.kind, []).append(value)
                note("exclude", claim.confidence)
            elif claim.kind not in found.attributes:
                found.attributes[claim.kind] = value
                confidence[f"attributes.{claim.kind}"] = claim.confidence
            elif found.attributes[claim.kind] != value:
                confidence[f"attributes.{claim.kind}"] = 0.5  # "pink or blue": the first one, unsure
        elif claim.kind in ("feature", "category") and claim.negated:
            message.excluded_terms.append(surface)  # "not waterproof", "no running shoes"
            if claim.kind == "category" and lemma_key(value) != lemma_key(surface):
                message.excluded_terms.append(value)  # "not clothes": the store's 'Apparel' too
        elif claim.kind == "feature" and value not in found.features:
            found.features.append(value)
            note("features", claim.confidence)
        elif claim.kind == "sort" and not claim.negated and (found.sort == "relevance" or found.sort_key_only):
            # "sort by price, highest first": a direction beats the bare key ("by price" reads ascending).
            found.sort, found.sort_key_only = claim.value, surface in _SORT_KEYS
            confidence["sort"] = 0.85
    return found


def _catalog_spelling(claim: Claim, vocabulary: CatalogVocabulary | None) -> str:
    """Built-in values in the catalog's own spelling when it has them: 'non-slip', 'gray'."""
    if vocabulary is None:
        return claim.value
    if claim.kind == "color":
        return vocabulary.colors.get(spelling_key(claim.value), claim.value)
    if claim.kind == "feature":
        return vocabulary.features.get(spelling_key(claim.value), claim.value)
    return claim.value


def _first_value(message: Message, kind: str) -> str | None:
    spans = message.of_kind(kind)
    return str(spans[0].value) if spans else None


def _reference(message: Message) -> Reference | None:
    ids = message.of_kind("product_id")
    ordinals = message.of_kind("ordinal")
    if not ids and not ordinals:
        return None
    return Reference(ordinal=ordinals[0].value if ordinals else None,
                     product_id=ids[0].value if ids else None)


def _refinement_cues(message: Message) -> Refinement:
    kinds = {s.kind for s in message.spans}
    return Refinement(cheaper="cue:cheaper" in kinds, pricier="cue:pricier" in kinds, bigger="cue:bigger" in kinds,
                      smaller="cue:smaller" in kinds, other_brand="cue:other_brand" in kinds,
                      more="cue:more" in kinds)


# ---------------------------------------------------------------- 5. context


def _with_context(fresh: Intent, message: Message, context: IntentContext | None,
                  vocabulary: CatalogVocabulary | None) -> Intent:
    if context is None:
        return fresh
    reference = resolve_reference(fresh.reference, context.shown_product_ids)
    if reference != fresh.reference:
        fresh = fresh.model_copy(update={"reference": reference})
    previous = context.previous
    if previous is None or fresh.action not in ("refine", "search", "recommend"):
        return fresh
    target = lex.FOR_TARGET_RE.match(message.text)
    if target and previous.product_type and (fresh.query or fresh.product_type) \
            and not (fresh.recipient or fresh.occasion or fresh.price.max or fresh.price.min):
        return _for_another_target(previous, fresh, target["target"])
    if lex.INSTEAD_RE.search(message.text) and (fresh.query or fresh.product_type or fresh.features):
        return replace_wanted(previous, fresh)
    if fresh.action == "recommend":
        return fresh
    if lex.ONLY_RE.match(message.text) and fresh.product_type and not fresh.category:
        # "electric only" after cooktops: electric cooktops, not a search for "electric"
        fresh = fresh.model_copy(update={"product_type": None, "action": "refine",
                                         "features": list(dict.fromkeys([*fresh.features, fresh.product_type]))})
    if fresh.product_type and not _same_product(fresh, previous):
        if lex.FOR_IT_RE.search(message.text) and previous.product_type:
            # "a wall mount for it" after a TV: a TV wall mount, a new request for what goes with the last one
            return fresh.model_copy(update={"action": "search",
                                            "query": merge_queries(previous.product_type, fresh.query)})
        return fresh.model_copy(update={"action": "search"})  # a new, unrelated request starts fresh
    if not fresh.product_type and fresh.query and lex.PURPOSE_RE.search(message.text) \
            and not (fresh.category and fresh.category == previous.category):
        # "something for my balcony": a new want too; "something for their desk" goes on with the gift (its
        # budget and who it is for)
        if previous.recipient:
            return replace_wanted(previous, fresh)
        return fresh.model_copy(update={"action": "search"})
    known_sizes = vocabulary.size_values if vocabulary else ()
    refined = refine(previous, fresh, _refinement_cues(message), context, known_sizes)
    return _let_go(refined, message.text)


def _for_another_target(previous: Intent, fresh: Intent, target: str) -> Intent:
    """'for a Honda Element instead' after a dash kit for a RAV4, 'what about for the 3DS?' after DS games: the
    same kind of product, for the new target (a word of the kind the target replaces goes: 'ds' for '3ds')."""
    new_words = [w for w in fresh.query.split() if w] or target.split()
    kind_words = previous.product_type.split()
    if {w.lower() for w in kind_words[:-1]} & {n.lower() for n in new_words}:
        kind_words = kind_words[-1:]  # "iphone 6 cases", then "for the iphone 5": cases
    kind = " ".join(w for w in kind_words
                    if not any(w.lower() in n.lower() and w.lower() != n.lower() for n in new_words)) \
        or previous.product_type
    wanted = " ".join(new_words)  # what the product must say it fits: "honda element", "3ds"
    return previous.model_copy(update={"action": "refine", "product_type": kind, "category": None,
                                       "query": merge_queries(kind, wanted), "reference": None,
                                       "features": list(dict.fromkeys([*previous.features, wanted]))})


def _let_go(intent: Intent, text: str) -> Intent:
    """'any colour is fine': the constraints the shopper lets go of leave the request."""
    fields = {("color" if f.startswith("colo") else f) for match in lex.ANY_VALUE_RE.finditer(text)
              for f in match.groups() if f}
    if not fields:
        return intent
    attributes = {k: v for k, v in intent.attributes.items() if k not in fields}
    dropped = [v for k, v in intent.attributes.items() if k in fields] + (intent.brands if "brand" in fields else [])
    return intent.model_copy(update={"attributes": attributes, "brands": [] if "brand" in fields else intent.brands,
                                     "query": merge_queries(intent.query, "", dropped)})


def _same_product(fresh: Intent, previous: Intent) -> bool:
    if fresh.category and previous.category:
        return fresh.category == previous.category
    if not previous.product_type:
        return False
    return lemma_key(fresh.product_type or "") == lemma_key(previous.product_type)
