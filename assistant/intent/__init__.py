"""Shopper message -> structured `Intent`, deterministically and without a model.

`extract_intent` is the entry point (see `extractor` for the steps and the modules behind each);
`CatalogVocabulary` teaches it a catalog's own brands, categories and sizes; `IntentContext` carries the
conversation so far, and `merge_intents` lays a follow-up over an earlier intent.
"""

from .context import IntentContext, merge_intents
from .extractor import extract_intent
from .schema import Intent
from .vocabulary import CatalogVocabulary

__all__ = ["CatalogVocabulary", "Intent", "IntentContext", "extract_intent", "merge_intents"]
