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
