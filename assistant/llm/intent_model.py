"""Fine-tuned intent models on disk, and which one serves (registered like the CTR ranker).

    <home>/intent_model/<UTC timestamp>/
        config.json, model.safetensors, tokenizer files   a plain HF model directory (LoRA merged in)
        intent_training.json                              data, seed, steps, time, losses, evaluation
        README.md                                         the model card
    <home>/intent_model/ACTIVE                            the name of the directory in use (replaced atomically)

When ACTIVE names a model, `local_model_dir` (prepare.py) resolves to it unless SHOPASSIST_LOCAL_MODEL is set:
the in-process backend and `shopassist llm serve` both use it, and the intent parser trusts it on
open-vocabulary fields (parser.py).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from ..config import Settings

TRAINING_FILE = "intent_training.json"
SERVED_NAME_PREFIX = "shopassist-intent-"  # the name `shopassist llm serve` gives a fine-tuned model


def is_fine_tuned(model_dir: Path | None) -> bool:
    return model_dir is not None and (model_dir / TRAINING_FILE).is_file()


def active_intent_model(settings: Settings) -> Path | None:
    """The directory <home>/intent_model/ACTIVE names, if it holds a fine-tuned model."""
    pointer = settings.intent_model_dir / "ACTIVE"
    try:
        name = pointer.read_text().strip()
    except FileNotFoundError:
        return None
    directory = Path(name) if os.path.isabs(name) else settings.intent_model_dir / name
    return directory if is_fine_tuned(directory) and (directory / "config.json").is_file() else None


def activate_intent_model(settings: Settings, model_dir: Path) -> None:
    """Point ACTIVE at `model_dir`; a process that has already loaded a model keeps it until restarted."""
    home = settings.intent_model_dir
    home.mkdir(parents=True, exist_ok=True)
    staging = home / f"ACTIVE.{os.getpid()}.tmp"
    resolved = model_dir.resolve()
    staging.write_text(resolved.name if resolved.parent == home.resolve() else str(resolved))
    os.replace(staging, home / "ACTIVE")


def served_name(model_dir: Path) -> str:
    return SERVED_NAME_PREFIX + model_dir.name


def model_card(meta: dict) -> str:
    """README.md of a fine-tuned model: `meta` is intent_training.json as written."""
    report, config, data = meta["report"], meta["config"], meta["data"]
    lines = [
        "# Model card: shopassist intent model", "",
        f"Created {meta['created_at']}. SmolLM2-135M-Instruct fine-tuned to turn a shopper's message into the "
        "`IntentDraft` JSON of `assistant/llm/intent.py`, under the short prompt of a fine-tuned model "
        "(`prompts/intent_tuned_system.md`, `prompts/intent_user.md`: previous intent, the rules' parse as "
        "hints, the message). It writes the whole intent, hints or none.", "",
        "## Data", "",
        f"- {data['synthetic']} requests generated from {data['products']} products of the store's catalog "
        f"({data['catalog']}): labels taken from the product records (colour, size, material, scent, flavour, "
        "brand, tags as features, pack counts, prices around the real price), phrased many ways, with "
        "negations, budgets, compound colours and brands the catalog does not carry.",
        f"- {data['labelled']} hand-labelled requests from `{data['labelled_file']}`{_real_rows(data)}. "
        "Never the held-out test split.",
        f"- {data['no_hints_share']:.0%} of the prompts show no parser hints (the model alone); the rest show "
        f"the rules' parse. Validation: {report['validation_examples']} examples held out of training.", "",
        "## Training", "",
        f"- Base: `{meta['base_model']}`. Method: {report['method']}"
        + (f" (rank {config['lora_rank']}, alpha {config['lora_alpha']}, every projection of "
           f"{_layers(config['lora_layers'])} decoder layers; merged into the weights)" if report['method'] == 'lora'
           else " (embeddings frozen)")
        + f"; {report['trainable_parameters']:,} trainable parameters.",
        f"- {report['steps']} steps of {config['batch_size']} ({report['examples_seen']} examples seen, "
        f"{report['train_examples']} distinct), learning rate {config['learning_rate'] or 'default'} with warm-up "
        f"and cosine decay, bf16 autocast {'on' if config['bf16'] else 'off'}, seed {config['seed']}.",
        f"- The ~{report['prefix_tokens']}-token prompt prefix shared by every example is run without gradients "
        f"once every {config['prefix_refresh']} steps; each example trains on its own tail.",
        f"- Training time: {report['seconds']:.0f} s ({report['steps_per_second']:.3f} steps/s); whole command "
        f"{meta.get('command_seconds', 0):.0f} s.", "",
        "## Metrics", "",
        f"- Loss on the answer tokens: first step {report['first_loss']:.4f}, last steps {report['final_loss']:.4f}.",
        f"- Validation loss: {report['validation_loss_before']:.4f} before, {report['validation_loss_after']:.4f} after.",
    ]
    evaluation = meta.get("evaluation")
    if evaluation:
        lines += [f"- On {evaluation['set']} ({evaluation['examples']} requests): " + "; ".join(
            f"{mode} exact match {scores['exact_match']:.3f}, mean field F1 {scores['mean_f1']:.3f}"
            for mode, scores in evaluation["modes"].items())]
    lines += ["", "## Limits", "",
              "- The synthetic requests are written from templates: phrasings far from them, and values no product "
              "states, are learnt only as far as the hand-labelled requests show them.",
              "- The parser keeps every model value grounded in the message and the rules' prices, negations and "
              "references (assistant/intent/parser.py)."]
    return "\n".join(lines) + "\n"


def _layers(count: int | None) -> str:
    return f"the top {count}" if count else "all"


def _real_rows(data: dict) -> str:
    text = f", {data['dev']} dev-split real requests" if data.get("dev") else ""
    if data.get("real_train"):
        text += f" and {data['real_train']} real training requests (`{data['real_train_file']}`)"
    if data.get("held_out_real"):
        text += f", the last {data['held_out_real']} of that file held out"
    if data.get("real_queries"):
        text += f", {data['real_queries']} typed search queries (`{data['real_queries_file']}`)"
    return text


def write_model_files(model_dir: Path, meta: dict) -> None:
    (model_dir / TRAINING_FILE).write_text(json.dumps(meta, indent=1))
    (model_dir / "README.md").write_text(model_card(meta))
