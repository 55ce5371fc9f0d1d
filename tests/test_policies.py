"""Policy passages: Markdown split by `## ` heading, made quotable, and found by BM25."""

from __future__ import annotations

import pytest

from retrieval.demo.catalog_generator import POLICIES_DIR
from retrieval.policies import PolicyIndex, split_sections


@pytest.fixture(scope="module")
def index() -> PolicyIndex:
    return PolicyIndex.from_dir(POLICIES_DIR)


def test_sections_are_split_by_heading_and_made_plain():
    title, sections = split_sections(
        "# Shipping\n\n> intro\n\n## Costs\n\n| Option | Cost |\n| --- | --- |\n| Express | **$12.99** |\n\n"
        "Orders over $50 ship\nfree, see [returns](returns.md).\n\n## Steps\n\n1. Pack it\n2. Drop it off\n")
    assert title == "Shipping"
    assert sections == [("Costs", "Option - Cost.\nExpress - $12.99.\nOrders over $50 ship free, see returns."),
                        ("Steps", "1. Pack it\n2. Drop it off")]


def test_every_demo_policy_is_indexed(index):
    assert {p.source for p in index.passages} == {"faq.md", "payment.md", "price-match.md", "returns.md",
                                                   "shipping.md", "warranty.md"}
    assert all(p.title and p.text for p in index.passages)


@pytest.mark.parametrize("question, source, title", [
    ("how long do refunds take?", "returns.md", "Refund timing"),
    ("can I pay with PayPal?", "payment.md", "Accepted payment methods"),
    ("can I return opened lipstick", "returns.md", "Items that cannot be returned"),
    ("what is your return policy?", "returns.md", "The 30-day return window"),
    ("how do I track my order", "faq.md", "How do I track my order?"),
    ("warranty on headphones", "warranty.md", "Electronics: 90-day direct replacement"),
])
def test_questions_find_their_passage(index, question, source, title):
    top = index.search(question, 3)[0]
    assert (top.source, top.title) == (source, title) and top.score > 0


def test_nothing_matches_nothing(index, tmp_path):
    assert index.search("zebra quantum", 3) == []
    assert PolicyIndex.from_dir(tmp_path / "missing").search("returns") == []
