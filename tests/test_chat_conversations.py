"""Scripted multi-turn conversations on the 2,000-product demo store, through the real pipeline: the intent
parser, hybrid retrieval, the tools, the session store (SQLite) and the template composer (no LLM here; the
composer's LLM path is tested in test_chat_composer.py)."""

from __future__ import annotations

import re
import statistics

import pytest
from chat_helpers import Conversation, chat_service, chat_settings

from ranking.events import QueryEvent


@pytest.fixture(scope="module")
def chat(demo_settings, demo_retriever, tmp_path_factory):
    service = chat_service(chat_settings(demo_settings, tmp_path_factory.mktemp("chat")), demo_retriever)
    yield service
    service.close()


@pytest.fixture
def talk(chat) -> Conversation:
    return Conversation(chat)


def products_of(chat, response):
    return [chat.search.get_product(card.id) for card in response.products]


def short(title: str) -> str:
    return title.split(",")[0]


def test_budget_search_stays_under_budget_with_reasons_and_a_logged_query(chat, talk):
    response = talk.say("running shoes under $80")
    assert response.intent.action == "search" and response.composer == "template"
    assert len(response.products) == 5
    assert all(card.price <= 80 for card in response.products)
    assert all(p.category[-1] == "Running Shoes" for p in products_of(chat, response))
    assert all(1 <= len(card.reasons) <= 2 for card in response.products)
    assert all(card.reasons[0] == "under your $80 budget" for card in response.products)
    assert short(response.products[0].title) in response.reply and "$80" in response.reply
    logged = [e for e in chat.events.iter_events() if isinstance(e, QueryEvent) and e.query_id == response.query_id]
    assert len(logged) == 1 and logged[0].session_id == talk.session_id
    assert logged[0].query_response_hit_ids == [card.id for card in response.products]


def test_cheaper_lowers_the_ceiling_below_what_was_shown_and_keeps_the_category(chat, talk):
    first = talk.say("running shoes under $80")
    prices = sorted(card.price for card in first.products)
    median = statistics.median(prices)
    cheaper = talk.say("cheaper")
    # Below the median of what was shown, never below all of it: the cheapest shown is still in reach.
    assert prices[0] <= cheaper.intent.price.max < median
    assert cheaper.products and all(card.price < median for card in cheaper.products)
    assert all(p.category[-1] == "Running Shoes" for p in products_of(chat, cheaper))


def test_colour_refinement_keeps_the_budget_and_the_product_type(chat, talk):
    talk.say("running shoes under $100")
    white = talk.say("in white")
    assert white.products
    for product in products_of(chat, white):
        assert product.price <= 100 and product.category[-1] == "Running Shoes"
        assert "white" in product.attribute_values("color")
    assert all("in white" in card.reasons for card in white.products)


def test_not_a_brand_excludes_it_and_keeps_earlier_constraints(chat, talk):
    first = talk.say("running shoes under $120")
    brand = first.products[0].brand
    without = talk.say(f"not {brand}")
    assert without.intent.exclude.brands == [brand]
    assert without.products and all(card.brand != brand for card in without.products)
    assert all(card.price <= 120 for card in without.products)
    assert f"not from {brand}" in without.reply


def test_show_me_more_gives_new_products_with_the_same_filters(chat, talk):
    first = talk.say("coffee maker under $100")
    more = talk.say("show me more")
    assert more.products and not {c.id for c in first.products} & {c.id for c in more.products}
    assert all(card.price <= 100 for card in more.products)
    assert all(p.category[-1] == "Coffee Makers" for p in products_of(chat, more))
    again = talk.say("show me more")
    assert not {c.id for c in first.products + more.products} & {c.id for c in again.products}


def test_the_second_one_resolves_to_the_second_product_shown(chat, talk):
    shown = talk.say("tent under $200").products
    about = talk.say("tell me about the second one")
    assert about.intent.action == "product_question"
    assert [card.id for card in about.products] == [shown[1].id]
    assert short(shown[1].title) in about.reply and f"${shown[1].price:,.2f}" in about.reply


def test_compare_the_first_two_names_both_side_by_side(chat, talk):
    shown = talk.say("coffee maker").products
    comparison = talk.say("compare the first two")
    assert comparison.intent.action == "compare"
    assert [card.id for card in comparison.products] == [shown[0].id, shown[1].id]
    for card in shown[:2]:
        assert short(card.title) in comparison.reply and f"${card.price:,.2f}" in comparison.reply


def test_compare_the_first_and_the_third(chat, talk):
    shown = talk.say("backpack").products
    comparison = talk.say("compare the first and the third")
    assert [card.id for card in comparison.products] == [shown[0].id, shown[2].id]
    assert "differ" in comparison.reply or "cheaper" in comparison.reply


def test_product_question_says_plainly_when_the_data_does_not_say(chat, talk):
    shown = talk.say("running shoes").products
    product = chat.search.get_product(shown[0].id)
    assert "waterproof" not in (product.title + product.description + " ".join(product.tags)).lower()
    answer = talk.say("is the first one waterproof?")
    assert "does not say" in answer.reply and "waterproof" in answer.reply
    sizes = talk.say("what sizes does it come in?")
    assert [card.id for card in sizes.products] == [shown[0].id]
    assert all(size in sizes.reply.lower() for size in product.attribute_values("size"))


def test_policy_answers_quote_the_policy_and_cite_it(talk):
    answer = talk.say("how long do refunds take?")
    assert answer.intent.action == "policy_question" and answer.products == []
    top = answer.policies[0]
    assert (top.source, top.title) == ("returns.md", "Refund timing")
    quote = re.search(r"“(.+)”", answer.reply)[1]
    assert all(sentence in top.text for sentence in re.split(r"(?<=[.;])\s+", quote))
    assert "5-7 business days" in quote


def test_payment_question_is_answered_from_the_payment_policy(talk):
    answer = talk.say("can I pay with PayPal?")
    assert answer.policies[0].source == "payment.md"
    assert "PayPal" in answer.reply and "payment" in answer.reply


def test_cart_add_and_view_and_the_cart_endpoint_agree(chat, talk):
    shown = talk.say("headlamp").products
    talk.say("add the first one to my cart")
    added = talk.say("add 2 of the second one")
    assert [(line.product_id, line.quantity) for line in added.cart.lines] == [(shown[0].id, 1), (shown[1].id, 2)]
    view = talk.say("what's in my cart?")
    assert view.intent.action == "view_cart"
    total = round(shown[0].price + 2 * shown[1].price, 2)
    assert view.cart.total == pytest.approx(total) and f"${total:,.2f}" in view.reply
    assert chat.cart(talk.session_id) == view.cart


def test_what_goes_with_a_tent_gives_complements_not_tents(chat, talk):
    tent = talk.say("tent under $200").products[0]
    related = talk.say("what goes with the first one?")
    products = products_of(chat, related)
    assert len(products) >= 2
    assert all(p.category[0] == "Outdoor" and p.category[-1] != "Tents" for p in products)
    assert len({p.category[-1] for p in products}) == len(products)  # one per neighbouring category
    assert short(tent.title) in related.reply
    assert all(card.reasons[0] == "goes with your tent" for card in related.products)


def test_chitchat_is_short_and_back_to_shopping(talk):
    hello = talk.say("hi there")
    assert hello.intent.action == "chitchat" and hello.products == [] and len(hello.reply) < 250
    assert "shopping" in hello.reply
    assert "welcome" in talk.say("thanks!").reply.lower()


@pytest.mark.parametrize("script", [
    ["gift for dad under $50", "in black", "show me more"],
    ["wireless headphones under $60", "cheaper", "not that brand"],
])
def test_no_product_outside_the_asked_price_range_in_any_turn(chat, talk, script):
    ceiling = None
    for message in script:
        response = talk.say(message)
        ceiling = response.intent.price.max if response.intent.price.max is not None else ceiling
        assert ceiling is not None and ceiling <= 60
        assert all(card.price <= ceiling for card in response.products)


def test_a_new_product_type_starts_a_new_request(chat, talk):
    talk.say("running shoes under $60")
    fresh = talk.say("coffee maker")
    assert fresh.intent.category == "Coffee Makers"
    assert all(p.category[-1] == "Coffee Makers" for p in products_of(chat, fresh))


def test_user_id_is_kept_in_the_session_and_logged_with_searches(chat):
    talk = Conversation(chat, user_id="shopper-7")
    response = talk.say("yoga mat")
    logged = [e for e in chat.events.iter_events() if isinstance(e, QueryEvent) and e.query_id == response.query_id]
    assert logged[0].user_id == "shopper-7"
    assert chat.sessions.get(talk.session_id).user_id == "shopper-7"


def test_history_is_trimmed_but_the_request_and_cart_are_kept(chat, talk):
    talk.say("yoga mat under $40")
    talk.say("add the first one to my cart")
    for _ in range(chat.options.history):
        talk.say("hello")
    session = chat.sessions.get(talk.session_id)
    assert len(session.history) == chat.options.history
    assert session.intent.price.max == 40 and len(session.cart.lines) == 1
    assert all(card.price < 40 for card in talk.say("cheaper").products)
