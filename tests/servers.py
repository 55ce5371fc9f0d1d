"""Real servers for end-to-end tests: start a process on a free loopback port, wait until it answers, stop it.

    with serve(env, tmp / "server.log") as server:     # `shopassist serve` until /healthz answers
        httpx.get(f"{server.url}/v1/...")

`Server` alone starts one without waiting (start several, then `wait()` for each); `wait_for` and `stop` serve
any other process (a `chroma run`, say). A process that exits or never answers fails the test with the tail
of its log.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _tail(log: Path | None) -> str:
    return log.read_text(errors="replace")[-3000:] if log and log.exists() else ""


def wait_for(url: str, proc: subprocess.Popen, seconds: float, log: Path | None = None) -> None:
    """Until `url` answers 2xx (a 503 from a server still starting is waited out); fails the test if `proc`
    exits first or `seconds` pass."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"{proc.args[:4]} exited with {proc.returncode}:\n{_tail(log)}")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"{url} did not answer in {seconds} s:\n{_tail(log)}")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class Server:
    """`shopassist serve --port PORT` with `env` (SHOPASSIST_HOME, SHOPASSIST_DATABASE_URL, ...), its output
    in `log`; started at once, `wait()` until /healthz answers."""

    def __init__(self, env: Mapping[str, str], log: Path, *args: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        with log.open("w") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "assistant.cli", "serve", "--port", str(self.port),
                                          *args], env=dict(env), stdout=out, stderr=subprocess.STDOUT)

    def wait(self, seconds: float = 180) -> Server:
        wait_for(f"{self.url}/healthz", self.proc, seconds, self.log)
        return self

    def stop(self) -> None:
        stop(self.proc)


@contextmanager
def serve(env: Mapping[str, str], log: Path, *args: str, seconds: float = 180) -> Iterator[Server]:
    server = Server(env, log, *args)
    try:
        yield server.wait(seconds)
    finally:
        server.stop()
