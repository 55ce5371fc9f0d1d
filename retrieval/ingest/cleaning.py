"""Turning messy feed values into clean ones. Every function here returns None for what it cannot read."""

from __future__ import annotations

import html
import re
from datetime import date, datetime

from pydantic import BaseModel

_TAG = re.compile(r"<\s*/?\s*[a-zA-Z!?][^>]*>")
_OPEN_TAG_AT_END = re.compile(r"<\s*/?\s*[a-zA-Z!?][^>]*$")  # "<img src=x onerror=..." cut off by the feed
_BLOCK_TAG = re.compile(r"</?(p|br|div|li|ul|ol|h[1-6]|tr|table)\b[^>]*>", re.I)
_SPACE = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def strip_html(text: str | None) -> str:
    """Plain text from a feed value: entities decoded FIRST (repeatedly: "&amp;lt;b&amp;gt;" is "<b>"), then
    scripts, styles and every tag removed, so that an encoded "&lt;img src=x onerror=...&gt;" cannot come out
    as live markup; control characters go, whitespace collapses. "5 < 6" is text and stays."""
    if not text:
        return ""
    for _ in range(3):
        decoded = html.unescape(text)
        if decoded == text:
            break
        text = decoded
    text = re.sub(r"<(script|style)\b.*?</\1\s*>", " ", text, flags=re.I | re.S)
    text = re.sub(r"<(script|style)\b.*", " ", text, flags=re.I | re.S)  # never closed: the rest is code
    text = _BLOCK_TAG.sub(" ", text)
    text = _TAG.sub("", text)
    text = _OPEN_TAG_AT_END.sub("", text)
    text = _CONTROL.sub(" ", text)
    return _SPACE.sub(" ", text).strip()


CURRENCY_SYMBOLS = {"$": "USD", "US$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR", "C$": "CAD",
                    "A$": "AUD", "CA$": "CAD", "AU$": "AUD", "₩": "KRW", "R$": "BRL"}
_CODE = r"[A-Z]{3}"
_AMOUNT = r"\d[\d,.' ]*\d|\d"
_MONEY = re.compile(
    rf"(?P<pre>{'|'.join(re.escape(s) for s in sorted(CURRENCY_SYMBOLS, key=len, reverse=True))}|{_CODE})?\s*"
    rf"(?P<amount>{_AMOUNT})\s*(?P<post>{_CODE}|€|£|\$)?")


class Price(BaseModel):
    price: float | None = None
    currency: str | None = None
    range: tuple[float, float] | None = None


def parse_amount(text: str) -> float | None:
    """'1,299.99' -> 1299.99; '1.299,99' -> 1299.99; '20' -> 20.0."""
    text = text.replace(" ", "").replace("'", "")
    if "," in text and "." in text:
        decimal = "," if text.rfind(",") > text.rfind(".") else "."
        thousands = "." if decimal == "," else ","
        text = text.replace(thousands, "").replace(decimal, ".")
    elif "," in text:
        head, _, tail = text.rpartition(",")
        # "1,299" is thousands; "12,99" is a decimal comma
        text = text.replace(",", "") if len(tail) == 3 else head.replace(",", "") + "." + tail
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value >= 0 else None


def parse_price(text: str | float | int | None, default_currency: str | None = None) -> Price:
    """Prices as feeds write them: '$1,299.99', '15.00 USD', '€20', '$10.99 - $20.99', 12.5."""
    if text is None:
        return Price(currency=default_currency)
    if isinstance(text, (int, float)):
        return Price(price=float(text) if text >= 0 else None, currency=default_currency)
    found = [(m, parse_amount(m.group("amount"))) for m in _MONEY.finditer(text.strip())]
    found = [(m, v) for m, v in found if v is not None]
    if not found or len(found) > 2:
        return Price(currency=default_currency)
    currency = default_currency
    for m, _ in found:
        mark = m.group("pre") or m.group("post")
        if mark:
            currency = CURRENCY_SYMBOLS.get(mark, mark)
            break
    values = [v for _, v in found]
    if len(values) == 2:
        low, high = sorted(values)
        return Price(price=low, currency=currency, range=(low, high))
    return Price(price=values[0], currency=currency)


# The strongest separator a path uses splits it, and only that one: in "Cell Phones > Portable Chargers/Power
# Packs" or "Toys & Games | Puzzles | Jigsaw Puzzles" a "/" inside a level is part of its name.
_CATEGORY_SEPARATORS = (re.compile(r"\s*>\s*"), re.compile(r"\s*\|\s*"), re.compile(r"\s*/\s*"))


def split_category(text: str | list | None) -> list[str]:
    if not text:
        return []
    if isinstance(text, list):  # levels, or level records ({"id": ..., "name": ...})
        levels = [level.get("name") if isinstance(level, dict) else level for level in text]
        return [str(level).strip() for level in levels if level is not None and str(level).strip()]
    text = strip_html(str(text))
    for separator in _CATEGORY_SEPARATORS:
        if separator.search(text):
            return [level for level in separator.split(text) if level]
    return [text] if text else []


def parse_bool(text: str | bool | None) -> bool | None:
    if isinstance(text, bool):
        return text
    value = (text or "").strip().lower().replace("_", " ")
    if value in {"in stock", "instock", "true", "yes", "y", "1", "available", "active", "preorder", "backorder"}:
        return True
    if value in {"out of stock", "outofstock", "false", "no", "n", "0", "sold out", "unavailable", "draft",
                 "archived"}:
        return False
    return None


def parse_float(text: str | float | int | None) -> float | None:
    if text is None or text == "":
        return None
    if isinstance(text, (int, float)):
        return float(text)
    match = re.search(r"-?\d+(?:[.,]\d+)?", str(text))
    return float(match.group().replace(",", ".")) if match else None


def parse_int(text: str | int | None) -> int | None:
    value = parse_float(str(text).replace(",", "") if isinstance(text, str) else text)
    return int(value) if value is not None and value >= 0 else None


def parse_date(text: str | None) -> date | None:
    if not text:
        return None
    text = str(text).strip()
    for candidate in (text, text[:10]):
        try:
            return datetime.fromisoformat(candidate.replace("Z", "+00:00")).date()
        except ValueError:
            continue
    for fmt in ("%m/%d/%Y", "%d.%m.%Y", "%Y/%m/%d"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def split_list(text: str | list | None) -> list[str]:
    if not text:
        return []
    if isinstance(text, list):
        return [str(t).strip() for t in text if str(t).strip()]
    # Entities first: the ";" ending "&lt;" is no separator.
    return [t.strip() for t in re.split(r"[,;|]", html.unescape(str(text))) if t.strip()]


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
