"""Catalog enrichment: what a store's own feed lacks, derived from its products' own text at ingest.

Real feeds often have no brand column and put colour, size, material, age range, piece and pack counts and
dimensions only in titles and descriptions, while search filters and the assistant read them from
`Product.brand` and `Product.attributes`. Enrichment fills those in, never over a feed value, and records in
`Product.provenance` which values are the feed's and which were derived.

    report = enrich(products)         # in place: learns the brands from these products' titles first

The ingest pipeline does the same in two steps, so a feed of any size streams through: `derive(product)` on
each product as it is read (attributes need nothing but the product), then, once the catalog is written, a
`BrandLearner` pass over its titles and `apply_brand` on the products the feed gave no brand
(retrieval/ingest/pipeline.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from pydantic import BaseModel, Field

from ..models import Product
from .attributes import ATTRIBUTE_FIELDS, derive_attributes
from .brands import BrandLearner, BrandList, learn_brands

ENRICHED_FIELDS = ("brand", *ATTRIBUTE_FIELDS)

__all__ = ["ATTRIBUTE_FIELDS", "ENRICHED_FIELDS", "BrandLearner", "BrandList", "EnrichmentReport", "apply_brand",
           "derive", "enrich", "learn_brands"]


class EnrichmentReport(BaseModel):
    products: int = 0
    derived: dict[str, int] = Field(default_factory=dict, description="field -> products it was derived for")
    brands_learned: int = Field(default=0, description="brands learnt from titles")
    top_brands: dict[str, int] = Field(default_factory=dict, description="the most frequent learnt brands")

    def count(self, fields: Iterable[str]) -> None:
        for name in fields:
            self.derived[name] = self.derived.get(name, 0) + 1


def derive(product: Product, report: EnrichmentReport | None = None) -> Product:
    """Derive the attributes the feed lacks, in place, and mark every enriched field the product has as
    'feed' or 'derived'. Derived values from an earlier ingest are dropped first, so a changed title or a feed
    that now gives the value is followed."""
    for name, source in list(product.provenance.items()):
        if source == "derived":
            del product.provenance[name]
            if name != "brand":
                product.attributes.pop(name, None)
    derived = derive_attributes(product)
    product.attributes.update(derived)
    for name in ATTRIBUTE_FIELDS:
        if name in derived:
            product.provenance[name] = "derived"
        elif product.attribute_values(name):
            product.provenance[name] = "feed"
    if product.brand and product.provenance.get("brand") != "derived":
        product.provenance["brand"] = "feed"
    if report is not None:
        report.products += 1
        report.count(derived)
    return product


def apply_brand(product: Product, brands: BrandList) -> bool:
    """Give a product without a feed brand the learnt brand its title starts with (or take back a derived brand
    the catalog no longer supports). True when the product changed."""
    if product.brand and product.provenance.get("brand") != "derived":
        return False
    brand = brands.match(product.title, product.category)
    if brand == product.brand and (brand is None or product.provenance.get("brand") == "derived"):
        return False
    product.brand = brand
    if brand:
        product.provenance["brand"] = "derived"
    else:
        product.provenance.pop("brand", None)
    return True


def enrich(products: list[Product], brands: BrandList | None = None) -> EnrichmentReport:
    """Enrich a list of products in place: attributes from each product's text, brands from what the titles of
    the whole list share (or from `brands`, when given)."""
    report = EnrichmentReport()
    for product in products:
        derive(product, report)
    if brands is None:
        learner = BrandLearner()
        for product in products:
            learner.observe(product.title, None if product.derived("brand") else product.brand, product.category)
        brands = learner.learn()
    for product in products:
        apply_brand(product, brands)
    derived_brands = Counter(p.brand for p in products if p.derived("brand") and p.brand)
    report.derived["brand"] = sum(derived_brands.values())
    report.brands_learned = len(brands)
    report.top_brands = dict(derived_brands.most_common(10))
    return report
