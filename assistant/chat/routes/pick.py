""""Which one is the cheapest / best rated / newest?": a pick among the products shown, by their own data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from retrieval.intent import Intent
from retrieval.models import Product
from tools.cards import product_card
from tools.catalog import sort_matches
from tools.models import ProductCard

from .. import wording
from ..findings import Findings
from .context import RouteContext

SUPERLATIVES = {"price_asc": "cheapest", "price_desc": "most expensive", "rating": "best rated",
                "newest": "newest"}


@dataclass
class PickFindings(Findings):
    product: Product | None = None
    sort: str = "relevance"
    among: int = 0  # how many shown products had the value compared

    route: ClassVar[str] = "pick"

    def named_products(self) -> list[ProductCard | Product]:
        return [*self.products, *([self.product] if self.product else [])]

    def template(self, message: str) -> str:
        superlative = SUPERLATIVES.get(self.sort, "best match")
        if self.product is None:
            return f"The products I showed you do not say which is the {superlative}."
        card, launched = self.products[0], self.product.launched_at
        fact = {"price_asc": wording.price(card.price), "price_desc": wording.price(card.price),
                "rating": f"{card.rating:.1f} stars from {card.review_count:,} reviews" if card.rating else "",
                "newest": f"launched {launched:%B} {launched.day}, {launched.year}" if launched else ""
                }.get(self.sort, "")
        return f"Of the {self.among} products I showed you, the {superlative} is the {wording.name(card)}" \
               f"{f' ({fact})' if fact else ''}."


def pick(context: RouteContext, intent: Intent, text: str) -> PickFindings:
    shown = [p for p in (context.product(pid) for pid in context.session.shown_ids) if p is not None]
    ordered = sort_matches([(None, p) for p in shown], intent.sort)
    known = {"price_asc": lambda p: p.price, "price_desc": lambda p: p.price, "rating": lambda p: p.rating,
             "newest": lambda p: p.launched_at}[intent.sort]
    among = sum(1 for p in shown if known(p) is not None)
    best = ordered[0][1] if ordered and among else None
    if best is None:
        return PickFindings(intent, sort=intent.sort, among=among)
    context.session.focus(best.id)
    return PickFindings(intent, products=[product_card(best)], product=best, sort=intent.sort, among=among)
