"""`shopassist train-intent`: SmolLM2-135M-Instruct fine-tuned to write the intent draft, on CPU.

The model learns exactly what serving asks of it: the short prompt `llm_intent` builds for a fine-tuned model
(a system line, previous intent, the rules' parse as hints, the message; no few-shot examples) -> the compact
`IntentDraft` JSON that the constrained decoder in `local.py` produces: the whole labelled intent without
`query`, e.g. `{"product_type":"walking shoes","color":"khaki","size":"7.5","features":["rubber sole"]}`.
Most prompts show the rules' parse as hints (as serving does), so the model learns to keep, fix and drop
what the rules say; some show none ("Parser hints: none", the fine-tuned model alone).

The prompt's first tokens (the system line) are the same for every example: each step runs them once without
gradients and trains on the tails that attend to that cached prefix, the forward pass serving runs.

Method: LoRA adapters (rank 16 on every projection of every layer), merged into the weights when saved, so
the saved directory is a plain HF model that the local backend and vLLM load like the packaged one (the
choice is measured in benchmarks/RESULTS.md against a full fine-tune, `method="full"`).
"""

from __future__ import annotations

import copy
import logging
import math
import random
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
from torch import nn

from retrieval.intent import Intent

log = logging.getLogger(__name__)

LORA_TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
# Draft fields compared with the rules' parse to decide what a with-hints target must say.
TARGET_FIELDS = ("action", "product_type", "category", "brands", "exclude_brands", "color", "size", "material",
                 "scent", "flavor", "features", "pack_count", "price_min", "price_max", "currency", "sort")


@dataclass
class FinetuneConfig:
    method: str = "lora"  # lora | full
    epochs: float = 1.0
    seed: int = 0
    max_steps: int | None = None
    batch_size: int = 8
    learning_rate: float | None = None  # default: 1e-3 for LoRA, 5e-5 for a full fine-tune
    lora_rank: int = 16
    lora_alpha: float = 32.0
    lora_layers: int | None = None  # adapters on the top N decoder layers only (None: all, the measured best)
    warmup_share: float = 0.06
    prefix_refresh: int = 4  # recompute the shared prompt prefix's cache every N steps
    budget_seconds: float | None = 22 * 60  # stop planning steps beyond this much training time
    bf16: bool = True  # autocast matmuls to bfloat16 (fp32 master weights)
    validate_before: bool = True  # the validation loss of the starting model too (a forward pass over it)
    threads: int | None = None

    def lr(self) -> float:
        return self.learning_rate or (1e-3 if self.method == "lora" else 5e-5)


@dataclass
class Pair:
    """One training example: the chat messages `llm_intent` sends, and the JSON answer to learn."""

    messages: list
    target: str
    source: str  # synthetic | labelled


@dataclass
class TrainReport:
    method: str
    steps: int
    examples_seen: int
    train_examples: int
    validation_examples: int
    seconds: float
    steps_per_second: float
    first_loss: float
    final_loss: float
    validation_loss_before: float
    validation_loss_after: float
    trainable_parameters: int
    prefix_tokens: int
    history: list[dict] = field(default_factory=list)


# ------------------------------------------------------------------ targets

def training_pair(text: str, gold: Intent, hints: Intent | None, context: Intent | None, source: str) -> Pair:
    """The prompt for `text` (with the rules' `hints`, or none) and the whole draft the model should write."""
    from ..llm.intent import IntentDraft, intent_messages

    target = {name: value for name, value in _draft_values(IntentDraft.from_intent(gold)).items()
              if value not in (None, "", [])}
    if target.get("action") == "search":
        target.pop("action")
    if target.get("sort") == "relevance":
        target.pop("sort")
    if "currency" in target and not ({"price_min", "price_max"} & set(target)):
        target.pop("currency")  # the labels leave the currency out when it is implied
    for name, value in target.items():
        if isinstance(value, list):  # the draft holds at most 5 (its schema bounds what decoding may write)
            target[name] = value[:IntentDraft.model_fields[name].metadata[0].max_length]
    draft = IntentDraft.model_validate(target)
    return Pair(intent_messages(text, context, hints, tuned=True), draft.model_dump_json(exclude_defaults=True),
                source)


def _draft_values(draft) -> dict:
    return {name: getattr(draft, name, None) for name in TARGET_FIELDS}


def build_pairs(examples: Sequence, vocabulary, no_hints_share: float, seed: int, source: str) -> list[Pair]:
    """Pairs for labelled examples (`IntentExample`): the rules' parse as hints, as serving shows it, or for
    `no_hints_share` of them no hints, as the fine-tuned model alone is asked. The answer is always the whole
    labelled intent, so the model learns to keep what the rules got right, fix what they got wrong and drop
    what they invented."""
    from .extractor import extract_intent

    rng = random.Random(seed)
    pairs = []
    for example in examples:
        gold = example.expected_intent()
        context = example.context.previous if example.context else None
        hints = None if rng.random() < no_hints_share else extract_intent(example.text, vocabulary, example.context)
        pairs.append(training_pair(example.text, gold, hints, context, source))
    return pairs


# ------------------------------------------------------------------ LoRA

class LoRALinear(nn.Module):
    """`base(x) + scale * B(A(x))` with `base` frozen; B starts at zero, so training starts from the base."""

    def __init__(self, base: nn.Linear, rank: int, alpha: float):
        super().__init__()
        self.base = base
        self.lora_a = nn.Parameter(torch.empty(rank, base.in_features))
        self.lora_b = nn.Parameter(torch.zeros(base.out_features, rank))
        nn.init.kaiming_uniform_(self.lora_a, a=math.sqrt(5))
        self.scale = alpha / rank

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.base(x) + (x @ self.lora_a.T @ self.lora_b.T) * self.scale

    def merged(self) -> nn.Linear:
        with torch.no_grad():
            self.base.weight += (self.lora_b @ self.lora_a).to(self.base.weight.dtype) * self.scale
        return self.base


def add_lora(model: nn.Module, rank: int, alpha: float, layers: int | None = None,
             targets: Sequence[str] = LORA_TARGETS) -> int:
    """Freeze `model` and wrap the target projections of its top `layers` decoder layers (None: all) with
    adapters; return the trainable parameter count. Gradients then stop at the lowest adapted layer."""
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    decoder = model.model.layers
    for module in decoder[len(decoder) - (layers or len(decoder)):]:
        for parent in list(module.modules()):
            for child_name, child in list(parent.named_children()):
                if child_name in targets and isinstance(child, nn.Linear):
                    setattr(parent, child_name, LoRALinear(child, rank, alpha))
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def merge_lora(model: nn.Module) -> None:
    for module in list(model.modules()):
        for child_name, child in list(module.named_children()):
            if isinstance(child, LoRALinear):
                setattr(module, child_name, child.merged())


# ------------------------------------------------------------------ training

@dataclass
class Encoded:
    ids: list[int]  # the tail after the shared prefix: rest of the prompt, then the target
    target_start: int  # index in `ids` of the first target token


def encode_pairs(tokenizer, pairs: Sequence[Pair]) -> tuple[list[int], list[Encoded]]:
    """The shared prompt prefix's token ids, and each pair's tail (tokenised exactly as serving does: the
    prompt alone, then the answer's tokens after it)."""
    from langchain_core.messages import convert_to_openai_messages

    prompts, targets = [], []
    for pair in pairs:
        prompt = tokenizer.apply_chat_template(convert_to_openai_messages(pair.messages), tokenize=False,
                                               add_generation_prompt=True)
        prompts.append(tokenizer(prompt, add_special_tokens=False).input_ids)
        targets.append(tokenizer(pair.target + tokenizer.eos_token, add_special_tokens=False).input_ids)
    shared = min(len(p) for p in prompts) - 1
    for ids in prompts[1:]:
        shared = next((i for i in range(shared) if ids[i] != prompts[0][i]), shared)
    prefix = prompts[0][:shared]
    return prefix, [Encoded(p[shared:] + t, len(p) - shared) for p, t in zip(prompts, targets)]


def _batch(items: Sequence[Encoded], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-padded ids and labels (-100 on prompt and padding, the target tokens shifted for prediction)."""
    width = max(len(item.ids) for item in items)
    ids = torch.full((len(items), width), pad_id, dtype=torch.long)
    labels = torch.full((len(items), width), -100, dtype=torch.long)
    for row, item in enumerate(items):
        ids[row, :len(item.ids)] = torch.tensor(item.ids)
        labels[row, item.target_start:len(item.ids)] = torch.tensor(item.ids[item.target_start:])
    return ids, labels


def _loss(model, prefix_cache, ids: torch.Tensor, labels: torch.Tensor, bf16: bool) -> torch.Tensor:
    cache = copy.deepcopy(prefix_cache)
    cache.batch_repeat_interleave(ids.shape[0])
    # The prediction of token t+1 comes from position t; the first tail token's prediction (from the prefix's
    # last position) is never a target, since every tail starts with the rest of the prompt. The output layer
    # (49k words) runs only where there is a target, a sixth of the positions: its logits for every position
    # were most of a step's time and memory on CPU (a step went from ~12 s to ~1.3 s with length batching).
    targets = labels[:, 1:]
    where = targets != -100
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
        hidden = model.model(input_ids=ids, past_key_values=cache, use_cache=True).last_hidden_state
        logits = model.lm_head(hidden[:, :-1][where])
    return nn.functional.cross_entropy(logits.float(), targets[where])


@torch.no_grad()
def _prefix_cache(model, prefix: list[int], bf16: bool):
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
        return model(input_ids=torch.tensor([prefix]), use_cache=True).past_key_values


@torch.no_grad()
def _validation_loss(model, prefix: list[int], items: Sequence[Encoded], pad_id: int, config: FinetuneConfig
                     ) -> float:
    if not items:
        return float("nan")
    model.eval()
    cache = _prefix_cache(model, prefix, config.bf16)
    total = weight = 0.0
    for start in range(0, len(items), config.batch_size):
        ids, labels = _batch(items[start:start + config.batch_size], pad_id)
        count = int((labels[:, 1:] != -100).sum())
        total += float(_loss(model, cache, ids, labels, config.bf16)) * count
        weight += count
    model.train()
    return total / weight


def finetune(base_dir: Path, out_dir: Path, train: Sequence[Pair], validation: Sequence[Pair],
             config: FinetuneConfig, progress: Callable[[str], None] = print) -> TrainReport:
    """Fine-tune the model in `base_dir` on `train`; save the result (a plain HF directory) to `out_dir`."""
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    if config.threads:
        torch.set_num_threads(config.threads)
    torch.manual_seed(config.seed)
    rng = random.Random(config.seed)
    tokenizer = AutoTokenizer.from_pretrained(base_dir)
    model = AutoModelForCausalLM.from_pretrained(base_dir, dtype=torch.float32)
    model.config.use_cache = True
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id

    prefix, encoded = encode_pairs(tokenizer, [*train, *validation])
    train_items, validation_items = encoded[:len(train)], encoded[len(train):]
    if config.method == "lora":
        trainable = add_lora(model, config.lora_rank, config.lora_alpha, config.lora_layers)
    elif config.method == "full":
        model.get_input_embeddings().weight.requires_grad_(False)  # tied with the output: kept as shipped
        trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    else:
        raise ValueError(f"unknown method {config.method!r}: lora or full")
    parameters = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(parameters, lr=config.lr(), weight_decay=0.0)
    planned = max(1, math.ceil(len(train_items) * config.epochs / config.batch_size))
    if config.max_steps:
        planned = min(planned, config.max_steps)
    wanted = planned
    progress(f"training {config.method} ({trainable:,} trainable parameters) on {len(train_items)} examples, "
             f"{len(validation_items)} held out; shared prompt prefix {len(prefix)} tokens; up to {planned} steps "
             f"of {config.batch_size}")
    validation_before = _validation_loss(model, prefix, validation_items, pad_id, config) \
        if config.validate_before else float("nan")
    progress(f"validation loss before: {validation_before:.4f}")

    model.train()
    order: list[list[int]] = []
    history: list[dict] = []
    started = time.perf_counter()
    cache = None
    losses: list[float] = []
    times: list[float] = []  # elapsed seconds after each step
    step = 0
    while step < planned:
        if not order:
            order = _length_batches(train_items, config.batch_size, rng)
        batch_ids, order = order[0], order[1:]
        scale = _schedule(step, planned, config.warmup_share)
        for group in optimizer.param_groups:
            group["lr"] = config.lr() * scale
        if cache is None or step % config.prefix_refresh == 0:
            cache = _prefix_cache(model, prefix, config.bf16)
        ids, labels = _batch([train_items[i] for i in batch_ids], pad_id)
        loss = _loss(model, cache, ids, labels, config.bf16)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(parameters, 1.0)
        optimizer.step()
        step += 1
        losses.append(float(loss.detach()))
        elapsed = time.perf_counter() - started
        times.append(elapsed)
        if config.budget_seconds and step >= 3 and step % 10 in (0, 3):
            # Re-planned as the speed is known better (other jobs come and go): the schedule follows.
            pace = (elapsed - times[-11]) / 10 if len(times) > 10 else elapsed / step  # the last 10 steps
            affordable = max(step, min(wanted, step + int((config.budget_seconds - elapsed) / pace)))
            if affordable != planned:
                progress(f"{pace:.1f} s a step: planning {affordable} steps (of {wanted}) to stay within "
                         f"{config.budget_seconds / 60:.0f} minutes")
                planned = affordable
        if step == 1 or step % 5 == 0 or step >= planned:
            recent = sum(losses[-5:]) / len(losses[-5:])
            eta = elapsed / step * (planned - step)
            history.append({"step": step, "loss": round(recent, 4), "elapsed_s": round(elapsed, 1)})
            progress(f"step {step}/{planned}  loss {recent:.4f}  elapsed {_clock(elapsed)}  ETA {_clock(eta)}")
    seconds = time.perf_counter() - started
    validation_after = _validation_loss(model, prefix, validation_items, pad_id, config)
    progress(f"validation loss after: {validation_after:.4f} (before {validation_before:.4f}); "
             f"{step} steps in {_clock(seconds)}")
    if config.method == "lora":
        merge_lora(model)
    for parameter in model.parameters():
        parameter.requires_grad_(True)
    report = TrainReport(
        method=config.method, steps=step, examples_seen=step * config.batch_size, train_examples=len(train_items),
        validation_examples=len(validation_items), seconds=round(seconds, 1),
        steps_per_second=round(step / seconds, 4), first_loss=round(losses[0], 4),
        final_loss=round(sum(losses[-5:]) / len(losses[-5:]), 4), validation_loss_before=round(validation_before, 4),
        validation_loss_after=round(validation_after, 4), trainable_parameters=trainable, prefix_tokens=len(prefix),
        history=history)
    _save(model, tokenizer, base_dir, out_dir)
    return report


def _length_batches(items: Sequence[Encoded], size: int, rng: random.Random, pool: int = 8) -> list[list[int]]:
    """One epoch's batches in random order, each drawn from examples of similar length (sorted within
    random pools of `pool` batches), so little of a step is spent on padding."""
    order = list(range(len(items)))
    rng.shuffle(order)
    batches = []
    for start in range(0, len(order), size * pool):
        chunk = sorted(order[start:start + size * pool], key=lambda i: len(items[i].ids))
        batches += [chunk[i:i + size] for i in range(0, len(chunk), size)]
    rng.shuffle(batches)
    return batches


def _schedule(step: int, total: int, warmup_share: float) -> float:
    """Linear warm-up, then cosine decay to 10%."""
    warmup = max(1, int(total * warmup_share))
    if step < warmup:
        return (step + 1) / warmup
    progress = (step - warmup) / max(1, total - warmup)
    return 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress))


def _save(model, tokenizer, base_dir: Path, out_dir: Path) -> None:
    """Written beside `out_dir` and renamed into place, so an interrupted run leaves no half model."""
    partial = out_dir.with_name(out_dir.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    model.save_pretrained(partial)
    tokenizer.save_pretrained(partial)
    template = base_dir / "chat_template.jinja"
    if template.is_file() and not (partial / template.name).exists():
        shutil.copy(template, partial / template.name)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(out_dir, ignore_errors=True)
    partial.rename(out_dir)


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 60}m{seconds % 60:02d}s"
