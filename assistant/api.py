"""The HTTP API (`shopassist serve`). Bad input is a 4xx that names the field, never a 500."""

from __future__ import annotations

import logging
import threading
import uuid
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Body, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel

from ranking.events import EventsReport, validate_events
from ranking.query_log import log_search
from retrieval.models import Product, SearchRequest, SearchResponse
from retrieval.search import Retriever

from . import services, web
from .chat import routes as chat_routes
from .intent.parser import IntentRequest, IntentResponse
from .intent.schema import Intent
from .config import Settings, get_settings
from .pages import HOME_PAGE

log = logging.getLogger(__name__)

MAX_EVENTS_PER_REQUEST = 1000
EVENT_EXAMPLES = {
    "batch": {"summary": "A batch", "value": {"events": [
        {"type": "interaction", "action_name": "impression", "query_id": "5f0c...", "object_id": "SHO-00042",
         "position": 1, "client_id": "c-81", "session_id": "s-12", "timestamp": "2026-11-24T10:15:00Z"},
        {"type": "interaction", "action_name": "click", "query_id": "5f0c...", "object_id": "SHO-00042",
         "position": 1, "client_id": "c-81", "session_id": "s-12", "timestamp": "2026-11-24T10:15:04Z"}]}},
    "single": {"summary": "One event", "value": {
        "type": "query", "query_id": "5f0c...", "user_query": "red running shoes", "client_id": "c-81",
        "timestamp": "2026-11-24T10:14:59Z"}},
}


class Health(BaseModel):
    status: str
    products: int
    catalog_version: str | None


def create_app(settings: Settings | None = None, retriever: Retriever | None = None,
               warm_up: bool = False) -> FastAPI:
    """The app; `warm_up` (what `shopassist serve` asks for) loads the LLM and the ranker in the background at
    start-up, so the first shopper does not wait for them."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.retriever = retriever or services.retriever(settings)
        app.state.search = services.product_search(settings, app.state.retriever)
        app.state.intent_parser = services.intent_parser(settings, app.state.retriever)
        app.state.events = services.event_store(settings)
        app.state.chat = services.chat_service(settings, app.state.search, app.state.intent_parser, app.state.events)
        if warm_up:
            threading.Thread(target=_warm_up, args=(app,), name="warm-up", daemon=True).start()
        yield
        app.state.chat.close()
        app.state.events.close()

    app = FastAPI(
        title="shopassist", version="0.1.0", lifespan=lifespan,
        description="Self-hosted shopping assistant API: intent parsing and product search over the store's catalog.")

    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["GET", "POST"],
                           allow_headers=["content-type", "accept"], max_age=600)
    app.include_router(web.router)

    app.include_router(chat_routes.router)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return _unprocessable([(".".join(str(p) for p in e["loc"] if p != "body") or "body", e["msg"])
                               for e in exc.errors()])

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
        response = request.app.state.search.search(body)
        response.query_id = uuid.uuid4().hex
        log_search(request.app.state.events, body, response)
        return response

    @app.post("/v1/events", response_model=EventsReport, tags=["events"], responses={
        207: {"model": EventsReport, "description": "Some events stored, the others listed in `rejected`"},
        422: {"description": "Nothing in the request was a valid event, or the body is not a JSON object"}})
    def post_events(request: Request, payload: Any = Body(openapi_examples=EVENT_EXAMPLES)) -> JSONResponse:
        """Store behaviour events (UBI-shaped): one event object, or `{"events": [...]}` (up to 1000).

        Valid events are stored even when others in the batch are not; 200 when all were valid, 207 when
        some were rejected, 422 when none was. Re-posting an event with the same `event_id` (or, without
        one, the same content) is counted as a duplicate and stored once.
        """
        if not isinstance(payload, dict):
            return _unprocessable([("body", 'expected a JSON object: one event, or {"events": [...]}')])
        if "events" in payload:
            items = payload["events"]
            if set(payload) != {"events"}:
                extra = sorted(set(payload) - {"events"})
                return _unprocessable([(extra[0], 'not allowed next to "events" (a batch has only "events")')])
            if not isinstance(items, list) or not items:
                return _unprocessable([("events", "expected a non-empty list of events")])
            if len(items) > MAX_EVENTS_PER_REQUEST:
                return _unprocessable([("events", f"at most {MAX_EVENTS_PER_REQUEST} events per request")])
            events, rejected = validate_events(items, prefix="events")
        else:
            events, rejected = validate_events([payload])
        if not events:
            return _unprocessable([(r.field, r.message.removeprefix(f"{r.field}: ")) for r in rejected])
        added = request.app.state.events.add(events)
        report = EventsReport(accepted=added.accepted, duplicates=added.duplicates, rejected=rejected)
        return JSONResponse(status_code=207 if rejected else 200, content=report.model_dump())

    from .ui.app import mount_ui  # gradio is a heavy import: only for apps that are built
    return mount_ui(app)


def _warm_up(app: FastAPI) -> None:
    try:
        app.state.intent_parser.llm()
        ranker = getattr(app.state.search, "ranker", None)
        if ranker is not None and ranker() is not None:
            app.state.search.search(SearchRequest(query="warm up", k=1))
    except Exception:  # noqa: BLE001 - the same loads happen (and report) on the first request
        log.warning("warm-up failed; the first request will load what is missing", exc_info=True)


def _unprocessable(errors: list[tuple[str, str]]) -> JSONResponse:
    """A 422 shaped like every other one: `detail` names the fields, `errors` lists them."""
    detail = "; ".join(f"{field}: {message}" for field, message in errors)
    return JSONResponse(status_code=422, content={
        "detail": detail, "errors": [{"field": field, "message": message} for field, message in errors]})
