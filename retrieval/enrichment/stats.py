"""How complete a catalog is: per field, how many products have it from the feed and how many derived."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from pydantic import BaseModel, Field

from ..models import Product
from .attributes import ATTRIBUTE_FIELDS

# field -> whether a product has it. Attributes count their variants' options too (Product.attribute_values).
_PRESENT: dict[str, Callable[[Product], bool]] = {
    "brand": lambda p: bool(p.brand),
    "category": lambda p: bool(p.category),
    "price": lambda p: p.price is not None,
    **{name: (lambda p, name=name: bool(p.attribute_values(name))) for name in ATTRIBUTE_FIELDS},
    "rating": lambda p: p.rating is not None,
    "reviews": lambda p: p.review_count > 0,
    "description": lambda p: bool(p.description),
    "image": lambda p: bool(p.image_url),
    "url": lambda p: bool(p.url),
}
STAT_FIELDS = tuple(_PRESENT)


class FieldCoverage(BaseModel):
    feed: int = Field(default=0, description="products that have the field from their feed")
    derived: int = Field(default=0, description="products whose value was derived at ingest")
    feed_share: float = 0.0
    derived_share: float = 0.0

    @property
    def missing_share(self) -> float:
        return max(0.0, 1.0 - self.feed_share - self.derived_share)


class CatalogStats(BaseModel):
    version: str | None = Field(default=None, description="the catalog version these figures are about")
    products: int = 0
    fields: dict[str, FieldCoverage] = Field(default_factory=dict)


def catalog_stats(products: Iterable[Product], version: str | None = None) -> CatalogStats:
    """Count, in one pass, which products have each field and where its value came from. A product ingested
    without enrichment has no provenance: whatever it has is the feed's."""
    counts = {name: FieldCoverage() for name in STAT_FIELDS}
    total = 0
    for product in products:
        total += 1
        for name, present in _PRESENT.items():
            if present(product):
                if product.provenance.get(name) == "derived":
                    counts[name].derived += 1
                else:
                    counts[name].feed += 1
    for coverage in counts.values():
        coverage.feed_share = round(coverage.feed / total, 4) if total else 0.0
        coverage.derived_share = round(coverage.derived / total, 4) if total else 0.0
    return CatalogStats(version=version, products=total, fields=counts)


def format_stats(stats: CatalogStats) -> str:
    lines = [f"catalog {stats.version or '(none)'}: {stats.products} products",
             f"{'field':<13}{'feed':>8}{'derived':>9}{'missing':>9}"]
    for name, c in stats.fields.items():
        lines.append(f"{name:<13}{c.feed_share:>8.1%}{c.derived_share:>9.1%}{c.missing_share:>9.1%}")
    return "\n".join(lines)
