"""Issue 14, more than one process: a real PostgreSQL, a real `chroma run` server and two `shopassist serve`
workers on loopback sharing one data home (the topology of compose.yaml, from the machine's own binaries).

Two processes on two ports rather than one `--workers 2` port: a test must know which worker answers, so
the conversation below alternates them deterministically. What it checks: a chat session and its cart
continue on the other worker, a catalog swapped by `shopassist ingest --replace` is served by both, events
posted to both at once are all stored, and /metrics on either worker counts the requests of both.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from servers import Server, free_port, stop, wait_for

from assistant.identity import sign_identity
from ranking.event_store import open_event_store

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent
SECRET = "identity-secret-for-worker-tests-0123"
TENTS = [
    {"id": "T-1", "title": "Trailpeak 4-Person Dome Tent", "brand": "Trailpeak", "category": "Outdoor > Tents",
     "price": 249.0},
    {"id": "T-2", "title": "Trailpeak 2-Person Backpacking Tent", "brand": "Trailpeak", "category": "Outdoor > Tents",
     "price": 179.0},
    {"id": "M-1", "title": "Hearthline Ceramic Coffee Mug", "brand": "Hearthline", "category": "Kitchen > Mugs",
     "price": 12.0},
]
LANTERN = {"id": "L-9", "title": "Aurora Rechargeable Camping Lantern", "brand": "Aurora",
           "category": "Outdoor > Lighting", "price": 39.0}


@pytest.fixture
def chroma(tmp_path):
    chroma = shutil.which("chroma", path=str(BIN))
    assert chroma, "the chroma CLI is installed with chromadb"
    port = free_port()
    proc = subprocess.Popen([chroma, "run", "--path", str(tmp_path / "chroma-server"), "--host", "127.0.0.1",
                             "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(f"http://127.0.0.1:{port}/api/v2/heartbeat", proc, 60)
        yield port
    finally:
        stop(proc)


@pytest.fixture
def deployment(tmp_path, postgres_url, chroma):
    """Env, the two workers' base URLs and a staff key; the catalog ingested through the Chroma server."""
    env = {**os.environ, "SHOPASSIST_HOME": str(tmp_path / "home"), "SHOPASSIST_DATABASE_URL": postgres_url,
           "CHROMA_HOST": "127.0.0.1", "CHROMA_PORT": str(chroma), "SHOPASSIST_LLM": "none",
           "SHOPASSIST_IDENTITY_SECRET": SECRET, "SHOPASSIST_LOG_FORMAT": "json", "HF_HUB_OFFLINE": "1",
           "SHOPASSIST_RATE_LIMITS": json.dumps({"events": 6000, "chat": 600, "search": 600, "cart": 600})}
    env.pop("SHOPASSIST_LLM_URL", None)
    feed = tmp_path / "catalog.jsonl"
    feed.write_text("\n".join(json.dumps(p) for p in TENTS) + "\n")
    cli = [str(BIN / "shopassist")]
    subprocess.run([*cli, "ingest", str(feed)], env=env, check=True, capture_output=True, timeout=300)
    staff = json.loads(subprocess.run([*cli, "keys", "create", "--role", "staff", "--json"], env=env, check=True,
                                      capture_output=True, text=True, timeout=120).stdout)["key"]
    workers = []
    try:
        for name in ("a", "b"):  # both start at once, then each is waited for
            workers.append(Server(env, tmp_path / f"worker-{name}.log"))
        for worker in workers:
            worker.wait(240)
        yield {"env": env, "cli": cli, "urls": [worker.url for worker in workers],
               "staff": {"authorization": f"Bearer {staff}"}, "db": postgres_url,
               "logs": [worker.log for worker in workers], "tmp": tmp_path}
    finally:
        for worker in workers:
            worker.stop()


def test_two_workers_share_sessions_carts_catalog_events_and_metrics(deployment):
    a, b = (httpx.Client(base_url=url, timeout=60) for url in deployment["urls"])
    user = sign_identity("shopper-1", SECRET)

    # A conversation that alternates workers: the session and its cart live in PostgreSQL.
    one = a.post("/v1/chat", json={"message": "a tent under $300", "user_id": user}).json()
    assert {p["id"] for p in one["products"]} >= {"T-1", "T-2"}, one
    session = one["session_id"]
    two = b.post("/v1/chat", json={"message": "add the cheapest one to my cart", "user_id": user,
                                   "session_id": session}).json()
    assert two["session_id"] == session, two
    assert [line["product_id"] for line in two["cart"]["lines"]] == ["T-2"], two
    assert a.post(f"/v1/sessions/{session}/cart", json={"product_id": "M-1"}).status_code == 200
    cart = b.get(f"/v1/sessions/{session}/cart").json()
    assert sorted(line["product_id"] for line in cart["lines"]) == ["M-1", "T-2"]
    three = a.post("/v1/chat", json={"message": "what's in my cart?", "session_id": session}).json()
    assert three["session_id"] == session and len(three["cart"]["lines"]) == 2

    # A catalog swap (ingest --replace through the Chroma server) is served by both workers.
    feed = deployment["tmp"] / "catalog-2.jsonl"
    feed.write_text("\n".join(json.dumps(p) for p in [*TENTS, LANTERN]) + "\n")
    subprocess.run([*deployment["cli"], "ingest", str(feed), "--replace"], env=deployment["env"], check=True,
                   capture_output=True, timeout=300)
    for worker in (a, b):
        hits = worker.post("/v1/search", json={"query": "camping lantern", "k": 3}).json()["results"]
        assert hits and hits[0]["id"] == "L-9", hits
        assert worker.get("/v1/products/L-9").status_code == 200

    # Events posted to both workers at once: every one stored, none lost or doubled.
    batches = [[{"type": "interaction", "action_name": "click", "query_id": one["query_id"], "object_id": "T-1",
                 "position": 1, "client_id": f"c-{n}", "event_id": f"w-{n}-{i}-{uuid.uuid4().hex[:8]}",
                 "timestamp": "2026-11-24T10:15:00Z"} for i in range(10)] for n in range(40)]

    def post(n: int) -> int:
        client = (a, b)[n % 2]
        response = client.post("/v1/events", json={"events": batches[n]})
        assert response.status_code == 200, response.text
        return response.json()["accepted"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        accepted = sum(pool.map(post, range(len(batches))))
    assert accepted == 400
    store = open_event_store(deployment["db"])
    try:
        ids = {e.event_id for e in store.iter_events() if e.event_id.startswith("w-")}
    finally:
        store.close()
    assert ids == {e["event_id"] for batch in batches for e in batch}
    # Re-posting on the other worker: duplicates, nothing stored twice.
    again = b.post("/v1/events", json={"events": batches[0]}).json()
    assert again["accepted"] == 0 and again["duplicates"] == 10

    # /metrics on either worker counts both workers' requests (summed through the data home).
    time.sleep(2.5)  # each worker writes its counts about once a second
    from test_observability import parse_prometheus, value

    for worker in (a, b):
        families = parse_prometheus(worker.get("/metrics", headers=deployment["staff"]).text)
        assert value(families, "shopassist_http_requests_total", route="/v1/events", status="200") >= 40
        assert value(families, "shopassist_events_accepted_total") >= 400
        assert value(families, "shopassist_chat_turns_total") == 3

    # Both wrote JSON log lines with request ids.
    for log in deployment["logs"]:
        lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
        assert any(line.get("logger") == "shopassist.access" and line.get("request_id") for line in lines)
