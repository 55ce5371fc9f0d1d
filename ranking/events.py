"""Behaviour events for the CTR ranker, in the shape of OpenSearch User Behavior Insights (UBI).

Two kinds, told apart by an explicit `type` tag:

- a **query** event (`type: "query"`): one search, `query_id` plus what was asked (UBI's `ubi_queries`);
- an **interaction** event (`type: "interaction"`): an impression, click, add to cart or purchase of one
  product, linked to the search that showed it by `query_id` (UBI's `ubi_events`).

Why an explicit tag rather than "has an `action_name`": pydantic then validates an event against one model
only, so a bad event gets one precise message naming its field (not a failure listed per model), and a
typo such as `"action": "click"` is an error instead of silently turning the event into a query.

`event_id` makes posting idempotent. Clients should send one (a UUID made when the event happens). When it
is missing it is derived from the event's content (a hash of every other field), so retrying the same
post stores the event once; the price is that two events identical in every field, timestamp included,
count as one. `timestamp` is therefore required (a server-side "now" would change on every retry);
a naive timestamp means UTC, and all timestamps are stored in UTC.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from typing import Annotated, Any, Literal

from pydantic import (AfterValidator, BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, ValidationInfo,
                      field_validator, model_validator)

ActionName = Literal["impression", "click", "add_to_cart", "purchase"]
# No NUL: PostgreSQL text cannot hold it, and no real identifier contains one (a 422, not a 500, there).
def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain a NUL character")
    return value


Id = Annotated[str, Field(min_length=1, max_length=256), AfterValidator(_no_nul)]


class _EventBase(BaseModel):
    model_config = ConfigDict(extra="forbid")

    event_id: Id | None = Field(default=None, description="Idempotence key; derived from the content if absent.")
    client_id: Id | None = Field(default=None, description="The browser or app install.")
    user_id: Id | None = None
    session_id: Id | None = None
    timestamp: datetime = Field(description="When it happened; ISO 8601 or epoch. Naive means UTC.")

    @field_validator("timestamp")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)

    @model_validator(mode="after")
    def _derive_event_id(self) -> _EventBase:
        if self.event_id is None:
            content = json.dumps(self.model_dump(mode="json", exclude={"event_id"}), sort_keys=True)
            self.event_id = "sha256:" + hashlib.sha256(content.encode()).hexdigest()[:32]
        return self


class QueryEvent(_EventBase):
    """A search as the user made it (UBI `ubi_queries`)."""

    type: Literal["query"]
    query_id: Id
    user_query: str = Field(max_length=1000)
    query_attributes: dict[str, Any] = Field(default_factory=dict, description="Filters, mode, k, ...")
    query_response_hit_ids: list[str] = Field(default_factory=list, description="Product ids shown, best first.")


class InteractionEvent(_EventBase):
    """Something the user did with one product (UBI `ubi_events`)."""

    type: Literal["interaction"]
    action_name: ActionName
    query_id: Id | None = Field(default=None, description="The search that showed the product, if any.")
    object_id: Id = Field(description="The product id.")
    object_id_field: str = "product_id"
    # validate_default: the "required for impressions" check must also run when position is left out.
    position: int | None = Field(default=None, ge=1, validate_default=True,
                                 description="1-based rank in the results; required for impressions.")

    @field_validator("position")
    @classmethod
    def _impressions_have_a_position(cls, value: int | None, info: ValidationInfo) -> int | None:
        if value is None and info.data.get("action_name") == "impression":
            raise ValueError("required for impression events")
        return value


Event = Annotated[QueryEvent | InteractionEvent, Field(discriminator="type")]
_EVENT = TypeAdapter(Event)


def parse_event(data: object) -> QueryEvent | InteractionEvent:
    """Validate one decoded JSON event; raises pydantic's ValidationError."""
    return _EVENT.validate_python(data)


def error_fields(exc: ValidationError) -> list[tuple[str, str]]:
    """(field, message) per error, the field as a dotted path inside the event ("position", "timestamp")."""
    found = []
    for error in exc.errors():
        loc = list(error["loc"])
        if loc and loc[0] in ("query", "interaction"):
            loc = loc[1:]  # pydantic puts the union's tag first; it is not a field
        elif not loc and error["type"].startswith("union_tag"):
            loc = ["type"]  # missing or unknown tag: pydantic reports it with no location
        found.append((".".join(map(str, loc)), error["msg"].removeprefix("Value error, ")))
    return found


class Rejection(BaseModel):
    index: int = Field(description="0-based position of the event in the request (a line number in the CLI).")
    field: str
    message: str = Field(description="Every problem of the event, each as 'field: message'.")
    reason: str = Field(default="", exclude=True, description="The problem with `field` alone (not serialized).")


class EventsReport(BaseModel):
    """What `POST /v1/events` and `shopassist events import` answer."""

    accepted: int = Field(description="Newly stored events.")
    duplicates: int = Field(description="Valid events whose event_id was already stored (or repeated).")
    flagged: int = Field(default=0, description="Valid interactions that do not refer to a search this server "
                                                "issued to their session or user: stored, never learnt from.")
    rejected: list[Rejection] = Field(default_factory=list)


def validate_events(items: list[object], prefix: str = "") -> tuple[list[QueryEvent | InteractionEvent],
                                                                     list[Rejection]]:
    """Split items into valid events and rejections; fields are named `<prefix>.<index>.<field>`
    when a prefix is given (a batch), or just `<field>` (a single event)."""
    events, rejected = [], []
    for index, item in enumerate(items):
        try:
            events.append(parse_event(item))
        except ValidationError as exc:
            where = f"{prefix}.{index}" if prefix else ""
            errors = [(".".join(p for p in (where, field) if p) or "event", message)
                      for field, message in error_fields(exc)]
            (field, first), *others = errors
            rejected.append(Rejection(index=index, field=field,
                                      message="; ".join(f"{f}: {m}" for f, m in errors),
                                      reason="; ".join([first, *(f"{f}: {m}" for f, m in others)])))
    return events, rejected
