"""The intent contract: what a shopper's message asks for, as structured data.

Served as JSON Schema at `GET /v1/intent/schema`; produced by the deterministic extractor and
refined by the LLM (both in `assistant/intent/`); consumed by search, the ranker's features, the chat
pipeline and the copilot. It lives in the lowest layer so that ranking and the assistant import it downward.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .models import SearchRequest

Action = Literal["search", "recommend", "compare", "product_question", "policy_question", "add_to_cart",
                 "view_cart", "refine", "chitchat", "other", "remove_from_cart", "update_cart", "clear_cart"]
Sort = Literal["relevance", "price_asc", "price_desc", "rating", "newest"]


class PriceConstraint(BaseModel):
    min: float | None = Field(default=None, ge=0)
    max: float | None = Field(default=None, ge=0)
    currency: str | None = Field(default=None, description="ISO 4217 code, e.g. USD, EUR.")
    moved: bool = Field(default=False, description="min/max were moved by 'cheaper' or 'more expensive' from the "
                                                   "prices shown; budget_min/budget_max keep the shopper's own.")
    budget_min: float | None = Field(default=None, ge=0)
    budget_max: float | None = Field(default=None, ge=0)

    def stated(self) -> PriceConstraint:
        """The bounds the shopper stated, before any move relative to what was shown: what "instead" keeps."""
        if not self.moved:
            return self
        return PriceConstraint(min=self.budget_min, max=self.budget_max, currency=self.currency)

    def moved_to(self, min: float | None, max: float | None) -> PriceConstraint:  # noqa: A002 - the field names
        stated = self.stated()
        return PriceConstraint(min=min, max=max, currency=self.currency, moved=True, budget_min=stated.min,
                               budget_max=stated.max)


class Exclusions(BaseModel):
    brands: list[str] = Field(default_factory=list)
    terms: list[str] = Field(default_factory=list, description="Words the shopper does not want, e.g. 'sugar'.")
    attributes: dict[str, list[str]] = Field(
        default_factory=dict, description="Attribute values the shopper does not want, e.g. {'color': ['gray']}.")


class Reference(BaseModel):
    """'the second one', 'the last one', or a product id, resolved against what was shown."""

    ordinal: int | None = Field(default=None, description="1-based position among shown products; -1 = last.")
    product_id: str | None = None


class Intent(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "action": "search", "query": "red running shoes", "product_type": "running shoes",
        "category": "Running Shoes", "attributes": {"color": "red"}, "exclude": {"brands": ["Nike"]},
        "price": {"max": 80, "currency": "USD"}}]})

    action: Action = "search"
    query: str = Field(default="", description="A keyword rewrite of the request for retrieval.")
    product_type: str | None = None
    category: str | None = Field(default=None, description="Catalog category name when one matches.")
    brands: list[str] = Field(default_factory=list, description="Brands the shopper asked for (any of them).")
    exclude: Exclusions = Field(default_factory=Exclusions)
    attributes: dict[str, str] = Field(
        default_factory=dict, description="Only keys that were asked for: color, size, material, flavor, ...")
    features: list[str] = Field(default_factory=list, description="Must-haves: 'gluten free', 'waterproof'.")
    price: PriceConstraint = Field(default_factory=PriceConstraint)
    pack_count: int | None = Field(default=None, ge=1)
    sort: Sort = "relevance"
    reference: Reference | None = None
    recipient: str | None = Field(default=None, description="Who it is for: 'my 5 year old', 'dad'.")
    occasion: str | None = Field(default=None, description="'birthday', 'cold weather golf'.")
    language: str = Field(default="en", description="ISO 639-1 code of the request.")
    confidence: dict[str, float] = Field(
        default_factory=dict, description="Per-field confidence in [0, 1] for the fields that were set.")

    def search_request(self, k: int = 10) -> SearchRequest:
        """The hard filters this intent implies, as a retrieval request."""
        return SearchRequest(
            query=self.query or self.product_type or "products", k=k,
            min_price=self.price.min, max_price=self.price.max, brand=self.brands,
            exclude_brand=self.exclude.brands, category=self.category,
            color=self.attributes.get("color"), size=self.attributes.get("size"))
