"""Chat turns per second with 1 and 2 API workers (`shopassist serve --workers N`) on PostgreSQL and a Chroma
server, all on this machine (issue 14).

    .venv/bin/python benchmarks/workers_bench.py [--seconds 30] [--clients 8]

Starts a throwaway PostgreSQL (tests/postgres_server.py) and a `chroma run`, ingests a small catalog, then for
each worker count serves it, warms it up and has `--clients` threads send chat turns (template replies, no
LLM: what is measured is the API, the parser, search and the database) in new sessions of two turns each for
`--seconds`; prints turns/s, p50/p95 latency and errors per worker count as a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
BIN = Path(sys.executable).parent
MESSAGES = [("a tent for 4 people under $300", "cheaper ones"), ("coffee mugs", "the black one"),
            ("waterproof hiking boots", "add the first one to my cart"), ("camping lantern", "compare the first two")]
CATALOG = [
    {"id": "T-1", "title": "Trailpeak 4-Person Dome Tent", "brand": "Trailpeak", "category": "Outdoor > Tents", "price": 249.0},
    {"id": "T-2", "title": "Trailpeak 2-Person Backpacking Tent", "brand": "Trailpeak", "category": "Outdoor > Tents", "price": 179.0},
    {"id": "T-3", "title": "Summitline Family Cabin Tent", "brand": "Summitline", "category": "Outdoor > Tents", "price": 289.0},
    {"id": "M-1", "title": "Hearthline Ceramic Coffee Mug", "brand": "Hearthline", "category": "Kitchen > Mugs", "price": 12.0, "attributes": {"color": "white"}},
    {"id": "M-2", "title": "Hearthline Travel Mug, Insulated", "brand": "Hearthline", "category": "Kitchen > Mugs", "price": 24.0, "attributes": {"color": "black"}},
    {"id": "B-1", "title": "Stridewell Waterproof Hiking Boots", "brand": "Stridewell", "category": "Shoes > Boots", "price": 139.0},
    {"id": "B-2", "title": "Trailpeak Leather Hiking Boots", "brand": "Trailpeak", "category": "Shoes > Boots", "price": 159.0},
    {"id": "L-1", "title": "Aurora Rechargeable Camping Lantern", "brand": "Aurora", "category": "Outdoor > Lighting", "price": 39.0},
    {"id": "L-2", "title": "Aurora Mini Camping Lantern, 2 pack", "brand": "Aurora", "category": "Outdoor > Lighting", "price": 29.0},
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait(url: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer")


def load(url: str, seconds: float, clients: int) -> dict:
    latencies, errors, stop = [], [0], time.monotonic() + seconds
    lock = threading.Lock()

    def shopper(n: int) -> None:
        with httpx.Client(base_url=url, timeout=60) as client:
            i = n
            while time.monotonic() < stop:
                first, then = MESSAGES[i % len(MESSAGES)]
                session = None
                for message in (first, then):
                    started = time.perf_counter()
                    try:
                        r = client.post("/v1/chat", json={"message": message, "session_id": session})
                        ok = r.status_code == 200
                        session = r.json()["session_id"] if ok else None
                    except httpx.HTTPError:
                        ok = False
                    with lock:
                        if ok:
                            latencies.append(time.perf_counter() - started)
                        else:
                            errors[0] += 1
                i += clients

    threads = [threading.Thread(target=shopper, args=(n,)) for n in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {"turns": len(latencies), "turns_per_s": len(latencies) / elapsed, "errors": errors[0],
            "p50_ms": 1000 * statistics.median(latencies) if latencies else None,
            "p95_ms": 1000 * latencies[int(0.95 * (len(latencies) - 1))] if latencies else None}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    from postgres_server import PostgresServer

    pg = PostgresServer.find()
    pg.start()
    tmp = Path(tempfile.mkdtemp(prefix="shopassist-bench-"))
    chroma_port = free_port()
    chroma = subprocess.Popen([str(BIN / "chroma"), "run", "--path", str(tmp / "chroma"), "--host", "127.0.0.1",
                               "--port", str(chroma_port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    rate = {door: 100_000 for door in ("chat", "search", "events", "cart", "read", "pages")}
    env = {**os.environ, "SHOPASSIST_HOME": str(tmp / "home"), "SHOPASSIST_DATABASE_URL": pg.create_database(),
           "CHROMA_HOST": "127.0.0.1", "CHROMA_PORT": str(chroma_port), "SHOPASSIST_LLM": "none",
           "HF_HUB_OFFLINE": "1", "SHOPASSIST_RATE_LIMITS": json.dumps(rate), "SHOPASSIST_LOG_FORMAT": "json"}
    results = []
    try:
        wait(f"http://127.0.0.1:{chroma_port}/api/v2/heartbeat", 60)
        feed = tmp / "catalog.jsonl"
        feed.write_text("\n".join(json.dumps(p) for p in CATALOG) + "\n")
        subprocess.run([str(BIN / "shopassist"), "ingest", str(feed)], env=env, check=True, capture_output=True)
        for workers in args.workers:
            port = free_port()
            server = subprocess.Popen([str(BIN / "shopassist"), "serve", "--port", str(port), "--workers",
                                       str(workers)], env=env, stdout=subprocess.DEVNULL,
                                      stderr=open(tmp / f"serve-{workers}.log", "w"))
            try:
                url = f"http://127.0.0.1:{port}"
                wait(f"{url}/healthz", 300)
                load(url, min(10.0, args.seconds), args.clients)  # warm-up: every worker's models and caches
                result = {"workers": workers, "clients": args.clients, **load(url, args.seconds, args.clients)}
                results.append(result)
                print(json.dumps(result), flush=True)
            finally:
                server.terminate()
                server.wait(timeout=30)
    finally:
        chroma.terminate()
        chroma.wait(timeout=30)
        pg.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    print("\n| workers | clients | turns | turns/s | p50 ms | p95 ms | errors |\n|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['workers']} | {r['clients']} | {r['turns']} | {r['turns_per_s']:.1f} | {r['p50_ms']:.0f} | "
              f"{r['p95_ms']:.0f} | {r['errors']} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
