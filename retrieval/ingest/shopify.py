"""Shopify's product CSV export: one row per variant (or extra image), grouped by Handle."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path

from ..models import Product, Variant
from .cleaning import parse_bool, parse_int, parse_price, split_category, split_list, strip_html
from .fields import ParsedRow, RowError, RowWarning, checked_url, clean_text

REQUIRED_COLUMNS = ("Handle",)


def read_shopify_csv(path: Path) -> Iterator[ParsedRow]:
    with open(path, newline="", encoding="utf-8-sig", errors="replace") as handle:
        reader = csv.DictReader(handle)
        # Exports re-saved by spreadsheet tools can pad the header ("Handle     ,Title    ,"): names are trimmed.
        reader.fieldnames = [name.strip() for name in reader.fieldnames or []]
        missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            yield RowError(line=1, reason=f"not a Shopify export: no {', '.join(missing)} column")
            return
        group: list[dict] = []
        group_line = 0
        start = reader.line_num + 1
        for row in reader:
            line, start = start, reader.line_num + 1
            handle_value = (row.get("Handle") or "").strip()
            if not handle_value:
                yield RowError(line=line, reason="missing Handle")
                continue
            if group and handle_value != group[0]["Handle"].strip():
                yield from _product(group_line, group)
                group = []
            if not group:
                group_line = line
            group.append(row)
        if group:
            yield from _product(group_line, group)


# Product-level attribute columns: category metafields ("Color (product.metafields.shopify.color-pattern)")
# and the Google Shopping columns, by the label before any "(...)" or after "Google Shopping / ".
METAFIELD_ATTRIBUTES = {"color": "color", "colour": "color", "color-pattern": "color", "size": "size",
                        "material": "material", "fabric": "material", "pattern": "pattern", "age group": "age_group",
                        "age_group": "age_group", "gender": "gender", "target gender": "gender",
                        "flavor": "flavor", "scent": "scent"}
_METAFIELD = re.compile(r"^(?:google shopping\s*/\s*)?(?P<label>[^(]+?)\s*(?:\(product\.metafields\.[^)]*\))?$", re.I)


def _product_attributes(row: dict) -> dict[str, str | list[str]]:
    found: dict[str, str | list[str]] = {}
    for column, raw in row.items():
        if not column or not raw or not raw.strip() or column.startswith(("Option", "Variant")):
            continue
        if "(product.metafields." not in column and not column.lower().startswith("google shopping"):
            continue
        match = _METAFIELD.match(column.strip())
        name = METAFIELD_ATTRIBUTES.get(match["label"].strip().lower()) if match else None
        if name and name not in found:
            values = [v.strip() for v in re.split(r"[;|]", strip_html(raw)) if v.strip()]
            if values:
                found[name] = values[0] if len(values) == 1 else values
    return found


def _product(line: int, rows: list[dict]) -> Iterator[ParsedRow]:
    first = rows[0]
    title = strip_html(first.get("Title"))
    if not title:
        yield RowError(line=line, reason=f"missing Title for handle {first['Handle'].strip()!r}")
        return
    option_names = [(first.get(f"Option{i} Name") or "").strip() for i in (1, 2, 3)]
    variants: list[Variant] = []
    for row in rows:
        price = parse_price(row.get("Variant Price")).price
        sku = (row.get("Variant SKU") or "").strip() or None
        options = {name.lower(): (row.get(f"Option{i} Value") or "").strip()
                   for i, name in enumerate(option_names, start=1)
                   if name and name.lower() != "title" and (row.get(f"Option{i} Value") or "").strip()}
        if price is None and sku is None and not options:
            continue  # an image-only row
        qty = parse_int(row.get("Variant Inventory Qty"))
        policy = (row.get("Variant Inventory Policy") or "").strip().lower()
        variants.append(Variant(
            sku=sku, title=" / ".join(options.values()) or None, price=price,
            list_price=parse_price(row.get("Variant Compare At Price")).price, options=options,
            in_stock=None if qty is None else (qty > 0 or policy == "continue")))

    prices = [v.price for v in variants if v.price is not None]
    price = min(prices) if prices else None
    cheapest = next((v for v in variants if v.price == price), None)
    list_price = cheapest.list_price if cheapest and cheapest.list_price and price and cheapest.list_price > price \
        else None
    attributes: dict[str, str | list[str]] = {}
    for variant in variants:
        for name, value in variant.options.items():
            values = attributes.setdefault(name, [])
            if value not in values:
                values.append(value)
    attributes = {k: v[0] if len(v) == 1 else v for k, v in attributes.items()}
    for name, value in _product_attributes(first).items():
        attributes.setdefault(name, value)  # a variant option says more than a product-level field

    status = parse_bool(first.get("Status"))
    published = parse_bool(first.get("Published"))
    stock_known = [v.in_stock for v in variants if v.in_stock is not None]
    in_stock = status is not False and published is not False and (not stock_known or any(stock_known))
    warnings: list[tuple[str, str]] = []
    image = checked_url(next((r.get("Image Src").strip() for r in rows if (r.get("Image Src") or "").strip()), None),
                        "image_url", warnings)
    # Shopify's standard taxonomy, then the merchant's own Type as the narrowest level
    category = split_category(first.get("Product Category"))
    product_type = (first.get("Type") or "").strip()
    if product_type and product_type.lower() not in (c.lower() for c in category):
        category.append(product_type)
    for field, reason in warnings:
        yield RowWarning(line=line, field=field, reason=reason)
    yield line, clean_text(Product(
        id=first["Handle"].strip(), title=title, description=strip_html(first.get("Body (HTML)")),
        brand=(first.get("Vendor") or "").strip() or None, category=category, price=price,
        currency="USD", list_price=list_price,
        price_range=(min(prices), max(prices)) if len(set(prices)) > 1 else None,
        attributes=attributes, image_url=image, in_stock=in_stock,
        tags=split_list(first.get("Tags")), variants=variants))
