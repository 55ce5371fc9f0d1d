"""The LLM layer against real models and real failures: SmolLM2 in-process, a vLLM server on loopback,
a refused connection and a server that never answers. Nothing is mocked.

The converted SmolLM2 (~30 s to make, 517 MB) is cached in .shopassist-test-cache/models (gitignored), so the
conversion happens once per machine; the vLLM server needs `make vllm-env`."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.intent.extractor import extract_intent
from retrieval.intent import Intent
from assistant.llm import LLM, IntentDraft, LLMUnavailable, get_llm, llm_intent, prepare_local_model
from assistant.llm.intent import EXAMPLES, SYSTEM_PROMPT, intent_messages
from assistant.llm.prompts import load_examples, load_prompt
from assistant.llm.vllm import vllm_python

REPO = Path(__file__).resolve().parents[1]
CACHE_HOME = REPO / ".shopassist-test-cache"
REQUESTS = ["gluten free pasta, no Barilla", "red running shoes under $80", "best rated wireless headphones"]


def settings(**fields) -> Settings:
    """Settings for these tests alone: explicit fields over defaults, whatever SHOPASSIST_* says."""
    return Settings(**{"home": CACHE_HOME, "llm": "auto", "llm_url": None, "local_model": None,
                       "vllm_python": None, "llm_timeout": 60.0, "llm_retries": 0, **fields})


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def assert_valid(intent: Intent) -> None:
    assert isinstance(intent, Intent)
    assert Intent.model_validate_json(intent.model_dump_json()) == intent


# ------------------------------------------------------------------ prompt files and the reduced schema

def test_prompt_files_load_and_examples_validate():
    system = load_prompt(SYSTEM_PROMPT)
    assert system.version and not system.text.startswith("---")
    for example in load_examples(EXAMPLES):
        for key in ("intent", "hints", "context"):
            if key in example:
                IntentDraft.model_validate(example[key])
    messages = intent_messages("blue socks", context_intent=extract_intent("wool socks"),
                               hints=extract_intent("blue socks"))
    assert [m.type for m in messages[:3]] == ["system", "human", "ai"]
    assert "blue socks" in messages[-1].content and "wool" in messages[-1].content


def test_draft_fills_over_hints_and_keeps_what_it_leaves_out():
    hints = extract_intent("gluten free pasta for my mom, no Barilla, 2 pack")
    draft = IntentDraft.model_validate({"query": "pasta", "color": "red", "price_max": 10, "currency": "eur"})
    intent = draft.to_intent(hints)
    assert_valid(intent)
    assert intent.query == "pasta" and intent.attributes["color"] == "red"
    assert intent.price.max == 10 and intent.price.currency == "EUR"
    assert intent.exclude.brands == hints.exclude.brands == ["Barilla"]  # left out: kept from the hints
    assert intent.pack_count == hints.pack_count and intent.recipient == hints.recipient  # outside the draft
    assert intent.confidence["attributes.color"] == intent.confidence["price"] < 1


# ------------------------------------------------------------------ backend selection

def test_backend_selection(local_model_dir):
    assert get_llm(settings(llm="none")) is None
    assert get_llm(settings(llm_url="http://127.0.0.1:9/v1")).name.startswith("openai:")
    assert get_llm(settings()).name == f"local:{local_model_dir.name}"


def test_local_backend_without_a_model_is_none(tmp_path):
    assert get_llm(settings(llm="local", local_model=tmp_path)) is None


# ------------------------------------------------------------------ the local model (SmolLM2, in-process)

@pytest.fixture(scope="session")
def local_model_dir() -> Path:
    return prepare_local_model(settings())


@pytest.fixture(scope="session")
def local_llm(local_model_dir) -> LLM:
    llm = get_llm(settings(llm="local"))
    assert llm is not None
    return llm


@pytest.mark.parametrize("text", REQUESTS)
def test_local_model_intents_validate(local_llm, text):
    hints = extract_intent(text)
    intent = llm_intent(text, local_llm, hints=hints)
    assert_valid(intent)
    assert intent.query
    assert intent.exclude.brands == hints.exclude.brands  # "no Barilla" survives the LLM pass


def test_local_model_without_hints_follows_the_schema(local_llm):
    draft = local_llm.structured(intent_messages("cheap blue cotton t-shirt, size L"), IntentDraft)
    assert isinstance(draft, IntentDraft)
    structured = local_llm.chat.with_structured_output(IntentDraft)  # the LangChain way, for other callers
    assert isinstance(structured.invoke(intent_messages("a red scarf")), IntentDraft)
    assert_valid(llm_intent("show me cheaper ones", local_llm, context_intent=extract_intent("wool socks")))


def test_local_model_streams_text(local_llm):
    pieces = list(local_llm.stream([("user", "Name one fruit.")]))
    assert len(pieces) > 1 and "".join(pieces).strip()


def test_prompt_lookup_guesses_what_followed_the_last_tokens():
    from assistant.llm.local import _lookup

    assert _lookup([7, 1, 2, 3, 9, 1, 2], 3) == [3, 9, 1]  # the run [1, 2] seen before: what came after it
    assert _lookup([1, 2, 3, 4, 2], 2) == [3, 4]  # a run of one token, the latest occurrence
    assert _lookup([5, 6, 7], 4) == [] and _lookup([5, 6, 5], 0) == []


def test_guessed_tokens_give_token_by_token_answers_in_fewer_passes(local_llm, monkeypatch):
    """Prompt-lookup guesses keep only what the model picks itself: in fp32 (the packaged model) the answer is
    exactly token-by-token decoding's, structured and free text, with fewer forward passes."""
    import json

    from langchain_core.messages import HumanMessage

    from assistant.llm import local

    chat, guessed = local_llm.chat, local.GUESS_TOKENS
    chat._load()
    passes = []
    forward = chat._model.forward
    monkeypatch.setattr(chat._model, "forward", lambda *args, **kwargs: passes.append(1) or forward(*args, **kwargs))
    text = "a 6 pack of 10 ounce potatoes, gluten free, no Barilla"
    cases = [(intent_messages(text, hints=extract_intent(text)), json.dumps(IntentDraft.model_json_schema())),
             ([HumanMessage("Repeat exactly: red running shoes, size 10, red running shoes, size 10.")], None)]
    for messages, schema in cases:
        answers, counts = {}, {}
        for guess in (0, guessed, 0, guessed):  # the second of each runs on a warm prompt cache, as the first did
            monkeypatch.setattr(local, "GUESS_TOKENS", guess)
            passes.clear()
            answers[guess] = "".join(chat._decode(messages, schema))
            counts[guess] = len(passes)
        assert answers[guessed] == answers[0] and answers[0].strip()
        assert counts[guessed] < counts[0], counts


def test_local_timeout_falls_back(local_llm, monkeypatch):
    monkeypatch.setattr(local_llm.chat, "timeout", 0.001)  # checked between tokens
    started = time.monotonic()
    with pytest.raises(LLMUnavailable, match="TimeoutError"):
        llm_intent("red shoes", local_llm, hints=extract_intent("red shoes"))
    assert time.monotonic() - started < 10


def test_hybrid_parser_consults_the_local_model_and_keeps_grounded_fields(local_llm):
    from assistant.intent.parser import IntentParser

    parser = IntentParser(llm=lambda: local_llm)
    text = "i want something cozy for winter evenings under 80 dollars"
    response = parser.parse(text)
    assert response.source.parser == "hybrid" and response.source.llm == local_llm.name
    assert response.intent.price.max == 80  # the rules' budget; an invented one would not be in the text
    assert set(response.source.fields.values()) <= {"rules", "llm"}
    assert_valid(response.intent)
    confident = parser.parse("what is your return policy?")
    assert confident.source.parser == "rules" and confident.source.fallback == "rules confident"


# ------------------------------------------------------------------ degradation of the openai backend

def test_unreachable_server_falls_back_quickly():
    llm = get_llm(settings(llm_url=f"http://127.0.0.1:{free_port()}/v1", llm_retries=1, llm_timeout=2))
    started = time.monotonic()
    with pytest.raises(LLMUnavailable, match="ConnectionError"):
        llm_intent("red shoes", llm)
    with pytest.raises(LLMUnavailable):
        list(llm.stream([("user", "hello")]))
    assert time.monotonic() - started < 6  # two calls, each with one retry after ~0.5 s


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A loopback server that accepts connections (the kernel's backlog) and never answers."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        yield f"http://127.0.0.1:{server.getsockname()[1]}/v1"


def test_server_timeout_falls_back_quickly(silent_server):
    llm = get_llm(settings(llm_url=silent_server, llm_timeout=0.5, llm_retries=1))
    started = time.monotonic()
    with pytest.raises(LLMUnavailable, match="TimeoutError"):
        llm_intent("red shoes", llm)
    assert time.monotonic() - started < 4  # two attempts of 0.5 s and a backoff under 1 s


# ------------------------------------------------------------------ a real vLLM server (the openai backend)

@pytest.fixture(scope="module")
def vllm_server(local_model_dir, tmp_path_factory) -> Iterator[Settings]:
    """`serve_vllm` in a child process, as `shopassist llm serve` runs it, on a free loopback port; the test
    settings that point at it. Stopped (SIGTERM -> the server's process group) after this module."""
    try:
        vllm_python(settings())
    except FileNotFoundError as exc:
        pytest.fail(f"{exc} (make test builds it)")
    log = tmp_path_factory.mktemp("vllm") / "server.log"
    code = ("import sys; from pathlib import Path; from assistant.config import Settings; "
            "from assistant.llm import serve_vllm; "
            "sys.exit(serve_vllm(None, int(sys.argv[1]), Settings(home=Path(sys.argv[2]), local_model=None)))")
    with open(log, "wb") as stderr:
        process = subprocess.Popen([sys.executable, "-c", code, str(free_port()), str(CACHE_HOME)], cwd=REPO,
                                   stdout=subprocess.PIPE, stderr=stderr, text=True)
    try:
        exports = dict(process.stdout.readline().removeprefix("export ").strip().split("=", 1) for _ in range(2))
        if "SHOPASSIST_LLM_URL" not in exports:
            pytest.fail(f"vLLM did not start:\n{log.read_text(errors='replace')[-3000:]}")
        yield settings(llm_url=exports["SHOPASSIST_LLM_URL"], llm_model=exports["SHOPASSIST_LLM_MODEL"])
    finally:
        process.terminate()
        process.wait(60)


@pytest.mark.slow
def test_vllm_structured_intents_validate(vllm_server):
    llm = get_llm(vllm_server)
    assert llm.name == f"openai:{vllm_server.llm_model}"
    for text in REQUESTS[:2]:
        hints = extract_intent(text)
        intent = llm_intent(text, llm, hints=hints)
        assert_valid(intent)
        assert intent.exclude.brands == hints.exclude.brands
    assert isinstance(llm.structured(intent_messages("a black waterproof backpack"), IntentDraft), IntentDraft)


@pytest.mark.slow
def test_vllm_streams_text(vllm_server):
    pieces = list(get_llm(vllm_server).stream([("user", "Name one fruit.")]))
    assert len(pieces) > 1 and "".join(pieces).strip()


@pytest.mark.slow
def test_vllm_timeout_falls_back(vllm_server):
    llm = get_llm(vllm_server.model_copy(update={"llm_timeout": 0.01}))
    with pytest.raises(LLMUnavailable, match="TimeoutError"):
        llm_intent("red shoes", llm, hints=extract_intent("red shoes"))
