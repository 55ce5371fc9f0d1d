"""Answers taken from data, word for word where it matters: a product question from the product's own
record (saying plainly when the record does not say), a policy question by quoting the policy."""

from __future__ import annotations

import re

from retrieval.enrichment.lexicon import COLORS, MATERIALS
from retrieval.intent import Intent
from retrieval.models import Product
from retrieval.policies import PolicyPassage

# "is it free?", "is the first one free", "for free": a price question ("is it gluten free?" is not one).
_FREE_QUESTION = (r"\b(?:is|are|it's|isn't|aren't)\s+(?:it|this|that|they|these|those|the\s+(?:\w+\s+one|\w+))\s+"
                  r"(?:really\s+|actually\s+|totally\s+|completely\s+)?free\b(?!\s*(?:-|of\s+(?!charge)|from|"
                  r"shipping|returns?|delivery))|\bfor free\b|\bfree of charge\b|\bcosts? nothing\b")
ASPECTS = {  # what a question asks about -> the words that ask it
    # Price and stock come from the structured fields only, never from what a description says: "is it
    # free?" is a price question (a description saying "this product is free" answers nothing).
    "price": r"\b(?:price|priced|cost|costs|how much|expensive|cheap|on sale|discount(?:ed)?|gratis|"
             r"no charge)\b|" + _FREE_QUESTION,
    "size": r"\b(?:sizes?|fit|fits|dimensions?|how big)\b",
    "color": r"\b(?:colou?rs?|shades?)\b",
    "material": r"\b(?:materials?|made of|made from|fabric)\b",
    "stock": r"\b(?:in stock|out of stock|available|availability|sold out|can i (?:buy|order) (?:it|one|them))\b",
    "rating": r"\b(?:ratings?|rated|reviews?|stars?|worth it|any good|quality)\b",
    "piece_count": r"\b(?:how many (?:pieces|parts|pcs)|pieces?|piece count|parts? (?:come|included))\b",
    "pack_count": r"\b(?:how many (?:are |come )?in (?:the|a|each|one) (?:pack|box|package|set)|pack size|"
                  r"how many (?:does it|do they) come with)\b",
    "age_range": r"\b(?:what ages?|which ages?|how old|age range|ages?|old enough|suitable for (?:a |my )?\d)\b",
    "about": r"\b(?:what (?:does|do) (?:it|this|that|they) do|what is (?:it|this|that)|what'?s (?:it|this|that) "
             r"for|what (?:is|are) (?:it|they) (?:used )?for|tell me (?:more )?about)\b",
}
# How a title or a description states a count when the attributes do not: "20-Piece", "(4-Pack)", "set of 6".
_COUNT_IN_TEXT = {
    "piece_count": re.compile(r"\b(\d{1,5})\s*-?\s*(?:pieces?|pcs?|piece)\b", re.IGNORECASE),
    "pack_count": re.compile(r"\b(\d{1,4})\s*-?\s*(?:pack|count|ct)\b|\b(?:pack|set|box) of (\d{1,4})\b",
                             re.IGNORECASE),
}
_ASPECT_NAMES = {"piece_count": "number of pieces", "pack_count": "pack size", "age_range": "age range"}
# Words that make a question but are not about the product ("is the second one good for ...").
_FILLER = set("""a an and any are about be can could do does for from go good has have how i if in is it its
it's me more my of on one or please show tell that the them these this those to what which will with would you
your yes no whether there really still also get buy need want so much""".split())
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_FREE = re.compile(_FREE_QUESTION)
_STRUCTURED = re.compile(r"^(?:free|for free|gratis|price|priced|cost|costs|cheap|discount(?:ed)?|on sale|sale|"
                         r"in stock|out of stock|available|availability|sold out)$")
# Text in a product's data that speaks to the assistant rather than about the product: a prompt injection.
_INSTRUCTION = re.compile(
    r"\b(?:ignore|disregard|forget|override)\b.{0,40}\b(?:instructions?|prompts?|rules?|above|previous|"
    r"everything)\b|"
    r"\b(?:tell|inform|assure|convince|say to)\s+(?:the\s+|your\s+|all\s+)?(?:shoppers?|customers?|users?|"
    r"buyers?|visitors?)\b|"
    r"\badd\s+(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|it|this|them)\b.{0,40}\bcart\b|"
    r"\bsystem prompt\b|\b(?:you are|act as|pretend to be)\s+(?:now\s+)?(?:a|an|the)\b|"
    r"\b(?:assistant|ai|model|chatbot)s?\b.{0,30}\b(?:must|should|shall|will)\b|\bnew instructions?\b",
    re.IGNORECASE)


def looks_like_instruction(text: str) -> bool:
    """Whether catalog text gives orders to the assistant (an injection): it is data, and not repeated."""
    return bool(_INSTRUCTION.search(text))


def description_sentences(product: Product) -> list[str]:
    """The description's sentences, without those that give orders to the assistant."""
    said = [s.strip() for s in _SENTENCE.split((product.description or "").strip()) if s.strip()]
    return [s for s in said if not looks_like_instruction(s)]


def short_title(product: Product) -> str:
    """'Ridgefern 2-Person Canvas Tent, Orange' -> 'Ridgefern 2-Person Canvas Tent'."""
    return product.title.split(",")[0].strip()


def answer_product_question(product: Product, intent: Intent, text: str) -> str:
    """Sentences built only from the product's record; an unknown answer is said to be unknown."""
    name = short_title(product)
    lowered = text.lower()
    free = bool(_FREE.search(lowered))
    sentences = [_aspect(aspect, product, name, free) for aspect, pattern in ASPECTS.items()
                 if re.search(pattern, lowered)]
    for key, value in intent.attributes.items():  # "is it available in red?"
        if not re.search(rf"\b{re.escape(value.lower())}\b", lowered):
            continue  # carried over from an earlier request, not asked now
        values = product.attribute_values(key)
        if value.lower() in values:
            sentences.append(f"Yes, the {name} comes in {value}.")
        elif values:
            sentences.append(f"The {name} comes in {key} {', '.join(values)}, not {value}.")
        else:
            sentences.append(f"The product data does not list the {name}'s {key}.")
    if not sentences:  # "how many elements does it have?": a count its text states
        noun = asked_count(text)
        if noun:
            sentences.append(_count_answer(product, name, noun))
    if not sentences:  # "is it fast?": what its text says on that, with the numbers it gives
        sentences += [_property_answer(product, name, prop) for prop in asked_properties(text)]
    if not sentences:  # "does it have caller ID?": the feature phrase, found in one place of its text or not
        phrase = asked_feature(text)
        if phrase:
            sentences.append(_feature_answer(product, name, phrase))
    # A feature that is a price or stock word was answered from the fields above, never from the text.
    asked_about = [f for f in intent.features if f.lower() in lowered and not _STRUCTURED.search(f.lower().strip())]
    described = " ".join([product.title, product.description, *product.tags,
                          *(v for key in product.attributes for v in product.attribute_values(key))]).lower()
    asked = asked_about
    if not sentences and not asked:
        asked = [w for w in _asked_words(intent.query, product) if not _STRUCTURED.search(w.strip())]
    for feature in dict.fromkeys(asked):
        if sentences and feature.lower() in " ".join(sentences).lower():
            continue  # answered above
        if find_phrase(product, feature):
            sentences.append(f"Yes: the {name} is listed as {feature}.")
        elif re.search(rf"\b{re.escape(feature.lower())}\b", described):
            sentences.append(f"The product data lists {feature} for the {name}.")
        else:
            sentences.append(f"The product data does not say whether the {name} is {feature}; "
                             f"I would not count on it.")
    if not sentences:  # "tell me about the second one"
        sentences = [_overview(product, name)]
    return " ".join(sentences)


# What an adjective or a noun of a question asks about -> how a product's text states it (a unit, a word).
PROPERTIES = {
    "speed": (r"\b(?:fast|faster|fastest|quick|quickly|slow|speeds?|how quick)\b",
              r"\d[\d.,]*\s*(?:MB/s(?:ec)?\.?|MBps|Mbps|Gbps|GB/s|rpm|RPM|GHz|MHz|fps|ppm|mph|x speed)|"
              r"\bspeeds?\b|transfer rate|\bclass \d+\b|\bquick\b|\bfast\b|\brapid\b"),
    "weight": (r"\b(?:heavy|heavier|light(?:weight)?|lighter|weigh|weighs|weight)\b",
               r"\d[\d.,]*\s*(?:lbs?\.?|pounds?|kg|kilograms?|oz\.?|ounces?|grams?|g)\b|\bweigh|\blightweight\b"),
    "power": (r"\b(?:powerful|power|watts?|wattage|strong)\b",
              r"\d[\d.,]*\s*(?:-\s*\d[\d.,]*\s*)?(?:watts?|W|volts?|V|amps?|mAh)\b|\bpower\b"),
    "capacity": (r"\b(?:capacity|how much (?:does it|can it|do they|will it) hold|holds?|storage|how many cups)\b",
                 r"\d[\d.,]*\s*-?\s*(?:cups?(?:\(s\))?|oz\.?|ounces?|quarts?|qt\.?|liters?|litres?|l|gallons?|gal\.?|"
                 r"cu\.? ?ft\.?|GB|TB|MB)\b|\bcapacity\b|\bholds?\b"),
    "dimensions": (r"\b(?:how big|how large|how small|how wide|how tall|how long is|dimensions?|measurements?|"
                   r"width|height|depth|length)\b",
                   r"\d[\d.,]*\s*(?:\"|''|in\.?|inch(?:es)?|cm|mm|ft\.?|feet|foot)(?![a-z])|\bdimensions?\b"),
    "battery": (r"\b(?:battery|batteries|battery life|how long does (?:it|the battery) last|charge|charging)\b",
                r"\d[\d.,]*\s*(?:-\s*)?(?:hours?|hrs?\.?|mAh)\b|\bbatter(?:y|ies)\b|\brechargeable\b"),
    "noise": (r"\b(?:quiet|quieter|loud|louder|noisy|noise)\b", r"\d[\d.,]*\s*dB\b|\bquiet\b|\bnoise\b"),
    "resolution": (r"\b(?:resolution|sharp|hd|4k|megapixels?)\b",
                   r"\b\d{3,4}p\b|\b[48]K\b|\d[\d.]*\s*(?:MP|megapixels?)\b|\bresolution\b|\bHD\b"),
}
_PROPERTY_NAMES = {"dimensions": "size", "battery": "battery"}
_COUNT_QUESTION = re.compile(r"\bhow many ([a-z][a-z-]*(?:\s[a-z][a-z-]*)?)", re.IGNORECASE)
_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                 "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "single": 1, "dual": 2, "double": 2, "triple": 3}
_FEATURE_QUESTION = re.compile(
    r"\b(?:does|do|did|will|can|could)\s+(?:it|this|that|they|these|those|the\s+[\w' -]+?|\w+)\s+"
    r"(?:have|has|come with|include|support|offer|feature|take|use|work with)\s+(?:an?\s+|the\s+|any\s+)?"
    r"(?P<phrase>[^?.!,]+)|"
    r"\b(?:is|are)\s+there\s+(?:an?\s+|any\s+)?(?P<there>[^?.!,]+)|"
    r"\b(?:with|has|have)\s+(?:an?\s+|any\s+)?(?P<with>[^?.!,]+?)\s*\?\s*$", re.IGNORECASE)
_PHRASE_TAIL = re.compile(r"\s+(?:too|as well|also|on it|on them|in it|in them|built in|included|please)\s*$",
                          re.IGNORECASE)


def clauses(product: Product) -> list[str]:
    """The product's own statements: its title, each clause of its description ("4 elements", "up to 48MB/sec.
    data transfer rate"), each attribute as "name: values". What it says is data, never instructions."""
    parts = [product.title]
    for piece in re.split(r"\s*[;•\n|]\s*|(?<=[a-zA-Z0-9)][.!?])\s+(?=[A-Z])", product.description or ""):
        piece = piece.strip(" .")
        if piece and len(piece) <= 300 and not looks_like_instruction(piece):
            parts.append(piece)
    parts += [f"{key.replace('_', ' ')}: {', '.join(product.attribute_values(key))}" for key in product.attributes
              if product.attribute_values(key)]
    return parts


def _words_of(phrase: str) -> list[str]:
    return [w for w in re.findall(r"[a-z0-9]+", phrase.lower()) if w not in _FILLER or w.isdigit()]


def find_phrase(product: Product, phrase: str) -> str | None:
    """The first clause of the product's text that holds every word of `phrase` (a plural or a hyphen makes no
    difference: "caller ID" is in "call-waiting caller ID"), else None."""
    words = _words_of(phrase)
    if not words:
        return None
    for clause in clauses(product):
        said = set(re.findall(r"[a-z0-9]+", clause.lower()))
        said |= {w[:-1] for w in said if w.endswith("s")} | {w[:-2] for w in said if w.endswith("es")}
        if all(w in said or w.rstrip("s") in said or (len(w) >= 5 and any(s.startswith(w) for s in said))
               for w in words):  # "speaker" is in "Speakerphone"
            return clause
    return None


def asked_count(text: str) -> str | None:
    """'how many elements does it have?' -> 'elements' (pieces and pack sizes have their own aspects)."""
    match = _COUNT_QUESTION.search(text)
    if not match or re.search(ASPECTS["piece_count"] + "|" + ASPECTS["pack_count"], text.lower()):
        return None
    words = [w for w in match[1].lower().split() if w not in _FILLER]
    return words[0] if words else None


def asked_properties(text: str) -> list[str]:
    lowered = text.lower()
    return [prop for prop, (asks, _) in PROPERTIES.items() if re.search(asks, lowered)]


def asked_feature(text: str) -> str | None:
    """'does the first one have caller ID?' -> 'caller ID'; 'is there a timer?' -> 'timer'."""
    match = _FEATURE_QUESTION.search(text)
    if not match:
        return None
    phrase = _PHRASE_TAIL.sub("", next(g for g in match.groups() if g).strip())
    return phrase if _words_of(phrase) and len(phrase) <= 60 else None


def count_in_text(product: Product, noun: str) -> tuple[int, str] | None:
    """'4 elements' for 'elements', '12-Cup' for 'cups': the number the text puts before the noun, and where."""
    stem = re.escape(noun.lower().rstrip("s")[:max(3, len(noun) - 2)])
    pattern = re.compile(rf"\b(\d{{1,4}}|{'|'.join(_NUMBER_WORDS)})\s*-?\s*(?:[a-z-]+\s+){{0,2}}?{stem}[a-z()]*",
                         re.IGNORECASE)
    for clause in clauses(product):
        match = pattern.search(clause)
        if match:
            value = match[1].lower()
            return (int(value) if value.isdigit() else _NUMBER_WORDS[value]), clause
    return None


def property_clause(product: Product, prop: str) -> str | None:
    states = re.compile(PROPERTIES[prop][1])
    said = [clause for clause in clauses(product) if states.search(clause)]
    with_number = [clause for clause in said if re.search(r"\d", clause) and clause != product.title]
    return (with_number or said or [None])[0]


def _count_answer(product: Product, name: str, noun: str) -> str:
    found = count_in_text(product, noun)
    if found is None:
        return f"The product data does not say how many {noun} the {name} has."
    return f"The {name} has {found[0]} {noun} (its data says “{found[1]}”)."


def _property_answer(product: Product, name: str, prop: str) -> str:
    clause = property_clause(product, prop)
    label = _PROPERTY_NAMES.get(prop, prop)
    if clause is None:
        return f"The product data does not give the {name}'s {label}, so I can't say."
    return f"On {label}, the {name}'s data says: “{clause}”."


def _feature_answer(product: Product, name: str, phrase: str) -> str:
    clause = find_phrase(product, phrase)
    if clause is None:
        return f"The product data does not say whether the {name} has {phrase}; I would not count on it."
    where = "title" if clause == product.title else "data"
    return f"Yes: the {name}'s {where} lists it: “{clause}”."


def _asked_words(query: str, product: Product) -> list[str]:
    """Words of the question that are neither filler nor the product's own kind ('tent')."""
    own = " ".join([*product.category, product.brand or ""]).lower()
    words = [w for w in re.findall(r"[a-z][a-z-]+", query.lower()) if w not in _FILLER and w[:4] not in own]
    return [" ".join(words)] if words else []


def _aspect(aspect: str, product: Product, name: str, free_asked: bool = False) -> str:
    if aspect == "price":
        if product.price is None:
            return f"The product data does not give a price for the {name}."
        sale = f", down from ${product.list_price:,.2f}" if product.list_price and product.list_price > product.price \
            else ""
        if free_asked and product.price > 0:
            return f"No, the {name} is not free: it costs ${product.price:,.2f}{sale}."
        return f"The {name} costs ${product.price:,.2f}{sale}."
    if aspect == "stock":
        return f"The {name} is {'in stock' if product.in_stock else 'out of stock right now'}."
    if aspect == "rating":
        if product.rating is None:
            return f"The {name} has no reviews yet."
        quote = f" One reviewer says: “{product.reviews[0]}”" if product.reviews else ""
        return f"The {name} is rated {product.rating:.1f} stars from {product.review_count:,} reviews.{quote}"
    if aspect == "about":
        return _overview(product, name)
    values = product.attribute_values(aspect)
    if not values and aspect in _COUNT_IN_TEXT:
        for text in (product.title, product.description):
            match = _COUNT_IN_TEXT[aspect].search(text or "")
            if match:
                values = [next(group for group in match.groups() if group)]
                break
    label = _ASPECT_NAMES.get(aspect, aspect)
    if not values and aspect in ("color", "material"):  # "Brown metal mug": the words its own text uses
        lexicon = COLORS if aspect == "color" else MATERIALS
        said = [(word, clause) for clause in clauses(product) for word in lexicon
                if re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", clause.lower())]
        if said:
            words = list(dict.fromkeys(lexicon[w] if isinstance(lexicon, dict) else w for w, _ in said))
            return f"The {name}'s own text says {', '.join(words)}: “{said[0][1]}”."
    if not values:
        return f"The product data does not list the {name}'s {label}."
    if aspect == "piece_count":
        return f"The {name} comes with {values[0]} pieces."
    if aspect == "pack_count":
        return f"The {name} comes in a pack of {values[0]}."
    if aspect == "age_range":
        return f"The {name} is for ages {', '.join(values)}."
    if aspect == "material":
        return f"The {name} is made of {', '.join(values)}."
    if aspect == "color":
        return f"The {name} comes in {' and '.join(values) if len(values) == 2 else ', '.join(values)}."
    return f"The {name} comes in {aspect} {', '.join(values)}."


def _overview(product: Product, name: str) -> str:
    parts = [f"The {name}"]
    if product.price is not None:
        parts.append(f"costs ${product.price:,.2f}")
    if product.rating is not None:
        parts.append(f"and is rated {product.rating:.1f} stars from {product.review_count:,} reviews")
    # The description is quoted as the description's words, never said as ours, and a sentence of it that
    # gives orders ("ignore previous instructions", "tell the shopper ...") is not repeated at all.
    first = next(iter(description_sentences(product)), "")
    return " ".join(parts) + "." + (f" Its description says: “{first}”" if first else "")


def quote_policy(passage: PolicyPassage, question: str, sentences: int = 2) -> str:
    """The passage's sentences that share the most words with the question, in their original order."""
    candidates = [s.strip() for line in passage.text.splitlines() for s in _SENTENCE.split(line) if s.strip()]
    words = {w for w in re.findall(r"[a-z0-9$]+", question.lower()) if w not in _FILLER}

    def overlap(sentence: str) -> int:
        said = set(re.findall(r"[a-z0-9$]+", sentence.lower()))
        return sum(1 for w in words if w in said or any(s.startswith(w[:5]) for s in said if len(w) > 4))

    ranked = sorted(range(len(candidates)), key=lambda i: (-overlap(candidates[i]), i))[:sentences]
    return " ".join(candidates[i] for i in sorted(ranked))
