"""What the tools return, besides the chat contract's own types (ProductCard, Cart, PolicyPassage)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from assistant.chat.models import PolicyPassage, ProductCard
from retrieval.models import SearchRequest


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
