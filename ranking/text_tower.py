"""The ranker's text side: the packaged MiniLM, fine-tuned as a two-tower model on the store's clicks.

Two towers that share weights: a query and a product are each embedded (mean-pooled, normalised) and
compared by cosine. Product vectors are computed ahead of time (`encode_products`), so serving costs one
short query encoding, not a cross-encoder pass per candidate.

Fine-tuning data: (query, clicked product) pairs from the training period. The loss is the in-batch
softmax of sentence-transformers' MultipleNegativesRankingLoss: each query should score its clicked product
above every other product in the batch, including one "skipped" product per pair, shown ABOVE the click in
the same search and passed over (a negative that position bias cannot explain away). Products clicked for
the same query text in other pairs are masked out rather than counted as wrong.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F

from retrieval.documents import product_document
from retrieval.models import Product

from . import distributed
from .dataset import Impression

SCALE = 20.0  # cosine -> logit temperature, sentence-transformers' default for this loss
PRODUCT_TOKENS = 128


@dataclass(frozen=True)
class Pair:
    query: str
    clicked: str  # product id
    skipped: str | None  # a product shown above the click and not clicked, when there is one


def click_pairs(rows: Sequence[Impression]) -> list[Pair]:
    """One pair per clicked impression, deduplicated on (query text, clicked product)."""
    by_search: dict[str, list[Impression]] = {}
    for row in rows:
        by_search.setdefault(row.query_id, []).append(row)
    pairs: dict[tuple[str, str], Pair] = {}
    for shown in by_search.values():
        shown.sort(key=lambda r: r.position)
        for row in shown:
            if not row.clicked:
                continue
            above = [r.product_id for r in shown if r.position < row.position and not r.clicked]
            pairs.setdefault((row.query_text, row.product_id),
                             Pair(row.query_text, row.product_id, above[-1] if above else None))
    return list(pairs.values())


def load_text_model(model_dir: Path):
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)


def fine_tune(model, pairs: list[Pair], products: dict[str, Product], *, steps: int, batch_size: int = 32,
              lr: float = 2e-5, seed: int = 0) -> list[float]:
    """Fine-tune `model` (a SentenceTransformer) in place for `steps` batches; returns the loss per step.

    Under torchrun (WORLD_SIZE > 1) each process takes its own slice of every batch and gradients are
    averaged across processes by DistributedDataParallel; with one process this is a plain loop."""
    if not pairs or steps <= 0:
        return []
    rng = random.Random(seed)
    torch.manual_seed(seed)
    model.train()
    trainable = distributed.wrap(model)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    rank, world = distributed.rank_and_world()
    order: list[Pair] = []
    losses = []
    for _ in range(steps):
        if len(order) < batch_size:
            order += rng.sample(pairs, len(pairs))  # epochs of reshuffled pairs
        batch, order = order[:batch_size], order[batch_size:]
        batch = batch[rank::world] or batch[:1]
        # Columns: every clicked product of the batch, then every skipped one; row i's answer is column i.
        documents = [product_document(products[p.clicked]) for p in batch]
        documents += [product_document(products[p.skipped]) for p in batch if p.skipped in products]
        # One forward pass for queries and products: DistributedDataParallel expects one per backward.
        vectors = _embed(trainable, model, [p.query for p in batch] + documents, PRODUCT_TOKENS)
        queries, candidates = vectors[:len(batch)], vectors[len(batch):]
        logits = SCALE * queries @ candidates.T
        # Another pair's click for the same query text is not a wrong answer: leave it out of the softmax.
        same_query = torch.zeros_like(logits, dtype=torch.bool)
        same_query[:, :len(batch)] = torch.tensor([[a.query == b.query and i != j for j, b in enumerate(batch)]
                                                   for i, a in enumerate(batch)])
        logits = logits.masked_fill(same_query, float("-inf"))
        loss = F.cross_entropy(logits, torch.arange(len(batch)))
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        losses.append(loss.item())
    model.eval()
    return losses


def onnx_encoder(model, directory: Path):
    """Save `model` under `directory` and load it on onnxruntime: the encoder serving uses, so training
    sees exactly the vectors serving will compute (and encodes about 2.5x faster than torch on a CPU)."""
    from retrieval.embeddings import OnnxEmbedder

    # Under torchrun every process has the same weights; the main one writes them (transformers saves on
    # rank 0 only) and the others read its copy (one machine: a shared /tmp).
    directory = distributed.from_main_process(directory)
    if distributed.is_main_process():
        model.save(str(directory / "text_encoder"))
    distributed.barrier()
    return OnnxEmbedder(directory / "text_encoder", directory)


def _embed(forward, model, texts: list[str], max_tokens: int) -> torch.Tensor:
    model.max_seq_length = max_tokens
    features = model.preprocess(texts)
    return F.normalize(forward(features)["sentence_embedding"], dim=-1)
