"""Issue 14, metrics and logs: /metrics scraped and parsed as Prometheus text (a strict parser of the 0.0.4
format below), request ids in and out, JSON log lines that carry them."""

from __future__ import annotations

import io
import json
import logging
import math
import re

import pytest
from fastapi.testclient import TestClient

from assistant.api import create_app
from assistant.api.observability import JsonFormatter, configure_logging
from assistant.config import Settings
from assistant.metrics import Metrics
from assistant.services import Services
from retrieval.search import Retriever

from conftest import FEEDS, ingest_file

# ---------------------------------------------------------------------------------------------- a strict parser

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
SAMPLE = re.compile(rf"^({NAME})(\{{(?:{LABEL})(?:,{LABEL})*\}})? (\S+)(?: (-?\d+))?$")
LABEL_PAIR = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"')
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}


def parse_prometheus(text: str) -> dict[str, dict]:
    """{family: {"type", "help", "samples": [(name, labels, value)]}}; raises AssertionError on anything the text
    format does not allow: a sample before its TYPE, a TYPE twice, a sample outside its family, a bad name,
    label or value, duplicate series, histogram buckets out of order or disagreeing with _count."""
    assert text.endswith("\n"), "the exposition ends with a newline"
    families: dict[str, dict] = {}
    current = None
    seen = set()
    for number, line in enumerate(text.split("\n")[:-1], 1):
        if line.startswith("# HELP "):
            name, _, help_text = line[7:].partition(" ")
            assert re.fullmatch(NAME, name), f"line {number}: bad name {name!r}"
            families.setdefault(name, {"samples": []})["help"] = help_text
            continue
        if line.startswith("# TYPE "):
            name, _, kind = line[7:].partition(" ")
            assert kind in TYPES, f"line {number}: bad type {kind!r}"
            family = families.setdefault(name, {"samples": []})
            assert "type" not in family and not family["samples"], f"line {number}: TYPE after samples or twice"
            family["type"], current = kind, name
            continue
        assert line, f"line {number}: empty line"
        if line.startswith("#"):  # another comment
            continue
        match = SAMPLE.match(line)
        assert match, f"line {number}: not a sample: {line!r}"
        name, labels, value = match.group(1), match.group(2) or "", match.group(3)
        assert current is not None, f"line {number}: a sample before any TYPE"
        kind = families[current]["type"]
        allowed = {current} if kind in ("counter", "gauge", "untyped") else \
            {f"{current}_bucket", f"{current}_sum", f"{current}_count"}
        assert name in allowed, f"line {number}: {name} outside its family {current}"
        pairs = tuple(LABEL_PAIR.findall(labels))
        assert len({k for k, _ in pairs}) == len(pairs), f"line {number}: a label twice"
        number_value = float(value.replace("+Inf", "inf").replace("-Inf", "-inf"))
        assert not math.isnan(number_value)
        key = (name, pairs)
        assert key not in seen, f"line {number}: duplicate series"
        seen.add(key)
        families[current]["samples"].append((name, dict(pairs), number_value))
    for name, family in families.items():
        assert "type" in family, f"{name}: HELP without TYPE"
        if family["type"] == "counter":
            assert all(v >= 0 for _, _, v in family["samples"]), f"{name}: a negative counter"
        if family["type"] == "histogram":
            _check_histogram(name, family["samples"])
    return families


def _check_histogram(name: str, samples: list) -> None:
    series: dict[tuple, dict] = {}
    for sample, labels, value in samples:
        base = tuple(sorted((k, v) for k, v in labels.items() if k != "le"))
        entry = series.setdefault(base, {"buckets": []})
        if sample.endswith("_bucket"):
            entry["buckets"].append((float(labels["le"].replace("+Inf", "inf")), value))
        else:
            entry[sample.rsplit("_", 1)[1]] = value
    for base, entry in series.items():
        bounds = [b for b, _ in entry["buckets"]]
        counts = [c for _, c in entry["buckets"]]
        assert bounds == sorted(bounds) and bounds[-1] == math.inf, f"{name}{base}: buckets out of order / no +Inf"
        assert counts == sorted(counts), f"{name}{base}: bucket counts not cumulative"
        assert counts[-1] == entry["count"] and "sum" in entry, f"{name}{base}: +Inf bucket != _count"


def value(families, family: str, sample: str | None = None, **labels) -> float:
    return sum(v for name, got, v in families[family]["samples"]
               if name == (sample or family) and all(got.get(k) == w for k, w in labels.items()))


# ---------------------------------------------------------------------------------------------- the app


@pytest.fixture(scope="module")
def app(tmp_path_factory, embedder):
    tmp = tmp_path_factory.mktemp("metrics")
    settings = Settings(home=tmp / "home", llm="none", llm_url=None, rate_limits={"search": 3})
    services = Services(settings)
    ingest_file(services.catalog_home, embedder, FEEDS / "products.jsonl")
    services = Services(settings, retriever=Retriever(services.catalog_home, embedder))
    with TestClient(create_app(services=services)) as client:
        staff = {"authorization": f"Bearer {services.keys.create('staff').key}"}
        yield client, staff


def test_metrics_parse_as_prometheus_text_and_count_what_happened(app):
    client, staff = app
    assert client.get("/v1/products/J-1").status_code == 200
    assert client.get("/v1/products/NOPE").status_code == 404
    assert client.post("/v1/chat", json={"message": "green tea"}).status_code == 200
    searches = [client.post("/v1/search", json={"query": "tea"}).status_code for _ in range(5)]
    assert 429 in searches  # the limiter's (3 a minute here)

    assert client.get("/metrics").status_code == 401  # a staff or admin key (Prometheus sends it)
    scraped = client.get("/metrics", headers=staff)
    assert scraped.status_code == 200
    assert scraped.headers["content-type"].startswith("text/plain; version=0.0.4")
    families = parse_prometheus(scraped.text)

    requests = "shopassist_http_requests_total"
    assert families[requests]["type"] == "counter"
    # Route templates, never raw paths: one series per route and status.
    assert value(families, requests, route="/v1/products/{product_id}", status="200") >= 1
    assert value(families, requests, route="/v1/products/{product_id}", status="404") >= 1
    assert not any("NOPE" in str(labels) for _, labels, _ in families[requests]["samples"])
    assert value(families, requests, route="/v1/search", status="429") >= 1
    assert value(families, "shopassist_rate_limited_total", route="/v1/search") == searches.count(429)
    latency = "shopassist_http_request_duration_seconds"
    assert families[latency]["type"] == "histogram"
    assert value(families, latency, f"{latency}_count", route="/v1/chat", method="POST") >= 1
    assert value(families, "shopassist_chat_turns_total", composer="template") >= 1
    for family in ("shopassist_llm_fallbacks_total", "shopassist_events_flagged_total",
                   "shopassist_events_accepted_total", "shopassist_http_requests_in_flight"):
        assert family in families
    # The scrape itself is in flight while it renders.
    assert value(families, "shopassist_http_requests_in_flight") == 1


def test_events_accepted_and_flagged_are_counted(app):
    client, staff = app
    before = parse_prometheus(client.get("/metrics", headers=staff).text)
    click = {"type": "interaction", "action_name": "click", "query_id": "never-issued", "object_id": "J-1",
             "position": 1, "client_id": "c1", "timestamp": "2026-11-24T10:15:00Z"}
    assert client.post("/v1/events", json=click).json()["flagged"] == 1
    after = parse_prometheus(client.get("/metrics", headers=staff).text)
    for family in ("shopassist_events_accepted_total", "shopassist_events_flagged_total"):
        assert value(after, family) == value(before, family) + 1


def test_request_ids_in_and_out(app):
    client, _ = app
    given = client.get("/healthz", headers={"x-request-id": "lb-7f3a.12:9"})
    assert given.headers["x-request-id"] == "lb-7f3a.12:9"
    made = client.get("/healthz")
    assert re.fullmatch(r"[0-9a-f]{32}", made.headers["x-request-id"])
    # A header that is not a plain token (log injection, overlong) is replaced, never echoed.
    for bad in ("a b", "x" * 129, 'quote"d'):
        assert client.get("/healthz", headers={"x-request-id": bad}).headers["x-request-id"] != bad
    # Refused requests carry one too.
    assert client.get("/metrics").headers["x-request-id"]


def test_json_logs_carry_the_request_id(app):
    client, _ = app
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    stream = io.StringIO()
    try:
        configure_logging("json")
        root.handlers[0].stream = stream
        client.get("/v1/products/J-1", headers={"x-request-id": "req-logs-1"})
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    access = [line for line in lines if line["logger"] == "shopassist.access"]
    assert access, lines
    line = access[-1]
    assert line["request_id"] == "req-logs-1" and line["status"] == 200 and line["method"] == "GET"
    assert line["route"] == "/v1/products/{product_id}" and line["duration_ms"] >= 0
    assert line["level"] == "info" and line["time"].endswith("+00:00")


def test_the_json_formatter_keeps_exceptions_on_one_line():
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.getLogger("t").makeRecord("t", logging.ERROR, __file__, 1, "failed %s", ("x",),
                                                   __import__("sys").exc_info())
    line = JsonFormatter().format(record)
    assert "\n" not in line and json.loads(line)["exception"].endswith("ValueError: boom")


def test_counts_are_summed_over_the_workers_of_a_host(tmp_path):
    # Two registries standing for two worker processes: each writes its file, a scrape of either sums them.
    one, two = Metrics(), Metrics()
    one.share_through(tmp_path)
    one.inc("shopassist_http_requests_total", method="GET", route="/healthz", status="200")
    one.observe("shopassist_http_request_duration_seconds", 0.02, method="GET", route="/healthz")
    two.inc("shopassist_http_requests_total", 2, method="GET", route="/healthz", status="200")
    two.observe("shopassist_http_request_duration_seconds", 0.2, method="GET", route="/healthz")
    other = tmp_path / "1.json"  # pid 1 is alive in any container: stands for the other worker
    other.write_text(json.dumps(two._snapshot()))
    families = parse_prometheus(one.render())
    assert value(families, "shopassist_http_requests_total") == 3
    latency = "shopassist_http_request_duration_seconds"
    assert value(families, latency, f"{latency}_count") == 2
    assert value(families, latency, f"{latency}_bucket", le="0.025") == 1
