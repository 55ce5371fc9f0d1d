"""The tool-calling loop, with a scripted chat model that asks for tools the way a tool-capable model on vLLM
does (LangChain's GenericFakeChatModel, made to accept bound tools): this tests the loop, the tools' results
and the grounding of the final text, not a model."""

from __future__ import annotations

import pytest
from chat_helpers import chat_service, chat_settings
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from assistant.chat.models import ChatRequest
from assistant.chat.service import ChatOptions, ChatService
from assistant.llm import LLM


class ToolCallingFake(GenericFakeChatModel):
    bound: list = []

    def bind_tools(self, tools, **kwargs):
        self.bound.extend(tools)
        return self


def calls(name: str, **args) -> AIMessage:
    return AIMessage(content="", tool_calls=[{"name": name, "args": args, "id": f"call-{name}"}])


@pytest.fixture(scope="module")
def base(demo_settings, demo_retriever, tmp_path_factory):
    service = chat_service(chat_settings(demo_settings, tmp_path_factory.mktemp("agent")), demo_retriever)
    yield service
    service.close()


def agent_chat(base: ChatService, *messages: AIMessage) -> tuple[ChatService, ToolCallingFake]:
    model = ToolCallingFake(messages=iter(messages), bound=[])
    llm = LLM("fake-tools", model)
    return ChatService(base.search, base.intent_parser, base.policies, base.sessions, base.events, lambda: llm, options=ChatOptions(use_llm_for_intent=False, tool_calling=True)), model


def test_the_model_searches_with_filters_and_its_grounded_reply_is_kept(base):
    expected = base.turn(ChatRequest(message="tent under $150")).products[0]
    reply = f"The {expected.title.split(',')[0]} is ${expected.price:,.2f}. The Nike Dome is $9.99."
    chat, model = agent_chat(base, calls("search_products", query="tent", max_price=150, k=3), AIMessage(reply))
    response = chat.turn(ChatRequest(message="tent under $150"))
    assert [spec["function"]["name"] for spec in model.bound][:2] == ["search_products", "get_product"]
    assert all(spec["function"]["strict"] for spec in model.bound)
    assert response.composer == "llm" and len(response.products) == 3 and response.query_id
    assert response.products[0].id == expected.id and all(card.price <= 150 for card in response.products)
    assert response.reply == reply.split(" The Nike")[0]  # the invented sentence was dropped


def test_a_bad_tool_call_is_reported_back_and_the_model_recovers(base):
    chat, _ = agent_chat(base, calls("get_product", product_id="NOPE-1"),
                         calls("lookup_policy", question="refund timing"),
                         AIMessage("Refunds reach card accounts in 5-7 business days after that."))
    response = chat.turn(ChatRequest(message="how long do refunds take?"))
    assert response.policies[0].title == "Refund timing" and response.composer == "llm"


def test_too_many_rounds_or_a_failing_model_falls_back_to_the_router(base):
    looping = [calls("view_cart")] * 4
    chat, _ = agent_chat(base, *looping)
    response = chat.turn(ChatRequest(message="coffee maker under $70"))
    assert response.composer == "template" and response.products
    assert all(card.price <= 70 for card in response.products)
    broken = ChatService(base.search, base.intent_parser, base.policies, base.sessions, base.events,
                         lambda: LLM("no-tools", GenericFakeChatModel(messages=iter([]))), options=ChatOptions(tool_calling=True, use_llm_for_intent=False))
    assert broken.turn(ChatRequest(message="coffee maker under $70")).products  # bind_tools unsupported


def test_show_me_more_through_tool_calls_never_repeats(base):
    """The tool-calling path records what it showed (Session.show), so "show me more" skips it as the router
    does, even though the model itself cannot know which ids were shown."""
    chat, _ = agent_chat(base, calls("search_products", query="tent", k=3), AIMessage("Here are some tents."),
                         calls("search_products", query="tent", k=3), AIMessage("Here are more tents."))
    first = chat.turn(ChatRequest(message="tents"))
    more = chat.turn(ChatRequest(message="show me more", session_id=first.session_id))
    assert len(first.products) == 3 and len(more.products) == 3
    assert not {card.id for card in first.products} & {card.id for card in more.products}
    session = base.sessions.get(first.session_id)
    assert session.seen_ids == [card.id for card in first.products + more.products]
