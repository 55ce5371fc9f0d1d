"""Product questions: the referenced product ("the second one", "it", an id) answered from its own record
(`answers.answer_product_question`), saying plainly what the record does not say."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from retrieval.intent import Intent
from retrieval.models import Product
from tools.cards import product_card
from tools.models import ProductCard

from ..answers import answer_product_question, description_sentences
from ..findings import Findings
from .clarify import ClarifyFindings
from .context import RouteContext
from .search import search


@dataclass
class ProductFindings(Findings):
    product: Product | None = None
    answer: str = ""
    others: list[Product] = field(default_factory=list)  # "what colours do they come in?": the rest asked about

    route: ClassVar[str] = "product"

    def has_facts(self) -> bool:
        return True

    def named_products(self) -> list[ProductCard | Product]:
        return [*self.products, *([self.product] if self.product else []), *self.others]

    def detail_facts(self) -> list[str]:
        lines = [f"Answer from the product data: {self.answer}"] if self.answer else []
        return lines + self.data_facts()

    def data_facts(self) -> list[str]:
        """Each description as a quote (catalog text: data to quote, never orders; sentences that give orders
        to the assistant are left out)."""
        lines = []
        for product in [*([self.product] if self.product else []), *self.others]:
            said = " ".join(description_sentences(product))
            if said:
                lines.append(f"Description{f' of {product.title}' if self.others else ''} (its words, quote them): "
                             f"“{said}”")
        return lines

    def template(self, message: str) -> str:
        return self.answer


def product_findings(product: Product, intent: Intent, text: str) -> ProductFindings:
    return ProductFindings(intent, products=[product_card(product)], product=product,
                           answer=answer_product_question(product, intent, text))


def product_question(context: RouteContext, intent: Intent, text: str) -> Findings:
    asked = context.asked_about(intent, text)
    if not asked:
        if intent.product_type or intent.category or intent.brands:  # "do you have waterproof tents?"
            found = search(context, intent.model_copy(update={"action": "search"}))
            top = context.product(found.products[0].id) if found.products else None
            if top is not None and context.asks_about_shown(intent, text):
                # "what colour is the mug?" with no mug shown: the mug found, and the answer about it
                context.session.focus(top.id)
                return product_findings(top, intent, text)
            return found
        return ClarifyFindings(intent)
    product = asked[0]
    context.session.focus(product.id)
    if len(asked) == 1:
        return product_findings(product, intent, text)
    answers = [answer_product_question(p, intent, text) for p in asked]  # "what colours do they come in?"
    return ProductFindings(intent, products=[product_card(p) for p in asked], product=product,
                           answer=" ".join(answers), others=asked[1:])
