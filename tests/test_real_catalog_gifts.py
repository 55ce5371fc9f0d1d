"""Gift requests and exclusions on real catalogs (Shopify home export, Google merchandise feed), through the real
pipeline: what the shopper says about the person steers the search, and "not X" rules out the store's own
category for X (issue 9)."""

from __future__ import annotations

from pathlib import Path

import pytest
from chat_helpers import Conversation
from test_real_catalog_chat import real_store

CATALOGS = Path(__file__).parent / "data" / "catalogs"


@pytest.fixture(scope="module")
def home(tmp_path_factory, embedder):
    services = real_store(tmp_path_factory.mktemp("shopify"), embedder, CATALOGS / "shopify_packt_home.csv")
    yield services
    services.close()


@pytest.fixture(scope="module")
def merch(tmp_path_factory, embedder):
    services = real_store(tmp_path_factory.mktemp("google"), embedder, CATALOGS / "google_retail_products.jsonl")
    yield services
    services.close()


def categories(store, response) -> list[list[str]]:
    return [store.retriever.get_product(card.id).category for card in response.products]


def test_an_interest_narrows_a_gift_search_to_what_fits_it(home):
    talk = Conversation(home.chat)
    talk.say("a housewarming present for my sister under $30")
    garden = talk.say("she loves gardening")
    assert len(garden.products) >= 2 and all(card.price <= 30 for card in garden.products)
    assert all("Outdoor" in path for path in categories(home, garden))  # no cabinets or tables as filler


def test_a_gift_for_an_interest_the_store_has_no_word_for_finds_what_is_close(home):
    talk = Conversation(home.chat)
    coffee = talk.say("a gift for my dad, he drinks a lot of coffee")
    assert coffee.products and coffee.products[0].id in {"metal-mug", "ceramic-pitcher"}


def test_not_a_category_leaves_out_what_the_store_files_under_it(merch):
    talk = Conversation(merch.chat)
    first = talk.say("youtube")
    assert any("Apparel" in path for path in categories(merch, first))
    rest = talk.say("not apparel")
    assert rest.products and not any("Apparel" in path for path in categories(merch, rest))
