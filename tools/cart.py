"""`add_to_cart` and `view_cart`: the cart kept in the conversation's session."""

from __future__ import annotations

from langchain_core.tools import StructuredTool
from pydantic import BaseModel, Field

from .models import Cart
from .shop import Shop


class AddToCartArgs(BaseModel):
    product_id: str = Field(min_length=1, description="A product id from earlier results.")
    quantity: int = Field(default=1, ge=1, le=99)


class ViewCartArgs(BaseModel):
    pass


def add_to_cart(shop: Shop, product_id: str, quantity: int = 1) -> Cart:
    """Raises UnknownProduct for an id the catalog does not have; the session records the line."""
    return shop.session.add_to_cart(shop.product(product_id), quantity)


def add_to_cart_tool(shop: Shop) -> StructuredTool:
    return StructuredTool.from_function(
        lambda product_id, quantity=1: add_to_cart(shop, product_id, quantity), name="add_to_cart",
        args_schema=AddToCartArgs, description="Add a product to the shopper's cart; returns the cart.")


def view_cart_tool(shop: Shop) -> StructuredTool:
    return StructuredTool.from_function(
        lambda: shop.session.cart, name="view_cart", args_schema=ViewCartArgs,
        description="The shopper's cart: lines, quantities and the total.")
