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

    def get_vectors(self, ids: list[str]) -> np.ndarray:
        """Stored vectors for ids, in the order given."""
        out = np.zeros((len(ids), 0), dtype=np.float32)
        chunks = []
        for start in range(0, len(ids), self._max_batch):
            chunk = ids[start:start + self._max_batch]
            got = self._collection.get(ids=chunk, include=["embeddings"])
            by_id = dict(zip(got["ids"], got["embeddings"]))
            chunks.append(np.asarray([by_id[pid] for pid in chunk], dtype=np.float32))
        return np.concatenate(chunks) if chunks else out

    def count(self) -> int:
        return self._collection.count()

    def drop(self) -> None:
        self.client.delete_collection(self.name)


def exact_top_k(matrix: np.ndarray, vector: np.ndarray, mask: np.ndarray | None, n: int) -> list[tuple[int, float]]:
    """Exact cosine search over the rows that pass `mask`: (row, similarity), best first.

    Filtered queries take this path: Chroma's own metadata filter costs 100-350 ms at 100k products
    when the filter is broad (see benchmarks/RESULTS.md); one matrix-vector product costs a few ms.
    """
    if matrix.shape[0] == 0:
        return []
    if mask is None:
        rows, scores = None, matrix @ vector
    else:
        # The scan is memory-bound (150 MB at 100k products): read only the rows that pass when they are few.
        rows = np.flatnonzero(mask)
        if len(rows) < matrix.shape[0] // 2:
            scores = matrix[rows] @ vector
        else:
            scores = np.where(mask, matrix @ vector, -np.inf)
            rows = None
    n = min(n, len(scores) if rows is None else len(rows), int(np.isfinite(scores).sum()))
    if n <= 0:
        return []
    top = np.argpartition(-scores, n - 1)[:n]
    ids = top if rows is None else rows[top]
    order = np.lexsort((ids, -scores[top]))
    return [(int(ids[i]), float(scores[top[i]])) for i in order]
