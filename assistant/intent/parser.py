"""`IntentParser`: the deterministic extractor first, the LLM where it helps, and the merge between them.

Merge policy (tested in tests/test_intent_parser.py):
1. The rules always run (well under a millisecond). Their result stands alone when they are confident:
   every field they set has confidence >= CONFIDENT and they found what is being shopped for
   (a product type, a category or a brand) or a non-search action.
2. Otherwise the LLM reads the message with the rules' parse as hints. Per field:
   - a rules value with confidence >= CONFIDENT is kept (the rules are exact where they match);
   - an LLM value is taken for a field the rules left empty or uncertain, but only if it is grounded:
     prices must be numbers written in the message (small models invent budgets: SmolLM2 answered
     1000 for "under 80 dollars"), the words of a product type, brand, colour, size, material, scent,
     flavour or feature must all be in the message (number words count as their digits, "oz" as
     "ounce"), a pack count's number must be written there, and a category must be one the catalog has
     when a catalog is loaded.
   A fine-tuned intent model (`shopassist train-intent`, `LLM.fine_tuned`) is trusted further: it is asked
   even when the rules are confident, and it owns the open-vocabulary fields (TUNED_MODEL_OWNS: product
   type, brands, colour, size, material, scent, flavour, features): its grounded value replaces the rules'
   ("gentle nude" over "nude"), features are the rules' lexicon matches plus the model's, and a field it
   leaves out keeps the rules' value. Its pack count only fills a gap. Everything else (prices, negations,
   references, sort, action, category) is the rules' alone. (The policy was chosen on 200 held-out
   training requests, benchmarks/RESULTS.md.)
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
          "attributes.size", "attributes.material", "attributes.scent", "attributes.flavor", "features",
          "pack_count", "price", "sort")
# What lexicons cannot list: a fine-tuned model's grounded value replaces the rules' here.
OPEN_VOCABULARY = ("product_type", "brands", "attributes.color", "attributes.size", "attributes.material",
                   "attributes.scent", "attributes.flavor", "features", "pack_count")
EMPTY = (None, "", [], {})
# What a fine-tuned model's grounded value replaces the rules' on; its pack count only fills a gap (the
# rules read "pack of 12" exactly, the model was less sure on held-out requests: benchmarks/RESULTS.md).
TUNED_MODEL_OWNS = ("product_type", "brands", "attributes.color", "attributes.size", "attributes.material",
                    "attributes.scent", "attributes.flavor", "features")
# Lists where the rules' certain matches stay beside the fine-tuned model's values.
UNION_WITH_RULES = ("features",)
# Words that ground each other: a value may spell a unit or a number differently from the message.
EQUIVALENT = {"oz": "ounce", "ounces": "ounce", "fl": "fluid", "lb": "pound", "lbs": "pound", "pounds": "pound",
              "in": "inch", "inches": "inch", "ft": "foot", "feet": "foot", "ml": "milliliter",
              "litre": "liter", "g": "gram", "grams": "gram", "kg": "kilogram", "pk": "pack", "ct": "count",
              "grey": "gray", "colour": "color", "&": "and"}
LETTER_SIZES = {"XS": {"xs", "extra small", "x-small"}, "S": {"s", "small"}, "M": {"m", "medium"},
                "L": {"l", "large"}, "XL": {"xl", "extra large", "x-large"}, "XXL": {"xxl", "xx-large", "2xl"},
                "XXXL": {"xxxl", "xxx-large", "3xl"}}
NUMBER_WORDS = {"one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
                "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "thirteen": "13",
                "fourteen": "14", "fifteen": "15", "sixteen": "16", "eighteen": "18", "twenty": "20",
                "thirty": "30", "forty": "40", "fifty": "50", "dozen": "12", "single": "1", "pair": "2"}
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
        elif is_confident(rules) and not getattr(llm, "fine_tuned", False):
            source.fallback = "rules confident"
        else:
            try:
                proposal = llm_intent(text, llm, context.previous if context else None, hints=rules,
                                      deadline=deadline)
                intent, taken = merge(rules, proposal, text, vocabulary, trust=getattr(llm, "fine_tuned", False))
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


def merge(rules: Intent, proposal: Intent, text: str, vocabulary: CatalogVocabulary | None, trust: bool = False
          ) -> tuple[Intent, set[str]]:
    """The merged intent and the fields taken from the LLM's proposal (see the module docstring); `trust`:
    the proposal comes from a fine-tuned intent model, which owns the open-vocabulary fields."""
    said = _normalise(text)
    merged = rules.model_copy(deep=True)
    taken: set[str] = set()
    for field in FIELDS:
        if trust and field not in OPEN_VOCABULARY:
            continue  # prices, negations, references, sort, action: the rules' (a model invents budgets, sorts)
        owned = trust and field in TUNED_MODEL_OWNS
        rules_certain = _confidence(rules, field) >= CONFIDENT and _value(rules, field) not in EMPTY
        if rules_certain and not owned:
            continue
        value = _value(proposal, field)
        if value in EMPTY:
            continue  # a model omits more often than it deliberately clears: the rules' value stays
        if owned and field in UNION_WITH_RULES:
            # A lexicon match is certain and the model adds what no lexicon lists: keep both.
            value = list(dict.fromkeys([*(_value(rules, field) or []), *value]))
        if value == _value(rules, field):
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
    if field == "category" and vocabulary is not None:
        return value in vocabulary.category_depth  # the catalog's own category names
    if field == "pack_count":
        return str(value) in _grounding_words(said)
    if field == "attributes.size" and str(value).upper() in LETTER_SIZES:
        return bool(_grounding_words(said) & LETTER_SIZES[str(value).upper()]) or \
            any(spelling in said for spelling in LETTER_SIZES[str(value).upper()] if " " in spelling)
    if field in OPEN_VOCABULARY:
        words = _grounding_words(said)
        values = value if isinstance(value, list) else [str(value)]
        return all(_grounding_words(_normalise(v)) <= words for v in values)
    return True


def _grounding_words(text: str) -> set[str]:
    """A text's words as grounding compares them: units and number words in one spelling, plural -s off."""
    words = set()
    for word in re.findall(r"\d+(?:\.\d+)?|[^\W\d_]+", text.lower()):
        word = NUMBER_WORDS.get(word, EQUIVALENT.get(word, word))
        if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = EQUIVALENT.get(word[:-1], word[:-1])
        words.add(word)
    return words


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
