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


@pytest.fixture(scope="module")
def merch() -> CatalogVocabulary:
    return vocabulary_of("google_retail_products.jsonl")


def test_instead_keeps_the_budget_the_shopper_stated_not_the_ceiling_cheaper_moved_to(shopify):
    lamps = extract_intent("a lamp under $100", shopify)
    cheaper = extract_intent("cheaper", shopify, IntentContext(previous=lamps, shown_prices=[69.99, 19.99]))
    assert cheaper.price.max < 69.99
    in_black = extract_intent("in black", shopify, IntentContext(previous=cheaper, shown_prices=[19.99]))
    assert in_black.price.max == cheaper.price.max  # a refinement keeps the move
    outside = extract_intent("something for outside instead", shopify, IntentContext(previous=in_black))
    assert outside.price.max == 100 and outside.category == "Outdoor"
    stated = extract_intent("under $30", shopify, IntentContext(previous=cheaper))
    assert stated.price.max == 30 and not stated.price.moved


def test_ruling_out_a_category_by_another_word_rules_out_the_stores_name_for_it(merch):
    assert set(extract_intent("something for a kid, not clothes", merch).exclude.terms) == {"clothes", "Apparel"}


@pytest.mark.parametrize("text, product_type", [
    ("a gift for my dad, he drinks a lot of coffee", "coffee"),  # "drinks" is what he does, not the product
    ("she loves gardening", None), ("i need a lamp", "lamp"),
])
def test_what_a_person_does_is_no_product(shopify, text, product_type):
    assert extract_intent(text, shopify).product_type == product_type


def test_ruling_out_kids_rules_out_every_word_stores_use_for_childrens_lines(merch):
    intent = extract_intent("no kids' sizes", merch)
    assert intent.attributes == {}  # "sizes" is no size S
    assert {"youth", "toddler", "infant"} <= set(intent.exclude.terms)


@pytest.mark.parametrize("text, category", [("something for the garden", "Outdoor"), ("outdoor things", "Outdoor")])
def test_department_words_name_the_stores_department(shopify, text, category):
    assert extract_intent(text, shopify).category == category
