"""Gifts: who a present is for, read as an age, and whether a product's stated age range fits it.

    recipient_age("my 7 year old boy") -> 7.0;  recipient_age("my toddler") -> 2.0
    age_fits(product, 7.0) -> True ('ages 6-9'), False ('ages 14+'), None (the product states no age)

A product states its age range in `attributes["age_range"]` ("3+ years", "8-12 years", "18+ months"), from
the feed or derived at ingest from its title and description.
"""

from __future__ import annotations

import re

from retrieval.models import Product

# Words for an age, as the middle of the span they usually mean, in years.
AGE_WORDS = {"newborn": 0.1, "baby": 0.5, "infant": 0.5, "toddler": 2.0, "preschooler": 4.0, "kindergartner": 5.0,
             "kid": 8.0, "child": 8.0, "tween": 11.0, "preteen": 11.0, "teen": 15.0, "teenager": 15.0,
             "teenage": 15.0}
_AGE = re.compile(r"\b(\d{1,2})\s*(?:-|\s)?\s*(years?|yrs?|months?|mos?)?\s*-?\s*old\b|\b(\d{1,2})\s*yo\b")
_RANGE = re.compile(r"(\d{1,2})\s*(?:-\s*(\d{1,2})|\+)\s*(years?|months?)")
BABY_UNTIL = 3.0  # below this age a gift search looks among baby toys first
CHILD_UNTIL = 13.0  # below this age, among kids' toys and games


def recipient_age(recipient: str | None) -> float | None:
    """The recipient's age in years, when the words say it: '7 year old' -> 7, '3 month old baby' -> 0.25."""
    if not recipient:
        return None
    lowered = recipient.lower()
    match = _AGE.search(lowered)
    if match:
        number = int(match[1] or match[3])
        return round(number / 12, 2) if (match[2] or "").startswith("mo") else float(number)
    for word in re.findall(r"[a-z]+", lowered):
        word = word[:-1] if word.endswith("s") and word[:-1] in AGE_WORDS else word
        if word in AGE_WORDS:
            return AGE_WORDS[word]
    return None


def age_range(product: Product) -> tuple[float, float] | None:
    """(youngest, oldest) in years the product states it is for; oldest is open (99) for '3+'."""
    for value in product.attribute_values("age_range"):
        match = _RANGE.search(value)
        if match:
            scale = 1 / 12 if match[3].startswith("month") else 1.0
            low = int(match[1]) * scale
            high = int(match[2]) * scale if match[2] else 99.0
            return low, high
    return None


def age_fits(product: Product, age: float) -> bool | None:
    """Whether the product's stated age range includes `age`; None when it states none."""
    stated = age_range(product)
    if stated is None:
        return None
    low, high = stated
    return low <= age <= high
