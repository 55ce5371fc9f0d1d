"""The `local` backend: a Hugging Face causal LM in-process on CPU, as a LangChain chat model.

Decoding is greedy, so text streams as it is produced. `with_structured_output` binds a JSON schema that
xgrammar compiles into a token mask applied before each pick, so the output always parses and validates
(unless `max_new_tokens` cuts it short, which the parser then reports).

Each step also feeds a guess of the next few tokens (prompt lookup: what followed the last tokens where they
occur earlier in the prompt or the answer; an intent copies its values from the message and its field names
from the hints) and keeps the guessed tokens the model's own greedy picks agree with. On CPU a forward pass
over a handful of tokens costs about as much as over one (the weights are read once either way), so copied
text comes several tokens a pass; the picks are the model's, so the answer is the one token-by-token decoding
gives (up to int8 rounding, whose activation scales span the tokens of a pass)."""

from __future__ import annotations

import copy
import json
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch
import xgrammar as xgr
from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, convert_to_openai_messages
from langchain_core.output_parsers import JsonOutputParser, PydanticOutputParser
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import BaseModel, PrivateAttr
from transformers import AutoModelForCausalLM, AutoTokenizer
from transformers.utils import logging as hf_logging

PROMPT_CACHES = 4  # KV caches of recent prompts kept for reuse, ~40 MB each for the ~950-token intent prompt
PREFILL_CHUNK = 128  # prompt tokens per forward pass: bounds how late a timeout is noticed
GUESS_TOKENS = 5  # tokens guessed per step by prompt lookup (module docstring)
GUESS_MATCH = 3  # the longest run of last tokens looked up


class LocalChatModel(BaseChatModel):
    model_dir: Path
    max_new_tokens: int = 256
    timeout: float | None = None  # seconds per call, checked between tokens; the one-time load is not counted
    int8: bool = False  # int8 weights for the linear layers (dynamic quantization): ~3x faster decoding on CPU

    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)
    _model: Any = PrivateAttr(default=None)
    _tokenizer: Any = PrivateAttr(default=None)
    _compiler: Any = PrivateAttr(default=None)
    _stop_ids: frozenset[int] = PrivateAttr(default=frozenset())
    _prompt_caches: list[tuple[torch.Tensor, Any]] = PrivateAttr(default_factory=list)  # newest first

    @property
    def _llm_type(self) -> str:
        return "shopassist-local"

    def with_structured_output(self, schema: dict | type[BaseModel], *, include_raw: bool = False,
                               method: str = "json_schema", **kwargs: Any):
        """Output constrained to a JSON schema: a pydantic model, or an OpenAI-style {"name", "schema"} dict
        (parsed to a dict, as ChatOpenAI does)."""
        if method != "json_schema" or include_raw:
            raise NotImplementedError("the local model supports method='json_schema' without include_raw")
        if isinstance(schema, dict):
            return self.bind(json_schema=json.dumps(schema.get("schema", schema))) | JsonOutputParser()
        return self.bind(json_schema=json.dumps(schema.model_json_schema())) | PydanticOutputParser(
            pydantic_object=schema)

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> ChatResult:
        text = "".join(chunk.text for chunk in self._stream(messages, stop, run_manager, **kwargs))
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                run_manager: CallbackManagerForLLMRun | None = None, *, json_schema: str | None = None,
                **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        for piece in self._decode(messages, json_schema):
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=piece))
            if run_manager:
                run_manager.on_llm_new_token(piece, chunk=chunk)
            yield chunk

    @torch.inference_mode()
    def _decode(self, messages: list[BaseMessage], json_schema: str | None) -> Iterator[str]:
        self._load()
        tokenizer = self._tokenizer
        prompt = tokenizer.apply_chat_template(convert_to_openai_messages(messages), tokenize=False,
                                               add_generation_prompt=True)
        prompt_ids = tokenizer(prompt, return_tensors="pt", add_special_tokens=False).input_ids
        matcher, bitmask = self._grammar(json_schema) if json_schema else (None, None)
        deadline = time.monotonic() + self.timeout if self.timeout else None
        out = self._prefill(prompt_ids, deadline)
        context = prompt_ids[0].tolist()  # the prompt, then the answer so far: where guesses are looked up
        generated, emitted = [], ""
        logits = out.logits[:, -1, :]
        while len(generated) < self.max_new_tokens:
            token = self._pick(logits, matcher, bitmask)
            if token in self._stop_ids or (matcher and not matcher.accept_token(token)):
                return
            picked = [token]
            guess = _lookup(context + picked, min(GUESS_TOKENS, self.max_new_tokens - len(generated) - 1))
            done = bool(matcher and matcher.is_completed())  # the JSON value is closed: only a stop may follow
            if not done:
                self._check(deadline)
                out = self._model(input_ids=torch.tensor([[token, *guess]]), past_key_values=out.past_key_values,
                                  use_cache=True)
                for position, guessed in enumerate(guess):  # keep the guesses the model picks itself
                    if self._pick(out.logits[:, position, :], matcher, bitmask) != guessed or \
                            guessed in self._stop_ids or (matcher and not matcher.accept_token(guessed)):
                        break
                    picked.append(guessed)
                    if matcher and matcher.is_completed():
                        done = True
                        break
                if len(picked) < len(guess) + 1:  # forget the rejected guesses (a negative count: tokens to drop)
                    out.past_key_values.crop(len(picked) - len(guess) - 1)
                logits = out.logits[:, len(picked) - 1, :]
            generated += picked
            context += picked
            text = tokenizer.decode(generated, skip_special_tokens=True)
            if not text.endswith("\ufffd"):  # otherwise a multi-byte character is still incomplete
                yield text[len(emitted):]
                emitted = text
            if done:
                return

    @staticmethod
    def _pick(logits: torch.Tensor, matcher, bitmask) -> int:
        """The greedy token, among those the grammar allows next when there is one."""
        if matcher:
            logits = logits.clone()
            matcher.fill_next_token_bitmask(bitmask)
            xgr.apply_token_bitmask_inplace(logits, bitmask)
        return int(logits.argmax(dim=-1))

    def _prefill(self, prompt_ids: torch.Tensor, deadline: float | None):
        """The model's output for the prompt, in chunks (so the deadline is checked), computing only what no
        recent prompt shares.

        Prompts repeat long prefixes (the intent prompt's system text and few-shot examples are ~900 of its
        ~950 tokens), so the KV caches of the last few prompts are kept; a chat turn alternates an intent
        prompt with a reply prompt, hence more than one."""
        with self._lock:
            known = self._prompt_caches
        shared, cache = 0, None
        if known:
            known_ids, known_cache = max(known, key=lambda entry: _common_prefix(entry[0], prompt_ids))
            shared = min(_common_prefix(known_ids, prompt_ids), prompt_ids.shape[1] - 1)  # feed >= 1 token
        if shared:
            cache = copy.deepcopy(known_cache)  # generation extends a cache in place
            cache.crop(shared - cache.get_seq_length())  # a negative count: the tokens to drop
        for start in range(shared, prompt_ids.shape[1], PREFILL_CHUNK):
            self._check(deadline)
            out = self._model(input_ids=prompt_ids[:, start:start + PREFILL_CHUNK], past_key_values=cache,
                              use_cache=True)
            cache = out.past_key_values
        with self._lock:
            self._prompt_caches = [(prompt_ids, copy.deepcopy(cache)), *known][:PROMPT_CACHES]
        return out

    def _check(self, deadline: float | None) -> None:
        if deadline and time.monotonic() > deadline:
            raise TimeoutError(f"local generation took over {self.timeout} s")

    def _load(self) -> None:
        with self._lock:
            if self._model is not None:
                return
            if not (self.model_dir / "config.json").is_file():
                raise FileNotFoundError(f"no model at {self.model_dir}: run `shopassist llm prepare`")
            hf_logging.disable_progress_bar()  # a weights progress bar per load is noise in CLI and API logs
            self._tokenizer = AutoTokenizer.from_pretrained(self.model_dir)
            self._model = AutoModelForCausalLM.from_pretrained(self.model_dir).eval()
            if self.int8:
                # Decoding one token reads every weight: at 135M fp32 parameters that is memory-bound (~58 ms a
                # token on 2 cores); int8 weights read a quarter of the bytes (~18 ms).
                with warnings.catch_warnings():  # torch.ao's notice that the API moves to torchao
                    warnings.simplefilter("ignore")
                    self._model = torch.ao.quantization.quantize_dynamic(self._model, {torch.nn.Linear},
                                                                         dtype=torch.qint8)
            eos = self._model.generation_config.eos_token_id
            self._stop_ids = frozenset([eos] if isinstance(eos, int) else eos or []) | {self._tokenizer.eos_token_id}
            vocab_size = self._model.config.vocab_size
            info = xgr.TokenizerInfo.from_huggingface(self._tokenizer, vocab_size=vocab_size,
                                                      stop_token_ids=sorted(self._stop_ids))
            self._compiler = xgr.GrammarCompiler(info)

    def _grammar(self, json_schema: str):
        """A fresh matcher for one call; the compiler caches each schema's compiled grammar."""
        # Minified JSON, as in the prompts' examples: no free whitespace for a small model to wander into.
        grammar = self._compiler.compile_json_schema(json_schema, any_whitespace=False, separators=(",", ":"))
        return xgr.GrammarMatcher(grammar), xgr.allocate_token_bitmask(1, self._model.config.vocab_size)


def _lookup(tokens: list[int], count: int) -> list[int]:
    """Up to `count` tokens that followed the latest earlier occurrence of the last few `tokens` (the longest
    run of up to GUESS_MATCH found): a guess of what comes next, [] when there is none."""
    if count <= 0:
        return []
    for run in range(min(GUESS_MATCH, len(tokens) - 1), 0, -1):
        tail = tokens[-run:]
        for start in range(len(tokens) - run - 1, -1, -1):
            if tokens[start:start + run] == tail:
                return tokens[start + run:start + run + count]
    return []


def _common_prefix(a: torch.Tensor, b: torch.Tensor) -> int:
    """How many leading token ids two (1, n) id tensors share."""
    n = min(a.shape[1], b.shape[1])
    same = a[0, :n] == b[0, :n]
    return n if bool(same.all()) else int((~same).int().argmax())
