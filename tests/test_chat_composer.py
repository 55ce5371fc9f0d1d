"""Composition and the grounding check. The LLM here is LangChain's GenericFakeChatModel inside our LLM class,
scripted to hallucinate: these tests are about the check and the fallbacks, not about a model (the real local
model composes in the slow test at the end)."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from chat_helpers import chat_service, chat_settings
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from assistant.chat.composer import Composer
from assistant.chat.grounding import Grounding
from assistant.chat.models import ChatRequest, DoneEvent, TokenEvent
from assistant.chat.routes.policy import PolicyFindings
from assistant.chat.service import ChatOptions, ChatService
from assistant.config import Settings
from assistant.services import Services
from assistant.llm import LLM, prepare_local_model

REPO = Path(__file__).resolve().parents[1]
TENT_FACT = "1. Ridgefern 2-Person Ventilated Canvas Tent, Orange | $169.99 | 4.6 stars, 126 reviews"


def scripted_llm(*replies: str) -> LLM:
    return LLM("fake", GenericFakeChatModel(messages=iter([AIMessage(content=r) for r in replies])))


@pytest.fixture(scope="module")
def template_chat(demo_settings, demo_retriever, tmp_path_factory):
    service = chat_service(chat_settings(demo_settings, tmp_path_factory.mktemp("composer")), demo_retriever)
    yield service
    service.close()


def with_llm(chat: ChatService, *replies: str) -> ChatService:
    """The same services, composing with an LLM that answers `replies` in turn."""
    llm = scripted_llm(*replies)
    return ChatService(chat.search, chat.intent_parser, chat.policies, chat.sessions, chat.events, lambda: llm, options=ChatOptions(use_llm_for_intent=False))


def test_grounding_flags_invented_prices_numbers_and_names():
    grounding = Grounding.of([TENT_FACT])
    assert grounding.problems("The Ridgefern 2-Person Ventilated Canvas Tent costs $169.99.") == []
    assert grounding.problems("It has 4.6 stars from 126 reviews, and I found two options.") == []
    assert grounding.problems("The Ridgefern tent costs $149.99.") == ["$149.99"]
    assert grounding.problems("Try the Nike Air tent instead.") == ["Nike", "Air"]
    assert grounding.problems("It ships in 14 days.") == ["14"]
    assert grounding.problems("All that for $126.") == ["$126"]  # 126 is a review count, not a price
    repaired, dropped = grounding.repair("Here is the Ridgefern tent at $169.99. The Nike one costs $5.")
    assert repaired == "Here is the Ridgefern tent at $169.99." and dropped == ["The Nike one costs $5."]


def test_a_hallucinated_sentence_is_dropped_and_the_grounded_one_kept(template_chat):
    shown = template_chat.turn(ChatRequest(message="tent under $200")).products[0]
    name = shown.title.split(",")[0]
    good = f"The {name} costs ${shown.price:,.2f}."
    chat = with_llm(template_chat, f"{good} The Nike Air Tent is only $12.34! Want me to compare them?")
    events = list(chat.stream(ChatRequest(message="tent under $200", stream=True)))
    done = events[-1].response
    assert done.composer == "llm"
    assert done.reply == f"{good} Want me to compare them?"
    streamed = "".join(event.text for event in events if isinstance(event, TokenEvent))
    assert streamed == done.reply and "Nike" not in streamed and "12.34" not in streamed


def test_a_reply_with_nothing_grounded_falls_back_to_the_template(template_chat):
    expected = template_chat.turn(ChatRequest(message="coffee maker under $60")).reply
    chat = with_llm(template_chat, "The Breville Barista Pro is $599.99. It was rated 5.0 by 9000 people.")
    response = chat.turn(ChatRequest(message="coffee maker under $60"))
    assert response.composer == "template" and response.reply == expected


def test_a_rambling_reply_is_cut_to_three_sentences_without_repeats(template_chat):
    chat = with_llm(template_chat, "Happy to help. Happy to help. " + " ".join(f"Here is idea {n}." for n in range(8)))
    response = chat.turn(ChatRequest(message="hello"))
    assert response.composer == "llm" and response.reply == "Happy to help. Here is idea 0. Here is idea 1."


def test_small_talk_before_the_answer_waits_for_the_answer(template_chat):
    expected = template_chat.turn(ChatRequest(message="backpack under $90")).reply
    chat = with_llm(template_chat, "I'm sorry for any confusion. I am glad to help.")
    assert chat.turn(ChatRequest(message="backpack under $90")).reply == expected  # nothing of the answer: template


def test_the_prompt_is_the_prompt_files_with_facts_and_the_draft(template_chat):
    llm = scripted_llm("Refunds reach card accounts in 5-7 business days after that.")
    chat = ChatService(template_chat.search, template_chat.intent_parser, template_chat.policies,
                       template_chat.sessions, template_chat.events, lambda: llm, options=ChatOptions(use_llm_for_intent=False))
    response = chat.turn(ChatRequest(message="how long do refunds take?"))
    assert response.composer == "llm" and response.policies[0].title == "Refund timing"
    assert response.reply == "Refunds reach card accounts in 5-7 business days after that."
    composer = Composer(PolicyFindings(response.intent, policies=response.policies), "how long?", None)
    messages = composer.messages()
    assert messages[0].type == "system" and "Never invent" in messages[0].content
    assert [m.type for m in messages[1:-1]] == ["human", "ai"] * 3
    assert "Refunds reach card accounts" in messages[-1].content and "Draft reply:" in messages[-1].content


# ------------------------------------------------------------------ the real local model (SmolLM2)

@pytest.mark.slow
def test_local_model_streams_a_grounded_reply_with_a_fast_first_token(demo_settings, demo_retriever, tmp_path):
    settings = chat_settings(demo_settings, tmp_path, llm="local", llm_timeout=60.0)
    local = Settings(home=REPO / ".shopassist-test-cache", llm="local", llm_url=None, local_model=None)
    settings.local_model = prepare_local_model(local)  # the converted model cached by tests/test_llm.py
    chat = Services(settings, retriever=demo_retriever, search=demo_retriever).chat
    try:
        chat.turn(ChatRequest(message="hello"))  # loads the weights and caches the prompt prefix
        started, first_token, events = time.perf_counter(), None, []
        for event in chat.stream(ChatRequest(message="waterproof tent under $200", stream=True)):
            if isinstance(event, TokenEvent) and first_token is None:
                first_token = time.perf_counter() - started
            events.append(event)
        assert isinstance(events[-1], DoneEvent)
        done = events[-1].response.model_dump(mode="json")
        assert done["reply"]
        assert first_token is not None and first_token <= 2.0, f"first token after {first_token:.2f} s"
        amounts = re.compile(r"\$(\d[\d,]*(?:\.\d+)?)")
        known = {p["price"] for p in done["products"]} | {200.0} | {  # prices, the budget, "was $X" reasons
            float(x.replace(",", "")) for p in done["products"] for reason in p["reasons"]
            for x in amounts.findall(reason)}
        said = [float(x.replace(",", "")) for x in amounts.findall(done["reply"])]
        assert set(said) <= known, (done["reply"], done["composer"])
    finally:
        chat.close()


class StallingModel(GenericFakeChatModel):
    """Streams its reply, then stalls before the last word (a slow model when the deadline passes)."""

    def _stream(self, *args, **kwargs):
        chunks = list(super()._stream(*args, **kwargs))
        yield from chunks[:-1]
        time.sleep(1.0)
        yield chunks[-1]


def test_half_a_sentence_at_the_deadline_is_never_sent(template_chat):
    shown = template_chat.turn(ChatRequest(message="tent under $200")).products[0]
    expected = template_chat.turn(ChatRequest(message="tent under $200")).reply
    reply = f"The {shown.title.split(',')[0]} costs ${shown.price:,.2f} with {shown.rating} stars"
    llm = LLM("stalling", StallingModel(messages=iter([AIMessage(content=reply)])))
    chat = ChatService(template_chat.search, template_chat.intent_parser, template_chat.policies,
                       template_chat.sessions, template_chat.events, lambda: llm, options=ChatOptions(use_llm_for_intent=False, first_token_seconds=0.3))
    response = chat.turn(ChatRequest(message="tent under $200"))
    assert response.composer == "template" and response.reply == expected


def test_a_search_that_found_nothing_is_answered_by_the_template(template_chat):
    expected = template_chat.turn(ChatRequest(message="tent under $3"))
    assert expected.products == []
    chat = with_llm(template_chat, "Sorry, I'm sorry. I'm sorry.")
    response = chat.turn(ChatRequest(message="tent under $3"))
    assert response.composer == "template" and response.reply == expected.reply
