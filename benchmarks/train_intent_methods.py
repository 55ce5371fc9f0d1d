"""Full fine-tune vs LoRA for the intent model (issue 10): the same data, seed and number of steps for each,
timed (wall and process CPU seconds per step) and scored by the loss on the same held-out examples.

    SHOPASSIST_HOME=<a demo store's home> python benchmarks/train_intent_methods.py [--steps 12] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.cli.train_intent import training_data  # noqa: E402
from assistant.config import Settings  # noqa: E402
from assistant.intent.finetune import FinetuneConfig, finetune  # noqa: E402
from assistant.llm.prepare import default_model_dir  # noqa: E402

METHODS = {
    "lora-top10": {"method": "lora", "lora_layers": 10},
    "lora-all": {"method": "lora", "lora_layers": None},
    "full": {"method": "full"},
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=12)
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    settings = Settings(local_model=None)
    base = default_model_dir(settings)  # the packaged SmolLM2 (`shopassist llm prepare`), never a fine-tune
    train, validation, _ = training_data(settings, 400, seed=0)
    results = {}
    for name in args.methods.split(","):
        config = FinetuneConfig(max_steps=args.steps, budget_seconds=None, seed=0, **METHODS[name])
        cpu = time.process_time()
        with tempfile.TemporaryDirectory() as out:
            report = finetune(base, Path(out) / "model", train, validation, config,
                              progress=lambda line, name=name: print(f"[{name}] {line}", flush=True))
        results[name] = {"steps": report.steps, "seconds": report.seconds,
                         "steps_per_second": report.steps_per_second,
                         "process_cpu_seconds_per_step_incl_validation": round((time.process_time() - cpu) / report.steps, 1),
                         "trainable_parameters": report.trainable_parameters,
                         "validation_loss_before": report.validation_loss_before,
                         "validation_loss_after": report.validation_loss_after, "final_train_loss": report.final_loss}
        print(json.dumps({name: results[name]}), flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0 if all(not math.isnan(r["validation_loss_after"]) for r in results.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
