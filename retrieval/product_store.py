"""Products of one catalog version in SQLite: the source of truth the indexes are built from."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from .filters import Facets
from .models import Product

SCHEMA = """
CREATE TABLE IF NOT EXISTS products (
    id TEXT PRIMARY KEY,
    doc_hash TEXT NOT NULL,
    facets TEXT NOT NULL,
    body TEXT NOT NULL
);
"""


class ProductStore:
    def __init__(self, path: Path):
        self.path = path
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)
        # One connection serves the API's worker threads; sqlite3 connections need serialised use.
        self._lock = threading.RLock()

    def close(self) -> None:
        self._db.close()

    def doc_hashes(self, ids: list[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            marks = ",".join("?" * len(chunk))
            found.update(self._db.execute(
                f"SELECT id, doc_hash FROM products WHERE id IN ({marks})", chunk).fetchall())
        return found

    def upsert(self, rows: Iterable[tuple[Product, str]]) -> None:
        """Write (product, document hash) pairs in one transaction."""
        with self._transaction():
            self._db.executemany(
                "INSERT INTO products (id, doc_hash, facets, body) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET doc_hash=excluded.doc_hash, facets=excluded.facets, "
                "body=excluded.body",
                [(p.id, h, Facets.of(p).model_dump_json(), p.model_dump_json(exclude_defaults=True))
                 for p, h in rows])

    def get(self, product_id: str) -> Product | None:
        with self._lock:
            row = self._db.execute("SELECT body FROM products WHERE id = ?", (product_id,)).fetchone()
        return Product.model_validate_json(row[0]) if row else None

    def get_many(self, ids: list[str]) -> dict[str, Product]:
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        with self._lock:
            rows = self._db.execute(f"SELECT id, body FROM products WHERE id IN ({marks})", ids).fetchall()
        return {pid: Product.model_validate_json(body) for pid, body in rows}

    def count(self) -> int:
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM products").fetchone()[0]

    def iter_products(self) -> Iterator[Product]:
        for (body,) in self._db.execute("SELECT body FROM products ORDER BY id"):
            yield Product.model_validate_json(body)

    def iter_facets(self) -> Iterator[tuple[str, Facets]]:
        for pid, facets in self._db.execute("SELECT id, facets FROM products ORDER BY id"):
            yield pid, Facets.model_validate(json.loads(facets))

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
