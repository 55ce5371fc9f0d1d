"""The dense index: a Chroma collection, embedded (PersistentClient) or a `chroma run` server (HttpClient)."""

from __future__ import annotations

from pathlib import Path

import chromadb
import numpy as np
from chromadb.config import Settings as ChromaSettings


def chroma_client(path: Path, host: str | None = None, port: int = 8000) -> chromadb.api.ClientAPI:
    """Embedded store under `path`, or the server at host:port when a host is given."""
    settings = ChromaSettings(anonymized_telemetry=False)
    if host:
        return chromadb.HttpClient(host=host, port=port, settings=settings)
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=settings)


class VectorStore:
    """One collection of product vectors with filterable metadata. Cosine space; vectors are normalised."""

    def __init__(self, client: chromadb.api.ClientAPI, name: str):
        self.client = client
        self.name = name
        # embedding_function=None: we always pass vectors, so Chroma never loads (or downloads) a model.
        self._collection = client.get_or_create_collection(
            name, embedding_function=None, configuration={"hnsw": {"space": "cosine"}})
        self._max_batch = client.get_max_batch_size()

    def upsert(self, ids: list[str], vectors: np.ndarray, metadatas: list[dict]) -> None:
        for start in range(0, len(ids), self._max_batch):
            end = start + self._max_batch
            self._collection.upsert(ids=ids[start:end], embeddings=vectors[start:end], metadatas=metadatas[start:end])

    def update_metadata(self, ids: list[str], metadatas: list[dict]) -> None:
        for start in range(0, len(ids), self._max_batch):
            end = start + self._max_batch
            self._collection.update(ids=ids[start:end], metadatas=metadatas[start:end])

    def query(self, vector: np.ndarray, n: int, where: dict | None = None) -> list[tuple[str, float]]:
        """(id, cosine similarity) pairs, best first."""
        result = self._collection.query(
            query_embeddings=[vector], n_results=n, where=where, include=["distances"])
        return [(pid, 1.0 - float(dist)) for pid, dist in zip(result["ids"][0], result["distances"][0])]

    def count(self) -> int:
        return self._collection.count()

    def drop(self) -> None:
        self.client.delete_collection(self.name)
