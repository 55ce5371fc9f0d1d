"""Product cards and the one or two reasons each shows: why this product, for this request.

The first reason is the strongest constraint the product meets ("under your $80 budget", "in blue"), the
second a fact about the product itself: the ranker's personal signal ("you often buy Runvale"), a sale,
a good rating, a recent launch. Every reason is checked against the product's own data.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from retrieval.models import Product, SearchRequest

from .models import ProductCard

MAX_REASONS = 2
GOOD_RATING, MIN_REVIEWS = 4.3, 20
NEW_DAYS = 30


def product_card(product: Product, reasons: Sequence[str] = ()) -> ProductCard:
    return ProductCard(
        id=product.id, title=product.title, price=product.price, currency=product.currency,
        image_url=product.image_url, url=product.url, rating=product.rating, review_count=product.review_count,
        brand=product.brand, in_stock=product.in_stock, reasons=list(reasons)[:MAX_REASONS])


def reasons_for(product: Product, request: SearchRequest | None, why: Sequence[str] = (),
                features: Sequence[str] = (), today: date | None = None, says_query: bool = True) -> list[str]:
    """One or two reasons, the asked-for one first; `why` are the ranker's feature names for this product.
    `says_query`: the product's own text has every word of the query (else it is only close to it)."""
    today = today or date.today()
    asked = _asked(product, request, features) if request else []
    facts = _facts(product, why, today)
    chosen = asked[:1] + facts[:1]
    for reason in asked[1:] + facts[1:]:  # one side may have none: fill from the other
        if len(chosen) >= MAX_REASONS:
            break
        chosen.append(reason)
    if chosen or request is None:
        return chosen
    return [f"matches “{request.query}”" if says_query else f"the closest to “{request.query}”"]


def _asked(product: Product, request: SearchRequest, features: Sequence[str]) -> list[str]:
    reasons = []
    price = product.price
    if request.max_price is not None and price is not None and price <= request.max_price:
        reasons.append(f"under your ${request.max_price:,.0f} budget" if request.max_price == int(request.max_price)
                       else f"under your ${request.max_price:,.2f} budget")
    elif request.min_price is not None and price is not None and price >= request.min_price:
        reasons.append(f"over ${request.min_price:,.0f}, as asked")
    if request.color and request.color.lower() in product.attribute_values("color"):
        reasons.append(f"in {request.color.lower()}")
    text = " ".join([product.title, product.description, *product.tags]).lower()
    reasons += [f"{feature.lower()}, as asked" for feature in features if feature.lower() in text]
    if request.brand and product.brand in request.brand:
        reasons.append(f"from {product.brand}, as asked")
    if request.size and request.size.lower() in product.attribute_values("size"):
        reasons.append(f"comes in size {request.size}")
    return reasons


def _facts(product: Product, why: Sequence[str], today: date) -> list[str]:
    reasons = []
    if "user_brand" in why and product.brand:
        reasons.append(f"you often buy {product.brand}")
    if "user_price_band" in why:
        reasons.append("in your usual price range")
    if product.list_price and product.price is not None and product.list_price > product.price:
        reasons.append(f"on sale, was ${product.list_price:,.2f}")
    rated = product.rating is not None and product.rating >= GOOD_RATING and product.review_count >= MIN_REVIEWS
    new = product.launched_at is not None and today - timedelta(days=NEW_DAYS) <= product.launched_at <= today
    rating = f"{product.rating:.1f} stars from {product.review_count:,} reviews" if rated else None
    # The ranker's signals decide the order between the product's own strengths.
    if new and "recency" in why:
        reasons.append("new this month")
    if rating:
        reasons.append(rating)
    if new and "recency" not in why:
        reasons.append("new this month")
    if "popularity" in why or "query_popularity" in why:
        reasons.append("popular with other shoppers")
    return reasons
