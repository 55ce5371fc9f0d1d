"""`llm_intent`: a shopper's message -> `Intent` through the LLM, with the deterministic parse as hints.

The model fills `IntentDraft`, a reduced flat schema a small model can manage (the full `Intent` nests
exclusions, references and confidences). The prompt is three files in /prompts: the versioned system text,
few-shot examples (each a draft that must validate) and the per-message template."""

from __future__ import annotations

import logging
from typing import Annotated

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from pydantic import BaseModel, Field, StringConstraints

from retrieval.intent import Action, Exclusions, Intent, PriceConstraint, Sort
from .chat import LLM
from .guard import Deadline
from .prompts import load_examples, load_prompt

log = logging.getLogger(__name__)

SYSTEM_PROMPT, USER_PROMPT, EXAMPLES = "intent_system.md", "intent_user.md", "intent_examples.json"
# A fine-tuned intent model learnt the task, so its prompt is short: no field list, no few-shot examples.
TUNED_SYSTEM_PROMPT = "intent_tuned_system.md"
# What a field the model set is worth in `Intent.confidence`: a guess from a model, not a lexicon match.
LLM_CONFIDENCE = 0.7
ATTRIBUTES = ("color", "size", "material", "scent", "flavor")  # the draft fields that are `Intent.attributes`

# Bounded lengths: under constrained decoding a small model cannot ramble inside a string or a list.
Text = Annotated[str, StringConstraints(max_length=60)]
Words = Annotated[list[Text], Field(max_length=5)]


class IntentDraft(BaseModel):
    """The fields of `Intent` the LLM fills; every field is optional so the model writes only what it finds."""

    action: Action = "search"
    query: Annotated[str, StringConstraints(max_length=80)] = ""
    product_type: Text | None = None
    category: Text | None = None
    brands: Words = []
    exclude_brands: Words = []
    color: Text | None = None
    size: Text | None = None
    material: Text | None = None
    scent: Text | None = None
    flavor: Text | None = None
    features: Words = []
    pack_count: int | None = Field(default=None, ge=1, le=1000)
    price_min: float | None = Field(default=None, ge=0)
    price_max: float | None = Field(default=None, ge=0)
    currency: str | None = Field(default=None, max_length=3)
    sort: Sort = "relevance"

    @classmethod
    def from_intent(cls, intent: Intent) -> IntentDraft:
        """An intent's draft fields, to show the model; not validated, since a parse may exceed the bounds."""
        attributes = intent.attributes
        return cls.model_construct(
            action=intent.action, query=intent.query, product_type=intent.product_type, category=intent.category,
            brands=intent.brands, exclude_brands=intent.exclude.brands, color=attributes.get("color"),
            size=attributes.get("size"), material=attributes.get("material"), scent=attributes.get("scent"),
            flavor=attributes.get("flavor"), features=intent.features, pack_count=intent.pack_count,
            price_min=intent.price.min, price_max=intent.price.max, currency=intent.price.currency, sort=intent.sort)

    def to_intent(self, base: Intent | None = None) -> Intent:
        """`base` (the hints, or the previous intent) updated with every field this draft sets.

        A field the model left out or empty keeps the base's value: a small model omits more often than it
        deliberately clears, and the deterministic parse is precise where it matches. Fields outside the
        draft (references, pack count, recipient, other attributes, ...) come from the base unchanged."""
        base = base or Intent()
        changed = {name for name in self.model_fields_set if getattr(self, name) not in (None, "", [])}
        draft = self.model_dump(include=changed)
        update: dict = {key: draft[key] for key in ("action", "query", "product_type", "category", "brands",
                                                    "features", "pack_count", "sort") if key in draft}
        attributes = {key: draft[key] for key in ATTRIBUTES if key in draft}
        if attributes:
            update["attributes"] = {**base.attributes, **attributes}
        if "exclude_brands" in draft:
            update["exclude"] = Exclusions(**{**base.exclude.model_dump(), "brands": draft["exclude_brands"]})
        price = {bound: draft[f"price_{bound}"] for bound in ("min", "max") if f"price_{bound}" in draft}
        if "currency" in draft:
            price["currency"] = draft["currency"].upper()
        if price:
            update["price"] = PriceConstraint(**{**base.price.model_dump(), **price})
        confidence = {**base.confidence, **{_confidence_key(name): LLM_CONFIDENCE for name in changed}}
        return base.model_copy(update={**update, "confidence": confidence}, deep=True)


def llm_intent(text: str, llm: LLM, context_intent: Intent | None = None, hints: Intent | None = None,
               deadline: Deadline | None = None) -> Intent:
    """The intent of `text` as the LLM reads it, merged over `hints` (or else `context_intent`).

    Raises `LLMUnavailable` (reason logged) when the LLM cannot answer: the caller keeps the deterministic
    parse. The result always validates as `Intent`."""
    tuned = getattr(llm, "fine_tuned", False)
    draft = llm.structured(intent_messages(text, context_intent, hints, tuned), IntentDraft, deadline)
    # A fine-tuned model writes the whole intent, so its draft replaces the hints' open-vocabulary fields
    # (the parser's merge decides which); the packaged model's draft only adds to them.
    return draft.to_intent(None if tuned else hints or context_intent)


def intent_messages(text: str, context_intent: Intent | None = None, hints: Intent | None = None,
                    tuned: bool = False) -> list[BaseMessage]:
    """System prompt, the few-shot examples as earlier turns, then this message; `tuned`: the short prompt
    a fine-tuned intent model was trained on (no examples)."""
    system = load_prompt(TUNED_SYSTEM_PROMPT if tuned else SYSTEM_PROMPT)
    log.debug("intent prompt %s v%s", system.name, system.version)
    messages: list[BaseMessage] = [SystemMessage(system.text)]
    for example in () if tuned else load_examples(EXAMPLES):
        shown = {key: IntentDraft.model_validate(example[key]) for key in ("context", "hints") if key in example}
        messages.append(HumanMessage(_user_text(example["message"], **shown)))
        messages.append(AIMessage(_compact(IntentDraft.model_validate(example["intent"]))))
    messages.append(HumanMessage(_user_text(text, context=_shown(context_intent, tuned),
                                            hints=_shown(hints, tuned))))
    return messages


def _user_text(message: str, context: IntentDraft | None = None, hints: IntentDraft | None = None) -> str:
    return load_prompt(USER_PROMPT).text.format(
        context=_compact(context) if context else "none", hints=_compact(hints) if hints else "none",
        message=message.strip())


def _shown(intent: Intent | None, tuned: bool = False) -> IntentDraft | None:
    """An intent as the prompt shows it; a fine-tuned model never writes `query`, so it is not shown one."""
    if not intent:
        return None
    draft = IntentDraft.from_intent(intent)
    return draft.model_copy(update={"query": ""}) if tuned else draft


def _compact(draft: IntentDraft) -> str:
    """A draft as the model should write it: only the fields that say something, as minified JSON."""
    return draft.model_dump_json(exclude_defaults=True)


def _confidence_key(field: str) -> str:
    """The `Intent.confidence` key the deterministic extractor uses for a draft field."""
    if field in ATTRIBUTES:
        return f"attributes.{field}"
    if field in ("price_min", "price_max", "currency"):
        return "price"
    return "exclude" if field == "exclude_brands" else field
