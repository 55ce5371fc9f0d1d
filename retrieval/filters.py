"""Hard filters, in the three forms retrieval needs them.

- `Facets`: the filterable values of one product (stored with it in SQLite and Chroma);
- `matches`: the reference predicate (what a filter *means*);
- `FacetIndex.mask`: the same predicate as a boolean row mask, applied inside both retrievers
  (BM25 scores and exact dense scores) so that filtering never happens after truncation.
Facets are also stored as Chroma metadata, so other Chroma clients can filter the collection.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
from pydantic import BaseModel

from .models import Product, SearchFilters


class Facets(BaseModel):
    price: float | None = None
    brand: str = ""
    categories: list[str] = []
    colors: list[str] = []
    sizes: list[str] = []
    in_stock: bool = True
    rating: float | None = None
    launched_at: int | None = None  # yyyymmdd, so Chroma can range-filter it

    @classmethod
    def of(cls, product: Product) -> Facets:
        return cls(
            price=product.price,
            brand=(product.brand or "").strip().lower(),
            categories=_unique(level.strip().lower() for level in product.category if level.strip()),
            colors=product.attribute_values("color"),
            sizes=product.attribute_values("size"),
            in_stock=product.in_stock,
            rating=product.rating,
            launched_at=int(product.launched_at.strftime("%Y%m%d")) if product.launched_at else None,
        )

    def chroma_metadata(self) -> dict:
        # Chroma has no null: an unknown price is stored as -1, which any price filter (>= 0) excludes.
        meta: dict = {"price": -1.0 if self.price is None else float(self.price),
                      "brand": self.brand, "in_stock": self.in_stock,
                      "rating": -1.0 if self.rating is None else float(self.rating),
                      "launched_at": self.launched_at or 0}
        for key in ("categories", "colors", "sizes"):
            values = getattr(self, key)
            if values:  # Chroma rejects empty lists; a missing key simply never matches $contains
                meta[key] = values
        return meta


def matches(facets: Facets, filters: SearchFilters) -> bool:
    """The meaning of every filter; the other two forms must agree with this."""
    if filters.min_price is not None or filters.max_price is not None:
        if facets.price is None:
            return False
        if filters.min_price is not None and facets.price < filters.min_price:
            return False
        if filters.max_price is not None and facets.price > filters.max_price:
            return False
    if filters.brand and facets.brand not in _lower(filters.brand):
        return False
    if filters.exclude_brand and facets.brand in _lower(filters.exclude_brand):
        return False
    if filters.category and filters.category.strip().lower() not in facets.categories:
        return False
    if filters.color and filters.color.strip().lower() not in facets.colors:
        return False
    if filters.size and filters.size.strip().lower() not in facets.sizes:
        return False
    if filters.in_stock and not facets.in_stock:
        return False
    return True


class FacetIndex:
    """Column arrays over the rows of the BM25 index, to build a boolean mask per filter."""

    def __init__(self, facets: list[Facets]):
        n = len(facets)
        self.size = n
        self.price = np.array([np.nan if f.price is None else f.price for f in facets], dtype=np.float64)
        self.in_stock = np.array([f.in_stock for f in facets], dtype=bool)
        brand_codes: dict[str, int] = {}
        self.brand = np.array([brand_codes.setdefault(f.brand, len(brand_codes)) for f in facets], dtype=np.int32)
        self.brand_codes = brand_codes
        self.rows: dict[str, dict[str, np.ndarray]] = {}
        for key in ("categories", "colors", "sizes"):
            postings: dict[str, list[int]] = defaultdict(list)
            for row, f in enumerate(facets):
                for value in getattr(f, key):
                    postings[value].append(row)
            self.rows[key] = {value: np.array(r, dtype=np.int64) for value, r in postings.items()}
        self._coverage: dict[str, float] = {}

    def coverage(self, key: str) -> float:
        """The share of products with at least one value for `key` ("categories", "colors", "sizes"); counted
        once per index (a search asks it for every colour or size filter)."""
        if key not in self._coverage:
            covered = np.zeros(self.size, dtype=bool)
            for rows in self.rows[key].values():
                covered[rows] = True
            self._coverage[key] = float(covered.mean()) if self.size else 0.0
        return self._coverage[key]

    def mask(self, filters: SearchFilters) -> np.ndarray | None:
        """True where a row passes every filter; None when there is no filter."""
        if filters.is_empty() or filters == SearchFilters(in_stock=False):
            return None
        keep = np.ones(self.size, dtype=bool)
        if filters.min_price is not None or filters.max_price is not None:
            with np.errstate(invalid="ignore"):
                keep &= ~np.isnan(self.price)
                if filters.min_price is not None:
                    keep &= self.price >= filters.min_price
                if filters.max_price is not None:
                    keep &= self.price <= filters.max_price
        if filters.brand:
            keep &= np.isin(self.brand, self._codes(filters.brand))
        if filters.exclude_brand:
            keep &= ~np.isin(self.brand, self._codes(filters.exclude_brand))
        for key, value in (("categories", filters.category), ("colors", filters.color), ("sizes", filters.size)):
            if value:
                allowed = np.zeros(self.size, dtype=bool)
                allowed[self.rows[key].get(value.strip().lower(), np.empty(0, dtype=np.int64))] = True
                keep &= allowed
        if filters.in_stock:
            keep &= self.in_stock
        return keep

    def _codes(self, brands: list[str]) -> np.ndarray:
        return np.array([self.brand_codes[b] for b in _lower(brands) if b in self.brand_codes], dtype=np.int32)


def _lower(values: list[str]) -> list[str]:
    return [v.strip().lower() for v in values]


def _unique(values) -> list[str]:
    return list(dict.fromkeys(values))
