"""Catalog versions on disk and in Chroma, and the pointer to the one that serves.

    <home>/catalog/ACTIVE               name of the serving version (replaced atomically)
    <home>/catalog/<version>/products.sqlite
    <home>/catalog/<version>/bm25/      BM25 index, row ids and the row-aligned vector matrix
                                        (rebuilt beside, then renamed)
    Chroma collection  shopassist-<version>

`ingest --replace` builds a new version beside the active one and flips ACTIVE only when
it is complete, so a failed or interrupted build never touches what is serving. A version being built holds
an exclusive lock on its `<version>/.building` file until it is activated or discarded; one whose lock
nobody holds (its builder was killed) is removed, with its Chroma collection, by `discard_abandoned`, which
`shopassist serve` and every ingest run first.
"""

from __future__ import annotations

import fcntl
import logging
import os
import secrets
import shutil
from datetime import datetime, timezone
from pathlib import Path

import chromadb
import numpy as np

from .documents import product_document
from .filters import Facets, FacetIndex
from .lexical import BM25Index
from .product_store import ProductStore
from .vector_store import VectorStore

log = logging.getLogger(__name__)
BUILDING = ".building"
COLLECTION_PREFIX = "shopassist-"


class CatalogVersion:
    def __init__(self, directory: Path, vectors: VectorStore):
        self.name = directory.name
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self.products = ProductStore(directory / "products.sqlite")
        self.vectors = vectors
        self._build_lock = None  # the open .building file while this process builds the version

    @property
    def lexical_dir(self) -> Path:
        return self.directory / "bm25"

    def rebuild_search_indexes(self) -> None:
        """Rebuild BM25 and the vector snapshot from the product table, beside the old ones, then swap."""
        ids, docs = [], []
        for product in self.products.iter_products():
            ids.append(product.id)
            docs.append(product_document(product))
        staging = self.directory / f"bm25.{secrets.token_hex(4)}.tmp"
        BM25Index.build(ids, docs).save(staging)
        # The vectors Chroma holds, row-aligned with BM25, for exact filtered search in-process.
        np.save(staging / "vectors.npy", self.vectors.get_vectors(ids))
        retired = self.directory / "bm25.old"
        shutil.rmtree(retired, ignore_errors=True)
        if self.lexical_dir.exists():
            os.replace(self.lexical_dir, retired)
        os.replace(staging, self.lexical_dir)
        shutil.rmtree(retired, ignore_errors=True)

    def load_search_state(self) -> tuple[BM25Index, FacetIndex, np.ndarray]:
        lexical = BM25Index.load(self.lexical_dir)
        facets_by_id = dict(self.products.iter_facets())
        # Rows follow the BM25 index; a product written after the last rebuild is not in it yet.
        facets = [facets_by_id.get(pid, Facets()) for pid in lexical.ids]
        vectors = np.load(self.lexical_dir / "vectors.npy")
        return lexical, FacetIndex(facets), vectors

    def release_build_lock(self) -> None:
        """This process no longer builds the version (see `CatalogHome.create`)."""
        handle = getattr(self, "_build_lock", None)
        if handle is not None:
            (self.directory / BUILDING).unlink(missing_ok=True)
            handle.close()
            self._build_lock = None

    def close(self) -> None:
        self.release_build_lock()
        self.products.close()


class CatalogHome:
    def __init__(self, root: Path, chroma: chromadb.api.ClientAPI):
        self.root = root
        self.chroma = chroma
        root.mkdir(parents=True, exist_ok=True)

    @property
    def pointer(self) -> Path:
        return self.root / "ACTIVE"

    def active_name(self) -> str | None:
        try:
            name = self.pointer.read_text().strip()
        except FileNotFoundError:
            return None
        return name or None

    def stamp(self) -> tuple[str | None, float]:
        """Changes whenever what serves changes: the active version or its BM25 rebuild."""
        name = self.active_name()
        if name is None:
            return None, 0.0
        try:
            return name, (self.root / name / "bm25" / "ids.json").stat().st_mtime
        except FileNotFoundError:
            return name, 0.0

    def open(self, name: str) -> CatalogVersion:
        return CatalogVersion(self.root / name, VectorStore(self.chroma, collection_name(name)))

    def open_active(self) -> CatalogVersion | None:
        name = self.active_name()
        return self.open(name) if name else None

    def create(self) -> CatalogVersion:
        """A new, empty version, locked as being built by this process until it is activated or closed."""
        name = datetime.now(timezone.utc).strftime("v%Y%m%dT%H%M%S") + "-" + secrets.token_hex(3)
        # Locked before it appears under its name, so no cleanup ever sees it unlocked while it is built.
        staging = self.root / f".{name}.tmp"
        staging.mkdir(parents=True)
        handle = open(staging / BUILDING, "a+")
        fcntl.flock(handle, fcntl.LOCK_EX)
        os.rename(staging, self.root / name)
        version = self.open(name)
        version._build_lock = handle
        return version

    def activate(self, version: CatalogVersion) -> None:
        version.release_build_lock()  # complete: from now on it serves or is an old version to remove
        staging = self.root / f"ACTIVE.{secrets.token_hex(4)}.tmp"
        staging.write_text(version.name)
        with open(staging, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(staging, self.pointer)

    def discard(self, name: str) -> None:
        try:
            self.chroma.delete_collection(collection_name(name))
        except Exception:  # noqa: BLE001 - already gone is fine; nothing else depends on it
            pass
        shutil.rmtree(self.root / name, ignore_errors=True)

    def discard_abandoned(self) -> list[str]:
        """Remove what killed or replaced builds left behind: inactive version directories no live build holds
        (a build in progress elsewhere keeps its lock and is left alone), and Chroma collections of no version
        here. Returns the versions removed."""
        active = self.active_name()
        removed = []
        for path in sorted(self.root.iterdir()):
            if path.is_dir() and path.name.startswith(".v") and path.name.endswith(".tmp") and not _being_built(path):
                shutil.rmtree(path, ignore_errors=True)  # killed between creating and naming a version
            elif path.is_dir() and path.name.startswith("v") and path.name != active and not _being_built(path):
                self.discard(path.name)
                removed.append(path.name)
        try:
            collections = [c if isinstance(c, str) else c.name for c in self.chroma.list_collections()]
        except Exception:  # noqa: BLE001 - a Chroma server that does not answer: nothing to tidy now
            collections = []
        kept = {collection_name(p.name) for p in self.root.iterdir() if p.is_dir()}
        for name in collections:
            if name.startswith(COLLECTION_PREFIX + "v") and name not in kept and name != collection_name(active or ""):
                try:
                    self.chroma.delete_collection(name)
                    removed.append(name[len(COLLECTION_PREFIX):])
                except Exception:  # noqa: BLE001 - gone already
                    pass
        if removed:
            log.warning("removed %d catalog version(s) left by interrupted or replaced builds: %s",
                        len(removed), ", ".join(sorted(set(removed))))
        return sorted(set(removed))

    def discard_inactive(self) -> list[str]:
        """Remove versions left behind by replaced or interrupted builds."""
        active = self.active_name()
        stale = [p.name for p in self.root.iterdir() if p.is_dir() and p.name.startswith("v") and p.name != active]
        for name in stale:
            self.discard(name)
        return stale


def _being_built(directory: Path) -> bool:
    """Whether a live process holds this version's build lock (a killed one holds nothing)."""
    lock = directory / BUILDING
    if not lock.exists():
        return False
    try:
        with open(lock, "a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            fcntl.flock(handle, fcntl.LOCK_UN)
    except BlockingIOError:
        return True
    except FileNotFoundError:
        return False
    return False


def open_active_products(root: Path) -> tuple[str, ProductStore] | None:
    """The serving version's name and its product table alone, without the vector store: for reports over the
    catalog (`shopassist catalog stats`). None when no catalog serves. Close the store when done."""
    try:
        name = (root / "ACTIVE").read_text().strip()
    except FileNotFoundError:
        return None
    path = root / name / "products.sqlite"
    return (name, ProductStore(path)) if name and path.is_file() else None


def collection_name(version: str) -> str:
    return f"shopassist-{version}"
