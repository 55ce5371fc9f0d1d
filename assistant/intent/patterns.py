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


# ---------------------------------------------------------------- sizes


def size_spans(text: str, taken: list[Span]) -> list[Span]:
    """Sizes the text states, canonical: 'XL', '10', '7.5 wide', '20x20 in', '16 oz', 'Queen', '3T'.

    Also how the catalog's own size values are read, so that '55-Inch' there and '55 in' here compare equal.
    """
    found: list[Span] = []

    def add(m: re.Match, value: str | None, group: str = "value", whole: bool = True) -> None:
        if not value:
            return
        start, end = (m.start(), m.end()) if whole else m.span(group)
        if any(s.start < end and start < s.end for s in [*taken, *found]):
            return
        surface = text[start:end]
        query = surface if not re.match(r"^\d", value) or not surface.startswith(("size", "in size", "sz")) \
            else f"size {value}"
        found.append(Span(start, end, "size", value, EXACT, query))

    for m in lex.DIMENSIONS_RE.finditer(text):
        add(m, _dimensions(m))
    for m in lex.MEASURE_RE.finditer(text):
        add(m, _measure(m))
    for m in lex.SIZE_AFTER_CUE_RE.finditer(text):
        add(m, _cued_size(m["value"]))
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
    number = lex.number_value(value)
    return f"{number:g}" if number is not None and number < 100 else None


def _number_text(text: str) -> str:
    """'10 1/2' -> '10.5', '1/2' -> '0.5', '7.50' -> '7.5', 'seventy' -> '70'."""
    text = " ".join(text.split())
    fraction = re.fullmatch(r"(?:(\d+) )?(\d+)/(\d+)", text)
    if fraction:
        if int(fraction[3]) == 0:
            return text
        return f"{int(fraction[1] or 0) + int(fraction[2]) / int(fraction[3]):g}"
    value = lex.number_value(text)
    return text if value is None else f"{value:g}"


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
    if m["unit"] in ("m", "l", "w") and re.search(r"size\s*$", m.string[:m.start()]):
        return None  # "size 10 m" is a shoe width, not metres
    if number[0].isalpha() and lex.number_value(number) == 1 and unit in ("piece", "person", "cup"):
        return None  # "one piece swimsuit"
    return f"{_number_text(number)} {unit}"
