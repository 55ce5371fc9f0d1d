"""Catalog enrichment at ingest (retrieval/enrichment), on the committed real catalogs in tests/data/catalogs:
brands learnt from titles, attributes read from titles, descriptions and tags, provenance, catalog stats."""

from __future__ import annotations

import csv
import json
import shutil

import pytest

from retrieval.enrichment import BrandLearner, derive, enrich, learn_brands
from retrieval.enrichment.attributes import (
    find_colors, find_materials, find_size, parse_age_range, parse_dimensions, parse_pack_count, parse_piece_count)
from retrieval.enrichment.stats import catalog_stats
from retrieval.ingest.pipeline import ingest_products, read_feed
from retrieval.models import Product, SearchRequest
from retrieval.search import Retriever

from conftest import FEEDS

CATALOGS = FEEDS.parent / "catalogs"
BESTBUY = CATALOGS / "bestbuy_marketplace.csv"
RETAIL = CATALOGS / "google_retail_products.jsonl"
SHOPIFY = CATALOGS / "shopify_packt_home.csv"


def _products(path, **kw) -> list[Product]:
    return [row[1] for row in read_feed(path, **kw) if isinstance(row, tuple)]


def _bestbuy_truth() -> dict[str, str]:
    with open(CATALOGS / "bestbuy_marketplace_brands.csv", newline="") as handle:
        return {row["Uniq Id"]: row["manufacturer"] for row in csv.DictReader(handle)}


# ---------------------------------------------------------------- parsers

@pytest.mark.parametrize("text, age", [
    ("LEGO Classic Medium Creative Brick Box, Ages 4+", "4+ years"),
    ("ages 3+", "3+ years"),
    ("Science kit for ages 8-12", "8-12 years"),
    ("8-12 years", "8-12 years"),
    ("for ages 8 to 12 years", "8-12 years"),
    ("Recommended for 3 years and up", "3+ years"),
    ("14 years and older", "14+ years"),
    ("Soft blocks, 18 months and up", "18+ months"),
    ("A push toy for toddlers", "1-3 years"),
    ("2-3 years warranty", None),  # a warranty, not an age
    ("ages 3+ or 8-12 years", None),  # two different ages: say nothing
    ("Model 2000, 120 V", None),
])
def test_age_ranges(text, age):
    assert parse_age_range(text) == age


@pytest.mark.parametrize("text, pieces", [
    ("Ravensburger Puzzle 1000 Piece Jigsaw", 1000), ("1000-piece", 1000), ("1,000 Pieces", 1000),
    ("Dinosaur figures (4 Pc)", 4), ("500pc", 500), ("one piece swimsuit", None), ("1 piece", None),
])
def test_piece_counts(text, pieces):
    assert parse_piece_count(text) == pieces


@pytest.mark.parametrize("text, packs", [
    ("Sparkling water, pack of 6", 6), ("6-pack", 6), ("Duracell - AAA Batteries (4-Pack)", 4),
    ("Dinner plates, set of 4", 4), ("Six-Pack", 6), ("Trash bags, 40 count", 40),
    ("400 thread count sheets", None), ("Hiking Backpack", None), ("pack of 6 and a 12-pack", None),
])
def test_pack_counts(text, packs):
    assert parse_pack_count(text) == packs


@pytest.mark.parametrize("text, dimensions", [
    ('Desk 24"W x 18"D x 30"H', "24 x 18 x 30 in"), ("Poster, 14 x 19 inches", "14 x 19 in"),
    ("Rug 160 x 230 cm", "160 x 230 cm"), ("1920 x 1080 display", None), ("2x4 stud", None),
])
def test_dimensions_need_a_unit(text, dimensions):
    assert parse_dimensions(text) == dimensions


@pytest.mark.parametrize("title, colors", [
    ("Isaac Mizrahi New York - Hard Shell Case for Samsung Galaxy S 5 Cell Phones - Navy/Pink/White",
     ["navy", "pink", "white"]),
    ("Insignia™ - 12-Cup Coffeemaker - Stainless-Steel/Black", ["black"]),
    ("GE - 25.4 Cu. Ft. Side-by-Side Refrigerator - High-Gloss White", ["white"]),
    ("Android Iconic Hat Green", ["green"]),
    ("Mossbury Boucle Throw Pillow, Charcoal Grey", ["charcoal grey"]),  # the shade is part of the colour
    ("Phone Case Space Gray", ["space grey"]),
    ("Google Camp Mug Gray", ["grey"]),
    ("Incase - Quick Snap Case for Apple® iPhone® 6 - Blue Moon Soft Touch", []),  # not only colour words
    ("Red Dead Redemption 2", []),
    ("White Noise Machine", []),
    ("Sweet Orange Marmalade", []),
])
def test_colours_only_where_the_title_states_them(title, colors):
    assert find_colors(title) == colors


@pytest.mark.parametrize("title, materials", [
    ("Wooden Cabinet", ["wood"]), ("Stainless Steel Water Bottle", ["stainless steel"]),
    ("Faux Leather Jacket", ["faux leather"]), ("Leather Cleaner for Sofas", []), ("Plastic-Free Water Bottle", []),
    ("Steam Iron", []), ("Metal Detector", []), ("Bed Linen Set", []),
    ("Saucepan with Tempered Glass Lid", []),  # a part, not what the pan is made of
    ("Fleece-Lined Suede Slippers", ["suede"]),
    ("Linen & Loft Deep-Pocket Sheet Set", []), ("Ember & Oak Cast Iron Frying Pan", ["cast iron"]),  # brand names
])
def test_materials(title, materials):
    assert find_materials(title) == materials


def test_materials_from_a_description_need_a_cue():
    assert find_materials("Crew Sweater", "Made of 100% merino wool. Hand wash.") == ["merino wool"]
    assert find_materials("Crew Sweater", "Pairs well with leather boots.") == []


@pytest.mark.parametrize("title, size", [
    ("Men's Trail Running Shoe Size 10", "10"), ("Queen Size Sheet Set", "Queen"),
    ('Samsung - 55" Class (54.6" Diag.) - LED - 2160p', "55 in"), ("Zip Hoodie (XL)", "XL"),
    ('Rocketfish - TV Wall Mount for Most 13" - 26" Flat-Panel TVs - Black', None),
])
def test_sizes(title, size):
    assert find_size(title) == size


# ---------------------------------------------------------------- brands

def test_brandless_marketplace_slice_gets_its_brands_learnt():
    products = _products(BESTBUY)
    truth = _bestbuy_truth()
    assert all(p.brand is None for p in products)  # the feed has no brand column
    report = enrich(products)
    by_title = {p.title: p for p in products}
    assert by_title["Duracell - AAA Batteries (4-Pack)"].brand == "Duracell"
    assert by_title["Team ProMark - NFL Atlanta Falcons Bump Case for Apple® iPhone® 6 - Black"].brand \
        == "Team ProMark"
    assert by_title["Isaac Mizrahi New York - Hard Shell Case for Samsung Galaxy S 5 Cell Phones - Navy/Pink/White"] \
        .brand == "Isaac Mizrahi New York"
    assert by_title["Air Conflicts: Vietnam - PRE-OWNED - Xbox 360"].brand is None  # a game: the title is the work
    branded = [p for p in products if p.brand]
    games = [p for p in products if "Video Games" in p.category]
    assert len(games) == 27
    assert len(branded) >= 0.75 * (len(products) - len(games))  # most of what can have a brand gets one
    wrong = [(p.title, p.brand) for p in branded if p.brand.lower() != truth[p.id].replace("™", "").lower()]
    assert wrong == []  # and none gets a wrong one
    assert all(p.provenance["brand"] == "derived" for p in branded)
    assert report.derived["brand"] == len(branded) and report.brands_learned >= 10


def test_brands_learnt_from_retail_titles_match_the_brands_the_feed_withheld():
    records = [json.loads(line) for line in RETAIL.read_text().splitlines()]
    brands = learn_brands((r["title"], None, r["categories"]) for r in records)
    assert set(brands.learned()) == {"Google", "Android", "YouTube", "#IamRemarkable"}
    right = sum(brands.match(r["title"], r["categories"]) == (r.get("brands") or [None])[0] for r in records)
    assert right >= 0.9 * len(records)
    assert brands.match("Android Iconic Hat Green") == "Android"
    assert brands.match("Google Mountain View Campus Tee") == "Google"  # a product line, not a brand


def test_generic_words_and_one_product_in_many_colours_are_not_brands():
    titles = ["Set of 4 Wine Glasses", "Set of 6 Mugs", "Set of 2 Bowls", "Kids Rain Boots", "Kids Raincoat",
              "Kids Umbrella", "New Arrival Lamp", "New Arrival Rug", "New Arrival Vase",
              "Crew Neck Tee - Navy", "Crew Neck Tee - White", "Crew Neck Tee - Black", "Crew Neck Tee - Red"]
    learner = BrandLearner()
    for title in titles:
        learner.observe(title)
    brands = learner.learn()
    assert brands.learned() == {}
    assert all(brands.match(t) is None for t in titles)


def test_the_feeds_own_brands_name_the_products_it_left_without_one():
    products = [Product(id="1", title="Acme Rocket Skates", brand="ACME"),
                Product(id="2", title="Acme Anvil, 50 lb"), Product(id="3", title="Zenith Radio")]
    enrich(products)
    assert (products[1].brand, products[1].provenance["brand"]) == ("ACME", "derived")
    assert products[0].provenance["brand"] == "feed" and products[2].brand is None


# ---------------------------------------------------------------- feed values and provenance

def test_feed_values_are_never_overwritten_and_provenance_says_which_is_which():
    products = {p.id: p for p in _products(SHOPIFY)}
    enrich(list(products.values()))
    gloves = products["gardening-gloves"]  # a Color option over two variants in the feed
    assert gloves.attributes == {"color": ["Green", "Yellow"]}  # as the feed wrote it (tags say the same)
    assert gloves.provenance == {"brand": "feed", "color": "feed"}
    armchairs = products["black-armchairs"]  # title "Black Armchairs", tags "Black, Suede"
    assert (armchairs.attributes, armchairs.brand) == ({"color": "black", "material": "suede"}, "Company 123")
    assert armchairs.provenance == {"brand": "feed", "color": "derived", "material": "derived"}
    # a feed colour stays as the feed wrote it even where the title names another
    product = Product(id="x", title="Trail Shoe - Red", attributes={"color": "Crimson"}, brand="Acme")
    derive(product)
    assert product.attributes == {"color": "Crimson"} and product.provenance == {"brand": "feed", "color": "feed"}


def test_retail_feed_colours_win_over_title_colours():
    products = {p.id: p for p in _products(RETAIL)}
    report = enrich(list(products.values()))
    tee = next(p for p in products.values() if p.title == "Google Heather Green Speckled Tee")
    assert tee.attributes["color"] == "Green" and tee.provenance["color"] == "feed"  # colorInfo.colorFamilies
    collar = next(p for p in products.values() if p.title == "Google Large Pet Collar (Red/Yellow)")
    assert collar.attributes["color"] == ["red", "yellow"] and collar.provenance["color"] == "derived"
    toddler = next(p for p in products.values() if p.title.startswith("Android Pocket Toddler Tee"))
    assert toddler.attributes["age_range"] == "1-3 years"
    assert report.derived["brand"] == 2  # the two rows without "brands"


# ---------------------------------------------------------------- through the ingest pipeline

def _search(home, embedder, query, **kw):
    return Retriever(home, embedder).search(SearchRequest(query=query, **kw)).results


def test_ingest_enriches_a_brandless_feed_and_filters_use_what_was_derived(home, embedder):
    report = ingest_products(home, embedder, read_feed(BESTBUY), replace=True)
    assert report.ingested == 187 and report.enrichment.derived["brand"] >= 120
    assert report.enrichment.top_brands["Metra"] == 42
    products = home.open_active().products
    batteries = products.get("43900")
    assert (batteries.brand, batteries.attributes["pack_count"]) == ("Duracell", "4")
    assert batteries.provenance == {"brand": "derived", "pack_count": "derived"}
    hits = _search(home, embedder, "batteries", brand="Duracell")
    assert {h.id for h in hits} == {"43900", "48530"}
    pink = _search(home, embedder, "phone case", color="pink", k=20)
    assert pink and all("pink" in products.get(h.id).attribute_values("color") for h in pink)
    # re-ingesting the same feed keeps what was derived and embeds nothing again
    vectors = home.open_active().vectors.count()
    again = ingest_products(home, embedder, read_feed(BESTBUY))
    assert (again.ingested, again.updated) == (0, 187) and home.open_active().vectors.count() == vectors
    assert home.open_active().products.get("43900").brand == "Duracell"
    # another feed into the same catalog: its report counts its own derived brands, not the catalog's
    other = ingest_products(home, embedder, read_feed(RETAIL))
    assert other.ingested == 200 and other.enrichment.derived["brand"] == 2
    assert home.open_active().products.get("43900").brand == "Duracell"


def test_ingest_without_enrichment_takes_the_feed_as_it_is(home, embedder):
    report = ingest_products(home, embedder, read_feed(BESTBUY), replace=True, enrich=False)
    assert report.enrichment is None
    batteries = home.open_active().products.get("43900")
    assert batteries.brand is None and batteries.attributes == {} and batteries.provenance == {}


def test_a_feed_brand_arriving_later_replaces_the_derived_one(home, embedder, tmp_path):
    rows = [{"id": f"M-{i}", "title": f"Metra - Dash Kit {name}", "price": 10 + i}
            for i, name in enumerate(["Toyota", "Honda", "Ford"])]
    feed = tmp_path / "feed.jsonl"
    feed.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    ingest_products(home, embedder, read_feed(feed))
    assert home.open_active().products.get("M-0").provenance["brand"] == "derived"
    feed.write_text(json.dumps({**rows[0], "brand": "Metra Electronics"}) + "\n")
    ingest_products(home, embedder, read_feed(feed))
    product = home.open_active().products.get("M-0")
    assert (product.brand, product.provenance["brand"]) == ("Metra Electronics", "feed")


# ---------------------------------------------------------------- catalog stats

def test_catalog_stats_figures_on_a_tiny_fixture():
    products = [
        Product(id="a", title="A", brand="Acme", price=5, category=["Toys"], attributes={"color": "red"},
                provenance={"brand": "feed", "color": "feed"}),
        Product(id="b", title="B", brand="Acme", price=None, attributes={"color": "blue", "age_range": "3+ years"},
                provenance={"brand": "derived", "color": "derived", "age_range": "derived"}, rating=4.5),
        Product(id="c", title="C", image_url="http://x/c.jpg", variants=[{"options": {"color": "Green"}}]),
        Product(id="d", title="D", price=1.0),
    ]
    stats = catalog_stats(products, version="v1")
    assert stats.products == 4 and stats.version == "v1"
    f = stats.fields
    assert (f["brand"].feed, f["brand"].derived, f["brand"].feed_share, f["brand"].derived_share) == (1, 1, 0.25, 0.25)
    assert (f["color"].feed, f["color"].derived) == (2, 1)  # product c's colour is a variant option
    assert (f["price"].feed, f["price"].derived, f["price"].feed_share) == (2, 0, 0.5)
    assert (f["age_range"].feed, f["age_range"].derived) == (0, 1)
    assert (f["category"].feed, f["rating"].feed, f["image"].feed) == (1, 1, 1)
    assert f["dimensions"].feed == f["dimensions"].derived == 0 and f["dimensions"].missing_share == 1.0


def test_catalog_stats_command(monkeypatch, tmp_path, embedder, capsys):
    from assistant.cli import main
    from assistant.config import Settings
    from retrieval.catalog import CatalogHome
    from retrieval.vector_store import chroma_client

    monkeypatch.setenv("SHOPASSIST_HOME", str(tmp_path / "home"))
    assert main(["catalog", "stats", "--json"]) == 0  # no catalog yet
    assert json.loads(capsys.readouterr().out)["products"] == 0
    settings = Settings(home=tmp_path / "home")
    home = CatalogHome(settings.catalog_dir, chroma_client(settings.chroma_dir))
    shutil.copy(SHOPIFY, tmp_path / "shop.csv")
    ingest_products(home, embedder, read_feed(tmp_path / "shop.csv"))
    assert main(["catalog", "stats", "--json"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["products"] == 20
    assert body["fields"]["brand"] == {"feed": 20, "derived": 0, "feed_share": 1.0, "derived_share": 0.0}
    assert body["fields"]["color"]["feed"] == 1 and body["fields"]["color"]["derived"] == 16
    assert main(["catalog", "stats"]) == 0
    table = capsys.readouterr().out
    assert "20 products" in table and "material" in table
