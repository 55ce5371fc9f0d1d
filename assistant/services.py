"""`Services`: every long-lived object of a running shopassist, built from the one Settings object.

Built once and shared: the API builds one at start-up (and its routes get the parts through FastAPI
dependencies), the CLI builds one per command, the Gradio UI uses the API's, tests build their own. Each
part is created on first use, so a command that only searches never loads the LLM or opens the database.

    services = Services(settings)
    services.search.search(SearchRequest(query="tent"))      # retrieval + the trained ranker
    services.chat.turn(ChatRequest(message="tents under $200"))
    services.close()
"""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import cached_property

from ranking.event_store import EventStore, open_event_store
from ranking.exploration import Exploration
from ranking.serving import RankedSearch
from retrieval.catalog import CatalogHome
from retrieval.embeddings import Embedder, load_embedder
from retrieval.models import SearchRequest
from retrieval.policies import PolicyStore
from retrieval.reloading import Reloading
from retrieval.search import Retriever
from retrieval.vector_store import chroma_client
from tools import ProductSearch

from .config import Settings
from .intent import query_parser

log = logging.getLogger(__name__)


class Services:
    def __init__(self, settings: Settings, *, retriever: Retriever | None = None,
                 search: ProductSearch | None = None):
        """`retriever` and `search` replace the ones the settings describe (tests, benchmarks)."""
        self.settings = settings
        if retriever is not None:
            self.retriever = retriever
            self.catalog_home = retriever.home
        if search is not None:
            self.search = search

    # ------------------------------------------------------------------ catalog and search

    @cached_property
    def catalog_home(self) -> CatalogHome:
        settings = self.settings
        return CatalogHome(settings.catalog_dir, chroma_client(settings.chroma_dir, settings.chroma_host,
                                                               settings.chroma_port))

    @cached_property
    def embedder(self) -> Embedder:
        settings = self.settings
        model = str(settings.embedding_model) if settings.embedding_model else None
        return load_embedder(model, settings.embedding_backend, str(settings.models_dir),
                             settings.embedding_batch_size)

    @cached_property
    def retriever(self) -> Retriever:
        return Retriever(self.catalog_home, self.embedder, self.settings.candidates, self.settings.rrf_k)

    @cached_property
    def search(self) -> ProductSearch:
        """Search as shoppers get it: retrieval, then the trained ranker when there is one."""
        settings = self.settings
        exploration = Exploration(settings.explore_share, settings.explore_max_impressions) \
            if settings.explore_share > 0 else None
        return RankedSearch(self.retriever, query_parser, settings.ranker_dir, settings.models_dir,
                            settings.rerank_top_k, exploration, model_dir=settings.ranker_model)

    @cached_property
    def policies(self) -> PolicyStore:
        """The store's own policies (`<home>/policies`, or `policies_dir`), followed as they are replaced: a
        store that has loaded none has none (no fallback to the demo's)."""
        return PolicyStore(self.settings.policies_home, contact=self.settings.store_contact)

    # ------------------------------------------------------------------ language

    @cached_property
    def intent_llm_loader(self) -> Reloading:
        """The configured LLM for intents, created on first use (the local one converts its model once per
        machine): the active fine-tuned intent model when there is one."""
        from .llm.backends import get_llm

        return Reloading(lambda _: get_llm(self.settings, purpose="intent"))

    @cached_property
    def chat_llm_loader(self) -> Reloading:
        from .llm.backends import get_llm

        return Reloading(lambda _: get_llm(self.settings, purpose="chat"))

    def intent_llm(self):
        return self.intent_llm_loader.get(None)

    def llm(self):
        """The LLM that composes replies: the intent LLM itself (one load, shared prompt caches) unless that is
        a fine-tuned intent model, which writes intents, not replies."""
        intent = self.intent_llm()
        if intent is None or not getattr(intent, "fine_tuned", False):
            return intent
        return self.chat_llm_loader.get(None)

    @cached_property
    def intent_parser(self):
        """An IntentParser whose vocabulary follows the serving catalog and whose LLM loads on first need."""
        from .intent.parser import IntentParser
        from .intent.vocabulary import CatalogVocabulary

        def load_vocabulary(stamp) -> CatalogVocabulary | None:
            version = self.catalog_home.open_active()
            return CatalogVocabulary.from_products(version.products.iter_products()) if version else None

        vocabularies = Reloading(load_vocabulary)

        def vocabulary() -> CatalogVocabulary | None:
            # Before any ingest there is no catalog to learn from (and nothing to open).
            if "catalog_home" not in self.__dict__ and not (self.settings.catalog_dir / "ACTIVE").exists():
                return None
            return vocabularies.get(self.catalog_home.stamp())

        return IntentParser(vocabulary, self.intent_llm, turn_seconds=self.settings.llm_turn_seconds)

    # ------------------------------------------------------------------ state

    @cached_property
    def events(self) -> EventStore:
        return open_event_store(self.settings.events_database_url)

    @cached_property
    def keys(self):
        """The API keys (assistant/keys.py), in the events database."""
        from .keys import open_key_store

        return open_key_store(self.settings.events_database_url)

    @cached_property
    def sessions(self):
        from .chat.session_store import open_session_store

        return open_session_store(self.settings.events_database_url,
                                  timedelta(minutes=self.settings.session_ttl_minutes))

    # ------------------------------------------------------------------ the assistant

    @cached_property
    def chat(self):
        """The chat turn pipeline (assistant/chat) over the search, parser, policies and stores above. One
        model parses and composes (one load; the local backend's prompt caches serve both), unless
        `chat_composer` is template."""
        from .chat.service import ChatOptions, ChatService

        composer_llm = (lambda: None) if self.settings.chat_composer == "template" else self.llm
        return ChatService(self.search, self.intent_parser, self.policies, self.sessions, self.events,
                           composer_llm, ChatOptions.from_settings(self.settings))

    def warm_up(self) -> None:
        """Load the LLM and the ranker now, so the first shopper does not wait for them."""
        try:
            self.intent_llm()
            self.llm()
            ranker = getattr(self.search, "ranker", None)
            if ranker is not None and ranker() is not None:
                self.search.search(SearchRequest(query="warm up", k=1))
        except Exception:  # noqa: BLE001 - the same loads happen (and report) on the first request
            log.warning("warm-up failed; the first request will load what is missing", exc_info=True)

    def close(self) -> None:
        """Close what was opened (parts never used were never opened)."""
        for name in ("sessions", "events", "keys"):
            if name in self.__dict__:
                self.__dict__[name].close()

