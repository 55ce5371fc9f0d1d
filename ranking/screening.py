"""What training may learn from: interactions screened against the searches the server issued and against
bot-like patterns, so that a script posting thousands of clicks cannot teach the ranker.

Every accepted event stays stored; screening only decides what `load_impressions` hands to training, and
reports what it left out (`ExclusionReport`, printed by `shopassist train-ranker` and saved in ranker.json):

- `unissued_query`: the interaction names a query_id this server never issued (the search was not run here:
  a made-up id, or a query event the client posted itself);
- `other_session`: the search was issued to another session or user than the interaction says;
- `not_shown`: an impression of a product the issued search did not show at that position, or a click, cart
  or purchase with no such impression before it (clicks without impressions);
- `dominating`: the actor (the search's user, else session, else client address) made at least
  `dominance_min` of a product's positive interactions and at least `dominance_share` of them: one client
  dominating a product. All of that actor's searches are left out;
- `burst`: the actor made more than `burst_max` positive interactions within `burst_seconds`: all of their
  searches are left out;
- `over_hourly_cap`: the actor's searches with positive interactions beyond `max_searches_per_hour` in one hour
  (server time of the search);
- `over_product_cap`: an actor's searches with a positive interaction on one product beyond
  `max_per_product_per_day` in one day.

A search left out is left out whole (its impressions too), so the rows training sees stay consistent.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timezone

from .event_store import IssuedQuery
from .events import InteractionEvent, QueryEvent
from .report import ExclusionReport

REASONS = ("unissued_query", "other_session", "not_shown", "dominating", "burst", "over_hourly_cap",
           "over_product_cap")


@dataclass(frozen=True)
class ScreeningPolicy:
    dominance_min: int = 10
    dominance_share: float = 0.2
    burst_seconds: int = 60
    burst_max: int = 20
    max_searches_per_hour: int = 30
    max_per_product_per_day: int = 3


def actor_of(query: QueryEvent, issued: IssuedQuery | None) -> str:
    """Who made the search: the server's record first (a client cannot choose it), then the event's ids."""
    if issued is not None:
        for kind, value in (("user", issued.user_id), ("session", issued.session_id), ("client", issued.client_key)):
            if value:
                return f"{kind}:{value}"
    for kind, value in (("user", query.user_id), ("session", query.session_id), ("client", query.client_id)):
        if value:
            return f"{kind}:{value}"
    return f"search:{query.query_id}"


def binding_problem(event: InteractionEvent, issued: IssuedQuery | None) -> str | None:
    """Why an interaction does not refer to a search this server issued to its session or user, or None."""
    if issued is None:
        return "unissued_query"
    if issued.session_id and event.session_id != issued.session_id:
        return "other_session"
    if issued.user_id and event.user_id and event.user_id != issued.user_id:
        return "other_session"
    return None


def flagged(events: list, issued: dict[str, IssuedQuery]) -> int:
    """How many of these interactions do not refer to a search issued to their session or user: they are
    stored (an accepted event is never lost) and flagged, and training leaves them out."""
    return sum(1 for e in events if isinstance(e, InteractionEvent) and binding_problem(e, issued.get(e.query_id)))


def client_key(address: str | None) -> str | None:
    """Who a client is when a search has no session or user: a short hash of its network address."""
    import hashlib

    return "ip-" + hashlib.sha256(address.encode()).hexdigest()[:16] if address else None


def screen(queries: dict[str, QueryEvent], interactions: list[InteractionEvent], issued: dict[str, IssuedQuery],
           policy: ScreeningPolicy | None = None) -> tuple[list[InteractionEvent], ExclusionReport]:
    """The interactions training may use (in their order) and what was left out, by reason."""
    policy = policy or ScreeningPolicy()
    excluded: Counter = Counter()
    products: Counter = Counter()  # positive interactions left out, by product
    flagged: dict[str, str] = {}

    def drop(event: InteractionEvent, reason: str) -> None:
        excluded[reason] += 1
        if event.action_name != "impression":
            products[event.object_id] += 1

    # 1. Each interaction on its own: an issued search, its session, what it showed.
    kept: list[InteractionEvent] = []
    shown: set[tuple[str, int, str]] = set()
    for event in interactions:
        reason = binding_problem(event, issued.get(event.query_id))
        if reason is None and event.action_name == "impression":
            hits = queries[event.query_id].query_response_hit_ids
            if hits and (event.position > len(hits) or hits[event.position - 1] != event.object_id):
                reason = "not_shown"
            else:
                shown.add((event.query_id, event.position, event.object_id))
        if reason:
            drop(event, reason)
        else:
            kept.append(event)
    screened = []
    for event in kept:
        if event.action_name != "impression" and (event.query_id, event.position, event.object_id) not in shown:
            drop(event, "not_shown")
        else:
            screened.append(event)

    # 2. Patterns across searches, per actor: positives counted once per search and product.
    positives = [e for e in screened if e.action_name != "impression"]
    actor = {q: actor_of(queries[q], issued.get(q)) for q in {e.query_id for e in screened}}
    per_search_product = {(e.query_id, e.object_id) for e in positives}
    by_product: Counter = Counter(product for _, product in per_search_product)
    by_actor_product: Counter = Counter((actor[q], product) for q, product in per_search_product)
    for (who, product), count in sorted(by_actor_product.items()):
        if count >= policy.dominance_min and count >= policy.dominance_share * by_product[product]:
            flagged.setdefault(who, "dominating")
    times: dict[str, list[float]] = defaultdict(list)
    for event in positives:
        times[actor[event.query_id]].append(event.timestamp.timestamp())
    for who, moments in sorted(times.items()):
        moments.sort()
        start = 0
        for end, moment in enumerate(moments):
            while moment - moments[start] > policy.burst_seconds:
                start += 1
            if end - start + 1 > policy.burst_max:
                flagged.setdefault(who, "burst")
                break

    dropped_searches: dict[str, str] = {q: flagged[who] for q, who in actor.items() if who in flagged}
    # Caps, in search order (server time): the searches beyond them are left out.
    searches = sorted({e.query_id for e in positives if e.query_id not in dropped_searches},
                      key=lambda q: (_search_time(queries[q], issued.get(q)), q))
    products_of: dict[str, set[str]] = defaultdict(set)
    for q, product in per_search_product:
        products_of[q].add(product)
    per_hour: Counter = Counter()
    per_day: Counter = Counter()
    for q in searches:
        moment = _search_time(queries[q], issued.get(q))
        who = actor[q]
        hour = (who, moment.strftime("%Y-%m-%dT%H"))
        days = [(who, product, moment.date()) for product in sorted(products_of[q])]
        if per_hour[hour] >= policy.max_searches_per_hour:
            dropped_searches[q] = "over_hourly_cap"
        elif any(per_day[day] >= policy.max_per_product_per_day for day in days):
            dropped_searches[q] = "over_product_cap"
        else:
            per_hour[hour] += 1
            for day in days:
                per_day[day] += 1

    final = []
    for event in screened:
        reason = dropped_searches.get(event.query_id)
        if reason:
            drop(event, reason)
        else:
            final.append(event)
    report = ExclusionReport(
        interactions=len(interactions), kept=len(final),
        excluded={reason: excluded[reason] for reason in REASONS if excluded[reason]},
        searches_dropped=len(dropped_searches), flagged_actors=dict(sorted(flagged.items())[:20]),
        products=dict(products.most_common(10)))
    return final, report


def _search_time(query: QueryEvent, issued: IssuedQuery | None) -> datetime:
    """The server's clock for an issued search; the event's own otherwise."""
    if issued is not None:
        return datetime.fromtimestamp(issued.ts_us / 1e6, tz=timezone.utc)
    return query.timestamp
