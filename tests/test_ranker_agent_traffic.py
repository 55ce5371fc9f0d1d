"""Agent traffic in ranker training (issue 12): outside agents' MCP calls are logged as the shoppers' searches
are (an issued query, impressions, then the clicks and carts of what the agent opened or carted), marked
`traffic: agent`; `shopassist train-ranker` keeps them apart by default and learns from them with
`--agent-traffic include`. Real training on a small log over a 12-product catalog."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from assistant.cli import main
from assistant.config import Settings
from assistant.services import Services
from assistant.ucp.commerce import AgentCaller, AgentStore
from ranking.dataset import load_impressions
from ranking.events import InteractionEvent, QueryEvent
from ranking.report import ExclusionReport
from retrieval.ingest.pipeline import ingest_products, read_feed

pytestmark = pytest.mark.slow  # trains a real model, twice

FEED = Path(__file__).parent / "data" / "feeds" / "acp_outdoor.jsonl"
FAST = ["--text-steps", "1", "--max-epochs", "3", "--no-activate"]
AGENT = {"ucp-agent": {"profile": "https://agent.example/profile.json"}}
# What shoppers search and are shown; OUT-111 and OUT-112 are never shown to a shopper.
SHOPPER_PAGES = {"hiking boots": ["OUT-101", "OUT-102", "OUT-103", "OUT-104", "OUT-105", "OUT-110"],
                 "camping gear": ["OUT-106", "OUT-107", "OUT-108", "OUT-109", "OUT-105", "OUT-110"]}


@pytest.fixture(scope="module")
def logged(tmp_path_factory, embedder):
    """48 shopper searches over two weeks (issued, impressions, clicks), then an agent's real MCP tool calls:
    two searches, a product opened and a cart."""
    home = tmp_path_factory.mktemp("agent-traffic")
    settings = Settings(home=home, llm="none", llm_url=None, database_url=f"sqlite:///{home / 'events.db'}")
    services = Services(settings)
    services.embedder = embedder
    ingest_products(services.catalog_home, embedder, read_feed(FEED))
    start = datetime.now(timezone.utc) - timedelta(days=14)
    shopper_rows = 0
    for i in range(48):
        query = "hiking boots" if i % 2 else "camping gear"
        shown = SHOPPER_PAGES[query]
        moment = start + timedelta(hours=6 * i)
        query_id, session = uuid.uuid4().hex, f"s-{i}"
        services.events.issue([QueryEvent(type="query", event_id=query_id, query_id=query_id, session_id=session,
                                          client_id=f"c-{i % 7}", user_query=query, timestamp=moment,
                                          query_response_hit_ids=shown)])
        clicked = 2 if i % 3 else 0
        services.events.add([InteractionEvent(type="interaction", action_name=action, query_id=query_id,
                                              object_id=shown[position - 1], position=position,
                                              session_id=session, client_id=f"c-{i % 7}",
                                              timestamp=moment + timedelta(seconds=position))
                             for position in range(1, len(shown) + 1)
                             for action in (["impression", "click"] if position == clicked + 1 else ["impression"])])
        shopper_rows += len(shown)

    store, caller = AgentStore(services), lambda: AgentCaller(transport="mcp-http", address="198.51.100.4")
    pages = [store.call("search_catalog", {"meta": AGENT, "catalog": {"query": query}}, caller())
             for query in ("merino hiking socks", "insulated down jacket")]
    socks = pages[0]["products"][0]["id"]
    store.call("get_product", {"meta": AGENT, "catalog": {"id": socks}}, caller())
    store.call("create_cart", {"meta": AGENT, "cart": {"line_items": [{"item": {"id": socks}, "quantity": 1}]}},
               caller())
    agent_rows = sum(len(page["products"]) for page in pages)
    services.close()
    return settings, shopper_rows, agent_rows, socks


def test_agent_calls_are_logged_as_searches_with_impressions_clicks_and_carts(logged):
    settings, _, agent_rows, socks = logged
    services = Services(settings)
    try:
        included = load_impressions(services.events, agent_traffic="include")
        report = ExclusionReport()
        excluded = load_impressions(services.events, exclusions=report)
    finally:
        services.close()
    agent = [r for r in included if r.user_id == "agent:agent.example"]
    assert socks == "OUT-112" and len(agent) == agent_rows
    assert [(r.product_id, r.grade) for r in agent if r.clicked] == [("OUT-112", 2)]  # opened, then carted
    assert not [r for r in excluded if r.user_id.startswith("agent:")]
    # 2 searches, 1 view, 1 cart; their impressions, the click and the add-to-cart
    assert (report.agent_traffic, report.agent_searches, report.agent_interactions) == ("exclude", 4,
                                                                                        agent_rows + 2)
    assert report.excluded == {}  # the shoppers' events all pass screening


@pytest.mark.parametrize("option", [[], ["--agent-traffic", "include"]])
def test_train_ranker_keeps_agent_traffic_apart_unless_told(logged, option, tmp_path, monkeypatch, capsys):
    settings, shopper_rows, agent_rows, socks = logged
    monkeypatch.setenv("SHOPASSIST_HOME", str(settings.home))
    monkeypatch.setenv("SHOPASSIST_DATABASE_URL", settings.database_url)
    out = tmp_path / "model"
    assert main(["train-ranker", *FAST, "--out", str(out), *option]) == 0
    printed = capsys.readouterr().out
    meta = json.loads((out / "ranker.json").read_text())
    seen = json.loads((out / "behaviour.json").read_text())
    rows = sum(meta["report"]["rows"].values())
    screening = meta["report"]["screening"]
    if not option:  # the default: the shoppers' rows only, and the agent's left out, counted and said
        assert rows == shopper_rows
        assert socks not in seen["shown"] and "OUT-111" not in seen["shown"]
        assert screening["agent_traffic"] == "exclude" and screening["agent_interactions"] == agent_rows + 2
        assert f"agent traffic: left out {agent_rows + 2} interactions, 4 agent query events" in printed
        assert meta["window"]["agent_traffic"] == "exclude"
    else:
        assert rows == shopper_rows + agent_rows
        assert seen["shown"][socks] == 1 and seen["clicks"][socks] == 1
        assert screening["agent_traffic"] == "include" and "agent traffic: included" in printed
    assert "agent traffic" in (out / "model_card.md").read_text()


def test_the_setting_is_the_default(logged, tmp_path, monkeypatch, capsys):
    settings, shopper_rows, agent_rows, _ = logged
    monkeypatch.setenv("SHOPASSIST_HOME", str(settings.home))
    monkeypatch.setenv("SHOPASSIST_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("SHOPASSIST_RANKER_AGENT_TRAFFIC", "include")
    assert main(["eval", "ranker", "--json", "--text-steps", "1", "--max-epochs", "2"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert sum(report["rows"].values()) == shopper_rows + agent_rows
    assert report["screening"]["agent_traffic"] == "include"
