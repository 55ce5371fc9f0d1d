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
    from ranking.exploration import Exploration
    from ranking.serving import RankedSearch

    exploration = Exploration(settings.explore_share, settings.explore_max_impressions) \
        if settings.explore_share > 0 else None
    return RankedSearch(retriever, settings.ranker_dir, settings.models_dir, settings.rerank_top_k, exploration,
                        model_dir=settings.ranker_model)


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


def policy_index(settings: Settings):
    """The store's policies: `policies_dir`, else the demo store's copy in the data home, else the packaged demo."""
    from retrieval.demo.catalog_generator import POLICIES_DIR
    from retrieval.policies import PolicyIndex

    directory = settings.policies_dir or settings.home / "demo" / "policies"
    return PolicyIndex.from_dir(directory if directory.is_dir() or settings.policies_dir else POLICIES_DIR)


def chat_service(settings: Settings, search, intent_parser, events: EventStore):
    """The chat turn pipeline (assistant/chat) over the running search, parser and event store; sessions go
    into the events database. The LLM composes replies unless `chat_composer` is template (or there is none)."""
    from datetime import timedelta

    from .chat.service import ChatService
    from .chat.sessions import open_session_store

    sessions = open_session_store(settings.events_database_url, timedelta(minutes=settings.session_ttl_minutes))
    # One model for parsing and composing: one load, and the local backend's prompt caches serve both.
    composer_llm = (lambda: None) if settings.chat_composer == "template" else intent_parser.llm
    return ChatService(search, intent_parser, policy_index(settings), sessions, events, composer_llm,
                       results=settings.chat_results, history=settings.chat_history_turns,
                       reply_chars=settings.chat_reply_chars, first_token_seconds=settings.chat_first_token_seconds,
                       use_llm_for_intent=_serves_llm(settings),
                       tool_calling=settings.chat_tool_calling and _serves_llm(settings))


def _serves_llm(settings: Settings) -> bool:
    """Whether the LLM is a server (fast enough to help parse every chat message). The in-process local model
    takes seconds per intent, which would break the 2 s first-token budget: chat parses with rules then."""
    return settings.llm == "openai" or (settings.llm == "auto" and settings.llm_url is not None)
