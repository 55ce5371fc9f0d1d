"""What a chat message says beyond its Intent: which shown products it points at, how many to add to the
cart, whether it changes the cart (remove, a new quantity, empty it), whether it asks for more results or for
things that go with a product."""

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
                         r"those|the)|units?|pieces?|pairs?|more|x)\b|\bx\s?(\d{1,2})\b|"
                         r"^\s*(?:please\s+)?add\s+(\d{1,2}|two|three|four|five|six|seven|eight|nine|ten)\b(?!\s*%)",
                         re.IGNORECASE)  # the last: "add two", "add 3 pens"
ADD_RE = re.compile(r"^\s*(?:please\s+)?(?:add|put)\b|\b(?:add|put)\b.*\b(?:cart|basket|bag)\b", re.IGNORECASE)
VIEW_CART_RE = re.compile(r"\b(?:what'?s|what is|show me) my (?:order |cart |basket )?total\b|"
                          r"\b(?:view|show|see|check|open|what'?s in|what is in)\b.*\b(?:cart|basket)\b|"
                          r"^\s*(?:my\s+)?(?:cart|basket)\s*[?!.]*$", re.IGNORECASE)
_CART = r"(?:cart|basket|bag|trolley|order)"
_NUMBER = r"(\d{1,2}|zero|one|two|three|four|five|six|seven|eight|nine|ten)"
CLEAR_CART_RE = re.compile(rf"\b(?:clear|empty|reset|wipe)\b(?:\s+\w+){{0,2}}?\s+{_CART}\b|"
                           rf"\b(?:remove|delete|take out|drop)\s+(?:everything|all(?:\s+(?:the\s+)?(?:items|"
                           rf"products|things|of\s+(?:it|them)))?)\b|^\s*(?:please\s+)?empty it\s*[.!]*$",
                           re.IGNORECASE)
REMOVE_RE = re.compile(rf"^\s*(?:please\s+|ok(?:ay)?,?\s+|actually,?\s+)?(?:remove|delete|drop|take\s+out)\b|"
                       rf"\b(?:remove|delete|drop)\b.*\b(?:from|out of|in)\s+(?:my\s+|the\s+)?{_CART}\b|"
                       rf"\btake\s+(?:it|that|this|them|those|these|the\s+[\w\s'-]{{1,40}}?)\s+out\b|"
                       rf"\bget rid of\b|\btake\s+{_NUMBER}\s+out\b|\b{_NUMBER}\s+(?:less|fewer)\b(?!\s+than)|"
                       rf"\b(?:don'?t|do not) want (?:it|that|this|that one|this one|them) (?:anymore|any more)\b",
                       re.IGNORECASE)
NOT_CART_WORDS_RE = re.compile(r"\b(?:filters?|limits?|budget|price cap|restrictions?|constraints?|conditions?|"
                               r"brand filter|colou?r filter|sort(?:ing)?)\b", re.IGNORECASE)
SET_QUANTITY_RE = re.compile(rf"\bmake\s+(?:it|that|this|them|those|these|the\s+\w+(?:\s+one)?)\s+{_NUMBER}\b|"
                             rf"\b(?:quantity|qty|amount|number)\b(?:\s+\w+){{0,6}}?\s+(?:to|=|:)\s*{_NUMBER}\b|"
                             rf"\b(?:change|set|update|increase|decrease|reduce|lower|raise|bump)\b.*\bto\s+{_NUMBER}\b"
                             rf"(?=.*\b(?:of (?:it|them|those|these)|pairs?|units?|pieces?|items?|{_CART})\b)|"
                             rf"\b(?:i\s+)?only\s+(?:want|need)\s+{_NUMBER}\b", re.IGNORECASE)
# "remove one", "take 2 out", "one less": fewer of a line, not the line gone (unless it has no more than that)
REMOVE_COUNT_RE = re.compile(rf"^\s*(?:please\s+|ok(?:ay)?,?\s+|actually,?\s+)?(?:(?:remove|delete|drop|take\s+out)\s+"
                             rf"{_NUMBER}(?:\s+of\s+(?:them|those|these|it))?\s*(?:from\b.*)?[.!]*$|take\s+{_NUMBER}\s+"
                             rf"(?:of\s+(?:them|those|these)\s+)?out\b)|\b{_NUMBER}\s+(?:less|fewer)\b(?!\s+than)",
                             re.IGNORECASE)
# Several products at once: "both", "the two", "all of them", "them" (not "3 of them": a quantity of one)
BOTH_RE = re.compile(r"\b(?:both|(?:these|those|the|them) two)\b", re.IGNORECASE)
ALL_RE = re.compile(r"\ball\s+(?:of\s+)?(?:them|these|those|(?:the\s+)?(?:three|four|five|[3-9]))\b|"
                    r"\b(?:every|each)\s+(?:one|of them)\b", re.IGNORECASE)
THEM_RE = re.compile(r"(?<!\bof )\b(?:them|(?:these|those)(?=\s*(?:$|[.,!?]|(?:to|in|into|please|too|as well|for "
                     r"me|both)\b)))", re.IGNORECASE)  # "these" / "those" alone, not "those shoes"
# "the cheaper one", "the cheapest journal", "the best rated": (sort, whether it compares two)
SORT_WORDS = (
    (re.compile(r"\b(?:cheaper|less expensive|lower[- ]priced)\b", re.IGNORECASE), "price_asc", True),
    (re.compile(r"\b(?:cheapest|least expensive|lowest[- ]priced|lowest price)\b", re.IGNORECASE), "price_asc", False),
    (re.compile(r"\b(?:more expensive|pricier|dearer|higher[- ]priced)\b", re.IGNORECASE), "price_desc", True),
    (re.compile(r"\b(?:most expensive|priciest|dearest|highest[- ]priced)\b", re.IGNORECASE), "price_desc", False),
    (re.compile(r"\b(?:better|higher)[- ]rated\b", re.IGNORECASE), "rating", True),
    (re.compile(r"\b(?:best|highest|top)[- ]rated\b|\bbest reviewed\b", re.IGNORECASE), "rating", False),
    (re.compile(r"\bnewer\b", re.IGNORECASE), "newest", True),
    (re.compile(r"\b(?:newest|latest)\b", re.IGNORECASE), "newest", False),
)
# "and the second one", "also that one": the same cart action as the message before, on other products
CONTINUE_RE = re.compile(r"^\s*(?:oh,?\s+)?(?:and|also|plus)(?:\s+also)?\s+(?:(?:the|that|this)\s+)?(?:[\w'-]+\s+){0,3}?"
                         r"(?:one|ones|it|that|this|them|those|these|both|first|second|third|fourth|fifth|last|other)"
                         r"(?:\s+(?:one|too|as well|please|also))*\s*[.!]*\s*$", re.IGNORECASE)
TAKE_RE = re.compile(r"^\s*(?:ok(?:ay)?,?\s+|great,?\s+|then\s+)?i(?:'ll| will|'d like to| would like to| want to)?\s+"
                     r"(?:take|buy|get|order)\b(?!\s+a\s+look)", re.IGNORECASE)
THANKS_RE = re.compile(r"\b(?:thanks?|thank you|thx|cheers|great|perfect)\b", re.IGNORECASE)
NUMBER_WORDS = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                "nine": 9, "ten": 10}


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


OTHER_ONES_RE = re.compile(r"\b(?:anything|something|any|others?|ones|alternatives?)\b", re.IGNORECASE)


def wants_other_than_shown(text: str) -> bool:
    """'anything cheaper than that?', 'got something bigger?': other products, a move from the one shown; not a
    question about it ('is it cheaper than the other one?')."""
    return relative_move(text) is not None and bool(OTHER_ONES_RE.search(text))


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


def wants_cart_cleared(text: str) -> bool:
    """'clear my cart', 'empty the basket', 'remove everything'."""
    return bool(CLEAR_CART_RE.search(text))


def wants_removed(text: str) -> bool:
    """'remove it', 'take the second one out', 'delete the tent from my cart' (not 'remove the price limit')."""
    return bool(REMOVE_RE.search(text)) and not NOT_CART_WORDS_RE.search(text) and not wants_cart_cleared(text)


def new_quantity(text: str) -> int | None:
    """'make it two' -> 2, 'change the quantity to 3' -> 3, 'make it zero' -> 0; None when none is set."""
    match = SET_QUANTITY_RE.search(text)
    if not match:
        return None
    word = next(group for group in match.groups() if group)
    return min(_number(word), 99)


def cart_change(text: str) -> str | None:
    """The cart change a message asks for: 'clear', 'remove', 'quantity', or None."""
    if wants_cart_cleared(text):
        return "clear"
    if wants_removed(text):
        return "remove"
    if new_quantity(text) is not None:
        return "quantity"
    return None


def removes_count(text: str) -> int | None:
    """'remove one' -> 1, 'take 2 out' -> 2, 'one less' -> 1: how many fewer of a line; None when the message
    does not say a count."""
    match = REMOVE_COUNT_RE.search(text)
    return max(1, _number(next(group for group in match.groups() if group))) if match else None


def group(text: str) -> str | None:
    """'both' / 'the two' -> 'both', 'all of them' -> 'all', a bare 'them' / 'these' -> 'them', else None
    ('3 of them' is a quantity of one product)."""
    if BOTH_RE.search(text):
        return "both"
    if ALL_RE.search(text):
        return "all"
    if THEM_RE.search(text) and not QUANTITY_RE.search(text):
        return "them"
    return None


def sort_word(text: str) -> tuple[str, bool] | None:
    """'the cheaper one' -> ('price_asc', True), 'the most expensive' -> ('price_desc', False): the order a
    pick asks for and whether it compares two (a comparative), or None."""
    for pattern, sort, comparative in SORT_WORDS:
        if pattern.search(text):
            return sort, comparative
    return None


def takes(text: str) -> bool:
    """'I'll take the cheaper one', 'I want to buy it': an add in other words."""
    return bool(TAKE_RE.search(text))


def continues(text: str) -> bool:
    """'and the second one', 'also that one': short for the message before, on other products."""
    return bool(CONTINUE_RE.search(text)) and len(text.split()) <= 7


def mentions_cart(text: str) -> bool:
    return bool(re.search(rf"\b{_CART}\b", text, re.IGNORECASE))


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
    return max(1, min(_number(match[1] or match[2] or match[3]), 99))


def _number(word: str) -> int:
    return int(word) if word.isdigit() else NUMBER_WORDS.get(word.lower(), 1)
