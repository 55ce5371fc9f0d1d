"""`POST /v1/events`: behaviour events (UBI-shaped), one or a batch; each invalid one is reported by field."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body
from fastapi.responses import JSONResponse

from ranking.events import EventsReport, validate_events
from ranking.screening import flagged

from ..identity import verify_identity
from ..metrics import METRICS
from .auth import ShopperDoor
from .dependencies import EventsDep, ServicesDep
from .errors import unprocessable

router = APIRouter(tags=["events"])

MAX_EVENTS_PER_REQUEST = 1000
EVENT_EXAMPLES = {
    "batch": {"summary": "A batch", "value": {"events": [
        {"type": "interaction", "action_name": "impression", "query_id": "5f0c...", "object_id": "SHO-00042",
         "position": 1, "client_id": "c-81", "session_id": "s-12", "timestamp": "2026-11-24T10:15:00Z"},
        {"type": "interaction", "action_name": "click", "query_id": "5f0c...", "object_id": "SHO-00042",
         "position": 1, "client_id": "c-81", "session_id": "s-12", "timestamp": "2026-11-24T10:15:04Z"}]}},
    "single": {"summary": "One event", "value": {
        "type": "query", "query_id": "5f0c...", "user_query": "red running shoes", "client_id": "c-81",
        "timestamp": "2026-11-24T10:14:59Z"}},
}


@router.post("/v1/events", response_model=EventsReport, responses={
    207: {"model": EventsReport, "description": "Some events stored, the others listed in `rejected`"},
    422: {"description": "Nothing in the request was a valid event, or the body is not a JSON object"}},
    dependencies=[ShopperDoor])
def post_events(events: EventsDep, services: ServicesDep,
                payload: Any = Body(openapi_examples=EVENT_EXAMPLES)) -> JSONResponse:
    """Store behaviour events (UBI-shaped): one event object, or `{"events": [...]}` (up to 1000).

    Valid events are stored even when others in the batch are not; 200 when all were valid, 207 when
    some were rejected, 422 when none was. Re-posting an event with the same `event_id` (or, without
    one, the same content) is counted as a duplicate and stored once. `user_id` is a signed identity token
    (as on /v1/chat): the verified id is stored, an unsigned or invalid one is dropped.
    """
    if not isinstance(payload, dict):
        return unprocessable([("body", 'expected a JSON object: one event, or {"events": [...]}')])
    if "events" in payload:
        items = payload["events"]
        if set(payload) != {"events"}:
            extra = sorted(set(payload) - {"events"})
            return unprocessable([(extra[0], 'not allowed next to "events" (a batch has only "events")')])
        if not isinstance(items, list) or not items:
            return unprocessable([("events", "expected a non-empty list of events")])
        if len(items) > MAX_EVENTS_PER_REQUEST:
            return unprocessable([("events", f"at most {MAX_EVENTS_PER_REQUEST} events per request")])
        valid, rejected = validate_events(items, prefix="events")
    else:
        valid, rejected = validate_events([payload])
    if not valid:
        return unprocessable([(r.field, r.reason) for r in rejected])
    secret = services.settings.identity_secret  # personalization learns from these: only signed identities
    valid = [event.model_copy(update={"user_id": verify_identity(event.user_id, secret)}) for event in valid]
    added = events.add(valid)
    issued = events.issued(e.query_id for e in valid if e.type == "interaction")
    report = EventsReport(accepted=added.accepted, duplicates=added.duplicates, rejected=rejected,
                          flagged=flagged(valid, issued))
    METRICS.inc("shopassist_events_accepted_total", report.accepted)
    METRICS.inc("shopassist_events_flagged_total", report.flagged)
    return JSONResponse(status_code=207 if rejected else 200, content=report.model_dump())
