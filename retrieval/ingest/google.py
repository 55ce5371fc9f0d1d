"""Google Merchant Center feeds: tab-separated text and XML (RSS 2.0 / Atom with the g: namespace)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

from .fields import ParsedRow, RowError, parse_rows
from .tabular import read_csv

# Merchant Center attribute -> our field
GOOGLE_FIELDS = {
    "id": "id", "title": "title", "description": "description", "link": "url", "image_link": "image_url",
    "price": "price", "sale_price": "sale_price", "brand": "brand", "color": "color", "size": "size",
    "material": "material", "pattern": "pattern", "gender": "gender", "age_group": "age_group",
    # product_type is the merchant's own taxonomy; Google's category is the fallback (see fields.py)
    "availability": "in_stock", "product_type": "category", "google_product_category": "google_category",
    "product_rating": "rating", "product_review_count": "review_count",
}


def read_google_tsv(path: Path) -> Iterator[ParsedRow]:
    with open(path, encoding="utf-8-sig", errors="replace") as handle:
        header = handle.readline().rstrip("\r\n").split("\t")
    mapping: dict[str, str] = {}
    for column in header:
        field = GOOGLE_FIELDS.get(column.strip().lower())
        if field:
            mapping.setdefault(field, column)
    yield from read_csv(path, mapping, delimiter="\t")


def read_google_xml(path: Path) -> Iterator[ParsedRow]:
    """Streams <item>/<entry> elements; line numbers are where each item starts."""
    parser = ET.XMLPullParser(events=("start", "end"))
    item_line = 0
    depth_item = None
    with open(path, encoding="utf-8", errors="replace") as handle:
        for line_no, text in enumerate(handle, start=1):
            try:
                parser.feed(text)
                events = list(parser.read_events())
            except ET.ParseError as exc:
                yield RowError(line=line_no, reason=f"malformed XML, the rest of the feed was not read: {exc}")
                return
            for event, element in events:
                tag = _local(element.tag)
                if event == "start" and tag in ("item", "entry") and depth_item is None:
                    depth_item, item_line = element, line_no
                elif event == "end" and element is depth_item:
                    yield from parse_rows(item_line, _item_values(element))
                    element.clear()
                    depth_item = None


def _item_values(item: ET.Element) -> dict:
    raw: dict[str, str] = {}
    for child in item:
        raw.setdefault(_local(child.tag).lower(), (child.text or "").strip())
    return {GOOGLE_FIELDS[k]: v for k, v in raw.items() if k in GOOGLE_FIELDS}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].split(":")[-1]
