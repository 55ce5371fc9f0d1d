"""Clarify: the message points at products, but none can be told apart (nothing shown yet, a position
past the end): ask which."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ..findings import Findings


@dataclass
class ClarifyFindings(Findings):
    route: ClassVar[str] = "clarify"

    def template(self, message: str) -> str:
        if self.intent.action == "add_to_cart":
            return "Which product should I add? Say “the first one” or give its product id."
        return "Which products do you mean? Search for something first, then say “the first one” or “compare " \
               "the first two”."
