"""What a chat message says beyond its Intent: which shown products it points at, how many to add to the
cart, whether it asks for more results or for things that go with a product."""

from __future__ import annotations

import re

from ..intent import lexicons as lex

RELATED_RE = re.compile(r"\b(?:goes? (?:well )?with|go (?:well )?with|to go with|pairs? (?:well )?with|"
                        r"accessor(?:y|ies) for|complements?|match(?:es)? with|need with|with (?:it|this|that) "
                        r"(?:too|as well)|what else (?:do i|should i|would i) need)\b", re.IGNORECASE)
FIRST_N_RE = re.compile(r"\b(?:first|top)\s+(two|three|four|2|3|4)\b|\b(both|these two|those two|the two|them)\b",
                        re.IGNORECASE)
PRONOUN_RE = re.compile(r"\b(?:it|this|that|this one|that one)\b", re.IGNORECASE)
QUANTITY_RE = re.compile(r"\b(\d{1,2}|two|three|four|five|six|seven|eight|nine|ten)\s+(?:of\s+(?:it|them|these|"
                         r"those|the)|units?|pieces?|pairs?|more|x)\b|\bx\s?(\d{1,2})\b", re.IGNORECASE)
ADD_RE = re.compile(r"^\s*(?:please\s+)?(?:add|put)\b|\b(?:add|put)\b.*\b(?:cart|basket|bag)\b", re.IGNORECASE)
VIEW_CART_RE = re.compile(r"\b(?:view|show|see|check|open|what'?s in|what is in)\b.*\b(?:cart|basket)\b|"
                          r"^\s*(?:my\s+)?(?:cart|basket)\s*[?!.]*$", re.IGNORECASE)
THANKS_RE = re.compile(r"\b(?:thanks?|thank you|thx|cheers|great|perfect)\b", re.IGNORECASE)
NUMBER_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}


WHICH_RE = re.compile(r"\b(?:which|what)(?: one| of (?:these|those|them)| is| are|'s)?\b.*\b(?:cheapest|priciest|"
                      r"least expensive|most expensive|best|highest|top|newest|latest|lowest)\b", re.IGNORECASE)


def relative_move(text: str) -> str | None:
    """'cheaper', 'more expensive', 'bigger', 'smaller': a move away from what was shown, in the same kind."""
    lowered = text.lower()
    for name, pattern in (("cheaper", lex.CHEAPER_RE), ("pricier", lex.PRICIER_RE), ("bigger", lex.BIGGER_RE),
                          ("smaller", lex.SMALLER_RE)):
        if pattern.search(lowered):
            return name
    return None


def asks_which(text: str) -> bool:
    """'which one is the cheapest?', 'what's the best rated of these': a pick among the products shown."""
    return bool(WHICH_RE.search(text))


def wants_more(text: str) -> bool:
    return bool(lex.MORE_RE.search(text.lower()))


def wants_related(text: str) -> bool:
    return bool(RELATED_RE.search(text))


def wants_to_add(text: str) -> bool:
    """'add 2 of the second one', 'put it in my cart': the parser may read these as questions."""
    return bool(ADD_RE.search(text))


def wants_cart(text: str) -> bool:
    return bool(VIEW_CART_RE.search(text)) and not wants_to_add(text)


def says_thanks(text: str) -> bool:
    return bool(THANKS_RE.search(text))


def points_at_one(text: str) -> bool:
    """'it', 'this one': the product talked about last."""
    return bool(PRONOUN_RE.search(text))


def ordinals(text: str) -> list[int]:
    """Every position the message names, in order: 'the first and the third' -> [1, 3], 'the first two' ->
    [1, 2], 'both' -> [1, 2]; -1 is the last."""
    found: list[tuple[int, int]] = []
    lowered = text.lower()
    for match in FIRST_N_RE.finditer(lowered):
        count = _number(match[1]) if match[1] else 2
        found += [(match.start(), n) for n in range(1, count + 1)]
    bare = re.compile(rf"\b(?:the\s+)?({'|'.join(re.escape(o) for o in sorted(lex.ORDINALS, key=len, reverse=True))})"
                      rf"\b(?!\s+(?:two|three|four|[234])\b)")
    for match in bare.finditer(lowered):
        if not any(start <= match.start() < start + 12 for start, _ in found):
            found.append((match.start(), lex.ORDINALS[" ".join(match[1].split())]))
    for match in lex.NUMBERED_REF_RE.finditer(lowered):
        found.append((match.start(), int(match["num"])))
    return list(dict.fromkeys(n for _, n in sorted(found)))


def quantity(text: str) -> int:
    match = QUANTITY_RE.search(text)
    if not match:
        return 1
    return max(1, min(_number(match[1] or match[2]), 99))


def _number(word: str) -> int:
    return int(word) if word.isdigit() else NUMBER_WORDS.get(word.lower(), 1)
