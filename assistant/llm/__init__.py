"""The LLM layer: one interface over an OpenAI-compatible server (vLLM first) or a small local model.

    llm = get_llm(settings)                        # LLM | None, per SHOPASSIST_LLM = auto|openai|local|none
    llm.structured(messages, SomeModel)            # -> SomeModel, decoded under its JSON schema
    llm.stream(messages)                           # -> Iterator[str]
    llm_intent(text, llm, context_intent, hints)   # -> Intent, the deterministic parse as hints

Every failure (unreachable, timed out, invalid output) raises `LLMUnavailable` with the reason logged: the
caller falls back to the deterministic path. `prepare_local_model` and `serve_vllm` back the CLI's
`shopassist llm prepare` and `shopassist llm serve`.
"""

from .backends import get_llm
from .chat import LLM, LLMUnavailable
from .intent import IntentDraft, llm_intent
from .prepare import prepare_local_model
from .vllm import serve_vllm

__all__ = ["LLM", "IntentDraft", "LLMUnavailable", "get_llm", "llm_intent", "prepare_local_model", "serve_vllm"]
