"""Searches become UBI query events, so the clicks a front end logs against `query_id` have their search."""

from __future__ import annotations

import logging
from datetime import datetime, timezone

from retrieval.models import SearchRequest, SearchResponse

from .event_store import EventStore
from .events import QueryEvent
from .privacy import redact

log = logging.getLogger(__name__)


def log_search(store: EventStore, request: SearchRequest, response: SearchResponse,
               session_id: str | None = None, client_key: str | None = None, marks: dict | None = None) -> None:
    """Record the search (with the ids shown) under `response.query_id`, as issued by this server to this
    session, user or client (`client_key`, a hash of the caller's address): the clicks training learns from
    must refer to such a search. `marks` go into its query_attributes (an outside agent's searches carry
    `traffic: agent`). A storage problem is logged and never fails the search itself."""
    attributes = {**request.model_dump(mode="json", exclude={"query", "user_id"}, exclude_defaults=True),
                  **(marks or {})}
    try:
        store.issue([QueryEvent(
            type="query", event_id=response.query_id, query_id=response.query_id, user_id=request.user_id,
            session_id=session_id, user_query=redact(request.query), timestamp=datetime.now(timezone.utc),
            query_attributes={**attributes, "mode": request.mode, "k": request.k},
            query_response_hit_ids=[hit.id for hit in response.results])], client_key=client_key)
    except Exception:  # noqa: BLE001 - logged, and the search answer still goes out
        log.warning("could not log the query event for %s", response.query_id, exc_info=True)
