"""The shopper-facing pages (widget.js, /demo, demo product pages) and the CORS allow-list."""

import gzip
import re

import pytest
from fastapi.testclient import TestClient

from assistant.api import create_app

SHOP = "https://shop.example"


@pytest.fixture(scope="module")
def client(demo_settings, demo_retriever):
    settings = demo_settings.model_copy(update={"cors_origins": [SHOP]})
    with TestClient(create_app(settings, retriever=demo_retriever)) as test_client:
        yield test_client


def test_widget_is_served_as_small_javascript(client):
    response = client.get("/widget.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    body = response.content
    assert b"attachShadow" in body and b"/v1/chat" in body and b"text/event-stream" in body
    assert len(body) < 20_000 and len(gzip.compress(body)) < 7_000  # "small": it loads on every shop page


def test_demo_page_embeds_the_widget_with_one_script_tag(client):
    page = client.get("/demo").text
    # One script from a URL, the widget (each tag carries the page's CSP nonce).
    assert re.findall(r'<script nonce="[\w-]+" src="([^"]+)"', page) == ["/widget.js"]
    assert "synthetic" in page  # clearly a demo


def test_demo_product_page_shows_the_catalog_product(client):
    hit = client.post("/v1/search", json={"query": "hiking boots", "k": 1}).json()["results"][0]
    page = client.get(f"/demo/products/{hit['id']}")
    assert page.status_code == 200 and f"{hit['price']:.2f}" in page.text and hit["id"] in page.text
    assert client.get("/demo/products/NOPE-1").status_code == 404


def test_cors_allows_listed_origins_only(client):
    preflight = {"access-control-request-method": "POST", "access-control-request-headers": "content-type"}
    allowed = client.options("/v1/chat", headers={"origin": SHOP, **preflight})
    assert allowed.status_code == 200 and allowed.headers["access-control-allow-origin"] == SHOP
    denied = client.options("/v1/chat", headers={"origin": "https://other.example", **preflight})
    assert "access-control-allow-origin" not in denied.headers

    assert client.get("/healthz", headers={"origin": SHOP}).headers["access-control-allow-origin"] == SHOP
    other = client.get("/healthz", headers={"origin": "https://other.example"})
    assert other.status_code == 200 and "access-control-allow-origin" not in other.headers


def test_no_cors_headers_by_default(demo_settings):
    client = TestClient(create_app(demo_settings))  # no lifespan needed: the widget route is static
    response = client.get("/widget.js", headers={"origin": SHOP})
    assert response.status_code == 200 and "access-control-allow-origin" not in response.headers
