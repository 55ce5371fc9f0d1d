"""A SYNTHETIC click log: simulated shoppers search the current catalog and click, cart and buy.

Bootstrap data for the CTR ranker before real traffic exists. Each shopper has latent preferences (a
favourite department, 1-2 brands, a price band, maybe a colour); they search with templated queries over the
catalog's own vocabulary, see the real Retriever's top 10, and act through a position-biased cascade:

    P(click at position p) = examined(p) * attractiveness(product | query, shopper)

`examined(p) = 1 / p ** 0.7`, and after a click the shopper stops reading with probability 0.5.
Attractiveness is true relevance (the product type and the asked colour/brand) times the shopper's
preferences (brand, price band, colour), with lognormal noise. Carts and purchases follow from clicks.

Everything is marked synthetic: `client_id="simulator"` on every event, `query_attributes.synthetic = true`
on every query, and ids prefixed `sim-<seed>-`. The same seed and catalog give identical events, ids and
timestamps included: time runs over the `days` before `end` (default: the day after the newest product's
launch date), never the wall clock.
"""

from __future__ import annotations

import math
import random
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Literal

from pydantic import BaseModel, Field

from retrieval.demo.taxonomy import DEPARTMENTS
from retrieval.models import Product, SearchHit, SearchRequest
from retrieval.search import Retriever

from .event_store import EventStore
from .events import QueryEvent, validate_events

CLIENT_ID = "simulator"
TOP_K = 10
BATCH = 1000
FALLBACK_END = date(2026, 11, 2)  # a catalog with no launch dates still gets a fixed, reproducible clock

EXAMINATION_DECAY = 0.7
STOP_AFTER_CLICK = 0.5
BASE_ATTRACTION = 0.35
NOISE_SIGMA = 0.3
CART_RATE = 0.15
PURCHASE_RATE = 0.5
IN_DEPARTMENT_RATE = 0.8  # share of a shopper's queries in their favourite department

PriceBand = Literal["budget", "mid", "premium"]
BANDS: tuple[PriceBand, ...] = ("budget", "mid", "premium")
# The demo taxonomy's synonyms ("trainers" for running shoes) make some queries realistic and lexically hard.
SYNONYMS = {t.name: t.synonyms for d in DEPARTMENTS for t in d.types}


class ShopperProfile(BaseModel):
    """A simulated shopper's latent preferences: the ground truth a ranker should learn."""

    user_id: str
    department: str
    brands: list[str]
    price_band: PriceBand = Field(description="Tercile of the product type's prices the shopper prefers.")
    color: str | None = None


class SimulationReport(BaseModel):
    """What `simulate` wrote, its click statistics and the planted preferences. All of it is synthetic."""

    synthetic: bool = True
    seed: int
    start: datetime
    end: datetime
    users: int
    sessions: int
    queries: int
    impressions: int
    clicks: int
    add_to_carts: int
    purchases: int
    ctr: float = Field(description="clicks / impressions")
    ctr_by_position: dict[int, float] = Field(description="Position (1-based) -> clicks / impressions there.")
    accepted: int = Field(description="Events newly stored.")
    duplicates: int = Field(description="Events already in the store (a re-run of the same seed).")
    shoppers: list[ShopperProfile]


def simulate(retriever: Retriever, store: EventStore, users: int, sessions: int, seed: int = 0,
             days: int = 30, end: date | None = None, search=None) -> SimulationReport:
    """Simulate `sessions` shopping sessions by `users` shoppers and store their events in `store`.

    `search` (anything with `.search(SearchRequest)`, e.g. ranking.serving.RankedSearch) shows the shoppers
    its results instead of plain retrieval's, with their user_id, so a ranker can be measured in the loop."""
    if users < 1 or sessions < 0 or days < 1:
        raise ValueError("need users >= 1, sessions >= 0 and days >= 1")
    catalog = _Catalog.load(retriever)
    if not catalog.types:
        raise ValueError("the catalog has no categorised products to simulate shoppers over")
    rng = random.Random(seed)
    end_at = datetime.combine(end or catalog.end_date(), time(), tzinfo=timezone.utc)
    start_at = end_at - timedelta(days=days)
    shoppers = [_draw_shopper(rng, catalog, f"sim-{seed}-u{i:04d}") for i in range(users)]
    world = _World(rng, catalog, search or retriever, seed, start_at, days, personalized=search is not None)
    writer = _Writer(store)
    for number in range(sessions):
        writer.extend(world.session(number, rng.choice(shoppers)))
    writer.flush()

    stats, shown, clicked = world.stats, world.shown_at, world.clicked_at
    return SimulationReport(
        seed=seed, start=start_at, end=end_at, users=users, sessions=sessions, queries=stats["queries"],
        impressions=stats["impression"], clicks=stats["click"], add_to_carts=stats["add_to_cart"],
        purchases=stats["purchase"], ctr=round(stats["click"] / max(stats["impression"], 1), 4),
        ctr_by_position={p: round(clicked[p] / shown[p], 4) if shown[p] else 0.0 for p in range(1, TOP_K + 1)},
        accepted=writer.accepted, duplicates=writer.duplicates, shoppers=[s.profile for s in shoppers])


def format_report(report: SimulationReport) -> str:
    """The summary `shopassist simulate` prints: totals, then CTR per position (position bias shows here)."""
    lines = [f"SYNTHETIC click log (seed {report.seed}, {report.start:%Y-%m-%d} to {report.end:%Y-%m-%d})",
             f"users {report.users}  sessions {report.sessions}  queries {report.queries}",
             f"impressions {report.impressions}  clicks {report.clicks}  add_to_carts {report.add_to_carts}  "
             f"purchases {report.purchases}  CTR {report.ctr:.3f}",
             f"stored {report.accepted} new events ({report.duplicates} already present)",
             "position  CTR"]
    lines += [f"{position:>8}  {ctr:.3f}" for position, ctr in report.ctr_by_position.items()]
    return "\n".join(lines)


# ---------------------------------------------------------------- the catalog as shoppers see it


@dataclass
class _Type:
    """One product type (a category leaf) and what queries about it can mention."""

    name: str
    category: tuple[str, ...]
    brands: list[str]
    colors: list[str]
    price_cuts: tuple[float, float]  # the 1/3 and 2/3 price quantiles: budget | mid | premium

    @property
    def department(self) -> str:
        return self.category[0]


@dataclass
class _Catalog:
    products: dict[str, Product]
    types: dict[str, _Type]
    launched: date | None

    @classmethod
    def load(cls, retriever: Retriever) -> _Catalog:
        version = retriever.home.open_active()
        if version is None:
            raise ValueError("no catalog is serving: run `shopassist ingest FEED` or `shopassist demo --no-serve`")
        try:
            products = {p.id: p for p in version.products.iter_products() if p.category}
        finally:
            version.close()
        grouped: dict[str, list[Product]] = {}
        for product in products.values():
            grouped.setdefault(product.category[-1], []).append(product)
        types = {name: _describe_type(name, members) for name, members in sorted(grouped.items())}
        launches = [p.launched_at for p in products.values() if p.launched_at]
        return cls(products, types, max(launches) if launches else None)

    def end_date(self) -> date:
        return self.launched + timedelta(days=1) if self.launched else FALLBACK_END

    def departments(self) -> list[str]:
        return sorted({t.department for t in self.types.values()})


def _describe_type(name: str, members: list[Product]) -> _Type:
    prices = sorted(p.price for p in members if p.price is not None)
    cuts = (_quantile(prices, 1 / 3), _quantile(prices, 2 / 3)) if prices else (0.0, 0.0)
    colors = Counter(c for p in members for c in p.attribute_values("color"))
    return _Type(name=name, category=tuple(members[0].category),
                 brands=sorted({p.brand for p in members if p.brand}),
                 colors=sorted(c for c, n in colors.items() if n >= 2),  # a colour query must find something
                 price_cuts=cuts)


def _quantile(values: list[float], q: float) -> float:
    return values[min(int(q * len(values)), len(values) - 1)]


def _band(product: Product, ptype: _Type | None) -> int | None:
    if product.price is None or ptype is None:
        return None
    return bisect_right(ptype.price_cuts, product.price)


# ---------------------------------------------------------------- shoppers, queries, behaviour


@dataclass
class _Shopper:
    profile: ShopperProfile
    band: int  # index into BANDS

    @property
    def user_id(self) -> str:
        return self.profile.user_id


@dataclass
class _Query:
    text: str
    ptype: _Type
    color: str | None = None
    brand: str | None = None
    max_price: float | None = None
    template: str = "type"


def _draw_shopper(rng: random.Random, catalog: _Catalog, user_id: str) -> _Shopper:
    department = rng.choice(catalog.departments())
    in_department = [t for t in catalog.types.values() if t.department == department]
    brands = sorted({b for t in in_department for b in t.brands})
    colors = sorted({c for t in in_department for c in t.colors})
    band = rng.randrange(len(BANDS))
    profile = ShopperProfile(
        user_id=user_id, department=department,
        brands=sorted(rng.sample(brands, min(len(brands), rng.randint(1, 2)))),
        price_band=BANDS[band],
        color=rng.choice(colors) if colors and rng.random() < 0.6 else None)
    return _Shopper(profile, band)


def _draw_query(rng: random.Random, catalog: _Catalog, shopper: _Shopper) -> _Query:
    """A templated query, mostly for a type in the shopper's department, shaped by their preferences."""
    profile = shopper.profile
    types = list(catalog.types.values())
    if rng.random() < IN_DEPARTMENT_RATE:
        types = [t for t in types if t.department == profile.department]
    ptype = rng.choice(types)
    noun = ptype.name.lower()
    template = rng.choices(("type", "color", "brand", "price", "synonym"), (0.35, 0.2, 0.15, 0.15, 0.15))[0]
    if template == "color" and ptype.colors:
        color = profile.color if profile.color in ptype.colors else rng.choice(ptype.colors)
        return _Query(f"{color} {noun}", ptype, color=color, template=template)
    brand = next((b for b in profile.brands if b in ptype.brands), None)
    if template == "brand" and brand:
        return _Query(f"{brand} {noun}", ptype, brand=brand, template=template)
    if template == "price" and shopper.band < 2 and ptype.price_cuts[shopper.band] > 0:
        # A budget shopper caps at the type's lower tercile, a mid one at the upper, rounded up to $10.
        limit = float(math.ceil(ptype.price_cuts[shopper.band] / 10) * 10)
        return _Query(f"{noun} under ${limit:.0f}", ptype, max_price=limit, template=template)
    if template == "synonym" and SYNONYMS.get(ptype.name):
        return _Query(rng.choice(SYNONYMS[ptype.name]), ptype, template=template)
    return _Query(noun, ptype)


class _World:
    """Runs sessions against the real Retriever and turns what the shoppers do into UBI event dicts."""

    def __init__(self, rng: random.Random, catalog: _Catalog, retriever: Retriever, seed: int,
                 start: datetime, days: int, personalized: bool = False):
        self.rng, self.catalog, self.retriever = rng, catalog, retriever
        self.personalized = personalized  # results depend on the shopper (and may explore): never cached
        self.seed, self.start, self.seconds = seed, start, days * 86400
        self.results: dict[tuple[str, float | None], list[SearchHit]] = {}  # retrieval is deterministic
        self.stats: Counter = Counter()  # queries and events by action_name
        self.shown_at: Counter = Counter()  # impressions by position
        self.clicked_at: Counter = Counter()
        self.query_number = 0

    def session(self, number: int, shopper: _Shopper) -> Iterator[dict[str, Any]]:
        rng = self.rng
        session_id = f"sim-{self.seed}-s{number:06d}"
        # Whole seconds, at most an hour before the window ends, so every event falls inside it.
        moment = self.start + timedelta(seconds=rng.randrange(max(self.seconds - 3600, 1)))
        for _ in range(1 + min(int(rng.expovariate(1.0)), 3)):  # 1-4 searches, most sessions just one
            yield from self._search(shopper, session_id, _draw_query(rng, self.catalog, shopper), moment)
            moment += timedelta(seconds=rng.randint(30, 240))

    def _search(self, shopper: _Shopper, session_id: str, query: _Query,
                moment: datetime) -> Iterator[dict[str, Any]]:
        rng = self.rng
        self.query_number += 1
        query_id = f"sim-{self.seed}-q{self.query_number:07d}"
        hits = self._retrieve(query, shopper.user_id)
        common = {"client_id": CLIENT_ID, "user_id": shopper.user_id, "session_id": session_id,
                  "query_id": query_id}
        self.stats["queries"] += 1
        attributes = {"synthetic": True, "template": query.template, "k": TOP_K}
        if query.max_price is not None:
            attributes["max_price"] = query.max_price
        yield {"type": "query", "event_id": query_id, "timestamp": moment.isoformat(),
               "user_query": query.text, "query_attributes": attributes,
               "query_response_hit_ids": [h.id for h in hits], **common}

        def interaction(action: str, hit_id: str, position: int, at: datetime) -> dict[str, Any]:
            self.stats[action] += 1
            return {"type": "interaction", "event_id": f"{query_id}-{action}-{position}", "action_name": action,
                    "object_id": hit_id, "position": position, "timestamp": at.isoformat(), **common}

        seen = moment + timedelta(seconds=1)
        for position, hit in enumerate(hits, start=1):
            self.shown_at[position] += 1
            yield interaction("impression", hit.id, position, seen)
        clock = seen
        for position, hit in enumerate(hits, start=1):
            if rng.random() >= position ** -EXAMINATION_DECAY:
                continue
            product = self.catalog.products[hit.id]
            affinity = _affinity(product, shopper, self.catalog)
            attraction = BASE_ATTRACTION * _relevance(product, query) * affinity
            if rng.random() >= min(attraction * rng.lognormvariate(0, NOISE_SIGMA), 0.95):
                continue
            clock += timedelta(seconds=rng.randint(3, 40))
            self.clicked_at[position] += 1
            yield interaction("click", hit.id, position, clock)
            if rng.random() < min(CART_RATE * affinity, 0.9):  # preferred items are carted more often
                yield interaction("add_to_cart", hit.id, position, clock + timedelta(seconds=rng.randint(20, 120)))
                if rng.random() < PURCHASE_RATE:
                    yield interaction("purchase", hit.id, position, clock + timedelta(seconds=rng.randint(180, 900)))
            if rng.random() < STOP_AFTER_CLICK:
                break

    def _retrieve(self, query: _Query, user_id: str) -> list[SearchHit]:
        if self.personalized:
            request = SearchRequest(query=query.text, k=TOP_K, max_price=query.max_price, user_id=user_id)
            return [h for h in self.retriever.search(request).results if h.id in self.catalog.products]
        key = (query.text, query.max_price)
        if key not in self.results:
            request = SearchRequest(query=query.text, k=TOP_K, max_price=query.max_price)
            # A product missing from the snapshot loaded above (an ingest since) cannot be judged; skip it.
            self.results[key] = [h for h in self.retriever.search(request).results if h.id in self.catalog.products]
        return self.results[key]


def _relevance(product: Product, query: _Query) -> float:
    """True relevance: the asked-for type, else its sibling types; colour and brand asked for must match."""
    if product.category[-1] == query.ptype.name:
        score = 1.0
    elif tuple(product.category[:2]) == query.ptype.category[:2]:
        score = 0.3
    else:
        score = 0.05
    if query.color and query.color not in product.attribute_values("color"):
        score *= 0.4
    if query.brand and product.brand != query.brand:
        score *= 0.4
    return score


def _affinity(product: Product, shopper: _Shopper, catalog: _Catalog) -> float:
    """How much this shopper likes the product regardless of the query: brand, price band, colour."""
    profile = shopper.profile
    score = 2.5 if product.brand in profile.brands else 1.0
    band = _band(product, catalog.types.get(product.category[-1]))
    if band is not None:
        score *= (1.6, 1.0, 0.6)[abs(band - shopper.band)]
    if profile.color and profile.color in product.attribute_values("color"):
        score *= 1.5
    return score


@dataclass
class _Writer:
    """Sends event dicts through the API's path, `validate_events` then `store.add`, in batches."""

    store: EventStore
    pending: list[dict[str, Any]] = field(default_factory=list)
    accepted: int = 0
    duplicates: int = 0

    def extend(self, events: Iterator[dict[str, Any]]) -> None:
        for event in events:
            self.pending.append(event)
            if len(self.pending) >= BATCH:
                self.flush()

    def flush(self) -> None:
        events, rejected = validate_events(self.pending)
        if rejected:  # the simulator built these itself, so a rejection is a bug here, not bad input
            raise ValueError(f"simulator produced an invalid event: {rejected[0].message}")
        # The simulated searches are the server's own (as log_search's are): they are issued, so training
        # accepts the simulated shoppers' clicks on them (ranking/screening.py).
        queries = [e for e in events if isinstance(e, QueryEvent)]
        for added in (self.store.issue(queries), self.store.add([e for e in events if not isinstance(e, QueryEvent)])):
            self.accepted += added.accepted
            self.duplicates += added.duplicates
        self.pending = []


# ---------------------------------------------------------------- a click-fraud attack, for the screening tests


class AttackReport(BaseModel):
    """What `simulate_click_attack` posted. All of it is SYNTHETIC."""

    synthetic: bool = True
    product_id: str
    query: str
    position: int | None = Field(description="Where the server showed the product for the query (None: not shown).")
    clients: int
    clicks: int
    unissued: int = Field(description="Clicks on query ids the attacker made up (with its own query events).")
    without_impression: int = Field(description="Clicks on searches the server ran, with no impression.")
    on_issued: int = Field(description="Clicks on searches the server ran, after impressions of what it showed.")


def simulate_click_attack(store: EventStore, product_id: str, query: str, hits: list[str], start: datetime,
                          days: float, clients: int = 4, clicks: int = 5000, seed: int = 0) -> AttackReport:
    """A few clients post `clicks` fake clicks for one product, three ways: a fifth on made-up query ids (with
    query and impression events they post themselves), a fifth on real searches without impressions, the
    rest on real searches after impressions of exactly what the server showed (`hits`, the server's results
    for `query`). The real searches are recorded as issued to each client's address (as /v1/search records
    them), anonymous; the posted events rotate made-up client and user ids. Time runs over `days` from
    `start`, every 20 seconds or so per client."""
    rng = random.Random(seed)
    position = hits.index(product_id) + 1 if product_id in hits else None
    unissued, without = clicks // 5, clicks // 5
    step = days * 86400 / clicks
    issued_queries: list[QueryEvent] = []
    issued_by: list[str] = []
    posted: list[dict[str, Any]] = []
    for number in range(clicks):
        client = number % clients
        moment = start + timedelta(seconds=number * step + rng.random() * step / 2)
        query_id = f"atk-{seed}-q{number:06d}"
        ids = {"client_id": f"atk-{rng.randrange(10**9)}", "user_id": f"atk-user-{rng.randrange(10**9)}"}
        if number < unissued:
            posted.append({"type": "query", "query_id": query_id, "user_query": query, "timestamp": moment.isoformat(),
                           "query_response_hit_ids": hits, **ids})
        else:
            issued_queries.append(QueryEvent(type="query", event_id=query_id, query_id=query_id, user_query=query,
                                             timestamp=moment, query_response_hit_ids=hits,
                                             query_attributes={"synthetic": True, "attack": True}))
            issued_by.append(f"attacker-{client}")
        if number < unissued or number >= unissued + without:
            posted += [{"type": "interaction", "action_name": "impression", "query_id": query_id, "object_id": hit,
                        "position": p, "timestamp": (moment + timedelta(seconds=1)).isoformat(), **ids}
                       for p, hit in enumerate(hits, start=1)]
        posted.append({"type": "interaction", "action_name": "click", "query_id": query_id, "object_id": product_id,
                       "position": position or 1, "timestamp": (moment + timedelta(seconds=3)).isoformat(), **ids})
    for client in range(clients):
        store.issue([q for q, who in zip(issued_queries, issued_by) if who == f"attacker-{client}"],
                    client_key=f"attacker-{client}")
    for begin in range(0, len(posted), BATCH):
        events, rejected = validate_events(posted[begin:begin + BATCH])
        if rejected:
            raise ValueError(f"attack produced an invalid event: {rejected[0].message}")
        store.add(events)
    return AttackReport(product_id=product_id, query=query, position=position, clients=clients, clicks=clicks,
                        unissued=unissued, without_impression=without, on_issued=clicks - unissued - without)
