"""Which products an add-to-cart message means, beyond "the second one" and "it":

| the message | the products |
|---|---|
| a product id, "the first and the third" | those shown there |
| "the cheaper one", "the cheaper of the two" | the cheaper of the two talked about last (compared, or asked about one by one), else of the two shown |
| "the cheapest journal", "the best rated one" | the first, in that order, of the products shown that the words name; none shown: of the catalog's |
| "both", "the two" | the two talked about last, else the two shown |
| "all of them" | every product shown |
| "them", "these" | as "both" when two were talked about or shown, else the product in focus ("add 10 of them": a quantity of it) |
| "the black one", "a wooden shelf too", "two more shelves" | the one product whose title, brand, category or attributes have every naming word: among those shown, then those talked about, then the cart, then a catalog search |
| "it", nothing | the product in focus, else the top pick shown (`RouteContext.referenced`) |

When the words fit several products, or a comparison has no two products to compare, the message is ambiguous:
`Targets.ask` holds the products it could mean, and the route asks which instead of guessing."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from retrieval.intent import Intent
from retrieval.models import Product
from tools.catalog import sort_matches

from .. import cues
from .context import RouteContext

CATALOG_LOOKUP = 10  # search results looked through for a product named by words

# Words of a cart message that name no product (what the shopper says around the name).
NOT_NAMES = frozenset("""remove delete drop take out get rid of from my the a an cart basket bag trolley order it that
this one ones them these those please make change set update quantity qty to just only want need i don't dont do not
anymore any more in number amount and items item ok okay actually can you could would pairs pair units unit pieces
piece increase decrease reduce lower raise bump instead zero two three four five six seven eight nine ten first second
third fourth fifth last other now also back again thanks thank too really sorry all add put into onto shopping i'll
i'd i'm ill id im let's lets will like love buy purchase grab go with for me us we yes yeah yep sure great perfect
cool nice good fine then same well as both each every another extra cheaper cheapest expensive most least priciest
pricier dearer dearest lower lowest higher highest priced price rated best better top newest newer latest reviewed
of is are was be have has there here what which think guess maybe also plus oh hey hi so right couple few some
several dozen half lot lots bunch thing things stuff product products ahead sounds looks that's it's lovely awesome
excellent""".split())

_WORD = re.compile(r"[a-z0-9][a-z0-9'-]*")
_OF_THEM = re.compile(r"\bof\s+(?:them|these|those)\b", re.IGNORECASE)
_THE_X_ONE = re.compile(r"\b(?:the|that|this)\s+(?:[\w'-]+\s+){1,3}ones?\b", re.IGNORECASE)  # "the black one"
_SPELLINGS = {"gray": "grey", "colour": "color"}


@dataclass
class Targets:
    products: list[Product] = field(default_factory=list)  # what the message means; empty when not told
    ask: list[Product] = field(default_factory=list)  # the products it could mean: ask which
    unknown: str = ""  # the words of a product nothing matched ("a kayak")


def naming_words(text: str) -> list[str]:
    """The words of a cart message that could name a product: 'add a wooden shelf too' -> ['wooden', 'shelf']."""
    return [w for w in _WORD.findall(text.lower().replace("’", "'"))
            if w not in NOT_NAMES and not w.isdigit() and len(w) > 1]


def forms(word: str) -> set[str]:
    """The word and its possible singulars: 'shelves' -> {'shelves', 'shelve', 'shelf', ...}."""
    word = _SPELLINGS.get(word, word)
    found = {word}
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        found.add(word[:-1])
        if word.endswith("es"):
            found.add(word[:-2])
        if word.endswith("ies"):
            found.add(word[:-3] + "y")
        if word.endswith("ves"):
            found |= {word[:-3] + "f", word[:-3] + "fe"}
    return found


def product_words(product: Product) -> set[str]:
    values: list[str] = [product.title, product.brand or "", *product.category]
    for value in product.attributes.values():
        values += [str(v) for v in value] if isinstance(value, list) else [str(value)]
    return {form for w in _WORD.findall(" ".join(values).lower()) for form in forms(w)}


def names(product: Product, words: Iterable[str]) -> bool:
    """Whether every word is one of the product's own (title, brand, category, attribute values)."""
    own = product_words(product)
    return all(forms(w) & own for w in words)


def add_targets(context: RouteContext, intent: Intent, text: str) -> Targets:
    session = context.session
    if intent.reference and intent.reference.product_id:
        product = context.product(intent.reference.product_id)
        return Targets([product] if product else [])
    shown = _products(context, session.shown_ids)
    positions = cues.ordinals(cues.BOTH_RE.sub(" ", cues.FIRST_N_RE.sub(_keep_first_n, text)))
    if positions:  # "the first and the third"
        if all(n != 0 and -len(shown) <= n <= len(shown) for n in positions):
            return Targets(list({shown[n - 1 if n > 0 else n].id: shown[n - 1 if n > 0 else n]
                                 for n in positions}.values()))
        return Targets()
    if intent.reference and intent.reference.ordinal is not None:
        return Targets()  # a position among products that are not (or no longer) shown
    words = naming_words(text)
    order = cues.sort_word(text)
    if order is not None:
        return _pick(context, shown, words, *order)
    several = cues.group(text)
    if several is not None:
        return _several(context, shown, several)
    if words:
        pronoun = cues.points_at_one(text)  # "add this lamp", "add it in blue"
        one = bool(_THE_X_ONE.search(text))  # "the black one": one of those shown, not a catalog search
        found = _named(context, shown, words, lookup=not (pronoun or one))
        if found.products or found.ask:
            return found
        if not pronoun:  # words that fit nothing: ask (among those shown, for "the blue one")
            return Targets(ask=shown) if one else found
    if session.focus_id and _OF_THEM.search(text):  # "add 10 of them": a quantity of the product in focus
        product = context.product(session.focus_id)
        return Targets([product] if product else [])
    product = context.referenced(intent, text, default_to_only=True)
    if product is None and cues.points_at_one(text) and shown:
        product = shown[0]  # "add it" after a list: its top pick
    return Targets([product] if product else [])


def _keep_first_n(match: re.Match) -> str:
    """'first two' stays a position; 'them' / 'both' / 'the two' are groups, not positions."""
    return match[0] if match[1] else " "


def _products(context: RouteContext, ids: Iterable[str]) -> list[Product]:
    return [p for p in (context.product(pid) for pid in dict.fromkeys(ids)) if p is not None]


def _pair(context: RouteContext, shown: list[Product]) -> list[Product] | None:
    """The two products talked about last (compared, or asked about one after the other), else the two shown."""
    mentioned = _products(context, context.session.mentioned_ids)
    if len(mentioned) >= 2:
        pair = mentioned[-2:]
        position = {p.id: n for n, p in enumerate(shown)}
        if all(p.id in position for p in pair):
            pair.sort(key=lambda p: position[p.id])  # in the order shown, else in the order talked about
        return pair
    return shown if len(shown) == 2 else None


def _not_in_cart(context: RouteContext, products: list[Product]) -> list[Product]:
    """'Add both' when one of them is in the cart already: the other (not a second of that one)."""
    held = {line.product_id for line in context.session.cart.lines}
    return [p for p in products if p.id not in held] or products


def _pick(context: RouteContext, shown: list[Product], words: list[str], sort: str, comparative: bool) -> Targets:
    """'the cheaper one' (of two), 'the cheapest journal' (of those shown that the words name, else the catalog's)."""
    if comparative:
        pool = _pair(context, shown)
        if pool is None:
            return Targets(ask=shown)
    else:
        pool = shown
    named = [p for p in pool if names(p, words)] if words else pool
    if not named and words and not comparative:
        named = _catalog(context, words, sort)
    ordered = [p for _, p in sort_matches([(None, p) for p in named], sort)]  # unknown values last
    if not ordered or _value(ordered[0], sort) is None:
        return Targets(ask=named, unknown=" ".join(words) if words and not named else "")
    return Targets([ordered[0]])


def _value(product: Product, sort: str):
    return {"price_asc": product.price, "price_desc": product.price, "rating": product.rating,
            "newest": product.launched_at}.get(sort)


def _several(context: RouteContext, shown: list[Product], several: str) -> Targets:
    if several == "all":
        return Targets(_not_in_cart(context, shown))
    pair = _pair(context, shown)
    if pair is not None:
        return Targets(_not_in_cart(context, pair))
    if several == "them":  # "add them" after one product talked about, or one shown
        focus = context.product(context.session.focus_id) if context.session.focus_id else None
        if focus is not None or len(shown) == 1:
            return Targets([focus or shown[0]])
    return Targets(ask=shown)


def _named(context: RouteContext, shown: list[Product], words: list[str], lookup: bool = True) -> Targets:
    """The one product every naming word fits: among those shown, then those talked about, then the cart's lines,
    then (`lookup`: the message names a product, "a wooden shelf", rather than pointing at one, "the blue one") a
    catalog search; several fit: ask which."""
    session = context.session
    pools = (shown, _products(context, session.mentioned_ids),
             _products(context, (line.product_id for line in session.cart.lines)))
    for pool in pools:
        fits = [p for p in pool if names(p, words)]
        if fits:
            return Targets(fits) if len(fits) == 1 else Targets(ask=fits)
    fits = _catalog(context, words) if lookup else []
    if len(fits) == 1:
        return Targets(fits)
    return Targets(ask=fits[:context.results], unknown="" if fits else " ".join(words))


def _catalog(context: RouteContext, words: list[str], sort: str = "relevance") -> list[Product]:
    """Products of a catalog search for the words that every word fits (a confident match, not a close one)."""
    results = context.search(Intent(action="search", query=" ".join(words), sort=sort), k=CATALOG_LOOKUP)
    return [p for p in _products(context, (card.id for card in results.products)) if names(p, words)]
