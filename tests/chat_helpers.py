"""Helpers for the chat tests: a ChatService over the demo store (no LLM unless given), and a conversation."""

from __future__ import annotations

from pathlib import Path

from assistant.chat.models import ChatRequest, ChatResponse
from assistant.chat.service import ChatService
from assistant.config import Settings
from assistant.services import Services


def chat_settings(demo_settings: Settings, tmp: Path, **fields) -> Settings:
    return Settings(**{"home": demo_settings.home, "llm": "none", "llm_url": None,
                       "database_url": f"sqlite:///{tmp / 'chat.db'}", **fields})


def chat_service(settings: Settings, retriever) -> ChatService:
    return Services(settings, retriever=retriever).chat


class Conversation:
    def __init__(self, chat: ChatService, user_id: str | None = None):
        self.chat = chat
        self.user_id = user_id
        self.session_id: str | None = None
        self.replies: list[ChatResponse] = []

    def say(self, message: str) -> ChatResponse:
        response = self.chat.turn(ChatRequest(message=message, session_id=self.session_id, user_id=self.user_id))
        self.session_id = response.session_id
        self.replies.append(response)
        return response
