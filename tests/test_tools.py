"""The LangChain tools on the demo store: strict specs, hard filters, logging, and the session they act on."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.chat.sessions import Session
from assistant.services import Services
from ranking.event_store import open_event_store
from ranking.events import QueryEvent
from retrieval.models import Product, SearchRequest
from tools import Shop, UnknownProduct, build_tools, openai_tool_specs, tools_by_name
from tools.cards import reasons_for
from tools.models import Cart, Comparison, PolicyResults, ProductResults

NAMES = ["search_products", "get_product", "compare_products", "related_products", "lookup_policy", "add_to_cart",
         "view_cart", "remove_from_cart", "update_cart_quantity", "clear_cart"]


@pytest.fixture
def shop(demo_settings, demo_retriever, tmp_path) -> Shop:
    return Shop(search=demo_retriever, policies=Services(demo_settings).policies,
                events=open_event_store(f"sqlite:///{tmp_path / 'events.db'}"), session=Session(id="s1", user_id="u1"))


@pytest.fixture
def tools(shop):
    return tools_by_name(build_tools(shop))


def test_specs_are_strict_openai_tools(shop):
    specs = openai_tool_specs(build_tools(shop))
    assert [spec["function"]["name"] for spec in specs] == NAMES
    for spec in specs:
        parameters = spec["function"]["parameters"]
        assert spec["function"]["strict"] is True and parameters["additionalProperties"] is False
        assert sorted(parameters.get("required", [])) == sorted(parameters["properties"])
        assert spec["function"]["description"]


def test_search_products_applies_filters_logs_and_gives_reasons(shop, tools):
    results = tools["search_products"].invoke({"query": "running shoes", "max_price": 70, "color": "white",
                                               "exclude_brand": ["Footloft"], "k": 5})
    assert isinstance(results, ProductResults) and results.products
    for card in results.products:
        product = shop.search.get_product(card.id)
        assert card.price <= 70 and card.brand != "Footloft" and "white" in product.attribute_values("color")
        assert card.reasons[:2] == ["under your $70 budget", "in white"]
    [event] = [e for e in shop.events.iter_events() if isinstance(e, QueryEvent)]
    assert event.query_id == results.query_id and (event.session_id, event.user_id) == ("s1", "u1")
    assert event.query_response_hit_ids == [card.id for card in results.products]


def test_search_products_skips_shown_ids_and_excluded_terms(tools):
    first = tools["search_products"].invoke({"query": "coffee maker", "k": 5})
    more = tools["search_products"].invoke({"query": "coffee maker", "k": 5,
                                            "exclude_ids": [card.id for card in first.products]})
    assert more.products and not {c.id for c in first.products} & {c.id for c in more.products}
    plain = tools["search_products"].invoke({"query": "coffee maker", "k": 10, "exclude_terms": ["programmable"]})
    assert plain.products and all("programmable" not in card.title.lower() for card in plain.products)


def test_get_compare_and_unknown_products(tools):
    ids = [card.id for card in tools["search_products"].invoke({"query": "backpack", "k": 2}).products]
    product = tools["get_product"].invoke({"product_id": ids[0]})
    assert isinstance(product, Product) and product.id == ids[0]
    comparison = tools["compare_products"].invoke({"product_ids": ids})
    assert isinstance(comparison, Comparison) and [card.id for card in comparison.products] == ids
    price = next(row for row in comparison.rows if row.attribute == "price")
    assert len(price.values) == 2 and all(value.startswith("$") for value in price.values)
    with pytest.raises(UnknownProduct, match="product_id"):
        tools["get_product"].invoke({"product_id": "NOPE-1"})
    with pytest.raises(ValueError):
        tools["compare_products"].invoke({"product_ids": [ids[0]]})  # at least two: the args schema says so


def test_related_products_come_from_neighbouring_categories(shop, tools):
    tent = tools["search_products"].invoke({"query": "tent", "k": 1}).products[0]
    related = tools["related_products"].invoke({"product_id": tent.id, "k": 4})
    categories = [shop.search.get_product(card.id).category for card in related.products]
    assert len(categories) == 4 and all(c[0] == "Outdoor" and c[-1] != "Tents" for c in categories)
    assert len({c[-1] for c in categories}) == 4
    assert categories[0][1] == "Camping"  # the same aisle first
    assert related.query_id


def test_cart_tools_change_the_session_cart(shop, tools):
    ids = [card.id for card in tools["search_products"].invoke({"query": "yoga mat", "k": 2}).products]
    tools["add_to_cart"].invoke({"product_id": ids[0]})
    cart = tools["add_to_cart"].invoke({"product_id": ids[0], "quantity": 2})
    assert isinstance(cart, Cart) and [(l.product_id, l.quantity) for l in cart.lines] == [(ids[0], 3)]
    assert tools["view_cart"].invoke({}) == shop.session.cart == cart
    assert cart.total == pytest.approx(3 * cart.lines[0].price)


def test_lookup_policy(tools):
    results = tools["lookup_policy"].invoke({"question": "can I return opened lipstick?"})
    assert isinstance(results, PolicyResults)
    assert (results.passages[0].source, results.passages[0].title) == ("returns.md", "Items that cannot be returned")


def test_reasons_put_the_asked_constraint_first_then_the_ranker_and_product_facts():
    product = Product(id="SHO-1", title="Runvale Running Shoes, Blue", brand="Runvale", price=59.99,
                      attributes={"color": "blue"}, rating=4.6, review_count=212, launched_at=date(2026, 11, 10))
    request = SearchRequest(query="running shoes", max_price=80, color="blue")
    today = date(2026, 11, 24)
    assert reasons_for(product, request, [], today=today) == ["under your $80 budget", "4.6 stars from 212 reviews"]
    assert reasons_for(product, request, ["user_brand"], today=today) == ["under your $80 budget",
                                                                          "you often buy Runvale"]
    assert reasons_for(product, SearchRequest(query="shoes"), ["recency"], today=today) == [
        "new this month", "4.6 stars from 212 reviews"]
    plain = product.model_copy(update={"rating": None, "launched_at": None})
    assert reasons_for(plain, SearchRequest(query="shoes"), today=today) == ["matches “shoes”"]
    # a product found by meaning, not by the words asked, is not said to match them
    assert reasons_for(plain, SearchRequest(query="bottom freezer"), today=today, says_query=False) == [
        "the closest to “bottom freezer”"]
