"""The cart kept in the conversation's session: `add_to_cart`, `remove_from_cart`, `update_cart_quantity`,
`clear_cart` and `view_cart`. Each changes the cart only through the session's methods and returns the cart."""

from __future__ import annotations

from langchain_core.tools import StructuredTool
from pydantic import BaseModel, Field

from .models import MAX_QUANTITY, Cart
from .shop import Shop


class AddToCartArgs(BaseModel):
    product_id: str = Field(min_length=1, description="A product id from earlier results.")
    quantity: int = Field(default=1, ge=1, le=MAX_QUANTITY)


class RemoveFromCartArgs(BaseModel):
    product_id: str = Field(min_length=1, description="The product id of a line in the cart.")


class UpdateCartQuantityArgs(BaseModel):
    product_id: str = Field(min_length=1, description="The product id of a line in the cart.")
    quantity: int = Field(ge=1, le=MAX_QUANTITY, description="The new quantity of that line (to remove it, "
                                                             "use remove_from_cart).")


class ViewCartArgs(BaseModel):
    pass


class ClearCartArgs(BaseModel):
    pass


def add_to_cart(shop: Shop, product_id: str, quantity: int = 1) -> Cart:
    """Raises UnknownProduct for an id the catalog does not have; the session records the line."""
    return shop.session.add_to_cart(shop.product(product_id), quantity)


def remove_from_cart(shop: Shop, product_id: str) -> Cart:
    """Raises NotInCart (a NotFound naming `product_id`) when the cart has no line for it."""
    return shop.session.remove_from_cart(product_id)


def update_cart_quantity(shop: Shop, product_id: str, quantity: int) -> Cart:
    """Raises NotInCart, or a FieldError naming `quantity` when it is not 1-99."""
    return shop.session.set_quantity(product_id, quantity)


def clear_cart(shop: Shop) -> Cart:
    return shop.session.clear_cart()


def add_to_cart_tool(shop: Shop) -> StructuredTool:
    return StructuredTool.from_function(
        lambda product_id, quantity=1: add_to_cart(shop, product_id, quantity), name="add_to_cart",
        args_schema=AddToCartArgs, description="Add a product to the shopper's cart; returns the cart.")


def view_cart_tool(shop: Shop) -> StructuredTool:
    return StructuredTool.from_function(
        lambda: shop.session.cart, name="view_cart", args_schema=ViewCartArgs,
        description="The shopper's cart: lines, quantities and the total.")


def remove_from_cart_tool(shop: Shop) -> StructuredTool:
    return StructuredTool.from_function(
        lambda product_id: remove_from_cart(shop, product_id), name="remove_from_cart",
        args_schema=RemoveFromCartArgs, description="Take a product out of the shopper's cart; returns the cart.")


def update_cart_quantity_tool(shop: Shop) -> StructuredTool:
    return StructuredTool.from_function(
        lambda product_id, quantity: update_cart_quantity(shop, product_id, quantity), name="update_cart_quantity",
        args_schema=UpdateCartQuantityArgs,
        description="Set how many of a product in the cart the shopper wants ('make it two'); returns the cart.")


def clear_cart_tool(shop: Shop) -> StructuredTool:
    return StructuredTool.from_function(
        lambda: clear_cart(shop), name="clear_cart", args_schema=ClearCartArgs,
        description="Empty the shopper's cart (only when they ask for it); returns the cart.")
