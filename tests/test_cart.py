"""Changing the cart: remove a product, change a quantity, empty it; as a value (`Cart`), through the Session's
methods, in chat ("remove it", "make it two", "clear my cart") and over the API (DELETE / PATCH)."""

from __future__ import annotations

import pytest

from assistant.chat import cues
from assistant.chat.routes import RouteContext, route
from assistant.chat.routes.cart import CartChangeFindings, is_cart_change
from assistant.chat.sessions import Session
from assistant.intent.extractor import extract_intent
from retrieval.errors import FieldError, NotFound
from retrieval.models import Product, SearchRequest, SearchResponse
from retrieval.policies import PolicyIndex
from tools import Shop, build_tools, tools_by_name
from tools.models import Cart, NotInCart

TENT = Product(id="TEN-1", title="Ridgefern 2-Person Tent, Orange", brand="Ridgefern", price=120.0,
               category=["Outdoor", "Camping", "Tents"])
LAMP = Product(id="LAM-1", title="Brightway Rechargeable Headlamp", brand="Brightway", price=24.5,
               category=["Outdoor", "Camping", "Lighting"])
MAT = Product(id="MAT-1", title="Summitry Sleeping Pad", brand="Summitry", price=40.0,
              category=["Outdoor", "Camping", "Sleeping Pads"])
BLACK_MUG = Product(id="MUG-B", title="Campfire Enamel Mug", brand="Summitry", price=12.0,
                    category=["Outdoor", "Camp Kitchen", "Mugs"], attributes={"color": "black"})
RED_MUG = Product(id="MUG-R", title="Campfire Enamel Mug", brand="Summitry", price=14.0,
                  category=["Outdoor", "Camp Kitchen", "Mugs"], attributes={"color": "red"})
CATALOG = {p.id: p for p in (TENT, LAMP, MAT, BLACK_MUG, RED_MUG)}


class FakeSearch:
    def search(self, request: SearchRequest) -> SearchResponse:
        raise AssertionError(f"a cart change must not search (searched {request.query!r})")

    def get_product(self, product_id: str) -> Product | None:
        return CATALOG.get(product_id)


def cart_of(*items: tuple[Product, int]) -> Cart:
    cart = Cart()
    for product, quantity in items:
        cart = cart.with_product(product, quantity)
    return cart


def lines(cart: Cart) -> list[tuple[str, int]]:
    return [(line.product_id, line.quantity) for line in cart.lines]


# ---------------------------------------------------------------- the value


def test_cart_without_and_with_quantity_are_new_values_with_the_total_recomputed():
    cart = cart_of((TENT, 1), (LAMP, 2))
    assert cart.total == 169.0 and cart.count == 3
    fewer = cart.without("TEN-1")
    assert lines(fewer) == [("LAM-1", 2)] and fewer.total == 49.0
    more = cart.with_quantity("LAM-1", 5)
    assert lines(more) == [("TEN-1", 1), ("LAM-1", 5)] and more.total == 242.5
    assert lines(cart) == [("TEN-1", 1), ("LAM-1", 2)] and cart.total == 169.0  # unchanged: a value
    assert cart.without("TEN-1").without("LAM-1") == Cart()


@pytest.mark.parametrize("change, field", [
    (lambda cart: cart.without("NOPE"), "product_id"),
    (lambda cart: cart.with_quantity("NOPE", 2), "product_id"),
    (lambda cart: cart.with_quantity("TEN-1", 0), "quantity"),
    (lambda cart: cart.with_quantity("TEN-1", 100), "quantity"),
])
def test_cart_changes_name_the_bad_field(change, field):
    with pytest.raises(FieldError) as raised:
        change(cart_of((TENT, 1)))
    assert raised.value.field == field
    assert isinstance(raised.value, NotFound) == (field == "product_id")


def test_session_methods_are_the_writers_of_the_cart():
    session = Session(id="s")
    session.add_to_cart(TENT, 1)
    session.add_to_cart(LAMP, 1)
    assert session.set_quantity("TEN-1", 3) is session.cart and session.focus_id == "TEN-1"
    assert lines(session.cart) == [("TEN-1", 3), ("LAM-1", 1)] and session.cart.total == 384.5
    session.remove_from_cart("TEN-1")
    assert lines(session.cart) == [("LAM-1", 1)] and session.cart.total == 24.5
    with pytest.raises(NotInCart):
        session.remove_from_cart("TEN-1")
    assert session.clear_cart() == Cart() and session.cart.lines == []


# ---------------------------------------------------------------- the cues


@pytest.mark.parametrize("text, change", [
    ("remove it", "remove"), ("take the second one out", "remove"), ("delete the tent from my cart", "remove"),
    ("take it out of my basket", "remove"), ("please remove the headlamp", "remove"),
    ("make it two", "quantity"), ("change the quantity to 3", "quantity"), ("make that 4", "quantity"),
    ("set the quantity of the first one to 2", "quantity"),
    ("clear my cart", "clear"), ("empty my cart", "clear"), ("remove everything from my cart", "clear"),
    ("remove the price limit", None), ("make it cheaper", None), ("make it in blue", None),
    ("I don't want Nike", None), ("show me tents", None), ("what to take out for a hike", None),
    ("add 2 of the second one", None), ("what's in my cart?", None),
])
def test_cart_change_phrases(text, change):
    assert cues.cart_change(text) == change


@pytest.mark.parametrize("text, quantity", [("make it two", 2), ("change the quantity to 3", 3),
                                            ("make it zero", 0), ("make that 12", 12), ("make it cheaper", None)])
def test_new_quantity(text, quantity):
    assert cues.new_quantity(text) == quantity


# ---------------------------------------------------------------- the chat route, over a fake catalog


@pytest.fixture
def session() -> Session:
    session = Session(id="s1")
    session.show([])  # nothing shown yet
    return session


def say(session: Session, text: str):
    shop = Shop(search=FakeSearch(), policies=PolicyIndex([], {}), events=None, session=session)
    context = RouteContext(tools_by_name(build_tools(shop)), session, results=5)
    return route(context, extract_intent(text, None, session.context()), text)


def shown(session: Session, *products: Product) -> None:
    from tools.cards import product_card

    session.show([product_card(p) for p in products])


def test_remove_it_removes_the_product_in_focus_and_is_not_a_search(session):
    session.add_to_cart(TENT, 1)
    session.add_to_cart(LAMP, 2)  # the headlamp is in focus
    findings = say(session, "remove it")
    assert isinstance(findings, CartChangeFindings) and findings.intent.action == "remove_from_cart"
    assert lines(session.cart) == [("TEN-1", 1)] and findings.cart == session.cart
    reply = findings.template("remove it")
    assert "removed Brightway Rechargeable Headlamp" in reply and "$120.00" in reply


def test_take_the_second_one_out_means_the_second_product_shown(session):
    shown(session, TENT, LAMP, MAT)
    session.add_to_cart(LAMP, 1)
    session.add_to_cart(MAT, 1)
    say(session, "take the second one out")
    assert lines(session.cart) == [("MAT-1", 1)]


def test_a_position_past_what_was_shown_means_the_cart_line_there(session):
    session.add_to_cart(TENT, 1)
    session.add_to_cart(LAMP, 1)
    say(session, "remove the second one from my cart")
    assert lines(session.cart) == [("TEN-1", 1)]


def test_delete_names_a_cart_line_by_its_title_words(session):
    session.add_to_cart(TENT, 1)
    session.add_to_cart(LAMP, 1)
    session.add_to_cart(MAT, 1)
    say(session, "delete the tent from my cart")
    assert lines(session.cart) == [("LAM-1", 1), ("MAT-1", 1)]
    say(session, "please remove the sleeping pads")
    assert lines(session.cart) == [("LAM-1", 1)]


def test_make_it_two_and_change_the_quantity(session):
    session.add_to_cart(TENT, 1)
    session.add_to_cart(LAMP, 1)
    findings = say(session, "make it two")
    assert findings.intent.action == "update_cart" and lines(session.cart) == [("TEN-1", 1), ("LAM-1", 2)]
    assert session.cart.total == 169.0 and "2 × Brightway Rechargeable Headlamp" in findings.template("")
    say(session, "change the quantity of the tent to 3")
    assert lines(session.cart) == [("TEN-1", 3), ("LAM-1", 2)] and session.cart.total == 409.0
    say(session, "make it zero")  # the tent is in focus now
    assert lines(session.cart) == [("LAM-1", 2)]


def test_clear_my_cart(session):
    session.add_to_cart(TENT, 1)
    session.add_to_cart(LAMP, 1)
    findings = say(session, "clear my cart")
    assert findings.intent.action == "clear_cart" and session.cart.lines == [] and findings.cart == Cart()
    assert "emptied your cart" in findings.template("clear my cart")
    again = say(session, "empty my cart")
    assert "already empty" in again.template("empty my cart")


def test_an_unclear_line_is_asked_about_and_nothing_changes(session):
    session.add_to_cart(TENT, 1)
    session.add_to_cart(LAMP, 1)
    session.remove_from_cart("LAM-1")
    session.add_to_cart(MAT, 1)
    session.focus("LAM-1")  # talked about last, but no longer in the cart
    before = session.cart
    findings = say(session, "remove the kayak from my cart")
    assert findings.line is None and session.cart == before
    assert findings.template("").startswith("Which item in your cart do you mean?")


def test_remove_without_a_cart_is_not_a_cart_change(session):
    text = "remove the Ridgefern"
    intent = extract_intent(text, None, session.context())
    shop = Shop(search=FakeSearch(), policies=PolicyIndex([], {}), events=None, session=session)
    context = RouteContext(tools_by_name(build_tools(shop)), session, results=5)
    assert is_cart_change(context, intent, text) is None
    session.add_to_cart(TENT, 1)
    assert is_cart_change(context, intent, text) == "remove"
    question = "can I remove an item from my order after paying?"
    assert is_cart_change(context, extract_intent(question, None, session.context()), question) is None


def test_the_cart_tools_are_registered_and_change_the_session(session):
    shop = Shop(search=FakeSearch(), policies=PolicyIndex([], {}), events=None, session=session)
    tools = tools_by_name(build_tools(shop))
    tools["add_to_cart"].invoke({"product_id": "TEN-1", "quantity": 2})
    assert lines(tools["update_cart_quantity"].invoke({"product_id": "TEN-1", "quantity": 4})) == [("TEN-1", 4)]
    with pytest.raises(NotInCart):
        tools["remove_from_cart"].invoke({"product_id": "LAM-1"})
    assert tools["remove_from_cart"].invoke({"product_id": "TEN-1"}) == Cart() == session.cart
    tools["add_to_cart"].invoke({"product_id": "MAT-1"})
    assert tools["clear_cart"].invoke({}) == Cart() == session.cart


# ---------------------------------------------------------------- which products an add means


def talk(session: Session, text: str):
    """`say`, remembered in the session's history the way a chat turn is ("and the second one" reads it)."""
    findings = say(session, text)
    session.remember(text, findings.template(text), keep=20)
    return findings


@pytest.mark.parametrize("text", ["I'll take the cheaper one", "add the cheaper of the two to my cart"])
def test_the_cheaper_one_is_the_cheaper_of_the_two_just_compared(session, text):
    shown(session, TENT, LAMP, MAT)
    session.focus(TENT.id)
    session.mention([TENT.id, MAT.id])  # what `compare` records
    say(session, text)
    assert lines(session.cart) == [("MAT-1", 1)]


def test_the_cheaper_one_without_two_to_compare_is_asked_about(session):
    shown(session, TENT, LAMP, MAT)
    findings = say(session, "I'll take the cheaper one")
    assert session.cart.lines == [] and findings.template("").startswith("Which one should I add")


def test_the_cheapest_of_a_named_kind_among_those_shown(session):
    shown(session, TENT, RED_MUG, LAMP, BLACK_MUG)
    say(session, "add the cheapest mug")
    assert lines(session.cart) == [("MUG-B", 1)]
    say(session, "add the most expensive one")
    assert lines(session.cart) == [("MUG-B", 1), ("TEN-1", 1)]


def test_the_colour_one_is_the_shown_product_of_that_colour(session):
    shown(session, BLACK_MUG, RED_MUG, TENT)
    say(session, "add the red one to my cart")
    assert lines(session.cart) == [("MUG-R", 1)]


def test_words_that_fit_several_shown_products_are_asked_about_and_shown(session):
    shown(session, TENT, BLACK_MUG, RED_MUG)
    findings = say(session, "add the mug to my cart")
    assert session.cart.lines == [] and [card.id for card in findings.products] == ["MUG-B", "MUG-R"]
    assert session.shown_ids == ["MUG-B", "MUG-R"] and "$12.00" in findings.template("")
    say(session, "add the second one")
    assert lines(session.cart) == [("MUG-R", 1)]


def test_both_means_the_two_talked_about_last_and_all_of_them_every_one_shown(session):
    shown(session, TENT, LAMP, MAT)
    session.focus(LAMP.id)  # asked about the headlamp
    shown(session, MAT)  # then a search found one sleeping pad
    findings = say(session, "add both to my cart")
    assert lines(session.cart) == [("LAM-1", 1), ("MAT-1", 1)]
    reply = findings.template("")
    assert "Brightway Rechargeable Headlamp" in reply and "Summitry Sleeping Pad" in reply
    session.clear_cart()
    shown(session, TENT, LAMP, MAT)
    say(session, "add all of them")
    assert lines(session.cart) == [("TEN-1", 1), ("LAM-1", 1), ("MAT-1", 1)]


def test_both_when_one_is_in_the_cart_already_adds_the_other(session):
    shown(session, TENT, LAMP)
    session.add_to_cart(TENT, 1)
    say(session, "add both")
    assert lines(session.cart) == [("TEN-1", 1), ("LAM-1", 1)]


def test_the_colour_one_no_shown_product_has_is_asked_about_without_a_search(session):
    shown(session, BLACK_MUG, TENT)  # FakeSearch fails the test if the catalog is searched
    findings = say(session, "add the green one")
    assert session.cart.lines == [] and [card.id for card in findings.products] == ["MUG-B", "TEN-1"]


def test_a_new_list_forgets_what_was_talked_about_before_it(session):
    shown(session, TENT, LAMP)
    session.mention([TENT.id, LAMP.id])
    shown(session, MAT, BLACK_MUG, RED_MUG)
    assert session.mentioned_ids == []
    findings = say(session, "add both")
    assert session.cart.lines == [] and len(findings.products) == 3  # which two? asked


def test_n_of_them_is_a_quantity_of_the_product_in_focus_and_remove_one_takes_one_away(session):
    shown(session, TENT, LAMP, MAT)
    session.focus(LAMP.id)
    say(session, "add 3 of them")
    assert lines(session.cart) == [("LAM-1", 3)]
    say(session, "make it 2")
    assert lines(session.cart) == [("LAM-1", 2)]
    findings = say(session, "remove one")
    assert lines(session.cart) == [("LAM-1", 1)] and findings.intent.action == "update_cart"
    say(session, "remove one")
    assert session.cart.lines == []


def test_add_it_after_a_list_adds_its_top_pick(session):
    session.add_to_cart(TENT, 1)
    shown(session, LAMP, MAT)  # nothing in focus now
    say(session, "add it too")
    assert lines(session.cart) == [("TEN-1", 1), ("LAM-1", 1)]


def test_n_more_things_named_adds_to_the_line_of_that_product(session):
    session.add_to_cart(TENT, 1)
    session.add_to_cart(LAMP, 1)
    shown(session, MAT, BLACK_MUG)
    findings = say(session, "add two more tents")
    assert lines(session.cart) == [("TEN-1", 3), ("LAM-1", 1)] and "3 in your cart" in findings.template("")


def test_and_the_second_one_after_an_add_adds_it_too(session):
    shown(session, TENT, LAMP, MAT)
    talk(session, "add the first one to my cart")
    talk(session, "and the second one")
    assert lines(session.cart) == [("TEN-1", 1), ("LAM-1", 1)]
    talk(session, "make the second one three")
    assert lines(session.cart) == [("TEN-1", 1), ("LAM-1", 3)]
    talk(session, "remove the first one")
    talk(session, "and the second one")
    assert session.cart.lines == []
    assert not cues.continues("and a journal") and not cues.continues("and the second one, how big is it?")


# ---------------------------------------------------------------- end to end on the demo store


@pytest.fixture(scope="module")
def chat(demo_settings, demo_retriever, tmp_path_factory):
    from chat_helpers import chat_service, chat_settings

    service = chat_service(chat_settings(demo_settings, tmp_path_factory.mktemp("cart-chat")), demo_retriever)
    yield service
    service.close()


def test_a_conversation_changes_the_cart(chat):
    from chat_helpers import Conversation

    talk = Conversation(chat)
    shown_cards = talk.say("headlamp").products
    first, second = shown_cards[0], shown_cards[1]
    talk.say("add the first one to my cart")
    talk.say("add the second one")
    removed = talk.say("take the first one out")
    assert removed.intent.action == "remove_from_cart" and removed.products == []
    assert lines(removed.cart) == [(second.id, 1)] and first.title in removed.reply
    more = talk.say("make it three")
    assert lines(more.cart) == [(second.id, 3)] and more.cart.total == pytest.approx(round(3 * second.price, 2))
    assert f"${more.cart.total:,.2f}" in more.reply
    cleared = talk.say("clear my cart")
    assert cleared.cart == Cart() and chat.cart(talk.session_id) == Cart()


@pytest.fixture(scope="module")
def client(demo_settings, demo_retriever, tmp_path_factory):
    from chat_helpers import chat_settings
    from fastapi.testclient import TestClient

    from assistant.api import create_app

    settings = chat_settings(demo_settings, tmp_path_factory.mktemp("cart-api"))
    with TestClient(create_app(settings, retriever=demo_retriever)) as test_client:
        yield test_client


@pytest.fixture
def filled(client):
    """A session whose cart holds two products (1 and 2 of them)."""
    session = client.post("/v1/chat", json={"message": "yoga mat"}).json()
    ids = [card["id"] for card in session["products"][:2]]
    url = f"/v1/sessions/{session['session_id']}/cart"
    client.post(url, json={"product_id": ids[0]})
    client.post(url, json={"product_id": ids[1], "quantity": 2})
    return url, ids, {card["id"]: card["price"] for card in session["products"]}


def test_api_patch_sets_a_quantity_and_delete_removes_a_line(client, filled):
    url, ids, prices = filled
    cart = client.patch(f"{url}/{ids[0]}", json={"quantity": 4}).json()
    assert [(l["product_id"], l["quantity"]) for l in cart["lines"]] == [(ids[0], 4), (ids[1], 2)]
    assert cart["total"] == pytest.approx(round(4 * prices[ids[0]] + 2 * prices[ids[1]], 2))
    cart = client.delete(f"{url}/{ids[1]}").json()
    assert [(l["product_id"], l["quantity"]) for l in cart["lines"]] == [(ids[0], 4)]
    assert client.get(url).json() == cart  # saved with the session
    assert client.delete(url).json() == {"lines": [], "total": 0.0, "currency": "USD"}
    assert client.get(url).json()["lines"] == []


@pytest.mark.parametrize("method, path, payload, status, field", [
    ("delete", "/v1/sessions/nope/cart/X-1", None, 404, "session_id"),
    ("patch", "/v1/sessions/nope/cart/X-1", {"quantity": 2}, 404, "session_id"),
    ("delete", "/v1/sessions/nope/cart", None, 404, "session_id"),
    ("delete", "{url}/NOT-IN-CART", None, 404, "product_id"),
    ("patch", "{url}/NOT-IN-CART", {"quantity": 2}, 404, "product_id"),
    ("patch", "{url}/{id}", {"quantity": 0}, 422, "quantity"),
    ("patch", "{url}/{id}", {"quantity": 100}, 422, "quantity"),
    ("patch", "{url}/{id}", {"quantity": "lots"}, 422, "quantity"),
    ("patch", "{url}/{id}", {}, 422, "quantity"),
    ("patch", "{url}/{id}", {"quantity": 2, "colour": "red"}, 422, "colour"),
])
def test_api_cart_changes_name_the_bad_field(client, filled, method, path, payload, status, field):
    url, ids, _ = filled
    before = client.get(url).json()
    response = client.request(method.upper(), path.format(url=url, id=ids[0]),
                              **({"json": payload} if payload is not None else {}))
    assert response.status_code == status
    assert field in [e["field"] for e in response.json()["errors"]]
    assert client.get(url).json() == before  # nothing changed


# ---------------------------------------------------------------- the widget (a real browser; slow)


@pytest.mark.slow
def test_widget_cart_lines_change_quantity_and_remove(request):
    """The widget's cart: a quantity control and a remove button per line, calling PATCH and DELETE."""
    import httpx  # both are installed by `make install` (requirements.lock): a missing one is a failure, not a skip
    from playwright.sync_api import expect

    page, server = request.getfixturevalue("page"), request.getfixturevalue("server")
    page.goto(f"{server.url}/demo")
    page.get_by_role("button", name="Tent for 4 under $300").click()
    dialog = page.get_by_role("dialog", name="Fernbrook assistant")
    card = dialog.locator(".card", has=page.locator(".add:enabled")).first
    expect(card).to_be_visible(timeout=60_000)
    expect(dialog.locator(".typing")).to_have_count(0, timeout=60_000)
    title = card.locator(".title").inner_text()
    card.get_by_role("button", name=f"Add {title} to cart").click()
    cart = dialog.locator(".cart")
    expect(cart).to_contain_text("Cart: 1 item")
    cart.locator("summary").click()
    expect(cart.get_by_role("button", name=f"One fewer {title}")).to_be_disabled()
    cart.get_by_role("button", name=f"One more {title}").click()
    expect(cart.locator("summary")).to_contain_text("Cart: 2 items")
    expect(cart.get_by_role("button", name=f"One more {title}")).to_be_focused()  # the keyboard keeps its place
    session_id = page.evaluate(f"sessionStorage.getItem('shopassist:session:{server.url}')")
    lines_url = f"{server.url}/v1/sessions/{session_id}/cart"
    assert [(l["title"], l["quantity"]) for l in httpx.get(lines_url).json()["lines"]] == [(title, 2)]
    cart.get_by_role("button", name=f"Remove {title} from cart").click()
    expect(cart).to_be_hidden()
    assert httpx.get(lines_url).json()["lines"] == []


@pytest.fixture(scope="module")
def server(demo_settings, tmp_path_factory):
    from test_browser import server as serve

    yield from serve.__wrapped__(demo_settings, tmp_path_factory)


@pytest.fixture(scope="module")
def browser():
    from test_browser import browser as launch

    yield from launch.__wrapped__()


@pytest.fixture
def page(browser, server):
    from test_browser import page as open_page

    yield from open_page.__wrapped__(browser, server)
