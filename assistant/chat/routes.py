"""HTTP routes of the assistant: `POST /v1/chat` (JSON or Server-Sent Events), `POST /v1/copilot/suggest` and
the session cart. Mounted by `assistant.api.create_app`; the service is `app.state.chat`."""

from __future__ import annotations

import json
from collections.abc import Iterator

from fastapi import APIRouter, Body, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from .models import Cart, ChatRequest, ChatResponse, CopilotRequest, CopilotSuggestion
from .service import ChatService, Event

router = APIRouter(tags=["chat"])

SSE_EXAMPLE = ('event: intent\ndata: {"action": "search", "query": "running shoes", ...}\n\n'
               'event: products\ndata: [{"id": "SHO-000742", "title": "...", "price": 57.99, "reasons": [...]}]\n\n'
               'event: token\ndata: {"text": "Here are 5 running shoes under $80."}\n\n'
               'event: done\ndata: {"session_id": "3f2a...", "reply": "...", "products": [...], ...}\n\n')
NOT_FOUND = {404: {"description": "Unknown session or product; `detail` names the field",
                   "content": {"application/json": {"example": {
                       "detail": "session_id: no session 'abc' (it may have expired)",
                       "errors": [{"field": "session_id", "message": "no session 'abc' (it may have expired)"}]}}}}}


class AddToCart(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"product_id": "OUT-000651",
                                                                               "quantity": 1}]})

    product_id: str = Field(min_length=1, max_length=256)
    quantity: int = Field(default=1, ge=1, le=99)


def _chat(request: Request) -> ChatService:
    return request.app.state.chat


@router.post("/v1/chat", response_model=ChatResponse, responses={200: {
    "description": "The reply (JSON), or with `stream: true` Server-Sent Events: `intent`, `products`, `token` "
                   "(many, {\"text\": delta}), then `done` (this response) or `error` ({\"detail\"})",
    "content": {"text/event-stream": {"example": SSE_EXAMPLE}}}})
def chat(body: ChatRequest, request: Request):
    """One turn of the shopping conversation. Leave out `session_id` to start one; send it back to continue
    (follow-ups such as "cheaper", "in blue", "the second one" use what the session holds)."""
    service = _chat(request)
    if body.stream:
        return StreamingResponse(_sse(service.stream(body)), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
    return service.turn(body)


@router.post("/v1/copilot/suggest", response_model=CopilotSuggestion)
def copilot_suggest(body: CopilotRequest, request: Request) -> CopilotSuggestion:
    """For customer-service staff: the customer's request parsed, candidate products with reasons, the policy
    passages that apply and a draft reply grounded in them, to edit and send."""
    return _chat(request).suggest(body)


@router.get("/v1/sessions/{session_id}/cart", response_model=Cart, responses=NOT_FOUND)
def get_cart(session_id: str, request: Request):
    try:
        return _chat(request).cart(session_id)
    except LookupError as exc:
        return _not_found(exc)


@router.post("/v1/sessions/{session_id}/cart", response_model=Cart, responses=NOT_FOUND)
def add_to_cart(session_id: str, request: Request, body: AddToCart = Body()):
    """Add a product to the session's cart (what a product card's add-to-cart button calls)."""
    try:
        return _chat(request).add_to_cart(session_id, body.product_id, body.quantity)
    except LookupError as exc:
        return _not_found(exc)


def _sse(events: Iterator[Event]) -> Iterator[str]:
    for name, data in events:
        yield f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def _not_found(exc: LookupError) -> JSONResponse:
    """A 404 shaped like the API's 422s: the messages start with the field they are about."""
    detail = str(exc.args[0]) if exc.args else str(exc)
    field, _, message = detail.partition(": ")
    return JSONResponse(status_code=404, content={"detail": detail, "errors": [{"field": field, "message": message}]})
