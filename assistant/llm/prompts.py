"""Prompt files from /prompts: text with a small front matter (`name`, `version`) that is logged, not sent."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib.resources import files


@dataclass(frozen=True)
class Prompt:
    name: str
    version: str
    text: str


@cache
def load_prompt(filename: str) -> Prompt:
    raw = files("prompts").joinpath(filename).read_text(encoding="utf-8")
    meta: dict[str, str] = {}
    if raw.startswith("---\n"):
        header, _, raw = raw[4:].partition("\n---\n")
        meta = dict(line.split(":", 1) for line in header.splitlines() if ":" in line)
        meta = {key.strip(): value.strip() for key, value in meta.items()}
    return Prompt(meta.get("name", filename), meta.get("version", "0"), raw.strip())


@cache
def load_examples(filename: str) -> tuple[dict, ...]:
    """Few-shot examples: a JSON array, one example a line (packaged as *.json, unlike *.jsonl)."""
    return tuple(json.loads(files("prompts").joinpath(filename).read_text(encoding="utf-8")))


def data_text(text: str) -> str:
    """Text for inside a prompt's data block (<facts>, <message>, <history>, <tool_result>): catalog text,
    chat history, a shopper's message. Angle brackets become look-alikes, so no data can close its block
    or open another; the words stay readable."""
    return text.replace("<", "‹").replace(">", "›")


def data_block(name: str, text: str) -> str:
    """`text` between <name> and </name>, as data (see data_text)."""
    return f"<{name}>\n{data_text(text)}\n</{name}>"
