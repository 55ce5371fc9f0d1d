import pytest

from retrieval.ingest.cleaning import parse_bool, parse_date, parse_price, split_category, strip_html


@pytest.mark.parametrize("text, price, currency, price_range", [
    ("$1,299.99", 1299.99, "USD", None),
    ("15.00 USD", 15.0, "USD", None),
    ("€20", 20.0, "EUR", None),
    ("20 €", 20.0, "EUR", None),
    ("£7.5", 7.5, "GBP", None),
    ("1.299,99 EUR", 1299.99, "EUR", None),
    ("12,99", 12.99, None, None),
    ("$10.99 - $20.99", 10.99, "USD", (10.99, 20.99)),
    ("20.99-10.99 USD", 10.99, "USD", (10.99, 20.99)),
    ("call for price", None, None, None),
    ("", None, None, None),
    (None, None, None, None),
    (19.5, 19.5, None, None),
    (-4, None, None, None),
])
def test_parse_price(text, price, currency, price_range):
    parsed = parse_price(text)
    assert parsed.price == price
    assert parsed.currency == currency
    assert parsed.range == price_range


def test_strip_html_keeps_words_apart_and_unescapes():
    assert strip_html("<p>Grippy <b>trail</b> shoe.</p><ul><li>Waterproof</li><li>Rock&nbsp;plate &amp; more</li></ul>") \
        == "Grippy trail shoe. Waterproof Rock plate & more"
    assert strip_html("<script>alert(1)</script>Safe") == "Safe"
    assert strip_html(None) == ""


@pytest.mark.parametrize("text, levels", [
    ("Home > Kitchen > Knives", ["Home", "Kitchen", "Knives"]),
    ("Home|Kitchen|Knives", ["Home", "Kitchen", "Knives"]),
    ("Home/Kitchen/Knives", ["Home", "Kitchen", "Knives"]),
    (["Home", " Kitchen "], ["Home", "Kitchen"]),
    ("", []),
])
def test_split_category(text, levels):
    assert split_category(text) == levels


def test_availability_and_dates():
    assert parse_bool("in_stock") is True
    assert parse_bool("out of stock") is False
    assert parse_bool("maybe") is None
    assert str(parse_date("2026-10-20T08:00:00Z")) == "2026-10-20"
    assert str(parse_date("10/20/2026")) == "2026-10-20"
    assert parse_date("someday") is None
