"""Builds the long-lived objects (catalog, embedder, retriever) from the one Settings object."""

from __future__ import annotations

import threading

from ranking.event_store import EventStore, open_event_store
from retrieval.catalog import CatalogHome
from retrieval.embeddings import Embedder, load_embedder
from retrieval.search import Retriever
from retrieval.vector_store import chroma_client

from .config import Settings


def catalog_home(settings: Settings) -> CatalogHome:
    client = chroma_client(settings.chroma_dir, settings.chroma_host, settings.chroma_port)
    return CatalogHome(settings.catalog_dir, client)


def embedder(settings: Settings) -> Embedder:
    model = str(settings.embedding_model) if settings.embedding_model else None
    return load_embedder(model, settings.embedding_backend, str(settings.models_dir), settings.embedding_batch_size)


def retriever(settings: Settings) -> Retriever:
    return Retriever(catalog_home(settings), embedder(settings), settings.candidates, settings.rrf_k)


def product_search(settings: Settings, retriever: Retriever):
    """Search as shoppers get it: retrieval, then the trained ranker when there is one.

    The returned object has `.search(SearchRequest) -> SearchResponse` and `.get_product(id)`.
    """
    return retriever


def event_store(settings: Settings) -> EventStore:
    return open_event_store(settings.events_database_url)


def llm(settings: Settings):
    """The configured LLM, created on first use (the local one converts its model once per machine)."""
    from .llm.backends import get_llm

    return get_llm(settings)


def intent_parser(settings: Settings, retriever: Retriever | None = None):
    """An IntentParser whose vocabulary follows the serving catalog and whose LLM loads on first need."""
    from .intent.parser import IntentParser
    from .intent.vocabulary import CatalogVocabulary

    cache: dict = {"stamp": None, "vocabulary": None, "llm": None, "llm_loaded": False}
    lock = threading.Lock()

    def vocabulary() -> CatalogVocabulary | None:
        if retriever is None:
            return None
        stamp = retriever.home.stamp()
        if stamp != cache["stamp"]:
            with lock:
                if stamp != cache["stamp"]:
                    version = retriever.home.open_active()
                    cache["vocabulary"] = CatalogVocabulary.from_products(version.products.iter_products()) \
                        if version else None
                    cache["stamp"] = stamp
        return cache["vocabulary"]

    def get_llm():
        if not cache["llm_loaded"]:
            with lock:
                if not cache["llm_loaded"]:
                    cache["llm"], cache["llm_loaded"] = llm(settings), True
        return cache["llm"]

    return IntentParser(vocabulary, get_llm)
