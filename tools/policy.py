"""`lookup_policy`: passages of the store's policy documents (returns, shipping, warranty, ...)."""

from __future__ import annotations

from langchain_core.tools import StructuredTool
from pydantic import BaseModel, Field

from .models import PolicyResults
from .shop import Shop


class LookupPolicyArgs(BaseModel):
    question: str = Field(min_length=1, max_length=500, description="The shopper's question, e.g. 'how long do "
                                                                     "refunds take'.")
    k: int = Field(default=3, ge=1, le=5, description="How many passages.")


def lookup_policy(shop: Shop, question: str, k: int = 3) -> PolicyResults:
    """Passages that answer the question, from this store's own policies only: weak matches (a common word
    shared, not the topic) are left out, so no passage means the policies do not say; `contact` is how to
    reach the store then."""
    return PolicyResults(passages=shop.policies.search(question, k, answers_only=True),
                         contact=shop.policies.contact)


def lookup_policy_tool(shop: Shop) -> StructuredTool:
    return StructuredTool.from_function(
        lambda question, k=3: lookup_policy(shop, question, k), name="lookup_policy", args_schema=LookupPolicyArgs,
        description="Find the store's policy passages (returns, refunds, shipping, warranty, payment, price "
                    "match, FAQ) that answer a question. Quote them; never answer policy questions without them: "
                    "with no passage, say the policies do not cover it and how to reach the store (`contact`).")
