"""`IntentParser`: the deterministic extractor first, the LLM where it helps, and the merge between them.

Merge policy (tested in tests/test_intent_parser.py):
1. The rules always run (well under a millisecond). Their result stands alone when they are confident:
   every field they set has confidence >= CONFIDENT and they found what is being shopped for
   (a product type, a category or a brand) or a non-search action.
2. Otherwise the LLM reads the message with the rules' parse as hints. Per field:
   - a rules value with confidence >= CONFIDENT is kept (the rules are exact where they match);
   - an LLM value is taken for a field the rules left empty or uncertain, but only if it is grounded:
     prices must be numbers written in the message (small models invent budgets: SmolLM2 answered
     1000 for "under 80 dollars"), brands, colours, sizes and materials must appear in the message,
     and a category must be one the catalog has when a catalog is loaded.
3. Any LLM failure (unreachable, timeout, invalid output) keeps the rules' parse; `source.fallback`
   says why. The response never fails because of the LLM.
`source.fields` names, for each field that is set, whether it came from "rules" or "llm".
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from typing import Literal

from pydantic import BaseModel, Field

from retrieval.models import NonBlankText

from ..llm.chat import LLM, LLMUnavailable
from ..llm.guard import Deadline
from ..llm.intent import llm_intent
from .context import IntentContext
from .extractor import CatalogVocabulary, extract_intent
from retrieval.intent import Intent, PriceConstraint

log = logging.getLogger(__name__)

CONFIDENT = 0.8
FIELDS = ("action", "query", "product_type", "category", "brands", "exclude.brands", "attributes.color",
          "attributes.size", "attributes.material", "features", "price", "sort")
MAX_TEXT_CHARS = 2000


class IntentRequest(BaseModel):
    """`POST /v1/intent` body."""

    text: NonBlankText = Field(min_length=1, max_length=MAX_TEXT_CHARS,
                               examples=["red running shoes under $80, not Nike"])
    context: IntentContext | None = Field(
        default=None, description="The conversation so far: the previous intent and the products shown.")


class IntentSource(BaseModel):
    parser: Literal["rules", "hybrid"] = Field(description="rules: deterministic only; hybrid: rules + LLM.")
    llm: str | None = Field(default=None, description="The LLM consulted, e.g. 'local:smollm2-135m-instruct'.")
    fields: dict[str, Literal["rules", "llm"]] = Field(default_factory=dict)
    fallback: str | None = Field(default=None, description="Why the LLM was not consulted or not used.")


class IntentResponse(BaseModel):
    intent: Intent
    source: IntentSource
    latency_ms: float


class IntentParser:
    def __init__(self, vocabulary: Callable[[], CatalogVocabulary | None] = lambda: None,
                 llm: Callable[[], LLM | None] = lambda: None, turn_seconds: float | None = None):
        """Both are callables so the catalog vocabulary and the LLM load lazily and can change. `turn_seconds`:
        a parse given no deadline (POST /v1/intent) answers within this, the LLM's part included."""
        self._vocabulary = vocabulary
        self._llm = llm
        self.turn_seconds = turn_seconds

    def llm(self) -> LLM | None:
        """The parser's LLM (loaded on first call), for others that should share it and its prompt caches."""
        return self._llm()

    def parse(self, text: str, context: IntentContext | None = None, use_llm: bool = True,
              deadline: Deadline | None = None) -> IntentResponse:
        """`deadline`: the turn's, which the LLM call must finish by (else the rules' parse stands)."""
        started = time.perf_counter()
        if deadline is None and self.turn_seconds is not None:
            deadline = Deadline.for_turn(self.turn_seconds)
        vocabulary = self._vocabulary()
        rules = extract_intent(text, vocabulary, context)
        source = IntentSource(parser="rules", fields={f: "rules" for f in _set_fields(rules)})
        intent = rules
        llm = self._llm() if use_llm else None
        if not use_llm:
            source.fallback = "LLM not requested"
        elif llm is None:
            source.fallback = "no LLM configured"
        elif is_confident(rules):
            source.fallback = "rules confident"
        else:
            try:
                proposal = llm_intent(text, llm, context.previous if context else None, hints=rules,
                                      deadline=deadline)
                intent, taken = merge(rules, proposal, text, vocabulary)
                source = IntentSource(parser="hybrid", llm=llm.name, fields={
                    f: ("llm" if f in taken else "rules") for f in _set_fields(intent)})
            except LLMUnavailable as exc:
                source.llm, source.fallback = llm.name, str(exc)
        return IntentResponse(intent=intent, source=source,
                              latency_ms=round((time.perf_counter() - started) * 1000, 3))


def is_confident(rules: Intent) -> bool:
    if any(value < CONFIDENT for value in rules.confidence.values()):
        return False
    if rules.action not in ("search", "recommend"):
        return True
    return bool(rules.product_type or rules.category or rules.brands)


def merge(rules: Intent, proposal: Intent, text: str, vocabulary: CatalogVocabulary | None
          ) -> tuple[Intent, set[str]]:
    """The merged intent and the fields taken from the LLM's proposal (see the module docstring)."""
    said = _normalise(text)
    merged = rules.model_copy(deep=True)
    taken: set[str] = set()
    for field in FIELDS:
        if _confidence(rules, field) >= CONFIDENT and _value(rules, field) not in (None, "", [], {}):
            continue
        value = _value(proposal, field)
        if value in (None, "", [], {}) or value == _value(rules, field):
            continue
        if not _grounded(field, value, said, vocabulary):
            log.info("LLM value for %s not grounded in the message, ignored: %r", field, value)
            continue
        _assign(merged, field, value)
        merged.confidence[_confidence_key(field)] = proposal.confidence.get(_confidence_key(field), 0.7)
        taken.add(field)
    return merged, taken


def _grounded(field: str, value, said: str, vocabulary: CatalogVocabulary | None) -> bool:
    if field == "price":
        numbers = {float(n.replace(",", "")) for n in re.findall(r"\d[\d,]*(?:\.\d+)?", said)}
        return all(bound is None or bound in numbers for bound in (value.min, value.max))
    if field in ("brands", "exclude.brands"):
        return all(_normalise(brand) in said for brand in value)
    if field.startswith("attributes."):
        return _normalise(value) in said
    if field == "category" and vocabulary is not None:
        return value in vocabulary.category_depth  # the catalog's own category names
    return True


def _value(intent: Intent, field: str):
    if field == "exclude.brands":
        return intent.exclude.brands
    if field.startswith("attributes."):
        return intent.attributes.get(field.split(".", 1)[1])
    if field == "price":
        return intent.price if (intent.price.min is not None or intent.price.max is not None) else None
    if field == "sort":
        return None if intent.sort == "relevance" else intent.sort
    return getattr(intent, field)


def _assign(intent: Intent, field: str, value) -> None:
    if field == "exclude.brands":
        intent.exclude.brands = list(value)
    elif field.startswith("attributes."):
        intent.attributes[field.split(".", 1)[1]] = value
    elif field == "price":
        intent.price = PriceConstraint.model_validate(value.model_dump())
    else:
        setattr(intent, field, value)


def _confidence(intent: Intent, field: str) -> float:
    return intent.confidence.get(_confidence_key(field), 0.0)


def _confidence_key(field: str) -> str:
    return "exclude" if field == "exclude.brands" else field


def _set_fields(intent: Intent) -> list[str]:
    return [f for f in FIELDS if _value(intent, f) not in (None, "", [], {})]


def _normalise(text: str) -> str:
    return " ".join(re.findall(r"[\w$€£.,'-]+", text.lower()))
