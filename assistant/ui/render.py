"""HTML for the Gradio UI: product cards and policy passages. Every catalog value is escaped."""

from __future__ import annotations

import zlib
from html import escape
from urllib.parse import quote

from retrieval.models import safe_url
from tools.models import PolicyPassage, ProductCard

# Percent-encode what could end a CSS url("...") or an HTML attribute; keep what URLs need.
URL_SAFE = ":/?#[]@!$&*+,;=%~"
SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "CAD": "CA$", "AUD": "A$"}


def price(value: float | None, currency: str) -> str:
    if value is None:
        return "Price on request"
    symbol = SYMBOLS.get(currency.upper())
    return f"{symbol}{value:,.2f}" if symbol else f"{value:,.2f} {currency}"


def _image(card: ProductCard) -> str:
    # The photo is a background over the brand on a tinted tile: a missing or unreachable image leaves a
    # tidy tile, never a broken-image icon (no script needed, which Gradio's HTML would not run anyway).
    hue = zlib.crc32(card.title.encode()) % 360
    style = f"background-color:hsl({hue} 38% 90%);color:hsl({hue} 35% 30%)"
    image = safe_url(card.image_url)  # checked again here: only http(s) or on-site URLs become a link or image
    photo = (f'<div class="sa-photo" style="background-image:url(&quot;{escape(quote(image, safe=URL_SAFE))}'
             f'&quot;)"></div>' if image else "")
    label = card.brand or " ".join(card.title.split()[:2])
    return f'<div class="sa-img" style="{style}"><span>{escape(label)}</span>{photo}</div>'


def product_cards(cards: list[ProductCard], empty: str = "Products the assistant suggests appear here.") -> str:
    if not cards:
        return f'<p class="sa-empty">{escape(empty)}</p>'
    items = []
    for card in cards:
        link = safe_url(card.url)
        title = (f'<a class="sa-title" href="{escape(link)}" target="_blank" rel="noopener">{escape(card.title)}</a>'
                 if link else f'<span class="sa-title">{escape(card.title)}</span>')
        rating = (f'<div class="sa-rating"><b>★ {card.rating:.1f}</b> ({card.review_count})</div>'
                  if card.rating is not None else "")
        reasons = "".join(f"<li>{escape(reason)}</li>" for reason in card.reasons[:2])
        stock = "in stock" if card.in_stock else "out of stock"
        items.append(
            f'<div class="sa-card">{_image(card)}<div class="sa-body">'
            f'<div class="sa-brand">{escape(card.brand or "")}</div>{title}'
            f'<div class="sa-price">{price(card.price, card.currency)}</div>{rating}'
            f'<ul class="sa-reasons">{reasons}</ul>'
            f'<div class="sa-meta">{escape(card.id)} · {stock}</div></div></div>')
    return f'<div class="sa-grid">{"".join(items)}</div>'


def policy_passages(passages: list[PolicyPassage]) -> str:
    if not passages:
        return '<p class="sa-empty">No policy passage applies to this conversation.</p>'
    return "".join(
        f'<blockquote class="sa-policy"><div class="sa-source">{escape(p.title)} · {escape(p.source)}</div>'
        f"{escape(p.text)}</blockquote>" for p in passages)
