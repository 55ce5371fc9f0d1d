"""Price constraints in a shopper's words: "under $80", "between 20 and 40 euros", "around fifty bucks".

Rules (see assistant/intent/data/INTENT_LABELS.md):
- An amount with a currency ($, €, £, USD, "dollars", "bucks", "euros", "cents"...) is a price.
- A bare number is a price only right after a price cue ("under 50", "budget 200", "between 20 and 40"),
  and only when no unit or noun follows it ("under 50 calories", "up to 10 people" are not prices).
- "around X" means 0.8X .. 1.2X. A currency amount with no direction ("red shoes $60") is a ceiling.
- "N pounds" is a weight unless £/GBP/quid is written, a spending cue comes first ("budget of 50 pounds"),
  pence follow ("ten pounds fifty") or, after a price cue, nothing in the request is weighed ("a gift below
  25 pounds" is money, "dumbbells under 10 pounds" a weight).
- Cents belong to the amount: "19 dollars and 99 cents", "5 dollars 50", "a dollar fifty", "19,99 €".
- Word numbers follow English grammar ("two hundred and fifty", "twelve hundred"); "five fifty" and
  "nineteen ninety-nine" are ambiguous (5.50 or 550?) and read as no amount rather than a wrong one.
- "a dollar" / "a buck" / "a euro" / "a quid" are 1, but only with a price cue ("under a buck", "for a
  dollar", "a dollar or less"): "a buck knife" and "dollar store" are not prices.
- Age limits ("kids under 5", "women over 50") are never prices.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .lexicons import NUMBER_WORDS, TENS_WORDS, UNITS_WORDS
from retrieval.intent import PriceConstraint

AROUND_LOW, AROUND_HIGH = 0.8, 1.2

_SYMBOLS = {"$": "USD", "us$": "USD", "usd": "USD", "€": "EUR", "eur": "EUR", "£": "GBP", "gbp": "GBP",
            "¥": "JPY", "₹": "INR", "c$": "CAD", "cad": "CAD", "a$": "AUD", "aud": "AUD"}
_WORDS = {"dollar": "USD", "dollars": "USD", "bucks": "USD", "buck": "USD", "usd": "USD", "dlls": "USD",
          "euro": "EUR", "euros": "EUR", "eur": "EUR", "gbp": "GBP", "quid": "GBP", "pound": "GBP",
          "pounds": "GBP", "yen": "JPY", "rupees": "INR", "rupee": "INR", "cad": "CAD", "aud": "AUD",
          "cents": "USD", "cent": "USD"}
_PREFIX = r"(?:us\$|c\$|a\$|\$|€|£|¥|₹|usd|eur|gbp|cad|aud)"
_SUFFIX = r"(?:dollars?|bucks?|usd|dlls|euros?|eur|gbp|quid|pounds?|yen|rupees?|cad|aud|cents?|€|£|\$)"
# "1,299.99", "1.299,00" and "19,99" (a decimal comma before one or two digits), "fifty", "a" before a currency word
_NUM = (rf"(?:\d{{1,3}}(?:,\d{{3}})+(?:\.\d{{1,2}})?|\d{{1,3}}(?:\.\d{{3}})+,\d{{2}}(?!\d)|\d+,\d{{1,2}}(?![\d,])|"
        rf"\d+(?:\.\d{{1,2}})?|\.\d{{1,2}}|{NUMBER_WORDS}|a(?=[ -](?:dollar|buck|euro|quid)(?!\w)))")
_UNDER_100_WORDS = "|".join(sorted([w for w, v in {**UNITS_WORDS, **TENS_WORDS}.items() if 0 < v < 100],
                                   key=len, reverse=True))
_TENS_AND_TEENS = "|".join(sorted([w for w, v in {**UNITS_WORDS, **TENS_WORDS}.items() if 10 <= v < 100],
                                  key=len, reverse=True))
_CENT_WORDS = rf"(?:(?:{_UNDER_100_WORDS})(?:[ -](?:{_UNDER_100_WORDS}))?(?![a-z]))"
_TWO_DIGIT_WORDS = rf"(?:(?:{_TENS_AND_TEENS})(?:[ -](?:{_UNDER_100_WORDS}))?(?![a-z])|a half)"
# The cents after a currency word: "19 dollars and 99 cents", "5 dollars 50", "ten pounds fifty", "a dollar and
# a half". Without the word cents they are two digits ("2 pounds one" is not 2.01), and a number then a noun
# ("20 dollars 2 pack", "20 dollars and 5 stars") is not cents.
_CENTS = (rf"\s(?:and\s)?(?:(?P<cents>\d{{1,2}}|{_CENT_WORDS})\s?(?:cents?|pence)(?!\w)|"
          rf"(?P<cents2>\d{{2}}(?![\d.,])|{_TWO_DIGIT_WORDS})"
          r"(?=\s*(?:$|[,.;!?)]|(?:or|and|max|maximum|tops|each|please|for|with|at|but|in|on|is|i|total)\b)))")
# "$1,299.99", "20€", "fifty bucks", "10k", "99 cents", "5 dollars 50"; "ps5", "10x20", "10kg" and "15th" are not amounts.
AMOUNT_RE = re.compile(
    rf"(?<![\w.$€£])(?P<pre>{_PREFIX})?\s?(?P<num>{_NUM})(?:(?P<k>k)(?![a-z]))?(?![\w.]*\d)(?![a-z])"
    rf"(?:\s?(?P<suf>{_SUFFIX})(?!\w)(?:{_CENTS})?)?")

_MAX = (r"under|below|beneath|less than|less then|lower than|lower then|cheaper than|at most|no more than|"
        r"no more then|not more than|not over|not above|no higher than|max(?:imum)?|up to|upto|within|"
        r"budget(?: is| of|:)?|my budget is|i have|i only have|i can spend|can spend|spend(?: up to)?|afford|"
        r"not exceeding|not to exceed|tops|for under|for less than|capped at|cap of|limit(?: of| is)?|"
        r"no greater than|not more then|<=?|no more than about")
_MIN = (r"over|above|more than|more then|greater than|higher than|at least|min(?:imum)?|starting (?:at|from)|"
        r"from|no less than|not less than|>=?|upwards of|in excess of|starts at")
_AROUND = (r"around|about|approximately|approx\.?|roughly|~|close to|near|nearly|somewhere around|"
           r"in the range of|ballpark(?: of)?|something like")
_EXACT = r"for|at|costs?|costing|priced at|price of|pay|paying|worth"
# Cues after which a bare number (no currency) may be a price; "from 2020" and "i have 2" are not.
_BARE_OK = re.compile(rf"^(?:{_MAX}|{_MIN}|{_AROUND})$")
_BARE_NOT_OK = frozenset({"from", "i have", "i only have", "near", "nearly", "afford"})
_CUE_BEFORE = re.compile(
    rf"(?:(?:(?:with|at|for|in|and|a|the|my|your|its?)\s+)*(?:price|prices|cost|costs|budget|pricing|price range|"
    rf"price point|price tag)\s*(?:is|are|of|should be|must be|needs to be|has to be|at|:|tag|range|point)?\s*)?"
    rf"(?P<cue>{_MAX}|{_MIN}|{_AROUND}|{_EXACT})\s*(?:of\s+|a\s+|about\s+|around\s+|roughly\s+|like\s+)?$")
_PRICE_WORD_BEFORE = re.compile(r"(?:price|prices|cost|costs|budget|priced|price range|pricing)\s*(?:is|of|:|at)?\s*$")
_CUE_AFTER = re.compile(
    r"^\s*(?P<cue>or less|or under|or below|or lower|or cheaper|and under|and below|and less|max(?:imum)?|tops|"
    r"at most|at the most|and up|and above|and over|and higher|or more|or higher|or above|plus|\+|or so|ish|-ish|"
    r"or thereabouts|range|price range)(?![a-z])")
_RANGE_RE = re.compile(
    rf"(?P<cue>between|from|in the range of|range of|price range(?: of)?|range|budget(?: of| is)?|priced|price)?\s*"
    rf"(?P<a>(?:{_PREFIX})?\s?{_NUM}k?(?:\s?{_SUFFIX})?)\s*(?P<sep>-|–|to|and|through|thru)\s*"
    rf"(?P<b>(?:{_PREFIX})?\s?{_NUM}k?(?:\s?{_SUFFIX})?)(?![\w.]*\d)")
_AFTER_BARE_OK = re.compile(
    r"^\s*(?:$|[,.;!?)]|(?:and|or|but|please|for|with|in|on|if|that|which|max|maximum|tops|each|total|range|"
    r"budget|price|or so|so|ish|dollars?|bucks|at|plus|\+|thanks|any|is|i)\b)")
_AUDIENCE_BEFORE = re.compile(
    r"\b(?:kids|children|toddlers|babies|boys|girls|men|women|adults|seniors|people|ages?|aged|teens|dogs|"
    r"cats|puppies|kittens)\s*$")
_MAX_CUES = re.compile(rf"^(?:{_MAX})$")
_MIN_CUES = re.compile(rf"^(?:{_MIN})$")
_AROUND_CUES = re.compile(rf"^(?:{_AROUND})$")
_AFTER_MAX = {"or less", "or under", "or below", "or lower", "or cheaper", "and under", "and below", "and less",
              "max", "maximum", "tops", "at most", "at the most"}
_AFTER_MIN = {"and up", "and above", "and over", "and higher", "or more", "or higher", "or above", "plus", "+"}
_AFTER_AROUND = {"or so", "ish", "-ish", "or thereabouts"}
_SPENDING_CUES = re.compile(r"budget|spend|afford|i have|i only have|cost|price|pay|worth")
# Words that make "N pounds" a weight: the weight itself, or things chosen or sold by weight.
_WEIGHT_CONTEXT = re.compile(
    r"\b(?:weigh\w*|weights?|lightweight|light|lighter|heavy|heavier|lbs?|capacity|load|holds?|supports?|"
    r"dumbbells?|kettlebells?|barbells?|plates?|vests?|laptops?|notebooks?|backpacks?|luggage|suitcases?|bags?|"
    r"sacks?|food|kibble|litter|flour|rice|sugar|beans|coffee|meat|turkey|fish|tents?|strollers?|bikes?|"
    r"bicycles?|scales?|babies|baby|dogs?|cats?|puppy|puppies|bowling|ball|balls)\b")


@dataclass(frozen=True)
class PriceMatch:
    """The constraint, the character spans of the phrases that said it, and how sure we are."""

    price: PriceConstraint
    spans: tuple[tuple[int, int], ...]
    confidence: float


def extract_price(text: str) -> PriceConstraint:
    """The price constraint a request states; an empty constraint when it states none."""
    return find_price(" ".join(text.lower().split())).price


def find_price(text: str) -> PriceMatch:
    """Price constraints in lower-case text, with the spans to drop from a keyword query."""
    low: float | None = None
    high: float | None = None
    currency: str | None = None
    spans: list[tuple[int, int]] = []
    confidences: list[float] = []
    for match in _RANGE_RE.finditer(text):
        found = _range(text, match)
        if found is None:
            continue
        a, b, cur, confidence = found
        low, high = min(a, b), max(a, b)
        currency = currency or cur
        spans.append(_with_range_words(text, match.start(), match.end()))
        confidences.append(confidence)
    for match in AMOUNT_RE.finditer(text):
        if any(start <= match.start() < end for start, end in spans):
            continue
        found = _single(text, match)
        if found is None:
            continue
        kind, value, cur, span, confidence = found
        currency = currency or cur
        spans.append(span)
        confidences.append(confidence)
        if kind == "max":
            high = value if high is None else min(high, value)
        elif kind == "min":
            low = value if low is None else max(low, value)
        else:
            low, high = round(value * AROUND_LOW, 2), round(value * AROUND_HIGH, 2)
    if low is not None and high is not None and low > high:
        low, high = high, low
    price = PriceConstraint(min=low, max=high, currency=currency if (low is not None or high is not None) else None)
    return PriceMatch(price, tuple(sorted(spans)), min(confidences, default=0.0))


def _amount(text: str) -> tuple[float, str | None] | None:
    """'$1,299' -> (1299, 'USD'); '99 cents' -> (0.99, 'USD'); 'fifty' -> (50, None)."""
    match = AMOUNT_RE.fullmatch(text.strip())
    if match is None:
        return None
    value = _number(match["num"])
    if value is None:
        return None
    if match["k"]:
        value *= 1000
    prefix, suffix = match["pre"], match["suf"]
    currency = _SYMBOLS.get(prefix.replace(" ", "")) if prefix else None
    if suffix:
        currency = currency or _SYMBOLS.get(suffix) or _WORDS.get(suffix)
        if suffix.startswith("cent"):
            value /= 100
        elif match["cents"] or match["cents2"]:
            said = match["cents"] or match["cents2"]
            cents = 50 if said == "a half" else _number(said)
            if cents is None or not 0 < cents < 100 or cents != int(cents):
                return None
            value += cents / 100
    return round(value, 2), currency


def _number(text: str) -> float | None:
    """'1,299.99', '1.299,00', '19,99', 'two hundred and fifty', 'a' (before a currency word) -> the number;
    None for what is not one or is ambiguous ('five fifty', 'nineteen ninety-nine')."""
    if text[0].isdigit() or text[0] == ".":
        if re.fullmatch(r"\d+,\d{1,2}|\d{1,3}(?:\.\d{3})+,\d{2}", text):  # a decimal comma
            text = text.replace(".", "").replace(",", ".")
        try:
            return float(text.replace(",", ""))
        except ValueError:
            return None
    if text == "a":
        return 1.0
    return _words_value(text)


def _words_value(text: str) -> float | None:
    """English number words, grammar checked: a unit follows only a ten, a hundred or a thousand; 'and' only
    a hundred or a thousand; 'hundred' a unit, a teen or a ten ('twelve hundred', 'twenty five hundred')."""
    total = current = 0
    last = None  # the class of the previous word: unit, teen, tens, hundred, thousand, and
    for word in re.split(r"[ -]+", text.strip()):
        if word == "and":
            if last not in ("hundred", "thousand"):
                return None
            last = "and"
        elif word == "a":
            if last is not None:
                return None
            current, last = 1, "a"
        elif word in UNITS_WORDS and UNITS_WORDS[word] < 10:
            if last not in (None, "tens", "hundred", "thousand", "and"):
                return None
            current, last = current + UNITS_WORDS[word], "unit"
        elif word in UNITS_WORDS or word in TENS_WORDS:
            if last not in (None, "hundred", "thousand", "and"):
                return None
            current += UNITS_WORDS.get(word) or TENS_WORDS[word]
            last = "tens" if word in TENS_WORDS else "teen"
        elif word == "hundred":
            if last not in ("a", "unit", "teen", "tens") or not 0 < current < 100:
                return None
            current, last = current * 100, "hundred"
        elif word == "thousand":
            if last in (None, "and", "thousand") or total or current == 0:
                return None
            total, current, last = current * 1000, 0, "thousand"
        else:
            return None
    if last in (None, "and", "a"):
        return None
    return float(total + current)


def _range(text: str, match: re.Match) -> tuple[float, float, str | None, float] | None:
    a, b = _amount(match["a"]), _amount(match["b"])
    if a is None or b is None or a[0] <= 0 or b[0] <= 0:
        return None
    cue = (match["cue"] or "").strip()
    if match["sep"] == "and" and cue != "between":
        return None  # "two hundred and fifty dollars" is one amount
    if match["sep"] == "-" and match["a"][-1].isalpha() and match["b"][0].isalpha():
        return None  # "forty-five dollars"
    has_currency = a[1] is not None or b[1] is not None
    if _is_weight(match["a"]) or _is_weight(match["b"]):
        if not _SPENDING_CUES.search(text[max(0, match.start() - 30):match.start()] + cue) and \
                not _pounds_between(text, match, cue):
            return None
    if not has_currency and not _AFTER_BARE_OK.match(text[match.end():]):
        return None
    if not has_currency and not cue and not re.match(r"\s*(?:dollars?\s+|price\s+)?range", text[match.end():]):
        return None
    if not has_currency and cue in ("from", "range") and not _PRICE_WORD_BEFORE.search(text[:match.start()]):
        if cue == "range" or not re.match(r"\s*(?:$|[,.;!?])", text[match.end():]):
            return None
    if not has_currency and re.search(r"\bsize\s*(?:is\s*|of\s*)?$", text[:match.start()]):
        return None  # "a size between 10.5 and 11"
    if not has_currency and all(1900 <= v[0] <= 2100 and v[0] == int(v[0]) for v in (a, b)):
        return None  # "between 2006 and 2012": years
    # "5-7 year olds", "2 to 3 days": a unit right after the range means it is not a price
    if re.match(r"\s*(?:years?|yrs?|months?|days?|weeks?|hours?|inch|inches|in\b|ft|feet|cm|mm|oz|lbs?|kg|"
                r"people|person|pcs|pieces|pack|count|players?|%)", text[match.end():]) and not has_currency:
        return None
    currency = a[1] or b[1]
    if currency == "GBP" and not ("£" in match.group() or "gbp" in match.group() or "quid" in match.group()):
        if not (_SPENDING_CUES.search(text[max(0, match.start() - 30):match.end()]) or _pounds_between(text, match, cue)):
            return None
    return a[0], b[0], currency, 0.95 if has_currency else 0.8


def _single(text: str, match: re.Match) -> tuple[str, float, str | None, tuple[int, int], float] | None:
    amount = _amount(match.group())
    if amount is None or amount[0] <= 0:
        return None
    value, currency = amount
    before = text[:match.start()]
    cue_match = _CUE_BEFORE.search(before[-60:])
    cue = " ".join(cue_match["cue"].split()) if cue_match else ""
    after_match = _CUE_AFTER.match(text[match.end():])
    after = after_match["cue"] if after_match else ""
    if after in ("range", "price range"):
        after = ""
    if currency == "GBP" and match["suf"] and match["suf"].startswith("pound") and \
            not (match["cents"] or match["cents2"]) and not (cue_match and _SPENDING_CUES.search(cue_match.group())):
        limit = after in _AFTER_MAX or after in _AFTER_MIN or bool(cue and (_MAX_CUES.match(cue) or _MIN_CUES.match(cue)))
        if not limit or _WEIGHT_CONTEXT.search(text) or re.match(r"\s*of\b", text[match.end():]):
            return None  # "dumbbells under 10 pounds", "looking for 10 pounds of salt": weights
    if match["num"] == "a":
        if not (cue or after):
            return None  # "a buck knife", "make a buck"
        if not after and not _MAX_CUES.match(cue) and not _MIN_CUES.match(cue) and \
                not _AFTER_BARE_OK.match(text[match.end():]):
            return None  # "looking for a buck knife"
    if currency is None:
        if not cue or not _BARE_OK.match(cue) or cue in _BARE_NOT_OK:
            return None
        rest = text[match.end() + (after_match.end() if after_match and after else 0):]
        if not _AFTER_BARE_OK.match(rest):
            return None
        cue_start = match.start() - len(before[-60:]) + cue_match.start("cue")
        if _AUDIENCE_BEFORE.search(text[:cue_start]):
            return None
        if match["num"][0].isalpha() and cue == "about":
            return None
    start = match.start() - len(before[-60:]) + cue_match.start() if cue_match else match.start()
    end = match.end() + (after_match.end() if after_match and after else 0)
    if after in _AFTER_MIN or (cue and _MIN_CUES.match(cue) and after not in _AFTER_MAX):
        kind = "min"
    elif after in _AFTER_MAX or (cue and _MAX_CUES.match(cue)):
        kind = "max"
    elif after in _AFTER_AROUND or (cue and _AROUND_CUES.match(cue)):
        kind = "around"
    else:
        kind = "max"  # "$60 red shoes": an amount with no direction is a ceiling
    confidence = 0.95 if currency and (cue or after) else 0.8 if currency or cue else 0.6
    if kind == "around":
        confidence = min(confidence, 0.75)
    if not cue and not after:
        confidence = 0.6
    return kind, value, currency, (start, end), confidence


def _pounds_between(text: str, match: re.Match, cue: str) -> bool:
    """'a gift between 10 and 20 pounds' is money; 'between 2 and 3 pounds of candy', weights, are not."""
    return cue == "between" and not _WEIGHT_CONTEXT.search(text) and not re.match(r"\s*of\b", text[match.end():])


def _with_range_words(text: str, start: int, end: int) -> tuple[int, int]:
    """'in the 20-40 range': the words around a range belong to the price phrase too."""
    before = re.search(r"(?:in\s+the|in\s+a|the)\s*$", text[:start])
    after = re.match(r"\s*(?:dollars?\s+|price\s+)?range", text[end:])
    return (before.start() if before else start), end + (after.end() if after else 0)


def _is_weight(amount_text: str) -> bool:
    return bool(re.search(r"pounds?\s*$", amount_text)) and "£" not in amount_text
