"""Hybrid product search: dense + BM25, each filtered inside, fused by reciprocal rank.

Dense without filters is Chroma's approximate search; with filters it is exact, in-process, over the
row-aligned vector snapshot, so a filtered search is both fast and complete (k results whenever k match).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np

from .catalog import CatalogHome, CatalogVersion
from .embeddings import Embedder
from .filters import FacetIndex
from .lexical import BM25Index
from .models import Product, SearchHit, SearchRequest, SearchResponse
from .reloading import Reloading
from .vector_store import exact_top_k

log = logging.getLogger(__name__)


def reciprocal_rank_fusion(rankings: list[list[str]], k: int = 60) -> dict[str, float]:
    """score(d) = sum over lists of 1 / (k + rank(d)); rank is 1-based."""
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, doc_id in enumerate(ranking, start=1):
            scores[doc_id] = scores.get(doc_id, 0.0) + 1.0 / (k + rank)
    return scores


@dataclass
class _Serving:
    stamp: tuple[str | None, float]
    version: CatalogVersion | None
    lexical: BM25Index | None
    facets: FacetIndex | None
    vectors: np.ndarray | None


class Retriever:
    """Searches whatever catalog version is active, reloading when an ingest changes it."""

    def __init__(self, home: CatalogHome, embedder: Embedder, candidates: int = 50, rrf_k: int = 60):
        self.home = home
        self.embedder = embedder
        self.candidates = candidates
        self.rrf_k = rrf_k
        self._serving: Reloading[tuple[str | None, float], _Serving] = Reloading(self._load)
        # The whole catalog by id, for the ranker's feature tables: loaded on first need, once per version.
        self._products: Reloading[tuple[str | None, float], dict[str, Product]] = Reloading(self._load_products)

    def _current(self) -> _Serving:
        return self._serving.get(self.home.stamp())

    def _load(self, stamp: tuple[str | None, float]) -> _Serving:
        name = stamp[0]
        if name is None:
            return _Serving(stamp, None, None, None, None)
        version = self.home.open(name)
        lexical, facets, vectors = version.load_search_state()
        log.info("serving catalog %s (%d products)", name, len(lexical.ids))
        return _Serving(stamp, version, lexical, facets, vectors)

    def product_count(self) -> int:
        serving = self._current()
        return serving.version.products.count() if serving.version else 0

    def catalog_version(self) -> str | None:
        return self._current().stamp[0]

    def facet_coverage(self, field: str) -> float:
        """The share of the serving catalog's products that state `field` ("color", "size", "category"): a filter
        on a field most products lack would hide the products that simply do not say."""
        serving = self._current()
        key = {"color": "colors", "size": "sizes", "category": "categories"}[field]
        return serving.facets.coverage(key) if serving.facets is not None else 0.0

    def carries(self, field: str, value: str) -> bool:
        """Whether any product of the serving catalog has this brand, colour or size (case-insensitive)."""
        facets = self._current().facets
        if facets is None:
            return False
        if field == "brand":
            return value.strip().lower() in facets.brand_codes
        return value.strip().lower() in facets.rows[{"color": "colors", "size": "sizes"}[field]]

    def get_product(self, product_id: str) -> Product | None:
        serving = self._current()
        return serving.version.products.get(product_id) if serving.version else None

    def get_products(self, product_ids: list[str]) -> dict[str, Product]:
        serving = self._current()
        return serving.version.products.get_many(product_ids) if serving.version else {}

    def catalog_products(self) -> dict[str, Product]:
        """Every product of the serving version, by id (loaded once per version)."""
        return self._products.get(self._current().stamp)

    def _load_products(self, stamp: tuple[str | None, float]) -> dict[str, Product]:
        version = self._current().version
        return {p.id: p for p in version.products.iter_products()} if version else {}

    def search(self, request: SearchRequest) -> SearchResponse:
        started = time.perf_counter()
        serving = self._current()
        hits: list[SearchHit] = []
        if serving.version is not None:
            hits = self._search(serving, request)
        return SearchResponse(query=request.query, mode=request.mode, results=hits,
                              latency_ms=round((time.perf_counter() - started) * 1000, 2))

    def _search(self, serving: _Serving, request: SearchRequest) -> list[SearchHit]:
        filters = request.filters()
        depth = max(self.candidates, request.k)
        dense_ids: list[str] = []
        lexical_ids: list[str] = []
        dense_scores: dict[str, float] = {}
        lexical_scores: dict[str, float] = {}
        lexical_rows: dict[str, int] = {}
        vector = None
        mask = serving.facets.mask(filters)
        if request.mode in ("dense", "hybrid"):
            vector = self.embedder.encode_query(request.query)
            if mask is None:  # approximate nearest neighbours in Chroma
                dense = serving.version.vectors.query(vector, depth)
            else:  # exact, over exactly the rows that pass the filters
                dense = [(serving.lexical.ids[row], sim)
                         for row, sim in exact_top_k(serving.vectors, vector, mask, depth)]
            for pid, sim in dense:
                dense_ids.append(pid)
                dense_scores[pid] = sim
        if request.mode in ("bm25", "hybrid"):
            for row, score in serving.lexical.search(request.query, depth, mask):
                pid = serving.lexical.ids[row]
                lexical_ids.append(pid)
                lexical_scores[pid] = score
                lexical_rows[pid] = row
        if vector is not None:  # every hit gets its similarity: a relevance signal whichever list found it
            for pid, row in lexical_rows.items():
                if pid not in dense_scores:
                    dense_scores[pid] = float(serving.vectors[row] @ vector)

        if request.mode == "dense":
            scored = dense_scores
        elif request.mode == "bm25":
            scored = lexical_scores
        else:
            scored = reciprocal_rank_fusion([dense_ids, lexical_ids], self.rrf_k)
        order = sorted(scored, key=lambda pid: (-scored[pid], pid))

        dense_rank = {pid: i for i, pid in enumerate(dense_ids, start=1)}
        lexical_rank = {pid: i for i, pid in enumerate(lexical_ids, start=1)}
        products = serving.version.products.get_many(order)
        hits = []
        for pid in order:
            product = products.get(pid)
            if product is None:  # an index entry whose product write did not finish; never show it
                continue
            hits.append(SearchHit(
                id=pid, title=product.title, price=product.price, currency=product.currency,
                category=product.category, brand=product.brand, score=round(scored[pid], 6),
                dense_rank=dense_rank.get(pid), bm25_rank=lexical_rank.get(pid),
                dense_similarity=round(dense_scores[pid], 4) if pid in dense_scores else None))
            if len(hits) == request.k:
                break
        return hits
