"""The catalog written out as a feed agent platforms take: an ACP product feed (JSONL, CSV or TSV) or a Google
Merchant Center feed (TSV), so a store can submit what it already ingested (`shopassist export`).

    report = export_feed(products, "acp", handle, layout="jsonl", options=ExportOptions(base_url=...))

Every row written has the fields the spec requires and values within its length limits (a title or description
over the limit is cut at a word and reported); a product that cannot make a valid row (no price, no image, an id
longer than the spec allows) is not written and is reported with its reasons, never dropped silently. Reading a
written feed back (`shopassist ingest`) gives the same products: ids, titles, descriptions, brands, categories,
prices (a sale as price and sale_price), stock, ratings and the stated colour, size and material.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, TextIO
from urllib.parse import urljoin

from pydantic import BaseModel, Field

from .models import Product, safe_url

FeedKind = Literal["acp", "google"]
Layout = Literal["jsonl", "csv", "tsv"]

ACP_COLUMNS = ("enable_search", "enable_checkout", "id", "title", "description", "link", "image_link", "price",
               "sale_price", "availability", "product_category", "brand", "material", "color", "size", "gender",
               "age_group", "condition", "gtin", "mpn", "item_group_id", "product_review_rating",
               "product_review_count", "seller_name", "seller_url", "return_policy", "return_window")
GOOGLE_COLUMNS = ("id", "title", "description", "link", "image_link", "availability", "price", "sale_price", "brand",
                  "product_type", "color", "size", "material", "gender", "age_group", "condition", "gtin", "mpn",
                  "item_group_id", "product_rating", "product_review_count")
# (id, title, description, brand) limits in characters.
ID_LIMIT = {"acp": 100, "google": 50}
TITLE_LIMIT, DESCRIPTION_LIMIT, BRAND_LIMIT = 150, 5000, 70
ATTRIBUTE_LIMITS = {"color": 40, "size": 20, "material": 100}
REQUIRED = {"acp": ("id", "title", "description", "link", "image_link", "price", "availability", "brand",
                    "product_category"),
            "google": ("id", "title", "description", "link", "image_link", "price", "availability")}


@dataclass(frozen=True)
class ExportOptions:
    """Feed-wide values: `base_url` makes the store's relative links absolute (feeds need absolute URLs);
    `image_fallback` is the image of products that have none (the spec requires one); the seller's name, site and
    return policy are ACP's seller fields."""

    base_url: str | None = None
    image_fallback: str | None = None
    seller_name: str | None = None
    seller_url: str | None = None
    return_policy: str | None = None
    return_window: int | None = None
    enable_search: bool = True
    enable_checkout: bool = False  # checkout is a hand-off to the store, not ACP's checkout


class InvalidRow(BaseModel):
    id: str
    reasons: list[str]


class ExportReport(BaseModel):
    format: FeedKind
    layout: Layout
    written: int = 0
    invalid: list[InvalidRow] = Field(default_factory=list, description="Products not written, with why.")
    warnings: list[str] = Field(default_factory=list, description="Values cut to the spec's limits, and "
                                                                   "feed-wide fields left empty.")


def export_feed(products: Iterable[Product], kind: FeedKind, out: TextIO, layout: Layout = "jsonl",
                options: ExportOptions = ExportOptions()) -> ExportReport:
    report = ExportReport(format=kind, layout=layout)
    if kind == "google" and layout == "jsonl":
        raise ValueError("a Google Merchant Center feed is tab-separated: use a .tsv file")
    columns = ACP_COLUMNS if kind == "acp" else GOOGLE_COLUMNS
    writer = None
    if layout != "jsonl":
        writer = csv.DictWriter(out, fieldnames=columns, delimiter="\t" if layout == "tsv" else ",",
                                extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
    if kind == "acp":
        missing = [name for name, value in (("seller_name", options.seller_name), ("seller_url", options.seller_url),
                                            ("return_policy", options.return_policy),
                                            ("return_window", options.return_window)) if value in (None, "")]
        if missing:
            report.warnings.append(f"feed-wide fields left empty (give them as options): {', '.join(missing)}")
    for product in products:
        row, reasons, warnings = feed_row(product, kind, options)
        report.warnings += [f"{product.id}: {w}" for w in warnings]
        if reasons:
            report.invalid.append(InvalidRow(id=product.id, reasons=reasons))
            continue
        if writer is None:
            out.write(json.dumps({k: v for k, v in row.items() if v not in (None, "")}, ensure_ascii=False) + "\n")
        else:
            writer.writerow({k: _cell(row.get(k)) for k in columns})
        report.written += 1
    return report


def feed_row(product: Product, kind: FeedKind, options: ExportOptions) -> tuple[dict, list[str], list[str]]:
    """The feed row of one product, the reasons it cannot be a valid row (empty when it can) and warnings."""
    reasons: list[str] = []
    warnings: list[str] = []
    if len(product.id) > ID_LIMIT[kind]:
        reasons.append(f"id: longer than the spec's {ID_LIMIT[kind]} characters")
    title = _cut(product.title, TITLE_LIMIT, "title", warnings)
    description = _cut(product.description, DESCRIPTION_LIMIT, "description", warnings)
    brand = _cut(product.brand or "", BRAND_LIMIT, "brand", warnings)
    link = _absolute(product.url, options.base_url)
    image = _absolute(product.image_url, options.base_url) or _absolute(options.image_fallback, options.base_url)
    if product.price is None:
        price = sale = None
    elif product.list_price is not None and product.list_price > product.price:
        price, sale = _money(product.list_price, product.currency), _money(product.price, product.currency)
    else:
        price, sale = _money(product.price, product.currency), None
    attributes = {name: _cut(_one(product.attributes.get(name)), ATTRIBUTE_LIMITS.get(name, 100), name, warnings)
                  for name in ("color", "size", "material", "gender", "age_group", "condition", "gtin", "mpn",
                               "item_group_id")}
    row = {"id": product.id, "title": title, "description": description, "link": link, "image_link": image,
           "price": price, "sale_price": sale, "availability": "in_stock" if product.in_stock else "out_of_stock",
           "brand": brand, **attributes}
    category = " > ".join(product.category)
    if kind == "acp":
        row.update({
            "enable_search": "true" if options.enable_search else "false",
            "enable_checkout": "true" if options.enable_checkout else "false",
            "product_category": category, "product_review_rating": product.rating,
            "product_review_count": product.review_count if product.rating is not None else None,
            "seller_name": options.seller_name, "seller_url": options.seller_url,
            "return_policy": options.return_policy, "return_window": options.return_window})
    else:
        row.update({"product_type": category, "product_rating": product.rating,
                    "product_review_count": product.review_count if product.rating is not None else None})
    for name in REQUIRED[kind]:
        if row.get(name) in (None, ""):
            reasons.append(f"{name}: missing (required)" if name != "link" or not product.url
                           else "link: not an absolute http(s) URL (give the store's base URL)")
    return row, reasons, warnings


def _money(amount: float, currency: str) -> str:
    return f"{amount:.2f} {currency}"


def _one(value) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value if str(v).strip())
    return str(value or "")


def _cut(text: str, limit: int, field: str, warnings: list[str]) -> str:
    """`text` within `limit` characters: cut at the last word that fits (reported in `warnings`)."""
    text = text or ""
    if len(text) <= limit:
        return text
    cut = text[:limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:.-") or text[:limit - 1]
    warnings.append(f"{field}: cut to the spec's {limit} characters")
    return cut + "…"


def _absolute(url: str | None, base: str | None) -> str | None:
    """An absolute http(s) URL, or None: a relative one is joined to `base` (None without a base)."""
    url = safe_url(url)
    if not url:
        return None
    if url.lower().startswith(("http://", "https://")):
        return url
    return urljoin(base if base.endswith("/") else base + "/", url) if base else None


def _cell(value) -> str:
    if value is None:
        return ""
    text = str(value)
    return text.replace("\t", " ").replace("\r", " ").replace("\n", " ")
