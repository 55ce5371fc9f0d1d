"""The rules read requests with a real store's own vocabulary (the slices in tests/data/catalogs/, no
embeddings needed): category names, tags and title words of catalogs nobody here wrote (issue 9)."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.intent.extractor import CatalogVocabulary, IntentContext, extract_intent
from retrieval.ingest.fields import RowError
from retrieval.ingest.pipeline import read_feed
from retrieval.intent import Intent

CATALOGS = Path(__file__).parent / "data" / "catalogs"


def vocabulary_of(name: str) -> CatalogVocabulary:
    return CatalogVocabulary.from_products(row[1] for row in read_feed(CATALOGS / name)
                                           if not isinstance(row, RowError))


@pytest.fixture(scope="module")
def bestbuy() -> CatalogVocabulary:
    return vocabulary_of("bestbuy_marketplace.csv")


@pytest.fixture(scope="module")
def shopify() -> CatalogVocabulary:
    return vocabulary_of("shopify_packt_home.csv")


@pytest.mark.parametrize("text, product_type, category", [
    ("a TV", "tv", "TVs"),  # 'TVs' is the category, not 'TV & Home Theater Accessories' that only starts with it
    ("TV wall mounts", "tv wall mounts", None),  # 'tv' modifies: mounts are no TVs
    ("a flat iron", "flat iron", None),  # the titles saying "flat iron" are hair straighteners, not 'Irons'
    ("a gas cooktop", "gas cooktop", "Cooktops"),  # the category's own titles say "gas"
    ("iphone cases", "iphone cases", "iPhone Cases & Clips"),
])
def test_a_category_is_named_only_when_its_products_fit_the_words(bestbuy, text, product_type, category):
    intent = extract_intent(text, bestbuy)
    assert (intent.product_type, intent.category) == (product_type, category)


@pytest.mark.parametrize("text, product_type", [("a table under $100", "table"), ("a lamp", "lamp")])
def test_a_tag_that_names_the_kind_of_product_is_the_product_type_not_a_feature(shopify, text, product_type):
    intent = extract_intent(text, shopify)  # the Shopify export tags tables "Table" and lamps "Lamp"
    assert intent.product_type == product_type and intent.features == []


def test_a_tag_that_describes_stays_a_feature(shopify):
    assert extract_intent("a round table", shopify).features == ["Round"]


@pytest.mark.parametrize("text, sort", [
    ("sort them by price, lowest first", "price_asc"), ("sort by price, highest first", "price_desc"),
    ("by price", "price_asc"), ("order them from most expensive", "price_desc"),
    ("most expensive to cheapest", "price_desc"),
])
def test_sort_phrases_set_the_order_and_name_no_product(shopify, text, sort):
    previous = Intent(product_type="garden", query="garden")
    intent = extract_intent(text, shopify, IntentContext(previous=previous))
    assert intent.sort == sort and intent.product_type == "garden"
