"""Policy questions: `lookup_policy`, quoted word for word (`answers.quote_policy`) from this store's own
policies. When none answers, the reply says so and how to reach the store; nothing else is said (no LLM)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from retrieval.intent import Intent
from retrieval.policies import DEFAULT_CONTACT

from ..answers import quote_policy
from ..findings import Findings
from .context import RouteContext, fit_text

POLICY_PASSAGES = 2
NEARLY_AS_GOOD = 0.8  # the second passage is cited only when it scores this share of the best one


@dataclass
class PolicyFindings(Findings):
    contact: str | None = None  # how to reach the store (`Settings.store_contact`)

    route: ClassVar[str] = "policy"

    def template(self, message: str) -> str:
        if not self.policies:
            return f"Our store's policy documents do not cover that, so I don't have that information. " \
                   f"For help with it, please contact {self.contact or DEFAULT_CONTACT}."
        passage = self.policies[0]
        document = Path(passage.source).stem.replace("-", " ").replace("_", " ")
        says = "say" if document.endswith("policies") else "says"
        if not document.endswith(("policy", "policies")):
            document += " policy"
        return f"Our {document} ({passage.title}) {says}: “{quote_policy(passage, message)}”"

    def found_nothing(self) -> bool:
        # No passage answers: the template says so; a model would answer from what it knows of other stores.
        return not self.policies


def policy(context: RouteContext, intent: Intent, text: str) -> PolicyFindings:
    tool = context.tools["lookup_policy"]
    results = tool.invoke({"question": fit_text(tool, "question", text), "k": 3})
    passages = results.passages
    if passages:  # the best one, and the next only when it is nearly as good
        passages = [p for p in passages if p.score >= passages[0].score * NEARLY_AS_GOOD][:POLICY_PASSAGES]
    return PolicyFindings(intent, policies=passages, contact=results.contact)
