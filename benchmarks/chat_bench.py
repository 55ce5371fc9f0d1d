"""Chat turn budgets (issue 5) on the 2,000-product demo store, built under benchmarks/out/chat/home on first use.

    .venv/bin/python benchmarks/chat_bench.py turn [--rounds 20]
        A turn without LLM composition (template composer, no LLM): p50/p95 through `ChatService.turn`
        in-process and through `POST /v1/chat` (FastAPI TestClient), interleaved script by script, with
        `Retriever.search` timed on the very search requests those turns made as the baseline.
    .venv/bin/python benchmarks/chat_bench.py first-token [--turns 18]
        The local model (SmolLM2 via the local backend) composing: time to the first `token` event of
        `POST /v1/chat` with `stream: true` against a `shopassist serve` subprocess, and who wrote each reply.
    .venv/bin/python benchmarks/chat_bench.py load [--clients 4 8 16] [--seconds 60]
        Sustained concurrent sessions against a `shopassist serve` subprocess on loopback (template composer):
        N httpx clients, each running the scripts back to back (no think time), for a bounded time per level.
    .venv/bin/python benchmarks/chat_bench.py profile [--rounds 3]
        cProfile of in-process template turns: where a turn's time goes.

Every turn comes from SCRIPTS: multi-turn conversations mixing a search, refinements ("cheaper", "in blue",
"show me more"), references ("the second one"), comparisons, policy questions and cart adds. Each part uses its
own fresh SQLite database (sessions and query log) under benchmarks/out/chat/; raw figures go to
benchmarks/out/chat/<part>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import math
import os
import pstats
import socket
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402

from assistant.config import Settings  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "benchmarks" / "out" / "chat"
HOME = OUT / "home"

# (message, kind): the kind only groups the figures.
SCRIPTS: list[list[tuple[str, str]]] = [
    [("running shoes under $120", "search"), ("cheaper", "refine"), ("in blue", "refine"),
     ("tell me about the second one", "product"), ("add it to my cart", "cart")],
    [("waterproof tent under $300", "search"), ("compare the first two", "compare"),
     ("can I return it if it leaks?", "policy"), ("add the first one to my cart", "cart"),
     ("what's in my cart?", "cart")],
    [("coffee maker under $100", "search"), ("show me more", "refine"), ("is the second one in stock?", "product"),
     ("how long do refunds take?", "policy")],
    [("wireless headphones", "search"), ("in black", "refine"), ("cheaper", "refine"),
     ("compare the first and the third", "compare"), ("add 2 of the second one", "cart")],
    [("hi there", "chitchat"), ("yoga mat under $40", "search"), ("in blue", "refine"),
     ("what goes with the first one?", "related"), ("do you price match Amazon?", "policy")],
    [("rain jacket for women", "search"), ("cheaper", "refine"), ("what sizes does the second one come in?", "product"),
     ("how much is shipping?", "policy"), ("add the second one to my cart", "cart")],
    [("hiking boots", "search"), ("in brown", "refine"), ("compare the first two", "compare"),
     ("what does the warranty cover?", "policy")],
    [("laptop under $800", "search"), ("cheaper", "refine"), ("tell me about the first one", "product"),
     ("can I pay with PayPal?", "policy"), ("add it to my cart", "cart")],
]


# ------------------------------------------------------------------ helpers

def pct(samples: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(samples)
    return ordered[max(0, min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1))]


def summary(samples: list[float]) -> dict:
    return {"n": len(samples), "p50": statistics.median(samples), "p95": pct(samples, 0.95),
            "p99": pct(samples, 0.99), "max": max(samples)}


def line(label: str, samples: list[float], unit: str = "ms") -> str:
    s = summary(samples)
    return f"{label:<38} n={s['n']:<5} p50 {s['p50']:8.2f} {unit}   p95 {s['p95']:8.2f} {unit}   " \
           f"p99 {s['p99']:8.2f} {unit}   max {s['max']:8.2f} {unit}"


def fresh_db(name: str) -> str:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.db"
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


def demo_home() -> Path:
    from assistant.demo_store import ensure_demo_store

    started = time.perf_counter()
    if ensure_demo_store(Settings(home=HOME, llm="none", llm_url=None)):
        print(f"built the demo store in {HOME} ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    return HOME


def loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def write(name: str, result: dict) -> None:
    result["loadavg_at_end"] = loadavg()
    (OUT / f"{name}.json").write_text(json.dumps(result, indent=1))


class RecordingSearch:
    """The product search the chat tools call, recording every SearchRequest (the baseline's queries)."""

    def __init__(self, inner):
        self.inner = inner
        self.requests: list = []

    def search(self, request):
        self.requests.append(request)
        return self.inner.search(request)

    def get_product(self, product_id):
        return self.inner.get_product(product_id)

    def facet_coverage(self, field):
        return self.inner.facet_coverage(field)

    def carries(self, field, value):
        return self.inner.carries(field, value)


# ------------------------------------------------------------------ 1. template turns, in-process and HTTP

def template_settings(db: str) -> Settings:
    # One client sends every turn as fast as it can: the per-client abuse limits (issue 11) would answer 429.
    return Settings(home=demo_home(), llm="none", llm_url=None, chat_composer="template", database_url=db,
                    rate_limiting=False)


def bench_turn(args: argparse.Namespace) -> None:
    from fastapi.testclient import TestClient

    from assistant.api import create_app
    from assistant.chat.models import ChatRequest
    from assistant.services import Services

    settings = template_settings(fresh_db("turn"))
    services = Services(settings)
    retriever = services.retriever
    services.search = search = RecordingSearch(services.search)
    chat = services.chat
    inproc: dict[str, list[float]] = defaultdict(list)
    http: dict[str, list[float]] = defaultdict(list)
    baseline: list[float] = []
    searches_per_turn: list[int] = []
    composers: dict[str, int] = defaultdict(int)
    searched: dict[str, list[float]] = {"inproc": [], "http": []}  # turns that made at least one search
    made_search: list[bool] = []  # per turn of the script just run in-process, for its HTTP twin

    def run_inproc(script, timed: bool) -> None:
        session_id = None
        made_search.clear()
        for message, kind in script:
            before = len(search.requests)
            started = time.perf_counter()
            response = chat.turn(ChatRequest(message=message, session_id=session_id))
            elapsed = (time.perf_counter() - started) * 1000
            session_id = response.session_id
            made = search.requests[before:]
            made_search.append(bool(made))
            for request in made:  # the same queries straight through Retriever.search, right after the turn
                started = time.perf_counter()
                retriever.search(request)
                if timed:
                    baseline.append((time.perf_counter() - started) * 1000)
            if timed:
                inproc[kind].append(elapsed)
                if made:
                    searched["inproc"].append(elapsed)
                searches_per_turn.append(len(made))
                composers[response.composer] += 1

    def run_http(client, script, timed: bool) -> None:
        session_id = None
        for n, (message, kind) in enumerate(script):
            body = {"message": message, **({"session_id": session_id} if session_id else {})}
            started = time.perf_counter()
            response = client.post("/v1/chat", json=body)
            data = response.json()
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200 or not data.get("reply"):
                raise RuntimeError(f"POST /v1/chat {message!r}: {response.status_code} {data}")
            session_id = data["session_id"]
            if timed:
                http[kind].append(elapsed)
                if made_search[n]:  # the same turn of the same script searched in-process (deterministic)
                    searched["http"].append(elapsed)

    try:
        with TestClient(create_app(settings, retriever=retriever)) as client:
            for script in SCRIPTS:  # warm-up: one pass of every script both ways
                run_inproc(script, timed=False)
                run_http(client, script, timed=False)
            started = time.perf_counter()
            for _ in range(args.rounds):
                for script in SCRIPTS:  # interleaved, so that noise hits both paths alike
                    run_inproc(script, timed=True)
                    run_http(client, script, timed=True)
            wall = time.perf_counter() - started
    finally:
        chat.close()

    all_inproc = [x for xs in inproc.values() for x in xs]
    all_http = [x for xs in http.values() for x in xs]
    print(f"{args.rounds} rounds x {len(SCRIPTS)} scripts ({len(all_inproc)} turns per path) in {wall:.1f} s; "
          f"load average now {loadavg()}")
    print(line("Retriever.search (same requests)", baseline))
    print(line("ChatService.turn", all_inproc))
    print(line("POST /v1/chat (TestClient)", all_http))
    print(line("ChatService.turn, turns that search", searched["inproc"]))
    print(line("POST /v1/chat, turns that search", searched["http"]))
    b95, b50 = pct(baseline, 0.95), statistics.median(baseline)
    print(f"ratios: turn/search p50 {statistics.median(all_inproc) / b50:.1f}x p95 {pct(all_inproc, 0.95) / b95:.1f}x;"
          f" HTTP/search p50 {statistics.median(all_http) / b50:.1f}x p95 {pct(all_http, 0.95) / b95:.1f}x;"
          f" HTTP/turn p95 {pct(all_http, 0.95) / pct(all_inproc, 0.95):.2f}x")
    s_inproc, s_http = searched["inproc"], searched["http"]
    print(f"ratios, turns that search: turn/search p50 {statistics.median(s_inproc) / b50:.1f}x "
          f"p95 {pct(s_inproc, 0.95) / b95:.1f}x; HTTP/search p50 {statistics.median(s_http) / b50:.1f}x"
          f" p95 {pct(s_http, 0.95) / b95:.1f}x")
    print(f"searches per turn: mean {statistics.mean(searches_per_turn):.2f}, max {max(searches_per_turn)}; "
          f"composer: {dict(composers)}")
    print("by kind (in-process / HTTP):")
    for kind in inproc:
        print("  " + line(f"{kind} in-process", inproc[kind]))
        print("  " + line(f"{kind} HTTP", http[kind]))
    write("turn", {"rounds": args.rounds, "baseline": summary(baseline), "inproc": summary(all_inproc),
                   "http": summary(all_http), "searched_inproc": summary(searched["inproc"]),
                   "searched_http": summary(searched["http"]), "by_kind": {k: {"inproc": summary(inproc[k]),
                                                              "http": summary(http[k])} for k in inproc},
                   "searches_per_turn": statistics.mean(searches_per_turn), "composers": composers})


def bench_profile(args: argparse.Namespace) -> None:
    from assistant.chat.models import ChatRequest
    from assistant.services import Services

    settings = template_settings(fresh_db("profile"))
    chat = Services(settings).chat

    def run(rounds: int) -> None:
        for _ in range(rounds):
            for script in SCRIPTS:
                session_id = None
                for message, _kind in script:
                    session_id = chat.turn(ChatRequest(message=message, session_id=session_id)).session_id

    try:
        run(1)  # warm-up
        profiler = cProfile.Profile()
        profiler.enable()
        run(args.rounds)
        profiler.disable()
    finally:
        chat.close()
    turns = args.rounds * sum(len(s) for s in SCRIPTS)
    print(f"{turns} turns profiled")
    stats = pstats.Stats(profiler).sort_stats("cumulative")
    stats.print_stats(args.top)


# ------------------------------------------------------------------ a real server

class Server:
    """`shopassist serve` on a free loopback port, its own database, until closed."""

    def __init__(self, name: str, env: dict[str, str]):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = OUT / f"serve-{name}.log"
        exe = Path(sys.executable).parent / "shopassist"
        command = [str(exe)] if exe.exists() else [sys.executable, "-m", "assistant.cli"]
        environment = {**os.environ, "SHOPASSIST_HOME": str(demo_home()), "SHOPASSIST_DATABASE_URL": fresh_db(name),
                       **env}
        environment.pop("SHOPASSIST_LLM_URL", None)
        self.process = subprocess.Popen([*command, "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                                        env=environment, cwd=REPO, stdout=self.log.open("w"),
                                        stderr=subprocess.STDOUT)
        started = time.perf_counter()
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"shopassist serve exited ({self.process.returncode}); see {self.log}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.perf_counter() - started > 180:
                raise RuntimeError(f"shopassist serve did not come up in 180 s; see {self.log}")
            time.sleep(0.25)
        self.startup = time.perf_counter() - started

    def rss_mb(self) -> float:
        for row in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if row.startswith("VmRSS:"):
                return int(row.split()[1]) / 1024
        return float("nan")

    def log_problems(self) -> list[str]:
        return [row for row in self.log.read_text(errors="replace").splitlines()
                if "Traceback" in row or "ERROR" in row or "Exception" in row]

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


# ------------------------------------------------------------------ 2. first streamed token with the local model

def sse_turn(client: httpx.Client, message: str, session_id: str | None) -> dict:
    """One streamed turn: seconds to the products event, to the first token event and to done; the done data."""
    body = {"message": message, "stream": True, **({"session_id": session_id} if session_id else {})}
    started = time.perf_counter()
    marks: dict = {}
    event = None
    with client.stream("POST", "/v1/chat", json=body) as response:
        if response.status_code != 200:
            raise RuntimeError(f"POST /v1/chat {message!r}: {response.status_code} {response.read()[:300]!r}")
        for row in response.iter_lines():
            if row.startswith("event: "):
                event = row[len("event: "):]
                marks.setdefault(event, time.perf_counter() - started)
            elif row.startswith("data: ") and event in ("done", "error"):
                marks[f"{event}_data"] = json.loads(row[len("data: "):])
    if "done_data" not in marks:
        raise RuntimeError(f"POST /v1/chat {message!r}: no done event ({marks.get('error_data')})")
    return marks


def bench_first_token(args: argparse.Namespace) -> None:
    from assistant.llm.prepare import prepare_local_model

    started = time.perf_counter()
    model_dir = prepare_local_model(Settings(home=demo_home(), llm="local", llm_url=None, local_model=None))
    print(f"local model: {model_dir} (prepared in {time.perf_counter() - started:.1f} s)")
    server = Server("first-token", {"SHOPASSIST_LLM": "local", "SHOPASSIST_CHAT_COMPOSER": "auto"})
    rows = []
    try:
        print(f"server up in {server.startup:.1f} s on {server.url}")
        with httpx.Client(base_url=server.url, timeout=120) as client:
            for message in ("hello", "tent under $200"):  # loads the weights, caches the prompt prefixes
                marks = sse_turn(client, message, None)
                print(f"warm-up {message!r}: first token {marks.get('token', float('nan')):.2f} s, "
                      f"done {marks['done']:.2f} s, {marks['done_data']['composer']}")
            script = 0
            while len(rows) < args.turns:
                session_id = None
                for message, kind in SCRIPTS[script % len(SCRIPTS)]:
                    if len(rows) >= args.turns:
                        break
                    marks = sse_turn(client, message, session_id)
                    done = marks["done_data"]
                    session_id = done["session_id"]
                    rows.append({"message": message, "kind": kind, "products": marks.get("products"),
                                 "first_token": marks.get("token"), "done": marks["done"],
                                 "composer": done["composer"], "reply": done["reply"]})
                    print(f"  {message[:40]:<40} products {marks.get('products', float('nan')):5.2f} s  first token "
                          f"{marks.get('token', float('nan')):5.2f} s  done {marks['done']:5.2f} s  "
                          f"{done['composer']:<8} {done['reply'][:70]!r}")
                script += 1
        rss = server.rss_mb()
    finally:
        server.close()
    first = [r["first_token"] for r in rows if r["first_token"] is not None]
    llm = sum(r["composer"] == "llm" for r in rows)
    print(f"load average now {loadavg()}; server RSS {rss:.0f} MB; log problems: {server.log_problems()[:5]}")
    print(line("first token (s)", first, "s"))
    print(line("products event (s)", [r["products"] for r in rows], "s"))
    print(line("done (s)", [r["done"] for r in rows], "s"))
    print(f"turns without a token event: {len(rows) - len(first)}")
    print(f"composer: llm {llm} of {len(rows)} ({llm / len(rows):.0%}), template {len(rows) - llm}")
    for kind in dict.fromkeys(r["kind"] for r in rows):
        of = [r for r in rows if r["kind"] == kind]
        print(f"  {kind:<9} {len(of):2d} turns, llm {sum(r['composer'] == 'llm' for r in of)}, first token p50 "
              f"{statistics.median([r['first_token'] for r in of if r['first_token'] is not None]):.2f} s")
    write("first-token", {"turns": rows, "first_token": summary(first), "llm_share": llm / len(rows)})


# ------------------------------------------------------------------ 3. sustained concurrent sessions

async def client_loop(client: httpx.AsyncClient, start_script: int, deadline: float, latencies: list[float],
                      errors: list[str]) -> None:
    script = start_script
    while time.perf_counter() < deadline:
        session_id = None
        for message, _kind in SCRIPTS[script % len(SCRIPTS)]:
            if time.perf_counter() >= deadline:
                break
            body = {"message": message, **({"session_id": session_id} if session_id else {})}
            started = time.perf_counter()
            try:
                response = await client.post("/v1/chat", json=body)
                elapsed = (time.perf_counter() - started) * 1000
                data = response.json()
                if response.status_code // 100 != 2 or not data.get("reply"):
                    errors.append(f"{response.status_code} {message!r}: {str(data)[:200]}")
                    break
            except Exception as exc:  # noqa: BLE001 - every failure is an error of the run
                errors.append(f"{type(exc).__name__} {message!r}: {exc}")
                break
            latencies.append(elapsed)
            session_id = data["session_id"]
        script += 1


async def load_level(url: str, clients: int, seconds: float) -> dict:
    latencies: list[float] = []
    errors: list[str] = []
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:
        started = time.perf_counter()
        await asyncio.gather(*(client_loop(client, n, started + seconds, latencies, errors)
                               for n in range(clients)))
        wall = time.perf_counter() - started
    return {"clients": clients, "wall_s": wall, "turns": len(latencies), "turns_per_s": len(latencies) / wall,
            "errors": len(errors), "error_samples": errors[:5], **summary(latencies)}


def bench_load(args: argparse.Namespace) -> None:
    server = Server("load", {"SHOPASSIST_LLM": "none", "SHOPASSIST_CHAT_COMPOSER": "template"})
    levels = []
    try:
        print(f"server up in {server.startup:.1f} s on {server.url}")
        with httpx.Client(base_url=server.url, timeout=60) as client:  # warm-up: every script once
            for script in SCRIPTS:
                session_id = None
                for message, _kind in script:
                    session_id = client.post("/v1/chat", json={"message": message, **(
                        {"session_id": session_id} if session_id else {})}).raise_for_status().json()["session_id"]
        for clients in args.clients:
            result = asyncio.run(load_level(server.url, clients, args.seconds))
            result["server_rss_mb"] = server.rss_mb()
            result["loadavg"] = loadavg()
            levels.append(result)
            print(f"{clients:3d} clients: {result['turns']:5d} turns in {result['wall_s']:5.1f} s = "
                  f"{result['turns_per_s']:6.1f} turns/s   p50 {result['p50']:7.1f} ms   p95 {result['p95']:7.1f} ms"
                  f"   p99 {result['p99']:7.1f} ms   max {result['max']:7.1f} ms   errors {result['errors']}   "
                  f"server RSS {result['server_rss_mb']:.0f} MB   load {result['loadavg']}")
            for sample in result["error_samples"]:
                print(f"      {sample}")
    finally:
        server.close()
    print(f"server log problems: {server.log_problems()[:5]}")
    write("load", {"seconds": args.seconds, "levels": levels})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parts = parser.add_subparsers(dest="part", required=True)
    turn = parts.add_parser("turn")
    turn.add_argument("--rounds", type=int, default=20, help="passes over every script per path (default 20)")
    first = parts.add_parser("first-token")
    first.add_argument("--turns", type=int, default=18)
    load = parts.add_parser("load")
    load.add_argument("--clients", type=int, nargs="+", default=[4, 8, 16])
    load.add_argument("--seconds", type=float, default=60.0, help="per level")
    profile = parts.add_parser("profile")
    profile.add_argument("--rounds", type=int, default=3)
    profile.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    {"turn": bench_turn, "first-token": bench_first_token, "load": bench_load, "profile": bench_profile}[args.part](
        args)


if __name__ == "__main__":
    main()
