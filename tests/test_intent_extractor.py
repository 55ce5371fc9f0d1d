"""The deterministic intent extractor: money, attributes, brands, negations, actions, context, robustness, quality."""

from __future__ import annotations

import json
import os
import statistics
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.intent.context import merge_intents, step_size
from assistant.intent.evaluation import (DEFAULT_SET, FIELDS, MONEY_FIELDS, MONEY_SET, IntentExample,
                                         evaluate_intents, format_table, intent_facts, load_examples)
from assistant.intent.extractor import CatalogVocabulary, IntentContext, extract_intent
from assistant.intent.money import extract_price
from retrieval.intent import Exclusions, Intent, PriceConstraint
from retrieval.demo.catalog_generator import generate_catalog
from retrieval.demo.taxonomy import DEPARTMENTS

# Real external data beside the checkout (../shared/data); SHOPASSIST_SHARED_DATA points elsewhere.
SHARED_DATA = Path(os.environ.get("SHOPASSIST_SHARED_DATA") or Path(__file__).resolve().parents[2] / "shared" / "data")
EVAL_SET = DEFAULT_SET


@pytest.fixture(scope="module")
def vocabulary() -> CatalogVocabulary:
    return CatalogVocabulary.from_products(generate_catalog(n=2000, seed=7))


def parse(text, vocabulary=None, **context):
    return extract_intent(text, vocabulary, IntentContext(**context) if context else None)


# ---------------------------------------------------------------- money


@pytest.mark.parametrize("text, low, high, currency", [
    ("nike running shoes under $80", None, 80, "USD"),
    ("less than 50 euros", None, 50, "EUR"),
    ("below £30", None, 30, "GBP"),
    ("at most 120 USD", None, 120, "USD"),
    ("no more than 40 dollars", None, 40, "USD"),
    ("$25 or less", None, 25, "USD"),
    ("up to 200 bucks", None, 200, "USD"),
    ("max 60", None, 60, None),
    ("$60 max", None, 60, "USD"),
    ("budget of 300", None, 300, None),
    ("within $100", None, 100, "USD"),
    ("over $100", 100, None, "USD"),
    ("more than 20 dollars", 20, None, "USD"),
    ("at least 30 euros", 30, None, "EUR"),
    ("$50 and up", 50, None, "USD"),
    ("from $20", 20, None, "USD"),
    ("starting at $15", 15, None, "USD"),
    ("between 20 and 40 euros", 20, 40, "EUR"),
    ("from $20 to $40", 20, 40, "USD"),
    ("$20-40", 20, 40, "USD"),
    ("20-40 dollars", 20, 40, "USD"),
    ("$20 to $40", 20, 40, "USD"),
    ("around $50", 40, 60, "USD"),
    ("around fifty bucks", 40, 60, "USD"),
    ("under twenty dollars", None, 20, "USD"),
    ("a hundred bucks max", None, 100, "USD"),
    ("laptop under 10k", None, 10000, None),
    ("99 cents", None, 0.99, "USD"),
    ("$1,299.99 laptop", None, 1299.99, "USD"),
    ("20€ gift", None, 20, "EUR"),
    ("price lower than 50.00 dollars", None, 50, "USD"),
    ("over 100 dollars but under 200", 100, 200, "USD"),
])
def test_prices(text, low, high, currency):
    price = extract_price(text)
    assert (price.min, price.max, price.currency) == (low, high, currency)


@pytest.mark.parametrize("text", [
    "size 10 running shoes", "3 pack socks", "for my 5 year old", "55 inch tv", "iphone 15 case", "10k gold ring",
    "20 x 20 pillow", "toys for kids under 5", "vitamins for women over 50", "less than 50 calories",
    "up to 10 people", "dumbbells under 10 pounds", "at least 4 stars", "2023 model", "from 2020", "20-40",
    "5-7 year olds", "ages 8 and up", "50% off", "pack of 12", "3 in 1 charger", "a size between 10.5 and 11",
    "i have 2 dogs", "ps5 controller", "16 ounce coffee", "7 wide", "1.5 l bottle"])
def test_things_that_are_not_prices(text):
    price = extract_price(text)
    assert price.min is None and price.max is None
    assert parse(text).price.max is None


def test_price_phrases_leave_the_query():
    assert parse("nike running shoes under $80").query == "nike running shoes"
    assert parse("headphones between $50 and $100 please").query == "headphones"


@pytest.mark.parametrize("text, low, high, currency", [
    # word numbers, with "and", hyphens and hundreds
    ("something under two hundred and fifty dollars", None, 250, "USD"),
    ("rain jacket less than forty-five dollars", None, 45, "USD"),
    ("laptop under twelve hundred dollars", None, 1200, "USD"),
    ("no more than fifteen bucks", None, 15, "USD"),
    ("under a hundred bucks", None, 100, "USD"),
    # cents in words or digits
    ("less than 19 dollars and 99 cents", None, 19.99, "USD"),
    ("under nineteen dollars and ninety-nine cents", None, 19.99, "USD"),
    ("phone charger under 5 dollars 50", None, 5.5, "USD"),
    ("under ten pounds fifty", None, 10.5, "GBP"),
    ("mug less than 12 euros 50", None, 12.5, "EUR"),
    ("a pen for a dollar fifty", None, 1.5, "USD"),
    ("under a dollar and a half", None, 1.5, "USD"),
    # the symbol or code after the number, decimal commas
    ("t-shirt 19.99$", None, 19.99, "USD"),
    ("19,99 €", None, 19.99, "EUR"),
    ("under €24,50", None, 24.5, "EUR"),
    ("blender under 1.299,00 €", None, 1299, "EUR"),
    ("under 20£", None, 20, "GBP"),
    ("at most 1,299.00", None, 1299, None),
    ("at least 40 EUR", 40, None, "EUR"),
    ("10-20 USD", 10, 20, "USD"),
    # pounds and quid
    ("25 quid", None, 25, "GBP"),
    ("below 25 pounds", None, 25, "GBP"),
    ("a gift below 25 pounds", None, 25, "GBP"),
    # "a dollar", "a buck"
    ("anything for a dollar", None, 1, "USD"),
    ("stickers for a buck each", None, 1, "USD"),
    ("a dollar or less", None, 1, "USD"),
    ("over a euro", 1, None, "EUR"),
])
def test_money_phrasings(text, low, high, currency):
    price = extract_price(text)
    assert (price.min, price.max, price.currency) == (low, high, currency)


@pytest.mark.parametrize("text", [
    "500 piece puzzle", "laptop under 3 pounds", "5 pounds of coffee beans", "a buck knife", "looking for a buck knife",
    "dollar store gift ideas", "1080p webcam", "top 10 gifts", "between sizes 10 and 11", "make a buck",
    "under five fifty", "nineteen ninety-nine", "bowling ball under 15 pounds",
    # WebShop goals: weights after "looking for", "about", a count of pounds, not a price
    "i am looking for 10 pounds of fine grain sea salt", "a 3 pound pack of candy bars", "about 2.5 pounds",
    "choose a pack of 2 weighting 2 pounds one", "between 2 and 3 pounds of candy"])
def test_numbers_near_money_words_that_are_not_prices(text):
    price = extract_price(text)
    assert price.min is None and price.max is None


def test_cents_need_a_number_of_cents_not_a_count():
    assert extract_price("under 20 dollars 2 pack").max == 20
    assert extract_price("under 20 dollars and 5 stars").max == 20


def test_rules_parse_the_money_set():
    examples = load_examples(MONEY_SET)
    assert len(examples) >= 80 and sum(not e.expected for e in examples) >= 20  # negatives too
    report = evaluate_intents(lambda text, context: extract_intent(text, None, context), examples, MONEY_FIELDS)
    print(format_table(report))
    assert report.exact_match >= 0.95  # measured 1.000 on 112 examples (0.759 before issue 10)
    for field in MONEY_FIELDS:
        assert report.fields[field].f1 >= 0.95, field


# ---------------------------------------------------------------- attributes


@pytest.mark.parametrize("text, color", [
    ("red hoodie", "red"), ("charcoal gray sweater", "charcoal grey"), ("gray socks", "grey"),
    ("off white sneakers", "off-white"), ("off-white sneakers", "off-white"), ("navy blue polo", "navy blue"),
    ("navy t-shirt", "navy"), ("sky blue water bottle", "sky blue"), ("rose gold hair dryer", "rose gold"),
    ("light grey comforter", "light grey"), ("SAGE GREEN throw pillows", "sage green"),
])
def test_colours_and_compounds(text, color):
    assert parse(text).attributes["color"] == color


@pytest.mark.parametrize("text", ["green tea bags", "white noise machine", "black pepper grinder",
                                  "olive oil 1 liter", "orange juice"])
def test_colour_words_that_name_things(text):
    assert "color" not in parse(text).attributes


@pytest.mark.parametrize("text, key, value", [
    ("cotton t-shirt", "material", "cotton"), ("stainless steel water bottle", "material", "stainless steel"),
    ("cast iron skillet", "material", "cast iron"), ("french vanilla coffee", "flavor", "french vanilla"),
    ("lavender scented candle", "scent", "lavender"), ("lavender dress", "color", "lavender"),
    ("floral dress", "pattern", "floral"), ("mid century modern coffee table", "style", "mid century modern"),
    ("chocolate protein bars", "flavor", "chocolate"),
])
def test_other_attributes(text, key, value):
    assert parse(text).attributes[key] == value


def test_flavour_words_need_something_to_taste():
    assert "flavor" not in parse("espresso machine").attributes
    assert parse("espresso machine").product_type == "espresso machine"


@pytest.mark.parametrize("text, size", [
    ("size 10 running shoes", "10"), ("the size should be a 10", "10"), ("size 7.5 wide", "7.5 wide"),
    ("hiking boots 9.5 wide", "9.5 wide"), ("sneakers 7 wide", "7 wide"), ("size 10 1/2 loafers", "10.5"),
    ("hoodie size xl", "XL"),
    ("extra large t-shirt", "XL"), ("x-large hoodie", "XL"), ("2xl jacket", "XXL"), ("size medium", "M"),
    ("queen size comforter", "Queen"), ("sheet set king", "King"), ("20 x 20 pillow cover", "20x20"),
    ("61w by 72h curtains", "61wx72h"), ("16 ounce shampoo", "16 oz"), ("32oz water bottle", "32 oz"),
    ("1.5 l kettle", "1.5 L"), ("55 inch tv", "55 in"), ("seventy centimeter mirror", "70 cm"),
    ("2 person tent", "2 person"), ("toddler shirt 3t", "3T"), ("notebook a5", "A5"), ("a size twelve", "12"),
])
def test_sizes_without_a_catalog(text, size):
    assert parse(text).attributes["size"] == size


@pytest.mark.parametrize("text, size", [
    ("55 inch tv", "55-Inch"), ("curtains 52 x 84", "52x84 in"), ("2 person tent", "2-Person"),
    ("olive oil 1 liter", "1 L"), ("45 quart cooler", "45-Quart"),
])
def test_sizes_in_the_catalogs_spelling(vocabulary, text, size):
    assert parse(text, vocabulary).attributes["size"] == size


@pytest.mark.parametrize("text, count", [
    ("3 pack socks", 3), ("pack of 12 granola bars", 12), ("12-pack of soda", 12), ("set of 4 mugs", 4),
    ("a dozen eggs", 12), ("24 count k-cups", 24), ("two pack of batteries", 2), ("(pack of 4)", 4),
    ("6 pairs of socks", 6),
    # The number after "pack of" is a measure when a unit follows: the size of each, not the count.
    ("a 6 pack of 10 ounce potatoes", 6), ("a 2 pack of 4 ounce bars", 2), ("a 24 pack of 7.5 ounce bottles", 24),
])
def test_pack_counts(text, count):
    intent = parse(text)
    assert intent.pack_count == count
    assert intent.price.max is None


@pytest.mark.parametrize("text, features", [
    ("gluten free pasta", ["gluten free"]), ("gluten-free pasta", ["gluten free"]),
    ("machine washable rug", ["machine washable"]), ("waterproof jacket", ["waterproof"]),
    ("easy to install shelf", ["easy to install"]), ("wireless noise cancelling headphones",
                                                     ["wireless", "noise cancelling"]),
    ("organic sugar free gummies", ["organic", "sugar free"]), ("latex-free gloves", ["latex free"]),
])
def test_features(text, features):
    assert parse(text).features == features


# ---------------------------------------------------------------- brands


@pytest.mark.parametrize("text, brand", [
    ("stridewell running shoes", "Stridewell"), ("STRIDEWELL shoes", "Stridewell"),
    ("stridwell sneakers", "Stridewell"), ("stridewel sneakers", "Stridewell"), ("strdiewell shoes", "Stridewell"),
    ("trailpeek boots", "Trailpeak"), ("pixelforg laptop", "Pixelforge"), ("marlowe & finch shirt", "Marlowe & Finch"),
    ("marlowe and finch shirt", "Marlowe & Finch"), ("inkwell & co. pens", "Inkwell & Co."),
    ("adiddas sneakers", "Adidas"), ("samsnug tv", "Samsung"), ("levis jeans", "Levi's"),
    ("the north face jacket", "The North Face"),
])
def test_brands_with_case_and_typos(vocabulary, text, brand):
    assert parse(text, vocabulary).brands == [brand]


def test_typo_matches_are_less_sure_than_exact_ones(vocabulary):
    assert parse("stridewell shoes", vocabulary).confidence["brands"] == 0.95
    assert parse("stridwell shoes", vocabulary).confidence["brands"] == 0.6


@pytest.mark.parametrize("text", [
    "vitamin c serum", "cross body bag", "times new roman poster", "outer shell jacket", "apple juice",
    "green apple candle", "shark plush toy", "life coach journal", "a gift for my coach", "funky socks"])
def test_everyday_words_are_not_brands(vocabulary, text):
    assert parse(text, vocabulary).brands == []


# ---------------------------------------------------------------- negations


@pytest.mark.parametrize("text, brands, terms, attributes", [
    ("running shoes not gray", [], [], {"color": ["grey"]}),
    ("no nike", ["Nike"], [], {}),
    ("shoes, not Nike", ["Nike"], [], {}),
    ("anything but nike or adidas", ["Nike", "Adidas"], [], {}),
    ("headphones except sony", ["Sony"], [], {}),
    ("cereal without sugar", [], ["sugar"], {}),
    ("shampoo with no parabens", [], ["parabens"], {}),
    ("comforter without polyester", [], [], {"material": ["polyester"]}),
    ("t-shirt in any color other than white", [], [], {"color": ["white"]}),
    ("laptop other than hp, dell or lenovo", ["HP", "Dell", "Lenovo"], [], {}),
])
def test_negations(text, brands, terms, attributes):
    intent = parse(text)
    assert intent.exclude.brands == brands
    assert intent.exclude.terms == terms
    assert intent.exclude.attributes == attributes
    assert intent.brands == []


def test_negated_words_leave_the_query_and_features_are_not_negations(vocabulary):
    assert parse("cereal without sugar").query == "cereal"
    intent = parse("sugar free cereal, no-show socks", vocabulary)
    assert intent.features == ["sugar free", "no-show"]
    assert intent.exclude == Exclusions()
    assert parse("no more than $50").exclude == Exclusions()


# ---------------------------------------------------------------- sorts and references


@pytest.mark.parametrize("text, sort", [
    ("cheapest yoga mat", "price_asc"), ("affordable laptop", "price_asc"), ("best rated headphones", "rating"),
    ("top rated tents", "rating"), ("most popular board games", "rating"), ("newest smartwatches", "newest"),
    ("latest laptops", "newest"), ("most expensive perfume", "price_desc"), ("best headphones", "relevance"),
])
def test_sorts(text, sort):
    assert parse(text).sort == sort


@pytest.mark.parametrize("text, ordinal", [
    ("the second one", 2), ("the first", 1), ("tell me about the third one", 3), ("the last one", -1),
    ("2nd option please", 2), ("number 4", 4), ("the second to last one", -2),
])
def test_ordinal_references(text, ordinal):
    assert parse(text).reference.ordinal == ordinal


@pytest.mark.parametrize("text", ["first aid kit", "top rated tents", "second hand books", "the first time"])
def test_ordinals_that_are_not_references(text):
    assert parse(text).reference is None


def test_product_ids(vocabulary):
    assert parse("how much is SHO-000042?").reference.product_id == "SHO-000042"
    assert parse("tell me about app-000000", vocabulary).reference.product_id == "APP-000000"


def test_references_resolve_against_shown_products():
    shown = ["A-1", "B-2", "C-3"]
    assert parse("the second one", shown_product_ids=shown).reference.product_id == "B-2"
    assert parse("add the last one to my cart", shown_product_ids=shown).reference.product_id == "C-3"
    assert parse("the fifth one", shown_product_ids=shown).reference.product_id is None


# ---------------------------------------------------------------- actions


@pytest.mark.parametrize("text, action", [
    ("nike running shoes under $80", "search"),
    ("can you recommend a good coffee maker?", "recommend"),
    ("gift ideas for dad", "recommend"),
    ("what's a good tent for beginners", "recommend"),
    ("compare the first and the second", "compare"),
    ("nike vs adidas running shoes", "compare"),
    ("what's the difference between the earbuds and the headphones", "compare"),
    ("is it waterproof?", "product_question"),
    ("what's the battery life of the second one?", "product_question"),
    ("does this jacket come in black", "product_question"),
    ("what is your return policy?", "policy_question"),
    ("how long does shipping take", "policy_question"),
    ("do you price match?", "policy_question"),
    ("is there a warranty on these boots?", "policy_question"),
    ("does this tent have a warranty?", "policy_question"),
    ("can i pay with paypal", "policy_question"),
    ("add the second one to my cart", "add_to_cart"),
    ("i'll take it", "add_to_cart"),
    ("show my cart", "view_cart"),
    ("what's in my cart?", "view_cart"),
    ("hi", "chitchat"),
    ("thanks so much!", "chitchat"),
    ("what's the weather like today", "other"),
    ("tell me a joke", "other"),
    ("do you have running shoes in size 10?", "search"),
    ("i want to buy the blue one with a hood, the jacket", "search"),
])
def test_actions(text, action):
    assert parse(text).action == action


def test_cart_and_policy_messages_carry_no_product_constraints():
    intent = parse("is shipping free on orders over $50?")
    assert intent.action == "policy_question"
    assert intent.price.min is None and intent.product_type is None


# ---------------------------------------------------------------- who and when


@pytest.mark.parametrize("text, recipient, occasion", [
    ("lego set for my 5 year old", "my 5 year old", None),
    ("gift for dad", "dad", None),
    ("birthday gift for my wife", "my wife", "birthday"),
    ("running shoes for my wife's birthday", "my wife", "birthday"),
    ("toys for a 3 year old boy", "3 year old boy", None),
    ("gloves for cold weather golf", None, "cold weather golf"),
    ("christmas present for my mom", "my mom", "christmas"),
    ("what should i get my boyfriend for valentine's day", "my boyfriend", "valentine's day"),
    ("running shoes for men", None, None),
    ("looking for camping chairs", None, None),
])
def test_recipients_and_occasions(text, recipient, occasion):
    intent = parse(text)
    assert (intent.recipient, intent.occasion) == (recipient, occasion)


# ---------------------------------------------------------------- product types, categories, queries


@pytest.mark.parametrize("text, product_type, category", [
    ("running shoes", "running shoes", "Running Shoes"),
    ("jogging shoes", "jogging shoes", "Running Shoes"),
    ("nike trail running shoes", "trail running shoes", "Running Shoes"),
    ("t-shirts", "t-shirts", "T-Shirts"),
    ("chef knife", "chef knife", "Chef's Knives"),
    ("home decor", "home decor", "Decor"),
    ("hiking backpack", "hiking backpack", "Backpacks"),
    ("screen protector for my smart watch", "screen protector", None),
    ("i need a wall clock for my home", "wall clock", None),
    ("a 1.25 ounce container of probiotics", "probiotics", None),
    # the word after "something" describes the want; the kind named after it is the product
    ("something warmer instead, like a jacket", "jacket", None),
    ("anything sturdier, such as a toolbox", "toolbox", None),
    # "something to ...", "something for ...": what it is for, no product named
    ("i need something to decorate my living room", None, None),
    ("something to keep my coffee hot", None, None),
    ("something for the garden, like a trowel", "trowel", None),
    ("stickers or other merch", "stickers", None),  # "merch" is the whole store, not a kind
    ("something warmer", "warmer", None),  # nothing else named: the word is all there is
    # a feature's words used as a noun name the product ("wall mount" is also "wall mounted")
    ("a wall mount for it", "wall mount", None),
    ("i need a remote control under $30", "remote control", None),
    ("a motion sensor", "motion sensor", None),
])
def test_product_types_and_categories(vocabulary, text, product_type, category):
    intent = parse(text, vocabulary)
    assert (intent.product_type, intent.category) == (product_type, category)


@pytest.mark.parametrize("text, product_type, features", [
    ("a wall mount for it", "wall mount", []),
    ("a wall mount tv", "tv", ["wall mounted"]),  # describing what follows it: still a feature
    ("wall mounted shelves", "shelves", ["wall mounted"]),
    ("a remote control toy car", "toy car", ["remote control"]),
    # "ones with X": a part wanted of the kind already talked about, not a new kind
    ("show me ones with a bottom freezer", None, ["bottom freezer"]),
    ("do you have ones that have an ice maker?", None, ["ice maker"]),
    ("a fridge with an ice maker", "fridge", []),
])
def test_a_feature_used_as_a_noun_is_the_product_and_a_part_wanted_is_a_feature(text, product_type, features):
    intent = parse(text)
    assert (intent.product_type, intent.features) == (product_type, features)


def test_taxonomy_synonyms_can_be_added(vocabulary):
    synonyms = {s: t.name for d in DEPARTMENTS for t in d.types for s in t.synonyms}
    with_synonyms = CatalogVocabulary.from_products(generate_catalog(n=200, seed=7), synonyms=synonyms)
    assert parse("wellies", with_synonyms).category == "Rain Boots"
    assert parse("wellies", vocabulary).category == "Rain Boots"  # also in the built-in map
    assert parse("kitty condo", vocabulary).category is None
    assert parse("kitty condo", with_synonyms).category == "Cat Trees"


def test_without_a_catalog_nothing_is_a_category():
    intent = parse("waterproof running shoes under $80")
    assert intent.category is None
    assert intent.product_type == "running shoes"
    assert intent.features == ["waterproof"]


@pytest.mark.parametrize("text, query", [
    ("i need blue high heels with open toes. the size should be a 10", "blue high heels open toes size 10"),
    ("hi! could you please find me a gluten free pasta under $5?", "gluten free pasta"),
    ("samsnug galaxy phone", "samsung galaxy phone"),
    ("running shoes not nike", "running shoes"),
])
def test_queries_keep_product_words_and_drop_filler(text, query):
    assert parse(text).query == query


# ---------------------------------------------------------------- context


SHOES = Intent(action="search", query="nike running shoes", product_type="running shoes", category="Running Shoes",
               brands=["Nike"], attributes={"size": "10"})


def test_cheaper_goes_below_the_median_shown_price_never_below_all_of_it():
    intent = parse("cheaper", previous=SHOES, shown_prices=[89.99, 74.99, 120.0])
    assert intent.action == "refine"
    assert intent.price.max == 89.98  # below the median: the cheapest shown ($74.99) stays in reach
    assert parse("cheaper", previous=SHOES, shown_prices=[5.49, 5.49]).price.max == 5.48  # all alike: below them
    assert (intent.product_type, intent.brands, intent.attributes) == ("running shoes", ["Nike"], {"size": "10"})


def test_cheaper_without_shown_prices_lowers_the_previous_ceiling_or_sorts():
    capped = SHOES.model_copy(update={"price": PriceConstraint(max=100)})
    assert parse("something cheaper", previous=capped).price.max == 80
    intent = parse("cheaper", previous=SHOES)
    assert (intent.sort, intent.price.max) == ("price_asc", None)
    assert parse("cheaper ones").sort == "price_asc"


def test_more_expensive_goes_above_the_median_shown_price():
    assert parse("more expensive ones", previous=SHOES, shown_prices=[20.0, 35.0]).price.min == 27.51
    assert parse("more expensive ones", previous=SHOES, shown_prices=[35.0, 35.0]).price.min == 35.01


def test_in_blue_keeps_everything_else():
    intent = parse("in blue", previous=SHOES)
    assert intent.action == "refine"
    assert intent.attributes == {"size": "10", "color": "blue"}
    assert intent.brands == ["Nike"] and intent.category == "Running Shoes"
    assert "blue" in intent.query and "running shoes" in intent.query


def test_not_that_brand_excludes_the_previous_brands():
    for text in ("not that brand", "other brands please", "show me different brands"):
        intent = parse(text, previous=SHOES)
        assert intent.action == "refine"
        assert intent.brands == [] and intent.exclude.brands == ["Nike"]
        assert "nike" not in intent.query
        assert "brands" not in intent.confidence and "exclude" in intent.confidence


def test_show_me_more_repeats_the_previous_intent():
    intent = parse("show me more", previous=SHOES)
    assert intent.action == "refine"
    assert intent.model_dump(exclude={"action", "confidence", "language"}) == \
        SHOES.model_dump(exclude={"action", "confidence", "language"})


def test_the_second_one_resolves_against_the_shown_products():
    intent = parse("the second one", previous=SHOES, shown_product_ids=["SHO-1", "SHO-2", "SHO-3"])
    assert intent.action == "product_question"
    assert (intent.reference.ordinal, intent.reference.product_id) == (2, "SHO-2")


def test_bigger_and_smaller_step_the_size(vocabulary):
    hoodie = Intent(query="hoodie", product_type="hoodie", attributes={"size": "M"})
    assert parse("bigger", previous=hoodie).attributes["size"] == "L"
    assert parse("a size down", previous=hoodie).attributes["size"] == "S"
    tv = Intent(query="tv", product_type="tv", category="Televisions", attributes={"size": "55-Inch"})
    assert parse("bigger", vocabulary, previous=tv).attributes["size"] == "65-Inch"
    assert step_size("XXXL", 1) is None


def test_a_new_product_starts_fresh():
    intent = parse("actually i need a tent instead", previous=SHOES)
    assert intent.action == "search"
    assert (intent.product_type, intent.brands, intent.attributes) == ("tent", [], {})


def test_a_contradicting_bound_replaces_the_old_one():
    dear = SHOES.model_copy(update={"price": PriceConstraint(min=80)})
    intent = parse("under $50", previous=dear)
    assert (intent.price.min, intent.price.max) == (None, 50)


def test_merge_intents_lays_the_refinement_over_the_base():
    base = Intent(query="red hoodie", product_type="hoodie", brands=["Northloom"], attributes={"color": "red"},
                  exclude={"terms": ["zip"]}, price={"max": 60})
    merged = merge_intents(base, Intent(action="refine", query="blue", attributes={"color": "blue"},
                                        exclude={"brands": ["Ashgrove"]}, sort="rating"))
    assert merged.attributes == {"color": "blue"}
    assert merged.query == "hoodie blue"
    assert merged.brands == ["Northloom"] and merged.exclude.brands == ["Ashgrove"]
    assert merged.exclude.terms == ["zip"] and merged.price.max == 60 and merged.sort == "rating"


# ---------------------------------------------------------------- confidence, language, robustness


def test_confidence_covers_the_fields_that_were_set(vocabulary):
    intent = parse("stridwell red running shoes under $80, not nike", vocabulary)
    assert set(intent.confidence) >= {"action", "product_type", "category", "brands", "attributes.color",
                                      "price", "exclude"}
    assert all(0 <= value <= 1 for value in intent.confidence.values())
    assert intent.confidence["brands"] < intent.confidence["category"]


def test_language_is_english_unless_clearly_not():
    assert parse("running shoes for my dad").language == "en"
    assert parse("busco zapatos rojos para mi hijo").language == "es"
    assert parse("je cherche des chaussures pour homme").language == "fr"


@pytest.mark.parametrize("text", ["", "   ", "???", "$", "size", "not", "without", "the", "x" * 2000,
                                  "🙂🙂", "1/0 inch", "between and", "under $", "pack of", "½ inch"])
def test_odd_messages_parse(text, vocabulary):
    intent = parse(text, vocabulary)
    Intent.model_validate(intent.model_dump())
    intent.search_request()


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=120))
def test_any_text_parses(text):
    intent = parse(text)
    intent.search_request()


def _shared(name: str):
    path = SHARED_DATA / name
    if not path.exists():
        # External data is not part of the repo; a user without ../shared/data still gets a green suite.
        pytest.skip("shared data not present: ../shared/data")
    return json.loads(path.read_text(encoding="utf-8"))


def _assert_all_parse(texts, vocabulary):
    for text in texts:
        intent = extract_intent(text, vocabulary)
        assert isinstance(intent, Intent)
        Intent.model_validate(intent.model_dump())
        intent.search_request()  # valid hard filters: ordered prices, a non-blank query


def test_every_webshop_goal_parses(vocabulary):
    goals = _shared("webshop_human_goals.json")
    assert len(goals) == 12087
    _assert_all_parse(goals, vocabulary)


def test_every_esci_query_parses(vocabulary):
    queries = [q["queryText"] for q in _shared("esci_us_queryset.json")["querySetQueries"]]
    assert queries
    _assert_all_parse(queries, vocabulary)


def test_a_parse_takes_well_under_a_millisecond(vocabulary):
    texts = [example.text for example in load_examples(EVAL_SET)]
    for text in texts:  # warm up
        extract_intent(text, vocabulary)
    timings = []
    for text in texts:
        start = time.perf_counter()
        extract_intent(text, vocabulary)
        timings.append(time.perf_counter() - start)
    assert statistics.median(timings) < 0.003  # measured ~0.25 ms; generous for a busy machine


# ---------------------------------------------------------------- evaluation


def test_labelled_set_quality_floor(vocabulary):
    examples = load_examples(EVAL_SET)
    assert len(examples) >= 150
    report = evaluate_intents(lambda text, context: extract_intent(text, vocabulary, context), examples)
    print(format_table(report))
    assert report.exact_match >= 0.95  # measured 0.997 on 299 examples
    for field in ("action", "product_type", "category", "brands", "exclude", "attributes", "features",
                  "price.min", "price.max", "pack_count", "sort", "reference", "recipient", "occasion"):
        assert report.fields[field].f1 >= 0.95, field


def test_evaluation_counts_unexpected_values_as_false_positives():
    examples = [IntentExample(text="red shoes", expected={"product_type": "shoes"})]
    report = evaluate_intents(lambda text, context: Intent(product_type="shoe", brands=["Nike"]), examples)
    assert report.fields["product_type"].f1 == 1.0  # plural-insensitive
    assert report.fields["brands"].false_positives == 1 and report.fields["brands"].precision == 0.0
    assert report.exact_match == 0.0
    assert [m.field for m in report.mismatches] == ["brands"]
    assert "exact match 0.000 over 1 examples" in format_table(report)


def test_facts_normalise_spelling():
    a = intent_facts(Intent(features=["Non-Slip"], attributes={"color": "Charcoal Gray"}, recipient="my dad"))
    b = intent_facts(Intent(features=["non slip"], attributes={"color": "charcoal grey"}, recipient="dad"))
    assert a == b and set(a) == set(FIELDS)


def test_labels_must_name_intent_fields():
    with pytest.raises(ValueError, match="not Intent fields"):
        IntentExample(text="x", expected={"colour": "red"})
