"""API keys: who may open which door. The one owner of keys: created, listed, revoked and checked here.

Three roles (`ROLES`): **public** (a publishable key for the widget: shopper doors only, and only from the
origins it is bound to), **staff** (the copilot) and **admin** (changing what the assistant tells shoppers,
key management). A higher role opens every door of the lower ones: admin > staff > public.

A key is `sa_<role>_<43 random characters>` (256 bits from `secrets`), shown once when it is created. The
database keeps only its SHA-256 (a high-entropy key needs no slow hash: there is nothing to brute-force), its
visible prefix to tell keys apart, the role, the allowed origins and when it was created or revoked: the
`api_keys` table of the events database (`ranking.database`, SQLite or PostgreSQL), so every API process
behind a load balancer sees a key created or revoked by `shopassist keys` on its next request.

    store = open_key_store(settings.events_database_url)
    created = store.create("staff")            # created.key: give it to the staff member, once
    store.check(created.key)                   # -> ApiKey(role="staff", ...); None for a wrong or revoked key
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from datetime import datetime, timezone
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, Field

from ranking.database import Database, micros, open_database

Role = Literal["public", "staff", "admin"]
ROLES: tuple[Role, ...] = ("public", "staff", "admin")
RANK = {role: rank for rank, role in enumerate(ROLES)}
PREFIX_CHARS = 8  # random characters kept visible after sa_<role>_, to tell keys apart in `keys list`

SCHEMA = """
CREATE TABLE IF NOT EXISTS api_keys (
    key_hash TEXT PRIMARY KEY,     -- SHA-256 of the whole key, hex; the key itself is never stored
    key_id TEXT NOT NULL UNIQUE,   -- the visible prefix: sa_<role>_<8 characters>
    role TEXT NOT NULL,
    origins TEXT NOT NULL,         -- JSON list: the origins a public key may be used from
    label TEXT NOT NULL,
    created_us INTEGER NOT NULL,   -- microseconds since the epoch, UTC
    revoked_us INTEGER             -- NULL while the key works
);
"""
COLUMNS = "key_id, role, origins, label, created_us, revoked_us"


class ApiKey(BaseModel):
    """A key as stored (never the key itself)."""

    id: str = Field(description="The key's visible prefix, e.g. sa_staff_Xy12Ab9Q: what `keys revoke` takes.")
    role: Role
    origins: list[str] = Field(default_factory=list, description="Origins a public key may be used from.")
    label: str = ""
    created_at: datetime
    revoked_at: datetime | None = None

    def allows(self, role: Role) -> bool:
        """Whether this key opens doors of `role` (a higher role opens the lower roles' doors)."""
        return RANK[self.role] >= RANK[role]


class CreatedKey(BaseModel):
    key: str = Field(description="The secret: shown once, stored only as a hash.")
    record: ApiKey


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def normalize_origin(origin: str) -> str:
    """`https://Shop.example/` -> `https://shop.example` (scheme://host[:port], as browsers send Origin).
    Raises ValueError for anything that is not an http(s) origin."""
    parts = urlsplit(origin.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/") \
            or parts.query or parts.fragment or parts.username:
        raise ValueError(f"origins: expected scheme://host[:port], e.g. https://shop.example, got {origin!r}")
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname}{port}"


class KeyStore:
    def __init__(self, database: Database):
        self.database = database
        database.create(SCHEMA)

    def create(self, role: Role, origins: list[str] | None = None, label: str = "") -> CreatedKey:
        """A new key of `role`. A public key must name the origins (the shop's pages) it may be used from."""
        if role not in ROLES:
            raise ValueError(f"role: expected one of {', '.join(ROLES)}, got {role!r}")
        origins = sorted({normalize_origin(origin) for origin in origins or []})
        if role == "public" and not origins:
            raise ValueError("origins: a public key is used from shoppers' browsers: name the shop's origins "
                             "(--origins https://shop.example)")
        key = f"sa_{role}_{secrets.token_urlsafe(32)}"
        key_id = key[:len(f"sa_{role}_") + PREFIX_CHARS]
        now = datetime.now(timezone.utc)
        with self.database.transaction() as transaction:
            transaction.execute(
                "INSERT INTO api_keys (key_hash, key_id, role, origins, label, created_us, revoked_us) "
                "VALUES (?, ?, ?, ?, ?, ?, NULL)", (hash_key(key), key_id, role, json.dumps(origins), label,
                                                    micros(now)))
        return CreatedKey(key=key, record=ApiKey(id=key_id, role=role, origins=origins, label=label,
                                                 created_at=now))

    def check(self, key: str) -> ApiKey | None:
        """The stored key that `key` is, or None when it is unknown or revoked."""
        if not key.startswith("sa_") or len(key) > 200:
            return None
        digest = hash_key(key)
        rows = self.database.fetch(f"SELECT key_hash, {COLUMNS} FROM api_keys WHERE key_hash = ?", (digest,))
        if not rows or not hmac.compare_digest(rows[0][0], digest):
            return None
        record = _record(rows[0][1:])
        return None if record.revoked_at else record

    def list(self, include_revoked: bool = False) -> list[ApiKey]:
        rows = self.database.fetch(f"SELECT {COLUMNS} FROM api_keys ORDER BY created_us")
        return [record for record in map(_record, rows) if include_revoked or record.revoked_at is None]

    def revoke(self, key_id: str) -> ApiKey:
        """Revoke the key with this id (its visible prefix); raises KeyError when there is none."""
        with self.database.transaction() as transaction:
            changed = transaction.execute("UPDATE api_keys SET revoked_us = ? WHERE key_id = ? AND revoked_us "
                                          "IS NULL", (micros(datetime.now(timezone.utc)), key_id))
        rows = self.database.fetch(f"SELECT {COLUMNS} FROM api_keys WHERE key_id = ?", (key_id,))
        if not rows:
            raise KeyError(key_id)
        record = _record(rows[0])
        if not changed and record.revoked_at is None:  # pragma: no cover - a concurrent un-revoke cannot happen
            raise KeyError(key_id)
        return record

    def has_role(self, role: Role) -> bool:
        """Whether a working key opens `role`'s doors (an admin key opens staff doors)."""
        return any(record.allows(role) for record in self.list())

    def close(self) -> None:
        self.database.close()


def _record(row: tuple) -> ApiKey:
    key_id, role, origins, label, created_us, revoked_us = row
    return ApiKey(id=key_id, role=role, origins=json.loads(origins), label=label, created_at=_moment(created_us),
                  revoked_at=None if revoked_us is None else _moment(revoked_us))


def _moment(us: int) -> datetime:
    return datetime.fromtimestamp(us / 1_000_000, tz=timezone.utc)


def open_key_store(url: str) -> KeyStore:
    # FULL: a revoked key must stay revoked after a power cut.
    return KeyStore(open_database(url, name="api_keys", synchronous="FULL"))
