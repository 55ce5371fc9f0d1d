"""A trained ranker on disk, and which one serves.

    <home>/ranker/<UTC timestamp>/
        ranker.json          head config, feature names, standardisation, serving bias, data window
        head.pt              RankerNet weights
        text_encoder/        the fine-tuned MiniLM (a sentence-transformers directory)
        product_vectors.npy  the catalog embedded by that encoder, rows in product_ids.json order
        behaviour.json       popularity, query popularity, user affinities, impressions and clicks per
                             product: fitted on every row of the data window, for serving
        model_card.md        data window, features, metrics of every model on the test period
    <home>/ranker/ACTIVE     the name of the directory that serves (replaced atomically)
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import torch

from retrieval.models import Product

from .dataset import Impression
from .features import FEATURES, HEAD_FEATURES, FeatureContext, QueryParser, fit_context
from .head import FORMAT
from .report import TrainingReport
from .train import TrainedRanker


@dataclass
class Behaviour:
    popularity: dict[str, float]
    query_popularity: dict[tuple[str, str], float]
    user_lift: dict[tuple[str, str, str], float]
    shown: dict[str, int]  # impressions per product in the data window
    clicks: dict[str, int]

    def apply(self, context: FeatureContext) -> FeatureContext:
        context.popularity, context.query_popularity, context.user_lift = \
            self.popularity, self.query_popularity, self.user_lift
        return context


def save_ranker(trained: TrainedRanker, out: Path, rows: list[Impression], products: dict[str, Product],
                parse_query: QueryParser, window: dict, onnx_cache: Path) -> Path:
    """Write everything serving needs to `out` (created); rows = the whole data window, whose behaviour
    tables serve (a FeatureContext fitted on them: `parse_query` as in training)."""
    from retrieval.embeddings import OnnxEmbedder

    out.mkdir(parents=True, exist_ok=True)
    torch.save(trained.net.state_dict(), out / "head.pt")
    trained.text_model.save(str(out / "text_encoder"))
    meta = {"format": FORMAT, "features": HEAD_FEATURES, "net": trained.net.config,
            "mean": trained.mean.tolist(), "std": trained.std.tolist(), "serving_bias": trained.serving_bias,
            "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "window": window,
            "train_config": asdict(trained.config), "report": trained.report.model_dump(by_alias=True),
            "best_epoch": trained.history.get("best_epoch")}
    (out / "ranker.json").write_text(json.dumps(meta, indent=1))

    # Catalog vectors through onnxruntime: the same vectors as torch, about twice as fast on a CPU.
    catalog = list(products.values())
    from retrieval.documents import product_document

    encoder = OnnxEmbedder(out / "text_encoder", onnx_cache)
    np.save(out / "product_vectors.npy", encoder.encode([product_document(p) for p in catalog]))
    (out / "product_ids.json").write_text(json.dumps([p.id for p in catalog]))

    context = fit_context(rows, products, parse_query)
    shown, clicks = Counter(r.product_id for r in rows), Counter(r.product_id for r in rows if r.clicked)
    (out / "behaviour.json").write_text(json.dumps({
        "popularity": context.popularity,
        "query_popularity": [[q, p, v] for (q, p), v in context.query_popularity.items()],
        "user_lift": [[u, k, value, v] for (u, k, value), v in context.user_lift.items()],
        "shown": shown, "clicks": clicks}))
    (out / "model_card.md").write_text(model_card(meta, trained.report, len(rows)))
    return out


def load_behaviour(directory: Path) -> Behaviour:
    raw = json.loads((directory / "behaviour.json").read_text())
    return Behaviour(popularity=raw["popularity"],
                     query_popularity={(q, p): v for q, p, v in raw["query_popularity"]},
                     user_lift={(u, k, value): v for u, k, value, v in raw["user_lift"]},
                     shown=raw["shown"], clicks=raw["clicks"])


def load_product_vectors(directory: Path) -> dict[str, np.ndarray]:
    ids = json.loads((directory / "product_ids.json").read_text())
    return dict(zip(ids, np.load(directory / "product_vectors.npy")))


def activate(ranker_home: Path, model_dir: Path) -> None:
    """Point ACTIVE at `model_dir` (a directory under `ranker_home`); servers pick it up on the next search."""
    ranker_home.mkdir(parents=True, exist_ok=True)
    staging = ranker_home / f"ACTIVE.{os.getpid()}.tmp"
    staging.write_text(model_dir.resolve().name if model_dir.resolve().parent == ranker_home.resolve()
                       else str(model_dir.resolve()))
    os.replace(staging, ranker_home / "ACTIVE")


def active_model(ranker_home: Path) -> Path | None:
    pointer = ranker_home / "ACTIVE"
    if not pointer.exists():
        return None
    name = pointer.read_text().strip()
    directory = Path(name) if os.path.isabs(name) else ranker_home / name
    return directory if (directory / "ranker.json").exists() else None


def model_card(meta: dict, report: TrainingReport, rows: int) -> str:
    """The model card: `meta` is ranker.json as written, `rows` the impressions of the data window."""
    window, periods, sizes, text = meta["window"], report.periods, report.rows, report.text_tower
    lines = [
        "# Model card: shopassist CTR ranker", "",
        f"Created {meta['created_at']}. Predicts P(click | user, request, product) for the top candidates of a "
        "search; trained on this store's own behaviour events.", "",
        "## Data", "",
        f"- Window: events since {window.get('since') or 'the first event'}; searches "
        f"{periods.train_start} to {periods.test_end}; {rows} impressions.",
        f"- Split by search time: train {sizes.train}, validation {sizes.validation} "
        f"(from {periods.validation_start}), test {sizes.test} (from {periods.test_start}).",
        f"- Source: {window.get('source', 'event store')}. A log from `shopassist simulate` is SYNTHETIC.",
        f"- Event screening (not learnt from; the events stay stored): {report.screening.summary()}.", "",
        "## Model", "",
        f"- Text tower: MiniLM from `{text.start}`, fine-tuned on {text.pairs} "
        f"(query, clicked product) pairs from the oldest {meta['train_config']['text_share']:.0%} of the training "
        f"searches ({text.steps} steps). Serving: the **{text.kept}** tower, "
        f"chosen by the head's validation AUC {json.dumps(text.validation_auc)}.",
        f"- Head: DCN-v2 ({meta['net']['cross_layers']} cross layers, MLP {meta['net']['hidden']}) over "
        f"{len(meta['features'])} features + text cosine + projected text interaction; position is a "
        f"separate additive tower, dropped at serving. Best epoch {meta['best_epoch']} by validation AUC.",
        f"- Features: {', '.join(meta['features'])} (position: {FEATURES[-1]}, training only).",
        f"- Seed {meta['train_config']['seed']}; config {json.dumps(meta['train_config'])}.",
        f"- Training time: {report.training_seconds} s.", "",
        "## Metrics on the test period", "",
        "| model | AUC | logloss | NDCG@10 |", "|---|---|---|---|",
        *(f"| {name} | {m.auc:.4f} | {m.logloss:.4f} | {m.ndcg_at_10:.4f} |" for name, m in report.models.items()), "",
        "## Limits", "",
        "- Clicks are position-biased; the position tower corrects for it only as well as positions vary.",
        "- A shopper's affinities are those in the data window; new shoppers get none until retraining.",
    ]
    return "\n".join(lines) + "\n"
