"""Chat sessions: what a conversation remembers between turns.

The `Session` model lives here; `session_store.py` keeps sessions in the events database between turns.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from datetime import datetime, timezone

from pydantic import BaseModel, Field

from retrieval.intent import Intent
from retrieval.models import Product
from tools.models import Cart, ProductCard
from tools.shop import CartKeeper

from ..intent.context import IntentContext
from .models import MAX_MESSAGE_CHARS, ConversationTurn

Clock = Callable[[], datetime]
MAX_MENTIONED = 6


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


# A session id is a bearer secret (it opens the session's cart): only the server makes them, 192 random bits.
ISSUED_ID = re.compile(r"[A-Za-z0-9_-]{32}")


def new_session_id() -> str:
    return secrets.token_urlsafe(24)


def is_issued_id(session_id: str | None) -> bool:
    """Whether `session_id` has the shape of an id the server issues (one a client made up cannot attach to a
    session stored under it, e.g. before ids were issued)."""
    return bool(session_id) and ISSUED_ID.fullmatch(session_id) is not None


class Session(CartKeeper, BaseModel):
    """One conversation's state. Its methods are the only writers: the routes, the tool-calling path and the
    tools change it through them, so every path follows the same rules.

    | method | changes | rule |
    |---|---|---|
    | `set_request(intent)` | intent | the shopping request follow-ups refine |
    | `show(cards, more)` | shown_ids, shown_prices, seen_ids, focus_id | what "the second one" and "cheaper" refer to; "show me more" (`more`) adds to seen_ids, anything else starts them again; nothing found keeps what was shown; "it" becomes the top pick |
    | `focus(product_id)` | focus_id, mentioned_ids | the product "it" means |
    | `mention(product_ids)` | mentioned_ids | products talked about one by one (a comparison's, a single result): what "both" and "the cheaper one" mean; a new list of results keeps only those in it |
    | `add_to_cart(product, n)` | cart, focus_id | a new cart value; the product added is in focus |
    | `remove_from_cart(product_id)` | cart | a new cart value without the line (NotInCart when there is none) |
    | `set_quantity(product_id, n)` | cart, focus_id | a new cart value with exactly n (1-99) of a product in it; it is in focus |
    | `clear_cart()` | cart | an empty cart |
    | `identify(user_id)` | user_id | who is shopping (personalizes ranking) |
    | `remember(customer, agent, keep)` | history | the latest `keep` messages |
    """

    id: str
    user_id: str | None = None
    created_at: datetime = Field(default_factory=utc_now)
    history: list[ConversationTurn] = Field(default_factory=list, description="The latest messages, oldest first.")
    intent: Intent | None = Field(default=None, description="The last shopping request, refined by follow-ups.")
    shown_ids: list[str] = Field(default_factory=list, description="The products shown last, in order.")
    shown_prices: list[float] = Field(default_factory=list)
    seen_ids: list[str] = Field(default_factory=list, description="Every product shown for the current request: "
                                                                   "'show me more' skips them.")
    focus_id: str | None = Field(default=None, description="The product talked about last ('add it').")
    mentioned_ids: list[str] = Field(default_factory=list, description="The products talked about one by one, "
                                     "oldest first: 'add both', 'the cheaper one'.")
    cart: Cart = Field(default_factory=Cart)

    def context(self) -> IntentContext:
        return IntentContext(previous=self.intent, shown_product_ids=self.shown_ids, shown_prices=self.shown_prices)

    def set_request(self, intent: Intent) -> None:
        self.intent = intent

    def show(self, cards: list[ProductCard], more: bool = False) -> None:
        if not cards:
            if not more:
                self.seen_ids = []
            return
        ids = [card.id for card in cards]
        self.shown_ids = ids
        # Prices only when every card has one: "cheaper" compares against all that was shown.
        self.shown_prices = [card.price for card in cards] if all(card.price is not None for card in cards) else []
        self.seen_ids = list(dict.fromkeys([*self.seen_ids, *ids])) if more else ids
        self.focus_id = None  # "it" now means the top pick of these, not a product talked about before
        if len(ids) == 1:  # a single result is talked about: "add both" after it means it and the one before
            self.mention(ids)
        else:  # a new list: what was talked about before it counts only while it is on show
            self.mentioned_ids = [pid for pid in self.mentioned_ids if pid in ids]

    def focus(self, product_id: str) -> None:
        self.focus_id = product_id
        self.mention([product_id])

    def mention(self, product_ids: list[str]) -> None:
        self.mentioned_ids = [*(pid for pid in self.mentioned_ids if pid not in product_ids),
                              *dict.fromkeys(product_ids)][-MAX_MENTIONED:]

    def add_to_cart(self, product: Product, quantity: int) -> Cart:
        cart = super().add_to_cart(product, quantity)
        self.focus(product.id)  # the product just added is "it"
        return cart

    def set_quantity(self, product_id: str, quantity: int) -> Cart:
        cart = super().set_quantity(product_id, quantity)
        self.focus(product_id)
        return cart

    def identify(self, user_id: str | None) -> None:
        if user_id:
            self.user_id = user_id

    def remember(self, customer: str, agent: str, keep: int) -> None:
        """Append one exchange and keep the latest `keep` messages (older ones are dropped, not summarized:
        what a follow-up needs, the intent, the products shown and the cart, is kept apart from the text)."""
        self.history += [ConversationTurn(role="customer", text=customer[:MAX_MESSAGE_CHARS]),
                         ConversationTurn(role="agent", text=agent[:MAX_MESSAGE_CHARS] or "…")]
        self.history = self.history[-keep:]
