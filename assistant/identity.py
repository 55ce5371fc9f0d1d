"""Signed shopper identities: who a request is for, vouched for by the store's own site.

Personalization (`user_id`: the shopper's brand, category and price affinities) must not be whatever a caller
types. The store's site, where the shopper is logged in, signs the id with a secret it shares with shopassist
(`SHOPASSIST_IDENTITY_SECRET`), and the page hands the token to the widget (`data-user-id`) or the API
(`user_id`):

    token = USER_ID "." EXPIRY "." base64url(HMAC-SHA256(secret, USER_ID "." EXPIRY))   # EXPIRY: epoch seconds

A token that is unsigned, wrongly signed or expired, or any token while no secret is configured, is ignored:
the request is answered as an anonymous shopper's (an expired page must not break the shopper's chat).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

MAX_USER_ID_CHARS = 128


def _signature(secret: str, payload: str) -> str:
    digest = hmac.new(secret.encode("utf-8"), payload.encode("utf-8"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def sign_identity(user_id: str, secret: str, ttl_seconds: int = 86_400, now: float | None = None) -> str:
    """The token for `user_id`, valid for `ttl_seconds` (what the store's site computes)."""
    if not secret:
        raise ValueError("identity secret: empty (set SHOPASSIST_IDENTITY_SECRET)")
    if not user_id or len(user_id) > MAX_USER_ID_CHARS:
        raise ValueError(f"user_id: 1 to {MAX_USER_ID_CHARS} characters")
    expiry = int((time.time() if now is None else now) + ttl_seconds)
    payload = f"{user_id}.{expiry}"
    return f"{payload}.{_signature(secret, payload)}"


def verify_identity(token: str | None, secret: str | None, now: float | None = None) -> str | None:
    """The user id a valid, unexpired token vouches for; None for anything else (or no secret)."""
    if not token or not secret:
        return None
    user_id, _, rest = token.rpartition(".")  # the user id may hold dots: split from the right
    user_id, _, expiry = user_id.rpartition(".")
    if not user_id or not expiry.isdigit() or len(user_id) > MAX_USER_ID_CHARS:
        return None
    if not hmac.compare_digest(_signature(secret, f"{user_id}.{expiry}"), rest):
        return None
    if int(expiry) < (time.time() if now is None else now):
        return None
    return user_id
