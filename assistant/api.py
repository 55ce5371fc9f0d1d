"""The HTTP API (`shopassist serve`). Bad input is a 4xx that names the field, never a 500."""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel

from retrieval.models import Product, SearchRequest, SearchResponse
from retrieval.search import Retriever

from . import services
from .intent.parser import IntentRequest, IntentResponse
from .intent.schema import Intent
from .config import Settings, get_settings
from .pages import HOME_PAGE

log = logging.getLogger(__name__)


class Health(BaseModel):
    status: str
    products: int
    catalog_version: str | None


def create_app(settings: Settings | None = None, retriever: Retriever | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.retriever = retriever or services.retriever(settings)
        app.state.intent_parser = services.intent_parser(settings, app.state.retriever)
        yield

    app = FastAPI(
        title="shopassist", version="0.1.0", lifespan=lifespan,
        description="Self-hosted shopping assistant API: intent parsing and product search over the store's catalog.")

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"field": ".".join(str(p) for p in e["loc"] if p != "body") or "body", "message": e["msg"]}
                  for e in exc.errors()]
        message = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        return JSONResponse(status_code=422, content={"detail": message, "errors": errors})

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home() -> str:
        return HOME_PAGE

    @app.get("/healthz", response_model=Health, tags=["ops"])
    def healthz(request: Request) -> Health:
        r: Retriever = request.app.state.retriever
        return Health(status="ok", products=r.product_count(), catalog_version=r.catalog_version())

    @app.get("/v1/products/{product_id}", response_model=Product, tags=["catalog"],
             responses={404: {"description": "No product with this id"}})
    def get_product(product_id: str, request: Request) -> Product:
        product = request.app.state.retriever.get_product(product_id)
        if product is None:
            raise HTTPException(status_code=404, detail=f"product_id: no product with id {product_id!r}")
        return product

    @app.post("/v1/intent", response_model=IntentResponse, tags=["intent"])
    def intent(body: IntentRequest, request: Request) -> IntentResponse:
        """Parse a shopping request into a structured intent (rules first, the LLM where it helps)."""
        return request.app.state.intent_parser.parse(body.text, body.context)

    @app.get("/v1/intent/schema", tags=["intent"])
    def intent_schema() -> dict:
        """The JSON Schema of `Intent`, the contract every parser output validates against."""
        return Intent.model_json_schema()

    @app.post("/v1/search", response_model=SearchResponse, tags=["catalog"])
    def search(body: SearchRequest, request: Request) -> SearchResponse:
        return request.app.state.retriever.search(body)

    return app
