"""Policy questions: `lookup_policy`, quoted word for word (`answers.quote_policy`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from retrieval.intent import Intent

from ..answers import quote_policy
from ..findings import Findings
from .context import RouteContext

POLICY_PASSAGES = 2


@dataclass
class PolicyFindings(Findings):
    route: ClassVar[str] = "policy"

    def template(self, message: str) -> str:
        if not self.policies:
            return "I couldn't find that in our store policies. Could you ask it another way?"
        passage = self.policies[0]
        document = passage.source.removesuffix(".md").replace("-", " ")
        return f"Our {document} policy ({passage.title}) says: “{quote_policy(passage, message)}”"


def policy(context: RouteContext, intent: Intent, text: str) -> PolicyFindings:
    passages = context.tools["lookup_policy"].invoke({"question": text, "k": 3}).passages
    if passages:  # the best one, and the next only when it is nearly as good
        passages = [p for p in passages if p.score >= passages[0].score * 0.8][:POLICY_PASSAGES]
    return PolicyFindings(intent, policies=passages)
