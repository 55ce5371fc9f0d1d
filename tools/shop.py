"""`Shop`: the running services one conversation's tools act on, and what they need of the conversation."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from ranking.event_store import EventStore
from retrieval.errors import NotFound
from retrieval.models import Product, SearchRequest, SearchResponse
from retrieval.policies import PolicyIndex

from .models import Cart


class ProductSearch(Protocol):
    """Retrieval, reranked when a ranker is trained (`ranking.serving.RankedSearch`), or the Retriever itself."""

    def search(self, request: SearchRequest) -> SearchResponse: ...

    def get_product(self, product_id: str) -> Product | None: ...

    def facet_coverage(self, field: str) -> float: ...

    def carries(self, field: str, value: str) -> bool: ...


class ShopperSession(Protocol):
    """What the tools read and change of one conversation. `assistant.chat.sessions.Session` is the
    implementation; its methods are the only writers of conversation state, whoever calls the tool."""

    @property
    def id(self) -> str: ...

    @property
    def user_id(self) -> str | None: ...

    @property
    def cart(self) -> Cart: ...

    def add_to_cart(self, product: Product, quantity: int) -> Cart: ...

    def remove_from_cart(self, product_id: str) -> Cart: ...

    def set_quantity(self, product_id: str, quantity: int) -> Cart: ...

    def clear_cart(self) -> Cart: ...


class CartKeeper:
    """The cart edits of `ShopperSession` over a `cart` attribute holding a Cart value (each edit stores the new
    value). `assistant.chat.sessions.Session` and `AnonymousSession` both keep their cart this way."""

    cart: Cart

    def add_to_cart(self, product: Product, quantity: int) -> Cart:
        self.cart = self.cart.with_product(product, quantity)
        return self.cart

    def remove_from_cart(self, product_id: str) -> Cart:
        self.cart = self.cart.without(product_id)
        return self.cart

    def set_quantity(self, product_id: str, quantity: int) -> Cart:
        self.cart = self.cart.with_quantity(product_id, quantity)
        return self.cart

    def clear_cart(self) -> Cart:
        self.cart = Cart(currency=self.cart.currency)
        return self.cart


@dataclass
class AnonymousSession(CartKeeper):
    """A conversation nobody keeps: one-off tool calls (tests, a staff lookup)."""

    id: str = "anonymous"
    user_id: str | None = None
    cart: Cart = field(default_factory=Cart)


class UnknownProduct(NotFound):
    """No product with this id in the catalog."""

    def __init__(self, product_id: str):
        super().__init__("product_id", f"no product with id {product_id!r}")
        self.product_id = product_id


@dataclass
class Shop:
    search: ProductSearch
    policies: PolicyIndex
    events: EventStore
    session: ShopperSession = field(default_factory=AnonymousSession)
    today: date = field(default_factory=date.today)
    log_searches: bool = True  # the copilot's lookups are not a shopper's searches
    search_marks: dict = field(default_factory=dict)  # added to logged searches' query_attributes (agent traffic)

    def product(self, product_id: str) -> Product:
        product = self.search.get_product(product_id)
        if product is None:
            raise UnknownProduct(product_id)
        return product
