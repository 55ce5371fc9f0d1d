"""Compare: the products the message points at ("the first two", "the 1st and the 3rd"; "it with the black
armchairs": the one talked about and the one named), else the first two shown, else the top two of a search; `compare_products` puts them side by side."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import ClassVar

from retrieval.intent import Intent
from tools.models import Comparison

from .. import cues, wording
from ..findings import Findings
from .clarify import ClarifyFindings
from .context import RouteContext


@dataclass
class CompareFindings(Findings):
    comparison: Comparison | None = None
    need: str = ""  # what the shopper wants it for, when the message says ("for a toddler")
    fits_need: list[bool | None] = field(default_factory=list)  # per product: its data says so, or not, or no need

    route: ClassVar[str] = "compare"

    def detail_facts(self) -> list[str]:
        return [f"{row.attribute}: {' vs '.join(v or 'not stated' for v in row.values)}"
                for row in self.comparison.rows]

    def template(self, message: str) -> str:
        a, b = self.comparison.products[0], self.comparison.products[1]
        text = f"The {wording.name(a)} is {wording.price(a.price)}{_reviews(a)}; " \
               f"the {wording.name(b)} is {wording.price(b.price)}{_reviews(b)}."
        if a.price is not None and b.price is not None and a.price != b.price:
            cheaper, dearer = (a, b) if a.price < b.price else (b, a)
            saving = wording.price(round(dearer.price - cheaper.price, 2))
            text += f" The {wording.name(cheaper)} is {saving} cheaper."
        rows = {row.attribute: row for row in self.comparison.rows}
        differ = [f"{row.attribute.replace('_', ' ')} ({' vs '.join(v or 'not stated' for v in row.values[:2])})"
                  for row in self.comparison.rows
                  if not row.same and row.attribute not in ("price", "rating", "only its title says", "brand")]
        same = [f"{row.attribute.replace('_', ' ')} {row.values[0]}" for row in self.comparison.rows
                if row.same and row.attribute in ("color", "size", "material") and row.values[0]]
        if differ:
            text += f" They differ in {'; '.join(differ)}"
            text += f", and both share {', '.join(same)}." if same else "."
        titles = rows.get("only its title says")
        if titles and any(titles.values[:2]):
            said = [f"the {wording.name(card)} says {words}" for card, words in zip((a, b), titles.values[:2])
                    if words]
            text += f" In their own words, {' and '.join(said)}."
        return text + self._recommendation(a, b)

    def _recommendation(self, a, b) -> str:
        if not self.need:
            return ""
        fits = dict(zip((a.id, b.id), self.fits_need))
        if fits.get(a.id) and not fits.get(b.id):
            return f" For {self.need}, the {wording.name(a)} is the one whose description says so."
        if fits.get(b.id) and not fits.get(a.id):
            return f" For {self.need}, the {wording.name(b)} is the one whose description says so."
        if fits.get(a.id) and fits.get(b.id):
            return f" Both descriptions mention {self.need}."
        return f" Neither product's data says whether it suits {self.need}."


def _reviews(card) -> str:
    return wording.stars(card) + (f" from {card.review_count:,} reviews" if card.rating is not None else
                                  " (no reviews yet)")


_NEED = re.compile(r"\b(?:better|best|good|suits?|suited|right|ideal)\s+(?:for|to)\s+(?:a |an |the |my |our )?"
                   r"([a-z][a-z0-9 '-]{2,40}?)\s*(?:[?.!,]|$)", re.IGNORECASE)


def need_of(text: str) -> str:
    """'which is better for a toddler?' -> 'toddler'."""
    match = _NEED.search(text)
    return match[1].strip() if match else ""


def states_need(product, need: str) -> bool:
    words = [w for w in re.findall(r"[a-z0-9]+", need.lower()) if len(w) > 2]
    text = " ".join([product.title, product.description, *product.tags]).lower()
    return bool(words) and all(w.rstrip("s") in text for w in words)


def compare(context: RouteContext, intent: Intent, text: str) -> Findings:
    ids = context.pointed_ids(intent, text)
    shown = context.session.shown_ids
    query_id = None
    focus = context.session.focus_id
    if len(ids) < 2 and focus and cues.points_at_one(text) and intent.product_type:
        # "compare it with the black armchairs": the product talked about and the best match for the one named
        results = context.search(intent)
        other = next((card.id for card in results.products if card.id != focus and card.id not in ids), None)
        if other is not None:
            ids, query_id = list(dict.fromkeys([focus, *ids, other]))[:2], results.query_id
    if len(ids) < 2 and len(shown) >= 2:
        ids = shown[:2]
    if len(ids) < 2 and (intent.product_type or intent.category or intent.query):
        results = context.search(intent)
        ids, query_id = [card.id for card in results.products[:2]], results.query_id
    if len(ids) < 2:
        return ClarifyFindings(intent)
    comparison = context.tools["compare_products"].invoke({"product_ids": ids})
    context.session.focus(ids[0])
    context.session.mention(ids)  # what "both" and "the cheaper one" mean next
    need = need_of(text)
    fits = [states_need(context.product(card.id), need) if need else None for card in comparison.products]
    return CompareFindings(intent, products=comparison.products, query_id=query_id, comparison=comparison,
                           need=need, fits_need=fits)
