"""Features for the CTR ranker: one vector per (user, request, product), columns in FEATURES order.

    intent_price       +1 price inside the range the parsed intent asks for, -1 outside, 0 nothing asked
    intent_brand       +1 / -1 / 0 likewise: the product's brand is one of the asked brands
    intent_color       ... the product comes in the asked colour
    intent_size        ... the product comes in the asked size
    intent_category    ... the asked category (or product type) is one of the product's category levels
    text_match         idf-weighted share of query words found in title, brand and categories (BM25-ish), 0..1
    price_vs_category  log(price / median price of the product's leaf category); 0 when unknown
    rating             stars; the catalog mean when missing
    log_reviews        log(1 + review_count)
    popularity         log clicks-over-expected-clicks in training, smoothed (0 = average or unseen)
    query_popularity   the same for this product in searches with the same words (templated queries repeat)
    recency            log(1 + days from launch to the search); a year when unknown
    user_brand         log lift of this user's clicks on the product's brand over their own click level
    user_category      ... on its leaf category
    user_price_band    ... on its price band (tercile of its leaf category's prices)
    user_color         ... on its colours (the best of them)
    log_position       log(position): last and apart, see below

The intent columns need the logged query texts parsed into Intents (retrieval/intent.py). Parsing is the
assistant's job, so whoever builds a FeatureContext hands in a `QueryParser` for the catalog in use (the
assistant's `assistant.intent.query_parser(products)`); ranking never imports the assistant.

Leakage: everything learnt from behaviour (the position click curve, popularity, user affinities) is fitted
by `fit_context` on the TRAINING rows only, and `featurize` never reads a row's label, so validation and
test rows are described only by what was known when their period began. Catalog facts (prices, ratings,
category medians) are not behaviour and are read as the catalog has them.
The training rows themselves must not be described by tables that counted their own clicks (a model would
learn "popularity predicts clicks" from the memorised labels, then find it much weaker on the future), so
`featurize_training` gives them out-of-fold values: the tables are refitted without the row's own fold of
searches.

Position bias: shoppers click the top of a list whatever it holds. Counts are therefore in clicks over
EXPECTED clicks (the training click rate at each shown position), and position is its own column, so a
model can learn it while training and be served with a constant there (see baselines.py).
"""

from __future__ import annotations

import math
import random
import re
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

import numpy as np

from retrieval.intent import Intent
from retrieval.models import Product

from .dataset import Impression

FEATURES = ("intent_price", "intent_brand", "intent_color", "intent_size", "intent_category", "text_match",
            "price_vs_category", "rating", "log_reviews", "popularity", "query_popularity", "recency",
            "user_brand", "user_category", "user_price_band", "user_color", "log_position")
POSITION_COLUMN = FEATURES.index("log_position")
HEAD_FEATURES = [name for name in FEATURES if name != "log_position"]  # the ranker's position has its own tower
FOLDS = 5
SEED = 0  # assigns searches to folds
SMOOTHING = 5.0  # pseudo expected clicks pulling sparse counts towards "no different from average"
UNKNOWN_AGE_DAYS = 365

QueryParser = Callable[[str], Intent]  # a query text -> what it asks for, in the catalog's own terms


@dataclass
class FeatureContext:
    """What `featurize` needs: catalog tables, and behaviour tables from the training rows only."""

    products: dict[str, Product]
    parse_query: QueryParser
    idf: dict[str, float]
    words: dict[str, frozenset[str]]  # product id -> words of title, brand and categories
    category_median: dict[str, float]
    price_cuts: dict[str, tuple[float, float]]  # leaf category -> 1/3 and 2/3 price quantiles
    mean_rating: float
    # Behaviour tables, filled by _fit_behaviour; each value is a log smoothed clicks / expected clicks.
    popularity: dict[str, float] = field(default_factory=dict)  # product id
    query_popularity: dict[tuple[str, str], float] = field(default_factory=dict)  # (query words, product id)
    user_lift: dict[tuple[str, str, str], float] = field(default_factory=dict)  # (user, kind, value)
    intents: dict[str, Intent] = field(default_factory=dict)  # query text -> parsed intent, a cache


def fit_context(train: list[Impression], products: dict[str, Product], parse_query: QueryParser) -> FeatureContext:
    """Catalog tables from `products`, behaviour tables from `train` (and nothing else); `parse_query`
    reads the query texts of the rows to featurize."""
    words = {pid: frozenset(_words(" ".join([p.title, p.brand or "", *p.category]))) for pid, p in products.items()}
    document_frequency = Counter(w for ws in words.values() for w in ws)
    idf = {w: math.log((len(words) + 1) / (df + 0.5)) for w, df in document_frequency.items()}
    prices: dict[str, list[float]] = defaultdict(list)
    for product in products.values():
        if product.price is not None and product.category:
            prices[product.category[-1]].append(product.price)
    ratings = [p.rating for p in products.values() if p.rating is not None]
    context = FeatureContext(
        products=products, parse_query=parse_query, idf=idf, words=words,
        category_median={c: float(np.median(v)) for c, v in prices.items()},
        price_cuts={c: (float(np.quantile(v, 1 / 3)), float(np.quantile(v, 2 / 3))) for c, v in prices.items()},
        mean_rating=float(np.mean(ratings)) if ratings else 0.0)
    _fit_behaviour(context, train)
    return context


def featurize(rows: Iterable[Impression], context: FeatureContext) -> np.ndarray:
    """The (rows x FEATURES) float matrix; labels are never read. Every row's product must be in the context."""
    return np.array([_vector(row, context) for row in rows], dtype=np.float64).reshape(-1, len(FEATURES))


def featurize_training(train: list[Impression], context: FeatureContext, folds: int = FOLDS,
                       seed: int = SEED) -> np.ndarray:
    """`featurize(train)`, but each row's behaviour features come from the OTHER folds of training searches
    (all impressions of one search share a fold, since its clicks are not independent)."""
    query_ids = sorted({r.query_id for r in train})
    random.Random(seed).shuffle(query_ids)
    fold_of = {query_id: i % folds for i, query_id in enumerate(query_ids)}
    X = np.empty((len(train), len(FEATURES)))
    for fold in range(folds):
        inside = [i for i, r in enumerate(train) if fold_of[r.query_id] == fold]
        held_out = replace(context)  # same catalog tables (and intent cache), behaviour refitted below
        _fit_behaviour(held_out, [r for r in train if fold_of[r.query_id] != fold])
        X[inside] = featurize([train[i] for i in inside], held_out)
    return X


def product_keys(product: Product, context: FeatureContext) -> list[tuple[str, str]]:
    """The (kind, value) pairs a user's affinity is kept for: brand, leaf category, price band, colours."""
    keys = []
    if product.brand:
        keys.append(("brand", product.brand))
    if product.category:
        keys.append(("category", product.category[-1]))
        cuts = context.price_cuts.get(product.category[-1])
        if cuts and product.price is not None:
            keys.append(("price_band", str(bisect_right(cuts, product.price))))
    keys += [("color", color) for color in product.attribute_values("color")]
    return keys


# ---------------------------------------------------------------- behaviour tables (training rows only)


def _fit_behaviour(context: FeatureContext, train: list[Impression]) -> None:
    shown, clicks = Counter(r.position for r in train), Counter(r.position for r in train if r.clicked)
    overall = sum(clicks.values()) / max(len(train), 1)
    # Expected clicks of one impression: the training click rate at its position (a cheap examination model).
    expected_at = {p: clicks[p] / shown[p] for p in shown}
    item_clicks, item_expected = Counter(), Counter()
    pair_clicks, pair_expected = Counter(), Counter()
    user_clicks, user_expected = Counter(), Counter()
    key_clicks, key_expected = Counter(), Counter()
    for row in train:
        product = context.products.get(row.product_id)
        expected = expected_at.get(row.position, overall)
        item_clicks[row.product_id] += row.clicked
        item_expected[row.product_id] += expected
        pair = (_query_key(row.query_text), row.product_id)
        pair_clicks[pair] += row.clicked
        pair_expected[pair] += expected
        if row.user_id is None or product is None:
            continue
        user_clicks[row.user_id] += row.clicked
        user_expected[row.user_id] += expected
        for kind, value in product_keys(product, context):
            key_clicks[row.user_id, kind, value] += row.clicked
            key_expected[row.user_id, kind, value] += expected
    context.popularity = {pid: _log_ratio(item_clicks[pid], item_expected[pid]) for pid in item_expected}
    context.query_popularity = {pair: _log_ratio(pair_clicks[pair], pair_expected[pair]) for pair in pair_expected}
    # A lift is relative to the user's own level, so a heavy clicker does not like everything.
    level = {u: math.exp(_log_ratio(user_clicks[u], user_expected[u])) for u in user_expected}
    context.user_lift = {key: _log_ratio(key_clicks[key], key_expected[key] * level[key[0]])
                         for key in key_expected}


def _log_ratio(clicks: float, expected: float) -> float:
    return math.log((clicks + SMOOTHING) / (expected + SMOOTHING))


# ---------------------------------------------------------------- one row


def _vector(row: Impression, context: FeatureContext) -> list[float]:
    product = context.products[row.product_id]
    intent = context.intents.get(row.query_text)
    if intent is None:
        intent = context.intents[row.query_text] = context.parse_query(row.query_text)
    return [*_intent_matches(intent, product), _text_match(row.query_text, row.product_id, context),
            *_product_features(product, row, context), *_user_features(product, row, context),
            math.log(row.position)]


def _intent_matches(intent: Intent, product: Product) -> list[float]:
    def match(asked: bool, holds: bool) -> float:
        return 0.0 if not asked else (1.0 if holds else -1.0)

    low, high = intent.price.min, intent.price.max
    price_asked = (low is not None or high is not None) and product.price is not None
    in_range = price_asked and (low is None or product.price >= low) and (high is None or product.price <= high)
    brands = {b.lower() for b in intent.brands}
    color, size = intent.attributes.get("color"), intent.attributes.get("size")
    category = (intent.category or intent.product_type or "").lower()
    return [match(price_asked, in_range),
            match(bool(brands), (product.brand or "").lower() in brands),
            match(bool(color), color is not None and color.lower() in product.attribute_values("color")),
            match(bool(size), size is not None and size.lower() in product.attribute_values("size")),
            match(bool(category), category in {c.lower() for c in product.category})]


def _text_match(query: str, product_id: str, context: FeatureContext) -> float:
    asked = set(_words(query))
    total = sum(context.idf.get(w, 0.0) for w in asked)
    found = sum(context.idf.get(w, 0.0) for w in asked & context.words[product_id])
    return found / total if total else 0.0


def _product_features(product: Product, row: Impression, context: FeatureContext) -> list[float]:
    median = context.category_median.get(product.category[-1]) if product.category else None
    relative = math.log(product.price / median) if product.price and median else 0.0
    rating = product.rating if product.rating is not None else context.mean_rating
    days = (row.timestamp.date() - product.launched_at).days if product.launched_at else UNKNOWN_AGE_DAYS
    return [relative, rating, math.log1p(product.review_count), context.popularity.get(product.id, 0.0),
            context.query_popularity.get((_query_key(row.query_text), product.id), 0.0), math.log1p(max(days, 0))]


def _user_features(product: Product, row: Impression, context: FeatureContext) -> list[float]:
    lifts: dict[str, float] = {}
    for kind, value in product_keys(product, context):
        lift = context.user_lift.get((row.user_id, kind, value), 0.0)
        lifts[kind] = max(lifts.get(kind, lift), lift)  # several colours: the one the user likes best
    return [lifts.get(kind, 0.0) for kind in ("brand", "category", "price_band", "color")]


def _query_key(text: str) -> str:
    return " ".join(sorted(set(_words(text))))


def _words(text: str) -> list[str]:
    # A crude plural fold ("shoes" ~ "shoe") is enough for an overlap feature.
    return [w[:-1] if len(w) > 3 and w.endswith("s") else w for w in re.findall(r"[a-z0-9]+", text.lower())]
