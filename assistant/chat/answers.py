"""Answers taken from data, word for word where it matters: a product question from the product's own
record (saying plainly when the record does not say), a policy question by quoting the policy."""

from __future__ import annotations

import re

from retrieval.intent import Intent
from retrieval.models import Product
from retrieval.policies import PolicyPassage

ASPECTS = {  # what a question asks about -> the words that ask it
    "price": r"\b(?:price|cost|costs|how much|expensive|on sale|discount)\b",
    "size": r"\b(?:sizes?|fit|fits|dimensions?|how big)\b",
    "color": r"\b(?:colou?rs?|shades?)\b",
    "material": r"\b(?:materials?|made of|made from|fabric)\b",
    "stock": r"\b(?:in stock|available|availability|sold out)\b",
    "rating": r"\b(?:ratings?|rated|reviews?|stars?|worth it|any good|quality)\b",
    "piece_count": r"\b(?:how many (?:pieces|parts|pcs)|pieces?|piece count|parts? (?:come|included))\b",
    "pack_count": r"\b(?:how many (?:are |come )?in (?:the|a|each|one) (?:pack|box|package|set)|pack size|"
                  r"how many (?:does it|do they) come with)\b",
    "age_range": r"\b(?:what ages?|which ages?|how old|age range|ages?|old enough|suitable for (?:a |my )?\d)\b",
    "about": r"\b(?:what (?:does|do) (?:it|this|that|they) do|what is (?:it|this|that)|what'?s (?:it|this|that) "
             r"for|what (?:is|are) (?:it|they) (?:used )?for|tell me (?:more )?about)\b",
}
# How a title or a description states a count when the attributes do not: "20-Piece", "(4-Pack)", "set of 6".
_COUNT_IN_TEXT = {
    "piece_count": re.compile(r"\b(\d{1,5})\s*-?\s*(?:pieces?|pcs?|piece)\b", re.IGNORECASE),
    "pack_count": re.compile(r"\b(\d{1,4})\s*-?\s*(?:pack|count|ct)\b|\b(?:pack|set|box) of (\d{1,4})\b",
                             re.IGNORECASE),
}
_ASPECT_NAMES = {"piece_count": "number of pieces", "pack_count": "pack size", "age_range": "age range"}
# Words that make a question but are not about the product ("is the second one good for ...").
_FILLER = set("""a an and any are about be can could do does for from go good has have how i if in is it its
it's me more my of on one or please show tell that the them these this those to what which will with would you
your yes no whether there really still also get buy need want so much""".split())
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def short_title(product: Product) -> str:
    """'Ridgefern 2-Person Canvas Tent, Orange' -> 'Ridgefern 2-Person Canvas Tent'."""
    return product.title.split(",")[0].strip()


def answer_product_question(product: Product, intent: Intent, text: str) -> str:
    """Sentences built only from the product's record; an unknown answer is said to be unknown."""
    name = short_title(product)
    lowered = text.lower()
    sentences = [_aspect(aspect, product, name) for aspect, pattern in ASPECTS.items() if re.search(pattern, lowered)]
    for key, value in intent.attributes.items():  # "is it available in red?"
        if not re.search(rf"\b{re.escape(value.lower())}\b", lowered):
            continue  # carried over from an earlier request, not asked now
        values = product.attribute_values(key)
        if value.lower() in values:
            sentences.append(f"Yes, the {name} comes in {value}.")
        elif values:
            sentences.append(f"The {name} comes in {key} {', '.join(values)}, not {value}.")
        else:
            sentences.append(f"The product data does not list the {name}'s {key}.")
    described = " ".join([product.title, product.description, *product.tags,
                          *(v for key in product.attributes for v in product.attribute_values(key))]).lower()
    asked = [f for f in intent.features if f.lower() in lowered]
    if not sentences and not asked:
        asked = _asked_words(intent.query, product)
    for feature in dict.fromkeys(asked):
        if feature.lower() in described:
            sentences.append(f"Yes: the {name} is listed as {feature}.")
        else:
            sentences.append(f"The product data does not say whether the {name} is {feature}; "
                             f"I would not count on it.")
    if not sentences:  # "tell me about the second one"
        sentences = [_overview(product, name)]
    return " ".join(sentences)


def _asked_words(query: str, product: Product) -> list[str]:
    """Words of the question that are neither filler nor the product's own kind ('tent')."""
    own = " ".join([*product.category, product.brand or ""]).lower()
    words = [w for w in re.findall(r"[a-z][a-z-]+", query.lower()) if w not in _FILLER and w[:4] not in own]
    return [" ".join(words)] if words else []


def _aspect(aspect: str, product: Product, name: str) -> str:
    if aspect == "price":
        if product.price is None:
            return f"The product data does not give a price for the {name}."
        sale = f", down from ${product.list_price:,.2f}" if product.list_price and product.list_price > product.price \
            else ""
        return f"The {name} costs ${product.price:,.2f}{sale}."
    if aspect == "stock":
        return f"The {name} is {'in stock' if product.in_stock else 'out of stock right now'}."
    if aspect == "rating":
        if product.rating is None:
            return f"The {name} has no reviews yet."
        quote = f" One reviewer says: “{product.reviews[0]}”" if product.reviews else ""
        return f"The {name} is rated {product.rating:.1f} stars from {product.review_count:,} reviews.{quote}"
    if aspect == "about":
        return _overview(product, name)
    values = product.attribute_values(aspect)
    if not values and aspect in _COUNT_IN_TEXT:
        for text in (product.title, product.description):
            match = _COUNT_IN_TEXT[aspect].search(text or "")
            if match:
                values = [next(group for group in match.groups() if group)]
                break
    label = _ASPECT_NAMES.get(aspect, aspect)
    if not values:
        return f"The product data does not list the {name}'s {label}."
    if aspect == "piece_count":
        return f"The {name} comes with {values[0]} pieces."
    if aspect == "pack_count":
        return f"The {name} comes in a pack of {values[0]}."
    if aspect == "age_range":
        return f"The {name} is for ages {', '.join(values)}."
    return f"The {name} comes in {aspect} {', '.join(values)}."


def _overview(product: Product, name: str) -> str:
    parts = [f"The {name}"]
    if product.price is not None:
        parts.append(f"costs ${product.price:,.2f}")
    if product.rating is not None:
        parts.append(f"and is rated {product.rating:.1f} stars from {product.review_count:,} reviews")
    first = _SENTENCE.split(product.description.strip())[0] if product.description.strip() else ""
    return " ".join(parts) + "." + (f" {first}" if first else "")


def quote_policy(passage: PolicyPassage, question: str, sentences: int = 2) -> str:
    """The passage's sentences that share the most words with the question, in their original order."""
    candidates = [s.strip() for line in passage.text.splitlines() for s in _SENTENCE.split(line) if s.strip()]
    words = {w for w in re.findall(r"[a-z0-9$]+", question.lower()) if w not in _FILLER}

    def overlap(sentence: str) -> int:
        said = set(re.findall(r"[a-z0-9$]+", sentence.lower()))
        return sum(1 for w in words if w in said or any(s.startswith(w[:5]) for s in said if len(w) > 4))

    ranked = sorted(range(len(candidates)), key=lambda i: (-overlap(candidates[i]), i))[:sentences]
    return " ".join(candidates[i] for i in sorted(ranked))
