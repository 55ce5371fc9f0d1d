"""Deterministic intent extraction: a shopper's message -> `Intent`, in well under a millisecond.

How a message is read:
1. normalise it (lower case, plain quotes and dashes) and find the pattern-shaped parts on the text:
   price, product ids and "the second one", pack counts, sizes, ages and recipients, occasions, follow-up cues;
2. tokenise the rest and match lexicon phrases longest-first: brands, categories, colours, materials,
   flavours, scents, patterns, styles, features and sorts, from the built-in lexicons and, when one is given,
   the catalog vocabulary (brands also with one typo);
3. apply negations ("not gray", "no nike", "without sugar") to what follows them;
4. pick the product noun phrase, the action and the keyword query, and score each field's confidence;
5. with a context, resolve references against the products shown and merge follow-ups into the previous intent.

The LLM refinement reads `Intent.confidence` to decide which fields to revisit.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from retrieval.models import Product

from . import lexicons as lex
from .context import IntentContext, Refinement, refine, resolve_reference
from .money import find_price
from .schema import Exclusions, Intent, Reference

__all__ = ["CatalogVocabulary", "IntentContext", "extract_intent"]

EXACT, SYNONYM, FUZZY, AMBIGUOUS, GUESS = 0.95, 0.8, 0.6, 0.5, 0.6
CATALOG = EXACT
MAX_PRODUCT_TYPE_WORDS = 4
FUZZY_MIN_LENGTH = 5
ATTRIBUTE_KINDS = ("color", "size", "material", "flavor", "scent", "pattern", "style")
# When one phrase means several things, the first kind here wins unless the context says otherwise.
KIND_PRIORITY = {kind: rank for rank, kind in enumerate(
    ("brand", "category", "color", "material", "pattern", "style", "feature", "flavor", "scent", "sort"))}


def extract_intent(text: str, vocabulary: CatalogVocabulary | None = None,
                   context: IntentContext | None = None) -> Intent:
    """The structured intent of one shopper message; never raises on any string."""
    message = _Message(_normalise(text or ""))
    _find_patterns(message, vocabulary)
    _tokenise(message)
    _match_phrases(message, vocabulary)
    _apply_negations(message)
    fresh = _build_intent(message, vocabulary, context)
    return _with_context(fresh, message, context, vocabulary)


class CatalogVocabulary:
    """What a catalog calls things, indexed once so that each parse costs lookups, not scans."""

    def __init__(self) -> None:
        self.index = _PhraseIndex()
        self.fuzzy_brands = _FuzzyIndex()
        self.known_words: set[str] = set()
        self.sizes: dict[str, str] = {}
        self.size_values: list[str] = []
        self.product_ids: dict[str, str] = {}
        self.colors: dict[str, str] = {}
        self.features: dict[str, str] = {}
        self.category_depth: dict[str, int] = {}

    @classmethod
    def from_products(cls, products: Iterable[Product], synonyms: Mapping[str, str] | None = None
                      ) -> CatalogVocabulary:
        """Brands, category names at every level, colours, sizes, materials, flavours, scents and
        features (tags) seen in the catalog. `synonyms` maps extra shopper phrases to category names."""
        vocabulary = cls()
        categories: dict[str, int] = {}
        seen: dict[str, set[str]] = {key: set() for key in ("brand", "color", "material", "flavor", "scent",
                                                             "size", "feature")}
        for product in products:
            vocabulary.product_ids[product.id.lower()] = product.id
            if product.brand:
                seen["brand"].add(product.brand.strip())
            for depth, name in enumerate(product.category):
                if name.strip():
                    categories[name.strip()] = max(categories.get(name.strip(), 0), depth)
            for key in ("color", "material", "flavor", "scent", "size"):
                seen[key].update(_attribute_values(product, key))
            seen["feature"].update(t.strip() for t in product.tags if t.strip().lower() not in ("sale", "new"))
            vocabulary.known_words.update(_words(product.title))
        vocabulary._add_categories(categories, synonyms or {})
        for brand in seen["brand"]:
            vocabulary.index.add(brand, _Entry("brand", brand, CATALOG))
            vocabulary.fuzzy_brands.add(brand)
        vocabulary.known_words -= {w for brand in seen["brand"] for w in _words(brand)}
        for kind in ("color", "material", "flavor", "scent"):
            for value in seen[kind]:
                if _usable_value(value):
                    canonical = lex.canonical_color(value) if kind == "color" else value
                    vocabulary.index.add(value, _Entry(kind, canonical, CATALOG))
        vocabulary.colors = {_key(lex.canonical_color(c)): c for c in seen["color"]}
        vocabulary.features = {_key(f): f for f in seen["feature"]}
        for feature in seen["feature"]:
            if _usable_value(feature):
                vocabulary.index.add(feature, _Entry("feature", feature, CATALOG))
        vocabulary.size_values = sorted(seen["size"])
        for size in vocabulary.size_values:
            for key in _size_keys(size):
                vocabulary.sizes.setdefault(key, size)
        return vocabulary

    def _add_categories(self, categories: dict[str, int], synonyms: Mapping[str, str]) -> None:
        """Every level's name, plus the parts of 'Coffee & Tea', plus synonyms of the names.

        A phrase naming several categories means the most specific; a synonym never hides a real name
        but does win over a part ('tv' is Televisions, not 'TV & Video').
        """
        self.category_depth = dict(categories)
        names: dict[str, tuple[int, str]] = {}
        parts: dict[str, tuple[int, str]] = {}
        for name, depth in categories.items():
            _keep_deepest(names, _lemma_key(name), depth, name)
            for part in re.split(r"\s*&\s*", name):
                if part and part != name:
                    _keep_deepest(parts, _lemma_key(part), depth, name)
        found = {**parts, **names}
        synonym_names: dict[str, tuple[int, str]] = {}
        for phrase, target in {**lex.PRODUCT_TYPE_SYNONYMS, **synonyms}.items():
            resolved = names.get(_lemma_key(target))
            if resolved and _lemma_key(phrase) not in names:
                synonym_names[_lemma_key(phrase)] = resolved
        for key, (_, name) in {**found, **synonym_names}.items():
            self.index.add_lemma_key(key, _Entry("category", name, SYNONYM if key in synonym_names else CATALOG))

    def catalog_size(self, size: str) -> str:
        """The catalog's spelling of a size ('55 in' -> '55-Inch'); the size itself when unknown."""
        for key in _size_keys(size):
            if key in self.sizes:
                return self.sizes[key]
        return size

    def canonical_id(self, text: str) -> str | None:
        return self.product_ids.get(text.lower())


# ---------------------------------------------------------------- text and tokens

_TRANSLATE = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201b": "'", "`": "'", "\u00b4": "'",
                            "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-", "\u2212": "-",
                            "\u00d7": "x", "\u00a0": " ", "\u2044": "/"})
_TOKEN_RE = re.compile(r"[^\W_]+(?:'[^\W_]+)*|&")
_SENTENCE_GAP = re.compile(r"[,.;:!?()\[\]]")
_JOINING_GAPS = frozenset({"-", "/", ".", "'", "+"})
_IRREGULAR = {"knives": "knife", "shelves": "shelf", "leaves": "leaf", "loaves": "loaf", "halves": "half",
              "wives": "wife", "children": "child", "feet": "foot", "teeth": "tooth", "mice": "mouse",
              "geese": "goose", "people": "person"}


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_TRANSLATE).lower()
    return " ".join(text.split())


def _words(text: str) -> list[str]:
    return [m.group().replace("'", "") for m in _TOKEN_RE.finditer(_normalise(text))]


def _lemma(word: str) -> str:
    """A plural-and-spelling-insensitive key for one word: 'hoodies'/'hoodie' -> 'hoodi', 'knives' -> 'knife'."""
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if len(word) > 4 and word.endswith("ies"):
        word = word[:-3] + "i"
    elif len(word) > 3 and word.endswith("es") and word[:-2].endswith(("s", "x", "z", "ch", "sh")):
        word = word[:-2]
    elif len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    if word.endswith("y") and len(word) > 2:
        return word[:-1] + "i"
    if word.endswith("ie") and len(word) > 3:
        return word[:-2] + "i"
    return word


def _lemma_key(phrase: str) -> str:
    return " ".join(_lemma(w) for w in _words(phrase))


def _key(text: str) -> str:
    """Spelling-insensitive comparison key: 'Non-Slip' -> 'nonslip'."""
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _usable_value(value: str) -> bool:
    """Catalog values that are everyday words ('down', 'felt'... or 2 letters) would match everywhere."""
    words = _words(value)
    return bool(words) and not (len(words) == 1 and (len(words[0]) <= 2 or words[0] in lex.STOPWORDS))


class _Entry(NamedTuple):
    kind: str
    value: str
    confidence: float


class _PhraseIndex:
    """Phrases by their words (colours, brands...) or by their word lemmas (categories)."""

    def __init__(self) -> None:
        self.by_words: dict[str, list[_Entry]] = {}
        self.by_lemmas: dict[str, list[_Entry]] = {}
        self.words_span: dict[str, int] = {}  # first word -> longest phrase starting with it
        self.lemmas_span: dict[str, int] = {}

    def add(self, phrase: str, entry: _Entry) -> None:
        words = _words(phrase)
        if not words:
            return
        for variant in _and_variants(words):
            self._put(self.by_words, self.words_span, variant, entry)
        compact = "".join(w for w in words if w != "&")
        if len(words) > 1 and len(compact) >= 5 and compact.isalnum():
            self._put(self.by_words, self.words_span, [compact], entry)

    def add_lemma_key(self, key: str, entry: _Entry) -> None:
        if key:
            for variant in _and_variants(key.split(" ")):
                self._put(self.by_lemmas, self.lemmas_span, variant, entry)

    @staticmethod
    def _put(table: dict[str, list[_Entry]], spans: dict[str, int], words: list[str], entry: _Entry) -> None:
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


class _FuzzyIndex:
    """Brand names by every one-letter deletion, so a one-typo lookup is a few dict hits."""

    def __init__(self) -> None:
        self.by_variant: dict[str, set[str]] = {}
        self.names: dict[str, str] = {}

    def add(self, brand: str) -> None:
        compact = "".join(_words(brand))
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


def _attribute_values(product: Product, name: str) -> set[str]:
    """One attribute's values across the product and its variants, as the catalog spells them."""
    raw = product.attributes.get(name)
    values = {raw} if isinstance(raw, str) else set(raw or [])
    values.update(v for variant in product.variants for k, v in variant.options.items() if k.lower() == name)
    return {v.strip() for v in values if v and v.strip()}


def _keep_deepest(table: dict[str, tuple[int, str]], key: str, depth: int, name: str) -> None:
    if key and (key not in table or table[key][0] < depth):
        table[key] = (depth, name)


def _size_keys(size: str) -> list[str]:
    """Comparison keys for a size string: '55-Inch' and '55 in' share '55in'; '48x24 in' also gives '48x24'."""
    text = _normalise(size)
    keys = []
    parsed = _read_size(text)
    if parsed:
        keys.append(_key(parsed))
        dims = re.match(r"^([\d.]+x[\d.]+)\s", parsed)
        if dims:
            keys.append(_key(dims[1]))
    keys.append(_key(text))
    return keys


def _read_size(text: str) -> str | None:
    """The canonical size a short text states: '55-inch' -> '55 in', 'x-large' -> 'XL', 'size 7' -> '7'."""
    for found in _size_spans(text, []):
        return found.value
    return None


# ---------------------------------------------------------------- one message


@dataclass
class _Span:
    """A pattern found on the text: a price, a size, a recipient..."""

    start: int
    end: int
    kind: str
    value: object = None
    confidence: float = EXACT
    query_text: str | None = None  # what stands for it in the keyword query (None: dropped)


@dataclass
class _Claim:
    """A lexicon phrase found on tokens [first, last)."""

    first: int
    last: int
    kind: str
    value: str
    confidence: float
    negated: bool = False


@dataclass
class _Message:
    text: str
    spans: list[_Span] = field(default_factory=list)
    words: list[str] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)
    span_of: list[_Span | None] = field(default_factory=list)  # the pattern span covering each token
    claims: list[_Claim] = field(default_factory=list)
    claim_of: list[_Claim | None] = field(default_factory=list)
    excluded_terms: list[str] = field(default_factory=list)
    negation_tokens: set[int] = field(default_factory=set)

    def taken(self, start: int, end: int) -> bool:
        return any(s.start < end and start < s.end for s in self.spans)

    def add(self, span: _Span) -> bool:
        if span.end <= span.start or self.taken(span.start, span.end):
            return False
        self.spans.append(span)
        return True

    def free(self, i: int) -> bool:
        return self.span_of[i] is None and self.claim_of[i] is None and i not in self.negation_tokens

    def gap(self, i: int) -> str:
        """The text between token i-1 and token i."""
        return self.text[self.ends[i - 1]:self.starts[i]] if i > 0 else ""

    def of_kind(self, kind: str) -> list[_Span]:
        return [s for s in self.spans if s.kind == kind]


# ---------------------------------------------------------------- 1. patterns on the text


def _find_patterns(message: _Message, vocabulary: CatalogVocabulary | None) -> None:
    text = message.text
    _find_references(message, vocabulary)
    price = find_price(text)
    for start, end in price.spans:
        message.add(_Span(start, end, "price", price, price.confidence))
    for pattern in (lex.AGE_RANGE_RE, lex.AUDIENCE_AGE_LIMIT_RE):
        for m in pattern.finditer(text):
            message.add(_Span(m.start(), m.end(), "age", query_text=m.group().removeprefix("for ")))
    _find_people_and_occasions(message)
    for pattern in (lex.PACK_PREFIX_RE, lex.PACK_SUFFIX_RE, lex.PACK_WORD_RE):
        for m in pattern.finditer(text):
            count = lex.PACK_WORD_VALUES.get(m.group("word")) if "word" in m.groupdict() else \
                lex.number_value(m.group("num"))
            if count and 1 <= count <= 10000 and count == int(count):
                message.add(_Span(m.start(), m.end(), "pack", int(count)))
    for span in _size_spans(text, message.spans):
        if vocabulary is not None:
            span.value = vocabulary.catalog_size(span.value)
        message.add(span)
    for kind, pattern in (("cheaper", lex.CHEAPER_RE), ("pricier", lex.PRICIER_RE), ("bigger", lex.BIGGER_RE),
                          ("smaller", lex.SMALLER_RE), ("other_brand", lex.OTHER_BRAND_RE), ("more", lex.MORE_RE)):
        for m in pattern.finditer(text):
            message.add(_Span(m.start(), m.end(), "cue:" + kind))


def _find_references(message: _Message, vocabulary: CatalogVocabulary | None) -> None:
    text = message.text
    if vocabulary is not None and vocabulary.product_ids:
        for m in re.finditer(r"[^\s,;!?()]+", text):
            chunk = m.group().rstrip(".")
            product_id = vocabulary.canonical_id(chunk) if any(c.isdigit() for c in chunk) else None
            if product_id:
                message.add(_Span(m.start(), m.start() + len(chunk), "product_id", product_id, EXACT))
    for m in lex.PRODUCT_ID_RE.finditer(text):
        message.add(_Span(m.start(), m.end(), "product_id", m["id"].upper(), 0.7 if vocabulary else GUESS))
    for m in lex.ORDINAL_REF_RE.finditer(text):
        ordinal = lex.ORDINALS[" ".join((m["ord"] or m["ord2"]).split())]
        message.add(_Span(m.start(), m.end(), "ordinal", ordinal, 0.9))
    for m in lex.NUMBERED_REF_RE.finditer(text):
        message.add(_Span(m.start(), m.end(), "ordinal", int(m["num"]), 0.8))


def _find_people_and_occasions(message: _Message) -> None:
    text = message.text
    for m in lex.OCCASION_GIFT_RE.finditer(text):
        message.add(_Span(m.start(), m.end(), "occasion", lex.OCCASIONS[m["occ"]], 0.9, lex.OCCASIONS[m["occ"]]))
    for pattern, is_activity in ((lex.OCCASION_FOR_RE, False), (lex.ACTIVITY_FOR_RE, True)):
        for m in pattern.finditer(text):
            if _followed_by_noun(text, m.end()) or _after_search_verb(text, m.start()):
                continue  # "looking for camping chairs": the activity names the product, it is no occasion
            value = lex.OCCASIONS.get(m["occ"], re.sub(r"^the\s+", "", m["occ"]))
            message.add(_Span(m.start("occ"), m.end("occ"), "occasion", value, 0.7 if is_activity else 0.85,
                              m["occ"]))
    for m in lex.RECIPIENT_RE.finditer(text):
        noun = m["noun"]
        if noun in lex.GENERIC_AUDIENCE and m["det"] not in ("my", "our", "his", "her", "their") and not m["age"]:
            continue
        who = re.sub(r"^(?:a|an|the)\s+", "", m["who"]).removesuffix("'s").removesuffix("'")
        message.add(_Span(m.start(), m.end(), "recipient", who, 0.85))
    for m in lex.AGE_RE.finditer(text):
        message.add(_Span(m.start(), m.end(), "age", query_text=m.group()))


def _followed_by_noun(text: str, end: int) -> bool:
    nxt = re.match(r"\s*([a-z][a-z'-]*)", text[end:])
    if nxt is None or _SENTENCE_GAP.match(text[end:end + 1] or " "):
        return False
    word = nxt[1].replace("'", "")
    return word not in lex.STOPWORDS and word not in lex.FILLER_WORDS and word not in ("gift", "gifts", "present")


def _after_search_verb(text: str, start: int) -> bool:
    return bool(re.search(r"\b(?:look|looking|search|searching|shop|shopping|hunt|hunting|ask|asking)\s*$",
                          text[:start]))


def _size_spans(text: str, taken: list[_Span]) -> list[_Span]:
    """Sizes the text states, canonical: 'XL', '10', '7.5 wide', '20x20 in', '16 oz', 'Queen', '3T'."""
    found: list[_Span] = []

    def add(m: re.Match, value: str | None, group: str = "value", whole: bool = True) -> None:
        if not value:
            return
        start, end = (m.start(), m.end()) if whole else m.span(group)
        if any(s.start < end and start < s.end for s in [*taken, *found]):
            return
        surface = text[start:end]
        query = surface if not re.match(r"^\d", value) or not surface.startswith(("size", "in size", "sz")) \
            else f"size {value}"
        found.append(_Span(start, end, "size", value, EXACT, query))

    for m in lex.SIZE_AFTER_CUE_RE.finditer(text):
        add(m, _cued_size(m["value"]))
    for m in lex.DIMENSIONS_RE.finditer(text):
        add(m, _dimensions(m))
    for m in lex.MEASURE_RE.finditer(text):
        add(m, _measure(m))
    for m in lex.SHOE_WIDTH_RE.finditer(text):
        add(m, f"{m['value']} {'wide' if 'wide' in m['width'] else 'narrow'}")
    for m in lex.GENDERED_SIZE_RE.finditer(text):
        add(m, m["value"], whole=False)
    for m in lex.LETTER_SIZE_RE.finditer(text):
        add(m, lex.LETTER_SIZES.get(" ".join(m["value"].split())))
    for m in lex.BED_SIZE_AFTER_RE.finditer(text):
        add(m, lex.BED_SIZES[m["value"]], whole=False)
    for m in lex.BED_SIZE_RE.finditer(text):
        add(m, lex.BED_SIZES[m["value"]], whole=False)
    for m in lex.WORD_SIZE_CUED_RE.finditer(text):
        word = m["value"] or m["value2"]
        add(m, lex.WORD_SIZES.get(word) or lex.BED_SIZES.get(word), "value" if m["value"] else "value2")
    for m in lex.KIDS_SIZE_RE.finditer(text):
        add(m, m["value"].upper() if re.fullmatch(r"\dt", m["value"]) else " ".join(m["value"].split()))
    for m in lex.NAMED_SIZE_RE.finditer(text):
        add(m, m["value"].replace("-", " ").title())
    for m in lex.PAPER_SIZE_RE.finditer(text):
        add(m, m["value"].upper() if len(m["value"]) == 2 else m["value"].split()[0].title())
    return found


def _cued_size(value: str) -> str | None:
    value = re.sub(r"^(?:us|uk|eu)\s+", "", " ".join(value.split()))
    width = re.search(r"\s*(wide|narrow|w|x-wide|extra wide)$", value)
    if width and re.match(r"^\d", value):
        number = value[:width.start()].strip()
        return f"{_number_text(number)} {'narrow' if width[1] == 'narrow' else 'wide'}"
    for table in (lex.LETTER_SIZES, lex.WORD_SIZES, lex.BED_SIZES):
        if value in table:
            return table[value]
    if re.fullmatch(r"\d{1,2}(?:\.5)?\s*[cytm]", value):
        return value.replace(" ", "").upper()
    if re.match(r"^\d", value):
        return _number_text(value.split()[0] if "1/2" not in value else value)
    if re.fullmatch(r"[a-c]\d", value):
        return value.upper()
    return None


def _number_text(text: str) -> str:
    """'10 1/2' -> '10.5', '7.50' -> '7.5', 'seventy' -> '70'."""
    text = text.strip()
    half = text.endswith("1/2")
    value = lex.number_value(text.removesuffix("1/2").strip()) if text.removesuffix("1/2").strip() else 0
    if value is None:
        return text
    value += 0.5 if half else 0
    return f"{value:g}"


def _dimensions(m: re.Match) -> str:
    parts = [f"{_number_text(m['a'])}{m['sa'] if m['sa'] in ('w', 'h', 'l', 'd') else ''}",
             f"{_number_text(m['b'])}{m['sb'] or ''}"]
    if m["c"]:
        parts.append(f"{_number_text(m['c'])}{m['sc'] or ''}")
    unit = lex.UNITS.get(m["unit"]) if m["unit"] else ("in" if m["sa"] in ("in", '"') else None)
    return "x".join(parts) + (f" {unit}" if unit else "")


def _measure(m: re.Match) -> str | None:
    unit = lex.UNITS[m["unit"]]
    number = m["num"]
    if unit == "g" and number in ("3", "4", "5") and m.end("num") == m.start("unit"):
        return None  # "5g" is a network generation
    if m["unit"] == "in" and re.match(r"\s*\d", m.string[m.end():]):
        return None  # "3 in 1 charger"
    if number[0].isalpha() and lex.number_value(number) == 1 and unit in ("piece", "person", "cup"):
        return None  # "one piece swimsuit"
    return f"{_number_text(number)} {unit}"


# ---------------------------------------------------------------- 2. tokens and phrases


def _tokenise(message: _Message) -> None:
    for m in _TOKEN_RE.finditer(message.text):
        message.words.append(m.group().replace("'", ""))
        message.starts.append(m.start())
        message.ends.append(m.end())
    for start, end in zip(message.starts, message.ends):
        message.span_of.append(next((s for s in message.spans if s.start < end and start < s.end), None))
    message.claim_of = [None] * len(message.words)


def _match_phrases(message: _Message, vocabulary: CatalogVocabulary | None) -> None:
    words = message.words
    lemmas = [_lemma(w) for w in words]
    candidates: dict[tuple[int, int], list[_Entry]] = {}
    # the catalog's phrases first: on a tie its spelling ('induction-ready') beats the built-in one
    for index in (vocabulary.index if vocabulary else None, _BUILTIN):
        if index is None:
            continue
        for i in range(len(words)):
            if message.span_of[i] is not None:
                continue
            for table, spans, keys in ((index.by_words, index.words_span, words),
                                       (index.by_lemmas, index.lemmas_span, lemmas)):
                longest = spans.get(keys[i], 0)
                for n in range(min(longest, len(words) - i), 0, -1):
                    if any(message.span_of[j] is not None for j in range(i + 1, i + n)):
                        continue
                    if n > 1 and any(_SENTENCE_GAP.search(message.gap(j)) for j in range(i + 1, i + n)):
                        continue
                    entries = table.get(" ".join(keys[i:i + n]))
                    if entries:
                        candidates.setdefault((i, n), []).extend(entries)
    context_words = set(words)
    for (i, n), entries in sorted(candidates.items(), key=lambda c: (-c[0][1], c[0][0])):
        if any(message.claim_of[j] is not None for j in range(i, i + n)):
            continue
        entry = _choose_entry(entries, message, i, n, context_words, vocabulary)
        if entry is None:
            continue
        claim = _Claim(i, i + n, entry.kind, entry.value, entry.confidence)
        message.claims.append(claim)
        for j in range(i, i + n):
            message.claim_of[j] = claim
    _match_free_suffix(message)
    if vocabulary is not None or _BUILTIN_FUZZY.names:
        _match_fuzzy_brands(message, vocabulary)
    message.claims.sort(key=lambda c: c.first)


def _choose_entry(entries: list[_Entry], message: _Message, i: int, n: int, context_words: set[str],
                  vocabulary: CatalogVocabulary | None) -> _Entry | None:
    """The meaning of a phrase in this message: 'lavender candle' is a scent, 'apple juice' no brand."""
    before = message.words[i - 1] if i > 0 else ""
    after = message.words[i + n] if i + n < len(message.words) else ""
    phrase = " ".join(message.words[i:i + n])
    usable = []
    for entry in entries:
        if entry.kind == "brand" and phrase in lex.AMBIGUOUS_BRANDS:
            vetoes = lex.AMBIGUOUS_BRANDS[phrase]
            if before in vetoes or after in vetoes:
                continue
            entry = entry._replace(confidence=min(entry.confidence, AMBIGUOUS))
        if entry.kind == "color" and (after in lex.COLOR_NOT_BEFORE or before in lex.COLOR_NOT_AFTER):
            continue
        usable.append(entry)
    if not usable:
        return None
    kinds = {e.kind for e in usable}
    if "scent" in kinds and context_words & lex.SCENT_CONTEXT:
        return next(e for e in usable if e.kind == "scent")
    if "flavor" in kinds and context_words & lex.FLAVOR_CONTEXT:
        return next(e for e in usable if e.kind == "flavor")
    # with nothing to smell or taste around them, 'vanilla' or 'espresso machine' name no flavour or scent
    usable = [e for e in usable if e.kind not in ("flavor", "scent")]
    usable.sort(key=lambda e: KIND_PRIORITY[e.kind])  # stable: the catalog's entry first within a kind
    return usable[0] if usable else None


def _match_free_suffix(message: _Message) -> None:
    """'latex-free', 'scratch free': any 'X free' is a feature, like the ones the lexicon lists."""
    for i in range(1, len(message.words)):
        word, before = message.words[i], message.words[i - 1]
        if word == "free" and message.free(i) and message.free(i - 1) and before.isalpha() \
                and before not in lex.STOPWORDS and before not in lex.FILLER_WORDS and before != "shipping":
            claim = _Claim(i - 1, i + 1, "feature", f"{before} free", 0.8)
            message.claims.append(claim)
            message.claim_of[i - 1] = message.claim_of[i] = claim


def _match_fuzzy_brands(message: _Message, vocabulary: CatalogVocabulary | None) -> None:
    for i, word in enumerate(message.words):
        if not message.free(i) or len(word) < FUZZY_MIN_LENGTH or not word.isalpha() or word in _KNOWN_WORDS \
                or word in lex.FUZZY_BRAND_BLOCKLIST or (vocabulary and word in vocabulary.known_words):
            continue
        brand = (vocabulary.fuzzy_brands.find(word) if vocabulary else None) or _BUILTIN_FUZZY.find(word)
        if brand:
            claim = _Claim(i, i + 1, "brand", brand, FUZZY)
            message.claims.append(claim)
            message.claim_of[i] = claim


# ---------------------------------------------------------------- 3. negations


def _apply_negations(message: _Message) -> None:
    words = message.words
    i = 0
    while i < len(words):
        length = _negation_at(message, i)
        if not length:
            i += 1
            continue
        j = i + length
        if j < len(words) and words[j] in lex.NOT_NEGATING_NEXT or j >= len(words) \
                or _SENTENCE_GAP.search(message.gap(j)):
            i = j
            continue
        while j < len(words) and words[j] in _NEGATION_SKIP and message.free(j):
            j += 1
        end = _negate_from(message, j)
        if end > j:
            message.negation_tokens.update(range(i, j))
            message.negation_tokens.update(t for t in range(j, end) if message.claim_of[t] is None)
        i = max(end, i + length)


def _negation_at(message: _Message, i: int) -> int:
    if not message.free(i):
        return 0
    for cue in _NEGATION_CUES.get(message.words[i], ()):
        if tuple(message.words[i:i + len(cue)]) == cue and all(message.free(k) for k in range(i, i + len(cue))):
            return len(cue)
    return 0


def _negate_from(message: _Message, j: int) -> int:
    """Negates the claim or the words starting at token j, and any 'or'/'and'/',' list after them."""
    words = message.words
    kind = None
    while j < len(words):
        claim = message.claim_of[j]
        if claim is not None and claim.first == j and claim.kind != "sort" and kind in (None, claim.kind):
            claim.negated = True
            kind = claim.kind
            j = claim.last
        elif message.free(j) and _is_content(words[j]) and kind in (None, "term"):
            end = j
            while end < len(words) and end - j < 2 and message.free(end) and _is_content(words[end]) \
                    and not (end > j and _SENTENCE_GAP.search(message.gap(end))):
                end += 1
            message.excluded_terms.append(" ".join(words[j:end]))
            kind = "term"
            j = end
        else:
            break
        if j < len(words) and words[j] in ("or", "nor", "and") and j + 1 < len(words):
            message.negation_tokens.add(j)
            j += 1
        elif j < len(words) and "," in message.gap(j) and kind != "term":
            continue
        else:
            break
    return j


def _is_content(word: str) -> bool:
    return word not in lex.STOPWORDS and word not in lex.FILLER_WORDS and word != "&"


# ---------------------------------------------------------------- 4. the intent


def _build_intent(message: _Message, vocabulary: CatalogVocabulary | None, context: IntentContext | None) -> Intent:
    confidence: dict[str, float] = {}
    attributes: dict[str, str] = {}
    excluded_attributes: dict[str, list[str]] = {}
    brands: list[str] = []
    excluded_brands: list[str] = []
    features: list[str] = []
    sort = "relevance"
    for claim in message.claims:
        value = _catalog_spelling(claim, vocabulary)
        if claim.kind == "brand":
            target = excluded_brands if claim.negated else brands
            if value not in target:
                target.append(value)
            confidence["exclude" if claim.negated else "brands"] = min(
                confidence.get("exclude" if claim.negated else "brands", 1.0), claim.confidence)
        elif claim.kind in ATTRIBUTE_KINDS:
            if claim.negated:
                excluded_attributes.setdefault(claim.kind, []).append(value)
                confidence["exclude"] = min(confidence.get("exclude", 1.0), claim.confidence)
            elif claim.kind not in attributes:
                attributes[claim.kind] = value
                confidence[f"attributes.{claim.kind}"] = claim.confidence
            elif attributes[claim.kind] != value:
                confidence[f"attributes.{claim.kind}"] = 0.5  # "pink or blue": the first one, unsure
        elif claim.kind == "feature":
            if claim.negated:
                message.excluded_terms.append(value)
            elif value not in features:
                features.append(value)
                confidence["features"] = min(confidence.get("features", 1.0), claim.confidence)
        elif claim.kind == "sort" and not claim.negated and sort == "relevance":
            sort = claim.value
            confidence["sort"] = 0.85
        elif claim.kind == "category" and claim.negated:
            message.excluded_terms.append(" ".join(message.words[claim.first:claim.last]))
    sizes = message.of_kind("size")
    if sizes:
        attributes["size"] = str(sizes[0].value)
        confidence["attributes.size"] = EXACT if len({s.value for s in sizes}) == 1 else 0.5
    if not brands and not excluded_brands:
        confidence.pop("brands", None)
    price_spans = message.of_kind("price")
    price = price_spans[0].value.price if price_spans else None
    if price_spans:
        confidence["price"] = price_spans[0].value.confidence
    packs = message.of_kind("pack")
    pack_count = packs[0].value if packs else None
    if packs:
        confidence["pack_count"] = 0.9
    cues = _refinement_cues(message)
    if sort == "relevance" and not (context and context.previous):
        if cues.cheaper:
            sort, confidence["sort"] = "price_asc", 0.7
        elif cues.pricier:
            sort, confidence["sort"] = "price_desc", 0.7
    reference = _reference(message)
    if reference:
        confidence["reference"] = max(s.confidence for s in message.spans if s.kind in ("ordinal", "product_id"))
    recipient = _first_value(message, "recipient")
    occasion = _first_value(message, "occasion")
    if recipient:
        confidence["recipient"] = 0.85
    if occasion:
        confidence["occasion"] = next(s.confidence for s in message.spans if s.kind == "occasion")
    product_type, category, type_confidence = _product_type(message, vocabulary)
    if product_type:
        confidence["product_type"] = type_confidence
    if category:
        confidence["category"] = next(c.confidence for c in message.claims if c.kind == "category"
                                      and c.value == category)
    exclude = Exclusions(brands=excluded_brands, terms=list(dict.fromkeys(message.excluded_terms)),
                         attributes=excluded_attributes)
    if exclude.terms:
        confidence["exclude"] = min(confidence.get("exclude", 1.0), 0.75)
    strong = bool(brands or attributes or features or price)
    signals = strong or bool(product_type or category)
    action, action_confidence, action_drop = _action(message, signals, strong, bool(reference), product_type, cues,
                                                     context)
    confidence["action"] = action_confidence
    language, confidence["language"] = _language(message.words)
    query = _query(message, action_drop)
    if action == "product_question" and not category and not _demonstrative_before(message.text, product_type):
        product_type = None
        confidence.pop("product_type", None)
    if action in _NO_QUERY:
        query = ""
    if action in _NOT_ABOUT_PRODUCTS:  # a question about the store or the cart states no product constraints
        return Intent(action=action, query=query, reference=reference, language=language, confidence={
            key: round(value, 2) for key, value in confidence.items() if key in _KEPT_FOR_NON_PRODUCT})
    if query:
        confidence["query"] = 0.8 if signals else 0.5
    return Intent(
        action=action, query=query, product_type=product_type, category=category, brands=brands,
        exclude=exclude, attributes=attributes, features=features,
        price=price if price is not None else {}, pack_count=pack_count, sort=sort, reference=reference,
        recipient=recipient, occasion=occasion, language=language,
        confidence={key: round(value, 2) for key, value in confidence.items()})


def _catalog_spelling(claim: _Claim, vocabulary: CatalogVocabulary | None) -> str:
    """Built-in values in the catalog's own spelling when it has them: 'non-slip', 'gray'."""
    if vocabulary is None:
        return claim.value
    if claim.kind == "color":
        return vocabulary.colors.get(_key(claim.value), claim.value)
    if claim.kind == "feature":
        return vocabulary.features.get(_key(claim.value), claim.value)
    return claim.value


def _first_value(message: _Message, kind: str) -> str | None:
    spans = message.of_kind(kind)
    return str(spans[0].value) if spans else None


def _reference(message: _Message) -> Reference | None:
    ids = message.of_kind("product_id")
    ordinals = message.of_kind("ordinal")
    if not ids and not ordinals:
        return None
    return Reference(ordinal=ordinals[0].value if ordinals else None,
                     product_id=ids[0].value if ids else None)


def _refinement_cues(message: _Message) -> Refinement:
    kinds = {s.kind for s in message.spans}
    return Refinement(cheaper="cue:cheaper" in kinds, pricier="cue:pricier" in kinds, bigger="cue:bigger" in kinds,
                      smaller="cue:smaller" in kinds, other_brand="cue:other_brand" in kinds,
                      more="cue:more" in kinds)


def _product_type(message: _Message, vocabulary: CatalogVocabulary | None) -> tuple[str | None, str | None, float]:
    """The product noun phrase: the last run of product words in a phrase, after its modifiers.

    'i need blue high heels with open toes' -> 'high heels'; 'nike trail running shoes' -> 'trail running shoes'.
    A phrase naming a specific category wins; a department name ('home', 'office') only when nothing else does.
    """
    blocks: list[tuple[list[int], int]] = []  # (product word tokens, run)
    run, block = 0, []
    # "for my son who loves dinosaurs": a relative clause describes a person, not the product
    end = next((i for i, w in enumerate(message.words) if w == "who" and message.free(i)), len(message.words))
    for i in range(end + 1):
        breaks = i == end or _breaks_phrase(message, i)
        if not breaks and _is_brand(message, i):
            continue  # a brand inside the name is skipped: "amusement park lego set"
        if not breaks and _is_product_word(message, i):
            block.append(i)
        elif block:
            blocks.append((block, run))
            block = []
        run += breaks
    categories = [c for c in message.claims if c.kind == "category" and not c.negated]
    depth = vocabulary.category_depth if vocabulary else {}
    specific = [c for c in categories if depth.get(c.value, 1) > 0]
    chosen = next((b for b, _ in blocks if any(c.first in b for c in specific)), None)
    if chosen is None and blocks:
        chosen = [b for b, r in blocks if r == blocks[0][1]][-1]
    if chosen is None and categories:
        chosen = list(range(categories[0].first, categories[0].last))
    if chosen is None:
        return None, None, 0.0
    chosen = chosen[-MAX_PRODUCT_TYPE_WORDS:]
    first, last = chosen[0], chosen[-1] + 1
    inside = [c for c in categories if first <= c.first < last]
    product_type = _join_tokens(message, chosen)
    # a department name counts only as the head: "trail shoes" is Shoes, "outdoor ceiling fan" is no Outdoor
    inside = [c for c in inside if depth.get(c.value, 1) > 0 or c.last == last]
    if inside:  # the most specific: "hiking backpack" is Backpacks, "dog toys" is Dogs
        best = max(inside, key=lambda c: (depth.get(c.value, 1), c.first))
        return product_type, best.value, best.confidence
    return product_type, None, GUESS if last - first <= 2 else AMBIGUOUS


def _is_brand(message: _Message, i: int) -> bool:
    claim = message.claim_of[i]
    return claim is not None and claim.kind == "brand" and not claim.negated


def _breaks_phrase(message: _Message, i: int) -> bool:
    word = message.words[i]
    if message.span_of[i] is not None or i in message.negation_tokens:
        return True
    if i > 0 and _SENTENCE_GAP.search(message.gap(i)):
        return True
    claim = message.claim_of[i]
    if claim is not None:
        return claim.kind == "sort" or claim.negated
    return word in lex.STOPWORDS or word in lex.FILLER_WORDS or word in lex.GENERIC_NOUNS or word == "&"


def _is_product_word(message: _Message, i: int) -> bool:
    claim = message.claim_of[i]
    if claim is not None:
        return claim.kind == "category"
    word = message.words[i]
    if _is_model_code(message, i):
        # a model number between product words belongs to the name ("iphone 15 case", "galaxy s23 ultra");
        # elsewhere it is no product word ("sony wh-1000xm5 headphones")
        return 0 < i < len(message.words) - 1 and all(
            message.claim_of[j] is None and message.span_of[j] is None and _is_plain_noun(message.words[j])
            and not _is_model_code(message, j) for j in (i - 1, i + 1))
    return _is_plain_noun(word)


def _is_model_code(message: _Message, i: int) -> bool:
    def has_digit(j: int) -> bool:
        return 0 <= j < len(message.words) and any(c.isdigit() for c in message.words[j])
    return has_digit(i) or (i + 1 < len(message.words) and message.gap(i + 1) == "-" and has_digit(i + 1))


def _is_plain_noun(word: str) -> bool:
    return (word not in lex.DESCRIPTIVE_WORDS and word not in lex.AUDIENCE_WORDS and len(word) > 1
            and word not in lex.STOPWORDS and word not in lex.FILLER_WORDS and word not in lex.GENERIC_NOUNS)


def _join_tokens(message: _Message, indices: Iterable[int], replacements: Mapping[int, str] | None = None) -> str:
    parts: list[str] = []
    previous = None
    for i in indices:
        if previous is not None:
            gap = message.gap(i)
            parts.append(gap if previous == i - 1 and gap in _JOINING_GAPS else " ")
        parts.append(replacements[i] if replacements and i in replacements
                     else message.text[message.starts[i]:message.ends[i]])
        previous = i
    return "".join(parts)


def _action(message: _Message, signals: bool, strong: bool, has_reference: bool, product_type: str | None,
            cues: Refinement, context: IntentContext | None) -> tuple[str, float, set[int]]:
    """What the message asks the assistant to do, how sure that is, and the cue tokens to drop from the query."""
    text = message.text
    if not message.words:
        return "other", 0.5, set()
    question = bool(lex.QUESTION_START_RE.search(text)) or text.rstrip().endswith("?")
    has_previous = bool(context and context.previous)
    checks = (
        ("add_to_cart", lex.ADD_TO_CART_RE, 0.9), ("view_cart", lex.VIEW_CART_RE, 0.9),
        ("chitchat", lex.CHITCHAT_RE, 0.9), ("compare", lex.COMPARE_RE, 0.85))
    for action, pattern, confidence in checks:
        found = pattern.search(text)
        if found:
            return action, confidence, _tokens_in(message, found.span()) if action == "compare" else set()
    policy = lex.POLICY_RE.search(text)
    pointer = bool(lex.PRODUCT_POINTER_RE.search(text)) or has_reference
    if policy and (question or not (product_type or strong) or lex.POLICY_RE.fullmatch(product_type or "")) and not (
            pointer and question and re.match(r"warrant|guarantee", policy.group())):
        return "policy_question", 0.85 if question else 0.7, set()
    if _asks_about_shown_product(text, question, has_reference, product_type, signals, len(message.words)) \
            and not (has_previous and re.search(r"\bdo you have (?:it|them|these|those|this|that) in\b", text)):
        return "product_question", 0.8, set()
    recommend = lex.RECOMMEND_RE.search(text)
    for_someone = any(s.kind in ("recipient", "occasion") for s in message.spans)
    if recommend or (not product_type and (for_someone or re.search(r"\b(?:gift|gifts|present|presents)\b", text))):
        return "recommend", 0.85 if recommend else 0.7, _tokens_in(message, recommend.span()) if recommend else set()
    if lex.OFF_TOPIC_RE.search(text) and not strong:
        return "other", 0.75, set()
    modifies = any(s.kind.startswith("cue:") for s in message.spans) or signals or bool(message.excluded_terms) \
        or any(c.negated for c in message.claims)
    if has_previous and modifies:
        return "refine", 0.75, set()
    if not product_type and (cues.more or cues.cheaper or cues.pricier or cues.other_brand or cues.bigger
                             or cues.smaller or re.search(r"\b(?:instead|something else|what about|how about)\b", text)):
        return "refine", 0.6, set()
    if not signals and not any(_is_content(w) for w in message.words):
        return "other", 0.5, set()
    return "search", 0.8 if signals else 0.5, set()


def _asks_about_shown_product(text: str, question: bool, has_reference: bool, product_type: str | None,
                              signals: bool, length: int) -> bool:
    """'is it waterproof?', 'what is the battery life of the second one', 'does this jacket come in blue'."""
    if has_reference:
        return question or bool(lex.PRODUCT_DETAIL_RE.search(text)) or (length <= 6 and not signals)
    if lex.ASKS_ABOUT_RE.search(text):
        return True
    if not question or lex.SEARCH_QUESTION_RE.search(text) or not lex.PRODUCT_POINTER_RE.search(text):
        return False
    return not product_type or _demonstrative_before(text, product_type)


def _demonstrative_before(text: str, product_type: str | None) -> bool:
    """'does this jacket come in blue', 'are the headphones ...': the product named is one already shown."""
    if not product_type:
        return False
    named = re.escape(product_type)
    return bool(re.search(rf"\b(?:this|these|those|that)\s+{named}", text)
                or re.search(rf"{lex.ASKS_ABOUT_RE.pattern}\s+{named}", text))


def _tokens_in(message: _Message, span: tuple[int, int]) -> set[int]:
    return {i for i in range(len(message.words)) if span[0] <= message.starts[i] < span[1]}


def _query(message: _Message, drop: set[int]) -> str:
    """Keywords for retrieval: product words, attributes, features and brands; no filler, prices or negations."""
    kept: list[int] = []
    pieces: list[tuple[int, str]] = []
    emitted: set[int] = set()
    for i, word in enumerate(message.words):
        span = message.span_of[i]
        if span is not None:
            if span.query_text and id(span) not in emitted:
                emitted.add(id(span))
                pieces.append((i, span.query_text))
            continue
        claim = message.claim_of[i]
        if i in drop or i in message.negation_tokens or (claim is not None and (claim.negated or claim.kind == "sort")):
            continue
        if claim is None and (word in lex.STOPWORDS or word in lex.FILLER_WORDS or word in _QUERY_NOISE):
            continue
        kept.append(i)
    # a misspelt brand goes to retrieval spelt right
    corrected = {c.first: c.value.lower() for c in message.claims if c.kind == "brand" and c.confidence == FUZZY}
    runs: list[list[int]] = []
    for i in kept:
        if runs and runs[-1][-1] == i - 1 and message.gap(i) in _JOINING_GAPS:
            runs[-1].append(i)
        else:
            runs.append([i])
    pieces += [(run[0], _join_tokens(message, run, corrected)) for run in runs]
    return " ".join(text for _, text in sorted(pieces, key=lambda p: p[0]))


def _language(words: list[str]) -> tuple[str, float]:
    english = sum(1 for w in words if w in lex.STOPWORDS or w in lex.FILLER_WORDS)
    best, hits = "en", 0
    for language, markers in lex.LANGUAGE_MARKERS.items():
        count = sum(1 for w in words if w in markers)
        if count > hits:
            best, hits = language, count
    if hits >= 2 and hits > english:
        return best, 0.7
    return "en", 0.9 if english else 0.7


# ---------------------------------------------------------------- 5. context


def _with_context(fresh: Intent, message: _Message, context: IntentContext | None,
                  vocabulary: CatalogVocabulary | None) -> Intent:
    if context is None:
        return fresh
    reference = resolve_reference(fresh.reference, context.shown_product_ids)
    if reference != fresh.reference:
        fresh = fresh.model_copy(update={"reference": reference})
    previous = context.previous
    if previous is None or fresh.action not in ("refine", "search"):
        return fresh
    if fresh.product_type and not _same_product(fresh, previous):
        return fresh.model_copy(update={"action": "search"})  # a new, unrelated request starts fresh
    known_sizes = vocabulary.size_values if vocabulary else ()
    return refine(previous, fresh, _refinement_cues(message), context, known_sizes)


def _same_product(fresh: Intent, previous: Intent) -> bool:
    if fresh.category and previous.category:
        return fresh.category == previous.category
    if not previous.product_type:
        return False
    return _lemma_key(fresh.product_type or "") == _lemma_key(previous.product_type)


# ---------------------------------------------------------------- built-in indices (built once, at import)


def _builtin_index() -> _PhraseIndex:
    index = _PhraseIndex()
    for surface, canonical in lex.COLORS.items():
        index.add(surface, _Entry("color", canonical, EXACT))
    for material in lex.MATERIALS:
        index.add(material, _Entry("material", lex.MATERIAL_SPELLINGS.get(material, material), EXACT))
    for kind, values, spellings in (("flavor", lex.FLAVORS, {}), ("scent", lex.SCENTS, {}),
                                    ("pattern", lex.PATTERNS, lex.PATTERN_SPELLINGS),
                                    ("style", lex.STYLES, lex.STYLE_SPELLINGS)):
        for value in values:
            index.add(value, _Entry(kind, spellings.get(value, value), EXACT if kind != "style" else 0.8))
    for canonical, aliases in lex.FEATURES.items():
        for surface in (canonical, *aliases):
            index.add(surface, _Entry("feature", canonical, EXACT))
    for display, aliases in lex.BRANDS.items():
        for surface in (display, *aliases):
            index.add(surface, _Entry("brand", display, EXACT))
    for phrase, sort in lex.SORT_PHRASES.items():
        index.add(phrase, _Entry("sort", sort, EXACT))
    return index


def _builtin_fuzzy() -> _FuzzyIndex:
    fuzzy = _FuzzyIndex()
    for display in lex.BRANDS:
        if display.lower() not in lex.AMBIGUOUS_BRANDS:
            fuzzy.add(display)
    return fuzzy


def _known_words() -> frozenset[str]:
    """Words of the lexicons themselves: never read as a misspelt brand."""
    phrases = [*lex.COLORS, *lex.MATERIALS, *lex.FLAVORS, *lex.SCENTS, *lex.PATTERNS, *lex.STYLES,
               *lex.FEATURES, *(a for aliases in lex.FEATURES.values() for a in aliases), *lex.SORT_PHRASES,
               *lex.PRODUCT_TYPE_SYNONYMS, *lex.PRODUCT_TYPE_SYNONYMS.values(), *lex.RECIPIENT_NOUNS,
               *lex.OCCASIONS, *lex.ACTIVITIES, *lex.UNITS]
    words = {w for phrase in phrases for w in _words(phrase)}
    return frozenset(words | lex.STOPWORDS | lex.FILLER_WORDS | lex.DESCRIPTIVE_WORDS | lex.GENERIC_NOUNS
                     | lex.AUDIENCE_WORDS | lex.SCENT_CONTEXT | lex.FLAVOR_CONTEXT)


def _negation_cues() -> dict[str, list[tuple[str, ...]]]:
    """Negation cues by first word, longest first: 'no more' is tried before 'no'."""
    cues: dict[str, list[tuple[str, ...]]] = {}
    for cue in sorted(lex.NEGATION_CUES, key=lambda c: -len(_words(c))):
        cues.setdefault(_words(cue)[0], []).append(tuple(_words(cue)))
    return cues


_BUILTIN = _builtin_index()
_BUILTIN_FUZZY = _builtin_fuzzy()
_KNOWN_WORDS = _known_words()
_NEGATION_CUES = _negation_cues()
# Actions about the cart, the store or the conversation name no product; some need no query either.
_NOT_ABOUT_PRODUCTS = frozenset({"view_cart", "add_to_cart", "chitchat", "other", "policy_question"})
_NO_QUERY = frozenset({"view_cart", "add_to_cart", "chitchat", "other"})
_KEPT_FOR_NON_PRODUCT = frozenset({"action", "query", "reference", "language"})
_NEGATION_SKIP = frozenset({"a", "an", "the", "any", "those", "these", "for", "made", "with", "in", "of", "from",
                            "by", "brand", "color", "colour", "anything", "something", "too"})
_QUERY_NOISE = frozenset({"good", "great", "nice", "best", "better", "perfect", "awesome", "amazing", "excellent",
                          "decent", "really", "very", "super", "hello", "hi", "hey", "thanks", "buy", "cheap",
                          "ones", "one", "something", "anything", "gift", "gifts", "present", "presents", "ideas",
                          "idea", "options", "option", "recommendations", "suggestions", "compare", "vs",
                          "versus", "difference", "between", "size", "color", "colour"})
