"""What routes may ask for, as FastAPI dependencies: the app's one `Services`, or a part of it.

    def search(body: SearchRequest, search: SearchDep) -> SearchResponse: ...

`create_app` puts the Services on the app at start-up; nothing else reads `app.state`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from ranking.event_store import EventStore
from retrieval.search import Retriever
from tools import ProductSearch

from ..chat.service import ChatService
from ..intent.parser import IntentParser
from ..services import Services


def get_services(request: Request) -> Services:
    return request.app.state.services


ServicesDep = Annotated[Services, Depends(get_services)]


def _retriever(services: ServicesDep) -> Retriever:
    return services.retriever


def _search(services: ServicesDep) -> ProductSearch:
    return services.search


def _intent_parser(services: ServicesDep) -> IntentParser:
    return services.intent_parser


def _events(services: ServicesDep) -> EventStore:
    return services.events


def _chat(services: ServicesDep) -> ChatService:
    return services.chat


RetrieverDep = Annotated[Retriever, Depends(_retriever)]
SearchDep = Annotated[ProductSearch, Depends(_search)]
IntentParserDep = Annotated[IntentParser, Depends(_intent_parser)]
EventsDep = Annotated[EventStore, Depends(_events)]
ChatDep = Annotated[ChatService, Depends(_chat)]
