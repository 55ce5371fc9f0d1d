"""Composition: the reply to a turn, streamed a checked sentence at a time.

With an LLM, the model rewrites the template draft from the facts (prompts/chat_system.md, chat_user.md and
the few-shot chat_examples.json). Small models ramble, so generation stops at three sentences, a blank line
or `chat_reply_chars`; each sentence passes the grounding check before it is released, and one that fails
is dropped; sentences are held back until one carries the answer (a price, a brand, policy words). Without
an LLM, when it fails, when it has released nothing within `chat_first_token_seconds`, or when nothing it
wrote survives, the template is the reply: the first token never waits long on a slow or confused model.
"""

from __future__ import annotations

import logging
import queue
import re
import threading
import time
from collections.abc import Iterator
from typing import Literal

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from ..llm.chat import LLM, LLMUnavailable
from ..llm.guard import Deadline
from ..llm.prompts import data_text, load_examples, load_prompt
from .findings import Findings
from .grounding import sentences

log = logging.getLogger(__name__)

SYSTEM_PROMPT, USER_PROMPT, EXAMPLES = "chat_system.md", "chat_user.md", "chat_examples.json"
MAX_SENTENCES = 3
_SENTENCE_DONE = re.compile(r"[.!?][\"”’)]?\s")
_END = object()
GENERATION_JOIN_SECONDS = 30.0


class Composer:
    """One turn's reply: iterate `stream()` for the text pieces; then `text` and `composer` hold the result."""

    def __init__(self, findings: Findings, message: str, llm: LLM | None, max_chars: int = 400,
                 first_sentence_seconds: float = 1.5, written: str | None = None, deadline: Deadline | None = None):
        """`written`: a reply the model already wrote (after calling tools), checked like a streamed one.
        `deadline`: the turn's; the model writes only within it (and the first sentence within
        `first_sentence_seconds` of starting)."""
        self.deadline = deadline
        self.findings = findings
        self.written = written
        self.message = message
        # A search that found nothing: the template says what was searched and how to widen it; a small model
        # only apologises (measured: "Sorry, I'm sorry. I'm sorry."), so it is not asked.
        self.llm = None if findings.found_nothing() else llm
        self.max_chars = max_chars
        self.first_sentence_seconds = first_sentence_seconds
        self.draft = findings.template(message)
        self.grounding = findings.grounding(self.draft, message)  # catalog text as data (grounding.py)
        self.text = ""
        self.composer: Literal["llm", "template"] = "template"
        self.dropped: list[str] = []
        self._held: list[str] = []  # grounded sentences waiting for one that carries the answer
        self._carried = not findings.has_facts()  # small talk needs no facts
        self._generation: threading.Thread | None = None
        self._model_finished = False  # the model ended its reply itself (not cut off by a deadline)

    def stream(self) -> Iterator[str]:
        if self.written is not None:
            for sentence in sentences(self.written)[:MAX_SENTENCES]:
                yield from self._checked(sentence)
            self.composer = "llm" if self.text else "template"
        elif self.llm is not None:
            try:
                yield from self._llm_sentences()
            except LLMUnavailable as exc:
                log.info("composer falling back to the template: %s", exc)
            if self.text:
                self.composer = "llm"
        if not self.text:
            for sentence in sentences(self.draft):
                yield from self._release(sentence)
        if self._generation is not None and getattr(self.llm, "in_process", True):
            # Told to stop: wait for an in-process model's last token, so no model runs unowned (a server's
            # request is abandoned instead: its call ends on its own timeout, off this turn's time).
            wait = GENERATION_JOIN_SECONDS if self.deadline is None else min(GENERATION_JOIN_SECONDS,
                                                                             self.deadline.remaining())
            self._generation.join(timeout=wait)

    def _llm_sentences(self) -> Iterator[str]:
        buffer, read = "", 0
        self._model_finished = False
        first = self.first_sentence_seconds if self.deadline is None else min(self.first_sentence_seconds,
                                                                               self.deadline.remaining())
        for piece in self._pieces(time.monotonic() + first):
            buffer += piece
            while (end := _SENTENCE_DONE.search(buffer)) is not None:
                sentence, buffer = buffer[:end.end()].strip(), buffer[end.end():]
                read += 1
                yield from self._checked(sentence)
            if self._kept() >= MAX_SENTENCES or read >= 2 * MAX_SENTENCES or "\n\n" in buffer or \
                    len(self.text) + len(buffer) > self.max_chars:
                return
        # The model ended on its own: its last sentence may lack a full stop. Cut off by the deadline or the
        # length cap instead, the buffer is half a sentence and is never sent.
        if self._model_finished and buffer.strip() and self._kept() < MAX_SENTENCES:
            yield from self._checked(buffer.strip())

    def _kept(self) -> int:
        return len(sentences(self.text)) + len(self._held)

    def _pieces(self, deadline: float) -> Iterator[str]:
        """The model's text pieces, generated in a thread so that the first-sentence deadline holds even while
        the model is still reading the prompt; when the deadline passes with nothing released, or the reader
        stops, generation is told to stop after its current token."""
        pieces: queue.Queue = queue.Queue()
        stop = threading.Event()

        def generate() -> None:
            try:
                for piece in self.llm.stream(self.messages(), self.deadline):
                    if stop.is_set():
                        break  # leaving the loop closes the stream: a local model stops decoding
                    pieces.put(piece)
                pieces.put(_END)
            except Exception as exc:  # noqa: BLE001 - handed to the reader, which falls back to the template
                pieces.put(exc)

        self._generation = threading.Thread(target=generate, name="composer", daemon=True)
        self._generation.start()
        try:
            while True:
                wait = None if self.text else deadline - time.monotonic()
                try:
                    item = pieces.get(timeout=max(wait, 0)) if wait is not None else pieces.get()
                except queue.Empty:
                    log.info("no grounded answer from the LLM within %.1f s: the template answers",
                             self.first_sentence_seconds)
                    self._held = []
                    return
                if item is _END:
                    self._model_finished = True
                    return
                if isinstance(item, LLMUnavailable):
                    raise item
                if isinstance(item, Exception):  # not a backend failure LLM knows: still no reason to fail a turn
                    raise LLMUnavailable(f"{type(item).__name__}: {item}") from item
                yield item
        finally:
            stop.set()

    def _checked(self, sentence: str) -> Iterator[str]:
        """Release a grounded sentence, but only once the reply carries the answer: a small model's "Happy to
        help!" before it says nothing of the products must not go out ahead of the template."""
        sentence = " ".join(sentence.split())
        held = " ".join(self._held)
        if len(self.text) + len(held) + len(sentence) > self.max_chars or \
                sentence.lower() in (s.lower() for s in [*sentences(self.text), *self._held]):
            return  # too long, or a repeat (small models loop)
        problems = self.grounding.problems(sentence)
        if problems:
            log.info("dropped an ungrounded sentence (%s): %r", ", ".join(problems), sentence)
            self.dropped.append(sentence)
            return
        self._held.append(sentence)
        self._carried = self._carried or carries_answer(sentence, self.findings)
        if self._carried:
            for held_sentence in self._held:
                yield from self._release(held_sentence)
            self._held = []

    def _release(self, sentence: str) -> Iterator[str]:
        piece = f" {sentence}" if self.text else sentence
        self.text += piece
        yield piece

    def messages(self) -> list[BaseMessage]:
        """System prompt, few-shot turns, then this turn: a fixed prefix the local backend caches."""
        messages: list[BaseMessage] = [SystemMessage(load_prompt(SYSTEM_PROMPT).text)]
        for example in load_examples(EXAMPLES):
            messages.append(HumanMessage(_user_text(example["message"], example["facts"], example["draft"])))
            messages.append(AIMessage(example["reply"]))
        facts = "\n".join(self.findings.facts()) or "none"
        messages.append(HumanMessage(_user_text(self.message, facts, self.draft)))
        return messages


def carries_answer(sentence: str, findings: Findings) -> bool:
    """Whether a (grounded) sentence states some of the answer: a product's brand or price, a cart total, or
    four words in a row from a policy passage."""
    lowered = sentence.lower()
    if "$" in sentence:  # a price or budget, and the sentence passed the grounding check
        return True
    products = findings.named_products()
    if any(p.brand and p.brand.lower() in lowered for p in products):
        return True
    prices = [p.price for p in products] + ([findings.cart.total] if findings.cart else [])
    if any(price is not None and f"{price:,.2f}" in sentence for price in prices):
        return True
    words = re.findall(r"[a-z0-9$-]+", lowered)
    runs = {" ".join(words[i:i + 4]) for i in range(len(words) - 3)}
    return any(run in " ".join(re.findall(r"[a-z0-9$-]+", p.text.lower())) for p in findings.policies
               for run in runs)


def _user_text(message: str, facts: str, draft: str) -> str:
    """The turn in the prompt's data blocks: nothing in the message, the facts (catalog text) or the draft
    can close its block (data_text), and the system prompt says what is inside one is data."""
    return load_prompt(USER_PROMPT).text.format(message=data_text(message.strip()), facts=data_text(facts),
                                                draft=data_text(draft))
