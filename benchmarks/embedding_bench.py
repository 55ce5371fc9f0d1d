"""Embedding throughput of the two backends on the demo catalog's product documents.

    .venv/bin/python benchmarks/embedding_bench.py [--n 1000]

Same model, same documents, same batch size, in one process; also checks the vectors agree.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from retrieval.demo.catalog_generator import generate_catalog  # noqa: E402
from retrieval.documents import product_document  # noqa: E402
from retrieval.embeddings import OnnxEmbedder, TorchEmbedder, packaged_model_path  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1000)
    args = parser.parse_args()
    docs = [product_document(p) for p in generate_catalog(args.n)]
    backends = {"torch (sentence-transformers)": TorchEmbedder(packaged_model_path()),
                "onnx (onnxruntime)": OnnxEmbedder(packaged_model_path(), Path(tempfile.mkdtemp()))}
    vectors = {}
    for name, embedder in backends.items():
        embedder.encode(docs[:64])  # warm-up
        rates = []
        for _ in range(3):
            started = time.perf_counter()
            vectors[name] = embedder.encode(docs)
            rates.append(len(docs) / (time.perf_counter() - started))
        print(f"{name:<30} {np.median(rates):7.1f} documents/s (median of 3 x {len(docs)})")
    a, b = vectors.values()
    print(f"min cosine between backends: {np.min(np.sum(a * b, axis=1)):.6f}")


if __name__ == "__main__":
    main()
