"""`create_app`: the HTTP API and the pages, over one `Services`. Bad input is a 4xx that names the field,
never a 500."""

from __future__ import annotations

import threading
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from retrieval.search import Retriever

from ..config import Settings, get_settings
from ..privacy import RetentionKeeper
from ..services import Services
from . import catalog, chat, events, pages, policies, privacy
from .agents import install_agents
from .errors import install_error_handlers
from .limits import install_limits
from .observability import install_observability
from .headers import SecurityHeaders


def create_app(settings: Settings | None = None, retriever: Retriever | None = None, warm_up: bool = False,
               services: Services | None = None) -> FastAPI:
    """The app over `services` (built from `settings` at start-up when not given; `retriever` replaces the
    settings' one). `warm_up` (what `shopassist serve` asks for) loads the LLM and the ranker in the
    background at start-up, so the first shopper does not wait for them."""
    settings = settings or (services.settings if services else get_settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        built = services or Services(settings, retriever=retriever)
        # Open everything a request needs now: a broken database or catalog fails the start, not a shopper.
        built.retriever, built.search, built.intent_parser, built.events, built.chat, built.keys  # noqa: B018
        app.state.services = built
        built.catalog_home.discard_abandoned()  # what a killed `ingest --replace` left behind
        if warm_up:
            threading.Thread(target=built.warm_up, name="warm-up", daemon=True).start()
        retention = RetentionKeeper(built)  # SHOPASSIST_RETENTION_DAYS: purged now, then hourly
        retention.start()
        yield
        retention.stop()
        built.close()

    app = FastAPI(
        title="shopassist", version="0.1.0", lifespan=lifespan,
        description="Self-hosted shopping assistant API: intent parsing and product search over the store's catalog.")
    install_limits(app, settings)  # inside CORS, so a browser can read a 429 or 413
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins,  # the widget's cart: PATCH, DELETE
                           allow_methods=["GET", "POST", "PATCH", "DELETE"],
                           allow_headers=["content-type", "accept", "authorization"], max_age=600)
    app.add_middleware(SecurityHeaders)  # added after CORS: outermost, so every answer carries the headers
    install_observability(app, settings)  # outermost of all: request ids, /metrics (counts 429s and 413s too)
    install_error_handlers(app)
    app.include_router(pages.router)
    app.include_router(catalog.router)
    app.include_router(events.router)
    app.include_router(chat.router)
    app.include_router(policies.router)
    app.include_router(privacy.router)
    install_agents(app, settings)  # /.well-known/ucp, the MCP endpoint /ucp/mcp (off: SHOPASSIST_MCP=off)

    from ..ui.app import mount_ui  # gradio is a heavy import: only for apps that are built
    return mount_ui(app, lambda: app.state.services.chat, lambda: app.state.services.keys)
