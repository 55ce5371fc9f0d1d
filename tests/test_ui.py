"""The Gradio UI's pure parts: reading a pasted conversation, and rendering cards safely."""

from assistant.chat.models import PolicyPassage, ProductCard
from assistant.ui.app import parse_conversation
from assistant.ui.render import policy_passages, price, product_cards


def test_conversation_lines_become_turns():
    turns = parse_conversation("Customer: I need a tent\nfor 4 people\n\nAgent: Any brand?\nshopper:  No, under $300")
    assert [(t.role, t.text) for t in turns] == [
        ("customer", "I need a tent\nfor 4 people"), ("agent", "Any brand?"), ("customer", "No, under $300")]


def test_a_pasted_message_without_prefixes_is_the_customer_s():
    turns = parse_conversation("Do you ship to Alaska?\nNote: it's a gift")  # "Note:" is not a role
    assert [(t.role, t.text) for t in turns] == [("customer", "Do you ship to Alaska?\nNote: it's a gift")]
    assert parse_conversation("Agent:\n\n") == []


def test_cards_escape_catalog_text_and_urls():
    card = ProductCard(id="X-1", title="<script>alert(1)</script> Boots", price=1299.5, brand="A&B",
                       image_url='https://img.example/a".jpg', url="/p?a=1&b=2", rating=4.25, review_count=12,
                       reasons=["under your $1,300 budget"])
    html = product_cards([card])
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'a%22.jpg' in html and 'a".jpg' not in html  # a quote in a URL cannot end the style attribute
    assert "$1,299.50" in html and "★ 4.2" in html and "A&amp;B" in html and 'href="/p?a=1&amp;b=2"' in html


def test_prices_and_policies():
    assert price(None, "USD") == "Price on request" and price(5, "EUR") == "€5.00" and price(5, "NOK") == "5.00 NOK"
    passage = PolicyPassage(source="returns.md", title="The 30-day return window", text="Unused <items>")
    html = policy_passages([passage])
    assert "returns.md" in html and "Unused &lt;items&gt;" in html
    assert "No policy" in policy_passages([])
