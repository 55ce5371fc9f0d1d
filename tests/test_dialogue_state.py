"""The dialogue rules of assistant/intent/context.py's table, one test per row, on the rules alone (no
catalog): what a follow-up keeps of the request before it and what it replaces."""

from __future__ import annotations

import pytest

from assistant.chat import cues
from assistant.intent import IntentContext, extract_intent
from retrieval.models import Product, SearchHit
from tools.catalog import is_match, sort_matches
from tools.gifts import age_fits, recipient_age

GIFT = extract_intent("a board game for a 7 year old boy under $30, not Hasbro")


def follow(text: str, previous=GIFT, prices=(20.0, 25.0, 40.0)):
    return extract_intent(text, context=IntentContext(previous=previous, shown_product_ids=["a", "b", "c"][:len(prices)],
                                                      shown_prices=list(prices)))


def test_a_new_product_type_starts_a_new_request():
    shoes = extract_intent("running shoes under $80 in blue")
    tents = follow("show me tents", previous=shoes)
    assert tents.action == "search" and tents.product_type == "tents"
    assert tents.price.max is None and "color" not in tents.attributes


def test_something_for_a_new_purpose_starts_a_new_request():
    lamps = extract_intent("floor lamps under $80 in black")
    balcony = follow("something for my balcony", previous=lamps)
    assert balcony.action == "search" and balcony.product_type is None and balcony.query == "balcony"
    assert balcony.price.max is None and "color" not in balcony.attributes
    assert follow("something cheaper", previous=lamps).action == "refine"  # a move, not a purpose
    desk = follow("something for their desk", previous=extract_intent("a small gift for a coworker under $20"))
    assert (desk.query, desk.price.max, desk.recipient) == ("desk", 20, "coworker")  # the gift goes on


def test_an_accessory_for_it_is_a_new_request_for_the_last_kind():
    tv = extract_intent("a 55 inch tv under $600")
    mount = follow("a wall mount for it", previous=tv)
    assert mount.action == "search" and mount.product_type == "wall mount" and set(mount.query.split()) == {
        "tv", "wall", "mount"}
    assert mount.price.max is None  # the TV's budget was the TV's
    assert follow("a case for it", previous=extract_intent("an iphone 6")).query.split()[-1] == "case"


@pytest.mark.parametrize("before, message, kind, wanted", [
    ("a dash kit for a Toyota RAV4", "for a Honda Element instead", "dash kit", "honda element"),
    ("Nintendo DS games", "what about for the 3DS?", "games", "3ds"),  # 'ds' is replaced by '3ds'
    ("iphone 6 cases", "and for the iphone 5?", "cases", "iphone 5"),
])
def test_for_another_target_keeps_the_kind_and_wants_the_new_target(before, message, kind, wanted):
    after = follow(message, previous=extract_intent(before))
    assert (after.action, after.product_type, after.features[-1]) == ("refine", kind, wanted)
    assert follow("for my dad", previous=extract_intent(before)).recipient == "my dad"  # a person, not a fit


def test_a_refinement_keeps_the_rest():
    blue = follow("in blue")
    assert blue.action == "refine" and blue.product_type == "board game" and blue.attributes["color"] == "blue"
    assert blue.price.max == 30 and blue.exclude.brands == ["Hasbro"] and blue.recipient == "7 year old boy"


@pytest.mark.parametrize("text, wanted", [("something more creative instead", "creative"),
                                          ("what about puzzles instead", "puzzles"),
                                          ("I would rather have a puzzle", "puzzle")])
def test_instead_replaces_what_is_wanted_and_keeps_the_budget_and_the_recipient(text, wanted):
    intent = follow(text)
    assert intent.action == "search" and wanted in intent.query and "board" not in intent.query
    assert intent.price.max == 30 and intent.recipient == "7 year old boy" and intent.exclude.brands == ["Hasbro"]


def test_instead_of_a_brand_is_a_negation_not_a_new_want():
    intent = follow("instead of hasbro")
    assert intent.product_type == "board game" and "Hasbro" in intent.exclude.brands


def test_cheaper_goes_below_the_median_shown_never_below_all_of_it():
    assert follow("cheaper").price.max == 24.99
    assert follow("cheaper", prices=(5.49, 5.49)).price.max == 5.48
    assert follow("more expensive").price.min == 25.01


@pytest.mark.parametrize("text, sort", [("cheapest first", "price_asc"), ("lowest price first", "price_asc"),
                                        ("best rated", "rating"), ("best rated first", "rating"),
                                        ("newest first", "newest"), ("sort by price", "price_asc"),
                                        ("most expensive first", "price_desc")])
def test_a_sort_orders_the_same_request(text, sort):
    intent = follow(text)
    assert intent.sort == sort and intent.product_type == "board game" and intent.price.max == 30
    assert intent.reference is None  # "first" in "cheapest first" is the order, not the first product


def test_show_me_more_keeps_the_request():
    more = follow("show me more")
    assert more.action == "refine" and more.product_type == "board game" and more.price.max == 30


# ---------------------------------------------------------------- what the search tool keeps and how it orders


def hit(pid: str, similarity: float | None, bm25: int | None) -> SearchHit:
    return SearchHit(id=pid, title=pid, price=1.0, currency="USD", category=[], score=0.1,
                     dense_similarity=similarity, bm25_rank=bm25)


def test_only_matches_are_shown_never_filler():
    assert is_match(hit("batteries", 0.48, 1)) and is_match(hit("power bank", 0.33, 4))
    assert not is_match(hit("memory card for '10 year old'", 0.13, 2))  # a word matched, the meaning did not
    assert not is_match(hit("microphone for 'headphones'", 0.36, None))  # close, but not the thing asked for
    assert is_match(hit("sneakers for 'running shoes'", 0.55, None)) and is_match(hit("bm25 only", None, 3))
    assert not is_match(hit("a TV for 'tv wall mounts'", 0.40, 8), best=0.66)  # far below the mounts found
    assert is_match(hit("power bank for 'batteries'", 0.33, 4), best=0.52)
    # the store has the word ("garden" finds gloves): pots and cans as close in meaning count, not a far vase
    assert is_match(hit("watering can", 0.35, None), best=0.39, worded=True)
    assert not is_match(hit("wicker vase", 0.27, None), best=0.39, worded=True)
    assert not is_match(hit("microphone for 'headphones'", 0.36, None), best=0.36, worded=False)


def test_sorts_put_products_without_the_value_last():
    products = [Product(id="a", title="a", price=30.0, rating=4.0, review_count=5),
                Product(id="b", title="b", price=None, rating=4.9, review_count=50),
                Product(id="c", title="c", price=10.0)]
    pairs = [(hit(p.id, 0.5, 1), p) for p in products]
    assert [p.id for _, p in sort_matches(pairs, "price_asc")] == ["c", "a", "b"]
    assert [p.id for _, p in sort_matches(pairs, "price_desc")] == ["a", "c", "b"]
    assert [p.id for _, p in sort_matches(pairs, "rating")] == ["b", "a", "c"]
    assert [p.id for _, p in sort_matches(pairs, "relevance")] == ["a", "b", "c"]


# ---------------------------------------------------------------- gifts


@pytest.mark.parametrize("recipient, age", [("7 year old boy", 7.0), ("my 8-year-old", 8.0), ("5yo", 5.0),
                                            ("3 month old baby", 0.25), ("my toddler", 2.0),
                                            ("my teenage daughter", 15.0), ("my dad", None)])
def test_a_recipient_reads_as_an_age(recipient, age):
    assert recipient_age(recipient) == age


def test_a_stated_age_range_includes_or_excludes_an_age():
    puzzle = Product(id="p", title="Puzzle", attributes={"age_range": "8-12 years"})
    blocks = Product(id="b", title="Blocks", attributes={"age_range": "18+ months"})
    assert age_fits(puzzle, 10) is True and age_fits(puzzle, 5) is False
    assert age_fits(blocks, 2) is True and age_fits(blocks, 1) is False
    assert age_fits(Product(id="x", title="Mug"), 7) is None


def test_letting_go_of_a_constraint_drops_it_and_keeps_the_rest():
    shoes = extract_intent("running shoes under $100 in blue")
    relaxed = follow("any color is fine, but cheaper", previous=shoes, prices=(50.0, 80.0, 90.0))
    assert relaxed.action == "refine" and relaxed.product_type == "running shoes"
    assert "color" not in relaxed.attributes and relaxed.price.max == 79.99
    assert "color" not in follow("size doesn't matter, any colour", previous=shoes).attributes


@pytest.mark.parametrize("text, n", [("add two", 2), ("add 3 pens", 3), ("add 2 of the second one", 2),
                                     ("add it", 1), ("add the first one to my cart", 1)])
def test_how_many_to_add(text, n):
    assert cues.quantity(text) == n


def test_asking_for_the_total_shows_the_cart():
    assert cues.wants_cart("what's my total?") and not cues.wants_cart("total wireless earbuds")


@pytest.mark.parametrize("text", ["do you ship for free?", "do you offer gift wrapping?"])
def test_store_service_questions_are_policy_questions(text):
    assert extract_intent(text).action == "policy_question"
