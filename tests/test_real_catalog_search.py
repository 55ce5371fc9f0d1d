"""Searches on real catalogs (Shopify home export, Best Buy marketplace, Google merchandise feed), through the
real pipeline: what the shopper says about a gift's recipient steers the search, "not X" rules out the store's
own category for X, a sort orders the products that say what was asked, a wanted feature leaves out those that
do not say it (issue 9)."""

from __future__ import annotations

import re
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
def electronics(tmp_path_factory, embedder):
    services = real_store(tmp_path_factory.mktemp("bestbuy"), embedder, CATALOGS / "bestbuy_marketplace.csv")
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


def test_a_sort_orders_the_products_that_say_what_was_asked_not_what_resembles_them(electronics):
    talk = Conversation(electronics.chat)
    talk.say("Nintendo DS games")
    for message, pick in (("cheapest first", min), ("most expensive first", max)):
        ordered = talk.say(message)
        titles = [card.title for card in ordered.products]
        assert len(titles) >= 3 and all(title.endswith("Nintendo DS") for title in titles), titles  # no 3DS, Wii
        assert ordered.products[0].price == pick(card.price for card in ordered.products)
    more = talk.say("show me more")
    assert all(card.title.endswith("Nintendo DS") for card in more.products)


def test_a_wanted_feature_leaves_out_the_products_that_do_not_say_it(electronics):
    talk = Conversation(electronics.chat)
    talk.say("a corded phone under $100")
    cordless = talk.say("what about cordless handsets?")
    paths = categories(electronics, cordless)
    assert len(paths) >= 2 and all("cordless" in (card.title + " ".join(path)).lower()
                                   for card, path in zip(cordless.products, paths))


def test_best_rated_over_a_feed_without_ratings_says_there_are_none(electronics):
    talk = Conversation(electronics.chat)
    talk.say("Nintendo DS games")
    assert "no customer ratings" in talk.say("best rated").reply


def test_a_gift_for_a_pet_looks_at_pet_products(merch):
    dog = Conversation(merch.chat).say("something for my dog")
    assert len(dog.products) >= 2 and all("pet" in card.title.lower() for card in dog.products)


def test_a_category_named_by_one_word_takes_all_of_it_and_show_me_more_goes_on(home):
    talk = Conversation(home.chat)
    first = talk.say("something for the garden")
    more = talk.say("show me more")
    assert len(first.products) == 5 and more.products  # 7 products are 'Outdoor'
    assert all("Outdoor" in path for path in categories(home, first) + categories(home, more))
    assert not {card.id for card in first.products} & {card.id for card in more.products}


def test_cheaper_keeps_the_kind_not_the_whole_department(home):
    talk = Conversation(home.chat)
    talk.say("a lamp under $100")
    cheaper = talk.say("cheaper")
    assert cheaper.products and all("lamp" in card.title.lower() for card in cheaper.products)


def test_the_products_that_say_every_word_asked_are_the_answer(electronics):
    talk = Conversation(electronics.chat)
    cases = talk.say("an iPhone 6 case under $20")  # not the iPhone 5 cases that resemble them
    assert len(cases.products) >= 3 and all(
        re.search(r"iPhone\W* 6\b", card.title) and card.price <= 20 for card in cases.products)
    batteries = talk.say("AA batteries")
    assert re.search(r"\bAA\b", batteries.products[0].title)  # not AAA


def test_narrowing_to_a_feature_keeps_the_kind_and_leaves_out_the_rest(home, electronics):
    talk = Conversation(home.chat)
    chairs = talk.say("chairs")
    assert len(chairs.products) >= 2
    wooden = talk.say("wooden only")  # the catalog's wooden shelf and cabinet are no chairs
    assert wooden.products and all("chair" in card.title.lower() for card in wooden.products)
    talk = Conversation(electronics.chat)
    talk.say("cooktops")
    gas = talk.say("gas only")  # two of the three say so: only they
    assert len(gas.products) == 2 and all("Gas" in card.title for card in gas.products)


def test_a_feature_no_product_of_the_kind_states_is_said_plainly(merch):
    talk = Conversation(merch.chat)
    talk.say("water bottles")
    insulated = talk.say("insulated only")
    assert insulated.products and all("bottle" in card.title.lower() for card in insulated.products)
    assert "“insulated”" in insulated.reply and "closest" in insulated.reply


def test_something_described_like_a_named_kind_searches_the_kind(merch):
    talk = Conversation(merch.chat)
    talk.say("a zip hoodie")
    vests = talk.say("something lighter instead, like a vest")
    assert vests.intent.product_type == "vest"
    assert vests.products and all("vest" in card.title.lower() for card in vests.products)


def test_compare_it_with_a_product_named_but_not_shown(merch):
    talk = Conversation(merch.chat)
    talk.say("mugs")
    mug = talk.say("tell me about the first one").products[0]
    compared = talk.say("compare it with the cork base tumbler")
    assert [card.id for card in compared.products][:1] == [mug.id]
    assert len(compared.products) == 2 and "Tumbler" in compared.products[1].title


def test_an_accessory_for_the_product_shown_is_searched_as_the_accessory(electronics):
    talk = Conversation(electronics.chat)
    talk.say("a TV")
    mounts = talk.say("a wall mount for it")  # not the TVs again, "wall mounted"
    assert mounts.intent.product_type == "wall mount"
    assert len(mounts.products) >= 2 and all("Wall Mount" in card.title for card in mounts.products)
    assert "TV Wall Mount" in mounts.products[0].title  # for it: a TV's mount first


def test_ones_with_a_part_stay_in_the_kind_and_say_what_no_product_states(electronics):
    talk = Conversation(electronics.chat)
    talk.say("I'm looking for a refrigerator")
    bottom = talk.say("show me ones with a bottom freezer")  # the slice has top-freezer and side-by-side ones
    assert bottom.products and all("Refrigerator" in card.title for card in bottom.products)
    assert "“bottom freezer”" in bottom.reply
    assert not any(reason.startswith("matches") for card in bottom.products for reason in card.reasons)


def test_anything_cheaper_than_the_one_talked_about_is_a_search(electronics):
    talk = Conversation(electronics.chat)
    talk.say("a refrigerator")
    biggest = talk.say("which one is the biggest?").products[0]
    cheaper = talk.say("anything cheaper than that?")
    assert cheaper.products and all(card.price < biggest.price and "Refrigerator" in card.title
                                    for card in cheaper.products)


def test_something_for_a_room_shows_the_category_for_it(home):
    talk = Conversation(home.chat)
    room = talk.say("hi! I need something to decorate my living room")  # "decorate" is no product
    assert room.intent.product_type is None and room.intent.category == "Indoor"
    assert len(room.products) >= 3 and all("Indoor" in path for path in categories(home, room))


def test_a_kind_the_store_lacks_is_said_plainly_and_a_synonym_is_not_a_lack(merch):
    talk = Conversation(merch.chat)
    sneakers = talk.say("do you sell sneakers?")  # no shoes at all in the merchandise store
    assert sneakers.reply.startswith("I have nothing that says “sneakers”") and "closest" in sneakers.reply
    tees = talk.say("a t-shirt between 20 and 25 dollars")  # the store's "Tee"s are t-shirts
    assert tees.intent.product_type == "t-shirt" and tees.reply.startswith("Here are")
    assert all("Tee" in card.title or "T-Shirt" in card.title for card in tees.products)


def test_a_name_with_a_brand_before_a_comma_is_written_whole(merch):
    talk = Conversation(merch.chat)
    organizers = talk.say("a laptop organizer")
    assert organizers.products[0].title.startswith("Google, LLCognito")
    assert "the Google, LLCognito" in organizers.reply


def test_a_kind_named_inside_a_compound_is_that_kind(electronics):
    talk = Conversation(electronics.chat)
    phones = talk.say("a corded phone under $100")  # the slice's corded phones are "Corded Speakerphone"s
    assert phones.reply.startswith("Here are") and all("phone" in card.title.lower() for card in phones.products)


def test_a_colour_after_a_kind_keeps_the_kind(merch):
    talk = Conversation(merch.chat)
    for kind, colour, word in (("water bottles", "an olive one", "Bottle"), ("journals", "a red one", "Journal")):
        talk.say(kind)
        one = talk.say(colour)  # the one of that colour, not tees of that colour filling the list
        assert one.products and all(word in card.title for card in one.products), (kind, colour)


def test_the_same_kind_for_another_target(electronics):
    talk = Conversation(electronics.chat)
    talk.say("a dash kit for a Toyota RAV4")
    accord = talk.say("what about for a Honda Accord?")
    assert accord.products and all("Dash Kit" in card.title and "Honda Accord" in card.title
                                   for card in accord.products)


def test_what_can_be_bought_comes_before_what_cannot(merch):
    talk = Conversation(merch.chat)
    for message in ("a gift for a 10 year old", "a zip hoodie", "mugs and bottles"):
        stock = [card.in_stock for card in talk.say(message).products]
        assert stock == sorted(stock, reverse=True), message  # in stock first, out of stock after
