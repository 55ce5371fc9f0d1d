"""Sizes a text states, in one canonical spelling: 'XL', '10', '7.5 wide', '20x20 in', '16 oz', 'Queen', '3T'.

Read the same way in a shopper's message (`patterns`) and in the catalog's own size values (`vocabulary`),
so that '55-Inch' there and '55 in' here compare equal.
"""

from __future__ import annotations

import re

from . import lexicons as lex
from .message import EXACT, Span


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
