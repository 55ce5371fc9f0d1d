"""Training data for the CTR ranker: impression rows from the event log, split by time.

One row per product shown by one search (an `impression` event), joined with that search's query text and
labelled by what the shopper then did with the product in that search:

    clicked  1 if there was a click (the CTR label), else 0
    grade    0 nothing, 1 click, 2 add to cart, 3 purchase (the strongest action; NDCG's graded relevance)

Outcomes belong to their search: a click is attributed to the query's timestamp, the moment a ranker would
have had to score the product.

The split is by TIME, never at random, because the ranker is always trained on the past and served on the
future: searches are ordered by (timestamp, query_id); the first 70% are train, the next 15% validation, the
last 15% test. Each cut is a timestamp, and every search at or after it goes to the later part, so the
three periods never overlap and all impressions of one search stay together. Nothing here is random; the
only seed is the simulator's, when the log is synthetic.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from retrieval.catalog import CatalogHome
from retrieval.models import Product

from . import screening
from .event_store import EventStore
from .events import InteractionEvent, QueryEvent
from .report import ExclusionReport

TRAIN_SHARE = 0.70
VALIDATION_SHARE = 0.15  # the remaining 0.15 is test
GRADES = {"click": 1, "add_to_cart": 2, "purchase": 3}
AgentTraffic = Literal["include", "exclude"]


@dataclass(frozen=True, slots=True)
class Impression:
    query_id: str
    user_id: str | None  # the search's user_id, else its client_id (an anonymous browser)
    timestamp: datetime  # the search's, not the impression's
    query_text: str
    product_id: str
    position: int  # 1-based
    clicked: int = 0
    grade: int = 0


@dataclass(frozen=True)
class Split:
    train: list[Impression]
    validation: list[Impression]
    test: list[Impression]
    validation_start: datetime  # train: timestamp < validation_start
    test_start: datetime  # validation: validation_start <= timestamp < test_start; test: the rest


def is_agent_traffic(query: QueryEvent) -> bool:
    """A search an outside agent made (assistant/ucp marks its query events `traffic: agent`)."""
    return query.query_attributes.get("traffic") == "agent"


def load_impressions(store: EventStore, since: datetime | None = None, until: datetime | None = None,
                     screen: bool = True, exclusions: ExclusionReport | None = None,
                     agent_traffic: AgentTraffic = "exclude") -> list[Impression]:
    """Impression rows of the searches made in [since, until), oldest search first, positions in order.

    Agent traffic (searches marked `traffic: agent`, with every interaction on them) is kept apart: left out
    with `agent_traffic="exclude"` (the default: agents browse differently from shoppers), learnt from like
    shoppers' with "include". With `screen` (the default), only interactions on searches this server issued,
    and none of the bot-like patterns screening.py finds; what was left out is copied into `exclusions` when
    given."""
    if agent_traffic not in ("include", "exclude"):
        raise ValueError(f"agent_traffic: 'include' or 'exclude', not {agent_traffic!r}")
    queries: dict[str, QueryEvent] = {}
    interactions: list[InteractionEvent] = []
    for event in store.iter_events(since=since):
        if isinstance(event, QueryEvent):
            # A client may post a query event under an issued query_id: the server's own (event_id ==
            # query_id, see query_log.py) is never replaced by it.
            own = queries.get(event.query_id)
            if (until is None or event.timestamp < until) and (
                    own is None or not screen or own.event_id != own.query_id):
                queries[event.query_id] = event
        elif isinstance(event, InteractionEvent) and event.query_id in queries and event.position:
            # Interactions whose search is outside the window (before `since`) are skipped with it.
            interactions.append(event)
    agent = {query_id for query_id, query in queries.items() if is_agent_traffic(query)}
    agent_interactions = sum(1 for event in interactions if event.query_id in agent)
    if agent_traffic == "exclude":
        interactions = [event for event in interactions if event.query_id not in agent]
        queries = {query_id: query for query_id, query in queries.items() if query_id not in agent}
    if screen:
        interactions, report = screening.screen(queries, interactions, store.issued())
        if exclusions is not None:
            for name in ExclusionReport.model_fields:
                setattr(exclusions, name, getattr(report, name))
    if exclusions is not None:
        exclusions.agent_traffic = agent_traffic
        exclusions.agent_searches = len(agent)
        exclusions.agent_interactions = agent_interactions
    shown: dict[tuple[str, int], str] = {}
    grades: dict[tuple[str, int], int] = {}
    for event in interactions:
        key = (event.query_id, event.position)
        if event.action_name == "impression":
            shown[key] = event.object_id
        else:
            grades[key] = max(grades.get(key, 0), GRADES[event.action_name])
    rows = []
    for (query_id, position), product_id in shown.items():
        query = queries[query_id]
        grade = grades.get((query_id, position), 0)
        rows.append(Impression(query_id=query_id, user_id=query.user_id or query.client_id,
                               timestamp=query.timestamp, query_text=query.user_query, product_id=product_id,
                               position=position, clicked=int(grade > 0), grade=grade))
    rows.sort(key=lambda r: (r.timestamp, r.query_id, r.position))
    return rows


def split_by_time(rows: list[Impression], train_share: float = TRAIN_SHARE,
                  validation_share: float = VALIDATION_SHARE) -> Split:
    """Train / validation / test by search time (see the module docstring); needs at least 3 searches."""
    searches = sorted({(r.timestamp, r.query_id) for r in rows})
    if len(searches) < 3:
        raise ValueError("need at least 3 searches to split by time")
    n = len(searches)
    # Clamp so that each part starts with at least one search of its own.
    validation_start = searches[min(max(int(n * train_share), 1), n - 2)][0]
    test_start = searches[min(max(int(n * (train_share + validation_share)), 2), n - 1)][0]
    return Split(train=[r for r in rows if r.timestamp < validation_start],
                 validation=[r for r in rows if validation_start <= r.timestamp < test_start],
                 test=[r for r in rows if r.timestamp >= test_start],
                 validation_start=validation_start, test_start=test_start)


def load_products(home: CatalogHome) -> dict[str, Product]:
    """Every product of the serving catalog version, by id."""
    version = home.open_active()
    if version is None:
        raise ValueError("no catalog is serving: run `shopassist ingest FEED` or `shopassist demo --no-serve`")
    try:
        return {p.id: p for p in version.products.iter_products()}
    finally:
        version.close()
