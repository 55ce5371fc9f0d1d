"""The app as each server worker process builds it: `shopassist serve --workers N` hands uvicorn this factory
(`assistant.api.workers:app`), and every worker reads the same settings from the environment, sets up its
logs and opens its own connections (workers share nothing in memory: sessions, carts, events and keys are in
the database, the catalog in the data home and the Chroma server)."""

from __future__ import annotations

from fastapi import FastAPI

from ..config import get_settings
from .app import create_app
from .observability import configure_logging


def app() -> FastAPI:
    settings = get_settings()
    configure_logging(settings.log_format)
    return create_app(settings, warm_up=True)
