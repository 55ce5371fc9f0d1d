"""Search, recommend, refine: `search_products` with the intent's hard filters. "Show me more" is the same
request without the products already shown for it; "cheaper", "bigger" and the like stay in the kind of
product shown (its category, when most of what was shown shares one)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from retrieval.intent import Intent
from tools.models import ProductResults

from .. import wording
from ..findings import Findings
from .context import RouteContext


@dataclass
class SearchFindings(Findings):
    results: ProductResults | None = None
    relative: str | None = None  # "cheaper", "pricier", "bigger", "smaller": a move from what was shown

    route: ClassVar[str] = "search"
    more: ClassVar[bool] = False

    def found_nothing(self) -> bool:
        return self.results is not None and not self.products

    def template(self, message: str) -> str:
        request = self.results.request if self.results else None
        what = self.intent.product_type or (self.intent.category or "").lower() or None
        limits = wording.constraints(request)
        scope = " ".join(part for part in (f"for {what}" if what else "", wording.gift_for(self.intent), limits)
                         if part)
        cards = self.products
        if not cards:
            if self.more:
                return f"That's all I have{' ' + scope if scope else ''}. Try widening the search, for example a " \
                       f"higher budget."
            if self.relative:
                moved = {"cheaper": "cheaper", "pricier": "more expensive", "bigger": "bigger",
                         "smaller": "smaller"}[self.relative]
                return f"I have nothing {moved}{' ' + scope if scope else ''}: what I showed you is the closest."
            hint = " Try a higher budget or fewer filters." if limits else " Try other words for it."
            return f"I found nothing{' ' + scope if scope else ''}.{hint}"
        first = cards[0]
        noun = "gift idea" if not what and (self.intent.recipient or self.intent.action == "recommend") else "option"
        options = f"{len(cards)}{' more' if self.more else ''} {noun}{'s' if len(cards) != 1 else ''}"
        pick = f"The top pick is the {wording.name(first)} at {wording.price(first.price)}"
        if first.reasons:
            pick += f" ({first.reasons[0]})"
        if not first.in_stock:  # shown because it matches; the shopper should not find out at checkout
            pick += ", but it is out of stock right now"
        verb = "is" if len(cards) == 1 and not self.more else "are"
        notes = self._unstated_note() + self._unsorted_note()
        lacked = self._lacked_kind()
        if lacked:
            return f"I have nothing that says “{lacked}”, so here {verb} the {options} closest to it" \
                   f"{' ' + limits if limits else ''}. {pick}.{notes}"
        return f"Here {verb} {options}{' ' + scope if scope else ''}. {pick}.{notes}"

    def detail_facts(self) -> list[str]:
        lacked = self._lacked_kind()
        facts = [f"No product says “{lacked}”: these are only the closest."] if lacked else []
        return facts + ([self._unstated_note().strip()] if self._unstated_note() else [])

    def _lacked_kind(self) -> str | None:
        """The kind asked for when none of the products shown names it ("backpacks" in a store without any)."""
        closest = self.results is not None and self.results.closest_only and self.products
        return self.intent.product_type if closest else None

    def _unstated_note(self) -> str:
        """A feature narrowed to that no product shown states ("insulated only"), said plainly: they are the
        closest, not what was asked."""
        unstated = self.results.unstated if self.results and self.products else []
        if not unstated:
            return ""
        words = " or ".join(f"“{word}”" for word in unstated)
        if len(self.products) == 1:
            return f" Its description does not say {words}, so it is the closest I have."
        return f" Their descriptions do not say {words}, so these are only the closest I have."

    def _unsorted_note(self) -> str:
        """A sort the products cannot follow, said plainly: a feed without ratings has no "best rated"."""
        if self.intent.sort == "rating" and not any(card.rating is not None for card in self.products):
            return " The store's data has no customer ratings or reviews for them, so they are in order of " \
                   "relevance, not rating."
        return ""


@dataclass
class MoreFindings(SearchFindings):
    route: ClassVar[str] = "more"
    more: ClassVar[bool] = True


def search(context: RouteContext, intent: Intent, more: bool = False, relative: str | None = None
           ) -> SearchFindings:
    session = context.session
    searched = same_kind(context, intent) if relative else intent
    results = context.search(searched, exclude_ids=session.seen_ids if more else [], whole_category=searched is intent)
    # a new order of the same request ("cheapest first") is not a new request: "show me more" still skips it all
    reordered = session.intent is not None and intent.sort != session.intent.sort and \
        intent.model_copy(update={"sort": session.intent.sort, "action": session.intent.action}) == session.intent
    session.set_request(intent)
    session.show(results.products, more=more or reordered)
    kind = MoreFindings if more else SearchFindings
    return kind(intent, products=results.products, query_id=results.query_id, results=results, relative=relative)


def same_kind(context: RouteContext, intent: Intent) -> Intent:
    """The intent limited to the top pick's category, at the deepest level that at least half of the shown
    products share, when it names none: "cheaper" after board games means cheaper board games."""
    if intent.category:
        return intent
    shown = [p for p in (context.product(pid) for pid in context.session.shown_ids) if p is not None]
    if not shown:
        return intent
    for category in reversed(shown[0].category):
        if 2 * sum(1 for p in shown if category in p.category) >= len(shown):
            return intent.model_copy(update={"category": category})
    return intent
