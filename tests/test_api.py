"""The HTTP API over the demo store: happy paths, and bad input answered with a 4xx naming the field."""

import pytest
from fastapi.testclient import TestClient

from assistant.api import create_app


@pytest.fixture(scope="module")
def client(demo_settings, demo_retriever):
    with TestClient(create_app(demo_settings, retriever=demo_retriever)) as test_client:
        yield test_client


def test_health_reports_the_catalog(client):
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["products"] == 2000 and body["catalog_version"]


def test_product_by_id_and_missing_product(client):
    hit = client.post("/v1/search", json={"query": "running shoes", "k": 1}).json()["results"][0]
    product = client.get(f"/v1/products/{hit['id']}").json()
    assert product["id"] == hit["id"] and product["title"] == hit["title"]
    missing = client.get("/v1/products/NOPE-1")
    assert missing.status_code == 404 and "product_id" in missing.json()["detail"]


def test_search_applies_filters(client):
    body = client.post("/v1/search", json={"query": "running shoes", "k": 10, "max_price": 80,
                                           "category": "Shoes"}).json()
    assert len(body["results"]) == 10
    assert all(r["price"] <= 80 and r["category"][0] == "Shoes" for r in body["results"])
    assert body["mode"] == "hybrid" and body["latency_ms"] > 0


@pytest.mark.parametrize("payload, field", [
    ({"query": ""}, "query"),
    ({"query": "   "}, "query"),
    ({"query": "x" * 1001}, "query"),
    ({}, "query"),
    ({"query": "shoes", "k": 0}, "k"),
    ({"query": "shoes", "k": "ten"}, "k"),
    ({"query": "shoes", "max_price": "cheap"}, "max_price"),
    ({"query": "shoes", "min_price": -1}, "min_price"),
    ({"query": "shoes", "min_price": 50, "max_price": 10}, "max_price"),
    ({"query": "shoes", "mode": "magic"}, "mode"),
    ({"query": "shoes", "colour": "red"}, "colour"),
    ({"query": "shoes", "brand": 7}, "brand"),
    ([1, 2], "body"),
])
def test_bad_search_input_is_a_422_naming_the_field(client, payload, field):
    response = client.post("/v1/search", json=payload)
    assert response.status_code == 422
    body = response.json()
    assert field in body["detail"]
    assert any(e["field"].startswith(field) for e in body["errors"])


def test_malformed_json_is_a_422_not_a_500(client):
    response = client.post("/v1/search", content=b'{"query": ', headers={"content-type": "application/json"})
    assert response.status_code == 422


def test_openapi_documents_the_endpoints(client):
    spec = client.get("/openapi.json").json()
    assert {"/healthz", "/v1/search", "/v1/products/{product_id}"} <= set(spec["paths"])
    assert client.get("/docs").status_code == 200
    assert "shopassist" in client.get("/").text
