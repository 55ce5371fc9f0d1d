"""Product questions: the referenced product ("the second one", "it", an id) answered from its own record
(`answers.answer_product_question`), saying plainly what the record does not say."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from retrieval.intent import Intent
from retrieval.models import Product
from tools.cards import product_card
from tools.models import ProductCard

from ..answers import answer_product_question
from ..findings import Findings
from .clarify import ClarifyFindings
from .context import RouteContext
from .search import search


@dataclass
class ProductFindings(Findings):
    product: Product | None = None
    answer: str = ""

    route: ClassVar[str] = "product"

    def has_facts(self) -> bool:
        return True

    def named_products(self) -> list[ProductCard | Product]:
        return [*self.products, *([self.product] if self.product else [])]

    def detail_facts(self) -> list[str]:
        lines = [f"Answer from the product data: {self.answer}"] if self.answer else []
        if self.product is not None:
            lines.append(f"Description: {self.product.description}")
        return lines

    def template(self, message: str) -> str:
        return self.answer


def product_findings(product: Product, intent: Intent, text: str) -> ProductFindings:
    return ProductFindings(intent, products=[product_card(product)], product=product,
                           answer=answer_product_question(product, intent, text))


def product_question(context: RouteContext, intent: Intent, text: str) -> Findings:
    product = context.referenced(intent, text)
    if product is None:
        if intent.product_type or intent.category or intent.brands:  # "do you have waterproof tents?"
            return search(context, intent.model_copy(update={"action": "search"}))
        return ClarifyFindings(intent)
    context.session.focus(product.id)
    return product_findings(product, intent, text)
