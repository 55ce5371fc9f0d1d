"""The catalog's own words (brands, categories, colours, sizes, tags) as lookup tables for the extractor.

A store's brands, category names, colours, sizes and tags are what shoppers type, so the extractor knows
them as well as its built-in lexicons. The catalog is read once into the structures below, so that each
parse costs dict lookups, not scans:
- `PhraseIndex`: phrases by their words (brands, colours...) or by their word lemmas (categories, so that
  'hoodies' finds 'Hoodie'), with the longest phrase starting at each first word to bound the search;
- `FuzzyIndex`: brand names by their one-letter deletions, so that 'addidas' finds 'Adidas' in a few hits;
- size tables keyed by a spelling-free form, so that '55 in' finds the catalog's '55-Inch'.
The same `PhraseIndex` and `FuzzyIndex` hold the built-in lexicons (see `phrases`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import NamedTuple

from retrieval.models import Product

from . import lexicons as lex
from .message import CATALOG, PART, SYNONYM
from .sizes import size_spans
from .text import lemma_key, normalise, spelling_key, split_words

FUZZY_MIN_LENGTH = 5  # shorter words are too easily one typo away from some brand


class CatalogVocabulary:
    """What a catalog calls things, indexed once so that each parse costs lookups, not scans."""

    def __init__(self) -> None:
        self.index = PhraseIndex()
        self.fuzzy_brands = FuzzyIndex()
        self.known_words: set[str] = set()
        self.sizes: dict[str, str] = {}
        self.sizes_by_category: dict[str, dict[str, str]] = {}
        self.size_values: list[str] = []
        self.product_ids: dict[str, str] = {}
        self.colors: dict[str, str] = {}
        self.features: dict[str, str] = {}
        self.category_depth: dict[str, int] = {}
        self.title_lemmas: set[str] = set()  # every word of every title, plural-insensitive
        self.category_title_lemmas: dict[str, set[str]] = {}  # per category name (any level), its titles' words
        # "flat iron" -> the categories of the titles saying it, for pairs ending in a word that ends a category name
        self.title_pairs: dict[tuple[str, str], set[str]] = {}

    @classmethod
    def from_products(cls, products: Iterable[Product], synonyms: Mapping[str, str] | None = None
                      ) -> CatalogVocabulary:
        """Brands, category names at every level, colours, sizes, materials, flavours, scents and
        features (tags) seen in the catalog. `synonyms` maps extra shopper phrases to category names."""
        vocabulary = cls()
        categories: dict[str, int] = {}
        seen: dict[str, set[str]] = {key: set() for key in ("brand", "color", "material", "flavor", "scent",
                                                             "size", "feature")}
        title_heads: set[str] = set()
        titles: list[tuple[list[str], list[str]]] = []
        for product in products:
            vocabulary.product_ids[product.id.lower()] = product.id
            if product.brand:
                seen["brand"].add(product.brand.strip())
            for depth, name in enumerate(product.category):
                if name.strip():
                    categories[name.strip()] = max(categories.get(name.strip(), 0), depth)
            for key in ("color", "material", "flavor", "scent", "size"):
                seen[key].update(_attribute_values(product, key))
            for size in _attribute_values(product, "size"):
                for name in product.category:
                    vocabulary._add_size(size, vocabulary.sizes_by_category.setdefault(name.strip(), {}))
            seen["feature"].update(t.strip() for t in product.tags if t.strip().lower() not in ("sale", "new"))
            vocabulary.known_words.update(split_words(product.title))
            title = [lemma_key(w) for w in split_words(product.title)]
            vocabulary.title_lemmas.update(title)
            for name in product.category:
                vocabulary.category_title_lemmas.setdefault(name.strip(), set()).update(title)
            titles.append((title, product.category))
            if words := split_words(re.split(r"\s+[-–|(,]\s*", product.title)[0]):
                title_heads.add(lemma_key(words[-1]))
        vocabulary._add_categories(categories, synonyms or {})
        name_heads = {lemma_key(words[-1]) for words in map(split_words, categories) if words}
        for title, path in titles:
            for pair in zip(title, title[1:]):
                if pair[1] in name_heads:
                    vocabulary.title_pairs.setdefault(pair, set()).update(path)
        for brand in seen["brand"]:
            vocabulary.index.add(brand, Entry("brand", brand, CATALOG))
            vocabulary.fuzzy_brands.add(brand)
        vocabulary.known_words -= {w for brand in seen["brand"] for w in split_words(brand)}
        for kind in ("color", "material", "flavor", "scent"):
            for value in seen[kind]:
                if _usable_value(value):
                    canonical = lex.canonical_color(value) if kind == "color" else value
                    vocabulary.index.add(value, Entry(kind, canonical, CATALOG))
        vocabulary.colors = {spelling_key(lex.canonical_color(c)): c for c in seen["color"]}
        vocabulary.features = {spelling_key(f): f for f in seen["feature"]}
        for feature in seen["feature"]:
            # A tag that is what titles end in ('Table' on "Round Table") names the kind of product: the
            # shopper's "a table" is the product type, not a feature to filter on.
            if _usable_value(feature) and lemma_key(feature) not in title_heads:
                vocabulary.index.add(feature, Entry("feature", feature, CATALOG))
        vocabulary.size_values = sorted(seen["size"])
        for size in vocabulary.size_values:
            vocabulary._add_size(size, vocabulary.sizes)
        return vocabulary

    @staticmethod
    def _add_size(size: str, table: dict[str, str]) -> None:
        for key in _size_keys(size):
            table.setdefault(key, size)

    def _add_categories(self, categories: dict[str, int], synonyms: Mapping[str, str]) -> None:
        """Every level's name, plus the parts of 'Coffee & Tea', plus synonyms of the names.

        A phrase naming several categories means the most specific; a synonym never hides a real name
        but does win over a part ('tv' is Televisions, not 'TV & Video').
        """
        self.category_depth = dict(categories)
        names: dict[str, tuple[int, str]] = {}
        parts: dict[str, tuple[int, str]] = {}
        for name, depth in categories.items():
            _keep_deepest(names, lemma_key(name), depth, name)
            for part in re.split(r"\s*&\s*", name):
                if part and part != name:
                    _keep_deepest(parts, lemma_key(part), depth, name)
        found = {**parts, **names}
        synonym_names: dict[str, tuple[int, str]] = {}
        for phrase, target in {**lex.PRODUCT_TYPE_SYNONYMS, **synonyms}.items():
            resolved = names.get(lemma_key(target))
            if resolved and lemma_key(phrase) not in names:
                synonym_names[lemma_key(phrase)] = resolved
        for key, (_, name) in {**found, **synonym_names}.items():
            confidence = SYNONYM if key in synonym_names else CATALOG if key in names else PART
            self.index.add_lemma_key(key, Entry("category", name, confidence))

    def titles_disagree(self, category: str, phrase: str) -> bool:
        """Whether the category's own titles lack a word of `phrase` (the words of a request around a category's
        name) that other titles in the store use: "flat" iron is not the clothes irons of 'Irons', tv "wall
        mounts" are not 'TVs'. Words the store never uses ("jogging") say nothing either way."""
        words = self.category_title_lemmas.get(category)
        if words is None:
            return False
        return any(w in self.title_lemmas and w not in words for w in (lemma_key(x) for x in split_words(phrase)))

    def said_elsewhere(self, category: str, modifier: str, head: str) -> bool:
        """Whether titles say "<modifier> <head>" ("flat iron") and none of them is in `category` ('Irons'):
        the pair names another kind of product than the category its head names."""
        said = self.title_pairs.get((lemma_key(modifier), lemma_key(head)))
        return bool(said) and category not in said

    def catalog_size(self, size: str, category: str | None = None) -> str:
        """The catalog's spelling of a size ('55 in' -> '55-Inch'), as the category spells it when one is known
        ('5' is 'Size 5' for soccer balls); the size itself when the catalog has no such size."""
        for table in (self.sizes_by_category.get(category or "", {}), self.sizes):
            for key in _size_keys(size):
                if key in table:
                    return table[key]
        return size

    def canonical_id(self, text: str) -> str | None:
        return self.product_ids.get(text.lower())


def _attribute_values(product: Product, name: str) -> set[str]:
    """One attribute's values across the product and its variants, as the catalog spells them."""
    raw = product.attributes.get(name)
    values = {raw} if isinstance(raw, str) else set(raw or [])
    values.update(v for variant in product.variants for k, v in variant.options.items() if k.lower() == name)
    return {v.strip() for v in values if v and v.strip()}


def _usable_value(value: str) -> bool:
    """Catalog values that are everyday words ('down', 'felt'... or 2 letters) would match everywhere."""
    words = split_words(value)
    return bool(words) and not (len(words) == 1 and (len(words[0]) <= 2 or words[0] in lex.STOPWORDS))


def _keep_deepest(table: dict[str, tuple[int, str]], key: str, depth: int, name: str) -> None:
    if key and (key not in table or table[key][0] < depth):
        table[key] = (depth, name)


def _size_keys(size: str) -> list[str]:
    """Comparison keys for a size string: '55-Inch' and '55 in' share '55in'; '48x24 in' also gives '48x24'."""
    text = normalise(size)
    keys = []
    parsed = _read_size(text)
    if parsed:
        keys.append(spelling_key(parsed))
        dims = re.match(r"^([\d.]+x[\d.]+)\s", parsed)
        if dims:
            keys.append(spelling_key(dims[1]))
    keys.append(spelling_key(text))
    return keys


def _read_size(text: str) -> str | None:
    """The canonical size a short text states: '55-inch' -> '55 in', 'x-large' -> 'XL', 'size 7' -> '7'."""
    for found in size_spans(text, []):
        return found.value
    return None


# ---------------------------------------------------------------- lookup structures


class Entry(NamedTuple):
    """One meaning of a phrase: ('brand', 'Nike', 0.95)."""

    kind: str
    value: str
    confidence: float


class PhraseIndex:
    """Phrases by their words (colours, brands...) or by their word lemmas (categories)."""

    def __init__(self) -> None:
        self.by_words: dict[str, list[Entry]] = {}
        self.by_lemmas: dict[str, list[Entry]] = {}
        self.words_span: dict[str, int] = {}  # first word -> longest phrase starting with it
        self.lemmas_span: dict[str, int] = {}

    def add(self, phrase: str, entry: Entry) -> None:
        words = split_words(phrase)
        if not words:
            return
        for variant in _and_variants(words):
            self._put(self.by_words, self.words_span, variant, entry)
        compact = "".join(w for w in words if w != "&")
        if len(words) > 1 and len(compact) >= 5 and compact.isalnum():
            self._put(self.by_words, self.words_span, [compact], entry)

    def add_lemma_key(self, key: str, entry: Entry) -> None:
        if key:
            for variant in _and_variants(key.split(" ")):
                self._put(self.by_lemmas, self.lemmas_span, variant, entry)

    @staticmethod
    def _put(table: dict[str, list[Entry]], spans: dict[str, int], words: list[str], entry: Entry) -> None:
        entries = table.setdefault(" ".join(words), [])
        if entry not in entries:
            entries.append(entry)
        spans[words[0]] = max(spans.get(words[0], 0), len(words))


def _and_variants(words: list[str]) -> list[list[str]]:
    """'salt & vinegar' is also typed 'salt and vinegar', and the other way round."""
    if "&" in words:
        return [words, ["and" if w == "&" else w for w in words]]
    if "and" in words:
        return [words, ["&" if w == "and" else w for w in words]]
    return [words]


class FuzzyIndex:
    """Brand names by every one-letter deletion, so a one-typo lookup is a few dict hits."""

    def __init__(self) -> None:
        self.by_variant: dict[str, set[str]] = {}
        self.names: dict[str, str] = {}

    def add(self, brand: str) -> None:
        compact = "".join(split_words(brand))
        if len(compact) < FUZZY_MIN_LENGTH or not compact.isalpha():
            return
        self.names[compact] = brand
        for variant in _deletions(compact):
            self.by_variant.setdefault(variant, set()).add(compact)

    def find(self, word: str) -> str | None:
        if len(word) < FUZZY_MIN_LENGTH:
            return None
        candidates: set[str] = set()
        for variant in _deletions(word):
            candidates |= self.by_variant.get(variant, set())
        matches = {self.names[c] for c in candidates if c != word and _within_one_edit(word, c)}
        return matches.pop() if len(matches) == 1 else None


def _deletions(word: str) -> set[str]:
    return {word, *(word[:i] + word[i + 1:] for i in range(len(word)))}


def _within_one_edit(a: str, b: str) -> bool:
    """Levenshtein distance <= 1, or one swap of neighbouring letters."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diffs = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diffs) == 1 or (len(diffs) == 2 and diffs[1] == diffs[0] + 1
                                     and a[diffs[0]] == b[diffs[1]] and a[diffs[1]] == b[diffs[0]])
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    i = 0
    while i < len(short) and short[i] == long_[i]:
        i += 1
    return short[i:] == long_[i + 1:]
