"""The chat contract: what a turn takes and gives, for the API, the widget, the Gradio UI, the CLI and tests.

A turn is a stream of typed `ChatEvent`s, produced by `ChatService.stream` and consumed as they are by the
SSE route, the Gradio UI and the CLI: `IntentEvent` (the parsed Intent), `ProductsEvent` (the cards),
`TokenEvent` (a piece of the reply, many), then `DoneEvent` (the full ChatResponse); an `ErrorEvent`
replaces `done` if the turn fails. Over SSE each is `event: <name>` with `data:` its `payload()`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from retrieval.intent import Intent
from retrieval.models import NonBlankText
from tools.models import Cart, PolicyPassage, ProductCard

__all__ = ["ChatEvent", "ChatRequest", "ChatResponse", "ConversationTurn", "CopilotRequest", "CopilotSuggestion",
           "DoneEvent", "ErrorEvent", "IntentEvent", "MAX_MESSAGE_CHARS", "ProductsEvent", "TokenEvent"]

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


# ---------------------------------------------------------------------------------------------- the stream


class IntentEvent(BaseModel):
    event: Literal["intent"] = "intent"
    intent: Intent

    def payload(self) -> Any:
        return self.intent.model_dump(mode="json")


class ProductsEvent(BaseModel):
    event: Literal["products"] = "products"
    products: list[ProductCard]

    def payload(self) -> Any:
        return [card.model_dump(mode="json") for card in self.products]


class TokenEvent(BaseModel):
    event: Literal["token"] = "token"
    text: str

    def payload(self) -> Any:
        return {"text": self.text}


class DoneEvent(BaseModel):
    event: Literal["done"] = "done"
    response: ChatResponse

    def payload(self) -> Any:
        return self.response.model_dump(mode="json")


class ErrorEvent(BaseModel):
    event: Literal["error"] = "error"
    detail: str

    def payload(self) -> Any:
        return {"detail": self.detail}


ChatEvent = Annotated[IntentEvent | ProductsEvent | TokenEvent | DoneEvent | ErrorEvent, Field(discriminator="event")]
