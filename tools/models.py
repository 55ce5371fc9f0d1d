"""What the tools return: product cards, the cart, search results, comparisons and policy passages.

These are part of the chat contract too (`ChatResponse` carries cards and the cart); they are defined here,
in the layer that produces them, and imported upward.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from retrieval.errors import FieldError, NotFound
from retrieval.models import Product, SearchRequest
from retrieval.policies import PolicyPassage  # defined with the policy index; returned by lookup_policy

__all__ = ["MAX_QUANTITY", "Cart", "CartLine", "Comparison", "ComparisonRow", "NotInCart", "PolicyPassage",
           "PolicyResults", "ProductCard", "ProductResults"]

MAX_QUANTITY = 99


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


class NotInCart(NotFound):
    """The cart has no line for this product."""

    def __init__(self, product_id: str):
        super().__init__("product_id", f"no product {product_id!r} in the cart")
        self.product_id = product_id


class Cart(BaseModel):
    """A cart is a value: `with_product`, `with_quantity` and `without` give a new one with the total
    recomputed."""

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
        return self._of(lines)

    def with_quantity(self, product_id: str, quantity: int) -> Cart:
        """This cart with exactly `quantity` (1-99) of a product it holds; raises NotInCart, or a FieldError for
        a quantity out of range (none at all is `without`)."""
        if not 1 <= quantity <= MAX_QUANTITY:
            raise FieldError("quantity", f"must be between 1 and {MAX_QUANTITY}, got {quantity}")
        self.line(product_id)
        return self._of([line.model_copy(update={"quantity": quantity}) if line.product_id == product_id
                         else line.model_copy() for line in self.lines])

    def without(self, product_id: str) -> Cart:
        """This cart without the line of `product_id`; raises NotInCart when it has none."""
        self.line(product_id)
        return self._of([line.model_copy() for line in self.lines if line.product_id != product_id])

    def line(self, product_id: str) -> CartLine:
        """The line of `product_id`; raises NotInCart."""
        for line in self.lines:
            if line.product_id == product_id:
                return line
        raise NotInCart(product_id)

    @property
    def count(self) -> int:
        """Items in the cart (quantities added up)."""
        return sum(line.quantity for line in self.lines)

    def _of(self, lines: list[CartLine]) -> Cart:
        total = round(sum((line.price or 0.0) * line.quantity for line in lines), 2)
        return Cart(lines=lines, total=total, currency=lines[0].currency if lines else self.currency)


class ProductResults(BaseModel):
    """Products found for a request, best first, each with its reasons; `query_id` is the logged search."""

    query_id: str | None = None
    request: SearchRequest | None = Field(default=None, description="The search as run, filters included.")
    products: list[ProductCard] = Field(default_factory=list)
    unstated: list[str] = Field(default_factory=list, description="Features the shopper narrowed to ('insulated "
                                                                  "only') that none of the products states.")
    closest_only: bool = Field(default=False, description="None of the products names the kind asked for "
                                                          "('backpacks' in a store without any): only close.")


class ComparisonRow(BaseModel):
    attribute: str = Field(description="price, rating, brand, color, size, material, features, in stock.")
    values: list[str | None] = Field(description="One value per compared product, in order; None: not stated.")
    same: bool


class Comparison(BaseModel):
    products: list[ProductCard]
    rows: list[ComparisonRow]


class PolicyResults(BaseModel):
    passages: list[PolicyPassage] = Field(default_factory=list)
    contact: str | None = Field(default=None, description="How to reach the store when no passage answers.")
