"""Measure the LLM layer on this machine: intent latency (p50/p95) and tokens/s of the local model, and the
same plus start-up time for a vLLM server (`make vllm-env`). Prints one JSON object.

    .venv/bin/python benchmarks/llm_bench.py [--home DIR] [--no-vllm]

Tokens/s is over a streamed free-text reply (its tokens, counted by the model's tokenizer when local); intent
latency is `llm_intent` with the deterministic parse as hints, after one warm-up call.
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import tempfile
import time
from pathlib import Path

import sys

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.config import Settings  # noqa: E402
from assistant.intent.extractor import extract_intent
from assistant.llm import LLM, get_llm, llm_intent, prepare_local_model
from assistant.llm.vllm import start_vllm, stop_vllm, wait_ready

REQUESTS = ["blue cotton t-shirt size L under 20 euros", "gluten free pasta, no Barilla",
            "best rated wireless headphones", "I need a birthday gift for my dad who likes golf",
            "add the second one to my cart", "leather boots for women size 8 between 100 and 200 dollars",
            "hello there!", "compare the iphone 15 and samsung galaxy s24", "organic green tea, newest first",
            "a black waterproof backpack for hiking"]
REPLY = [("user", "Write three sentences about choosing running shoes.")]


def measure(llm: LLM) -> dict:
    llm_intent("red shoes", llm, hints=extract_intent("red shoes"))  # warm-up: load, compile, cache the prompt
    latencies = []
    for text in REQUESTS:
        started = time.perf_counter()
        llm_intent(text, llm, hints=extract_intent(text))
        latencies.append(time.perf_counter() - started)
    started = time.perf_counter()
    pieces = list(llm.stream(REPLY))
    seconds = time.perf_counter() - started
    latencies.sort()
    # The local model streams several tokens a piece when its guesses hold: count the reply's tokens.
    tokenizer = getattr(llm.chat, "_tokenizer", None)
    tokens = len(tokenizer("".join(pieces), add_special_tokens=False).input_ids) if tokenizer else len(pieces)
    return {"intent_p50_s": round(statistics.median(latencies), 2),
            "intent_p95_s": round(latencies[round(0.95 * (len(latencies) - 1))], 2),
            "stream_tokens": tokens, "stream_tokens_per_s": round(tokens / seconds, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, default=Path(".shopassist-test-cache"))
    parser.add_argument("--no-vllm", action="store_true")
    args = parser.parse_args()
    settings = Settings(home=args.home, llm="local", llm_timeout=120, local_model=None)
    model_dir = prepare_local_model(settings)
    report = {"local": measure(get_llm(settings))}
    if not args.no_vllm:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        log_file = Path(tempfile.gettempdir()) / "llm_bench_vllm.log"
        process = start_vllm(model_dir, settings.llm_model, port, settings, log_file=log_file)
        try:
            startup = wait_ready(f"http://127.0.0.1:{port}/v1", process)
            served = settings.model_copy(update={"llm": "openai", "llm_url": f"http://127.0.0.1:{port}/v1"})
            report["vllm"] = {"startup_s": round(startup, 1), **measure(get_llm(served))}
        finally:
            stop_vllm(process)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
