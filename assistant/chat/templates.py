"""The template composer: a short, correct reply for every route, written from the findings alone.

It is the reply when there is no LLM, when the LLM fails or when its reply does not survive the grounding
check, and it is the draft the LLM is shown. Every value in it comes from the findings.
"""

from __future__ import annotations

from retrieval.models import SearchRequest

from . import cues
from .answers import quote_policy, short_title
from .models import Cart, ProductCard
from .pipeline import Findings

GREETING = ("I can find products, compare them, answer questions about shipping, returns and warranty, "
            "and keep a cart for you. What are you shopping for?")


def template_reply(findings: Findings, message: str) -> str:
    route = findings.route
    if route in ("search", "more"):
        return _search(findings, more=route == "more")
    if route == "related":
        return _related(findings)
    if route == "compare":
        return _compare(findings)
    if route == "product":
        return findings.answer or ""
    if route == "policy":
        return _policy(findings, message)
    if route == "cart_add":
        line = findings.added
        return (f"Added {line.quantity} × {line.title} ({_price(line.price)} each) to your cart. "
                + _cart_total(findings.cart))
    if route == "cart_view":
        return _cart(findings.cart)
    if route == "clarify":
        if findings.intent.action == "add_to_cart":
            return "Which product should I add? Say “the first one” or give its product id."
        return "Which products do you mean? Search for something first, then say “the first one” or “compare " \
               "the first two”."
    if cues.says_thanks(message):
        return "You're welcome! Anything else I can find for you?"
    if findings.intent.action == "chitchat":
        return f"Hi! {GREETING}"
    return f"I'm the store's shopping assistant, so I can't help with that. {GREETING}"


def constraints(request: SearchRequest | None) -> str:
    """'under $80, in blue, not from Stridewell'."""
    if request is None:
        return ""
    parts = []
    if request.min_price is not None and request.max_price is not None:
        parts.append(f"between {_amount(request.min_price)} and {_amount(request.max_price)}")
    elif request.max_price is not None:
        parts.append(f"under {_amount(request.max_price)}")
    elif request.min_price is not None:
        parts.append(f"over {_amount(request.min_price)}")
    if request.color:
        parts.append(f"in {request.color}")
    if request.size:
        parts.append(f"in size {request.size}")
    if request.brand:
        parts.append("from " + " or ".join(request.brand))
    if request.exclude_brand:
        parts.append("not from " + " or ".join(request.exclude_brand))
    return ", ".join(parts)


def _search(findings: Findings, more: bool) -> str:
    request = findings.results.request if findings.results else None
    what = findings.intent.product_type or (findings.intent.category or "").lower() or None
    limits = constraints(request)
    scope = " ".join(part for part in (f"for {what}" if what else "", limits) if part)
    cards = findings.products
    if not cards:
        if more:
            return f"That's all I have{' ' + scope if scope else ''}. Try widening the search, for example a " \
                   f"higher budget."
        hint = " Try a higher budget or fewer filters." if limits else " Try other words for it."
        return f"I found nothing{' ' + scope if scope else ''}.{hint}"
    first = cards[0]
    options = f"{len(cards)}{' more' if more else ''} option{'s' if len(cards) != 1 else ''}"
    pick = f"The top pick is the {_name(first)} at {_price(first.price)}"
    if first.reasons:
        pick += f" ({first.reasons[0]})"
    return f"Here {'is' if len(cards) == 1 and not more else 'are'} {options}{' ' + scope if scope else ''}. {pick}."


def _related(findings: Findings) -> str:
    anchor = short_title(findings.anchor) if findings.anchor else "it"
    if not findings.products:
        return f"I couldn't find anything that goes with the {anchor}."
    picks = [f"the {_name(card)} ({_price(card.price)})" for card in findings.products[:2]]
    return f"To go with the {anchor}, consider {' and '.join(picks)}."


def _compare(findings: Findings) -> str:
    comparison = findings.comparison
    a, b = comparison.products[0], comparison.products[1]
    text = f"The {_name(a)} is {_price(a.price)}{_stars(a)}; the {_name(b)} is {_price(b.price)}{_stars(b)}."
    if a.price is not None and b.price is not None and a.price != b.price:
        cheaper, dearer = (a, b) if a.price < b.price else (b, a)
        saving = _price(round(dearer.price - cheaper.price, 2))
        text += f" The {cheaper.brand or _name(cheaper)} one is {saving} cheaper."
    differ = [row.attribute for row in comparison.rows if not row.same and row.attribute not in ("price", "rating")]
    same = [f"{row.attribute} {row.values[0]}" for row in comparison.rows if row.same and row.attribute in
            ("color", "size", "material")]
    if differ:
        text += f" They differ in {', '.join(differ)}"
        text += f"; both share {', '.join(same)}." if same else "."
    return text


def _policy(findings: Findings, message: str) -> str:
    if not findings.policies:
        return "I couldn't find that in our store policies. Could you ask it another way?"
    passage = findings.policies[0]
    document = passage.source.removesuffix(".md").replace("-", " ")
    return f"Our {document} policy ({passage.title}) says: “{quote_policy(passage, message)}”"


def _cart(cart: Cart | None) -> str:
    if cart is None or not cart.lines:
        return "Your cart is empty. What can I find for you?"
    items = "; ".join(f"{line.quantity} × {line.title} ({_price(line.price)})" for line in cart.lines)
    count = sum(line.quantity for line in cart.lines)
    return f"Your cart has {count} item{'s' if count != 1 else ''}: {items}. Total: {_price(cart.total)}."


def _cart_total(cart: Cart | None) -> str:
    return f"Your cart total is {_price(cart.total)}." if cart else ""


def _name(card: ProductCard) -> str:
    return card.title.split(",")[0].strip()


def _stars(card: ProductCard) -> str:
    return f" with {card.rating:.1f} stars" if card.rating is not None else ""


def _price(value: float | None) -> str:
    return f"${value:,.2f}" if value is not None else "a price not listed"


def _amount(value: float) -> str:
    """A budget as the shopper would say it: $80, $57.98."""
    return f"${value:,.0f}" if value == int(value) else f"${value:,.2f}"
