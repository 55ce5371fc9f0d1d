"""`shopassist ingest`: read a feed, upsert products into the catalog, rebuild BM25, report."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

from ..catalog import CatalogHome, CatalogVersion
from ..documents import product_document
from ..embeddings import Embedder
from ..enrichment import BrandLearner, EnrichmentReport, apply_brand, derive
from ..filters import Facets
from ..models import Product
from .acp import looks_like_acp, read_acp
from .fields import ParsedRow, RowError, RowWarning
from .google import read_google_tsv, read_google_xml
from .shopify import read_shopify_csv
from .tabular import read_csv, read_jsonl

log = logging.getLogger(__name__)

FeedFormat = Literal["auto", "shopify", "google", "csv", "jsonl", "acp"]
BATCH = 256


class IngestReport(BaseModel):
    ingested: int = 0
    updated: int = 0
    skipped: int = 0
    errors: list[RowError] = []
    warnings: list[RowWarning] = []  # values dropped from products that were kept (an unsafe URL)
    enrichment: EnrichmentReport | None = None  # what was derived from the products' own text (None: not run)


def detect_format(path: Path) -> FeedFormat:
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "acp" if looks_like_acp(_first_record_keys(path)) else "jsonl"
    if suffix in (".xml", ".rss", ".atom"):
        return "google"
    with open(path, encoding="utf-8-sig", errors="replace") as handle:
        header = handle.readline()
    columns = {c.strip().strip('"').lower() for c in header.replace("\t", ",").split(",")}
    if header.lstrip().startswith("<"):
        return "google"
    if looks_like_acp(columns):  # before Google's check: an ACP feed has id, title, link, image_link too
        return "acp"
    if "handle" in columns and ("variant price" in columns or "body (html)" in columns):
        return "shopify"
    if "\t" in header and {"id", "title"} <= columns and ({"link", "image_link", "availability"} & columns):
        return "google"
    return "csv"


def _first_record_keys(path: Path) -> set[str]:
    """The lower-cased keys of a JSON-lines file's first record (none when it does not start with one)."""
    with open(path, encoding="utf-8-sig", errors="replace") as handle:
        for text in handle:
            if text.strip():
                try:
                    record = json.loads(text)
                except ValueError:
                    return set()
                return {str(key).lower() for key in record} if isinstance(record, dict) else set()
    return set()


def read_feed(path: Path, fmt: FeedFormat = "auto", mapping: dict[str, str] | None = None) -> Iterator[ParsedRow]:
    fmt = detect_format(path) if fmt == "auto" else fmt
    if fmt == "shopify":
        return read_shopify_csv(path)
    if fmt == "google":
        with open(path, encoding="utf-8-sig", errors="replace") as handle:
            is_xml = handle.read(512).lstrip().startswith("<")
        return read_google_xml(path) if is_xml else read_google_tsv(path)
    if fmt == "jsonl":
        return read_jsonl(path, mapping)
    if fmt == "acp":
        return read_acp(path)
    return read_csv(path, mapping)


def ingest_products(
    home: CatalogHome,
    embedder: Embedder,
    rows: Iterable[ParsedRow],
    replace: bool = False,
    progress: Callable[[int, float], None] | None = None,
    enrich: bool = True,
) -> IngestReport:
    """Upsert rows into the active catalog, or (replace) build a new version and swap it in on success.

    With `enrich`, what the feed lacks is derived from each product's own text (retrieval/enrichment): the
    attributes as each product streams through, then the brands, learnt from the titles of the whole catalog
    once it is written, for the products the feed gave none."""
    report = IngestReport(enrichment=EnrichmentReport() if enrich else None)
    home.discard_abandoned()  # what a killed ingest left behind (never a build that is still running)
    if replace:
        version = home.create()
    else:
        version = home.open_active() or home.create()
    try:
        brandless = _write(version, embedder, rows, report, progress)
        if replace and report.ingested + report.updated == 0:
            raise ValueError("the feed produced no products; the previous catalog stays in place")
        if report.enrichment is not None and brandless:  # a feed that gives every brand needs no brand pass
            _derive_brands(version, embedder, report.enrichment, brandless)
        version.rebuild_search_indexes()
    except BaseException:
        if replace or home.active_name() != version.name:
            version.close()
            home.discard(version.name)
        raise
    if home.active_name() != version.name:
        previous = home.active_name()
        home.activate(version)
        if previous:
            home.discard(previous)
    version.close()
    return report


def _write(version: CatalogVersion, embedder: Embedder, rows: Iterable[ParsedRow], report: IngestReport,
           progress: Callable[[int, float], None] | None) -> set[str]:
    """Write the rows; the ids of the products the feed gave no brand."""
    started = time.perf_counter()
    batch: dict[str, Product] = {}
    done = 0
    brandless: set[str] = set()
    for row in rows:
        if isinstance(row, RowError):
            report.skipped += 1
            report.errors.append(row)
            continue
        if isinstance(row, RowWarning):
            report.warnings.append(row)
            continue
        _, product = row
        if report.enrichment is not None:
            derive(product, report.enrichment)
            if not product.brand:
                brandless.add(product.id)
        if product.id in batch:  # the same id twice in one batch: the later row wins
            _flush(version, embedder, batch, report)
            batch = {}
        batch[product.id] = product
        if len(batch) >= BATCH:
            done += _flush(version, embedder, batch, report)
            batch = {}
            if progress:
                progress(done, time.perf_counter() - started)
    done += _flush(version, embedder, batch, report)
    if progress:
        progress(done, time.perf_counter() - started)
    return brandless


def _flush(version: CatalogVersion, embedder: Embedder, batch: dict[str, Product], report: IngestReport) -> int:
    if not batch:
        return 0
    products = list(batch.values())
    documents = [product_document(p) for p in products]
    hashes = [hashlib.sha1(d.encode()).hexdigest() for d in documents]
    known = version.products.doc_hashes([p.id for p in products])
    # Only documents that changed are embedded again: a re-ingest of the same feed is cheap.
    changed = [i for i, p in enumerate(products) if known.get(p.id) != hashes[i]]
    changed_set = set(changed)
    if changed:
        vectors = embedder.encode([documents[i] for i in changed])
        version.vectors.upsert([products[i].id for i in changed], vectors,
                               [Facets.of(products[i]).chroma_metadata() for i in changed])
    unchanged_facets = [p for i, p in enumerate(products) if i not in changed_set]
    if unchanged_facets:  # price or stock may change without the document changing
        version.vectors.update_metadata([p.id for p in unchanged_facets],
                                        [Facets.of(p).chroma_metadata() for p in unchanged_facets])
    version.products.upsert(zip(products, hashes))
    report.updated += len(known)
    report.ingested += len(products) - len(known)
    return len(products)


def _derive_brands(version: CatalogVersion, embedder: Embedder, report: EnrichmentReport,
                   ingested: set[str] | None = None) -> None:
    """Learn the catalog's brands from all its titles (one streaming pass over the product table, keeping only
    counts and the ids of products without a feed brand), then give those products the brand their title
    starts with. A brand read from the title is already in the title, so documents do not change and nothing is
    embedded again (unless the brand's spelling differs from the title's): only the stored product and its facets
    (brand filters) are rewritten. The report counts the brands derived for this ingest's products (`ingested`;
    all of them when None); products ingested earlier are brought up to date too."""
    learner = BrandLearner()
    candidates: list[str] = []
    for product in version.products.iter_products():
        derived = product.derived("brand")
        learner.observe(product.title, None if derived else product.brand, product.category)
        if not product.brand or derived:
            candidates.append(product.id)
    brands = learner.learn()
    report.brands_learned = len(brands)
    counts: dict[str, int] = {}
    brand_updates: list[tuple[str, str]] = []
    for start in range(0, len(candidates), BATCH):
        products = list(version.products.get_many(candidates[start:start + BATCH]).values())
        changed = [p for p in products if apply_brand(p, brands)]
        for product in products:
            if product.brand and product.derived("brand") and (ingested is None or product.id in ingested):
                counts[product.brand] = counts.get(product.brand, 0) + 1
        if changed:
            documents = [product_document(p) for p in changed]
            hashes = [hashlib.sha1(d.encode()).hexdigest() for d in documents]
            known = version.products.doc_hashes([p.id for p in changed])
            stale = [i for i, p in enumerate(changed) if known.get(p.id) != hashes[i]]
            if stale:
                version.vectors.upsert([changed[i].id for i in stale], embedder.encode([documents[i] for i in stale]),
                                       [Facets.of(changed[i]).chroma_metadata() for i in stale])
            stale_set = set(stale)
            brand_updates += [(p.id, Facets.of(p).brand) for i, p in enumerate(changed) if i not in stale_set]
            version.products.upsert(zip(changed, hashes))
    if brand_updates:  # one call (Chroma's own batches): it merges the keys it is given, and only the brand changed
        version.vectors.update_metadata([pid for pid, _ in brand_updates], [{"brand": b} for _, b in brand_updates])
    report.derived["brand"] = sum(counts.values())
    report.top_brands = dict(sorted(counts.items(), key=lambda item: -item[1])[:10])
