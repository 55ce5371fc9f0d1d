"""Shared fixtures: the real embedder, real Chroma (embedded) catalogs in temp dirs, and the demo store.

Tiers (markers set here, by what a test uses): `unit` (fakes and tiny fixtures: `make test-fast`, under a
minute), `integration` (the real embedder, a catalog, the demo store or a PostgreSQL server), `slow`
(end to end: servers, subprocesses, browsers, the local LLM; marked in the test modules). `make test` runs all.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from assistant.config import Settings  # noqa: E402
from retrieval.catalog import CatalogHome  # noqa: E402
from retrieval.embeddings import load_embedder  # noqa: E402
from retrieval.ingest.pipeline import IngestReport, ingest_products, read_feed  # noqa: E402
from retrieval.search import Retriever  # noqa: E402
from retrieval.vector_store import chroma_client  # noqa: E402

FEEDS = Path(__file__).parent / "data" / "feeds"
# Fixtures that load a model, build a catalog or start a server: a test using any of them is an integration test.
INTEGRATION_FIXTURES = {"embedder", "home", "demo_settings", "demo_retriever", "postgres_server", "postgres_url",
                        "local_model_dir", "local_llm"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.get_closest_marker("slow") or item.get_closest_marker("integration"):
            continue
        heavy = INTEGRATION_FIXTURES & set(getattr(item, "fixturenames", ())) or \
            "postgres" in getattr(getattr(item, "callspec", None), "id", "")  # a backend picked by parameter
        item.add_marker(pytest.mark.integration if heavy else pytest.mark.unit)


@pytest.fixture(scope="session")
def embedder(tmp_path_factory):
    return load_embedder(cache_dir=str(tmp_path_factory.mktemp("models")))


@pytest.fixture
def home(tmp_path) -> CatalogHome:
    return CatalogHome(tmp_path / "catalog", chroma_client(tmp_path / "chroma"))


def ingest_file(home: CatalogHome, embedder, path: Path, *, fmt="auto", mapping=None,
                replace=False) -> IngestReport:
    return ingest_products(home, embedder, read_feed(path, fmt, mapping), replace=replace)


@pytest.fixture(scope="session")
def demo_settings(tmp_path_factory) -> Settings:
    """The 2,000-product synthetic demo store, built once per test session through the real pipeline."""
    from assistant.demo_store import ensure_demo_store

    settings = Settings(home=tmp_path_factory.mktemp("demo-home"))
    assert ensure_demo_store(settings) is True
    return settings


@pytest.fixture(scope="session")
def demo_retriever(demo_settings, embedder) -> Retriever:
    from assistant.services import Services

    return Retriever(Services(demo_settings).catalog_home, embedder)


@pytest.fixture(scope="session")
def postgres_server():
    """A real PostgreSQL server for the session (tests/postgres_server.py), stopped at the end."""
    from postgres_server import PostgresServer  # needs psycopg: imported only by tests that use a server

    server = PostgresServer.find()
    if server is None:
        # The PostgreSQL backends can only be tested against a real server; without one the tests that
        # need it skip, and their SQLite twins still run.
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) not found")
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture
def postgres_url(postgres_server) -> str:
    """The URL of a new, empty database on the session's server."""
    return postgres_server.create_database()
