"""Agentic Commerce Protocol (ACP) product feeds: the flat feed agent platforms ingest (CSV, TSV or JSONL, one
row per purchasable item), read into products, and written back out (`retrieval/export.py`).

The flat fields (OpenAI's product feed spec, which ACP's product feeds RFC grew from):

    enable_search, enable_checkout (later is_eligible_search, is_eligible_checkout)
    id (later item_id), gtin, mpn, title, description, link (later url), product_category "A > B", brand,
    material, color, size, gender, age_group, condition, dimensions, weight, image_link (later image_url),
    additional_image_link, price "79.99 USD", sale_price, availability (in_stock | out_of_stock | preorder),
    inventory_quantity, item_group_id, item_group_title, seller_name, seller_url, return_policy,
    return_window, product_review_count, product_review_rating, ...

A row becomes a product as every feed's rows do (`fields.product_from_fields`: HTML stripped, prices cleaned,
unsafe URLs dropped). What the spec requires and a row lacks (a price, an image, a category...) is reported as
a warning naming the field, and the product is kept: the store's own search can use it. A row that cannot be a
product at all (no title) is skipped and reported, like in every other format.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .cleaning import parse_int, parse_price
from .fields import ParsedRow, RowError, RowWarning, parse_rows
from .tabular import jsonl_objects

# ACP field (lower-cased) -> our field; the spec's newer names map to the same field.
ACP_FIELDS = {
    "id": "id", "item_id": "id", "title": "title", "description": "description",
    "link": "url", "url": "url", "image_link": "image_url", "image_url": "image_url",
    "price": "price", "sale_price": "sale_price", "availability": "availability",
    "product_category": "category", "brand": "brand",
    "material": "material", "color": "color", "size": "size", "gender": "gender", "age_group": "age_group",
    "product_review_rating": "rating", "product_review_count": "review_count",
}
# Kept as attributes of the product: identifiers a lookup may use, the variant group, stated measures.
ACP_ATTRIBUTES = ("gtin", "mpn", "item_group_id", "condition", "dimensions", "weight")
# Columns that say "this is an ACP feed" (a Google Merchant Center feed shares id/title/link/image_link).
ACP_MARKERS = frozenset({"enable_search", "enable_checkout", "is_eligible_search", "is_eligible_checkout",
                         "product_category", "seller_name", "seller_url", "inventory_quantity", "return_policy",
                         "return_window", "product_review_rating", "item_group_title", "popularity_score"})
ACP_REQUIRED = ("id", "title", "description", "link", "image_link", "price", "availability")
AVAILABILITY = ("in_stock", "out_of_stock", "preorder")
# Length limits of the spec (characters).
LIMITS = {"id": 100, "title": 150, "description": 5000, "brand": 70, "mpn": 70, "item_group_id": 70,
          "material": 100, "color": 40, "size": 20}


def looks_like_acp(columns: set[str]) -> bool:
    """Whether a header (or a first JSON record's keys), lower-cased, is an ACP feed's."""
    flags = {"enable_search", "is_eligible_search", "enable_checkout", "is_eligible_checkout"}
    return bool(columns & flags) or len(columns & ACP_MARKERS) >= 2


def read_acp(path: Path) -> Iterator[ParsedRow]:
    """The feed's rows as products (with warnings for what the spec wants and a row lacks) or row errors.
    JSONL by the file's suffix or a first line that is a JSON object; CSV or TSV otherwise."""
    with open(path, encoding="utf-8-sig", errors="replace") as handle:
        first = handle.readline()
    if path.suffix.lower() in (".jsonl", ".ndjson", ".json") or first.lstrip().startswith("{"):
        yield from _read_jsonl(path)
    else:
        yield from _read_delimited(path, "\t" if first.count("\t") > first.count(",") else ",")


def _read_delimited(path: Path, delimiter: str) -> Iterator[ParsedRow]:
    with open(path, newline="", encoding="utf-8-sig", errors="replace") as handle:
        reader = csv.DictReader(handle, delimiter=delimiter)
        reader.fieldnames  # noqa: B018 - reads the header, so line numbers start after it
        start = reader.line_num + 1
        for row in reader:
            line, start = start, reader.line_num + 1  # a quoted description may span lines
            yield from acp_rows(line, {str(k).strip().lower(): v for k, v in row.items() if k is not None})


def _read_jsonl(path: Path) -> Iterator[ParsedRow]:
    for item in jsonl_objects(path):
        if isinstance(item, RowError):
            yield item
        else:
            line, record = item
            yield from acp_rows(line, {str(k).strip().lower(): v for k, v in record.items()})


def acp_rows(line: int, record: dict[str, Any]) -> Iterator[ParsedRow]:
    """One ACP row (lower-cased field names) as a product, preceded by a warning for each field the spec
    requires that is missing or malformed, or as the reason it cannot be a product."""
    values: dict[str, Any] = {}
    for name, value in record.items():
        field = ACP_FIELDS.get(name)
        if field and value not in (None, "") and field not in values:
            values[field] = value
    availability = str(record.get("availability") or "").strip().lower().replace(" ", "_")
    quantity = parse_int(record.get("inventory_quantity"))
    if availability:
        values["in_stock"] = availability in ("in_stock", "preorder", "backorder")
    elif quantity is not None:
        values["in_stock"] = quantity > 0
    values.pop("availability", None)
    attributes = {name: str(record[name]).strip() for name in ACP_ATTRIBUTES
                  if record.get(name) not in (None, "") and str(record[name]).strip()}
    if attributes:
        values["attributes"] = attributes
    problems = list(_spec_problems(record, availability))
    produced = list(parse_rows(line, values))
    if not any(isinstance(row, RowError) for row in produced):
        yield from (RowWarning(line=line, field=field, reason=reason) for field, reason in problems)
    yield from produced


def _spec_problems(record: dict[str, Any], availability: str) -> Iterator[tuple[str, str]]:
    def present(*names: str) -> bool:
        return any(str(record.get(n) or "").strip() for n in names)

    aliases = {"id": ("id", "item_id"), "link": ("link", "url"), "image_link": ("image_link", "image_url")}
    for name in ACP_REQUIRED:
        if name == "title":
            continue  # no title: the row is skipped, and reported as such
        if not present(*aliases.get(name, (name,))):
            yield name, "missing (required by the ACP feed spec)"
    for name in ("price", "sale_price"):
        raw = record.get(name)
        if raw not in (None, "") and parse_price(raw, None).price is None:
            yield name, f"not a price: {str(raw)[:40]!r} (expected like '79.99 USD'); the price is unknown"
    if availability and availability not in (*AVAILABILITY, "backorder"):
        yield "availability", f"unknown value {availability[:40]!r} (expected {', '.join(AVAILABILITY)})"
    raw_quantity = record.get("inventory_quantity")
    if raw_quantity not in (None, "") and (parse_int(raw_quantity) is None or parse_int(raw_quantity) < 0):
        yield "inventory_quantity", f"not a non-negative whole number: {str(raw_quantity)[:40]!r}"
    for name, limit in LIMITS.items():
        value = record.get(name)
        if value is not None and len(str(value)) > limit:
            yield name, f"longer than the spec's {limit} characters ({len(str(value))})"
