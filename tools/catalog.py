"""Catalog tools: `search_products`, `get_product`, `compare_products`, `related_products`.

Every search a tool runs is logged as a UBI query event under a fresh `query_id` (clicks on the products
shown are logged against it), with the session and the shopper's `user_id` (which also personalizes ranking).
"""

from __future__ import annotations

import re
import uuid
from typing import Literal

from langchain_core.tools import StructuredTool
from pydantic import BaseModel, Field

from ranking.query_log import log_search
from retrieval.models import Product, SearchHit, SearchRequest, SearchResponse

from .cards import product_card, reasons_for
from .gifts import age_fits
from .models import Comparison, ComparisonRow, ProductResults
from .shop import Shop

COMPARED_ATTRIBUTES = ("color", "size", "material", "age_range", "piece_count", "pack_count", "dimensions")
# What counts as a match for a shopper (measured on real catalogs, MiniLM cosine of query and product text):
# a product the query's words find (BM25) unless its text is about something else, or one whose text is close
# in meaning. Below both, a product only fills the list: "headphones" in a store without any found a
# microphone at 0.36, "batteries" found batteries at 0.48-0.52 and power banks at 0.33.
MIN_LEXICAL_SIMILARITY = 0.2
MIN_DENSE_SIMILARITY = 0.42
# ...and never far below the best match: "tv wall mounts" found mounts at 0.64-0.66 and, by the word "tv",
# TVs at 0.40; "batteries" kept power banks (0.33 against 0.52).
MAX_GAP_TO_BEST = 0.2
# Where the store has the request's words at all (a BM25 match), products close in meaning to the best match
# count too: short product texts score low ("garden" in a 20-product home store: gloves 0.34 by the word,
# watering cans 0.35-0.39 and pots 0.32 by meaning); a store without the word still needs MIN_DENSE_SIMILARITY.
NEAR_BEST, MIN_NEAR_SIMILARITY = 0.1, 0.28
# A product this close in meaning is the kind asked for by another name ("t-shirt" found tees at 0.51-0.55);
# below it and without the kind's word, only the closest thing ("backpacks" found hoodies at 0.46).
SAME_KIND_SIMILARITY = 0.5
SORT_POOL = 20  # "cheapest first" orders this many of the best matches, not the whole catalog
# A colour or size filter is hard where the catalog states that field for most products and some product
# has the value; where most do not say (a marketplace feed with sizes only in some titles), it would hide the
# products that simply do not say, so the value becomes part of the query and a boost for the products whose
# text states it.
HARD_FILTER_COVERAGE = 0.5
# "500 piece", "6 pack": a count the product's text states, never a size value to filter on.
COUNT_NOT_SIZE = re.compile(r"^\s*\d+\s*(?:pieces?|pcs?|pack|count|ct)\s*$", re.IGNORECASE)
Sort = Literal["relevance", "price_asc", "price_desc", "rating", "newest"]


class SearchProductsArgs(BaseModel):
    query: str = Field(min_length=1, max_length=500, description="Product words, e.g. 'red running shoes'.")
    min_price: float | None = Field(default=None, ge=0)
    max_price: float | None = Field(default=None, ge=0)
    brand: list[str] = Field(default_factory=list, description="Only these brands (any of them).")
    exclude_brand: list[str] = Field(default_factory=list, description="Never these brands.")
    category: str | None = Field(default=None, description="A category name, e.g. 'Running Shoes'.")
    color: str | None = None
    size: str | None = None
    features: list[str] = Field(default_factory=list, description="Wanted features, e.g. 'waterproof'.")
    exclude_terms: list[str] = Field(default_factory=list, description="Words the products must not mention.")
    exclude_ids: list[str] = Field(default_factory=list, description="Products already shown ('show me more').")
    sort: Sort = Field(default="relevance", description="Order of the best matches: relevance, price_asc, "
                                                        "price_desc, rating or newest.")
    age: float | None = Field(default=None, ge=0, le=120, description="The age in years of who it is for (a gift): "
                                                                     "products whose stated age range excludes "
                                                                     "it are left out, those that include it first.")
    browse: bool = Field(default=False, description="A broad request (a gift idea, not a product): show the best "
                                                    "of what the query finds rather than only close matches.")
    whole_category: bool = Field(default=False, description="The query only names the category ('garden' for "
                                                            "'Outdoor'): every product in it is a match.")
    kind: str | None = Field(default=None, max_length=200,
                             description="The kind of product asked for ('jacket' in 'warmer jacket'): when too "
                                         "few products say every word of the query, those that name it.")
    narrowing: bool = Field(default=False, description="The shopper narrowed what was shown to the features "
                                                       "('electric only'): products of another kind, and those "
                                                       "that do not state them, are left out, even when only one "
                                                       "does.")
    same_kind: bool = Field(default=False, description="A refinement of what was shown ('a red one' after pens): "
                                                       "close matches of another kind do not fill the list.")
    k: int = Field(default=5, ge=1, le=20)


def search_products(shop: Shop, args: SearchProductsArgs) -> ProductResults:
    """Products matching the request, best first (or in the order asked), within every hard filter; only
    products that match the words or the meaning of the query, never filler."""
    wanted = max(args.k, SORT_POOL) if args.sort != "relevance" else args.k
    # A value no product has ("16 oz" where sizes are S-XL) is words of the request, like a brand the store
    # does not carry ("Nintendo DS games" from game publishers).
    soft = {name: value for name, value in (("color", args.color), ("size", args.size))
            if value and (shop.search.facet_coverage(name) < HARD_FILTER_COVERAGE or COUNT_NOT_SIZE.search(value)
                          or not shop.search.carries(name, value))}
    brands = [b for b in args.brand if shop.search.carries("brand", b)]
    soft |= {f"brand {b}": b for b in args.brand if b not in brands}
    query = " ".join([args.query, *(v for v in soft.values() if v.lower() not in args.query.lower())])
    # The best `depth` hits are where matches come from; a wider pool only finds the products that say every
    # word asked when the best do not.
    extra = len(args.exclude_ids) + (10 if args.exclude_terms else 0) + 10 * len(soft)
    pool, depth = max(wanted, SORT_POOL), min(wanted + extra, 200)
    request = SearchRequest(
        query=query[:1000], k=min(pool + extra, 200),
        min_price=args.min_price, max_price=args.max_price, brand=brands, exclude_brand=args.exclude_brand,
        category=args.category, color=None if "color" in soft else args.color,
        size=None if "size" in soft else args.size, user_id=shop.session.user_id)
    response = shop.search.search(request)
    skip = set(args.exclude_ids)
    unwanted = [term.lower() for term in args.exclude_terms]
    chosen: list[tuple[SearchHit, Product]] = []
    best = max((hit.dense_similarity for hit in response.results if hit.dense_similarity is not None), default=None)
    worded = any(hit.bm25_rank is not None and is_match(hit, best) for hit in response.results)
    for hit in response.results:
        product = shop.search.get_product(hit.id) \
            if hit.id not in skip and (args.whole_category and args.category or is_match(hit, best, args.browse, worded)) \
            else None
        if product is None or any(term in _text(product) or term in _path(product) for term in unwanted):
            continue
        if args.age is not None and age_fits(product, args.age) is False:
            continue
        chosen.append((hit, product))
        if len(chosen) == pool + 10 * len(soft):
            break
    head_of_kind = args.kind.split()[-1] if args.kind and args.kind.split() else None  # "water bottles": bottle
    # after "chairs", "wooden only" asks for wooden chairs, not the wooden shelves (a first request leaves the kind
    # to the query: the tees are "t-shirts" too)
    of_kind = {hit.id for hit, product in chosen if names_kind(product, head_of_kind)} \
        if args.narrowing and head_of_kind else set()
    unstated: list[str] = []
    wanted_words = [*soft.values(), *args.features]
    if wanted_words:  # the products whose own text states the soft values and features first, in their order
        chosen = sorted(chosen, key=lambda pair: -sum(states(pair[1], value) for value in wanted_words))
        stating_all = [pair for pair in chosen if all(states(pair[1], value) for value in wanted_words)
                       and (not of_kind or pair[0].id in of_kind)]
        # "cordless handsets": where some say it, those that do not are not asked for
        if len(stating_all) >= 2 or (args.narrowing and stating_all):
            chosen = stating_all
        elif args.narrowing and args.features:  # "insulated only" and no bottle says so: the bottles, said plainly
            chosen = [pair for pair in chosen if pair[0].id in of_kind] or chosen
            unstated = [word for word in args.features if not any(states(p, word) for _, p in chosen)]
    if args.age is not None:  # then those that say they suit the age
        chosen = sorted(chosen, key=lambda pair: age_fits(pair[1], args.age) is not True)
    # The products that say every word asked ("iphone 6 case", "Nintendo DS games") are what was asked for: when
    # two or more do, only they (sorted: the cheapest of them); else they come first. "Show me more" after products
    # that all said it: the rest of those (maybe none), not what merely resembles them.
    saying_all = [pair for pair in chosen if states(pair[1], args.query)]
    if len(saying_all) < min(args.k, 2) and args.kind:  # none says "warmer": the jackets are still what is asked
        naming_kind = [pair for pair in chosen if states(pair[1], args.kind)]
        saying_all = naming_kind if len(naming_kind) >= min(args.k, 2) else saying_all
    if len(saying_all) >= min(args.k, 2) or _shown_said_all(shop, args):
        chosen = saying_all
    else:
        best_hits = {hit.id for hit in response.results[:depth]}
        fillers = [pair for pair in chosen if pair[0].id in best_hits and pair not in saying_all]
        if args.same_kind and head_of_kind and any(names_kind(p, head_of_kind) for _, p in saying_all + fillers):
            fillers = [pair for pair in fillers if _is_of_kind(pair, head_of_kind)]  # "a red one": no red journals
        chosen = saying_all + fillers
    chosen = sort_matches(chosen[:wanted], args.sort)[:args.k]
    if args.sort == "relevance":  # what can be bought first; what cannot stays shown, after it
        chosen = sorted(chosen, key=lambda pair: pair[1].in_stock is False)
    query_id = _log(shop, request, response.model_copy(update={"results": [hit for hit, _ in chosen]}))
    # "do you sell backpacks?" where none does: what is shown is only close, and the reply says so
    closest_only = bool(head_of_kind and chosen and not (args.category or args.browse)
                        and not any(_is_of_kind(pair, head_of_kind) for pair in chosen))
    return ProductResults(query_id=query_id, request=request, unstated=unstated, closest_only=closest_only, products=[
        product_card(product, reasons_for(product, request, getattr(hit, "why", []), args.features, shop.today,
                                          says_query=states(product, args.query)))
        for hit, product in chosen])


def _shown_said_all(shop: Shop, args: SearchProductsArgs) -> bool:
    shown = [shop.search.get_product(pid) for pid in args.exclude_ids[-args.k:]]
    return bool(shown) and all(p is not None and states(p, args.query) for p in shown)


def states(product: Product, value: str) -> bool:
    """Whether a product states a value in its attributes or its text: '500 piece' in "500-Piece Puzzle",
    '55 in' in '55" Class TV'."""
    words = _words(value)
    text = _words(" ".join([_text(product), _path(product), *(v for key in product.attributes
                                                              for v in product.attribute_values(key))]))
    return bool(words) and all(word in text for word in words)


def names_kind(product: Product, head: str) -> bool:
    """Whether a product's text names a kind by its head word, compounds included: 'phone' in 'Corded
    Speakerphone', 'chair' in 'Black Armchairs'."""
    wanted = _words(head)
    if len(wanted) != 1:
        return states(product, head)
    word = next(iter(wanted))
    text = _words(" ".join([_text(product), _path(product)]))
    return any(w == word or (len(word) >= 3 and w.endswith(word)) for w in text)


def _is_of_kind(pair: tuple[SearchHit, Product], head: str) -> bool:
    """Named as the kind, or so close in meaning that it is the kind by another name (tees for 't-shirt')."""
    hit, product = pair
    return names_kind(product, head) or (hit.dense_similarity or 0.0) >= SAME_KIND_SIMILARITY


def _words(text: str) -> set[str]:
    """Lower-case words, plurals and inch marks folded: 'Pieces' -> 'piece', '55"' -> '55 in'."""
    text = re.sub(r'(\d)\s*(?:"|”|-?inch(?:es)?\b)', r"\1 in", text.lower())
    return {w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w
            for w in re.findall(r"[a-z0-9]+(?:\.[0-9]+)?", text)}


def is_match(hit: SearchHit, best: float | None = None, browse: bool = False, worded: bool = False) -> bool:
    """Whether a hit is a match for the shopper, not filler: its words or its meaning match, and it is not far
    below the `best` hit's similarity (a hit without a similarity, from a BM25-only search, is a match). When
    browsing (a gift idea), being near the best is enough."""
    if hit.dense_similarity is None:
        return True
    if best is not None and hit.dense_similarity < best - MAX_GAP_TO_BEST:
        return False
    if browse:  # where the store has the words ("she loves gardening"), what is far from the best is filler
        return not worded or hit.bm25_rank is not None or best is None or hit.dense_similarity >= best - NEAR_BEST
    if hit.bm25_rank is not None:
        return hit.dense_similarity >= MIN_LEXICAL_SIMILARITY
    if worded and best is not None and hit.dense_similarity >= max(best - NEAR_BEST, MIN_NEAR_SIMILARITY):
        return True  # the store has the words; this one is as close in meaning as the best
    return hit.dense_similarity >= MIN_DENSE_SIMILARITY


def sort_matches(chosen: list[tuple[SearchHit, Product]], sort: Sort) -> list[tuple[SearchHit, Product]]:
    """The matches in the order asked; products without the value sorted on go last, in relevance order."""
    if sort == "relevance":
        return chosen
    key = {
        "price_asc": lambda p: p.price,
        "price_desc": lambda p: -p.price if p.price is not None else None,
        "rating": lambda p: (-p.rating, -p.review_count) if p.rating is not None else None,
        "newest": lambda p: -p.launched_at.toordinal() if p.launched_at is not None else None,
    }[sort]
    known = [(hit, p) for hit, p in chosen if key(p) is not None]
    return sorted(known, key=lambda pair: key(pair[1])) + [(hit, p) for hit, p in chosen if key(p) is None]


def get_product(shop: Shop, product_id: str) -> Product:
    return shop.product(product_id)


def compare_products(shop: Shop, product_ids: list[str]) -> Comparison:
    """The products side by side: one row per attribute, `same` when every product has the same value."""
    products = [shop.product(pid) for pid in dict.fromkeys(product_ids)]
    rows = [
        _row("price", [f"${p.price:,.2f}" if p.price is not None else None for p in products]),
        _row("rating", [f"{p.rating:.1f} stars ({p.review_count:,} reviews)" if p.rating is not None else None
                        for p in products]),
        _row("brand", [p.brand for p in products]),
        *(_row(name, [", ".join(p.attribute_values(name)) or None for p in products])
          for name in COMPARED_ATTRIBUTES),
        _row("features", [", ".join(p.tags) or None for p in products]),
        _row("only its title says", distinct_title_words(products)),
        _row("in stock", ["yes" if p.in_stock else "no" for p in products]),
    ]
    return Comparison(products=[product_card(p) for p in products],
                      rows=[row for row in rows if any(value is not None for value in row.values)])


def distinct_title_words(products: list[Product], most: int = 4) -> list[str | None]:
    """Per product, the words of its title that no other compared title has (its brand aside): what sets it
    apart in its own words ('cordless, 20-piece' against 'corded')."""
    known = {t.lower() for p in products for t in re.findall(r"\w+", " ".join([p.brand or "", *(
        v for key in COMPARED_ATTRIBUTES for v in p.attribute_values(key))]))}  # said in their own rows
    words = [[w for w in re.findall(r"[A-Za-z0-9][\w.'-]*", p.title) if w.lower() not in known]
             for p in products]
    seen = [{w.lower() for w in title} for title in words]
    distinct = []
    for i, title in enumerate(words):
        others = set().union(*(seen[:i] + seen[i + 1:]))
        unique = [w for w in dict.fromkeys(title) if w.lower() not in others and len(w) > 1]
        distinct.append(", ".join(unique[:most]) or None)
    return distinct


def related_products(shop: Shop, product_id: str, k: int = 4) -> ProductResults:
    """Complements of a product: the best match in each *other* category next to it, the sibling categories
    of the same aisle first (a tent: sleeping bags, camping chairs), then the rest of its department
    (backpacks, headlamps). Found through search, so the same filters, ranking and logging apply."""
    anchor = shop.product(product_id)
    levels = anchor.category
    if len(levels) < 2:
        return ProductResults()
    leaf, picked, seen_leaves = levels[-1], [], {levels[-1]}
    for scope in (levels[-2], levels[0]) if len(levels) > 2 else (levels[0],):
        request = SearchRequest(query=f"{scope} {' '.join(anchor.tags[:2])}".strip(), category=scope, k=100,
                                user_id=shop.session.user_id)
        for hit in shop.search.search(request).results:
            hit_leaf = hit.category[-1] if hit.category else leaf
            if hit_leaf not in seen_leaves:
                seen_leaves.add(hit_leaf)
                picked.append(hit)
            if len(picked) == k:
                break
        if len(picked) == k:
            break
    request = SearchRequest(query=f"goes with {anchor.title}"[:1000], k=max(len(picked), 1),
                            user_id=shop.session.user_id)
    query_id = _log(shop, request, SearchResponse(query=request.query, mode="hybrid", results=picked,
                                                  latency_ms=0.0))
    products = [(hit, shop.search.get_product(hit.id)) for hit in picked]
    return ProductResults(query_id=query_id, products=[
        product_card(p, [f"goes with your {_noun(anchor)}", *reasons_for(p, None, getattr(hit, "why", []),
                                                                          today=shop.today)][:2])
        for hit, p in products if p is not None])


def _noun(product: Product) -> str:
    """The product's kind, singular: 'Tents' -> 'tent' (category names are plural nouns)."""
    noun = product.category[-1].lower() if product.category else "item"
    return noun[:-1] if noun.endswith("s") and not noun.endswith("ss") else noun


def _row(attribute: str, values: list[str | None]) -> ComparisonRow:
    return ComparisonRow(attribute=attribute, values=values, same=len({str(v).lower() for v in values}) == 1)


def _text(product: Product) -> str:
    return " ".join([product.title, product.description, *product.tags]).lower()


def _path(product: Product) -> str:
    """The category path as words: "not apparel" leaves out what the store files under 'Apparel'."""
    return " > ".join(product.category).lower()


def _log(shop: Shop, request: SearchRequest, response: SearchResponse) -> str | None:
    if not shop.log_searches:
        return None
    response.query_id = uuid.uuid4().hex
    log_search(shop.events, request, response, shop.session.id, marks=shop.search_marks)
    return response.query_id


class ProductIdArgs(BaseModel):
    product_id: str = Field(min_length=1, description="A product id from earlier results, e.g. 'OUT-000123'.")


class CompareArgs(BaseModel):
    product_ids: list[str] = Field(min_length=2, max_length=4, description="Two to four product ids.")


class RelatedArgs(BaseModel):
    product_id: str = Field(min_length=1, description="The product to find complements for.")
    k: int = Field(default=4, ge=1, le=10)


def search_products_tool(shop: Shop) -> StructuredTool:
    return StructuredTool.from_function(
        lambda **fields: search_products(shop, SearchProductsArgs(**fields)), name="search_products",
        args_schema=SearchProductsArgs,
        description="Search the store's catalog. Prices, brands, category, colour and size are hard filters: "
                    "results never break them. Returns products with the reasons they fit.")


def get_product_tool(shop: Shop) -> StructuredTool:
    return StructuredTool.from_function(
        lambda product_id: get_product(shop, product_id), name="get_product", args_schema=ProductIdArgs,
        description="Everything the catalog says about one product: description, attributes, rating, reviews.")


def compare_products_tool(shop: Shop) -> StructuredTool:
    return StructuredTool.from_function(
        lambda product_ids: compare_products(shop, product_ids), name="compare_products", args_schema=CompareArgs,
        description="Compare products side by side: price, rating, brand, colour, size, material, features.")


def related_products_tool(shop: Shop) -> StructuredTool:
    return StructuredTool.from_function(
        lambda product_id, k=4: related_products(shop, product_id, k), name="related_products",
        args_schema=RelatedArgs,
        description="Products that go with a product (complements from neighbouring categories).")
