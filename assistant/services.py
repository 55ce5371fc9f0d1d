"""Builds the long-lived objects (catalog, embedder, retriever) from the one Settings object."""

from __future__ import annotations

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
