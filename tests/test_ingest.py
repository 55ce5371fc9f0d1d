"""Every feed format end to end through the real pipeline (real embeddings, real embedded Chroma)."""

import json

from retrieval.models import SearchRequest
from retrieval.search import Retriever

from conftest import FEEDS, ingest_file


def _search(home, embedder, query, **kw):
    return Retriever(home, embedder).search(SearchRequest(query=query, **kw)).results


def test_shopify_rows_group_by_handle_into_variants(home, embedder):
    report = ingest_file(home, embedder, FEEDS / "shopify_export.csv")
    assert (report.ingested, report.updated, report.skipped) == (3, 0, 2)
    assert sorted((e.line, e.reason) for e in report.errors) == [
        (8, "missing Title for handle 'no-title-item'"), (9, "missing Handle")]
    shoe = home.open_active().products.get("trail-runner-2")
    assert shoe.title == "Trail Runner 2"
    assert shoe.description == "Grippy trail shoe. Waterproof Rock plate"
    assert [v.sku for v in shoe.variants] == ["TR2-8-RED", "TR2-9-RED", "TR2-10-BLUE"]
    assert shoe.price == 89.0 and shoe.list_price == 110.0 and shoe.price_range == (89.0, 1099.0)
    assert shoe.attributes == {"size": ["8", "9", "10"], "color": ["Red", "Blue"]}
    assert shoe.category[-1] == "Running Shoes"
    lamp = home.open_active().products.get("draft-lamp")
    assert lamp.price is None and lamp.in_stock is False  # unparseable price is unknown, not a crash
    hits = _search(home, embedder, "trail running shoe", size="10")
    assert [h.id for h in hits] == ["trail-runner-2"]


def test_google_tsv_sale_price_availability_and_fallback_category(home, embedder):
    report = ingest_file(home, embedder, FEEDS / "google_feed.tsv")
    assert (report.ingested, report.skipped) == (3, 1)
    assert report.errors[0].line == 4 and report.errors[0].reason == "missing title"
    products = home.open_active().products
    earbuds = products.get("G-100")
    assert (earbuds.price, earbuds.list_price, earbuds.currency) == (49.99, 59.99, "USD")
    assert earbuds.description == "Great sound, 30h battery"
    assert earbuds.category == ["Electronics", "Audio", "Earbuds"]
    headphones = products.get("G-101")
    assert (headphones.price, headphones.currency, headphones.in_stock) == (129.0, "EUR", False)
    assert headphones.category == ["Electronics", "Audio", "Headphones"]  # google_product_category fallback
    assert products.get("G-103").price is None


def test_google_xml_items_with_line_numbers(home, embedder):
    report = ingest_file(home, embedder, FEEDS / "google_feed.xml")
    assert report.ingested == 2
    assert [(e.line, e.reason) for e in report.errors] == [(17, "missing title")]
    socks = home.open_active().products.get("X-1")
    assert socks.description == "Warm & soft"
    # the feed's colour and size, and the material its title states ("Merino Wool Socks"), marked as derived
    assert socks.attributes == {"color": "Charcoal Grey", "size": "M", "material": "merino wool"}
    assert socks.provenance == {"brand": "feed", "color": "feed", "size": "feed", "material": "derived"}
    poles = home.open_active().products.get("X-3")
    assert poles.price == 10.99 and poles.price_range == (10.99, 20.99)
    assert _search(home, embedder, "socks", color="charcoal grey", max_price=20)[0].id == "X-1"


def test_generic_csv_with_column_mapping(home, embedder):
    mapping = {"title": "Product Name", "price": "Selling Price", "brand": "Maker", "color": "Colour",
               "in_stock": "Stock"}
    report = ingest_file(home, embedder, FEEDS / "generic_products.csv", mapping=mapping)
    assert (report.ingested, report.skipped) == (3, 1)
    assert report.errors[0].line == 4
    products = {p.title: p for p in home.open_active().products.iter_products()}
    board = products["Bamboo Cutting Board, Large"]
    assert board.price == 1299.99 and board.category == ["Kitchen", "Prep", "Cutting Boards"]
    assert products["Stainless Steel Water Bottle"].currency == "EUR"
    assert products["Stainless Steel Water Bottle"].in_stock is False
    assert products["Chef's Knife 8 inch"].price is None


def test_mapping_errors_name_the_problem(home, embedder):
    import pytest

    with pytest.raises(ValueError, match="unknown field"):
        ingest_file(home, embedder, FEEDS / "generic_products.csv", mapping={"titel": "Product Name"})
    with pytest.raises(ValueError, match="not in the feed"):
        ingest_file(home, embedder, FEEDS / "generic_products.csv", mapping={"title": "Name"})


def test_jsonl_skips_bad_lines_and_keeps_unknown_values_unknown(home, embedder):
    report = ingest_file(home, embedder, FEEDS / "products.jsonl")
    assert report.ingested == 3
    assert [(e.line, e.reason) for e in report.errors] == [(3, "missing title"), (4, "expected a JSON object")]
    products = home.open_active().products
    assert products.get("J-2").rating is None  # 9.5 stars is not a rating on a 5-star scale
    assert products.get("J-4").price is None
    assert str(products.get("J-1").launched_at) == "2026-10-20"


def test_reingesting_updates_and_never_duplicates(home, embedder, tmp_path):
    first = ingest_file(home, embedder, FEEDS / "products.jsonl")
    again = ingest_file(home, embedder, FEEDS / "products.jsonl")
    assert (first.ingested, first.updated) == (3, 0)
    assert (again.ingested, again.updated) == (0, 3)
    version = home.open_active()
    assert version.products.count() == 3 and version.vectors.count() == 3
    changed = tmp_path / "changed.jsonl"
    changed.write_text(json.dumps({"id": "J-2", "title": "Dark Roast Coffee Beans", "price": 11.0}) + "\n")
    report = ingest_file(home, embedder, changed)
    assert (report.ingested, report.updated) == (0, 1)
    assert home.open_active().products.get("J-2").price == 11.0
    # the price filter sees the new price (Chroma metadata and BM25 facets were both refreshed)
    for mode in ("dense", "bm25", "hybrid"):
        hits = _search(home, embedder, "coffee beans", mode=mode, min_price=10.5, max_price=12)
        assert [h.id for h in hits] == ["J-2"], mode


# ---------------------------------------------------------------- real third-party catalogs (tests/data/catalogs)

CATALOGS = FEEDS.parent / "catalogs"


def _rows(path, **kw):
    from retrieval.ingest.pipeline import read_feed

    rows = list(read_feed(path, **kw))
    return {p.id: p for p in (r[1] for r in rows if isinstance(r, tuple))}, [r for r in rows if not isinstance(r, tuple)]


def test_marketplace_csv_ids_prices_and_pipe_categories_with_slashes_inside_levels():
    products, errors = _rows(CATALOGS / "bestbuy_marketplace.csv")
    assert len(products) == 187 and errors == []
    batteries = products["43900"]  # "Uniq Id" is the id, not the product URL
    assert batteries.title == "Duracell - AAA Batteries (4-Pack)" and batteries.brand is None
    assert batteries.price == 5.49 and batteries.description.startswith("Compatible with select electronic devices")
    power_bank = next(p for p in products.values() if p.title == "Altec - 4000 mAh Power Bank - Black")
    # " | " separates the levels; the "/" in "Portable Chargers/Power Packs" is part of a level's name
    assert power_bank.category == ["Cell Phones", "Cell Phone Accessories", "Cell Phone Batteries & Power",
                                   "Portable Chargers/Power Packs"]
    fridge = next(p for p in products.values() if p.title.startswith("GE - Profile Series 25.4"))
    assert fridge.price == 1799.99  # "$1,799.99"


def test_nested_json_feed_google_cloud_retail_products():
    products, errors = _rows(CATALOGS / "google_retail_products.jsonl")
    assert len(products) == 200 and errors == []
    pen = products["GGCOGOAC101259"]
    assert (pen.title, pen.brand, pen.category) == ("#IamRemarkable Pen", "#IamRemarkable", ["Office"])
    assert (pen.price, pen.list_price, pen.currency) == (16.0, 45.0, "USD")  # priceInfo.price / .originalPrice
    assert pen.image_url.endswith("/GGCOGOAC101259.jpg") and pen.url.startswith("https://shop.googlemerchandisestore")
    assert pen.attributes["color"] == "Blue"  # colorInfo.colorFamilies
    assert pen.attributes["material"] == ["Metal", "Recycled Plastic"]  # attributes: [{key, value: {text}}]
    sweater = products["GGOEAAEC172013"]
    assert sweater.attributes["size"] == ["XS", "S", "M", "L", "XL"] and sweater.in_stock is False


def test_json_list_values_are_several_values_and_nested_columns_can_be_mapped(home, embedder, tmp_path):
    feed = tmp_path / "nested.jsonl"
    feed.write_text("\n".join(json.dumps(r) for r in [
        {"id": "N-1", "title": "Canvas Tote Bag", "color": ["Red", "Navy"], "offer": {"amount": "19.50"}},
        {"id": "N-2", "title": "Leather Tote Bag", "color": "Red", "offer": {"amount": "89"}},
    ]) + "\n")
    report = ingest_file(home, embedder, feed, mapping={"price": "offer.amount"})
    assert report.ingested == 2
    tote = home.open_active().products.get("N-1")
    assert tote.attributes["color"] == ["Red", "Navy"] and tote.price == 19.5
    assert {h.id for h in _search(home, embedder, "tote bag", color="navy")} == {"N-1"}


def test_shopify_export_with_padded_header_and_metafield_attributes(tmp_path):
    feed = tmp_path / "products_export_1.csv"
    feed.write_text(
        "Handle    ,Title      ,Body (HTML),Vendor ,Type,Variant Price,Option1 Name,Option1 Value,"
        "Color (product.metafields.shopify.color-pattern),Fabric (product.metafields.shopify.fabric),"
        "Google Shopping / Age Group\n"
        "linen-shirt ,Linen Shirt ,<p>Airy</p>,Acme   ,Shirts,39.00,Size,M,Blue; White,Linen,adult\n"
        "linen-shirt ,,,,,39.00,,L,,,\n")
    products, errors = _rows(feed)
    assert errors == []
    shirt = products["linen-shirt"]
    assert (shirt.title, shirt.brand, shirt.price) == ("Linen Shirt", "Acme", 39.0)
    assert shirt.attributes == {"size": ["M", "L"], "color": ["Blue", "White"], "material": "Linen",
                                "age_group": "adult"}


def test_category_paths_split_on_their_own_separator_only():
    from retrieval.ingest.cleaning import split_category

    assert split_category("Toys & Games | Puzzles | Jigsaw Puzzles") == ["Toys & Games", "Puzzles", "Jigsaw Puzzles"]
    assert split_category("Cell Phones > Portable Chargers/Power Packs") == ["Cell Phones", "Portable Chargers/Power Packs"]
    assert split_category("Furniture / Living Room Furniture") == ["Furniture", "Living Room Furniture"]
    # Best Buy's JSON: the path as a list of {id, name} records
    assert split_category([{"id": "abcat0900000", "name": "Appliances"}, {"id": "x", "name": "Refrigerators"}]) \
        == ["Appliances", "Refrigerators"]
