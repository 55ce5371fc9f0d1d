"""`GET /healthz`: whether this server can answer shoppers: the database takes a write and reads it back, and
the serving catalog opens and counts its products. 200 when both work, 503 (same body) when either fails, so
a load balancer stops sending shoppers to a server that would fail them. No catalog ingested yet is healthy
(the server answers, with nothing to find)."""

from __future__ import annotations

import time
from typing import Literal

from pydantic import BaseModel, Field

from ranking.database import Database

PROBE_SCHEMA = "CREATE TABLE IF NOT EXISTS shopassist_health (probe INTEGER PRIMARY KEY, checked_us INTEGER NOT NULL)"
PROBE_WRITE = ("INSERT INTO shopassist_health (probe, checked_us) VALUES (1, ?) "
               "ON CONFLICT (probe) DO UPDATE SET checked_us = excluded.checked_us")
PROBE_READ = "SELECT checked_us FROM shopassist_health WHERE probe = 1"


class Health(BaseModel):
    status: Literal["ok", "unavailable"]
    products: int
    catalog_version: str | None
    checks: dict[str, str] = Field(default_factory=dict, description="database, catalog: 'ok', or what failed "
                                                                     "(the error's class and message)")


def check_database(database: Database) -> str:
    """'ok' when a row can be written and read back, else the failure."""
    try:
        database.create(PROBE_SCHEMA)
        stamp = time.time_ns() // 1000
        with database.transaction() as transaction:
            transaction.execute(PROBE_WRITE, (stamp,))
        if database.fetch(PROBE_READ)[0][0] != stamp:
            return f"{_FAILED}the probe row read back differs from the one written"
    except Exception as exc:  # noqa: BLE001 - whatever breaks, health reports it
        return _failure(exc)
    return "ok"


def check_health(services) -> tuple[Health, int]:
    """The health report and its status code (200 or 503)."""
    checks = {"database": check_database(services.events.database)}
    products, version = 0, None
    try:
        products, version = services.retriever.product_count(), services.retriever.catalog_version()
        checks["catalog"] = "ok" if version else "none ingested yet"
    except Exception as exc:  # noqa: BLE001
        checks["catalog"] = _failure(exc)
    healthy = checks["database"] == "ok" and not checks["catalog"].startswith(_FAILED)
    return Health(status="ok" if healthy else "unavailable", products=products, catalog_version=version,
                  checks=checks), 200 if healthy else 503


_FAILED = "failed: "


def _failure(exc: BaseException) -> str:
    said = str(exc).splitlines()[0] if str(exc) else ""
    return f"{_FAILED}{type(exc).__name__}: {said}"
