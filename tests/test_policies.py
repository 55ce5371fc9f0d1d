"""Policy passages: Markdown split by `## ` heading, made quotable, and found by BM25; the store's own policies
read in (Markdown, a Shopify export, HTML, plain text), replaced atomically, listed over the CLI and the API; a
store without a policy on a question says so and how to reach it, never quoting another store's."""

from __future__ import annotations

import json

import pytest

from retrieval.demo.catalog_generator import POLICIES_DIR
from retrieval.policies import PolicyIndex, PolicyStore, parse_policies, split_sections


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


# ---------------------------------------------------------------- the store's own policies: reading them in

MARKDOWN = """# Refund policy

> Updated March 2026.

## Returns

Unused items can be returned within 14 days of delivery.
Sale items are final.

## Refunds

Refunds reach your card within 10 business days.

# Shipping policy

We ship to the US and Canada.

Orders over $75 ship free.
"""

SHOPIFY_EXPORT = {"policies": [  # the shape of the Admin API's GET policies.json
    {"title": "Refund policy", "handle": "refund-policy", "url": "https://shop.example/policies/refund-policy",
     "created_at": "2025-01-01T10:00:00-05:00", "updated_at": "2025-02-01T10:00:00-05:00",
     "body": "<p><strong>Returns</strong></p><p>We have a 30-day return policy, which means you have 30 days "
             "after receiving your item to request a return.</p><p>To start a return, contact us at "
             "<a href=\"mailto:help@shop.example\">help@shop.example</a>.</p><h2>Damages &amp; issues</h2>"
             "<p>Please inspect your order upon reception.</p><ul><li>Defective</li><li>Damaged</li></ul>"},
    {"title": "Privacy policy", "handle": "privacy-policy", "body": ""},
    {"title": "Shipping policy", "handle": "shipping-policy",
     "body": "<div><p>Orders ship within 2 business days.</p><p>International orders take 7&ndash;14 days."
             "</p></div><script>track()</script>"},
]}


def outline(documents):
    return [(d.source, d.title, [s.title for s in d.sections]) for d in documents]


def test_markdown_headings_are_documents_and_sections():
    documents = parse_policies(MARKDOWN, "store.md")
    assert outline(documents) == [
        ("refund-policy.md", "Refund policy", ["Returns", "Refunds"]),
        ("shipping-policy.md", "Shipping policy", ["We ship to the US and Canada",
                                                   "Orders over $75 ship free"])]
    assert documents[0].sections[0].text == ("Unused items can be returned within 14 days of delivery. "
                                             "Sale items are final.")
    one = parse_policies("# Returns and Exchanges\n\n> a note\n\n## The window\n\nThirty days.\n", "returns.md")
    assert outline(one) == [("returns.md", "Returns and Exchanges", ["The window"])]  # a quoted note is left out


def test_shopify_export_bodies_are_cleaned_html():
    documents = parse_policies(json.dumps(SHOPIFY_EXPORT), "policies.json")
    assert outline(documents) == [("refund-policy.md", "Refund policy", ["Returns", "Damages & issues"]),
                                  ("shipping-policy.md", "Shipping policy", ["Orders ship within 2 business days",
                                                                             "International orders take 7–14 days"])]
    returns, damages = documents[0].sections
    assert returns.text == ("We have a 30-day return policy, which means you have 30 days after receiving your item "
                            "to request a return.\nTo start a return, contact us at help@shop.example.")
    assert damages.text == "Please inspect your order upon reception.\n- Defective\n- Damaged"
    assert "track()" not in documents[1].model_dump_json()
    terms = {"title": "Terms of service", "type": "TERMS_OF_SERVICE",
             "body": "<h3>Overview</h3><p>This website is operated by us.</p>"}
    graphql = {"data": {"shop": {"shopPolicies": [terms]}}}
    assert outline(parse_policies(json.dumps(graphql), "export.json")) == [
        ("terms-of-service.md", "Terms of service", ["Overview"])]


def test_html_and_plain_text_paragraphs_become_passages():
    html = "<h1>Store FAQ</h1><h2>Do you gift wrap?</h2><p>Yes, for $5.</p><p>Pick a paper at checkout.</p>"
    assert outline(parse_policies(html, "faq.html")) == [("faq.md", "Store FAQ", ["Do you gift wrap?"])]
    text = ("We accept returns of unused items within 14 days\nof delivery.\n\n"
            "Exchanges\nAsk us by email for another size.\n\n"
            "Gift cards cannot be returned. They never expire.\n")
    [document] = parse_policies(text, "Store Rules.txt")
    assert (document.source, document.title) == ("store-rules.md", "Store Rules")  # the file name is the document
    assert [(s.title, s.text) for s in document.sections] == [
        ("We accept returns of unused items within 14…",
         "We accept returns of unused items within 14 days of delivery."),
        ("Exchanges", "Ask us by email for another size.\nGift cards cannot be returned. They never expire.")]


@pytest.mark.parametrize("text, name", [("", "empty.md"), ("   \n\n", "blank.txt"), ("{}", "export.json"),
                                        ("<p> </p>", "page.html"), ("{not json", "broken.json")])
def test_a_file_without_policy_text_is_an_error(text, name):
    with pytest.raises(ValueError):
        parse_policies(text, name)


# ---------------------------------------------------------------- the store's own policies: replacing them


def test_replace_is_atomic_and_a_running_store_sees_the_new_set(tmp_path, monkeypatch):
    store = PolicyStore(tmp_path / "policies")
    assert store.passages == [] and store.search("return policy") == []  # nothing loaded: no policies at all
    store.replace(parse_policies(MARKDOWN, "store.md"))
    assert store.search("when does my refund reach my card?", 1, answers_only=True)[0].title == "Refunds"
    first = store.active_name()

    import retrieval.policies as policies

    real = policies._write_synced
    calls = []

    def failing(path, text):
        calls.append(path)
        if len(calls) == 2:
            raise OSError("disk full")
        real(path, text)

    monkeypatch.setattr(policies, "_write_synced", failing)
    with pytest.raises(OSError):
        store.replace(parse_policies(json.dumps(SHOPIFY_EXPORT), "policies.json"))
    monkeypatch.setattr(policies, "_write_synced", real)
    assert store.active_name() == first and [p.title for p in store.passages][:2] == ["Returns", "Refunds"]
    assert not [p for p in store.directory.iterdir() if p.name.endswith(".tmp")]  # no half-written version left

    other = PolicyStore(tmp_path / "policies")  # another process serving the same store
    other.search("returns")
    store.replace(parse_policies(json.dumps(SHOPIFY_EXPORT), "policies.json"))
    assert other.search("what is your refund policy?", 1)[0].text.startswith("We have a 30-day return policy")
    assert [d.source for d in other.outline()] == ["refund-policy.md", "shipping-policy.md"]
    for _ in range(3):
        store.replace(parse_policies(MARKDOWN, "store.md"))
    versions = [p for p in store.directory.iterdir() if p.is_dir()]
    assert len(versions) == 2 and store.active_name() in {p.name for p in versions}  # serving + previous


def test_a_folder_kept_by_hand_is_followed_too(tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "returns.md").write_text("# Returns\n\n## Window\n\nThirty days.\n", encoding="utf-8")
    store = PolicyStore(folder)
    assert [p.text for p in store.passages] == ["Thirty days."]
    (folder / "returns.md").write_text("# Returns\n\n## Window\n\nSixty days now.\n", encoding="utf-8")
    assert [p.text for p in store.passages] == ["Sixty days now."]


@pytest.mark.parametrize("question", ["do you offer student discounts?", "what is your privacy policy?",
                                      "can I bring my dog to the store", "do you have a loyalty program?"])
def test_weak_matches_are_not_answers(index, question):
    assert index.search(question, 3)  # a shared common word ("offer", "store", "policy") ...
    assert index.search(question, 3, answers_only=True) == []  # ... is not an answer


@pytest.mark.parametrize("question, title", [
    ("how long do refunds take?", "Refund timing"), ("Do you price match Amazon?", "Matching other retailers"),
    ("can I return it if it leaks?", None), ("do you ship to Alaska?", "Where we ship"),
    ("what is your return policy?", "The 30-day return window"), ("where is my package", None)])
def test_answers_are_kept(index, question, title):
    found = index.search(question, 3, answers_only=True)
    assert found and (title is None or found[0].title == title)


SMALL_STORE = """# Store Policies

## Returns

Unused items can be returned within 30 days for a refund.

## Damaged items

If an item arrives damaged, send us a photo within 2 days and we ship a replacement.

## Delivery

Large appliances such as refrigerators and washers are delivered for $49; small items ship free.

## Contact

Email help@shop.example.
"""


@pytest.mark.parametrize("question, title", [
    ("my lamp arrived broken, what do I do?", "Damaged items"),  # everyday word for the heading's
    ("the vase came cracked", "Damaged items"),
    ("how much is delivery for a fridge?", "Delivery"),  # the heading named; a product no policy names
    ("what does it cost to deliver a sofa?", "Delivery")])
def test_a_question_in_everyday_words_or_naming_a_product_finds_its_section(tmp_path, question, title):
    (tmp_path / "policies.md").write_text(SMALL_STORE, encoding="utf-8")
    found = PolicyIndex.from_dir(tmp_path).search(question, 3, answers_only=True)
    assert found and found[0].title == title


def test_a_heading_word_alone_does_not_answer_a_question_on_another_topic(tmp_path):
    (tmp_path / "policies.md").write_text(SMALL_STORE, encoding="utf-8")
    index = PolicyIndex.from_dir(tmp_path)
    assert index.search("do you have a loyalty program?", 3, answers_only=True) == []
    assert index.search("can I pay with bitcoin?", 3, answers_only=True) == []


# ---------------------------------------------------------------- the CLI


def test_cli_loads_and_lists_the_stores_policies(tmp_path, monkeypatch, capsys):
    from assistant.cli import main

    monkeypatch.setenv("SHOPASSIST_HOME", str(tmp_path / "home"))
    assert main(["policies", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"documents": []}
    (tmp_path / "store.md").write_text(MARKDOWN, encoding="utf-8")
    (tmp_path / "export.json").write_text(json.dumps(SHOPIFY_EXPORT), encoding="utf-8")
    assert main(["policies", "load", str(tmp_path / "store.md")]) == 0
    out = capsys.readouterr()
    assert "refund-policy.md  Refund policy\n  - Returns\n  - Refunds\n" in out.out and "loaded 2 documents" in out.err
    assert main(["policies", "load", str(tmp_path / "export.json")]) == 0  # replaces, not adds
    capsys.readouterr()
    assert main(["policies", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)["documents"]
    assert [(d["source"], d["sections"]) for d in listed] == [
        ("refund-policy.md", ["Returns", "Damages & issues"]),
        ("shipping-policy.md", ["Orders ship within 2 business days", "International orders take 7–14 days"])]
    assert (tmp_path / "home" / "policies" / "ACTIVE").is_file()
    assert main(["policies", "load", str(tmp_path / "missing.md")]) == 2
    assert main(["policies", "clear"]) == 0
    assert PolicyStore(tmp_path / "home" / "policies").passages == []


# ---------------------------------------------------------------- chat and the API (the demo catalog)


@pytest.fixture(scope="module")
def own_store(demo_settings, demo_retriever, tmp_path_factory):
    """The demo catalog serving a store that has its own policy folder (empty until loaded) and contact."""
    from chat_helpers import chat_settings

    from assistant.services import Services

    tmp = tmp_path_factory.mktemp("own-policies")
    settings = chat_settings(demo_settings, tmp, policies_dir=tmp / "policies",
                             store_contact="Fernbrook support at help@fernbrook.example")
    services = Services(settings, retriever=demo_retriever)
    yield services
    services.close()


def ask(chat, message: str):
    from assistant.chat.models import ChatRequest

    return chat.turn(ChatRequest(message=message))


def test_a_store_without_policies_says_so_and_how_to_reach_it(own_store):
    own_store.policies.replace([])
    answer = ask(own_store.chat, "what is your return policy?")
    assert answer.intent.action == "policy_question" and answer.policies == []
    assert "do not cover" in answer.reply and "Fernbrook support at help@fernbrook.example" in answer.reply
    assert "“" not in answer.reply and "30 days" not in answer.reply  # nothing quoted, the demo's least of all


def test_no_llm_speaks_for_a_policy_the_store_does_not_have(own_store):
    from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
    from langchain_core.messages import AIMessage

    from assistant.chat.composer import Composer
    from assistant.chat.routes.policy import PolicyFindings
    from assistant.llm import LLM
    from retrieval.intent import Intent

    llm = LLM("fake", GenericFakeChatModel(messages=iter([AIMessage(content="Returns are free for a month.")])))
    composer = Composer(PolicyFindings(Intent(action="policy_question"), contact="us"), "return policy?", llm)
    text = "".join(composer.stream())
    assert composer.composer == "template" and "Returns are free" not in text and "contact us" in text


def test_a_loaded_policy_is_answered_without_a_restart_and_a_topic_it_lacks_is_not(own_store):
    own_store.policies.replace([])
    chat = own_store.chat  # built once, as a running server's
    assert ask(chat, "how long does shipping take?").policies == []
    own_store.policies.replace(parse_policies(json.dumps(SHOPIFY_EXPORT), "policies.json"))
    answer = ask(chat, "how long does international shipping take?")
    assert answer.policies[0].source == "shipping-policy.md" and "7–14 days" in answer.reply
    assert answer.reply.startswith("Our shipping policy (")
    missing = ask(chat, "what is your warranty policy?")  # the demo has one; this store does not
    assert missing.intent.action == "policy_question" and missing.policies == []
    assert "help@fernbrook.example" in missing.reply and "defect" not in missing.reply


def test_the_demo_store_answers_from_its_own_policies(demo_settings, demo_retriever, tmp_path):
    from chat_helpers import chat_service, chat_settings

    chat = chat_service(chat_settings(demo_settings, tmp_path), demo_retriever)
    assert (demo_settings.home / "policies" / "ACTIVE").is_file()  # written when the demo store was built
    answer = ask(chat, "what is your return policy?")
    assert (answer.policies[0].source, answer.policies[0].title) == ("returns.md", "The 30-day return window")
    assert "“" in answer.reply and "30 days" in answer.reply
    chat.close()


@pytest.fixture(scope="module")
def client(own_store):
    from fastapi.testclient import TestClient

    from assistant.api import create_app

    with TestClient(create_app(services=own_store)) as test_client:
        test_client.headers["authorization"] = f"Bearer {own_store.keys.create('admin').key}"  # PUT: an admin door
        yield test_client


def test_api_lists_and_replaces_the_policies(client):
    put = client.put("/v1/policies?name=store.md", content=MARKDOWN, headers={"content-type": "text/markdown"})
    assert put.status_code == 200
    assert put.json() == client.get("/v1/policies").json() == {"documents": [
        {"source": "refund-policy.md", "title": "Refund policy", "sections": ["Returns", "Refunds"]},
        {"source": "shipping-policy.md", "title": "Shipping policy",
         "sections": ["We ship to the US and Canada", "Orders over $75 ship free"]}]}
    chat = client.post("/v1/chat", json={"message": "when does my refund reach my card?"}).json()
    assert chat["policies"][0]["title"] == "Refunds" and "10 business days" in chat["reply"]

    shopify = client.put("/v1/policies", json=SHOPIFY_EXPORT)  # application/json: a Shopify export
    assert [d["source"] for d in shopify.json()["documents"]] == ["refund-policy.md", "shipping-policy.md"]
    assert shopify.json()["documents"][0]["sections"] == ["Returns", "Damages & issues"]
    text = client.put("/v1/policies?name=Store%20Rules.txt", content="Gift cards never expire.\n",
                      headers={"content-type": "text/plain"}).json()
    assert text == {"documents": [{"source": "store-rules.md", "title": "Store Rules",
                                   "sections": ["Gift cards never expire"]}]}


@pytest.mark.parametrize("content, content_type, query, field", [
    (b"", "text/markdown", "", "body"),
    (b"\xff\xfe\x00garbage", "text/plain", "", "body"),
    (b"{\"nothing\": 1}", "application/json", "", "body"),
    (b"# Title only\n", "text/markdown", "", "body"),
    (b"Some text.", "text/plain", "?format=yaml", "query.format"),
])
def test_api_bad_policy_bodies_are_a_422_naming_the_field(client, content, content_type, query, field):
    before = client.get("/v1/policies").json()
    response = client.put(f"/v1/policies{query}", content=content, headers={"content-type": content_type})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == field
    assert client.get("/v1/policies").json() == before  # the serving set is untouched


def test_no_store_falls_back_to_the_demo_policies(tmp_path):
    from assistant.config import Settings
    from assistant.services import Services

    (tmp_path / "demo" / "policies").mkdir(parents=True)  # a demo built here once, then replaced by a real catalog
    (tmp_path / "demo" / "policies" / "returns.md").write_text((POLICIES_DIR / "returns.md").read_text())
    policies = Services(Settings(home=tmp_path)).policies
    assert policies.passages == [] and policies.search("what is your return policy?") == []
    assert policies.directory == tmp_path / "policies"
