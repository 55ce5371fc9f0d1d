"""The chat contract: what a turn takes and gives, for the API, the widget, the Gradio UI, the CLI and tests.

Streaming (`POST /v1/chat` with `stream: true`) sends Server-Sent Events in this order:
`intent` (the parsed Intent), `products` (list of ProductCard), `token` ({"text": delta}, many),
`done` (the full ChatResponse). An `error` event ({"detail": ...}) replaces `done` if the turn fails.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from assistant.intent.schema import Intent
from retrieval.models import NonBlankText
from retrieval.policies import PolicyPassage  # defined with the policy index; part of this contract

__all__ = ["Cart", "CartLine", "ChatRequest", "ChatResponse", "ConversationTurn", "CopilotRequest",
           "CopilotSuggestion", "MAX_MESSAGE_CHARS", "PolicyPassage", "ProductCard"]

MAX_MESSAGE_CHARS = 2000


class ChatRequest(BaseModel):
    """`POST /v1/chat` body; no `session_id` starts a new session."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"message": "red running shoes under $80, not Nike"},
        {"message": "cheaper, in blue", "session_id": "3f2a9c...", "stream": True}]})

    message: NonBlankText = Field(min_length=1, max_length=MAX_MESSAGE_CHARS)
    session_id: str | None = Field(default=None, min_length=1, max_length=128)
    user_id: str | None = Field(default=None, min_length=1, max_length=256)
    stream: bool = False


class ProductCard(BaseModel):
    """A product as a reply shows it: every value comes from the catalog, `reasons` from what matched."""

    id: str
    title: str
    price: float | None
    currency: str = "USD"
    image_url: str | None = None
    url: str | None = None
    rating: float | None = None
    review_count: int = 0
    brand: str | None = None
    in_stock: bool = True
    reasons: list[str] = Field(default_factory=list, description="One or two, e.g. 'under your $80 budget'.")


class CartLine(BaseModel):
    product_id: str
    title: str
    price: float | None
    currency: str = "USD"
    quantity: int = Field(default=1, ge=1)


class Cart(BaseModel):
    lines: list[CartLine] = Field(default_factory=list)
    total: float = 0.0
    currency: str = "USD"


class ChatResponse(BaseModel):
    session_id: str
    query_id: str | None = Field(default=None, description="Log impressions and clicks of `products` against it.")
    reply: str
    products: list[ProductCard] = Field(default_factory=list)
    intent: Intent
    cart: Cart | None = None
    policies: list[PolicyPassage] = Field(default_factory=list, description="Passages a policy answer cites.")
    composer: Literal["llm", "template"] = Field(description="Who wrote `reply`.")


class ConversationTurn(BaseModel):
    role: Literal["customer", "agent"]
    text: NonBlankText = Field(min_length=1, max_length=MAX_MESSAGE_CHARS)


class CopilotRequest(BaseModel):
    """`POST /v1/copilot/suggest`: the conversation so far, the customer's last message last."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"conversation": [
        {"role": "customer", "text": "Hi, I need a waterproof tent for 4 people under $300"}]}]})

    conversation: list[ConversationTurn] = Field(min_length=1, max_length=50)
    user_id: str | None = Field(default=None, min_length=1, max_length=256)


class CopilotSuggestion(BaseModel):
    intent: Intent
    products: list[ProductCard] = Field(default_factory=list)
    policies: list[PolicyPassage] = Field(default_factory=list)
    reply: str = Field(description="A suggested, editable reply grounded in `products` and `policies`.")
    query_id: str | None = None
