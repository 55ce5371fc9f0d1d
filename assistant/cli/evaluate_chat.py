"""`shopassist eval chat FILE.jsonl`: scripted dialogues over real catalogs and the demo store, checked turn by
turn (assistant/chat/evaluation.py); prints each failed check and the pass rate per catalog."""

from __future__ import annotations

import argparse
import hashlib
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import Settings

if TYPE_CHECKING:
    from retrieval.embeddings import Embedder
    from retrieval.search import Retriever

    from ..chat.evaluation import Dialogue
    from ..services import Services

EVAL_RESULTS = 5  # cards a reply shows: the dialogues are written for the default


def register(sub, eval_sub) -> None:
    chat_eval = eval_sub.add_parser(
        "chat", help="scripted dialogues with per-turn checks (prices, products, cart, reply): pass rate per catalog")
    chat_eval.add_argument("file", type=Path, help='JSONL, one {"id", "catalog", "policies"?, "turns": [...]} a line')
    chat_eval.add_argument("--json", action="store_true",
                           help='print {"checks", "passed", "rate", "by_catalog", "failures", ...}')
    chat_eval.add_argument("--catalog-cache", type=Path, default=None, metavar="DIR",
                           help="keep each ingested catalog here and reuse it on the next run; rebuilt when the "
                                "feed or the ingest code changes (default: a temporary directory, ingested afresh)")
    chat_eval.set_defaults(handler=cmd_eval_chat)


def cmd_eval_chat(args: argparse.Namespace, settings: Settings) -> int:
    from ..chat.evaluation import format_report, load_dialogues, run_dialogue, summarize

    if not args.file.is_file():
        raise FileNotFoundError(f"no such dialogue file: {args.file}")
    dialogues = load_dialogues(args.file, check_files=True)  # DialogueFileError (a ValueError): exit 2
    with tempfile.TemporaryDirectory(prefix="shopassist-eval-chat-") as scratch:
        stores = EvalStores(args.catalog_cache or Path(scratch) / "catalogs", Path(scratch), settings)
        results = []
        try:
            for dialogue in dialogues:
                services = stores.services(dialogue)
                results += run_dialogue(services.chat, dialogue, services.search.get_product)
        finally:
            stores.close()
    report = summarize(dialogues, results)
    print(report.model_dump_json() if args.json else format_report(report))
    return 0


class EvalStores:
    """The stores the dialogues talk to: each catalog ingested once into a data home of its own under
    `catalogs` (reused when it is already there: `--catalog-cache`), one embedder for all of them, and one
    `Services` per catalog and policy file (template replies, no LLM, sessions in `scratch`)."""

    def __init__(self, catalogs: Path, scratch: Path, settings: Settings):
        self.catalogs = catalogs
        self.scratch = scratch
        self.settings = settings
        self._embedder: Embedder | None = None
        self._retrievers: dict[str, Retriever] = {}
        self._services: dict[tuple[str, str | None], Services] = {}

    def services(self, dialogue: Dialogue) -> Services:
        key = (dialogue.catalog, dialogue.policies)
        if key not in self._services:
            self._services[key] = self._build(dialogue)
        return self._services[key]

    def close(self) -> None:
        for services in self._services.values():
            services.close()

    # ------------------------------------------------------------------

    def _build(self, dialogue: Dialogue) -> Services:
        from ..chat.evaluation import DEMO, policies_dir_for, resolve_path
        from ..services import Services

        retriever = self._retriever(dialogue.catalog)
        home = self._home(dialogue.catalog)
        policies = resolve_path(dialogue.policies) if dialogue.policies else None
        n = len(self._services)
        settings = Settings(
            home=home, llm="none", llm_url=None, chat_composer="template", chat_results=EVAL_RESULTS,
            chat_tool_calling=False, explore_share=0.0, ranker_model=None,
            database_url=f"sqlite:///{self.scratch / f'sessions-{n}.db'}",
            policies_dir=policies_dir_for(policies, dialogue.catalog, self.scratch,
                                          home / "demo" / "policies" if dialogue.catalog == DEMO else None),
            embedding_model=self.settings.embedding_model, embedding_backend=self.settings.embedding_backend)
        return Services(settings, retriever=retriever)

    def _home(self, catalog: str) -> Path:
        """A data home per catalog, named by what it is built from: the feed (or the demo's size and seed) and
        the code that ingests it, so an edited feed or a change to ingestion gets a new one in the cache."""
        from ..chat.evaluation import DEMO, resolve_path

        digest = hashlib.sha1(_ingest_code())
        if catalog == DEMO:
            digest.update(f"{self.settings.demo_products}-{self.settings.demo_seed}".encode())
            return self.catalogs / f"demo-{digest.hexdigest()[:12]}"
        path = resolve_path(catalog)
        digest.update(path.read_bytes())
        return self.catalogs / f"{path.stem}-{digest.hexdigest()[:12]}"

    def _retriever(self, catalog: str) -> Retriever:
        if catalog not in self._retrievers:
            from retrieval.catalog import CatalogHome
            from retrieval.search import Retriever
            from retrieval.vector_store import chroma_client

            home = self._home(catalog)
            catalog_home = CatalogHome(home / "catalog", chroma_client(home / "chroma"))
            if catalog_home.active_name() is None:
                self._ingest(catalog, home, catalog_home)
            self._retrievers[catalog] = Retriever(catalog_home, self.embedder, self.settings.candidates,
                                                  self.settings.rrf_k)
        return self._retrievers[catalog]

    def _ingest(self, catalog: str, home: Path, catalog_home) -> None:
        from retrieval.demo.catalog_generator import write_demo_files
        from retrieval.ingest.pipeline import ingest_products, read_feed

        from ..chat.evaluation import DEMO, resolve_path

        if catalog == DEMO:  # the demo store, as `shopassist demo` builds it
            write_demo_files(home / "demo", n=self.settings.demo_products, seed=self.settings.demo_seed)
            feed = home / "demo" / "catalog.jsonl"
        else:
            feed = resolve_path(catalog)
        print(f"eval chat: ingesting {catalog} ...", file=sys.stderr, flush=True)
        report = ingest_products(catalog_home, self.embedder, read_feed(feed), replace=True)
        print(f"eval chat: {catalog}: {report.ingested + report.updated} products"
              + (f", {report.skipped} rows skipped" if report.skipped else ""), file=sys.stderr, flush=True)

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            from retrieval.embeddings import load_embedder

            settings = self.settings
            model = str(settings.embedding_model) if settings.embedding_model else None
            self.catalogs.mkdir(parents=True, exist_ok=True)
            self._embedder = load_embedder(model, settings.embedding_backend, str(self.catalogs / "models"),
                                           settings.embedding_batch_size)
        return self._embedder


def _ingest_code() -> bytes:
    """The source of what turns a feed into a searchable catalog (ingest, enrichment, documents, the demo
    generator): part of a cached catalog's name."""
    import retrieval

    root = Path(retrieval.__file__).parent
    files = sorted([*root.glob("ingest/*.py"), *root.glob("enrichment/*.py"), *root.glob("demo/*.py"),
                    root / "documents.py", root / "catalog.py"])
    return b"".join(f.read_bytes() for f in files if f.is_file())
