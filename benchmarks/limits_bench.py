"""Issue 11: a hung LLM and a crowd of shoppers, against a real `shopassist serve` of the demo store.

    .venv/bin/python benchmarks/limits_bench.py hung [--home DIR] [--turns 8]
        The LLM server accepts connections and never answers (default timeouts: llm_timeout 20 s, 2 retries,
        a 15 s turn, the breaker opens after 3 failures): each `POST /v1/chat` turn's time, before and after
        the breaker opens, and `POST /v1/intent`.
    .venv/bin/python benchmarks/limits_bench.py load [--home DIR] [--shoppers 16 64] [--seconds 60]
        [--limiting both|on|off] [--one-address]
        N shoppers at once, each from its own address (X-Forwarded-For, which uvicorn trusts from 127.0.0.1;
        --one-address: all from one, as one script's threads), each looping search -> chat turn -> event with
        no pause, with rate limiting on and off (template
        replies, no LLM): requests, answers by status, errors (5xx or no answer), p50/p95 latency of the
        answered (200) requests, overall and per route, and the machine's 1-minute load average at the end.

`--json FILE` writes the figures. The demo store is built in --home when missing.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
QUERIES = ["waterproof hiking boots", "tent under $150", "coffee maker", "running shoes size 10", "gift for dad",
           "wireless earbuds", "yoga mat", "kids bike", "desk lamp", "blue backpack"]
UNSURE = "something nice for my dad"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def hung_server() -> str:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(512)
    held = []

    def accept() -> None:
        while True:
            held.append(server.accept()[0])

    threading.Thread(target=accept, daemon=True).start()
    return f"http://127.0.0.1:{server.getsockname()[1]}/v1"


class Server:
    def __init__(self, home: Path, **env: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "SHOPASSIST_HOME": str(home), "SHOPASSIST_PORT": str(self.port),
                    "HF_HUB_OFFLINE": "1", "SHOPASSIST_DATABASE_URL": f"sqlite:///{home / f'bench-{self.port}.db'}",
                    **env}

    def __enter__(self) -> Server:
        self.process = subprocess.Popen([sys.executable, "-m", "assistant.cli", "serve"], env=self.env, cwd=ROOT,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(600):
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.5)
        raise RuntimeError("the server did not start")

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()


def ensure_home(home: Path) -> Path:
    from assistant.config import Settings
    from assistant.demo_store import ensure_demo_store

    ensure_demo_store(Settings(home=home, llm="none", llm_url=None))
    return home


def hung(home: Path, turns: int) -> dict:
    with Server(home, SHOPASSIST_LLM="openai", SHOPASSIST_LLM_URL=hung_server()) as server, \
            httpx.Client(base_url=server.url, timeout=200) as client:
        client.post("/v1/chat", json={"message": "hello"})  # first-request loading, not the LLM's time
        figures = {"chat_turn_seconds": [], "intent_seconds": None}
        for _ in range(turns):
            started = time.perf_counter()
            response = client.post("/v1/chat", json={"message": UNSURE})
            figures["chat_turn_seconds"].append(round(time.perf_counter() - started, 2))
            print(f"chat turn: {response.status_code} in {figures['chat_turn_seconds'][-1]} s "
                  f"({response.json().get('composer')})", flush=True)
        started = time.perf_counter()
        client.post("/v1/intent", json={"text": UNSURE})
        figures["intent_seconds"] = round(time.perf_counter() - started, 2)
        print(f"intent after the breaker opened: {figures['intent_seconds']} s", flush=True)
    return figures


def shopper(url: str, address: str, until: float, latencies: dict, statuses: Counter, lock: threading.Lock) -> None:
    rng = random.Random(address)
    headers = {"x-forwarded-for": address}
    with httpx.Client(base_url=url, timeout=30, headers=headers) as client:
        session = None
        while time.monotonic() < until:
            query = rng.choice(QUERIES)
            for method, path, body in (("POST", "/v1/search", {"query": query, "k": 5}),
                                       ("POST", "/v1/chat", {"message": query, **({"session_id": session} if session else {})}),
                                       ("POST", "/v1/events", {"type": "query", "query_id": f"{address}-{time.time_ns()}",
                                                               "user_query": query, "client_id": address,
                                                               "timestamp": "2026-11-24T10:14:59Z"})):
                started = time.perf_counter()
                try:
                    response = client.request(method, path, json=body)
                    status = response.status_code
                    if path == "/v1/chat" and status == 200:
                        session = response.json()["session_id"]
                except httpx.HTTPError:
                    status = "no answer"
                with lock:
                    statuses[status] += 1
                    if status == 200 or status == 207:
                        latencies.setdefault(path, []).append(time.perf_counter() - started)


def p95_ms(times: list[float]) -> int | None:
    return round(statistics.quantiles(times, n=20)[18] * 1000) if len(times) >= 20 else None


def load(home: Path, crowds: list[int], seconds: float, limitings: tuple[bool, ...] = (True, False),
         one_address: bool = False) -> list[dict]:
    rows = []
    for limiting in limitings:
        with Server(home, SHOPASSIST_LLM="none", SHOPASSIST_RATE_LIMITING=str(limiting).lower()) as server:
            for shoppers in crowds:
                by_path: dict[str, list[float]] = {}
                statuses: Counter = Counter()
                lock = threading.Lock()
                until = time.monotonic() + seconds
                threads = [threading.Thread(target=shopper, args=(server.url, "10.9.9.9" if one_address else
                                                                  f"10.1.{i // 250}.{i % 250 + 1}", until,
                                                                  by_path, statuses, lock))
                           for i in range(shoppers)]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()
                load_1m = round(os.getloadavg()[0], 2)  # the machine's load over the run's last minute
                latencies = [t for times in by_path.values() for t in times]
                total = sum(statuses.values())
                errors = sum(n for s, n in statuses.items() if s == "no answer" or (isinstance(s, int) and s >= 500))
                quantiles = statistics.quantiles(latencies, n=20) if len(latencies) >= 20 else [float("nan")] * 19
                row = {"rate_limiting": limiting, "one_address": one_address, "shoppers": shoppers, "seconds": seconds, "requests": total,
                       "per_second": round(total / seconds, 1), "statuses": {str(k): v for k, v in statuses.items()},
                       "errors": errors, "p50_ms": round(statistics.median(latencies) * 1000) if latencies else None,
                       "p95_ms": round(quantiles[18] * 1000) if latencies else None,
                       "p95_ms_by_route": {path: p95_ms(times) for path, times in sorted(by_path.items())},
                       "load_1m": load_1m}
                print(json.dumps(row), flush=True)
                rows.append(row)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["hung", "load"])
    parser.add_argument("--home", type=Path, default=ROOT / "benchmarks" / "out" / "home")
    parser.add_argument("--turns", type=int, default=8)
    parser.add_argument("--shoppers", type=int, nargs="+", default=[16, 64])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--limiting", choices=["both", "on", "off"], default="both")
    parser.add_argument("--one-address", action="store_true",
                        help="every shopper from one address (one script, or an office behind one NAT)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    home = ensure_home(args.home)
    limitings = {"both": (True, False), "on": (True,), "off": (False,)}[args.limiting]
    result = hung(home, args.turns) if args.what == "hung" else \
        load(home, args.shoppers, args.seconds, limitings, args.one_address)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
