"""Labelled shopping requests generated from a store's own products, to fine-tune the intent model.

Each request is written around one real product record, so every label is known: the product type and
category from its category path, the colour, size, material, scent and flavour from its attributes, features
from its tags, the brand from its brand, pack counts from pack sizes, prices around its real price. The same
facts are phrased many ways (shopper openers, values before or after the noun, "in size 9", "a 6 pack of
10 ounce ...", "not from Brand", budgets in words, digits and cents), with some open-vocabulary variations
the catalog itself does not list: compound colours ("dusty pink"), brands the catalog does not carry, sizes
in words ("size nine"). Labels follow assistant/intent/data/INTENT_LABELS.md.

    generate_requests(products, n=2000, seed=0) -> list[IntentExample]
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable

from retrieval.models import Product

from .evaluation import IntentExample

OPENERS = ["", "", "", "i need ", "i'm looking for ", "im looking for ", "i am looking for ", "i want ",
           "looking for ", "show me ", "find me ", "do you have ", "i would like ", "get me ", "searching for ",
           "need ", "can you find me ", "i'd like to buy ", "please find ", "shopping for "]
ARTICLE_OPENERS = {"i need ", "i'm looking for ", "im looking for ", "i am looking for ", "i want ", "looking for ",
                   "find me ", "do you have ", "i would like ", "get me ", "searching for ", "need ",
                   "can you find me ", "i'd like to buy ", "shopping for "}
COLOR_MODIFIERS = ["light", "dark", "pale", "deep", "bright", "soft", "dusty", "muted", "warm", "cool", "heather",
                   "neon", "pastel", "metallic", "vintage"]
EXTRA_COLORS = ["nude", "beige", "ivory", "burgundy", "olive", "mauve", "taupe", "champagne", "coral", "khaki",
                "tan", "rose gold", "espresso", "sage green", "mustard", "lavender", "fuchsia", "maroon", "cream",
                "honey beige", "ocean blue", "forest green", "wine red", "sand", "mocha", "turquoise", "peach",
                "slate blue", "blush", "cognac"]
BRAND_SYLLABLES = ["vel", "tor", "ka", "mi", "ro", "zen", "lu", "bra", "nex", "qua", "fio", "dar", "sol", "vin",
                   "tes", "mor", "lyn", "ga", "pix", "ari", "bel", "cor", "dex", "ol"]
NUMBER_WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight",
                9: "nine", 10: "ten", 11: "eleven", 12: "twelve", 13: "thirteen", 14: "fourteen", 15: "fifteen",
                16: "sixteen", 18: "eighteen", 20: "twenty", 24: "twenty four", 30: "thirty", 36: "thirty six",
                48: "forty eight", 50: "fifty", 100: "one hundred"}
SKIP_TAGS = {"sale", "new", "bestseller", "best seller"}
SORTS = [("the cheapest ", "price_asc"), ("cheapest ", "price_asc"), ("the best rated ", "rating"),
         ("top rated ", "rating"), ("the newest ", "newest"), ("the most expensive ", "price_desc")]


def generate_requests(products: Iterable[Product], n: int = 2000, seed: int = 0) -> list[IntentExample]:
    """`n` labelled requests (deterministic for a seed), each about one of `products`."""
    rng = random.Random(seed)
    pool = [p for p in products if p.category]
    if not pool:
        raise ValueError("no products with a category to write requests about")
    brands = sorted({p.brand for p in pool if p.brand})
    colors = sorted({c for p in pool for c in _values(p.attributes.get("color"))})
    examples = []
    for _ in range(n):
        product = rng.choice(pool)
        examples.append(_request(product, rng, brands, colors))
    return examples


def _request(product: Product, rng: random.Random, brands: list[str], colors: list[str]) -> IntentExample:
    leaf = product.category[-1]
    noun = leaf.lower()
    plural = rng.random() < 0.45
    noun_said = noun if plural else _singular(noun)
    expected: dict = {"product_type": noun_said, "category": leaf}
    attributes: dict[str, str] = {}
    before: list[str] = []  # words before the noun
    after: list[str] = []  # phrases after it
    attrs = product.attributes

    color = _one(rng, attrs.get("color"))
    if rng.random() < 0.25:
        color = rng.choice(EXTRA_COLORS) if rng.random() < 0.6 else f"{rng.choice(COLOR_MODIFIERS)} {color or rng.choice(colors or ['blue'])}"
    if color and rng.random() < 0.6:
        attributes["color"] = color
        if rng.random() < 0.5:
            before.append(color)
        else:
            after.append(rng.choice([f"in {color}", f"in {color} color", f"in the color {color}", f"color {color}",
                                     f"in a {color} colour", f"that is {color}", f", {color}"]))

    size = _one(rng, attrs.get("size"))
    pack = re.fullmatch(r"(\d+)[- ]?(?:pack|count|pk)", size or "", re.I)
    if pack and rng.random() < 0.8:
        count = int(pack.group(1))
        expected["pack_count"] = count
        said = NUMBER_WORDS.get(count, str(count)) if rng.random() < 0.15 else str(count)
        measure = None
        if rng.random() < 0.4:
            amount = rng.choice(["4", "6", "7.5", "8", "10", "12", "16", "3.5", "1.5", "20"])
            unit, label = rng.choice([("ounce", "oz"), ("oz", "oz"), ("fl oz", "fl oz"), ("gram", "g"),
                                      ("ml", "ml")])
            measure = f"{amount} {unit}"
            attributes["size"] = f"{amount} {label}"
        form = rng.random()
        if measure and form < 0.5:
            noun_said = f"{said} pack of {measure} {noun}"
        elif measure:
            noun_said = f"pack of {said} {noun}"
            after.append(f"in {measure} size" if rng.random() < 0.5 else f", {measure} each")
        elif form < 0.35:
            noun_said = f"{said} pack of {noun}"
        elif form < 0.7:
            after.append(rng.choice([f"pack of {said}", f"in a pack of {said}", f"{said} count", f"set of {said}"]))
        else:
            before.insert(0, f"{said}-pack")
    elif size and rng.random() < 0.55:
        label, said = _size_phrase(size, rng)
        attributes["size"] = label
        if said.lower().startswith("size "):
            after.append(rng.choice([said, f"in {said}", f", {said}"]))
        elif re.fullmatch(r"[\d.]+[- ]?[a-z].*", said, re.I) and rng.random() < 0.5:
            before.insert(0, said)
        else:
            after.append(rng.choice([f"size {said}", f"in size {said}", f"in a size {said}", f", size {said}",
                                     f"in {said}"]) if not re.search(r"\d\s*[a-z]", said, re.I)
                         else rng.choice([f"{said}", f"in {said}", f"{said} size", f", {said}"]))

    material = attrs.get("material") if isinstance(attrs.get("material"), str) else None
    if material and rng.random() < 0.3:
        attributes["material"] = material
        if rng.random() < 0.5:
            before.append(material)
        else:
            after.append(rng.choice([f"made of {material}", f"in {material}", f"made from {material}"]))

    for key, phrases in (("scent", ["{v} scented", "that smells of {v}", "with a {v} scent", "in {v} scent"]),
                         ("flavor", ["{v} flavored", "in {v} flavor", "{v} flavour", "{v}"])):
        value = attrs.get(key)
        if isinstance(value, str) and rng.random() < 0.7:
            attributes[key] = value
            phrase = rng.choice(phrases).format(v=value)
            if phrase.startswith(value) and rng.random() < 0.7:
                before.append(phrase)
            else:
                after.append(phrase)

    tags = [t for t in product.tags if t.lower() not in SKIP_TAGS]
    if tags and rng.random() < 0.45:
        chosen = rng.sample(tags, k=1 if len(tags) == 1 or rng.random() < 0.7 else 2)
        expected["features"] = chosen
        for tag in chosen:
            if " " in tag and rng.random() < 0.6:
                after.append(rng.choice([f"with {tag}", f"that has {tag}", f"with {tag} please"]))
            elif rng.random() < 0.6:
                before.insert(0, tag)
            else:
                after.append(rng.choice([f"that is {tag}", f"that's {tag}", f", {tag}"]))

    roll = rng.random()
    if product.brand and roll < 0.3:
        expected["brands"] = [product.brand]
        brand = product.brand if rng.random() < 0.6 else product.brand.lower()
        if rng.random() < 0.5:
            before.insert(0, brand)
        else:
            after.append(rng.choice([f"from {brand}", f"by {brand}", f"made by {brand}", f"brand {brand}"]))
    elif roll < 0.42:
        invented = _invented_brand(rng)
        expected["brands"] = [invented]
        said = invented if rng.random() < 0.5 else invented.lower()
        if rng.random() < 0.4:
            before.insert(0, said)
        else:
            after.append(rng.choice([f"from {said}", f"by {said}", f"made by {said}", f"from the brand {said}"]))
    elif roll < 0.52 and brands:
        other = rng.choice([b for b in brands if b != product.brand] or brands)
        expected["exclude"] = {"brands": [other]}
        after.append(rng.choice([f"not {other}", f"but not from {other}", f"anything but {other}",
                                 f"other than {other}", f"no {other}", f"except {other}"]))

    if color and "color" not in attributes and colors and rng.random() < 0.12:
        other = rng.choice(colors)
        expected.setdefault("exclude", {}).setdefault("attributes", {})["color"] = [other]
        after.append(rng.choice([f"not {other}", f"but not in {other}", f"nothing {other}"]))

    sort_prefix = ""
    if rng.random() < 0.12:
        sort_prefix, expected["sort"] = rng.choice(SORTS)

    price_phrase = _price(product.price, rng, expected) if product.price and rng.random() < 0.45 else None
    if price_phrase:
        after.append(price_phrase)

    if attributes:
        expected["attributes"] = attributes
    rng.shuffle(before)
    rng.shuffle(after)
    opener = rng.choice(OPENERS)
    article = ""
    if opener in ARTICLE_OPENERS and not sort_prefix and not plural and not noun_said[0].isdigit():
        article = rng.choice(["a ", "a ", "some ", "one "])
    head = " ".join([*before, noun_said])
    if article == "a " and head[0] in "aeiou":
        article = "an "
    text = f"{opener}{sort_prefix}{article}{head}"
    if not sort_prefix and rng.random() < 0.1:
        expected["action"] = "recommend"
        text = rng.choice([f"what {head} would you recommend", f"can you recommend {'some ' if plural else 'a '}{head}",
                           f"which {head} do you suggest"])
    for phrase in after:
        text += phrase if phrase.startswith(",") else f" {phrase}"
    if opener == "" and rng.random() < 0.2:
        text = text[0].upper() + text[1:]
    return IntentExample(text=re.sub(r"\s+", " ", text).strip(), expected=expected)


def _price(price: float, rng: random.Random, expected: dict) -> str:
    """A budget phrase around `price`, and its labels."""
    currency, symbol, word = rng.choice([("USD", "$", "dollars")] * 4 + [("EUR", "€", "euros")])
    kind = rng.random()
    ceiling = _nice_above(price, rng)
    if kind < 0.5:
        amount = _amount(ceiling, rng)
        expected["price"] = {"max": ceiling, "currency": currency}
        return rng.choice([f"under {symbol}{amount}", f"less than {amount} {word}", f"below {symbol}{amount}",
                           f"and price lower than {ceiling:.2f} {word}", f"up to {symbol}{amount}",
                           f"max {symbol}{amount}", f"for under {amount} {word}", f"no more than {symbol}{amount}",
                           f"my budget is {symbol}{amount}", f", budget {amount} {word}"])
    floor = _nice_below(price)
    if kind < 0.7 and floor:
        expected["price"] = {"min": floor, "currency": currency}
        return rng.choice([f"over {symbol}{_amount(floor, rng)}", f"at least {_amount(floor, rng)} {word}",
                           f"more than {symbol}{_amount(floor, rng)}", f"{symbol}{_amount(floor, rng)} and up"])
    if floor:
        expected["price"] = {"min": floor, "max": ceiling, "currency": currency}
        return rng.choice([f"between {symbol}{_amount(floor, rng)} and {symbol}{_amount(ceiling, rng)}",
                           f"between {_amount(floor, rng)} and {_amount(ceiling, rng)} {word}",
                           f"from {symbol}{_amount(floor, rng)} to {symbol}{_amount(ceiling, rng)}"])
    expected["price"] = {"max": ceiling, "currency": currency}
    return f"under {symbol}{_amount(ceiling, rng)}"


def _nice_above(price: float, rng: random.Random) -> float:
    if rng.random() < 0.15:
        return float(f"{price + rng.choice([0, 1, 2, 5]):.2f}")  # a real price, cents and all
    step = 5 if price < 50 else 10 if price < 200 else 50
    return float((int(price // step) + 1) * step)


def _nice_below(price: float) -> float | None:
    step = 5 if price < 50 else 10 if price < 200 else 50
    floor = float(int(price // step) * step)
    return floor if floor >= step else None


def _amount(value: float, rng: random.Random) -> str:
    return f"{value:.2f}" if value != int(value) or rng.random() < 0.1 else str(int(value))


def _size_phrase(size: str, rng: random.Random) -> tuple[str, str]:
    """(label, as written) for a catalog size."""
    letters = {"XS": ["xs", "extra small"], "S": ["s", "small"], "M": ["m", "medium"], "L": ["l", "large"],
               "XL": ["xl", "x-large", "extra large"], "XXL": ["xxl", "xx-large"], "XXXL": ["xxxl", "3xl"]}
    if size.upper() in letters:
        return size.upper(), rng.choice([size, size.lower(), *letters[size.upper()]])
    number = re.fullmatch(r"(\d+)(\.5)?", size)
    if number and not number.group(2) and int(size) in NUMBER_WORDS and rng.random() < 0.35:
        return size, NUMBER_WORDS[int(size)]
    measure = re.fullmatch(r"([\d.]+)-(Inch|Quart|Piece|Wick|Foot|Ft)", size, re.I)
    if measure:
        return size, f"{measure.group(1)} {measure.group(2).lower()}" if rng.random() < 0.5 else size.lower()
    return size, size.lower() if rng.random() < 0.6 else size


def _invented_brand(rng: random.Random) -> str:
    """A brand name no catalog has: what the model must take from the words around it."""
    return "".join(rng.choice(BRAND_SYLLABLES) for _ in range(rng.choice([2, 2, 3]))).capitalize()


IRREGULAR = {"hoodies": "hoodie", "knives": "knife", "cookies": "cookie", "brownies": "brownie",
             "smoothies": "smoothie", "leaves": "leaf", "shelves": "shelf", "scarves": "scarf"}


def _singular(noun: str) -> str:
    words = noun.split()
    last = words[-1]
    if last in IRREGULAR:
        last = IRREGULAR[last]
    elif last.endswith("ies") and len(last) > 4:
        last = last[:-3] + "y"
    elif re.search(r"(ches|shes|sses|xes)$", last):
        last = last[:-2]
    elif last.endswith("s") and not last.endswith("ss") and last not in ("jeans", "pants", "shorts", "leggings"):
        last = last[:-1]
    return " ".join([*words[:-1], last])


def _values(value) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else [str(v) for v in value]


def _one(rng: random.Random, value) -> str | None:
    values = _values(value)
    return rng.choice(values) if values else None
