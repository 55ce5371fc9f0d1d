"""Issue 11, roles and keys: real requests against the app over the demo store.

Doors (shopper, staff, admin) and API keys (stored hashed, origin-bound public keys, revocation), server-issued
session ids (a made-up or guessed id never reaches anyone's session or cart), signed shopper identities (a bare
user_id is ignored), the Copilot tab's staff login, and the security headers on the pages we serve.
"""

from __future__ import annotations

import re
import sqlite3

import pytest
from chat_helpers import chat_settings
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from assistant.api import create_app
from assistant.chat.sessions import Session, is_issued_id
from assistant.cli import main as cli
from assistant.identity import sign_identity, verify_identity
from assistant.keys import KeyStore, hash_key, open_key_store
from assistant.ui.app import staff_key_error

SHOP = "https://shop.example"
SECRET = "identity-secret-for-tests-0123456789"
COPILOT = {"conversation": [{"role": "customer", "text": "I need a tent for 4 people under $300"}]}
POLICIES = "# Returns\n\n## Window\n\nUnused items can be returned within 30 days.\n"


@pytest.fixture(scope="module")
def settings(demo_settings, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("security")
    # Policies of its own: the admin door test replaces them, and the demo home is shared by other modules.
    return chat_settings(demo_settings, tmp, policies_dir=tmp / "policies", identity_secret=SECRET,
                         cors_origins=[SHOP])


@pytest.fixture(scope="module")
def client(settings, demo_retriever):
    with TestClient(create_app(settings, retriever=demo_retriever)) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def keys(client) -> KeyStore:
    return client.app.state.services.keys


@pytest.fixture(scope="module")
def staff(keys) -> dict:
    return {"authorization": f"Bearer {keys.create('staff', label='tests').key}"}


@pytest.fixture(scope="module")
def admin(keys) -> dict:
    return {"authorization": f"Bearer {keys.create('admin').key}"}


@pytest.fixture(scope="module")
def public(keys) -> dict:
    return {"authorization": f"Bearer {keys.create('public', [SHOP]).key}", "origin": SHOP}


def refused(response, status: int, field: str) -> str:
    """The refusal's message, after checking it is shaped like every other 4xx and names `field`."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["errors"][0]["field"] == field and body["detail"].startswith(f"{field}: ")
    return body["errors"][0]["message"]


# ---------------------------------------------------------------------------------------------- doors


def test_copilot_needs_a_staff_key(client, staff, admin, public):
    anonymous = client.post("/v1/copilot/suggest", json=COPILOT)
    assert "staff key is required" in refused(anonymous, 401, "authorization")
    assert anonymous.headers["www-authenticate"] == "Bearer"
    assert "needs a staff key" in refused(client.post("/v1/copilot/suggest", json=COPILOT, headers=public),
                                          403, "authorization")
    answered = client.post("/v1/copilot/suggest", json=COPILOT, headers=staff)
    assert answered.status_code == 200 and answered.json()["products"]
    assert client.post("/v1/copilot/suggest", json=COPILOT, headers=admin).status_code == 200  # admin > staff


def test_a_refused_request_is_refused_before_its_body_is_read(client):
    assert client.post("/v1/copilot/suggest", json={"conversation": []}).status_code == 401


def test_admin_door_refuses_staff_and_public_keys(client, staff, public, admin):
    put = {"content": POLICIES, "headers": {"content-type": "text/markdown"}}
    assert refused(client.put("/v1/policies", **put), 401, "authorization")
    assert "needs an admin key" in refused(
        client.put("/v1/policies", content=POLICIES, headers={**put["headers"], **staff}), 403, "authorization")
    refused(client.put("/v1/policies", content=POLICIES, headers={**put["headers"], **public}), 403,
            "authorization")
    done = client.put("/v1/policies", content=POLICIES, headers={**put["headers"], **admin})
    assert done.status_code == 200 and done.json()["documents"][0]["title"] == "Returns"


def test_public_key_only_from_its_origins(client, public):
    ok = client.post("/v1/search", json={"query": "tent", "k": 1}, headers=public)
    assert ok.status_code == 200
    wrong = client.post("/v1/search", json={"query": "tent", "k": 1},
                        headers={**public, "origin": "https://evil.example"})
    assert "https://evil.example" in refused(wrong, 403, "origin")
    no_origin = {"authorization": public["authorization"]}  # curl with a key copied out of the shop's page
    refused(client.post("/v1/chat", json={"message": "hi"}, headers=no_origin), 403, "origin")


def test_shopper_doors_serve_anonymous_shoppers_and_refuse_bad_keys(client):
    assert client.post("/v1/search", json={"query": "tent", "k": 1}).status_code == 200
    assert "unknown or revoked" in refused(client.post("/v1/search", json={"query": "tent"}, headers={
        "authorization": "Bearer sa_staff_made-up"}), 401, "authorization")
    refused(client.post("/v1/search", json={"query": "tent"}, headers={"authorization": "Basic YTpi"}), 401,
            "authorization")


def api_routes(routes) -> list[APIRoute]:
    """The app's API routes, those of included routers too."""
    found = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        elif hasattr(route, "original_router"):  # FastAPI keeps an included router's routes on it
            found += api_routes(route.original_router.routes)
    return found


def test_every_v1_route_has_a_door(client):
    doors = {}
    for route in api_routes(client.app.routes):
        if route.path.startswith("/v1/"):
            roles = [getattr(dep.call, "role", "none") for dep in route.dependant.dependencies
                     if hasattr(dep.call, "role")]
            for method in route.methods:
                doors[f"{method} {route.path}"] = roles[0] if roles else "open"
    assert doors.pop("POST /v1/copilot/suggest") == "staff"
    assert doors.pop("PUT /v1/policies") == "admin"
    assert doors.pop("GET /v1/privacy/users/{user_id}") == "admin"  # a shopper's data (issue 14)
    assert doors.pop("DELETE /v1/privacy/users/{user_id}") == "admin"
    assert doors.pop("GET /v1/intent/schema") == "open"  # the JSON Schema of Intent: public documentation
    assert doors and set(doors.values()) == {None}, doors  # the rest: shopper doors


def test_public_key_required_closes_the_shopper_doors_to_anonymous_requests(settings, demo_retriever):
    strict = settings.model_copy(update={"public_key_required": True})
    with TestClient(create_app(strict, retriever=demo_retriever)) as strict_client:
        refused(strict_client.post("/v1/search", json={"query": "tent"}), 401, "authorization")
        key = strict_client.app.state.services.keys.create("public", [SHOP]).key
        assert strict_client.post("/v1/search", json={"query": "tent", "k": 1}, headers={
            "authorization": f"Bearer {key}", "origin": SHOP}).status_code == 200
        assert strict_client.get("/healthz").status_code == 200  # health stays open for load balancers


def test_cors_lets_the_widget_send_its_key(client):
    preflight = client.options("/v1/chat", headers={"origin": SHOP, "access-control-request-method": "POST",
                                                    "access-control-request-headers": "authorization,content-type"})
    assert preflight.status_code == 200 and "authorization" in preflight.headers["access-control-allow-headers"]


# ---------------------------------------------------------------------------------------------- keys


def test_keys_are_stored_hashed(tmp_path):
    url = f"sqlite:///{tmp_path / 'keys.db'}"
    store = open_key_store(url)
    created = store.create("staff", label="desk")
    store.close()
    stored = b"".join(path.read_bytes() for path in tmp_path.iterdir())  # the file and its WAL
    assert created.key.encode() not in stored and created.key[len(created.record.id):].encode() not in stored
    assert hash_key(created.key).encode() in stored
    assert re.fullmatch(r"sa_staff_[A-Za-z0-9_-]{43}", created.key) and created.key.startswith(created.record.id)
    rows = sqlite3.connect(tmp_path / "keys.db").execute("SELECT key_id, role, label FROM api_keys").fetchall()
    assert rows == [(created.record.id, "staff", "desk")]


def test_revoked_key_stops_working_at_once(client, keys):
    created = keys.create("staff")
    headers = {"authorization": f"Bearer {created.key}"}
    assert client.post("/v1/copilot/suggest", json=COPILOT, headers=headers).status_code == 200
    keys.revoke(created.record.id)
    assert "revoked" in refused(client.post("/v1/copilot/suggest", json=COPILOT, headers=headers), 401,
                                "authorization")
    assert created.record.id not in [record.id for record in keys.list()]
    assert created.record.id in [record.id for record in keys.list(include_revoked=True)]


def test_public_keys_need_origins_and_origins_are_normalized(keys):
    with pytest.raises(ValueError, match="origins"):
        keys.create("public")
    with pytest.raises(ValueError, match="origins"):
        keys.create("public", ["javascript:alert(1)"])
    assert keys.create("public", ["https://Shop.Example/"]).record.origins == [SHOP]


def test_the_demo_prints_a_fresh_staff_key_and_revokes_the_last_one(tmp_path):
    """`make run` (`shopassist demo`) prints a staff key for the Copilot: there is no key-less mode."""
    from assistant.cli.keys import demo_staff_key
    from assistant.config import Settings

    settings = Settings(home=tmp_path, database_url=f"sqlite:///{tmp_path / 'demo.db'}")
    first, second = demo_staff_key(settings), demo_staff_key(settings)
    store = open_key_store(settings.events_database_url)
    try:
        assert store.check(first) is None and store.check(second).role == "staff"
        assert [record.role for record in store.list()] == ["staff"]  # only the running demo's key works
    finally:
        store.close()


def test_keys_cli_creates_lists_and_revokes(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SHOPASSIST_HOME", str(tmp_path))
    monkeypatch.setenv("SHOPASSIST_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    assert cli(["keys", "create", "--role", "public", "--origins", SHOP, "--label", "widget"]) == 0
    key = capsys.readouterr().out.strip()
    assert key.startswith("sa_public_")
    assert cli(["keys", "list"]) == 0
    listing = capsys.readouterr().out
    assert key[:18] in listing and key not in listing and SHOP in listing and "widget" in listing
    assert cli(["keys", "create", "--role", "public"]) == 2  # no origins: refused, nothing created
    assert "origins" in capsys.readouterr().err
    assert cli(["keys", "revoke", key[:18]]) == 0
    store = open_key_store(f"sqlite:///{tmp_path / 'cli.db'}")
    assert store.check(key) is None and store.list() == []
    store.close()
    assert cli(["keys", "revoke", "sa_public_nope"]) == 2


# ---------------------------------------------------------------------------------------------- sessions


def test_a_made_up_session_id_starts_a_new_session(client):
    answer = client.post("/v1/chat", json={"message": "tents", "session_id": "victim-session-1"}).json()
    assert answer["session_id"] != "victim-session-1" and is_issued_id(answer["session_id"])
    assert len(answer["session_id"]) * 6 >= 128  # at least 128 random bits (base64url: 6 bits a character)
    assert client.get("/v1/sessions/victim-session-1/cart").status_code == 404
    follow = client.post("/v1/chat", json={"message": "cheaper", "session_id": answer["session_id"]}).json()
    assert follow["session_id"] == answer["session_id"]  # an issued id continues its session


def test_someone_else_s_cart_is_unreachable_without_its_issued_id(client):
    """A session stored under a guessable id (made up by a client before ids were issued) is out of reach: a
    stranger can neither see nor fill its cart, through the cart API or through chat."""
    sessions = client.app.state.services.sessions
    product = client.post("/v1/search", json={"query": "tent", "k": 1}).json()["results"][0]
    victim = Session(id="victim-session-2")
    victim.add_to_cart(client.app.state.services.retriever.get_product(product["id"]), 1)
    sessions.save(victim)
    for method, path, body in [("get", "/v1/sessions/victim-session-2/cart", None),
                               ("post", "/v1/sessions/victim-session-2/cart", {"product_id": product["id"],
                                                                                "quantity": 99}),
                               ("patch", f"/v1/sessions/victim-session-2/cart/{product['id']}", {"quantity": 99}),
                               ("delete", "/v1/sessions/victim-session-2/cart", None)]:
        response = client.request(method.upper(), path, json=body)
        assert refused(response, 404, "session_id")
    attack = client.post("/v1/chat", json={"message": "add 10 of the first one to my cart",
                                           "session_id": "victim-session-2"}).json()
    assert attack["session_id"] != "victim-session-2"
    assert [(line.product_id, line.quantity) for line in sessions.get("victim-session-2").cart.lines] == [
        (product["id"], 1)]


def test_a_cart_is_reachable_with_its_issued_id_only(client):
    mine = client.post("/v1/chat", json={"message": "yoga mat"}).json()
    other = client.post("/v1/chat", json={"message": "yoga mat"}).json()
    assert mine["session_id"] != other["session_id"]
    product_id = mine["products"][0]["id"]
    client.post(f"/v1/sessions/{mine['session_id']}/cart", json={"product_id": product_id})
    assert client.get(f"/v1/sessions/{other['session_id']}/cart").json()["lines"] == []
    assert client.get(f"/v1/sessions/{mine['session_id']}/cart").json()["lines"][0]["product_id"] == product_id


# ---------------------------------------------------------------------------------------------- identity


def test_signed_identities():
    token = sign_identity("cust.42", SECRET, ttl_seconds=60, now=1_000)
    assert verify_identity(token, SECRET, now=1_030) == "cust.42"
    assert verify_identity(token, SECRET, now=1_061) is None  # expired
    assert verify_identity(token, "another-secret-0123456789", now=1_030) is None
    assert verify_identity(token.replace("cust.42", "cust.43"), SECRET, now=1_030) is None
    assert verify_identity("cust.42", SECRET) is None and verify_identity(token, None, now=1_030) is None


def test_a_forged_user_id_is_ignored(client):
    services = client.app.state.services
    forged = client.post("/v1/chat", json={"message": "running shoes", "user_id": "victim-user"}).json()
    assert services.sessions.get(forged["session_id"]).user_id is None
    signed = client.post("/v1/chat", json={"message": "running shoes",
                                           "user_id": sign_identity("shopper-7", SECRET)}).json()
    assert services.sessions.get(signed["session_id"]).user_id == "shopper-7"

    search = client.post("/v1/search", json={"query": "boots", "k": 2, "user_id": "victim-user"}).json()
    trusted = client.post("/v1/search", json={"query": "boots", "k": 2,
                                              "user_id": sign_identity("shopper-7", SECRET)}).json()
    logged = {event.query_id: event.user_id for event in services.events.iter_events()
              if event.type == "query" and event.query_id in (search["query_id"], trusted["query_id"])}
    assert logged == {search["query_id"]: None, trusted["query_id"]: "shopper-7"}


def test_events_store_only_signed_identities(client):
    """Personalization learns a shopper's affinities from their events: a forged user_id must not feed it."""
    services = client.app.state.services
    event = {"type": "interaction", "action_name": "click", "query_id": "q-identity", "object_id": "SHO-1",
             "position": 1, "client_id": "c-identity", "timestamp": "2026-11-24T10:00:00Z"}
    response = client.post("/v1/events", json={"events": [
        {**event, "event_id": "identity-forged", "user_id": "victim-user"},
        {**event, "event_id": "identity-signed", "user_id": sign_identity("shopper-8", SECRET)}]})
    assert response.status_code == 200 and response.json()["accepted"] == 2
    stored = {e.event_id: e.user_id for e in services.events.iter_events() if e.event_id.startswith("identity-")}
    assert stored == {"identity-forged": None, "identity-signed": "shopper-8"}


def test_without_a_secret_every_user_id_is_ignored(settings, demo_retriever):
    with TestClient(create_app(settings.model_copy(update={"identity_secret": None}),
                               retriever=demo_retriever)) as plain:
        answer = plain.post("/v1/chat", json={"message": "hi", "user_id": sign_identity("u", SECRET)}).json()
        assert plain.app.state.services.sessions.get(answer["session_id"]).user_id is None


# ---------------------------------------------------------------------------------------------- Gradio


def test_copilot_tab_needs_a_staff_key(keys):
    assert "valid staff key" in staff_key_error(keys, None)
    assert "valid staff key" in staff_key_error(keys, "sa_staff_made-up")
    assert "needs a staff key" in staff_key_error(keys, keys.create("public", [SHOP]).key)
    assert staff_key_error(keys, keys.create("staff").key) is None


def test_copilot_tab_is_behind_a_login_and_the_shop_tab_is_not(client):
    config = client.get("/ui/config").json()
    by_id = {component["id"]: component for component in config["components"]}
    elem = {component["props"].get("elem_id"): component for component in config["components"]}
    assert elem["copilot-key"]["props"]["type"] == "password"
    desk = next(component for component in config["components"] if component["type"] == "row"
                and component["props"].get("visible") is False)
    assert desk and elem["shop-products"]["props"].get("visible", True) is not False
    assert by_id  # the layout holds the copilot's components inside the hidden row


# ---------------------------------------------------------------------------------------------- headers


@pytest.mark.parametrize("path", ["/", "/demo", "/ui/", "/docs"])
def test_pages_carry_security_headers(client, path):
    response = client.get(path)
    assert response.status_code == 200
    headers = response.headers
    assert headers["x-content-type-options"] == "nosniff" and headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
    csp = dict(part.strip().split(" ", 1) for part in headers["content-security-policy"].split(";"))
    assert csp["frame-ancestors"] == "'none'" and csp["object-src"] == "'none'"
    nonce = re.fullmatch(r"'nonce-([\w-]+)' 'strict-dynamic' 'self'( 'unsafe-eval')?", csp["script-src"]).group(1)
    assert "unsafe-inline" not in csp["script-src"]
    # Gradio's HTML component evaluates its templates: only the staff UI allows eval (the browser test checks
    # that /ui works under this policy).
    assert ("unsafe-eval" in csp["script-src"]) == path.startswith("/ui")
    tags = re.findall(r"<script\b[^>]*>", response.text, re.IGNORECASE)
    assert tags and all(f'nonce="{nonce}"' in tag for tag in tags)  # every script of the page is its own
    assert " on" not in " ".join(re.findall(r"<[a-z]+\s[^>]*\bon[a-z]+=", response.text))  # no inline handlers
    assert client.get(path).headers["content-security-policy"] != headers["content-security-policy"]  # fresh


def test_catalog_text_on_a_product_page_never_gets_the_nonce(client, settings):
    product = client.post("/v1/search", json={"query": "tent", "k": 1}).json()["results"][0]
    page = client.get(f"/demo/products/{product['id']}")
    assert page.headers["x-frame-options"] == "DENY" and "nonce-" in page.headers["content-security-policy"]
    assert not re.search(r"\son\w+=", page.text)  # the ask button is wired by the page's script, not onclick


def test_api_answers_carry_nosniff_and_keep_streaming(client):
    assert client.get("/healthz").headers["x-content-type-options"] == "nosniff"
    assert client.get("/widget.js").headers["x-content-type-options"] == "nosniff"
    with client.stream("POST", "/v1/chat", json={"message": "tent", "stream": True}) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        assert "content-security-policy" not in response.headers
        assert "event: done" in response.read().decode()

