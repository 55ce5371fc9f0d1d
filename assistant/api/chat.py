"""HTTP routes of the assistant: `POST /v1/chat` (JSON or Server-Sent Events), `POST /v1/copilot/suggest` and
the session cart (view, add, change a quantity, remove, empty). An unknown session, or a product not in the
catalog or the cart, is a `NotFound`, answered as a 404 naming the field by the app's handler."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

from fastapi import APIRouter, Body
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from tools import Shop
from tools.cart import clear_cart as clear_lines
from tools.cart import remove_from_cart as remove_line
from tools.cart import update_cart_quantity
from tools.models import MAX_QUANTITY, Cart

from ..chat.models import ChatEvent, ChatRequest, ChatResponse, CopilotRequest, CopilotSuggestion
from ..chat.service import ChatService
from ..identity import verify_identity
from .auth import ShopperDoor, StaffDoor
from .dependencies import ChatDep, ServicesDep

router = APIRouter(tags=["chat"])

SSE_EXAMPLE = ('event: intent\ndata: {"action": "search", "query": "running shoes", ...}\n\n'
               'event: products\ndata: [{"id": "SHO-000742", "title": "...", "price": 57.99, "reasons": [...]}]\n\n'
               'event: token\ndata: {"text": "Here are 5 running shoes under $80."}\n\n'
               'event: done\ndata: {"session_id": "3f2a...", "reply": "...", "products": [...], ...}\n\n')
NOT_FOUND = {404: {"description": "Unknown session, or a product not in the catalog (or the cart); `detail` "
                                  "names the field",
                   "content": {"application/json": {"example": {
                       "detail": "session_id: no session 'abc' (it may have expired)",
                       "errors": [{"field": "session_id", "message": "no session 'abc' (it may have expired)"}]}}}}}


class AddToCart(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"product_id": "OUT-000651",
                                                                               "quantity": 1}]})

    product_id: str = Field(min_length=1, max_length=256)
    quantity: int = Field(default=1, ge=1, le=MAX_QUANTITY)


class CartQuantity(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"quantity": 2}]})

    quantity: int = Field(ge=1, le=MAX_QUANTITY, description="The line's new quantity (to remove it: DELETE).")


@router.post("/v1/chat", response_model=ChatResponse, responses={200: {
    "description": "The reply (JSON), or with `stream: true` Server-Sent Events: `intent`, `products`, `token` "
                   "(many, {\"text\": delta}), then `done` (this response) or `error` ({\"detail\"})",
    "content": {"text/event-stream": {"example": SSE_EXAMPLE}}}}, dependencies=[ShopperDoor])
def chat(body: ChatRequest, service: ChatDep, services: ServicesDep):
    """One turn of the shopping conversation. Leave out `session_id` to start one; send the returned one back to
    continue (follow-ups such as "cheaper", "in blue", "the second one" use what the session holds). An id the
    server did not issue, or one that expired, starts a new session under a new id. `user_id` is a signed
    identity token from the store's site; an unsigned or invalid one is ignored (an anonymous shopper)."""
    body = body.model_copy(update={"user_id": verify_identity(body.user_id, services.settings.identity_secret)})
    if body.stream:
        return StreamingResponse(_sse(service.stream(body)), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
    return service.turn(body)


@router.post("/v1/copilot/suggest", response_model=CopilotSuggestion, dependencies=[StaffDoor])
def copilot_suggest(body: CopilotRequest, service: ChatDep) -> CopilotSuggestion:
    """For customer-service staff: the customer's request parsed, candidate products with reasons, the policy
    passages that apply and a draft reply grounded in them, to edit and send."""
    return service.suggest(body)


@router.get("/v1/sessions/{session_id}/cart", response_model=Cart, responses=NOT_FOUND, dependencies=[ShopperDoor])
def get_cart(session_id: str, service: ChatDep) -> Cart:
    return service.cart(session_id)


@router.post("/v1/sessions/{session_id}/cart", response_model=Cart, responses=NOT_FOUND, dependencies=[ShopperDoor])
def add_to_cart(session_id: str, service: ChatDep, body: AddToCart = Body()) -> Cart:
    """Add a product to the session's cart (what a product card's add-to-cart button calls)."""
    return service.add_to_cart(session_id, body.product_id, body.quantity)


@router.patch("/v1/sessions/{session_id}/cart/{product_id}", response_model=Cart, responses=NOT_FOUND,
              dependencies=[ShopperDoor])
def set_cart_quantity(session_id: str, product_id: str, service: ChatDep, body: CartQuantity = Body()) -> Cart:
    """Set how many of a product in the cart the shopper wants (the widget's quantity control)."""
    return _change_cart(service, session_id, lambda shop: update_cart_quantity(shop, product_id, body.quantity))


@router.delete("/v1/sessions/{session_id}/cart/{product_id}", response_model=Cart, responses=NOT_FOUND,
               dependencies=[ShopperDoor])
def remove_from_cart(session_id: str, product_id: str, service: ChatDep) -> Cart:
    """Take a product out of the session's cart (the widget's remove button)."""
    return _change_cart(service, session_id, lambda shop: remove_line(shop, product_id))


@router.delete("/v1/sessions/{session_id}/cart", response_model=Cart, responses=NOT_FOUND, dependencies=[ShopperDoor])
def clear_cart(session_id: str, service: ChatDep) -> Cart:
    """Empty the session's cart."""
    return _change_cart(service, session_id, clear_lines)


def _change_cart(service: ChatService, session_id: str, change: Callable[[Shop], Cart]) -> Cart:
    """The stored session's cart changed by a cart tool (through the Session's methods), then saved."""
    session = service.stored(session_id)
    cart = change(service.shop(session))
    service.sessions.save(session)
    return cart


def _sse(events: Iterator[ChatEvent]) -> Iterator[str]:
    for event in events:
        yield f"event: {event.event}\ndata: {json.dumps(event.payload(), ensure_ascii=False)}\n\n"
