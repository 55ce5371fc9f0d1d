"""Training the CTR ranker, top to bottom: data -> text tower -> head -> baselines -> one table of metrics.

1. Rows: impressions from the event log, split by time 70/15/15 (dataset.py); features for every row
   (features.py; training rows out-of-fold, the others from training-period tables only).
2. Text tower: the packaged MiniLM (or the previous model's, when retraining incrementally) fine-tuned on
   (query, clicked product) pairs of the older half of the TRAINING period (text_tower.py).
3. Head: RankerNet (model.py) trained with binary cross-entropy plus a listwise softmax within each search
   on training rows, evaluated after every epoch on the validation period (AUC of the serving score); stops
   after `patience` epochs without a better one and keeps the best epoch's weights. It is trained twice, on
   the fine-tuned and on the starting text tower; the better on validation serves.
4. Baselines (popularity, logistic regression, LightGBM) trained on the same rows; every model is then
   scored on the test period, which nothing above has seen.

Everything random is seeded from `TrainConfig.seed` (torch, numpy, Python, the batch order, LightGBM).
"""

from __future__ import annotations

import copy
import logging
import random
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from retrieval.documents import product_document
from retrieval.models import Product

from . import distributed, text_tower
from .baselines import FeatureSet, baseline_predictions, score_predictions, split_sizes
from .dataset import Impression, Split
from .features import FEATURES, HEAD_FEATURES, QueryParser
from .head import load_head
from .metrics import auc
from .model import MAX_POSITION, RankerNet
from .report import Periods, TextTowerReport, TrainingReport

log = logging.getLogger(__name__)


@dataclass
class TrainConfig:
    seed: int = 0
    text_epochs: float = 1.0  # passes over the click pairs
    text_max_steps: int = 300
    text_batch_size: int = 32
    text_lr: float = 2e-5
    head_max_epochs: int = 40
    head_batch_size: int = 256
    head_lr: float = 2e-3
    weight_decay: float = 1e-4
    listwise_weight: float = 1.0  # 0: pointwise binary cross-entropy only
    text_share: float = 0.5  # the oldest share of training searches whose clicks fine-tune the text tower
    head_after_text: bool = True  # the head trains only on the training searches after the text window
    patience: int = 5


@dataclass
class TrainedRanker:
    """What training produced; `artifacts.save_ranker` writes it, `serving.Ranker` serves it."""

    net: RankerNet
    text_model: object  # a fine-tuned SentenceTransformer
    mean: np.ndarray  # feature standardisation, over training rows
    std: np.ndarray
    serving_bias: float  # the mean position bias of training impressions (keeps probabilities calibrated)
    config: TrainConfig
    report: TrainingReport
    history: dict = field(default_factory=dict)  # losses and validation AUC per epoch, text steps


def train_and_evaluate(split: Split, products: dict[str, Product], parse_query: QueryParser,
                       config: TrainConfig | None = None, init_from: Path | None = None,
                       base_text_model: Path | None = None) -> TrainedRanker:
    """Train the ranker (from scratch, or continuing `init_from`) and the baselines; score all on test.
    `parse_query` reads the logged query texts for the intent features (features.py)."""
    config = config or TrainConfig()
    _seed_everything(config.seed)
    started = time.perf_counter()
    # 1. Features.
    features = FeatureSet.build(split, products, parse_query)
    if not split.validation:
        raise ValueError("need a validation period for early stopping")

    # 2. Text tower: the starting tower (packaged MiniLM, or the previous model's) fine-tuned on clicks.
    from retrieval.embeddings import packaged_model_path

    text_started = time.perf_counter()
    text_dir = init_from / "text_encoder" if init_from else (base_text_model or packaged_model_path())
    text_model = text_tower.load_text_model(text_dir)
    # The text tower learns from the OLDER part of the training period and the head from the newer part: a
    # head trained on the very clicks the tower memorised would learn to over-trust the text match (the
    # stacking leak that out-of-fold features avoid for behaviour, see features.py).
    text_rows, _ = _split_training(split.train, config.text_share)
    pairs = text_tower.click_pairs(text_rows)
    steps = min(config.text_max_steps, int(np.ceil(config.text_epochs * len(pairs) / config.text_batch_size)))
    text_losses = text_tower.fine_tune(text_model, pairs, products, steps=steps,
                                       batch_size=config.text_batch_size, lr=config.text_lr, seed=config.seed)
    text_seconds = time.perf_counter() - text_started

    # 3. Head, once on the fine-tuned tower and once on the starting one; the validation period decides which
    # pair serves (a fine-tune that does not beat its starting point on held-out searches is not shipped).
    previous = _load_previous_head(init_from) if init_from else None
    if previous:
        _, mean, std = previous
    else:
        keep = [FEATURES.index(name) for name in HEAD_FEATURES]
        mean, std = features.X_train[:, keep].mean(0), features.X_train[:, keep].std(0) + 1e-6
    towers = [("fine-tuned", text_model, len(text_rows) if config.head_after_text else 0)] if text_losses else []
    towers.append(("starting", text_tower.load_text_model(text_dir) if text_losses else text_model, 0))
    candidates = []
    for name, model, first_row in towers:
        net = copy.deepcopy(previous[0]) if previous else RankerNet(len(HEAD_FEATURES))
        with tempfile.TemporaryDirectory() as scratch:
            encoder = text_tower.onnx_encoder(model, Path(scratch))
            vectors = _Vectors.encode(encoder, [split.train, split.validation, split.test], products)
            distributed.barrier()  # every process has read rank 0's scratch copy before it is deleted
        train = _Tensors.build(split.train[first_row:], features.X_train[first_row:], mean, std, vectors)
        validation = _Tensors.build(split.validation, features.X_validation, mean, std, vectors)
        history = fit_head(net, train, validation, config)
        candidates.append((max(history["validation_auc"]), name, model, net, history, train, vectors))
        log.info("head on the %s text tower: validation AUC %.4f", name, candidates[-1][0])
    _, kept, text_model, net, history, train, vectors = max(candidates, key=lambda c: c[0])
    test = _Tensors.build(split.test, features.X_test, mean, std, vectors)
    with torch.no_grad():
        serving_bias = float(net.position_bias(train.positions.clamp(1, MAX_POSITION)).mean())

    # 4. Baselines on the same rows, and one table.
    predictions = baseline_predictions(split, features)
    predictions["ranker"] = predict(net, test, serving_bias)
    report = TrainingReport(
        models=score_predictions(split.test, predictions), test_events=len(split.test), rows=split_sizes(split),
        periods=Periods(train_start=split.train[0].timestamp.isoformat(),
                        validation_start=split.validation_start.isoformat(),
                        test_start=split.test_start.isoformat(), test_end=split.test[-1].timestamp.isoformat()),
        training_seconds=round(time.perf_counter() - started, 1),
        text_tower=TextTowerReport(pairs=len(pairs), steps=len(text_losses), seconds=round(text_seconds, 1),
                                   start=str(text_dir), kept=kept,
                                   validation_auc={c[1]: round(c[0], 4) for c in candidates}))
    history["text_loss"] = text_losses
    return TrainedRanker(net, text_model, mean, std, serving_bias, config, report, history)


def fit_head(net: RankerNet, train: _Tensors, validation: _Tensors, config: TrainConfig) -> dict:
    """Mini-batches of whole searches, binary cross-entropy plus the listwise loss, early stopping on
    validation AUC; `net` ends with its best epoch's weights."""
    generator = torch.Generator().manual_seed(config.seed)
    model = distributed.wrap(net)
    rank, world = distributed.rank_and_world()
    optimizer = torch.optim.AdamW(net.parameters(), lr=config.head_lr, weight_decay=config.weight_decay)
    best, best_state, waited = -1.0, copy.deepcopy(net.state_dict()), 0
    history: dict[str, list[float]] = {"train_loss": [], "validation_auc": []}
    for _ in range(config.head_max_epochs):
        net.train()
        searches = torch.randperm(len(train.searches), generator=generator)[rank::world].tolist()
        total, seen = 0.0, 0
        for batch in _batches_of_searches(train.searches, searches, config.head_batch_size):
            rows = torch.cat([torch.arange(*train.searches[i]) for i in batch])
            logits = model(train.features[rows], train.query_vectors[rows], train.product_vectors[rows],
                           train.positions[rows])
            loss = F.binary_cross_entropy_with_logits(logits, train.labels[rows])
            if config.listwise_weight:
                loss = loss + config.listwise_weight * _listwise_loss(logits, train.labels[rows],
                                                                      [train.searches[i] for i in batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total, seen = total + loss.item() * len(rows), seen + len(rows)
        score = auc(validation.labels.tolist(), predict(net, validation, 0.0))
        history["train_loss"].append(total / max(seen, 1))
        history["validation_auc"].append(score)
        if score > best + 1e-4:
            best, best_state, waited = score, copy.deepcopy(net.state_dict()), 0
        else:
            waited += 1
            if waited >= config.patience:
                break
    net.load_state_dict(best_state)
    net.eval()
    history["best_epoch"] = int(np.argmax(history["validation_auc"])) + 1
    return history


def _batches_of_searches(spans: list[tuple[int, int]], order: list[int], size: int):
    """Whole searches per batch (the listwise loss compares the products of one search), about `size` rows."""
    batch, rows = [], 0
    for i in order:
        batch.append(i)
        rows += spans[i][1] - spans[i][0]
        if rows >= size:
            yield batch
            batch, rows = [], 0
    if batch:
        yield batch


def _listwise_loss(logits: torch.Tensor, labels: torch.Tensor, spans: list[tuple[int, int]]) -> torch.Tensor:
    """Softmax cross-entropy within each search (ListNet with clicks as the target distribution): the order
    inside a list is what NDCG reads, which the pointwise loss only learns indirectly. Searches without a
    click carry no order information and are skipped."""
    losses, offset = [], 0
    for start, end in spans:
        n = end - start
        clicked = labels[offset:offset + n]
        if clicked.sum() > 0:
            target = clicked / clicked.sum()
            losses.append(-(target * F.log_softmax(logits[offset:offset + n], dim=0)).sum())
        offset += n
    return torch.stack(losses).mean() if losses else logits.sum() * 0.0


def predict(net: RankerNet, data: _Tensors, serving_bias: float) -> np.ndarray:
    """Click probabilities as if every product were shown at an average training position."""
    net.eval()
    with torch.no_grad():
        logits = net.relevance(data.features, data.query_vectors, data.product_vectors)
    return torch.sigmoid(logits + serving_bias).numpy().astype(np.float64)


# ---------------------------------------------------------------- data plumbing


@dataclass
class _Vectors:
    queries: dict[str, np.ndarray]
    products: dict[str, np.ndarray]

    @classmethod
    def encode(cls, encoder, parts: list[list[Impression]], products: dict[str, Product]) -> _Vectors:
        texts = sorted({r.query_text for part in parts for r in part})
        ids = sorted({r.product_id for part in parts for r in part})
        query_vectors = encoder.encode(texts)
        product_vectors = encoder.encode([product_document(products[i]) for i in ids])
        return cls(dict(zip(texts, query_vectors)), dict(zip(ids, product_vectors)))


@dataclass
class _Tensors:
    features: torch.Tensor
    query_vectors: torch.Tensor
    product_vectors: torch.Tensor
    positions: torch.Tensor
    labels: torch.Tensor
    searches: list[tuple[int, int]]  # row ranges [start, end) of each search (rows come grouped by search)

    @classmethod
    def build(cls, rows: list[Impression], X: np.ndarray, mean: np.ndarray, std: np.ndarray,
              vectors: _Vectors) -> _Tensors:
        keep = [FEATURES.index(name) for name in HEAD_FEATURES]
        return cls(
            features=torch.tensor((X[:, keep] - mean) / std, dtype=torch.float32),
            query_vectors=torch.tensor(np.stack([vectors.queries[r.query_text] for r in rows])
                                       if rows else np.zeros((0, 384)), dtype=torch.float32),
            product_vectors=torch.tensor(np.stack([vectors.products[r.product_id] for r in rows])
                                         if rows else np.zeros((0, 384)), dtype=torch.float32),
            positions=torch.tensor([r.position for r in rows], dtype=torch.long),
            labels=torch.tensor([float(r.clicked) for r in rows], dtype=torch.float32),
            searches=_spans([r.query_id for r in rows]))


def _split_training(rows: list[Impression], text_share: float) -> tuple[list[Impression], list[Impression]]:
    """The training rows cut at a search boundary: the oldest `text_share` of searches, then the rest."""
    searches = list(dict.fromkeys(r.query_id for r in rows))  # rows come oldest first, grouped by search
    cut_search = searches[min(int(len(searches) * text_share), len(searches) - 1)] if searches else None
    cut = next((i for i, r in enumerate(rows) if r.query_id == cut_search), len(rows))
    return rows[:cut], rows[cut:]


def _spans(query_ids: list[str]) -> list[tuple[int, int]]:
    spans, start = [], 0
    for i in range(1, len(query_ids) + 1):
        if i == len(query_ids) or query_ids[i] != query_ids[start]:
            spans.append((start, i))
            start = i
    return spans


def _load_previous_head(directory: Path) -> tuple[RankerNet, np.ndarray, np.ndarray] | None:
    head = load_head(directory)
    if head.features != HEAD_FEATURES:
        log.warning("previous ranker in %s has other features; training the head from scratch", directory)
        return None
    return head.net, head.mean, head.std


def _seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
