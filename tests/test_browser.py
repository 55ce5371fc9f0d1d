"""Real browser tests: Debian's Chromium, driven by Playwright, against a real `shopassist serve`.

The widget on /demo and the Gradio tabs at /ui are used as a shopper and an agent would use them.
Screenshots land in test-artifacts/browser/ (git-ignored): look at them after a UI change.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlparse

import httpx
import pytest
from playwright.sync_api import expect, sync_playwright
from servers import serve

from assistant.keys import open_key_store
from ranking.event_store import open_event_store

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "browser"
CONVERSATION = ("Customer: Hi, I need a waterproof tent for 4 people, under $300.\n"
                "Agent: Happy to help! Any brand you prefer?\n"
                "Customer: Not really. Can I return it if it leaks on the first trip?")


@pytest.fixture(scope="module")
def server(demo_settings, tmp_path_factory):
    """`shopassist serve` on the demo store; events (and sessions) go to a database of its own."""
    tmp = tmp_path_factory.mktemp("browser-server")
    database_url = f"sqlite:///{tmp / 'shopassist.db'}"
    # Template replies: the browser tests are about the front doors, and must not wait on a CPU LLM.
    env = {**os.environ, "SHOPASSIST_HOME": str(demo_settings.home), "SHOPASSIST_LLM": "none",
           "SHOPASSIST_DATABASE_URL": database_url}
    with serve(env, tmp / "server.log") as served:
        keys = open_key_store(database_url)  # the Copilot tab is a staff door
        staff_key = keys.create("staff", label="browser tests").key
        keys.close()
        yield SimpleNamespace(url=served.url, database_url=database_url, staff_key=staff_key)


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.fail("no /usr/bin/chromium: `make browser` installs Debian's chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, server):
    """A fresh browser context; `page.offsite` lists every request that left the loopback host."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.offsite = []
    page.on("request", lambda r: urlparse(r.url).hostname != "127.0.0.1" and page.offsite.append(r))
    page.csp_violations = []  # our pages run under a nonce-based Content-Security-Policy: nothing may be blocked
    page.on("console", lambda m: "Content Security Policy" in m.text and page.csp_violations.append(m.text))
    yield page
    context.close()


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}.png")


def prices(texts: list[str]) -> list[float]:
    return [float(re.sub(r"[^\d.]", "", text)) for text in texts]


def assert_offline(page) -> None:
    """Nothing but the catalog's own product photos may be fetched from outside (no CDN, no analytics)."""
    assert [r.url for r in page.offsite if r.resource_type != "image"] == []
    assert page.csp_violations == []


def test_widget_streams_an_answer_with_product_cards(page, server):
    page.goto(f"{server.url}/demo")
    bubble = page.get_by_role("button", name="Open Fernbrook assistant")
    bubble.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Fernbrook assistant")
    expect(dialog).to_be_visible()
    message = dialog.get_by_label("Message")
    expect(message).to_be_focused()
    # Every text node the reply bubble gets while it is still typing: one per streamed token.
    page.evaluate("""() => {
        window.partials = [];
        const log = document.querySelector('#shopassist-widget').shadowRoot.querySelector('.log');
        new MutationObserver((records) => records.forEach((r) => r.target.classList?.contains('typing')
            && r.addedNodes.forEach((n) => window.partials.push(n.textContent)))
        ).observe(log, {childList: true, subtree: true});
    }""")
    message.fill("waterproof hiking boots under $150")
    message.press("Enter")

    cards = dialog.locator(".card")
    expect(cards.first).to_be_visible(timeout=60_000)
    expect(dialog.locator(".typing")).to_have_count(0, timeout=60_000)
    reply = dialog.locator(".msg.bot").last
    expect(reply).not_to_have_class(re.compile("err"))
    assert len(reply.inner_text()) > 20
    assert 1 <= cards.count() and all(p <= 150 for p in prices(dialog.locator(".card .price").all_inner_texts()))
    expect(cards.first.locator(".reasons li").first).to_be_visible()
    partials = page.evaluate("window.partials")
    assert len([p for p in partials if p]) >= 2, partials  # the text grew token by token before `done`
    shot(page, "widget-answer")

    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(bubble).to_be_focused()
    assert_offline(page)


def test_widget_adds_to_cart_and_logs_shopper_events(page, server):
    page.goto(f"{server.url}/demo")
    page.get_by_role("button", name="Tent for 4 under $300").click()  # the page's own prompt opens the widget
    dialog = page.get_by_role("dialog", name="Fernbrook assistant")
    card = dialog.locator(".card", has=page.locator(".add:enabled")).first
    expect(card).to_be_visible(timeout=60_000)
    expect(dialog.locator(".typing")).to_have_count(0, timeout=60_000)
    title = card.locator(".title").inner_text()
    position = card.evaluate("node => [...node.parentNode.children].indexOf(node) + 1")
    card.get_by_role("button", name=f"Add {title} to cart").click()
    expect(dialog.locator(".cart")).to_contain_text("Cart: 1 item")
    expect(card.locator(".add")).to_have_text("Added ✓")
    shot(page, "widget-cart")

    session_id = page.evaluate(f"sessionStorage.getItem('shopassist:session:{server.url}')")
    cart = httpx.get(f"{server.url}/v1/sessions/{session_id}/cart").json()
    assert [(line["title"], line["quantity"]) for line in cart["lines"]] == [(title, 1)]

    shown = dialog.locator(".card").count()
    store = open_event_store(server.database_url)
    try:
        for _ in range(40):  # the widget posts events in the background (fetch keepalive)
            actions = [(e.action_name, e.position) for e in store.iter_events()
                       if e.type == "interaction" and e.session_id == session_id]
            if any(a == "add_to_cart" for a, _ in actions) and sum(a == "impression" for a, _ in actions) == shown:
                break
            time.sleep(0.25)
    finally:
        store.close()
    assert sorted(p for a, p in actions if a == "impression") == list(range(1, shown + 1))
    assert [p for a, p in actions if a == "add_to_cart"] == [position]
    assert_offline(page)


def test_gradio_shop_tab_answers_with_a_product_gallery(page, server):
    page.goto(f"{server.url}/ui/")
    page.get_by_placeholder("What are you looking for?").fill("a tent for 4 people under $300")
    page.get_by_role("button", name="Send", exact=True).click()
    gallery = page.locator("#shop-products .sa-card")
    expect(gallery.first).to_be_visible(timeout=60_000)
    expect(page.locator("#shop-products")).to_contain_text("Tent")
    expect(page.get_by_test_id("bot").last).not_to_be_empty()
    assert all(p <= 300 for p in prices(page.locator("#shop-products .sa-price").all_inner_texts()))
    page.wait_for_timeout(500)  # the last streamed tokens
    shot(page, "ui-shop")
    assert_offline(page)


def test_gradio_copilot_tab_drafts_a_grounded_reply(page, server):
    page.goto(f"{server.url}/ui/")
    page.get_by_role("tab", name="Copilot").click()
    expect(page.locator("#copilot-conversation")).to_be_hidden()  # a staff door: nothing before signing in
    page.locator("#copilot-key input").fill("sa_staff_made-up")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Enter a valid staff key").first).to_be_visible(timeout=30_000)
    expect(page.locator("#copilot-conversation")).to_be_hidden()
    page.locator("#copilot-key input").fill(server.staff_key)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#copilot-login")).to_be_hidden(timeout=30_000)
    page.locator("#copilot-conversation textarea").fill(CONVERSATION)
    page.get_by_role("button", name="Suggest a reply").click()

    expect(page.locator("#copilot-products .sa-card").first).to_be_visible(timeout=60_000)
    expect(page.locator("#copilot-policies .sa-policy").first).to_contain_text("return", ignore_case=True)
    expect(page.locator("#copilot-intent")).to_contain_text('"action"')
    reply = page.locator("#copilot-reply textarea")
    expect(reply).not_to_have_value("")
    reply.press("End")
    reply.type(" Thanks!")  # the draft is editable before the agent copies it
    expect(reply).to_have_value(re.compile(r"Thanks!$"))
    page.set_viewport_size({"width": 1280, "height": 1300})  # Gradio scrolls inside its own container
    shot(page, "ui-copilot")
    assert_offline(page)
