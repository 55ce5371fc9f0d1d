"""What the tools return: product cards, the cart, search results, comparisons and policy passages.

These are part of the chat contract too (`ChatResponse` carries cards and the cart); they are defined here,
in the layer that produces them, and imported upward.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from retrieval.models import Product, SearchRequest
from retrieval.policies import PolicyPassage  # defined with the policy index; returned by lookup_policy

__all__ = ["Cart", "CartLine", "Comparison", "ComparisonRow", "PolicyPassage", "PolicyResults", "ProductCard",
           "ProductResults"]


class ProductCard(BaseModel):
    """A product as a reply shows it: every value comes from the catalog, `reasons` from what matched."""

    id: str
    title: str
    price: float | None
    currency: str = "USD"
    image_url: str | None = None
    url: str | None = None
    rating: float | None = None
    review_count: int = 0
    brand: str | None = None
    in_stock: bool = True
    reasons: list[str] = Field(default_factory=list, description="One or two, e.g. 'under your $80 budget'.")


class CartLine(BaseModel):
    product_id: str
    title: str
    price: float | None
    currency: str = "USD"
    quantity: int = Field(default=1, ge=1)


class Cart(BaseModel):
    """A cart is a value: `with_product` gives a new one with the total recomputed."""

    lines: list[CartLine] = Field(default_factory=list)
    total: float = 0.0
    currency: str = "USD"

    def with_product(self, product: Product, quantity: int = 1) -> Cart:
        """This cart with `quantity` more of `product` (a product already in it gets a bigger quantity)."""
        lines = [line.model_copy() for line in self.lines]
        for line in lines:
            if line.product_id == product.id:
                line.quantity += quantity
                break
        else:
            lines.append(CartLine(product_id=product.id, title=product.title, price=product.price,
                                  currency=product.currency, quantity=quantity))
        total = round(sum((line.price or 0.0) * line.quantity for line in lines), 2)
        return Cart(lines=lines, total=total, currency=lines[0].currency if lines else self.currency)


class ProductResults(BaseModel):
    """Products found for a request, best first, each with its reasons; `query_id` is the logged search."""

    query_id: str | None = None
    request: SearchRequest | None = Field(default=None, description="The search as run, filters included.")
    products: list[ProductCard] = Field(default_factory=list)


class ComparisonRow(BaseModel):
    attribute: str = Field(description="price, rating, brand, color, size, material, features, in stock.")
    values: list[str | None] = Field(description="One value per compared product, in order; None: not stated.")
    same: bool


class Comparison(BaseModel):
    products: list[ProductCard]
    rows: list[ComparisonRow]


class PolicyResults(BaseModel):
    passages: list[PolicyPassage] = Field(default_factory=list)
