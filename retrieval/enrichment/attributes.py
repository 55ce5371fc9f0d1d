"""Attributes read from a product's own title, description and tags: colour, size, material, age range, piece
count, pack count and dimensions.

Conservative on purpose: a wrong value filters a product out of a search it belongs in, or puts it in one it
does not, so a pattern only counts where its reading is unambiguous (a colour in a title's trailing "- Black"
segment, not any "black" anywhere; a description's value only when it states one value, not two).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..models import Product
from .lexicon import (
    COLOR_NOT_AFTER, COLOR_NOT_BEFORE, COLOR_SPELLINGS, COLORS, FINISHES, FOOD_CATEGORIES, LETTER_SIZES, MATERIAL_NOT_AFTER,
    MATERIAL_NOT_BEFORE, MATERIALS, MEDIA_CATEGORIES, SHADES, STRONG_COLORS)

# The attributes derived here, in the order they are reported. Values are strings (lists for several colours or
# materials), in Product.attributes under these names.
ATTRIBUTE_FIELDS = ("color", "size", "material", "age_range", "piece_count", "pack_count", "dimensions")
DESCRIPTION_CHARS = 2000  # descriptions are read this far: values are stated early, and regexes cost per char

_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                 "nine": 9, "ten": 10, "twelve": 12}

# ---------------------------------------------------------------- age range

_UP = r"(?:\+|\s*plus\b|\s+(?:and|&|or)\s+(?:up|older|above)\b)"
_YEARS = r"(?:years?|yrs?)\b"
_MONTHS = r"(?:months?|mos?)\b"
_AGE_PATTERNS = (
    # "ages 3+", "age 3 and up", "ages 3 years and up", "for ages 14+"
    (re.compile(rf"\bages?\s*:?\s*(?P<lo>\d{{1,2}})\s*(?P<unit>{_YEARS}|{_MONTHS})?\s*{_UP}", re.I), "up"),
    # "ages 8-12", "ages 8 to 12 years", "age 3-5 yrs"
    (re.compile(rf"\bages?\s*:?\s*(?P<lo>\d{{1,2}})\s*(?:-|–|to)\s*(?P<hi>\d{{1,2}})\s*(?P<unit>{_YEARS}|{_MONTHS})?",
                re.I), "range"),
    # "3 years and up", "3+ years", "18 months and up", "3 years old and up", "14 years and older"
    (re.compile(rf"\b(?P<lo>\d{{1,2}})\s*(?:\+\s*(?P<unit>{_YEARS}|{_MONTHS})|(?P<unit2>{_YEARS}|{_MONTHS})"
                rf"(?:\s+old)?\s*{_UP})", re.I), "up"),
    # "8-12 years", "3 to 5 years old" (but not "2-3 years warranty")
    (re.compile(rf"\b(?P<lo>\d{{1,2}})\s*(?:-|–|to)\s*(?P<hi>\d{{1,2}})\s*(?P<unit>{_YEARS}|{_MONTHS})(?:\s+old)?"
                r"(?!\s*(?:of\s+)?(?:warranty|guarantee|limited|experience|life|lifespan|battery|storage|"
                r"subscription|service|protection|plan|support))", re.I), "range"),
)
_TODDLERS = re.compile(r"\bfor\s+(?:a\s+)?toddlers?\b", re.I)
_TODDLER_IN_TITLE = re.compile(r"\btoddlers?'?s?\b", re.I)  # "Android Pocket Toddler Tee": made for toddlers


def parse_age_range(text: str) -> str | None:
    """'ages 3+' -> '3+ years'; '8-12 years' -> '8-12 years'; '18 months and up' -> '18+ months';
    'for toddlers' -> '1-3 years'. None when the text states no age, or two different ones."""
    found = {value for value in _age_values(text) if value}
    return found.pop() if len(found) == 1 else None


def _age_values(text: str) -> list[str | None]:
    values: list[str | None] = []
    taken: list[tuple[int, int]] = []
    for pattern, kind in _AGE_PATTERNS:
        for m in pattern.finditer(text):
            if any(s < m.end() and m.start() < e for s, e in taken):
                continue
            taken.append(m.span())
            unit = (m.groupdict().get("unit") or m.groupdict().get("unit2") or "years").lower()
            months = unit.startswith("mo")
            lo = int(m["lo"])
            limit = 36 if months else 18
            if kind == "up":
                values.append(f"{lo}+ {'months' if months else 'years'}" if lo <= limit else None)
            else:
                hi = int(m["hi"])
                ok = lo < hi <= (limit if months else 99) and lo <= limit
                values.append(f"{lo}-{hi} {'months' if months else 'years'}" if ok else None)
    if _TODDLERS.search(text):
        values.append("1-3 years")
    return values


# ---------------------------------------------------------------- piece and pack counts

_COUNT = r"(?P<n>\d{1,3}(?:,\d{3})+|\d{1,5})"
_PIECES = re.compile(rf"\b{_COUNT}\s*-?\s*(?:pieces?|pcs?|pc)\b(?!\s*(?:of|x)\b)", re.I)
_PACKS = (
    re.compile(rf"\b(?:pack|set|box|case|bag|bundle|carton)\s+of\s+{_COUNT}\b", re.I),
    re.compile(rf"\b{_COUNT}\s*-?\s*(?:packs?|pks?)(?![a-z])", re.I),
    re.compile(rf"(?<!thread )(?<!thread-)\b{_COUNT}\s*-?\s*(?:count|ct)\b", re.I),
)
_WORD_PACK = re.compile(r"\b(?P<w>two|three|four|five|six|eight|ten|twelve)\s*-?\s*pack\b", re.I)


def parse_piece_count(text: str) -> int | None:
    """'1000-piece' / '500 pieces' / '1,000 pc' -> the number of pieces (2 or more); None if none or several."""
    found = {_int(m["n"]) for m in _PIECES.finditer(text)}
    found = {n for n in found if 2 <= n <= 50_000}
    return found.pop() if len(found) == 1 else None


def parse_pack_count(text: str) -> int | None:
    """'pack of 6' / '6-pack' / '(4-Pack)' / 'set of 4' / '12 count' -> the number of units; None if none or
    several different ones ('400 thread count' is not a pack)."""
    found = {_int(m["n"]) for pattern in _PACKS for m in pattern.finditer(text)}
    found |= {_NUMBER_WORDS[m["w"].lower()] for m in _WORD_PACK.finditer(text)}
    found = {n for n in found if 1 <= n <= 10_000}
    return found.pop() if len(found) == 1 else None


def _int(text: str) -> int:
    return int(text.replace(",", ""))


# ---------------------------------------------------------------- dimensions

_UNIT = r"(?:inches|inch|in\.|in\b|\"|''|”|cm|mm|ft\.?|feet|')"
_PART = rf"(?P<{{0}}>\d+(?:\.\d+)?)\s*(?P<{{0}}u>{_UNIT})?\s*(?:\(?[lwhd]\)?\b)?"
_DIMENSIONS = re.compile(
    r"(?<![\d.])" + _PART.format("a") + r"\s*[x×X]\s*" + _PART.format("b")
    + r"(?:\s*[x×X]\s*" + _PART.format("c") + r")?", re.I)
_UNITS = {"inches": "in", "inch": "in", "in.": "in", "in": "in", '"': "in", "''": "in", "”": "in", "cm": "cm",
          "mm": "mm", "ft": "ft", "ft.": "ft", "feet": "ft", "'": "ft"}


def parse_dimensions(text: str) -> str | None:
    """'24"W x 18"D x 30"H' -> '24 x 18 x 30 in'; '14 x 19 inches' -> '14 x 19 in'. A unit is required
    ('1920 x 1080' is a resolution, '2x4' may be anything); None if none or several."""
    found = set()
    for m in _DIMENSIONS.finditer(text):
        units = [m[f"{k}u"] for k in "abc" if m[f"{k}u"]]
        if not units:
            continue
        unit = _UNITS.get(units[-1].lower().rstrip(), units[-1].lower())
        numbers = [m[k] for k in "abc" if m[k]]
        found.add(" x ".join(f"{float(n):g}" for n in numbers) + f" {unit}")
    return found.pop() if len(found) == 1 else None


# ---------------------------------------------------------------- colours

_SEGMENT_SPLIT = re.compile(r"\s+[-–—|]\s+|,\s*|\(|\)")
_WORD = re.compile(r"[a-z]+(?:-[a-z]+)*")
_COLOR_CUE = re.compile(r"\b(?:colou?r|finish)\s*:\s*(?P<value>[a-z][a-z /&-]{1,40})", re.I)


def find_colors(title: str, description: str = "", tags: Sequence[str] = (), brand: str | None = None) -> list[str]:
    """Colours the product states: its title's trailing colour segment ("... - Navy/Pink/White"), a title that
    ends with a colour ("Android Iconic Hat Green"), a short title that starts with one ("Black Armchairs", when
    that word is not the brand), a tag that is a colour, or a "Color: ..." line in the description."""
    found: list[str] = []
    segments = [s.strip() for s in _SEGMENT_SPLIT.split(title) if s and s.strip()]
    if len(segments) > 1:
        for segment in reversed(segments[1:]):  # trailing segments, nearest the end first
            colors = _color_segment(segment)
            if colors is None:
                break
            found[:0] = colors
    if not found:
        words = _WORD.findall(title.lower())
        if len(words) >= 3 and words[-1] in STRONG_COLORS and words[-2] not in COLOR_NOT_AFTER:
            found.append(_color_phrase(words[-2:]) if len(words) >= 4 else _canonical(words[-1]))
        elif (brand and 2 <= len(words) <= 3 and words[0] in STRONG_COLORS and words[1] not in COLOR_NOT_BEFORE
              and words[0] not in brand.lower().split()):
            found.append(_canonical(words[0]))
    for tag in tags:
        word = tag.strip().lower()
        if word in STRONG_COLORS:
            found.append(_canonical(word))
    if not found and description:
        match = _COLOR_CUE.search(description[:DESCRIPTION_CHARS])
        if match:
            found.extend(_color_segment(match["value"].strip()) or [])
    return list(dict.fromkeys(found))


def _color_segment(segment: str) -> list[str] | None:
    """The colours of a segment made only of colour words ('Navy/Pink/White', 'High-Gloss White',
    'Stainless-Steel/Black'); None if any word is something else ('Blue Moon Soft Touch')."""
    colors: list[str] = []
    for part in re.split(r"\s*/\s*", segment.lower()):
        words = _WORD.findall(part)
        if not words or len(words) > 3 or not all(w in COLORS or w in SHADES or w in FINISHES for w in words):
            return None
        phrase = _color_phrase(words)
        if phrase:
            colors.append(phrase)
        elif not all(w in FINISHES for w in words):
            return None
    return colors or None


def _color_phrase(words: Sequence[str]) -> str | None:
    """The colour a run of words names, shade included, finish left out: 'Charcoal Grey' -> 'charcoal grey',
    'High-Gloss White' -> 'white', 'Navy Blue' -> 'navy blue'."""
    last = max((i for i, w in enumerate(words) if w in COLORS), default=None)
    if last is None:
        return None
    start = last
    while start > 0 and (words[start - 1] in SHADES or words[start - 1] in COLORS) and last - start < 1:
        start -= 1
    return _canonical(" ".join(words[start:last + 1]))


def _canonical(color: str) -> str:
    return " ".join(COLOR_SPELLINGS.get(w, w) for w in color.split())


# ---------------------------------------------------------------- materials

_MATERIAL = re.compile(r"\b(" + "|".join(re.escape(m) for m in sorted(MATERIALS, key=len, reverse=True))
                       + r")\b(?!-free|-look)", re.I)
_MATERIAL_CUE = re.compile(r"\b(?:made\s+(?:of|from|with)|crafted\s+(?:of|from)|constructed\s+(?:of|from)|"
                           r"materials?\s*:|\d{1,3}\s*%)\s*(?P<rest>[^.;\n]{0,60})", re.I)


def find_materials(title: str, description: str = "", tags: Sequence[str] = ()) -> list[str]:
    """Materials a title names as such ("Wooden Cabinet", "Stainless Steel Water Bottle"), a tag that is one, or
    a description states ("made of solid oak", "100% cotton"); not "Leather Cleaner", "Plastic-Free",
    "Faux-Wood Look", "for leather"."""
    found = _materials_in(title)
    for tag in tags:
        canonical = MATERIALS.get(tag.strip().lower())
        if canonical:
            found.append(canonical)
    if not found and description:
        for cue in _MATERIAL_CUE.finditer(description[:DESCRIPTION_CHARS]):
            found.extend(_materials_in(cue["rest"], first_only=True))
    return list(dict.fromkeys(found))


_BRAND_LIKE = re.compile(r"^\W*(?:\S+\s+){0,2}?\S*\s*(?:&|\+|\band\b)\s*\S+", re.I)


def _materials_in(text: str, first_only: bool = False) -> list[str]:
    found = []
    # "Linen & Loft ...", "Ember & Oak ...": a leading "X & Y" is a brand's name, its words are not materials
    brand_like = _BRAND_LIKE.match(text)
    for m in _MATERIAL.finditer(text):
        if brand_like and m.start() < brand_like.end():
            continue
        before = text[:m.start()].lower().split()[-1:]
        after = text[m.end():].lower().replace("-", " ").split()[:1]
        if (before and before[0].strip("(") in MATERIAL_NOT_AFTER) or (after and after[0].strip(",.)") in MATERIAL_NOT_BEFORE):
            continue
        found.append(MATERIALS[m[1].lower()])
        if first_only:
            break
    return found


# ---------------------------------------------------------------- sizes

_SIZE_CUE = re.compile(r"\bsize\s*:?\s*(?P<value>x{1,3}-?l|x{1,2}s|[sml]|\dxl|small|medium|large|x-large|"
                       r"one size|\d{1,2}(?:\.5)?)\b(?!\s*(?:-|to)\s*\d)", re.I)
_BED_SIZE = re.compile(r"\b(?P<value>twin xl|twin|queen|california king|cal king|king)[- ]size\b", re.I)
_SCREEN = re.compile(r"\b(?P<value>\d{2,3})(?:\"|''|”|-inch|\s+inch|\s+in\.)\s*(?:class\b|(?:tv|monitor|display)\b)",
                     re.I)


def find_size(title: str) -> str | None:
    """A size the title states: 'Size M', 'Size 10', 'Queen Size', '55" Class', a trailing '(XL)' segment."""
    found = set()
    for m in _SIZE_CUE.finditer(title):
        value = m["value"].lower()
        found.add(LETTER_SIZES.get(value, value.upper()))
    for m in _BED_SIZE.finditer(title):
        found.add("California King" if "cal" in m["value"].lower() else m["value"].title().replace("Xl", "XL"))
    for m in _SCREEN.finditer(title):
        found.add(f"{m['value']} in")
    segments = [s.strip().lower() for s in _SEGMENT_SPLIT.split(title) if s and s.strip()]
    if len(segments) > 1 and segments[-1] in LETTER_SIZES and len(segments[-1]) <= 4:
        found.add(LETTER_SIZES[segments[-1]])
    return found.pop() if len(found) == 1 else None


# ---------------------------------------------------------------- one product

def category_kind(category: Sequence[str]) -> str | None:
    """'media' (games, films, music, books: titles are works), 'food' (by the top level), or None."""
    if any(MEDIA_CATEGORIES.search(level) for level in category):
        return "media"
    if category and FOOD_CATEGORIES.search(category[0]):
        return "food"
    return None


def derive_attributes(product: Product) -> dict[str, str | list[str]]:
    """The attributes this product's own text states and its feed does not give (feed values always win:
    an attribute the product or one of its variants already has is never derived)."""
    have = {name for name in ATTRIBUTE_FIELDS if product.attribute_values(name)}
    if len(have) == len(ATTRIBUTE_FIELDS):
        return {}
    title, description = product.title, product.description[:DESCRIPTION_CHARS]
    kind = category_kind(product.category)
    derived: dict[str, str | list[str]] = {}

    def put(name: str, value) -> None:
        if name not in have and value:
            derived[name] = value if isinstance(value, str) else (value[0] if len(value) == 1 else list(value))

    if kind is None:
        put("color", find_colors(title, description, product.tags, product.brand))
        put("material", find_materials(title, description, product.tags))
        put("size", find_size(title))
    if "age_range" not in have:
        age = parse_age_range(title) or ("1-3 years" if _TODDLER_IN_TITLE.search(title) else None)
        put("age_range", age or (parse_age_range(description) if description else None))
    for name, parse in (("piece_count", parse_piece_count), ("pack_count", parse_pack_count)):
        if name not in have:
            value = parse(title) or (parse(description) if description else None)
            put(name, str(value) if value else None)
    if "dimensions" not in have:
        put("dimensions", parse_dimensions(title) or (parse_dimensions(description) if description else None))
    return derived
