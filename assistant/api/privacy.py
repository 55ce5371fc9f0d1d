"""A shopper's data over HTTP, for the store's back office (admin key): `GET /v1/privacy/users/{user_id}`
exports what is held, `DELETE /v1/privacy/users/{user_id}` forgets it (assistant/privacy.py; the same as
`shopassist privacy export|forget --user ID`). `user_id` is the store's own id for the shopper (the one it signs
into identity tokens), not a token."""

from __future__ import annotations

from fastapi import APIRouter, Path
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from ..privacy import export_user, forget_user
from .auth import AdminDoor
from .dependencies import ServicesDep

router = APIRouter(tags=["privacy"])

UserId = Path(min_length=1, max_length=256, description="The store's id for the shopper.")


class UserExport(BaseModel):
    user_id: str
    events: list[dict] = Field(description="Behaviour events: the shopper's, and interactions on their searches.")
    sessions: list[dict] = Field(description="Stored chat sessions (history, cart), messages already redacted.")
    affinities: dict[str, list[dict]] = Field(description="Per trained ranker: the shopper's learnt affinities.")


class Forgotten(BaseModel):
    user_id: str
    removed: dict[str, int] = Field(description="Rows deleted: events, issued_queries, sessions, affinities.")


@router.get("/v1/privacy/users/{user_id}", response_model=UserExport, dependencies=[AdminDoor])
async def export(services: ServicesDep, user_id: str = UserId) -> UserExport:
    """Everything held about the shopper."""
    return UserExport(**await run_in_threadpool(export_user, services, user_id))


@router.delete("/v1/privacy/users/{user_id}", response_model=Forgotten, dependencies=[AdminDoor])
async def forget(services: ServicesDep, user_id: str = UserId) -> Forgotten:
    """Delete the shopper's events, sessions and ranker affinities; the next training no longer sees them."""
    return Forgotten(user_id=user_id, removed=await run_in_threadpool(forget_user, services, user_id))
