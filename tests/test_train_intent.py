"""`shopassist train-intent` end to end on a tiny model: it trains a few steps, saves a plain HF directory with
a model card, registers it (ACTIVE), becomes the local LLM, answers a parse and is merged with the rules.
The real training (SmolLM2-135M, ~25 minutes on 2 cores) is a benchmark: benchmarks/train_intent_bench.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.cli import main
from assistant.config import Settings
from assistant.intent.evaluation import IntentExample
from assistant.intent.extractor import extract_intent
from assistant.intent.parser import IntentParser, _grounded, _grounding_words, _normalise, merge
from assistant.intent.synthetic import generate_requests
from assistant.llm import get_llm, prepare_local_model
from assistant.llm.backends import INTENT_MODEL_MAX_TOKENS
from assistant.intent.finetune import training_pair
from assistant.llm.intent_model import active_intent_model
from assistant.llm.prepare import local_model_dir
from retrieval.catalog import CatalogHome
from retrieval.demo.catalog_generator import generate_catalog
from retrieval.intent import Intent, PriceConstraint
from retrieval.vector_store import chroma_client

pytestmark = pytest.mark.integration  # the packaged SmolLM2 tokenizer
CACHE_HOME = Path(__file__).resolve().parents[1] / ".shopassist-test-cache"


def test_generated_requests_carry_the_products_labels():
    products = generate_catalog(200, seed=3)
    examples = generate_requests(products, 300, seed=1)
    assert len(examples) == 300 and examples == generate_requests(products, 300, seed=1)  # deterministic
    leaves = {p.category[-1] for p in products}
    for example in examples:
        assert isinstance(example, IntentExample) and example.expected["category"] in leaves
        intent = example.expected_intent()
        said = _normalise(example.text)
        for key, value in intent.attributes.items():  # every label is in the text, as the merge checks
            assert _grounded(f"attributes.{key}", value, said, None), (value, example.text)
        for field, brands in (("brands", intent.brands), ("exclude.brands", intent.exclude.brands)):
            assert not brands or _grounded(field, brands, said, None), (brands, example.text)
    assert any(e.expected.get("pack_count") for e in examples)
    assert any("price" in e.expected for e in examples) and any("exclude" in e.expected for e in examples)


def test_targets_are_the_whole_labelled_intent_with_or_without_hints():
    text = "i want a 6 pack of 10 ounce granola bars in gentle nude"
    gold = Intent(product_type="granola bars", pack_count=6, attributes={"size": "10 oz", "color": "gentle nude"})
    whole = {"product_type": "granola bars", "color": "gentle nude", "size": "10 oz", "pack_count": 6}
    hinted = training_pair(text, gold, extract_intent(text), None, "t")
    assert json.loads(hinted.target) == whole  # not only what the rules (10, "nude") got wrong
    assert "Parser hints: none" not in hinted.messages[-1].content
    alone = training_pair(text, gold, None, None, "t")
    assert json.loads(alone.target) == whole and "Parser hints: none" in alone.messages[-1].content
    # The short prompt of a fine-tuned model: a system line and the message, no few-shot turns.
    assert len(hinted.messages) == 2
    assert json.loads(training_pair("granola bars", Intent(product_type="granola bars"),
                                    extract_intent("granola bars"), None, "t").target) == \
        {"product_type": "granola bars"}


def test_a_trusted_model_wins_on_open_vocabulary_fields_only_when_grounded():
    text = "a 6 pack of 10 ounce potatoes in gentle nude, under $20, not Acme"
    rules = extract_intent(text)
    proposal = rules.model_copy(deep=True)
    proposal.attributes = {**rules.attributes, "color": "gentle nude", "material": "silk"}
    proposal.pack_count, proposal.price = 6, PriceConstraint(max=200, currency="USD")
    merged, taken = merge(rules, proposal, text, None, trust=True)
    assert merged.attributes["color"] == "gentle nude" and merged.pack_count == 6  # the rules read 6 too
    assert "material" not in merged.attributes  # "silk" is not in the message
    assert merged.price.max == 20 and "price" not in taken and merged.exclude.brands == rules.exclude.brands
    untrusted, _ = merge(rules, proposal, text, None)
    assert untrusted.attributes.get("color") == rules.attributes.get("color")  # a general model only fills gaps


def test_a_trusted_model_adds_features_and_leaves_pack_counts_and_certain_fields_to_the_rules():
    text = "i need loafers in a size 12 with a rubber sole, waterproof, pack of 2, under $50, not Acme"
    rules = extract_intent(text)
    assert rules.features == ["waterproof"] and rules.pack_count == 2
    proposal = Intent(product_type="loafers", attributes={"size": "12"}, features=["rubber sole"], pack_count=12,
                      sort="price_asc")
    merged, taken = merge(rules, proposal, text, None, trust=True)
    assert merged.features == ["waterproof", "rubber sole"] and "features" in taken  # the lexicon's and the model's
    assert merged.pack_count == 2 and "pack_count" not in taken  # the rules' certain count stands
    assert merged.sort == rules.sort and merged.price.max == 50 and merged.exclude.brands == rules.exclude.brands
    assert merged.attributes.get("material") == rules.attributes.get("material")  # left out: the rules' stays
    gap = extract_intent("loafers in a size 12")
    filled, _ = merge(gap, Intent(pack_count=12), "loafers in a size 12", None, trust=True)
    assert filled.pack_count == 12  # a count the rules did not find is filled (12 is in the message)
    untrusted, _ = merge(rules, proposal, text, None)
    assert untrusted.features == rules.features  # the packaged model only fills gaps


@pytest.fixture(scope="module")
def tiny_base(tmp_path_factory) -> Path:
    """A 2-layer Llama with SmolLM2's tokenizer and chat template: trains and decodes in seconds."""
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    packaged = prepare_local_model(Settings(home=CACHE_HOME, local_model=None))
    tokenizer = AutoTokenizer.from_pretrained(packaged)
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=2, num_key_value_heads=1, max_position_embeddings=2048,
                         tie_word_embeddings=True, bos_token_id=tokenizer.bos_token_id,
                         eos_token_id=tokenizer.eos_token_id)
    directory = tmp_path_factory.mktemp("tiny-base")
    LlamaForCausalLM(config).save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory


@pytest.fixture
def store_settings(tmp_path) -> Settings:
    """A data home whose serving catalog has 60 demo products (the product table alone: no embeddings)."""
    settings = Settings(home=tmp_path / "home", llm="local", llm_url=None, local_model=None, llm_timeout=60.0)
    home = CatalogHome(settings.catalog_dir, chroma_client(settings.chroma_dir))
    version = home.create()
    version.products.upsert((p, "") for p in generate_catalog(60, seed=5))
    home.activate(version)
    version.close()
    return settings


def test_train_intent_saves_registers_serves_and_merges(tiny_base, store_settings, monkeypatch, capsys):
    settings = store_settings
    monkeypatch.setattr("assistant.cli.get_settings", lambda: settings)
    out = settings.intent_model_dir / "tiny"
    assert main(["train-intent", "--base", str(tiny_base), "--examples", "24", "--max-steps", "2",
                 "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "step 2/2" in printed and "ETA" in printed and "now the intent model" in printed
    assert (out / "config.json").is_file() and (out / "model.safetensors").is_file()
    meta = json.loads((out / "intent_training.json").read_text())
    assert meta["report"]["steps"] == 2 and meta["data"]["synthetic"] == 24 and meta["config"]["seed"] == 0
    card = (out / "README.md").read_text()
    assert "Model card" in card and "Never the held-out test split" in card
    assert active_intent_model(settings) == out and local_model_dir(settings) == out

    llm = get_llm(settings)
    assert llm is not None and llm.fine_tuned and llm.name == "local:tiny"
    # Served int8 (~3x faster decoding) and cut off at INTENT_MODEL_MAX_TOKENS, a bound on the model path.
    assert llm.chat.int8 and llm.chat.max_new_tokens == INTENT_MODEL_MAX_TOKENS
    parser = IntentParser(lambda: None, lambda: llm)
    response = parser.parse("red running shoes under $80, not Nike")  # confident rules: a tuned model is asked
    assert response.source.llm == "local:tiny"
    intent = response.intent
    assert intent.price.max == 80 and intent.exclude.brands == ["Nike"]  # the rules' certain fields stand
    words = _grounding_words("red running shoes under $80, not nike")
    for field, source in response.source.fields.items():
        if source == "llm" and field.startswith("attributes."):
            assert _grounding_words(intent.attributes[field.split(".")[1]].lower()) <= words
    assert IntentParser(lambda: None, lambda: llm).parse("red running shoes", use_llm=False).source.parser == "rules"

    # The intent model parses; replies are composed by the packaged model, which the fine-tune never touched.
    from assistant.services import Services

    services = Services(settings)
    assert services.intent_llm().fine_tuned and services.intent_llm().name == "local:tiny"
    chat_llm = services.llm()
    assert chat_llm is not None and not chat_llm.fine_tuned and chat_llm.name != "local:tiny"
    assert not chat_llm.chat.int8 and chat_llm.chat.max_new_tokens > INTENT_MODEL_MAX_TOKENS
    assert services.intent_parser.llm() is services.intent_llm()

    other = settings.intent_model_dir / "other"
    assert main(["train-intent", "--base", str(tiny_base), "--examples", "8", "--max-steps", "1", "--out",
                 str(other), "--no-activate"]) == 0
    assert active_intent_model(settings) == out  # --no-activate keeps the one in use
    pinned = settings.model_copy(update={"local_model": other})
    assert local_model_dir(pinned) == other  # SHOPASSIST_LOCAL_MODEL still wins
