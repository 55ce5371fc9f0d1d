"""`get_llm`: the configured backend (`SHOPASSIST_LLM` = auto | openai | local | none)."""

from __future__ import annotations

import logging

from ..config import Settings
from .chat import LLM
from .guard import CircuitBreaker

log = logging.getLogger(__name__)

MAX_TOKENS = 512  # bounds any one answer; an intent takes well under 100 tokens
# A fine-tuned intent model only writes intents (its training answers are at most ~55 tokens): a longer one is
# a model looping, cut off and answered by the rules, which bounds the model path's latency.
INTENT_MODEL_MAX_TOKENS = 80


def get_llm(settings: Settings, purpose: str = "intent") -> LLM | None:
    """The LLM to use, or None for none (`none`, or a local model that cannot be prepared).

    auto = openai when `llm_url` is set, else local. Nothing is contacted here; the local backend converts
    the packaged model on its first use on a machine (~30 s) and loads its weights on the first call.
    `LLM.fine_tuned` says whether it is an intent model from `shopassist train-intent`: the local one when
    <home>/intent_model/ACTIVE names one, a server's when it serves one under its `shopassist-intent-` name.
    A fine-tuned intent model writes intents, not replies: for `purpose="chat"` the local backend loads the
    packaged model instead, and a server that serves only an intent model gives no chat LLM (template
    replies)."""
    from .intent_model import SERVED_NAME_PREFIX

    backend = settings.llm
    if backend == "auto":
        backend = "openai" if settings.llm_url else "local"
    if backend == "openai":
        llm = openai_llm(settings)
        llm.fine_tuned = settings.llm_model.startswith(SERVED_NAME_PREFIX)
        if llm.fine_tuned and purpose == "chat":
            log.info("%s is a fine-tuned intent model: chat replies are composed from templates", llm.name)
            return None
        return llm
    if backend == "local":
        try:
            return local_llm(settings, fine_tuned=purpose == "intent")
        except FileNotFoundError as exc:
            log.warning("no local LLM, continuing without one: %s", exc)
    return None


def openai_llm(settings: Settings) -> LLM:
    """Any OpenAI-compatible server (vLLM first); the openai client retries connection errors, timeouts,
    429 and 5xx `llm_retries` times with exponential backoff (0.5 s, 1 s, ... capped at 8 s)."""
    import openai
    from langchain_openai import ChatOpenAI

    if not settings.llm_url:
        raise ValueError("the openai LLM backend needs SHOPASSIST_LLM_URL, e.g. http://127.0.0.1:8001/v1")
    from .intent_model import SERVED_NAME_PREFIX

    tuned = settings.llm_model.startswith(SERVED_NAME_PREFIX)
    # The client's own timeout ends a request the caller has given up on (it holds a call slot until then).
    chat = ChatOpenAI(base_url=settings.llm_url, model=settings.llm_model, api_key=settings.llm_api_key,
                      timeout=call_timeout(settings), max_retries=settings.llm_retries, temperature=0,
                      max_tokens=INTENT_MODEL_MAX_TOKENS if tuned else MAX_TOKENS)
    return LLM(f"openai:{settings.llm_model}", chat, failures=(openai.OpenAIError,), in_process=False,
               **guards(settings))


def local_llm(settings: Settings, fine_tuned: bool = True) -> LLM:
    from .intent_model import is_fine_tuned
    from .local import LocalChatModel
    from .prepare import prepare_local_model

    model_dir = prepare_local_model(settings, fine_tuned)
    tuned = is_fine_tuned(model_dir)
    chat = LocalChatModel(model_dir=model_dir, timeout=settings.llm_timeout, int8=settings.local_int8 and tuned,
                          max_new_tokens=INTENT_MODEL_MAX_TOKENS if tuned else MAX_TOKENS)
    llm = LLM(f"local:{model_dir.name}", chat, **guards(settings))
    llm.fine_tuned = tuned
    return llm


def call_timeout(settings: Settings) -> float:
    """One call never outlasts a whole turn (what /v1/intent, one call, is bounded by)."""
    return min(settings.llm_timeout, settings.llm_turn_seconds - min(1.0, settings.llm_turn_seconds * 0.1))


def guards(settings: Settings) -> dict:
    """The bounds every LLM call runs under (assistant/llm/guard.py), from the settings."""
    return {"call_timeout": call_timeout(settings), "concurrency": settings.llm_concurrency,
            "breaker": CircuitBreaker(settings.llm_breaker_failures, settings.llm_breaker_reset_seconds)}
