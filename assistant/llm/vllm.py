"""`shopassist llm serve`: a real vLLM OpenAI-compatible server on CPU, run from its own virtualenv.

vLLM lives in `.venv-vllm` (`make vllm-env`), apart from the main environment whose packages it would
change. Its `vllm` console script does not work with the CPU distribution, hence `python -m`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from ..config import Settings
from .intent_model import is_fine_tuned, served_name
from .prepare import prepare_local_model

REPO_ROOT = Path(__file__).resolve().parents[2]
VLLM_VENV = ".venv-vllm"
STARTUP_TIMEOUT = 300.0  # seconds; it took 23-43 s here on 2 CPU cores, ~70 s when they are busy


def vllm_python(settings: Settings) -> Path:
    """`settings.vllm_python`, else `.venv-vllm/bin/python` in the working directory or the repository."""
    if settings.vllm_python:
        return settings.vllm_python
    for root in (Path.cwd(), REPO_ROOT):
        candidate = root / VLLM_VENV / "bin" / "python"
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"no vLLM environment: run `make vllm-env` (creates {VLLM_VENV}/) "
                            f"or set SHOPASSIST_VLLM_PYTHON")


def start_vllm(model_dir: Path, name: str, port: int, settings: Settings, log_file: Path | None = None
               ) -> subprocess.Popen:
    """Start the server on 127.0.0.1:`port` in its own process group (it spawns an engine process); its
    log goes to `log_file`, else to our stderr, leaving stdout to `serve_vllm`'s exports."""
    command = [str(vllm_python(settings)), "-m", "vllm.entrypoints.openai.api_server", "--model", str(model_dir),
               "--served-model-name", name, "--dtype", "float32", "--max-model-len", "2048", "--enforce-eager",
               "--host", "127.0.0.1", "--port", str(port)]
    env = {**os.environ, "VLLM_CPU_KVCACHE_SPACE": "1", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
           "VLLM_NO_USAGE_STATS": "1", "DO_NOT_TRACK": "1"}
    output = log_file.open("wb") if log_file else None
    try:
        return subprocess.Popen(command, env=env, stdout=output or sys.stderr.fileno(), stderr=subprocess.STDOUT,
                                start_new_session=True)
    finally:
        if output:
            output.close()  # the child holds its own copy


def wait_ready(base_url: str, process: subprocess.Popen, timeout: float = STARTUP_TIMEOUT) -> float:
    """Block until `base_url`/models answers; return the seconds it took. Raises if the server exits first."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if process.poll() is not None:
            raise RuntimeError(f"vLLM exited with status {process.returncode} before it was ready")
        try:
            if httpx.get(f"{base_url}/models", timeout=2.0).status_code == 200:
                return time.monotonic() - started
        except httpx.TransportError:
            pass
        time.sleep(1.0)
    raise TimeoutError(f"vLLM did not answer on {base_url} within {timeout:.0f} s")


def stop_vllm(process: subprocess.Popen, grace: float = 20.0) -> None:
    """SIGTERM to the server's process group, SIGKILL if it has not exited after `grace` seconds."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def serve_vllm(model_dir: Path | None, port: int, settings: Settings) -> int:
    """Serve `model_dir` (default: the local model, prepared if needed) until interrupted; return the exit
    status. Once it answers, prints the environment that points shopassist at it."""
    if model_dir is None:
        model_dir = prepare_local_model(settings)
        # A fine-tuned intent model is served under its own name, which tells clients it is one.
        name = served_name(model_dir) if is_fine_tuned(model_dir) else settings.llm_model
    elif (model_dir / "config.json").is_file():
        name = model_dir.name
    else:
        raise FileNotFoundError(f"{model_dir} is not a Hugging Face model directory (no config.json)")
    base_url = f"http://127.0.0.1:{port}/v1"
    print(f"starting vLLM for {model_dir} on {base_url} (about a minute on CPU) ...", file=sys.stderr)
    # SIGTERM (a service manager, a test) unwinds like Ctrl-C, so the server's process group is stopped too.
    signal.signal(signal.SIGTERM, _interrupt)
    process = start_vllm(model_dir, name, port, settings)
    try:
        seconds = wait_ready(base_url, process)
        print(f"vLLM ready in {seconds:.0f} s; to use it:", file=sys.stderr)
        print(f"export SHOPASSIST_LLM_URL={base_url}\nexport SHOPASSIST_LLM_MODEL={name}", flush=True)
        return process.wait()
    except KeyboardInterrupt:
        return 0
    except (RuntimeError, TimeoutError) as exc:
        print(f"shopassist: error: {exc}", file=sys.stderr)
        return 1
    finally:
        stop_vllm(process)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
