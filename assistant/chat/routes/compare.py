"""Compare: the products the message points at ("the first two", "the 1st and the 3rd"), else the first two
shown, else the top two of a search; `compare_products` puts them side by side."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from retrieval.intent import Intent
from tools.models import Comparison

from .. import wording
from ..findings import Findings
from .clarify import ClarifyFindings
from .context import RouteContext


@dataclass
class CompareFindings(Findings):
    comparison: Comparison | None = None

    route: ClassVar[str] = "compare"

    def detail_facts(self) -> list[str]:
        return [f"{row.attribute}: {' vs '.join(v or 'not stated' for v in row.values)}"
                for row in self.comparison.rows]

    def template(self, message: str) -> str:
        a, b = self.comparison.products[0], self.comparison.products[1]
        text = f"The {wording.name(a)} is {wording.price(a.price)}{wording.stars(a)}; " \
               f"the {wording.name(b)} is {wording.price(b.price)}{wording.stars(b)}."
        if a.price is not None and b.price is not None and a.price != b.price:
            cheaper, dearer = (a, b) if a.price < b.price else (b, a)
            saving = wording.price(round(dearer.price - cheaper.price, 2))
            text += f" The {cheaper.brand or wording.name(cheaper)} one is {saving} cheaper."
        differ = [row.attribute for row in self.comparison.rows
                  if not row.same and row.attribute not in ("price", "rating")]
        same = [f"{row.attribute} {row.values[0]}" for row in self.comparison.rows
                if row.same and row.attribute in ("color", "size", "material")]
        if differ:
            text += f" They differ in {', '.join(differ)}"
            text += f"; both share {', '.join(same)}." if same else "."
        return text


def compare(context: RouteContext, intent: Intent, text: str) -> Findings:
    ids = context.pointed_ids(intent, text)
    shown = context.session.shown_ids
    if len(ids) < 2 and len(shown) >= 2:
        ids = shown[:2]
    query_id = None
    if len(ids) < 2 and (intent.product_type or intent.category or intent.query):
        results = context.search(intent)
        ids, query_id = [card.id for card in results.products[:2]], results.query_id
    if len(ids) < 2:
        return ClarifyFindings(intent)
    comparison = context.tools["compare_products"].invoke({"product_ids": ids})
    context.session.focus(ids[0])
    return CompareFindings(intent, products=comparison.products, query_id=query_id, comparison=comparison)
