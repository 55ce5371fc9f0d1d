"""The scale-out path: a real `chroma run` server on loopback, ingest + search through it."""

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from assistant.services import Services
from assistant.config import Settings
from retrieval.models import SearchRequest
from retrieval.search import Retriever

from conftest import FEEDS, ingest_file

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def chroma_server(tmp_path):
    chroma = shutil.which("chroma", path=str(Path(sys.executable).parent))
    assert chroma, "the chroma CLI is installed with chromadb"
    port = _free_port()
    proc = subprocess.Popen([chroma, "run", "--path", str(tmp_path / "server-data"), "--host", "127.0.0.1",
                             "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/api/v2/heartbeat"
    for _ in range(120):
        try:
            urllib.request.urlopen(url, timeout=1)
            break
        except OSError:
            time.sleep(0.25)
    else:
        proc.kill()
        pytest.fail("chroma server did not start")
    yield port
    proc.terminate()
    proc.wait(timeout=10)


def test_ingest_and_search_through_a_chroma_server(chroma_server, tmp_path, embedder):
    settings = Settings(home=tmp_path / "home", chroma_host="127.0.0.1", chroma_port=chroma_server)
    home = Services(settings).catalog_home
    report = ingest_file(home, embedder, FEEDS / "google_feed.tsv")
    assert report.ingested == 3
    # the vectors live on the server, not in an embedded store under the data home
    assert not settings.chroma_dir.exists()
    names = [c.name for c in home.chroma.list_collections()]
    assert names == [f"shopassist-{home.active_name()}"]
    retriever = Retriever(home, embedder)
    hits = retriever.search(SearchRequest(query="wireless earbuds", max_price=100, mode="dense")).results
    assert hits[0].id == "G-100"
    assert all(h.price is not None and h.price <= 100 for h in hits)
    assert "G-101" not in {h.id for h in hits}  # 129 EUR is over the ceiling
    # a replace on the server swaps collections too
    ingest_file(home, embedder, FEEDS / "google_feed.xml", replace=True)
    assert [c.name for c in home.chroma.list_collections()] == [f"shopassist-{home.active_name()}"]
    assert retriever.search(SearchRequest(query="hiking socks")).results[0].id == "X-1"
