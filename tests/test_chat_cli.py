"""`shopassist chat` on the demo store: a conversation from stdin, and one message as JSON."""

from __future__ import annotations

import io
import json

from assistant.cli import main


def test_chat_reads_a_conversation_from_stdin(demo_settings, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SHOPASSIST_HOME", str(demo_settings.home))
    monkeypatch.setenv("SHOPASSIST_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setattr("sys.stdin", io.StringIO("headlamp under $30\nadd the first one to my cart\n"))
    assert main(["chat", "--llm", "none"]) == 0
    out = capsys.readouterr()
    assert "headlamp under $30" in out.out and "Added 1 ×" in out.out and "Your cart total is $" in out.out
    assert "(session " in out.err
    prices = [float(line.split("$")[1].split()[0]) for line in out.out.splitlines() if line.startswith("  1. ")]
    assert prices and prices[0] <= 30


def test_chat_one_message_as_json(demo_settings, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SHOPASSIST_HOME", str(demo_settings.home))
    monkeypatch.setenv("SHOPASSIST_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    assert main(["chat", "--llm", "none", "--json", "do you ship to Alaska?"]) == 0
    response = json.loads(capsys.readouterr().out)
    assert response["policies"][0]["source"] == "shipping.md" and response["composer"] == "template"
