"""How replies write values: names, prices, budgets and the constraints of a search. Shared by every
route's template so that a price or a budget reads the same in every answer."""

from __future__ import annotations

import re

from retrieval.intent import Intent
from retrieval.models import SearchRequest
from tools.models import ProductCard

GREETING = ("I can find products, compare them, answer questions about shipping, returns and warranty, "
            "and keep a cart for you. What are you shopping for?")


def name(card: ProductCard) -> str:
    """'Ridgefern 2-Person Canvas Tent, Orange' -> 'Ridgefern 2-Person Canvas Tent'; 'Google, LLCognito
    Laptop Organizer' is whole (a one-word part before the comma is a brand, not the name)."""
    head = card.title.split(",")[0].strip()
    return head if len(head.split()) >= 2 else card.title.strip()


def price(value: float | None) -> str:
    return f"${value:,.2f}" if value is not None else "a price not listed"


def amount(value: float) -> str:
    """A budget as the shopper would say it: $80, $57.98."""
    return f"${value:,.0f}" if value == int(value) else f"${value:,.2f}"


def stars(card: ProductCard) -> str:
    return f" with {card.rating:.1f} stars" if card.rating is not None else ""


def constraints(request: SearchRequest | None) -> str:
    """'under $80, in blue, not from Stridewell'."""
    if request is None:
        return ""
    parts = []
    if request.min_price is not None and request.max_price is not None:
        parts.append(f"between {amount(request.min_price)} and {amount(request.max_price)}")
    elif request.max_price is not None:
        parts.append(f"under {amount(request.max_price)}")
    elif request.min_price is not None:
        parts.append(f"over {amount(request.min_price)}")
    if request.color:
        parts.append(f"in {request.color}")
    if request.size:
        parts.append(f"in size {request.size}")
    if request.brand:
        parts.append("from " + " or ".join(request.brand))
    if request.exclude_brand:
        parts.append("not from " + " or ".join(request.exclude_brand))
    return ", ".join(parts)


def gift_for(intent: Intent) -> str:
    """'for your 7 year old boy, for a birthday': who a gift is for, in the shopper's words turned to ours."""
    parts = []
    if intent.recipient:
        who = re.sub(r"^(?:my|our)\b", "your", intent.recipient.strip(), flags=re.IGNORECASE)
        article = "" if re.match(r"^(?:your|a|an|the)\b", who, re.IGNORECASE) else "an " if who[:1] in "aeiou8" \
            else "a "
        parts.append(f"for {article}{who}")
    if intent.occasion:
        parts.append(f"for {intent.occasion}")
    return " ".join(parts)
