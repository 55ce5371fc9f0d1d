"""BM25 over product documents (bm25s, English stop words, Snowball stemming), saved with the catalog."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import bm25s
import numpy as np
import Stemmer

_STEMMER = Stemmer.Stemmer("english")
logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every index build at DEBUG


def _tokens(texts: list[str], ids: bool):
    return bm25s.tokenize(texts, stemmer=_STEMMER, stopwords="en", return_ids=ids, show_progress=False)


class BM25Index:
    def __init__(self, model: bm25s.BM25, ids: list[str]):
        self._model = model
        self.ids = ids
        self._vocab = set(model.vocab_dict)

    @classmethod
    def build(cls, ids: list[str], documents: list[str]) -> BM25Index:
        model = bm25s.BM25()
        if documents:
            model.index(_tokens(documents, ids=True), show_progress=False)
        else:
            model.vocab_dict = {}
        return cls(model, ids)

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        if self.ids:
            self._model.save(str(directory), show_progress=False)
        (directory / "ids.json").write_text(json.dumps(self.ids))

    @classmethod
    def load(cls, directory: Path) -> BM25Index:
        ids = json.loads((directory / "ids.json").read_text())
        if not ids:
            return cls.build([], [])
        return cls(bm25s.BM25.load(str(directory), show_progress=False), ids)

    def search(self, query: str, k: int, mask: np.ndarray | None = None) -> list[tuple[int, float]]:
        """(row, score) pairs, best first; only rows that share a term with the query and pass the mask."""
        if not self.ids:
            return []
        terms = [t for t in _tokens([query], ids=False)[0] if t in self._vocab]
        if not terms:
            return []
        scores = self._model.get_scores(terms)
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        hits = np.flatnonzero(scores > 0)
        if len(hits) > k:
            hits = hits[np.argpartition(-scores[hits], k - 1)[:k]]
        hits = hits[np.lexsort((hits, -scores[hits]))]  # score desc, row asc on ties: deterministic
        return [(int(row), float(scores[row])) for row in hits]
