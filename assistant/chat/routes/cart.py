"""The cart: add the product a message points at ("add 2 of the second one"), or show the cart."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from retrieval.intent import Intent
from retrieval.models import Product
from tools.cards import product_card
from tools.models import Cart, CartLine, ProductCard

from .. import cues, wording
from ..findings import Findings
from .clarify import ClarifyFindings
from .context import RouteContext


@dataclass
class CartAddFindings(Findings):
    product: Product | None = None
    added: CartLine | None = None

    route: ClassVar[str] = "cart_add"
    shows_cart: ClassVar[bool] = True

    def named_products(self) -> list[ProductCard | Product]:
        return [*self.products, *([self.product] if self.product else [])]

    def template(self, message: str) -> str:
        line = self.added
        return f"Added {line.quantity} × {line.title} ({wording.price(line.price)} each) to your cart. " \
               f"Your cart total is {wording.price(self.cart.total)}."


@dataclass
class CartViewFindings(Findings):
    route: ClassVar[str] = "cart_view"
    shows_cart: ClassVar[bool] = True

    def template(self, message: str) -> str:
        return describe_cart(self.cart)


def describe_cart(cart: Cart | None) -> str:
    if cart is None or not cart.lines:
        return "Your cart is empty. What can I find for you?"
    items = "; ".join(f"{line.quantity} × {line.title} ({wording.price(line.price)})" for line in cart.lines)
    count = sum(line.quantity for line in cart.lines)
    return f"Your cart has {count} item{'s' if count != 1 else ''}: {items}. Total: {wording.price(cart.total)}."


def add_to_cart(context: RouteContext, intent: Intent, text: str) -> Findings:
    product = context.referenced(intent, text, default_to_only=True)
    if product is None:
        return ClarifyFindings(intent, cart=context.session.cart)
    quantity = cues.quantity(text)
    cart = context.tools["add_to_cart"].invoke({"product_id": product.id, "quantity": quantity})
    added = next(line for line in cart.lines if line.product_id == product.id).model_copy(
        update={"quantity": quantity})
    return CartAddFindings(intent, products=[product_card(product)], cart=cart, product=product, added=added)


def view_cart(context: RouteContext, intent: Intent, text: str) -> CartViewFindings:
    return CartViewFindings(intent, cart=context.tools["view_cart"].invoke({}))
