"""The chat HTTP API on the demo store: JSON and SSE turns, the copilot, the session cart, bad input as 4xx
naming the field, and answers that keep coming when the LLM server is down."""

from __future__ import annotations

import json
import socket
import statistics

import pytest
from chat_helpers import chat_settings
from fastapi.testclient import TestClient

from assistant.api import create_app
from assistant.chat.models import ChatResponse, CopilotSuggestion, ProductCard


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens once the probe is closed


@pytest.fixture(scope="module")
def client(demo_settings, demo_retriever, tmp_path_factory):
    # An LLM server that is down: every answer must still come, written by the templates.
    settings = chat_settings(demo_settings, tmp_path_factory.mktemp("chat-api"), llm="openai",
                             llm_url=f"http://127.0.0.1:{closed_port()}/v1", llm_retries=0, llm_timeout=2.0)
    with TestClient(create_app(settings, retriever=demo_retriever)) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def staff(client) -> dict:
    """The copilot is a staff door: a staff key."""
    return {"authorization": f"Bearer {client.app.state.services.keys.create('staff').key}"}


def sse_events(text: str) -> list[tuple[str, object]]:
    events = []
    for block in text.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((fields["event"], json.loads(fields["data"])))
    return events


def test_json_turns_continue_a_session_and_survive_a_down_llm(client):
    first = ChatResponse.model_validate(client.post("/v1/chat", json={"message": "tent under $150"}).json())
    assert first.composer == "template" and first.products and first.query_id
    assert all(card.price <= 150 for card in first.products)
    follow = client.post("/v1/chat", json={"message": "cheaper", "session_id": first.session_id}).json()
    assert follow["session_id"] == first.session_id
    assert all(card["price"] < statistics.median(c.price for c in first.products) for card in follow["products"])


def test_sse_stream_sends_intent_products_tokens_then_done(client):
    with client.stream("POST", "/v1/chat", json={"message": "coffee maker under $80", "stream": True}) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = sse_events(response.read().decode())
    names = [name for name, _ in events]
    assert names[:2] == ["intent", "products"] and names[-1] == "done"
    assert set(names[2:-1]) == {"token"} and len(names) > 3
    intent, products, done = events[0][1], events[1][1], ChatResponse.model_validate(events[-1][1])
    assert intent["price"]["max"] == 80 and done.intent.price.max == 80
    assert [ProductCard.model_validate(p) for p in products] == done.products
    assert "".join(data["text"] for name, data in events if name == "token") == done.reply
    assert all(card.price <= 80 for card in done.products)


def test_copilot_refines_over_the_conversation_with_reasons_and_a_grounded_draft(client, staff):
    body = CopilotSuggestion.model_validate(client.post("/v1/copilot/suggest", headers=staff, json={"conversation": [
        {"role": "customer", "text": "Hi, I need a tent for camping under $200"},
        {"role": "agent", "text": "Sure, any colour?"},
        {"role": "customer", "text": "anything cheaper?"},
    ]}).json())
    assert body.intent.price.max is not None and body.intent.price.max < 200 and body.intent.category == "Tents"
    assert body.products and all(card.price <= body.intent.price.max for card in body.products)
    assert all(card.reasons for card in body.products) and body.query_id
    assert body.products[0].title.split(",")[0] in body.reply


def test_copilot_policy_question_mid_conversation_gets_passages_and_candidates(client, staff):
    body = CopilotSuggestion.model_validate(client.post("/v1/copilot/suggest", headers=staff, json={"conversation": [
        {"role": "customer", "text": "Hi, I need a tent for camping under $200"},
        {"role": "agent", "text": "Sure, any colour?"},
        {"role": "customer", "text": "can I return it if it leaks?"},
    ]}).json())
    assert body.policies[0].source == "returns.md" and "“" in body.reply
    assert body.products and all(card.price <= 200 for card in body.products)


def test_copilot_answers_a_policy_question_with_the_passage(client, staff):
    body = client.post("/v1/copilot/suggest", headers=staff, json={"conversation": [
        {"role": "customer", "text": "Do you price match Amazon?"}]}).json()
    assert body["policies"][0]["source"] == "price-match.md" and body["products"] == []
    assert "price match" in body["reply"].lower()


def test_cart_endpoints(client):
    session = client.post("/v1/chat", json={"message": "yoga mat"}).json()
    product = session["products"][0]
    url = f"/v1/sessions/{session['session_id']}/cart"
    assert client.get(url).json() == {"lines": [], "total": 0.0, "currency": "USD"}
    cart = client.post(url, json={"product_id": product["id"], "quantity": 3}).json()
    assert cart["lines"][0]["product_id"] == product["id"] and cart["lines"][0]["quantity"] == 3
    assert cart["total"] == pytest.approx(round(3 * product["price"], 2))
    view = client.post("/v1/chat", json={"message": "show my cart", "session_id": session["session_id"]}).json()
    assert view["cart"] == cart and product["title"] in view["reply"]


@pytest.mark.parametrize("method, path, payload, field", [
    ("get", "/v1/sessions/nope/cart", None, "session_id"),
    ("post", "/v1/sessions/nope/cart", {"product_id": "OUT-000001"}, "session_id"),
])
def test_unknown_session_is_a_404_naming_the_field(client, method, path, payload, field):
    response = getattr(client, method)(path, **({"json": payload} if payload else {}))
    assert response.status_code == 404
    assert response.json()["errors"][0]["field"] == field and response.json()["detail"].startswith(field)


def test_unknown_product_is_a_404_naming_the_field(client):
    session_id = client.post("/v1/chat", json={"message": "hello"}).json()["session_id"]
    response = client.post(f"/v1/sessions/{session_id}/cart", json={"product_id": "NOPE-1"})
    assert response.status_code == 404 and response.json()["errors"][0]["field"] == "product_id"


@pytest.mark.parametrize("path, payload, field", [
    ("/v1/chat", {}, "message"),
    ("/v1/chat", {"message": "   "}, "message"),
    ("/v1/chat", {"message": "x" * 2001}, "message"),
    ("/v1/chat", {"message": "hi", "session_id": ""}, "session_id"),
    ("/v1/chat", {"message": "hi", "stream": "sometimes"}, "stream"),
    ("/v1/chat", {"message": "hi", "colour": "red"}, "colour"),
    ("/v1/copilot/suggest", {"conversation": []}, "conversation"),
    ("/v1/copilot/suggest", {"conversation": [{"role": "boss", "text": "hi"}]}, "conversation.0.role"),
    ("/v1/sessions/s1/cart", {"product_id": "OUT-000001", "quantity": 0}, "quantity"),
])
def test_bad_input_is_a_422_naming_the_field(client, staff, path, payload, field):
    response = client.post(path, json=payload, headers=staff)
    assert response.status_code == 422
    assert field in [e["field"] for e in response.json()["errors"]]


def test_openapi_documents_the_chat_routes_with_examples(client):
    spec = client.get("/openapi.json").json()
    for path in ("/v1/chat", "/v1/copilot/suggest", "/v1/sessions/{session_id}/cart"):
        assert path in spec["paths"]
    assert "text/event-stream" in spec["paths"]["/v1/chat"]["post"]["responses"]["200"]["content"]
    assert spec["components"]["schemas"]["ChatRequest"]["examples"]
