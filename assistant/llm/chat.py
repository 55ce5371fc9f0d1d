"""`LLM`: the calls the assistant makes of any LangChain chat model, with failures turned into
`LLMUnavailable` so that callers fall back to the deterministic path instead of crashing.

Every call is bounded (`guard.py`): it waits at most the call timeout, and at most what is left of the
turn's `Deadline` when one is given; a circuit breaker refuses calls at once while the LLM is failing or
hanging; calls run on their own bounded set of threads, never on the caller's."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from langchain_core.language_models import BaseChatModel, LanguageModelInput
from pydantic import BaseModel

from .guard import CircuitBreaker, Deadline, Slots

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")
_END = object()
DEFAULT_CONCURRENCY = 8


class LLMUnavailable(RuntimeError):
    """The LLM gave no usable answer: unreachable, timed out, refused by the open circuit, no time left in the
    turn, or output that does not validate."""


class LLMTimeoutError(TimeoutError):
    """A call that did not answer within its time."""


class LLM:
    """A chat model behind `structured` (schema-constrained output), `stream` (plain text) and `call` (any
    other use of `chat`, e.g. tool calling).

    `failures` are the backend's own exception types that mean "no answer" (e.g. openai.OpenAIError, which
    covers refused connections and timeouts after the client's bounded retries); timeouts and output that
    does not parse or validate (ValueError: JSON, pydantic and LangChain parser errors) are common to all.
    `call_timeout` bounds every call to a server (None: only a deadline does; an in-process model applies its
    own between tokens); `breaker` and `concurrency` as in guard.py.
    `in_process`: the model runs in this process (a local model), so a reader that gives up should wait for
    it to stop decoding; a server's calls are simply abandoned."""

    def __init__(self, name: str, chat: BaseChatModel, failures: Sequence[type[Exception]] = (), *,
                 call_timeout: float | None = None, breaker: CircuitBreaker | None = None,
                 concurrency: int = DEFAULT_CONCURRENCY, in_process: bool = True) -> None:
        self.name = name
        self.chat = chat
        self.call_timeout = call_timeout
        self.breaker = breaker or CircuitBreaker()
        self.in_process = in_process
        self._slots = Slots(concurrency)
        self._backend_failures = (TimeoutError, *failures)
        self._failures = (ValueError, *self._backend_failures)

    def structured(self, messages: LanguageModelInput, schema_model: type[M], deadline: Deadline | None = None) -> M:
        """One object of `schema_model`, decoded under its JSON schema (so it parses by construction)."""
        # Passed as a plain schema, not the class: for a class the openai SDK sends a "strict" variant that
        # makes every field required, and a small model then fills fields it should leave out with noise.
        schema = {"name": schema_model.__name__, "schema": schema_model.model_json_schema(), "strict": False}
        started = time.perf_counter()
        fields = self.call(lambda: self.chat.with_structured_output(schema, method="json_schema").invoke(messages),
                           deadline, "structured")
        try:
            result = schema_model.model_validate(fields)
        except ValueError as exc:
            raise self._unavailable("structured", exc) from exc
        log.debug("%s: %s in %.2f s", self.name, schema_model.__name__, time.perf_counter() - started)
        return result

    def call(self, function: Callable[[], T], deadline: Deadline | None = None, what: str = "call") -> T:
        """`function()` (which uses `self.chat`) on a call thread, within the call timeout and the deadline."""
        budget = self._admit(what, deadline)
        done = threading.Event()
        outcome: list[Any] = []

        def run() -> None:
            try:
                outcome.append((True, function()))
            except BaseException as exc:  # noqa: BLE001 - handed to the caller
                outcome.append((False, exc))
            finally:
                self._slots.release()
                done.set()

        self._start(run, what)
        if not done.wait(budget):
            self.breaker.failed()
            raise self._unavailable(what, LLMTimeoutError(f"no answer within {budget:.1f} s"))
        ok, value = outcome[0]
        if ok:
            self.breaker.succeeded()
            return value
        self._judge(value)
        if isinstance(value, self._failures):
            raise self._unavailable(what, value) from value
        raise value

    def stream(self, messages: LanguageModelInput, deadline: Deadline | None = None) -> Iterator[str]:
        """The reply as text pieces, as they are generated; each piece within the call timeout, all of them
        within the deadline. Closing the iterator tells generation to stop after its current piece."""
        budget = self._admit("stream", deadline)
        pieces: queue.Queue = queue.Queue()
        stop = threading.Event()

        def run() -> None:
            try:
                for chunk in self.chat.stream(messages):
                    if stop.is_set():
                        break  # leaving the loop closes the stream: a local model stops decoding
                    if chunk.text:
                        pieces.put(str(chunk.text))
                pieces.put(_END)
            except BaseException as exc:  # noqa: BLE001 - handed to the reader
                pieces.put(exc)
            finally:
                self._slots.release()

        self._start(run, "stream")
        answered = False
        try:
            while True:
                wait = budget if not answered else self._budget(deadline)
                try:
                    item = pieces.get(timeout=wait)
                except queue.Empty:
                    self.breaker.failed()
                    raise self._unavailable("stream", LLMTimeoutError(f"no text within {wait:.1f} s")) from None
                if item is _END:
                    self.breaker.succeeded()
                    return
                if isinstance(item, BaseException):
                    self._judge(item)
                    if isinstance(item, self._failures):
                        raise self._unavailable("stream", item) from item
                    raise item
                if not answered:
                    answered = True
                    self.breaker.succeeded()
                yield item
        finally:
            stop.set()
            if not answered:
                self.breaker.released()

    # ------------------------------------------------------------------ bounds

    def _budget(self, deadline: Deadline | None) -> float | None:
        # An in-process model enforces the call timeout itself, between tokens and without its one-time load;
        # a deadline (a turn's) binds it like any other.
        call_timeout = None if self.in_process else self.call_timeout
        limits = [t for t in (call_timeout, deadline.remaining() if deadline else None) if t is not None]
        return min(limits) if limits else None

    def _admit(self, what: str, deadline: Deadline | None) -> float | None:
        """The seconds this call may take, once it has a slot and the breaker lets it through."""
        budget = self._budget(deadline)
        if budget is not None and budget <= 0:
            raise LLMUnavailable(f"{self.name} {what}: no time left in this turn")
        if self.breaker.state == "open":
            raise LLMUnavailable(f"{self.name} {what}: circuit open (the LLM failed or hung; next try in "
                                 f"{self.breaker.retry_in():.0f} s)")
        started = time.monotonic()
        if not self._slots.acquire(budget):
            raise LLMUnavailable(f"{self.name} {what}: all {self._slots.size} call slots busy")
        if not self.breaker.admit():
            self._slots.release()
            raise LLMUnavailable(f"{self.name} {what}: circuit open (a probe call is under way)")
        return None if budget is None else max(0.0, budget - (time.monotonic() - started))

    def _start(self, run: Callable[[], None], what: str) -> None:
        try:
            threading.Thread(target=run, name=f"llm-{what}", daemon=True).start()
        except BaseException:
            self._slots.release()
            self.breaker.released()
            raise

    def _judge(self, exc: BaseException) -> None:
        """Tell the breaker about a call that raised: the backend failing counts, the model's output does not."""
        if isinstance(exc, self._backend_failures):
            self.breaker.failed()
        elif isinstance(exc, ValueError):
            self.breaker.succeeded()  # it answered (badly): the LLM is up
        else:
            self.breaker.released()

    def _unavailable(self, call: str, exc: BaseException) -> LLMUnavailable:
        reason = f"{self.name} {call}: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        log.warning("LLM unavailable, falling back: %s", reason)
        return LLMUnavailable(reason)

    def __repr__(self) -> str:
        return f"LLM({self.name!r})"
