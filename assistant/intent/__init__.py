"""Shopper message -> structured `Intent`, deterministically and without a model.

`extract_intent` is the entry point (see `extractor` for the steps and the modules behind each);
`CatalogVocabulary` teaches it a catalog's own brands, categories and sizes; `IntentContext` carries the
conversation so far, and `merge_intents` lays a follow-up over an earlier intent.
`query_parser(products)` is the parser the ranker's intent features take (ranking.features.QueryParser).
"""

from collections.abc import Callable, Iterable

from retrieval.models import Product

from .context import IntentContext, merge_intents
from .extractor import extract_intent
from retrieval.intent import Intent
from .vocabulary import CatalogVocabulary

__all__ = ["CatalogVocabulary", "Intent", "IntentContext", "extract_intent", "merge_intents", "query_parser"]


def query_parser(products: Iterable[Product]) -> Callable[[str], Intent]:
    """Query text -> Intent in one catalog's terms, for the ranker: its vocabulary is built once, here."""
    vocabulary = CatalogVocabulary.from_products(products)
    return lambda text: extract_intent(text, vocabulary)
