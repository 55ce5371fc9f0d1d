"""Doors and keys: which role each route needs, as FastAPI dependencies (`ShopperDoor`, `StaffDoor`,
`AdminDoor`) put on the route itself, so a route without a door is visible in its decorator (and a test
checks that every `/v1` route has one).

- shopper doors (chat, search, products, intent, own session's cart, events): anonymous shoppers are served
  (unless `public_key_required`); a key sent anyway must be valid, and a public key must come from one of its
  origins (the browser's `Origin` header). With `public_key_required` the agent door (`/ucp/mcp`,
  api/agents.py) follows the same rule (`shopper_key`); without it, it checks no key.
- staff doors (the copilot): a staff or admin key.
- admin doors (`PUT /v1/policies`): an admin key.

No key where one is needed, or a wrong or revoked key: 401 (with `WWW-Authenticate: Bearer`); a key whose
role does not open the door, or a public key from another origin: 403. Both are shaped like every other
4xx (`detail` and `errors` name the field: `authorization` or `origin`). The key that opened the door is on
`request.state.api_key` (None for an anonymous shopper), for what comes after (rate limits per key).
"""

from __future__ import annotations

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ..keys import ApiKey, Role, normalize_origin
from .dependencies import ServicesDep

bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer sa_<role>_...` "
                                                  "(`shopassist keys create --role public|staff|admin`).")


class DoorRefused(Exception):
    """A request refused at a door: `status` 401 or 403, `field` (authorization, origin) and why."""

    def __init__(self, status: int, field: str, message: str):
        super().__init__(message)
        self.status, self.field, self.message = status, field, message


def authenticate(request: Request, services, credentials: HTTPAuthorizationCredentials | None) -> ApiKey | None:
    """The key the request carries (None when it carries none). Raises DoorRefused for a malformed, unknown or
    revoked key, and for a public key used from an origin it is not bound to."""
    if credentials is None:
        if request.headers.get("authorization"):
            raise DoorRefused(401, "authorization", "expected 'Bearer <key>'")
        return None
    record = services.keys.check(credentials.credentials.strip())
    if record is None:
        raise DoorRefused(401, "authorization", "unknown or revoked key")
    if record.role == "public":
        origin = request.headers.get("origin")
        try:
            allowed = origin is not None and normalize_origin(origin) in record.origins
        except ValueError:
            allowed = False
        if not allowed:
            raise DoorRefused(403, "origin", f"this public key is for {', '.join(record.origins)}; the request "
                                             f"comes from {origin or 'no origin (not a browser page)'}")
    request.state.api_key = record
    return record


def shopper_key(request: Request, services, credentials: HTTPAuthorizationCredentials | None) -> ApiKey | None:
    """The shopper doors' rule (the agent door's too, under `public_key_required`): the key the request carries,
    if any, must be valid (a public one from one of its origins); with `public_key_required` a key is needed."""
    record = authenticate(request, services, credentials)
    if record is None and services.settings.public_key_required:
        raise DoorRefused(401, "authorization", "a key is required: send 'Authorization: Bearer "
                                                "<public key>' (the widget's data-key) or a staff or admin key")
    return record


def _door(role: Role | None):
    """The dependency for a door of `role` (None: a shopper door)."""

    def door(request: Request, services: ServicesDep,
             credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> ApiKey | None:
        request.state.api_key = None
        if role is None:
            return shopper_key(request, services, credentials)
        record = authenticate(request, services, credentials)
        if record is None:
            raise DoorRefused(401, "authorization", f"{_a(role)} key is required: send 'Authorization: Bearer "
                                                    f"sa_{role}_...' (create one with `shopassist keys create "
                                                    f"--role {role}`)")
        if not record.allows(role):
            raise DoorRefused(403, "authorization", f"{_a(record.role)} key cannot open this door: it needs "
                                                    f"{_a(role)} key")
        return record

    door.role = role  # what the door-coverage test reads
    return door


def _a(role: str) -> str:
    return f"an {role}" if role[0] in "aeiou" else f"a {role}"


shopper_door = _door(None)
staff_door = _door("staff")
admin_door = _door("admin")
ShopperDoor = Depends(shopper_door)
StaffDoor = Depends(staff_door)
AdminDoor = Depends(admin_door)
