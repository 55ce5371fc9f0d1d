""""What goes with ...": `related_products` for the referenced, matching or first shown product."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from retrieval.intent import Intent
from retrieval.models import Product
from tools.models import ProductResults

from .. import wording
from ..answers import short_title
from ..findings import Findings
from .clarify import ClarifyFindings
from .context import RouteContext


@dataclass
class RelatedFindings(Findings):
    results: ProductResults | None = None
    anchor: Product | None = None  # what the related products go with

    route: ClassVar[str] = "related"

    def found_nothing(self) -> bool:
        return self.results is not None and not self.products

    def detail_facts(self) -> list[str]:
        return [f"Goes with: {self.anchor.title}"] if self.anchor is not None else []

    def template(self, message: str) -> str:
        anchor = short_title(self.anchor) if self.anchor else "it"
        if not self.products:
            return f"I couldn't find anything that goes with the {anchor}."
        picks = [f"the {wording.name(card)} ({wording.price(card.price)})" for card in self.products[:2]]
        return f"To go with the {anchor}, consider {' and '.join(picks)}."


def related(context: RouteContext, intent: Intent, text: str) -> Findings:
    session = context.session
    anchor = context.referenced(intent, text, default_to_only=True)
    if anchor is None and session.shown_ids:
        anchor = context.matching_shown(intent) or context.product(session.shown_ids[0])
    if anchor is None and (intent.product_type or intent.category):
        found = context.search(intent.model_copy(update={"action": "search"}), k=1).products
        anchor = context.product(found[0].id) if found else None
    if anchor is None:
        return ClarifyFindings(intent)
    results = context.tools["related_products"].invoke({"product_id": anchor.id, "k": min(context.results, 4)})
    if results.products:
        session.show(results.products)
    session.focus(anchor.id)
    return RelatedFindings(intent, products=results.products, query_id=results.query_id, results=results,
                           anchor=anchor)
