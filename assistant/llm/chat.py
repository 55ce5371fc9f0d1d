"""`LLM`: the two calls the assistant makes of any LangChain chat model, with failures turned into
`LLMUnavailable` so that callers fall back to the deterministic path instead of crashing."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from typing import TypeVar

from langchain_core.language_models import BaseChatModel, LanguageModelInput
from pydantic import BaseModel

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)


class LLMUnavailable(RuntimeError):
    """The LLM gave no usable answer: unreachable, timed out, or output that does not validate."""


class LLM:
    """A chat model behind `structured` (schema-constrained output) and `stream` (plain text).

    `failures` are the backend's own exception types that mean "no answer" (e.g. openai.OpenAIError, which
    covers refused connections and timeouts after the client's bounded retries); timeouts and output that
    does not parse or validate (ValueError: JSON, pydantic and LangChain parser errors) are common to all."""

    def __init__(self, name: str, chat: BaseChatModel, failures: Sequence[type[Exception]] = ()) -> None:
        self.name = name
        self.chat = chat
        self._failures = (TimeoutError, ValueError, *failures)

    def structured(self, messages: LanguageModelInput, schema_model: type[M]) -> M:
        """One object of `schema_model`, decoded under its JSON schema (so it parses by construction)."""
        # Passed as a plain schema, not the class: for a class the openai SDK sends a "strict" variant that
        # makes every field required, and a small model then fills fields it should leave out with noise.
        schema = {"name": schema_model.__name__, "schema": schema_model.model_json_schema(), "strict": False}
        started = time.perf_counter()
        try:
            fields = self.chat.with_structured_output(schema, method="json_schema").invoke(messages)
            result = schema_model.model_validate(fields)
        except self._failures as exc:
            raise self._unavailable("structured", exc) from exc
        log.debug("%s: %s in %.2f s", self.name, schema_model.__name__, time.perf_counter() - started)
        return result

    def stream(self, messages: LanguageModelInput) -> Iterator[str]:
        """The reply as text pieces, as they are generated."""
        try:
            for chunk in self.chat.stream(messages):
                if chunk.text:
                    yield str(chunk.text)
        except self._failures as exc:
            raise self._unavailable("stream", exc) from exc

    def _unavailable(self, call: str, exc: Exception) -> LLMUnavailable:
        reason = f"{self.name} {call}: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        log.warning("LLM unavailable, falling back: %s", reason)
        return LLMUnavailable(reason)

    def __repr__(self) -> str:
        return f"LLM({self.name!r})"
