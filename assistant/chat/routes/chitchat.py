"""Small talk and anything that is not shopping: nothing to look up; say what the assistant can do."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from .. import cues
from ..findings import Findings
from ..wording import GREETING


@dataclass
class ChitchatFindings(Findings):
    route: ClassVar[str] = "chitchat"

    def template(self, message: str) -> str:
        if cues.says_thanks(message):
            return "You're welcome! Anything else I can find for you?"
        if self.intent.action == "chitchat":
            return f"Hi! {GREETING}"
        return f"I'm the store's shopping assistant, so I can't help with that. {GREETING}"
