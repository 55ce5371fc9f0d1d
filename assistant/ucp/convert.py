"""Our products and carts in the Universal Commerce Protocol's shapes (`shopping/types/product.json`,
`shopping/cart.json`): prices in minor units, descriptions as {"plain": ...}, absolute URLs.

Every value comes from the catalog record as it is stored; catalog text is data, passed as strings in fields and
never put into anything an agent would read as an instruction of ours.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from urllib.parse import quote, urljoin

from retrieval.models import Product, safe_url
from tools.models import Cart

from .validation import VERSION

# ISO 4217 currencies without minor units (amounts are whole units); all others here use two decimals.
ZERO_DECIMAL = frozenset({"BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND",
                          "VUV", "XAF", "XOF", "XPF"})
THREE_DECIMAL = frozenset({"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"})
OPTION_ATTRIBUTES = (("color", "Color"), ("size", "Size"), ("material", "Material"))

SEARCH = "dev.ucp.shopping.catalog.search"
LOOKUP = "dev.ucp.shopping.catalog.lookup"
CART = "dev.ucp.shopping.cart"


def exponent(currency: str) -> int:
    code = (currency or "USD").upper()
    return 0 if code in ZERO_DECIMAL else 3 if code in THREE_DECIMAL else 2


def minor(amount: float, currency: str) -> int:
    """`amount` in the currency's minor units (cents): 74.99 USD -> 7499."""
    return int(round(amount * 10 ** exponent(currency)))


def major(amount: int, currency: str) -> float:
    return amount / 10 ** exponent(currency)


def currency_code(currency: str | None) -> str:
    code = (currency or "USD").strip().upper()
    return code if len(code) == 3 and code.isalpha() else "USD"


def envelope(*capabilities: str, status: str | None = None) -> dict:
    """The `ucp` member of a response: the protocol version and the capabilities it answers for."""
    ucp: dict = {"version": VERSION}
    if status:
        ucp["status"] = status
    if capabilities:
        ucp["capabilities"] = {name: [{"version": VERSION}] for name in capabilities}
    return ucp


def absolute(url: str | None, base_url: str) -> str | None:
    """A link agents can follow: an http(s) URL as it is, a path on the store's site joined to `base_url`."""
    url = safe_url(url)
    if not url:
        return None
    if url.lower().startswith(("http://", "https://")):
        return url
    return urljoin(base_url.rstrip("/") + "/", url)


def has_price(product: Product) -> bool:
    return product.price is not None


def ucp_product(product: Product, base_url: str) -> dict:
    """The product in UCP's product shape (one purchasable variant: the product itself, whose id is the item id a
    cart takes). The caller leaves out products without a price (UCP requires one)."""
    currency = currency_code(product.currency)
    price = {"amount": minor(product.price or 0.0, currency), "currency": currency}
    low, high = product.price_range or (product.price, product.price)
    low = min(low if low is not None else product.price, product.price)
    high = max(high if high is not None else product.price, product.price)
    description = {"plain": product.description or product.title}
    variant: dict = {
        "id": product.id, "title": product.title, "description": description, "price": price,
        "availability": {"available": product.in_stock, "status": "in_stock" if product.in_stock else "out_of_stock"},
    }
    sku = next((v.sku for v in product.variants if v.sku), None)
    if sku:
        variant["sku"] = sku
    barcodes = [{"type": "GTIN", "value": str(value)} for value in _values(product, "gtin")]
    if barcodes:
        variant["barcodes"] = barcodes
    item: dict = {
        "id": product.id, "title": product.title, "description": description,
        "price_range": {"min": {"amount": minor(low, currency), "currency": currency},
                        "max": {"amount": minor(high, currency), "currency": currency}},
        "variants": [variant],
    }
    url = absolute(product.url, base_url)
    if url:
        item["url"] = variant["url"] = url
    if product.category:
        item["categories"] = [{"value": " > ".join(product.category), "taxonomy": "merchant"}]
    if product.list_price is not None and product.list_price > (product.price or 0):
        list_price = {"amount": minor(product.list_price, currency), "currency": currency}
        item["list_price_range"] = {"min": list_price, "max": list_price}
        variant["list_price"] = list_price
    image = absolute(product.image_url, base_url)
    if image:
        item["media"] = [{"type": "image", "url": image, "alt_text": product.title}]
    options = [{"name": label, "values": [{"label": value} for value in _values(product, name)]}
               for name, label in OPTION_ATTRIBUTES if _values(product, name)]
    if options:
        item["options"] = options
    if product.rating is not None:
        item["rating"] = {"value": product.rating, "scale_max": 5, "count": product.review_count}
    if product.tags:
        item["tags"] = list(product.tags)
    metadata = {"brand": product.brand} if product.brand else {}
    attributes = {k: v for k, v in product.attributes.items() if k not in ("gtin",)}
    if attributes:
        metadata["attributes"] = attributes
    if metadata:
        item["metadata"] = metadata
    return item


def _values(product: Product, name: str) -> list[str]:
    raw = product.attributes.get(name)
    values = [raw] if isinstance(raw, str) else list(raw or [])
    values += [v.options[key] for v in product.variants for key in v.options if key.lower() == name]
    return list(dict.fromkeys(str(v).strip() for v in values if str(v).strip()))


def ucp_cart(cart_id: str, cart: Cart, images: dict[str, str | None], continue_url: str,
             expires_at: datetime | None = None, messages: list[dict] | None = None) -> dict:
    """The cart in UCP's cart shape: line items with their totals, the cart's subtotal and total (estimates:
    no shipping or tax), and `continue_url`, where the shopper checks out in the store."""
    currency = currency_code(cart.currency)
    lines = []
    for number, line in enumerate(cart.lines, start=1):
        price = minor(line.price or 0.0, currency)
        item = {"id": line.product_id, "title": line.title, "price": price}
        if images.get(line.product_id):
            item["image_url"] = images[line.product_id]
        amount = price * line.quantity
        lines.append({"id": f"li_{number}", "item": item, "quantity": line.quantity,
                      "totals": [{"type": "subtotal", "amount": amount}, {"type": "total", "amount": amount}]})
    total = sum(line["totals"][0]["amount"] for line in lines)
    body = {"ucp": envelope(CART), "id": cart_id, "line_items": lines, "currency": currency,
            "totals": [{"type": "subtotal", "amount": total}, {"type": "total", "amount": total}],
            "continue_url": continue_url}
    if expires_at is not None:
        body["expires_at"] = expires_at.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
    if messages:
        body["messages"] = messages
    return body


def continue_url(template: str, base_url: str, cart_id: str) -> str:
    return template.format(base_url=base_url.rstrip("/"), cart_id=quote(cart_id, safe=""))


def expiry(ttl_minutes: int) -> datetime:
    return datetime.now(timezone.utc) + timedelta(minutes=ttl_minutes)


def error_response(code: str, content: str, *capabilities: str, continue_url: str | None = None,
                   path: str | None = None) -> dict:
    """UCP's error response (a business outcome, returned as a successful tool result)."""
    message = {"type": "error", "code": code, "content": content, "severity": "unrecoverable"}
    if path:
        message["path"] = path
    body = {"ucp": envelope(*capabilities, status="error"), "messages": [message]}
    if continue_url:
        body["continue_url"] = continue_url
    return body


def info(code: str, content: str, path: str | None = None) -> dict:
    message = {"type": "info", "code": code, "content": content}
    if path:
        message["path"] = path
    return message


def warning(code: str, content: str, path: str | None = None) -> dict:
    message = {"type": "warning", "code": code, "content": content}
    if path:
        message["path"] = path
    return message
