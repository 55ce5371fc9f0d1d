"""Search as shoppers get it: retrieval's top K candidates reranked by the trained CTR ranker.

`RankedSearch` wraps the Retriever. With a trained model active (`<home>/ranker/ACTIVE`) it retrieves
`rerank_top_k` candidates (default 50), scores them with `Ranker`, applies the bounded exploration boost
for new products, and returns the best k; each hit carries the ranker's probability as `score`, the fused
retrieval score as `retrieval_score`, and `why`: the features that raised it most (each feature's share is
the drop in the logit when that feature is set to its training mean). With no model it returns the
retrieval order unchanged, and says so once in the log.

The intent features need the query parsed in the serving catalog's terms: `RankedSearch` takes a
`QueryParserFactory` (the assistant passes `assistant.intent.query_parser`) and builds one parser per
catalog version, with that version's catalog tables.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from retrieval.documents import product_document
from retrieval.models import Product, SearchRequest, SearchResponse
from retrieval.reloading import Reloading
from retrieval.search import Retriever

from .artifacts import active_model, load_behaviour, load_product_vectors
from .dataset import Impression
from .exploration import Exploration
from .features import FEATURES, FeatureContext, QueryParser, featurize, fit_context
from .head import load_head
from .model import ServingHead

log = logging.getLogger(__name__)

QueryParserFactory = Callable[[Iterable[Product]], QueryParser]  # a catalog's products -> its query parser

WHY_MIN_LOGIT = 0.05  # a feature must move the logit at least this much to be named
WHY_MAX = 3


@dataclass
class Scored:
    probability: float
    why: list[str]


class Ranker:
    """One trained model, loaded for serving."""

    def __init__(self, directory: Path, onnx_cache: Path, query_parser: QueryParserFactory):
        from retrieval.embeddings import OnnxEmbedder

        self.directory = directory
        self.query_parser = query_parser
        self.name = directory.name
        self.head = load_head(directory)
        self.serving_head = ServingHead(self.head.net)
        self._loaded_behaviour = self._behaviour_stamp()
        self.behaviour = load_behaviour(directory)
        self.encoder = OnnxEmbedder(directory / "text_encoder", onnx_cache)
        self.product_vectors = load_product_vectors(directory)
        self._columns = [FEATURES.index(name) for name in self.head.features]
        self._contexts: Reloading[object, FeatureContext] = Reloading(self._fit_context)

    def context(self, stamp: object, products: dict[str, Product]) -> FeatureContext:
        """Catalog tables and query parser for the serving catalog version (built once per version) + the
        model's behaviour, reloaded when behaviour.json changes (a shopper's affinities forgotten:
        ranking/privacy.py)."""
        return self._contexts.get((stamp, self._behaviour_stamp()), products)

    def _behaviour_stamp(self) -> int:
        try:
            return (self.directory / "behaviour.json").stat().st_mtime_ns
        except OSError:
            return 0

    def _fit_context(self, stamps: tuple[object, int], products: dict[str, Product]) -> FeatureContext:
        if stamps[1] != self._loaded_behaviour:
            self.behaviour, self._loaded_behaviour = load_behaviour(self.directory), stamps[1]
        return self.behaviour.apply(fit_context([], products, self.query_parser(products.values())))

    def score(self, query: str, user_id: str | None, products: list[Product], context: FeatureContext,
              now: datetime | None = None) -> list[Scored]:
        if not products:
            return []
        now = now or datetime.now(timezone.utc)
        rows = [Impression("serving", user_id, now, query, p.id, position=1) for p in products]
        Z = (featurize(rows, context)[:, self._columns] - self.head.mean) / self.head.std
        text = self.serving_head.text_inputs(self.encoder.encode_query(query),
                                             np.stack([self._vector(p) for p in products]))
        n, d = Z.shape
        # Row block 0: the real features; block f+1: feature f set to its training mean (0 once standardised).
        ablated = np.tile(Z, (d + 1, 1))
        for f in range(d):
            ablated[(f + 1) * n:(f + 2) * n, f] = 0.0
        logits = self.serving_head.relevance(ablated, np.tile(text, (d + 1, 1))).reshape(d + 1, n)
        moved = (logits[0] - logits[1:]).T  # (n, d): how much each feature raised each product
        # tanh form of the sigmoid: no overflow for the very negative logits a poisoned product can get.
        probabilities = 0.5 * (1 + np.tanh(0.5 * (logits[0] + self.head.serving_bias)))
        scored = []
        for i in range(n):
            top = np.argsort(-moved[i])[:WHY_MAX]
            scored.append(Scored(float(probabilities[i]),
                                 [self.head.features[f] for f in top if moved[i, f] >= WHY_MIN_LOGIT]))
        return scored

    def _vector(self, product: Product) -> np.ndarray:
        vector = self.product_vectors.get(product.id)
        if vector is None:  # a product ingested after training: embed it now, once
            vector = self.product_vectors[product.id] = self.encoder.encode([product_document(product)])[0]
        return vector


class RankedSearch:
    def __init__(self, retriever: Retriever, query_parser: QueryParserFactory, ranker_home: Path, onnx_cache: Path,
                 rerank_top_k: int = 50, exploration: Exploration | None = None, model_dir: Path | None = None,
                 seed: int | None = None):
        self.retriever = retriever
        self.query_parser = query_parser
        self.ranker_home = ranker_home
        self.onnx_cache = onnx_cache
        self.rerank_top_k = rerank_top_k
        self.exploration = exploration
        self.model_dir = model_dir  # a fixed model; None = whatever <ranker_home>/ACTIVE names
        self.rng = random.Random(seed)
        self._rankers: Reloading[Path, Ranker] = Reloading(self._load_ranker)
        self._said_no_model = False

    def get_product(self, product_id: str) -> Product | None:
        return self.retriever.get_product(product_id)

    def facet_coverage(self, field: str) -> float:
        return self.retriever.facet_coverage(field)

    def carries(self, field: str, value: str) -> bool:
        return self.retriever.carries(field, value)

    def ranker(self) -> Ranker | None:
        directory = self.model_dir or active_model(self.ranker_home)
        if directory is None:
            if not self._said_no_model:
                log.info("no trained ranker in %s: search keeps the retrieval order "
                         "(train one with `shopassist train-ranker`)", self.ranker_home)
                self._said_no_model = True
            return None
        return self._rankers.get(directory)

    def _load_ranker(self, directory: Path) -> Ranker:
        log.info("serving ranker %s", directory)
        return Ranker(directory, self.onnx_cache, self.query_parser)

    def search(self, request: SearchRequest) -> SearchResponse:
        started = time.perf_counter()
        ranker = self.ranker()
        if ranker is None:
            return self.retriever.search(request)
        response = self.retriever.search(request.model_copy(update={"k": max(request.k, self.rerank_top_k)}))
        candidates, rest = response.results[:self.rerank_top_k], response.results[self.rerank_top_k:]
        products = self.retriever.get_products([h.id for h in candidates])
        candidates = [h for h in candidates if h.id in products]
        context = ranker.context(self.retriever.catalog_version(), self.retriever.catalog_products())
        scored = ranker.score(request.query, request.user_id, [products[h.id] for h in candidates], context)
        by_id = {}
        for hit, s in zip(candidates, scored):
            by_id[hit.id] = hit.model_copy(update={"retrieval_score": hit.score, "score": round(s.probability, 6),
                                                   "why": s.why})
        order = sorted(by_id, key=lambda pid: -by_id[pid].score)
        if self.exploration is not None:
            order, lifted = self.exploration.rerank(
                order, [by_id[pid].score for pid in order], request.k, ranker.behaviour.shown,
                ranker.behaviour.clicks, self.rng)
            for pid in lifted:
                by_id[pid].why = ["exploration", *by_id[pid].why][:WHY_MAX]
        response.results = ([by_id[pid] for pid in order] + rest)[:request.k]
        response.ranker = ranker.name
        response.latency_ms = round((time.perf_counter() - started) * 1000, 2)
        return response
