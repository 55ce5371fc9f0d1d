"""ACP product feeds in and out (issue 12): ingest detects and reads them, messy rows reported; export writes the
serving catalog as a valid ACP or Google feed, and ingesting the export gives the same products."""

from __future__ import annotations

import io
import json

import pytest

from assistant.cli import main
from retrieval.catalog import CatalogHome
from retrieval.export import ExportOptions, export_feed
from retrieval.ingest.acp import ACP_REQUIRED
from retrieval.ingest.pipeline import detect_format, ingest_products, read_feed
from retrieval.models import Product
from retrieval.vector_store import chroma_client

from conftest import FEEDS, ingest_file

OPTIONS = ExportOptions(base_url="https://shop.example", seller_name="Example Outdoor",
                        seller_url="https://shop.example", return_policy="https://shop.example/returns",
                        return_window=30)


def test_acp_feeds_are_detected_by_their_fields():
    assert detect_format(FEEDS / "acp_feed.csv") == "acp"
    assert detect_format(FEEDS / "acp_feed.jsonl") == "acp"
    assert detect_format(FEEDS / "acp_outdoor.jsonl") == "acp"
    assert detect_format(FEEDS / "google_feed.tsv") == "google"  # shares id, title, link, image_link
    assert detect_format(FEEDS / "products.jsonl") == "jsonl"


def test_acp_csv_ingests_with_messy_rows_reported(home, embedder):
    report = ingest_file(home, embedder, FEEDS / "acp_feed.csv")
    assert (report.ingested, report.skipped) == (4, 1)
    assert [(e.line, e.reason) for e in report.errors] == [(4, "missing title")]
    assert sorted((w.line, w.field) for w in report.warnings) == [
        (5, "image_link"), (5, "price"), (5, "url"), (6, "availability")]
    products = home.open_active().products
    boots = products.get("ACP-1")
    assert boots.title == "Ridgeline Waterproof Hiking Boots"
    assert boots.description == "Waterproof leather hiking boots with a Vibram sole."  # markup stripped
    assert (boots.price, boots.list_price, boots.currency) == (119.99, 149.99, "USD")  # sale_price is the price
    assert boots.category == ["Shoes", "Hiking Boots"] and boots.brand == "Ridgeline"
    assert (boots.rating, boots.review_count, boots.in_stock) == (4.6, 87, True)
    assert boots.attributes["gtin"] == "00012345678905" and boots.attributes["item_group_id"] == "RB-100"
    assert boots.attributes["color"] == "brown" and boots.attributes["size"] == "10"
    assert products.get("ACP-2").in_stock is False
    mug = products.get("ACP-4")
    assert mug.price is None and mug.url is None  # "call for price" is unknown; a javascript: link is dropped
    assert products.get("ACP-5").in_stock is False  # an availability the spec does not know is not "in stock"


def test_acp_jsonl_with_newer_field_names(home, embedder):
    report = ingest_file(home, embedder, FEEDS / "acp_feed.jsonl")
    assert (report.ingested, report.skipped) == (2, 1)
    assert report.errors[0].line == 3 and report.errors[0].reason.startswith("invalid JSON")
    bottle = home.open_active().products.get("ACPJ-1")
    assert bottle.url == "https://shop.example/p/acpj-1" and bottle.image_url == "https://cdn.shop.example/acpj-1.jpg"
    assert (bottle.price, bottle.rating, bottle.review_count) == (32.0, 4.2, 19)


def _same(before: Product, after: Product, identifiers: bool) -> None:
    for name in ("id", "title", "description", "brand", "category", "price", "list_price", "currency", "in_stock",
                 "rating", "image_url"):
        assert getattr(after, name) == getattr(before, name), name
    assert after.review_count == (before.review_count if before.rating is not None else 0)
    assert after.url.endswith(before.url)  # a store path becomes an absolute link
    for name in ("color", "size", "material", *(("gtin", "mpn", "item_group_id") if identifiers else ())):
        assert after.attributes.get(name) == before.attributes.get(name), name


@pytest.mark.parametrize("kind, layout", [("acp", "jsonl"), ("acp", "csv"), ("acp", "tsv"), ("google", "tsv")])
def test_export_then_ingest_gives_the_same_products(home, embedder, tmp_path, kind, layout):
    ingest_file(home, embedder, FEEDS / "acp_outdoor.jsonl")
    ingest_file(home, embedder, FEEDS / "acp_feed.csv")
    products = {p.id: p for p in home.open_active().products.iter_products()}
    out = tmp_path / f"feed.{layout}"
    with open(out, "w", encoding="utf-8", newline="") as handle:
        report = export_feed(products.values(), kind, handle, layout, OPTIONS)
    # ACP-4 has no price and no image (and an ACP row needs a brand): reported, not written, not dropped silently
    unfit = {p.id for p in products.values() if p.price is None or not p.image_url or (kind == "acp" and not p.brand)}
    assert "ACP-4" in unfit and {row.id for row in report.invalid} == unfit
    assert {"link: missing (required)", "image_link: missing (required)", "price: missing (required)"} <= set(
        next(row.reasons for row in report.invalid if row.id == "ACP-4"))
    assert report.written == len(products) - len(unfit)
    assert detect_format(out) == ("acp" if kind == "acp" else "google")
    rows = list(read_feed(out))
    assert all(isinstance(row, tuple) for row in rows), [r for r in rows if not isinstance(r, tuple)]
    again = CatalogHome(tmp_path / "again" / "catalog", chroma_client(tmp_path / "again" / "chroma"))
    result = ingest_products(again, embedder, iter(rows), enrich=False)
    assert (result.ingested, result.skipped) == (report.written, 0)
    reread = {p.id: p for p in again.open_active().products.iter_products()}
    assert set(reread) == set(products) - unfit
    for product_id, product in reread.items():
        _same(products[product_id], product, identifiers=kind == "acp")  # Google ingest reads no GTIN


def test_exported_acp_rows_have_the_required_fields_within_the_limits(tmp_path):
    long = Product(id="P-1", title="Trail " * 40, description="word " * 1200, brand="B", category=["Shoes"],
                   price=10.0, url="/p/1", image_url="https://cdn.example/1.jpg")
    too_long_id = Product(id="X" * 101, title="t", description="d", brand="B", category=["C"], price=1.0,
                          url="https://s.example/x", image_url="https://cdn.example/x.jpg")
    handle = io.StringIO()
    report = export_feed([long, too_long_id], "acp", handle, "jsonl", OPTIONS)
    assert report.written == 1 and report.invalid[0].reasons == ["id: longer than the spec's 100 characters"]
    row = json.loads(handle.getvalue())
    assert all(row.get(name) for name in (*ACP_REQUIRED, "brand", "product_category", "seller_name",
                                          "return_policy", "return_window"))
    assert len(row["title"]) <= 150 and len(row["description"]) <= 5000
    assert row["link"] == "https://shop.example/p/1" and row["enable_search"] == "true"
    assert any("title: cut" in w for w in report.warnings)


def test_shopassist_export_command(home, embedder, tmp_path, monkeypatch, capsys):
    ingest_file(home, embedder, FEEDS / "acp_outdoor.jsonl")
    monkeypatch.setenv("SHOPASSIST_HOME", str(tmp_path))
    out = tmp_path / "out.jsonl"
    assert main(["export", "--format", "acp", "--out", str(out), "--base-url", "https://shop.example",
                 "--return-policy", "https://shop.example/returns", "--return-window", "30", "--json"]) == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert report["written"] == 12 and report["invalid"] == []
    first = json.loads(out.read_text().splitlines()[0])
    assert first["link"].startswith("https://shop.example/demo/products/") and first["seller_url"]
