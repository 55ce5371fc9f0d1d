"""`Findings`: what one turn's route found, the only facts its reply may use.

Each route (`assistant/chat/routes/`) has its own Findings subclass with the fields it needs and two
methods: `template(message)`, its reply without an LLM (also the draft an LLM is shown), and
`detail_facts()`, its own lines of facts for the LLM and the grounding check. What every route may carry
(product cards, policy passages, the cart) is here, with the facts lines they give.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from retrieval.intent import Intent
from retrieval.models import Product
from tools.models import Cart, PolicyPassage, ProductCard

from .grounding import Grounding

MAX_FACT_PRODUCTS = 3  # what the reply talks about; fewer prompt tokens, a faster first token


@dataclass
class Findings:
    intent: Intent
    products: list[ProductCard] = field(default_factory=list)
    query_id: str | None = None
    policies: list[PolicyPassage] = field(default_factory=list)
    cart: Cart | None = None

    route: ClassVar[str]
    shows_cart: ClassVar[bool] = False  # the response carries the cart even when it is empty

    def template(self, message: str) -> str:
        raise NotImplementedError

    def detail_facts(self) -> list[str]:
        """This route's own facts, between the product lines and the policy passages."""
        return []

    def found_nothing(self) -> bool:
        """A search ran and found nothing: the template says what was searched (a model only apologises)."""
        return False

    def named_products(self) -> list[ProductCard | Product]:
        """Products whose brand or price in a sentence means it states the answer."""
        return list(self.products)

    def has_facts(self) -> bool:
        return bool(self.products or self.policies or self.cart is not None)

    def data_facts(self) -> list[str]:
        """The lines of `facts()` that are catalog text (a description, a review): shown to the LLM as data
        to quote, never as a source of prices, stock or cart changes (grounding.py)."""
        return []

    def grounding(self, draft: str, message: str) -> Grounding:
        """What a reply to this turn may say: the structured facts, the template and the shopper's message;
        catalog text only as data."""
        data = set(self.data_facts())
        grounding = Grounding.of([line for line in self.facts() if line not in data] + [draft], data=data)
        grounding.add(message, claims=False)
        return grounding

    def facts(self) -> list[str]:
        """The tool results as short lines: what the LLM is shown and what the grounding check allows."""
        lines = []
        for n, card in enumerate(self.products[:MAX_FACT_PRODUCTS], start=1):
            rating = f" | {card.rating:.1f} stars, {card.review_count} reviews" if card.rating is not None else ""
            price = f"${card.price:,.2f}" if card.price is not None else "price not listed"
            lines.append(f"{n}. {card.title} | {price}{rating} | {'; '.join(card.reasons)}")
        lines += self.detail_facts()
        lines += [f"{p.source}, {p.title}: {p.text}" for p in self.policies]
        if self.cart is not None:
            lines.append("Cart: " + ("; ".join(f"{line.quantity} x {line.title} at ${line.price or 0:,.2f}"
                                               for line in self.cart.lines) or "empty")
                         + f" | total ${self.cart.total:,.2f}")
        return lines
