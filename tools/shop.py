"""`Shop`: the running services one conversation's tools act on."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from assistant.chat.sessions import Session
from ranking.event_store import EventStore
from retrieval.models import Product, SearchRequest, SearchResponse
from retrieval.policies import PolicyIndex


class ProductSearch(Protocol):
    """What `assistant.services.product_search` builds: retrieval, reranked when a ranker is trained."""

    def search(self, request: SearchRequest) -> SearchResponse: ...

    def get_product(self, product_id: str) -> Product | None: ...


class UnknownProduct(LookupError):
    """No product with this id in the catalog."""

    def __init__(self, product_id: str):
        super().__init__(f"product_id: no product with id {product_id!r}")
        self.product_id = product_id


@dataclass
class Shop:
    search: ProductSearch
    policies: PolicyIndex
    events: EventStore
    session: Session = field(default_factory=lambda: Session(id="anonymous"))
    today: date = field(default_factory=date.today)
    log_searches: bool = True  # the copilot's lookups are not a shopper's searches

    def product(self, product_id: str) -> Product:
        product = self.search.get_product(product_id)
        if product is None:
            raise UnknownProduct(product_id)
        return product
