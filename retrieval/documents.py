"""The text a product is indexed as, for both the dense and the BM25 index.

Short on purpose: embedding cost grows with tokens, and what finds a product is its
title, brand, category and key attributes, plus the start of its description.
"""

from __future__ import annotations

from .models import Product

KEY_ATTRIBUTES = ("color", "material", "style", "pattern", "flavor", "scent", "ingredient")
DESCRIPTION_EXCERPT_CHARS = 160


def product_document(product: Product) -> str:
    parts = [product.title]
    if product.brand and product.brand.lower() not in product.title.lower():
        parts.append(product.brand)
    if product.category:
        parts.append(" > ".join(product.category))
    for name in KEY_ATTRIBUTES:
        values = product.attribute_values(name)
        if values:
            parts.append(f"{name} {' '.join(values[:4])}")
    if product.tags:
        parts.append(" ".join(product.tags[:6]))
    if product.description:
        parts.append(_excerpt(product.description, DESCRIPTION_EXCERPT_CHARS))
    return ". ".join(parts)


def _excerpt(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit]
    return cut[: cut.rfind(" ")] if " " in cut else cut
