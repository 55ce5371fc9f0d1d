"""The merge policy between the rules and an LLM's proposal, and the intent API's contract."""

import pytest
from fastapi.testclient import TestClient

from assistant.api import create_app
from assistant.intent.extractor import extract_intent
from assistant.intent.parser import IntentParser, is_confident, merge
from retrieval.intent import Intent, PriceConstraint


def test_confident_rules_need_no_llm():
    assert is_confident(extract_intent("what is your return policy?"))
    assert not is_confident(extract_intent("something nice for my wife"))  # no product: ask the LLM


def test_llm_fills_what_rules_left_empty_but_never_invents_a_price():
    text = "i want something cozy to wear for winter evenings under 80 dollars"
    rules = extract_intent(text)
    proposal = rules.model_copy(update={"product_type": "winter wear", "price": PriceConstraint(max=1000)},
                                deep=True)
    merged, taken = merge(rules, proposal, text, None)
    assert merged.product_type == "winter wear" and "product_type" in taken
    assert merged.price.max == 80 and "price" not in taken  # 1000 is not in the message
    proposal.product_type = "sweater"  # the words of every value must be in the message
    assert "product_type" not in merge(rules, proposal, text, None)[1]


def test_llm_brand_must_appear_in_the_message():
    text = "good headphones for the gym"
    rules = extract_intent(text)
    proposal = rules.model_copy(update={"brands": ["Sony"]}, deep=True)
    merged, taken = merge(rules, proposal, text, None)
    assert merged.brands == [] and "brands" not in taken
    text = "headphones from sonny or whatever"
    proposal = extract_intent(text).model_copy(update={"brands": ["sonny"]}, deep=True)
    merged, _ = merge(extract_intent(text), proposal, text, None)
    assert merged.brands == ["sonny"]


def test_confident_rule_fields_win_over_the_llm():
    text = "red running shoes under $80"
    rules = extract_intent(text)
    proposal = rules.model_copy(update={"attributes": {"color": "blue"}, "price": PriceConstraint(max=80)},
                                deep=True)
    merged, taken = merge(rules, proposal, text, None)
    assert merged.attributes["color"] == "red" and not taken


def test_parser_without_llm_says_so():
    response = IntentParser().parse("cheap wireless earbuds")
    assert response.source.parser == "rules" and response.source.fallback == "no LLM configured"
    assert response.intent.sort == "price_asc" and response.latency_ms < 100
    assert set(response.source.fields.values()) == {"rules"}


@pytest.fixture(scope="module")
def client(demo_settings, demo_retriever):
    settings = demo_settings.model_copy(update={"llm": "none"})
    with TestClient(create_app(settings, retriever=demo_retriever)) as test_client:
        yield test_client


def test_intent_endpoint_uses_the_catalog_vocabulary(client, demo_retriever):
    product = demo_retriever.get_product(demo_retriever.search(
        __import__("retrieval.models", fromlist=["SearchRequest"]).SearchRequest(query="winter coat", k=1)
    ).results[0].id)
    body = client.post("/v1/intent", json={"text": f"{product.brand} winter coats under $150, not red"}).json()
    intent = body["intent"]
    assert intent["brands"] == [product.brand]
    assert intent["category"] == "Winter Coats"
    assert intent["price"]["max"] == 150
    assert intent["exclude"]["attributes"] == {"color": ["red"]}
    assert body["source"]["parser"] == "rules" and body["latency_ms"] > 0


def test_intent_context_refines_the_previous_request(client):
    first = client.post("/v1/intent", json={"text": "running shoes under $100"}).json()["intent"]
    body = client.post("/v1/intent", json={"text": "cheaper, in blue", "context": {
        "previous": first, "shown_prices": [89.99, 74.5]}}).json()["intent"]
    assert body["action"] == "refine"
    assert body["product_type"] == "running shoes"
    assert 74.5 <= body["price"]["max"] < 82.245  # below the median shown, not below all of it
    assert body["attributes"]["color"] == "blue"


def test_odd_but_valid_context_is_not_a_500(client):
    """Found by schemathesis: an exclusion of an empty value for an attribute the intent does not have."""
    previous = {"product_type": "running shoes", "exclude": {"attributes": {"pattern": [""]}},
                "attributes": {"color": "red"}, "price": {"max": 80}}
    response = client.post("/v1/intent", json={"text": "in blue", "context": {"previous": previous}})
    assert response.status_code == 200
    assert response.json()["intent"]["attributes"]["color"] == "blue"


@pytest.mark.parametrize("payload, field", [
    ({"text": ""}, "text"), ({"text": "  "}, "text"), ({"text": "x" * 2001}, "text"), ({}, "text"),
    ({"text": 42}, "text"), ({"text": "shoes", "context": "yesterday"}, "context"),
    ({"text": "shoes", "context": {"shown_prices": ["free"]}}, "context.shown_prices"),
])
def test_bad_intent_input_is_a_422_naming_the_field(client, payload, field):
    response = client.post("/v1/intent", json=payload)
    assert response.status_code == 422 and field in response.json()["detail"]


def test_intent_schema_is_the_contract(client):
    schema = client.get("/v1/intent/schema").json()
    assert schema == Intent.model_json_schema()
    assert {"action", "query", "brands", "exclude", "attributes", "price", "sort", "reference"} <= set(
        schema["properties"])
