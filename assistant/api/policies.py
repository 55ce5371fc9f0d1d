"""The store's policy documents over HTTP: `GET /v1/policies` lists them, `PUT /v1/policies` replaces them.

The same store as `shopassist policies` (`<home>/policies`); chat and copilot answer from the new set on the
next question, without a restart.
"""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from retrieval.errors import FieldError
from retrieval.policies import PolicyOutline, parse_policies

from .auth import AdminDoor, ShopperDoor
from .dependencies import ServicesDep

router = APIRouter(tags=["policies"])

MAX_BODY_BYTES = 1_000_000  # Shopify caps one policy at 512 KB
# The body's media type says how to read it; anything else is detected from the text.
FORMATS = {"text/markdown": "markdown", "text/x-markdown": "markdown", "text/html": "html",
           "application/json": "shopify", "text/plain": "auto"}


class PolicyList(BaseModel):
    documents: list[PolicyOutline]


@router.get("/v1/policies", response_model=PolicyList, dependencies=[ShopperDoor])
def list_policies(services: ServicesDep) -> PolicyList:
    """The documents the assistant answers policy questions from, with their section titles."""
    return PolicyList(documents=services.policies.outline())


@router.put("/v1/policies", response_model=PolicyList, openapi_extra={"requestBody": {"required": True, "content": {
    "text/markdown": {"schema": {"type": "string"},
                      "example": "# Refund policy\n\n## Returns\n\nUnused items can be returned within 30 days.\n"},
    "text/plain": {"schema": {"type": "string"}},
    "text/html": {"schema": {"type": "string"}},
    "application/json": {"schema": {"type": "object"}, "example": {"policies": [
        {"title": "Refund policy", "handle": "refund-policy", "body": "<p>Returns within 30 days.</p>"}]}}}}},
    responses={422: {"description": "No policy text in the body, or not UTF-8; `detail` names the field"}},
    dependencies=[AdminDoor])
async def replace_policies(request: Request, services: ServicesDep,
                           name: str = Query(default="policies.md", min_length=1, max_length=100,
                                             description="The file name the body would have: names the document "
                                                         "of plain text or of Markdown with one # title."),
                           format: str = Query(default="auto", pattern="^(auto|markdown|shopify|html|text)$",
                                               description="How to read the body; auto: from its media type, "
                                                           "else from the text.")) -> PolicyList:
    """Replace the store's policies with the uploaded document(s): Markdown (`#`/`##` headings are titles), a
    Shopify policy export (JSON, HTML bodies), HTML or plain text. The whole set is replaced atomically.

    An admin door (an admin key): it changes what the assistant tells every shopper."""
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        raise FieldError("body", f"larger than {MAX_BODY_BYTES:,} bytes")
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FieldError("body", "not UTF-8 text") from None
    if format == "auto":
        media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        format = FORMATS.get(media_type, "auto")
    try:
        documents = parse_policies(text, name, format)
    except ValueError as exc:
        raise FieldError("body", str(exc)) from None
    return await run_in_threadpool(_replace, services.policies, documents)


def _replace(store, documents) -> PolicyList:
    store.replace(documents)
    return PolicyList(documents=store.outline())
