"""Catalog and intent routes: a product by id, search (retrieval + ranker, logged as a UBI query), the intent
parser and its JSON Schema, and the health check."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from ranking.query_log import log_search
from ranking.screening import client_key
from retrieval.errors import NotFound
from retrieval.intent import Intent
from retrieval.models import Product, SearchRequest, SearchResponse

from ..identity import verify_identity
from ..intent.parser import IntentRequest, IntentResponse
from .auth import ShopperDoor
from .health import Health, check_health
from .dependencies import EventsDep, IntentParserDep, RetrieverDep, SearchDep, ServicesDep

router = APIRouter()


@router.get("/healthz", response_model=Health, tags=["ops"],
            responses={503: {"model": Health, "description": "The database or the catalog failed its check"}})
def healthz(services: ServicesDep) -> JSONResponse:
    """Whether this server can answer: the database takes a write and reads it back, the catalog opens."""
    health, status = check_health(services)
    return JSONResponse(status_code=status, content=health.model_dump())


@router.get("/v1/products/{product_id}", response_model=Product, tags=["catalog"],
            responses={404: {"description": "No product with this id"}}, dependencies=[ShopperDoor])
def get_product(product_id: str, retriever: RetrieverDep) -> Product:
    product = retriever.get_product(product_id)
    if product is None:
        raise NotFound("product_id", f"no product with id {product_id!r}")
    return product


@router.post("/v1/intent", response_model=IntentResponse, tags=["intent"], dependencies=[ShopperDoor])
def intent(body: IntentRequest, parser: IntentParserDep) -> IntentResponse:
    """Parse a shopping request into a structured intent (rules first, the LLM where it helps)."""
    return parser.parse(body.text, body.context)


@router.get("/v1/intent/schema", tags=["intent"])
def intent_schema() -> dict:
    """The JSON Schema of `Intent`, the contract every parser output validates against."""
    return Intent.model_json_schema()


@router.post("/v1/search", response_model=SearchResponse, tags=["catalog"], dependencies=[ShopperDoor])
def search(body: SearchRequest, search: SearchDep, events: EventsDep, services: ServicesDep,
           request: Request) -> SearchResponse:
    """Search the catalog, reranked by the trained ranker. `user_id` (the shopper's affinities) is a signed
    identity token from the store's site; an unsigned or invalid one is ignored."""
    body = body.model_copy(update={"user_id": verify_identity(body.user_id, services.settings.identity_secret)})
    response = search.search(body)
    response.query_id = uuid.uuid4().hex
    # Issued to this caller: clicks on it count for training only from its user, else its address.
    log_search(events, body, response, client_key=client_key(request.client.host if request.client else None))
    return response
