"""The catalog's public types: a Product, and what a search asks for and returns.

These are the contract shared by the feeds, the index, the API, the CLI and the tests.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, field_validator

AttributeValue = str | list[str]
# Where a field's value came from: the feed, or derived at ingest from the product's own title, description
# and tags (retrieval/enrichment). Filters treat both the same; the assistant can say which it relied on.
Provenance = Literal["feed", "derived"]


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value


_URL_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
_C0_EDGES = "".join(chr(c) for c in range(0x21))  # what a browser strips from both ends of a URL


def safe_url(value: str | None) -> str | None:
    """The URL if a link or image may use it, else None: http(s), or a path on the store's own site.

    Read as a browser reads an href: leading and trailing controls and spaces are ignored and tabs and
    newlines inside are removed, so "  JaVa\tScRiPt:alert(1)" is the javascript: URL it looks like and is
    refused, as are data:, vbscript: and every other scheme, and any URL still holding a control character."""
    if value is None:
        return None
    url = re.sub(r"[\t\n\r]", "", str(value).strip(_C0_EDGES))
    if not url or re.search(r"[\x00-\x1f\x7f]", url):
        return None
    scheme = _URL_SCHEME.match(url)
    if scheme:
        return url if scheme[1].lower() in ("http", "https") else None
    # No scheme: a relative path. "/x" and "x/y" stay on the page's own site; a colon before the first "/"
    # would make a browser read a scheme, so there is none here.
    return url


# Free text a request must carry: whitespace alone is as empty as "" (the 422 names the field).
NonBlankText = Annotated[str, AfterValidator(_not_blank)]


class Variant(BaseModel):
    """One purchasable option of a product (a size, a colour...), as Shopify exports them."""

    sku: str | None = None
    title: str | None = None
    price: float | None = Field(default=None, ge=0)
    list_price: float | None = Field(default=None, ge=0)
    options: dict[str, str] = Field(default_factory=dict)
    in_stock: bool | None = None


class Product(BaseModel):
    """A catalog item. Field names are the ones every feed format and `--map` use."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "SHO-00042", "title": "Stridewell Women's Lightweight Running Shoes, Red",
        "brand": "Stridewell", "category": ["Shoes", "Athletic Shoes", "Running Shoes"],
        "price": 74.99, "currency": "USD", "attributes": {"color": "red", "size": ["7", "8", "9"]},
        "rating": 4.6, "review_count": 212, "in_stock": True, "launched_at": "2026-11-02",
    }]})

    id: str = Field(min_length=1, max_length=256)
    title: str = Field(min_length=1)
    description: str = ""
    brand: str | None = None
    category: list[str] = Field(default_factory=list, description="Category levels, broad to narrow.")
    price: float | None = Field(default=None, ge=0, description="Current price; None when unknown.")
    currency: str = "USD"
    list_price: float | None = Field(default=None, ge=0, description="Regular price before a sale.")
    price_range: tuple[float, float] | None = Field(
        default=None, description="Low and high price when the feed gives a range or variants differ.")
    attributes: dict[str, AttributeValue] = Field(
        default_factory=dict, description="color, size, material, ... (a list when variants differ).")
    image_url: str | None = None
    url: str | None = None
    rating: float | None = Field(default=None, ge=0, le=5)
    review_count: int = Field(default=0, ge=0)
    in_stock: bool = True
    launched_at: date | None = None
    tags: list[str] = Field(default_factory=list)
    variants: list[Variant] = Field(default_factory=list)
    reviews: list[str] = Field(default_factory=list, description="A few review snippets.")
    provenance: dict[str, Provenance] = Field(
        default_factory=dict, description="For the fields ingest enrichment looks at (brand, color, size, material, "
                                          "age_range, piece_count, pack_count, dimensions): 'feed' when the feed "
                                          "gave the value, 'derived' when ingest read it from the product's own "
                                          "text. Empty for products ingested without enrichment.")

    @field_validator("url", "image_url")
    @classmethod
    def _only_safe_urls(cls, value: str | None) -> str | None:
        """A link or image is http(s) or a path on the store's site: a javascript: or data: URL is no URL."""
        return safe_url(value)

    def derived(self, name: str) -> bool:
        """Whether this field's value was derived at ingest rather than given by the feed."""
        return self.provenance.get(name) == "derived"

    def attribute_values(self, name: str) -> list[str]:
        """All values of one attribute, lower-cased, across the product and its variants."""
        raw = self.attributes.get(name)
        values = [raw] if isinstance(raw, str) else list(raw or [])
        for variant in self.variants:
            for key, value in variant.options.items():
                if key.lower() == name:
                    values.append(value)
        seen: dict[str, None] = {}
        for value in values:
            if value and value.strip():
                seen.setdefault(value.strip().lower(), None)
        return list(seen)


class SearchFilters(BaseModel):
    """Hard constraints applied inside retrieval: a result never violates them."""

    min_price: float | None = Field(default=None, ge=0)
    max_price: float | None = Field(default=None, ge=0)
    brand: list[str] = Field(default_factory=list, description="Only these brands (any of them).")
    exclude_brand: list[str] = Field(default_factory=list, description="Never these brands.")
    category: str | None = Field(default=None, description="A category name at any level.")
    color: str | None = None
    size: str | None = None
    in_stock: bool | None = Field(default=None, description="True: only products in stock.")

    @field_validator("brand", "exclude_brand", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        if value is None:
            return []
        return [value] if isinstance(value, str) else value

    @field_validator("max_price")
    @classmethod
    def _range_is_ordered(cls, value: float | None, info: ValidationInfo) -> float | None:
        low = info.data.get("min_price")
        if value is not None and low is not None and low > value:
            raise ValueError(f"must not be less than min_price ({low:g})")
        return value

    def is_empty(self) -> bool:
        return self == SearchFilters()


SearchMode = Literal["hybrid", "dense", "bm25"]


class SearchRequest(SearchFilters):
    """`POST /v1/search` body and one line of `shopassist search --batch`."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"query": "red running shoes", "k": 10, "max_price": 80, "exclude_brand": ["Nike"]}]})

    query: NonBlankText = Field(min_length=1, max_length=1000)
    k: int = Field(default=10, ge=1, le=200)
    mode: SearchMode = "hybrid"
    user_id: str | None = Field(default=None, min_length=1, max_length=256,
                                description="Who is searching (logged with the query; personalization later).")

    def filters(self) -> SearchFilters:
        return SearchFilters.model_validate(self.model_dump(include=set(SearchFilters.model_fields)))


class SearchHit(BaseModel):
    """One result, best first. `score` is what the list is ordered by: the ranker's click probability when a
    trained ranker served the search, else the fused retrieval score."""

    id: str
    title: str
    price: float | None
    currency: str
    category: list[str]
    brand: str | None = None
    score: float
    dense_rank: int | None = Field(default=None, description="1-based rank in the dense list, if present.")
    bm25_rank: int | None = Field(default=None, description="1-based rank in the BM25 list, if present.")
    dense_similarity: float | None = Field(default=None, description="Cosine similarity of the query and the "
                                                                     "product text, when the dense list has it.")
    retrieval_score: float | None = Field(default=None, description="The fused retrieval score, when a ranker "
                                                                    "reordered the list.")
    why: list[str] = Field(default_factory=list, description="Ranking features that raised this product most, "
                                                             "e.g. user_brand, intent_price, rating; "
                                                             "'exploration' when it was shown to learn about it.")


class SearchResponse(BaseModel):
    query: str
    mode: SearchMode
    results: list[SearchHit]
    latency_ms: float
    ranker: str | None = Field(default=None, description="The trained ranker that ordered the results; None: "
                                                         "retrieval order.")
    query_id: str | None = Field(default=None, description="Log impressions and clicks against this id "
                                                           "(`POST /v1/events`).")
