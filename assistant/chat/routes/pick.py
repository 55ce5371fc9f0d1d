""""Which one is the cheapest / best rated / newest?": a pick among the products shown, by their own data."""

from __future__ import annotations

import re

from dataclasses import dataclass
from typing import ClassVar

from retrieval.intent import Intent
from retrieval.models import Product
from tools.cards import product_card
from tools.catalog import sort_matches
from tools.models import ProductCard

from .. import wording
from ..answers import PROPERTIES, asked_feature, asked_properties, clauses, find_phrase
from ..findings import Findings
from .context import RouteContext

SUPERLATIVES = {"price_asc": "cheapest", "price_desc": "most expensive", "rating": "best rated",
                "newest": "newest"}


@dataclass
class PickFindings(Findings):
    product: Product | None = None
    sort: str = "relevance"
    among: int = 0  # how many shown products had the value compared

    route: ClassVar[str] = "pick"

    def named_products(self) -> list[ProductCard | Product]:
        return [*self.products, *([self.product] if self.product else [])]

    def template(self, message: str) -> str:
        superlative = SUPERLATIVES.get(self.sort, "best match")
        if self.product is None:
            return f"The products I showed you do not say which is the {superlative}."
        card, launched = self.products[0], self.product.launched_at
        fact = {"price_asc": wording.price(card.price), "price_desc": wording.price(card.price),
                "rating": f"{card.rating:.1f} stars from {card.review_count:,} reviews" if card.rating else "",
                "newest": f"launched {launched:%B} {launched.day}, {launched.year}" if launched else ""
                }.get(self.sort, "")
        return f"Of the {self.among} products I showed you, the {superlative} is the {wording.name(card)}" \
               f"{f' ({fact})' if fact else ''}."


def pick(context: RouteContext, intent: Intent, text: str) -> PickFindings:
    shown = [p for p in (context.product(pid) for pid in context.session.shown_ids) if p is not None]
    ordered = sort_matches([(None, p) for p in shown], intent.sort)
    known = {"price_asc": lambda p: p.price, "price_desc": lambda p: p.price, "rating": lambda p: p.rating,
             "newest": lambda p: p.launched_at}[intent.sort]
    among = sum(1 for p in shown if known(p) is not None)
    best = ordered[0][1] if ordered and among else None
    if best is None:
        return PickFindings(intent, sort=intent.sort, among=among)
    context.session.focus(best.id)
    return PickFindings(intent, products=[product_card(best)], product=best, sort=intent.sort, among=among)


# ---------------------------------------------------------------- picks by what the products' own text says

WHICH_ONE_RE = re.compile(r"\bwhich(?:\s+one|\s+ones|\s+of\s+(?:them|these|those|the\s+\w+))?\b.*\?|"
                          r"\bwhich(?:\s+one|\s+ones|\s+of\s+(?:them|these|those))\b", re.IGNORECASE)
# A size the shopper needs ("a 55 inch TV", "a 30 lb dog") and how a text states what fits (ranges, "up to").
_UNITS = {"inch": r"(?:\"|''|”|in\.?(?![a-z])|-?\s?inch(?:es)?)", "lb": r"(?:lbs?\.?|pounds?)",
          "cm": r"cm", "kg": r"kg", "gb": r"GB", "ft": r"(?:ft\.?|feet|foot|')"}
_MORE = {"more": max, "most": max, "bigger": max, "biggest": max, "larger": max, "largest": max, "longer": max,
         "longest": max, "higher": max, "highest": max, "faster": max, "fastest": max, "heavier": max,
         "heaviest": max, "greater": max, "less": min, "least": min, "fewer": min, "fewest": min, "smaller": min,
         "smallest": min, "lighter": min, "lightest": min, "shorter": min, "shortest": min, "slower": min}
_QUANTITY = re.compile(r"(\d[\d,]*(?:\.\d+)?)\s*-?\s*(cups?(?:\(s\))?|oz\.?|ounces?|quarts?|qt\.?|liters?|litres?|"
                       r"gallons?|cu\.? ?ft\.?|GB|TB|MB/s(?:ec)?|Mbps|GHz|watts?|W|lbs?\.?|pounds?|kg|\"|inch(?:es)?|"
                       r"hours?|hrs?|mAh|pieces?|elements?|burners?|slots?|ports?|speeds?|settings?)(?![a-z])",
                       re.IGNORECASE)


def _unit(word: str) -> str:
    word = word.lower().rstrip(".").replace("(s)", "")
    canonical = {"cups": "cup", "ounces": "oz", "ounce": "oz", "quarts": "quart", "qt": "quart", "litres": "liter",
                 "liters": "liter", "litre": "liter", "gallons": "gallon", "watts": "w", "watt": "w", "lb": "lbs",
                 "pounds": "lbs", "pound": "lbs", '"': "inch", "inches": "inch", "hrs": "hours", "hr": "hours",
                 "hour": "hours", "mb/sec": "mb/s"}
    word = canonical.get(word, word)
    return word[:-1] if word.endswith("s") and word not in ("lbs", "mb/s", "hours") else word


@dataclass
class TextPickFindings(Findings):
    """'which one fits a 55 inch TV?', 'which one makes more coffee?', 'which ones have caller ID?'."""
    answer: str = ""

    route: ClassVar[str] = "pick"

    def has_facts(self) -> bool:
        return True

    def detail_facts(self) -> list[str]:
        return [f"Answer from the products' own data: {self.answer}"]

    def template(self, message: str) -> str:
        return self.answer


def pick_by_text(context: RouteContext, intent: Intent, text: str) -> TextPickFindings | None:
    """A pick among the products shown by what their titles and descriptions say: a size that fits a range
    they state, the most (or least) of a quantity they all state, a feature they list. None when the question
    asks for none of these (the message is then routed as usual)."""
    shown = [p for p in (context.product(pid) for pid in context.session.shown_ids) if p is not None]
    if len(shown) < 2 or not WHICH_ONE_RE.search(text):
        return None
    for attempt in (_fits, _most, _has_feature):
        found = attempt(shown, text)
        if found is not None:
            picked, answer = found
            if picked:
                context.session.focus(picked[0].id)
            return TextPickFindings(intent, products=[product_card(p) for p in picked], answer=answer)
    return None


def _fits(shown: list[Product], text: str) -> tuple[list[Product], str] | None:
    for unit, pattern in _UNITS.items():
        match = re.search(rf"(\d+(?:\.\d+)?)\s*{pattern}", text, re.IGNORECASE)
        if match:
            break
    else:
        return None
    size, said = float(match[1]), match[0].strip()
    number = rf"(\d+(?:\.\d+)?)\s*{_UNITS[unit]}?"
    ranges = re.compile(rf"{number}\s*(?:-|–|to)\s*{number[:-1]}", re.IGNORECASE)
    up_to = re.compile(rf"\bup to\s+(\d+(?:\.\d+)?)\s*{_UNITS[unit]}", re.IGNORECASE)
    fits, stated = [], []
    for product in shown:
        for clause in [*clauses(product)[1:], product.title]:  # the description's words before the title's
            found = [(float(m[1]), float(m[2]), clause) for m in ranges.finditer(clause)] + \
                    [(0.0, float(m[1]), clause) for m in up_to.finditer(clause)]
            if found:
                stated.append(product)
                if any(low <= size <= high for low, high, _ in found):
                    fits.append((product, clause))
                    break
                break
    if not stated:
        return [], f"None of the products I showed you states the sizes it fits, so I can't say which fits {said}."
    if not fits:
        return [], f"None of the {len(shown)} products I showed you says it fits {said}."
    named = " and ".join(f"the {wording.name(p)} (its data says “{clause}”)" for p, clause in fits)
    verb = "fits" if len(fits) == 1 else "fit"
    return [p for p, _ in fits], f"Of the {len(shown)} products I showed you, {named} {verb} {said}."


def _most(shown: list[Product], text: str) -> tuple[list[Product], str] | None:
    words = [w for w in re.findall(r"[a-z]+", text.lower()) if w in _MORE]
    if not words or re.search(r"\bmore expensive|\bless expensive|\bmost expensive", text.lower()):
        return None
    choose = _MORE[words[0]]
    amounts: dict[str, dict[str, tuple[float, str]]] = {}  # unit -> product id -> (largest value, clause)
    for product in shown:
        for clause in clauses(product):
            for match in _QUANTITY.finditer(clause):
                value = float(match[1].replace(",", ""))
                unit = _unit(match[2])
                best = amounts.setdefault(unit, {}).get(product.id)
                if best is None or value > best[0]:
                    amounts[unit][product.id] = (value, clause)
    props = asked_properties(text)
    preferred = [u for u in amounts if any(re.search(PROPERTIES[p][1], f"1 {u}", re.IGNORECASE) for p in props)]
    usable = [u for u in (preferred or amounts) if len(amounts[u]) >= 2]
    if not usable:
        return [], "The products I showed you do not state that in a way I can compare, so I can't say."
    unit = max(usable, key=lambda u: len(amounts[u]))
    values = amounts[unit]
    best_id = choose(values, key=lambda pid: values[pid][0])
    best = next(p for p in shown if p.id == best_id)
    value, clause = values[best_id]
    others = "; ".join(f"{_amount(v, unit)} for the {wording.name(p)}" for p in shown if p.id in values and
                       p.id != best_id for v in [values[p.id][0]])
    return [best], f"Of the {len(shown)} products I showed you, the {wording.name(best)} has the " \
                   f"{'most' if choose is max else 'least'}: {_amount(value, unit)} (its data says “{clause}”)" \
                   f"{f', against {others}' if others else ''}."


def _amount(value: float, unit: str) -> str:
    number = f"{value:g}"
    return f"{number} {unit}{'s' if value != 1 and unit not in ('oz', 'w', 'lbs', 'inch', 'gb', 'tb', 'mb/s') else ''}"


def _has_feature(shown: list[Product], text: str) -> tuple[list[Product], str] | None:
    phrase = asked_feature(text)
    if not phrase:
        return None
    having = [(p, clause) for p in shown for clause in [find_phrase(p, phrase)] if clause]
    if not having:
        return [], f"None of the {len(shown)} products I showed you lists {phrase}."
    named = " and ".join(f"the {wording.name(p)} (“{clause}”)" for p, clause in having)
    return [p for p, _ in having], f"Of the {len(shown)} products I showed you, {named} " \
                                   f"list{'s' if len(having) == 1 else ''} {phrase}."
