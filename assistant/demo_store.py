"""The demo store: a synthetic catalog, its policies and labelled queries, indexed into the data home."""

from __future__ import annotations

import logging
from pathlib import Path

from retrieval.demo.catalog_generator import write_demo_files
from retrieval.ingest.pipeline import ingest_products, read_feed
from retrieval.policies import PolicyStore, read_policies

from .services import Services
from .config import Settings

log = logging.getLogger(__name__)


def demo_dir(settings: Settings) -> Path:
    return settings.home / "demo"


def demo_queries_path(settings: Settings) -> Path:
    return demo_dir(settings) / "queries.jsonl"


def ensure_demo_store(settings: Settings) -> bool:
    """Build the demo store unless a catalog is already serving. Returns whether it built one."""
    services = Services(settings)
    home = services.catalog_home
    if home.active_name() is not None:
        return False
    directory = demo_dir(settings)
    write_demo_files(directory, n=settings.demo_products, seed=settings.demo_seed)
    report = ingest_products(home, services.embedder, read_feed(directory / "catalog.jsonl", "jsonl"),
                             replace=True)
    log.info("demo store: %d products indexed", report.ingested + report.updated)
    load_demo_policies(settings, directory / "policies")
    return True


def load_demo_policies(settings: Settings, source: Path) -> bool:
    """The demo's policies become the store's (the demo store is the only one that has them), unless the
    store already has policies of its own. Returns whether they were loaded."""
    store = PolicyStore(settings.policies_home)
    if store.passages:
        log.info("demo store: keeping the policies already in %s", store.directory)
        return False
    store.replace(read_policies([source], "markdown"))
    return True
