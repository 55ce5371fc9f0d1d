"""Step 1: the pattern-shaped parts of a message, found on its text before it is split into words.

Prices, product ids and "the second one", pack counts, sizes, ages and recipients, occasions and follow-up
cues ("cheaper", "show me more") are shapes rather than words: "size 10 1/2", "pack of 12", "for my 7 year
old". Reading them first, in order of trust, and marking their characters as taken keeps their words out
of the phrase matching and the product name that follow ("for my son" names no product).
The regular expressions themselves live in `lexicons`; this module decides what each match means.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from . import lexicons as lex
from .message import EXACT, GUESS, Message, Span
from .money import find_price
from .sizes import size_spans
from .text import SENTENCE_GAP

if TYPE_CHECKING:
    from .vocabulary import CatalogVocabulary


def find_patterns(message: Message, vocabulary: CatalogVocabulary | None) -> None:
    """Adds every pattern span to `message`, the most trusted kinds first."""
    text = message.text
    _find_references(message, vocabulary)
    price = find_price(text)
    for start, end in price.spans:
        message.add(Span(start, end, "price", price, price.confidence))
    for pattern in (lex.AGE_RANGE_RE, lex.AUDIENCE_AGE_LIMIT_RE):
        for m in pattern.finditer(text):
            message.add(Span(m.start(), m.end(), "age", query_text=m.group().removeprefix("for ")))
    _find_people_and_occasions(message)
    for pattern in (lex.PACK_PREFIX_RE, lex.PACK_SUFFIX_RE, lex.PACK_WORD_RE):
        for m in pattern.finditer(text):
            count = lex.PACK_WORD_VALUES.get(m.group("word")) if "word" in m.groupdict() else \
                lex.number_value(m.group("num"))
            if count and 1 <= count <= 10000 and count == int(count):
                message.add(Span(m.start(), m.end(), "pack", int(count)))
    for span in size_spans(text, message.spans):
        message.add(span)
    for kind, pattern in (("cheaper", lex.CHEAPER_RE), ("pricier", lex.PRICIER_RE), ("bigger", lex.BIGGER_RE),
                          ("smaller", lex.SMALLER_RE), ("other_brand", lex.OTHER_BRAND_RE), ("more", lex.MORE_RE)):
        for m in pattern.finditer(text):
            message.add(Span(m.start(), m.end(), "cue:" + kind))


def _find_references(message: Message, vocabulary: CatalogVocabulary | None) -> None:
    text = message.text
    if vocabulary is not None and vocabulary.product_ids:
        for m in re.finditer(r"[^\s,;!?()]+", text):
            chunk = m.group().rstrip(".")
            product_id = vocabulary.canonical_id(chunk) if any(c.isdigit() for c in chunk) else None
            if product_id:
                message.add(Span(m.start(), m.start() + len(chunk), "product_id", product_id, EXACT))
    for m in lex.PRODUCT_ID_RE.finditer(text):
        message.add(Span(m.start(), m.end(), "product_id", m["id"].upper(), 0.7 if vocabulary else GUESS))
    for m in lex.ORDINAL_REF_RE.finditer(text):
        ordinal = lex.ORDINALS[" ".join((m["ord"] or m["ord2"]).split())]
        message.add(Span(m.start(), m.end(), "ordinal", ordinal, 0.9))
    for m in lex.NUMBERED_REF_RE.finditer(text):
        message.add(Span(m.start(), m.end(), "ordinal", int(m["num"]), 0.8))


def _find_people_and_occasions(message: Message) -> None:
    text = message.text
    for m in lex.OCCASION_GIFT_RE.finditer(text):
        message.add(Span(m.start(), m.end(), "occasion", lex.OCCASIONS[m["occ"]], 0.9, lex.OCCASIONS[m["occ"]]))
    for pattern, is_activity in ((lex.OCCASION_FOR_RE, False), (lex.ACTIVITY_FOR_RE, True)):
        for m in pattern.finditer(text):
            if _followed_by_noun(text, m.end()) or _after_search_verb(text, m.start()):
                continue  # "looking for camping chairs": the activity names the product, it is no occasion
            value = lex.OCCASIONS.get(m["occ"], re.sub(r"^the\s+", "", m["occ"]))
            message.add(Span(m.start("occ"), m.end("occ"), "occasion", value, 0.7 if is_activity else 0.85,
                             m["occ"]))
    for m in lex.RECIPIENT_RE.finditer(text):
        noun = m["noun"]
        if noun in lex.GENERIC_AUDIENCE and m["det"] not in ("my", "our", "his", "her", "their") and not m["age"]:
            continue
        who = re.sub(r"^(?:a|an|the)\s+", "", m["who"]).removesuffix("'s").removesuffix("'")
        message.add(Span(m.start(), m.end(), "recipient", who, 0.85))
    for m in lex.AGE_RE.finditer(text):
        message.add(Span(m.start(), m.end(), "age", query_text=m.group()))


def _followed_by_noun(text: str, end: int) -> bool:
    nxt = re.match(r"\s*([a-z][a-z'-]*)", text[end:])
    if nxt is None or SENTENCE_GAP.match(text[end:end + 1] or " "):
        return False
    word = nxt[1].replace("'", "")
    return word not in lex.STOPWORDS and word not in lex.FILLER_WORDS and word not in ("gift", "gifts", "present")


def _after_search_verb(text: str, start: int) -> bool:
    return bool(re.search(r"\b(?:look|looking|search|searching|shop|shopping|hunt|hunting|ask|asking)\s*$",
                          text[:start]))
