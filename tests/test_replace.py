"""`ingest --replace` builds beside the serving catalog and swaps only on success."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from retrieval.ingest.pipeline import ingest_products, read_feed
from retrieval.models import SearchRequest
from retrieval.search import Retriever

from conftest import FEEDS, ingest_file


def _ids(home, embedder, query="tea coffee granola"):
    return {h.id for h in Retriever(home, embedder).search(SearchRequest(query=query, k=20)).results}


def test_replace_swaps_in_the_new_catalog_and_drops_the_old(home, embedder):
    ingest_file(home, embedder, FEEDS / "products.jsonl")
    old = home.active_name()
    ingest_file(home, embedder, FEEDS / "google_feed.xml", replace=True)
    assert home.active_name() != old
    assert not (home.root / old).exists()
    assert _ids(home, embedder, "hiking socks trekking poles") == {"X-1", "X-3"}


def test_a_failing_replace_leaves_the_old_catalog_serving(home, embedder):
    ingest_file(home, embedder, FEEDS / "products.jsonl")
    before = home.active_name()
    retriever = Retriever(home, embedder)
    assert {"J-1", "J-2", "J-4"} <= _ids(home, embedder)

    def feed_that_breaks():
        yield from read_feed(FEEDS / "google_feed.xml")
        raise OSError("disk went away")

    with pytest.raises(OSError):
        ingest_products(home, embedder, feed_that_breaks(), replace=True)
    assert home.active_name() == before
    assert [p.name for p in home.root.iterdir() if p.is_dir()] == [before]  # the half-built version is gone
    hits = retriever.search(SearchRequest(query="green tea")).results
    assert hits[0].id == "J-1"


def test_a_replace_with_no_valid_products_is_refused(home, embedder, tmp_path):
    ingest_file(home, embedder, FEEDS / "products.jsonl")
    before = home.active_name()
    empty = tmp_path / "bad.jsonl"
    empty.write_text('{"id": "x"}\nnot json\n')
    with pytest.raises(ValueError, match="no products"):
        ingest_file(home, embedder, empty, replace=True)
    assert home.active_name() == before and {"J-1", "J-2"} <= _ids(home, embedder)


@pytest.mark.slow
def test_a_killed_replace_leaves_the_old_catalog_searchable(tmp_path, embedder):
    env = {**os.environ, "SHOPASSIST_HOME": str(tmp_path / "home"), "HF_HUB_OFFLINE": "1"}
    cli = [sys.executable, "-m", "assistant.cli"]
    subprocess.run([*cli, "ingest", str(FEEDS / "products.jsonl")], env=env, check=True, capture_output=True)
    big = tmp_path / "big.jsonl"
    with open(big, "w") as handle:
        for i in range(5000):
            handle.write(json.dumps({"id": f"B-{i}", "title": f"Replacement widget number {i}", "price": 1 + i % 50})
                         + "\n")
    proc = subprocess.Popen([*cli, "ingest", "--replace", str(big)], env=env, stderr=subprocess.PIPE, text=True)
    seen = ""
    deadline = time.time() + 120
    while "ingest: " not in seen and time.time() < deadline:  # wait until it is writing the new version
        seen += proc.stderr.read(1)
    assert "ingest: " in seen, "the replace never started writing"
    proc.send_signal(signal.SIGKILL)
    proc.wait()

    out = subprocess.run([*cli, "search", "green tea", "--json"], env=env, check=True, capture_output=True,
                         text=True)
    results = json.loads(out.stdout)["results"]
    assert results[0]["id"] == "J-1"
    assert not any(r["id"].startswith("B-") for r in results)
    # the next ingest cleans up the interrupted build
    subprocess.run([*cli, "ingest", "--replace", str(FEEDS / "google_feed.xml")], env=env, check=True,
                   capture_output=True)
    catalog = tmp_path / "home" / "catalog"
    assert len([p for p in catalog.iterdir() if p.is_dir()]) == 1
