"""The `shopassist` command in-process, against the demo store."""

import json

import pytest

from assistant.cli import main


@pytest.fixture
def demo_env(monkeypatch, demo_settings):
    monkeypatch.setenv("SHOPASSIST_HOME", str(demo_settings.home))


def test_search_json_respects_filters(demo_env, capsys):
    assert main(["search", "wireless earbuds", "--k", "5", "--max-price", "60", "--json"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert len(body["results"]) == 5
    assert all(r["price"] <= 60 for r in body["results"])


def test_search_batch_writes_one_json_line_per_query_in_order(demo_env, capsys, tmp_path):
    batch = tmp_path / "queries.jsonl"
    batch.write_text("\n".join([
        json.dumps({"query": "running shoes", "max_price": 80}),
        json.dumps({"query": "coffee", "category": "Grocery"}),
        json.dumps({"query": ""}),
        "not json",
        json.dumps({"query": "tent", "brand": "nobody-makes-this"}),
    ]) + "\n")
    assert main(["search", "--batch", str(batch), "--k", "3"]) == 1  # some lines failed
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(lines) == 5
    assert lines[0]["query"] == "running shoes" and len(lines[0]["results"]) == 3
    assert all(r["price"] <= 80 for r in lines[0]["results"])
    assert set(lines[0]["results"][0]) == {"id", "title", "price", "currency", "category", "score"}
    assert all(r["category"][0] == "Grocery" for r in lines[1]["results"])
    assert lines[2]["line"] == 3 and "query" in lines[2]["error"]
    assert lines[3]["line"] == 4 and "error" in lines[3]
    assert lines[4] == {"query": "tent", "ranker": None, "results": []}  # no trained ranker in this home


def test_bad_arguments_exit_2_with_a_message(demo_env, capsys):
    assert main(["search", "shoes", "--min-price", "50", "--max-price", "10"]) == 2
    assert "max_price" in capsys.readouterr().err
    assert main(["ingest", "/no/such/feed.csv"]) == 2
    assert "no such feed file" in capsys.readouterr().err


def test_eval_retrieval_json(demo_env, capsys):
    assert main(["eval", "retrieval", "--json"]) == 0
    results = json.loads(capsys.readouterr().out)
    assert set(results) == {"dense", "bm25", "hybrid"}
    assert results["hybrid"]["queries"] >= 60


@pytest.mark.slow
def test_demo_command_builds_and_serves(tmp_path):
    """What `make run` calls: build the demo store when missing, then serve UI + API."""
    import os
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "SHOPASSIST_HOME": str(tmp_path / "home"), "SHOPASSIST_PORT": str(port),
           "SHOPASSIST_DEMO_PRODUCTS": "300", "SHOPASSIST_LLM": "none"}  # the LLM has its own tests
    proc = subprocess.Popen([sys.executable, "-m", "assistant.cli", "demo"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        health = None
        for _ in range(240):
            try:
                health = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).read())
                break
            except OSError:
                time.sleep(0.5)
        assert health and health["products"] == 300
        page = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).read().decode()
        assert "<form" in page and "/v1/search" in page
        request = urllib.request.Request(f"http://127.0.0.1:{port}/v1/search", method="POST",
                                         data=json.dumps({"query": "tent", "k": 3}).encode(),
                                         headers={"content-type": "application/json"})
        assert len(json.loads(urllib.request.urlopen(request, timeout=10).read())["results"]) == 3
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    assert (tmp_path / "home" / "demo" / "SYNTHETIC.txt").exists()


def test_intent_batch_keeps_order_and_reports_bad_lines(demo_env, capsys, tmp_path):
    batch = tmp_path / "requests.jsonl"
    batch.write_text("\n".join([
        json.dumps({"text": "red running shoes under $80"}),
        "gluten free pasta, not Barilla",
        json.dumps({"text": ""}),
        json.dumps({"words": "no text key"}),
        json.dumps({"text": "what is your return policy?"}),
    ]) + "\n")
    assert main(["intent", "--batch", str(batch), "--llm", "none"]) == 1
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(lines) == 5
    assert lines[0]["price"]["max"] == 80 and lines[0]["attributes"]["color"] == "red"
    assert lines[1]["exclude"]["brands"] == ["Barilla"] and "gluten free" in lines[1]["features"]
    assert lines[2]["line"] == 3 and "text" in lines[2]["error"]
    assert lines[3]["line"] == 4 and "text" in lines[3]["error"]
    assert lines[4]["action"] == "policy_question"


def test_intent_json_says_where_the_fields_came_from(demo_env, capsys):
    assert main(["intent", "cheapest wireless earbuds", "--llm", "none", "--json"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["intent"]["sort"] == "price_asc"
    assert body["source"]["parser"] == "rules" and body["source"]["fields"]["sort"] == "rules"
