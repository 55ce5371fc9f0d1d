"""From a row of named raw values to a Product: the one place feed values become catalog fields."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel

from ..models import Product, Variant, safe_url
from .cleaning import (
    parse_bool, parse_date, parse_float, parse_int, parse_price, slugify, split_category, split_list, strip_html)

ATTRIBUTE_NAMES = ("color", "size", "material", "pattern", "style", "gender", "age_group", "flavor", "scent")

# Column names people use for our fields (lower-cased), tried when no --map names the column.
ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id", "product_id", "product id", "sku", "item_id", "uniq id", "uniq_id", "asin", "handle", "gtin", "mpn"),
    "title": ("title", "name", "product name", "product_name", "product title"),
    "description": ("description", "body", "body (html)", "body_html", "details", "product description",
                    "about product", "about_product"),
    "brand": ("brand", "vendor", "manufacturer", "brand name", "brands.0"),
    "category": ("category", "categories", "product_type", "product type", "type", "google_product_category",
                 "department"),
    "price": ("price", "selling price", "current price", "variant price", "priceinfo.price"),
    "sale_price": ("sale_price", "sale price"),
    "currency": ("currency", "currency_code", "priceinfo.currencycode"),
    "list_price": ("list_price", "list price", "compare_at_price", "compare at price", "msrp", "regular price",
                   "priceinfo.originalprice"),
    "image_url": ("image_url", "image", "image_link", "image link", "image src", "image url", "picture",
                  "images.0.uri", "images.0.url", "images.0"),
    "url": ("url", "link", "product url", "product_url", "uri"),
    "rating": ("rating", "stars", "average rating", "avg_rating"),
    "review_count": ("review_count", "reviews", "review count", "num_reviews", "ratings"),
    "in_stock": ("in_stock", "availability", "in stock", "stock", "available"),
    "launched_at": ("launched_at", "launch date", "release_date", "created_at", "published_at", "date"),
    "tags": ("tags", "keywords", "labels"),
    # structured fields, as our own JSONL export writes them
    "attributes": ("attributes",),
    "variants": ("variants",),
    "reviews": ("reviews",),
    "price_range": ("price_range",),
    # attributes under other names (Google Cloud Retail's product JSON among them)
    "color": ("color", "colour", "colorinfo.colorfamilies"),
    "size": ("size", "sizes"),
    "material": ("material", "materials"),
}

# Feed-only fields: a sale price, and Google's taxonomy as the fallback category.
KNOWN_FIELDS = (*Product.model_fields, *ATTRIBUTE_NAMES, "sale_price", "google_category")


class RowError(BaseModel):
    line: int
    reason: str


class RowWarning(BaseModel):
    """A value of a row that was dropped; the product itself is kept (a `javascript:` URL, say)."""

    line: int
    field: str
    reason: str


class RowRejected(ValueError):
    """A row that cannot become a product; the message is the reason shown to the user."""


def resolve_columns(columns: list[str], mapping: dict[str, str] | None = None) -> dict[str, str]:
    """field -> column name, from explicit --map entries first, then known aliases."""
    mapping = dict(mapping or {})
    unknown = [f for f in mapping if f not in KNOWN_FIELDS]
    if unknown:
        raise ValueError(f"--map names unknown field(s): {', '.join(unknown)}; "
                         f"fields are {', '.join(Product.model_fields)} and attributes {', '.join(ATTRIBUTE_NAMES)}")
    missing = [c for c in mapping.values() if c not in columns]
    if missing:
        raise ValueError(f"--map names column(s) not in the feed: {', '.join(missing)}; "
                         f"the feed has: {', '.join(columns)}")
    lowered = {c.strip().lower(): c for c in columns}
    used = set(mapping.values())
    for field, aliases in list(ALIASES.items()) + [(a, (a,)) for a in ATTRIBUTE_NAMES if a not in ALIASES]:
        if field in mapping:
            continue
        for alias in aliases:
            column = lowered.get(alias)
            if column and column not in used:
                mapping[field] = column
                used.add(column)
                break
    return mapping


def product_from_fields(values: dict[str, Any], default_currency: str = "USD",
                        warnings: list[tuple[str, str]] | None = None) -> Product:
    """Build a Product from canonical field names -> raw values. Unreadable optional values become unknown;
    a value dropped as unsafe is added to `warnings` as (field, reason)."""
    title = strip_html(_text(values.get("title")))
    if not title:
        raise RowRejected("missing title")
    brand = strip_html(_text(values.get("brand"))) or None
    product_id = _text(values.get("id")).strip() or _text(values.get("sku")).strip() or _text(values.get("url")).strip()
    if not product_id:
        # No id column: a stable id from brand + title, so re-ingesting the same feed updates, not duplicates.
        product_id = slugify(f"{brand or ''} {title}")[:120] or hashlib.sha1(title.encode()).hexdigest()[:16]

    price = parse_price(values.get("price"), None)
    sale = parse_price(values.get("sale_price"), None)
    list_price = parse_price(values.get("list_price"), None).price
    current = price.price
    if sale.price is not None and (current is None or sale.price < current):
        list_price, current = current if list_price is None else list_price, sale.price
    if list_price is not None and current is not None and list_price <= current:
        list_price = None
    currency = (_text(values.get("currency")).strip().upper() or sale.currency or price.currency
                or default_currency)

    attributes: dict[str, str | list[str]] = {}
    raw_attributes = values.get("attributes")
    if isinstance(raw_attributes, str) and raw_attributes.strip()[:1] in ("{", "["):
        raw_attributes = _json_or_none(raw_attributes)
    for key, value in _attribute_items(raw_attributes):
        if isinstance(value, list):
            attributes[str(key).lower()] = [str(v) for v in value if str(v).strip()]
        elif value not in (None, "") and str(value).strip():
            attributes[str(key).lower()] = str(value)
    for name in ATTRIBUTE_NAMES:
        raw = values.get(name)
        if isinstance(raw, list):  # a JSON feed's list of values is several values, not one "A | B" value
            listed = [strip_html(_text(v)) for v in raw]
            listed = list(dict.fromkeys(v for v in listed if v))
            if listed:
                attributes[name] = listed[0] if len(listed) == 1 else listed
            continue
        value = strip_html(_text(raw))
        if value:
            attributes[name] = value

    variants = []
    for raw_variant in values.get("variants") or []:
        if isinstance(raw_variant, dict):
            try:
                variants.append(Variant.model_validate(raw_variant))
            except ValueError:
                continue  # one odd variant does not cost the whole product
    price_range = price.range
    raw_range = values.get("price_range")
    if isinstance(raw_range, (list, tuple)) and len(raw_range) == 2:
        low, high = (parse_float(v) for v in raw_range)
        if low is not None and high is not None and 0 <= low <= high:
            price_range = (low, high)
    reviews = [strip_html(_text(r)) for r in values.get("reviews") or [] if _text(r).strip()]

    rating = parse_float(values.get("rating"))
    availability = values.get("in_stock")
    in_stock = parse_bool(availability) if availability not in (None, "") else None
    return clean_text(Product(
        id=product_id[:256],
        title=title,
        description=strip_html(_text(values.get("description"))),
        brand=brand,
        category=split_category(values.get("category")) or split_category(values.get("google_category")),
        price=current,
        currency=currency[:8],
        list_price=list_price,
        price_range=price_range,
        attributes=attributes,
        image_url=checked_url(values.get("image_url"), "image_url", warnings),
        url=checked_url(values.get("url"), "url", warnings),
        rating=rating if rating is not None and 0 <= rating <= 5 else None,
        review_count=parse_int(values.get("review_count")) or 0,
        in_stock=True if in_stock is None else in_stock,
        launched_at=parse_date(_text(values.get("launched_at"))),
        tags=split_list(values.get("tags")),
        variants=variants,
        reviews=reviews if isinstance(values.get("reviews"), list) else [],
    ))


def checked_url(raw: Any, field: str, warnings: list[tuple[str, str]] | None) -> str | None:
    """The feed's URL when a link or image may use it (models.safe_url); otherwise None, with a warning."""
    text = _text(raw).strip()
    if not text:
        return None
    url = safe_url(text)
    if url is None and warnings is not None:
        warnings.append((field, f"not an http(s) URL, dropped: {text[:80]!r}"))
    return url


def clean_text(product: Product) -> Product:
    """Every text a shopper may see, cleaned like the title (entities decoded, then markup removed): brand,
    category levels, tags, attribute names and values, variant titles and options, reviews."""
    product.title = strip_html(product.title) or product.title
    product.description = strip_html(product.description)
    product.brand = strip_html(product.brand) or None
    product.category = [level for level in map(strip_html, product.category) if level]
    product.tags = [tag for tag in map(strip_html, product.tags) if tag]
    product.reviews = [review for review in map(strip_html, product.reviews) if review]
    attributes: dict[str, str | list[str]] = {}
    for key, value in product.attributes.items():
        name = strip_html(str(key)).lower()
        cleaned = [v for v in map(strip_html, value) if v] if isinstance(value, list) else strip_html(value)
        if name and cleaned:
            attributes[name] = cleaned
    product.attributes = attributes
    for variant in product.variants:
        variant.title = strip_html(variant.title) or None
        variant.options = {strip_html(k): strip_html(v) for k, v in variant.options.items() if strip_html(k)}
    return product


ParsedRow = tuple[int, Product] | RowError | RowWarning


def parse_rows(line: int, values: dict[str, Any]) -> Iterator[ParsedRow]:
    """A product preceded by a warning for each value dropped from it, or the reason the row cannot be one."""
    warnings: list[tuple[str, str]] = []
    parsed = parse_row(line, values, warnings)
    if not isinstance(parsed, RowError):
        for field, reason in warnings:
            yield RowWarning(line=line, field=field, reason=reason)
    yield parsed


def parse_row(line: int, values: dict[str, Any],
              warnings: list[tuple[str, str]] | None = None) -> tuple[int, Product] | RowError:
    """A product, or the reason this row cannot be one."""
    try:
        return line, product_from_fields(values, warnings=warnings)
    except RowRejected as exc:
        return RowError(line=line, reason=str(exc))
    except ValueError as exc:  # pydantic validation of an odd value
        return RowError(line=line, reason=f"invalid row: {str(exc).splitlines()[0]}")


def _attribute_items(raw: Any) -> list[tuple[str, Any]]:
    """{"material": "wool"} or a list of key/value records: [{"key": "material", "value": {"text": ["Wool"]}}]
    (Google Cloud Retail) or [{"name": "material", "value": "wool"}]."""
    if isinstance(raw, dict):
        return list(raw.items())
    items: list[tuple[str, Any]] = []
    for entry in raw if isinstance(raw, list) else []:
        if not isinstance(entry, dict):
            continue
        key = entry.get("key") or entry.get("name")
        value = entry.get("value")
        if isinstance(value, dict):  # Retail: {"text": [...]} or {"numbers": [...]}
            value = value.get("text") or value.get("numbers")
        if key and value not in (None, "", []):
            items.append((str(key), [_text(v) for v in value] if isinstance(value, list) else value))
    return items


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, dict)):
        return json.dumps(value) if isinstance(value, dict) else " | ".join(map(str, value))
    return str(value)


def _json_or_none(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None
