"""Step 2: split the message into tokens and claim lexicon phrases on them, longest first.

Brands, categories, colours, materials, flavours, scents, patterns, styles, features and sorts are words,
not shapes, so they are looked up by token in two `PhraseIndex`es: the catalog's (when one is given) and
the built-in lexicons'. Longest first, so that 'running shoes' wins over 'running'; the catalog first on a
tie, so that its spelling ('induction-ready') is the one kept. A phrase with several meanings is settled
by the words around it ('lavender candle' is a scent, 'apple juice' names no brand). Last come the cheap
fallbacks: any 'X free' is a feature, and a leftover word one typo from a brand is that brand.
"""

from __future__ import annotations

from . import lexicons as lex
from .message import AMBIGUOUS, EXACT, FUZZY, Claim, Message
from .text import SENTENCE_GAP, TOKEN_RE, lemma, split_words
from .vocabulary import FUZZY_MIN_LENGTH, CatalogVocabulary, Entry, FuzzyIndex, PhraseIndex

# When one phrase means several things, the first kind here wins unless the context says otherwise.
KIND_PRIORITY = {kind: rank for rank, kind in enumerate(
    ("brand", "category", "color", "material", "pattern", "style", "feature", "flavor", "scent", "sort"))}


def tokenise(message: Message) -> None:
    """Splits the text into tokens and notes the pattern span, if any, that covers each."""
    for m in TOKEN_RE.finditer(message.text):
        message.words.append(m.group().replace("'", ""))
        message.starts.append(m.start())
        message.ends.append(m.end())
    for start, end in zip(message.starts, message.ends):
        message.span_of.append(next((s for s in message.spans if s.start < end and start < s.end), None))
    message.claim_of = [None] * len(message.words)


def match_phrases(message: Message, vocabulary: CatalogVocabulary | None) -> None:
    """Claims the lexicon phrases found on the tokens no pattern took, longest first."""
    words = message.words
    lemmas = [lemma(w) for w in words]
    candidates: dict[tuple[int, int], list[Entry]] = {}
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
                    if n > 1 and any(SENTENCE_GAP.search(message.gap(j)) for j in range(i + 1, i + n)):
                        continue
                    entries = table.get(" ".join(keys[i:i + n]))
                    if entries:
                        candidates.setdefault((i, n), []).extend(entries)
    context_words = set(words)
    for (i, n), entries in sorted(candidates.items(), key=lambda c: (-c[0][1], c[0][0])):
        if any(message.claim_of[j] is not None for j in range(i, i + n)):
            continue
        entry = _choose_entry(entries, message, i, n, context_words)
        if entry is None:
            continue
        claim = Claim(i, i + n, entry.kind, entry.value, entry.confidence)
        message.claims.append(claim)
        for j in range(i, i + n):
            message.claim_of[j] = claim
    _match_free_suffix(message)
    _match_fuzzy_brands(message, vocabulary)
    message.claims.sort(key=lambda c: c.first)


def _choose_entry(entries: list[Entry], message: Message, i: int, n: int, context_words: set[str]
                  ) -> Entry | None:
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


def _match_free_suffix(message: Message) -> None:
    """'latex-free', 'scratch free': any 'X free' is a feature, like the ones the lexicon lists."""
    for i in range(1, len(message.words)):
        word, before, claimed = message.words[i], message.words[i - 1], message.claim_of[i - 1]
        if word != "free" or not message.free(i) or message.span_of[i - 1] is not None or not before.isalpha() \
                or before in lex.STOPWORDS or before in lex.FILLER_WORDS or before == "shipping":
            continue
        if claimed is not None and (claimed.kind in ("brand", "category") or claimed.last - claimed.first > 1):
            continue
        if claimed is not None:
            message.claims.remove(claimed)  # "latex" was a material; "latex free" says the opposite
        claim = Claim(i - 1, i + 1, "feature", f"{before} free", 0.8)
        message.claims.append(claim)
        message.claim_of[i - 1] = message.claim_of[i] = claim


def _match_fuzzy_brands(message: Message, vocabulary: CatalogVocabulary | None) -> None:
    for i, word in enumerate(message.words):
        if not message.free(i) or len(word) < FUZZY_MIN_LENGTH or not word.isalpha() or word in _KNOWN_WORDS \
                or word in lex.FUZZY_BRAND_BLOCKLIST or (vocabulary and word in vocabulary.known_words):
            continue
        brand = (vocabulary.fuzzy_brands.find(word) if vocabulary else None) or _BUILTIN_FUZZY.find(word)
        if brand:
            claim = Claim(i, i + 1, "brand", brand, FUZZY)
            message.claims.append(claim)
            message.claim_of[i] = claim


# ---------------------------------------------------------------- built-in indices (built once, at import)


def _builtin_index() -> PhraseIndex:
    index = PhraseIndex()
    for surface, canonical in lex.COLORS.items():
        index.add(surface, Entry("color", canonical, EXACT))
    for material in lex.MATERIALS:
        index.add(material, Entry("material", lex.MATERIAL_SPELLINGS.get(material, material), EXACT))
    for kind, values, spellings in (("flavor", lex.FLAVORS, {}), ("scent", lex.SCENTS, {}),
                                    ("pattern", lex.PATTERNS, lex.PATTERN_SPELLINGS),
                                    ("style", lex.STYLES, lex.STYLE_SPELLINGS)):
        for value in values:
            index.add(value, Entry(kind, spellings.get(value, value), EXACT if kind != "style" else 0.8))
    for canonical, aliases in lex.FEATURES.items():
        for surface in (canonical, *aliases):
            index.add(surface, Entry("feature", canonical, EXACT))
    for display, aliases in lex.BRANDS.items():
        for surface in (display, *aliases):
            index.add(surface, Entry("brand", display, EXACT))
    for phrase, sort in lex.SORT_PHRASES.items():
        index.add(phrase, Entry("sort", sort, EXACT))
    return index


def _builtin_fuzzy() -> FuzzyIndex:
    fuzzy = FuzzyIndex()
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
    words = {w for phrase in phrases for w in split_words(phrase)}
    return frozenset(words | lex.STOPWORDS | lex.FILLER_WORDS | lex.DESCRIPTIVE_WORDS | lex.GENERIC_NOUNS
                     | lex.AUDIENCE_WORDS | lex.SCENT_CONTEXT | lex.FLAVOR_CONTEXT)


_BUILTIN = _builtin_index()
_BUILTIN_FUZZY = _builtin_fuzzy()
_KNOWN_WORDS = _known_words()
