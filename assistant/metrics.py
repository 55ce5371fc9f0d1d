"""Counters and latency histograms, written out in the Prometheus text format (version 0.0.4) at `/metrics`.

    METRICS.inc("shopassist_llm_fallbacks_total", stage="intent")
    METRICS.observe("shopassist_http_request_duration_seconds", 0.042, method="POST", route="/v1/chat")
    METRICS.render()  -> "# HELP ...\\n# TYPE ...\\nshopassist_http_requests_total{...} 3\\n..."

One registry per process (no dependency: the exposition format is a few lines of text). With several worker
processes on one host (`shopassist serve --workers N`, or several `serve` processes sharing a data home) each
process writes its counts to `<home>/run/metrics/<pid>.json` about once a second (`share_through`), and
`/metrics` answers the sum over the running processes, whichever worker the scrape reaches. A worker that
exits takes its counts with it: Prometheus reads the drop as a counter reset, which `rate()` handles.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

# name -> (type, help); only these names are counted, so a typo fails loudly in tests.
FAMILIES = {
    "shopassist_http_requests_total": ("counter", "HTTP requests answered, by method, route template and status."),
    "shopassist_http_request_duration_seconds": ("histogram", "Time to answer an HTTP request (to its last body "
                                                              "byte: a streamed chat turn counts whole), by route."),
    "shopassist_http_requests_in_flight": ("gauge", "HTTP requests being answered now."),
    "shopassist_rate_limited_total": ("counter", "Requests refused with 429 by the rate limiter, by route."),
    "shopassist_llm_fallbacks_total": ("counter", "Chat turns where the LLM was asked and failed (timeout, error, "
                                                  "open breaker), answered from rules (intent) or templates "
                                                  "(composer)."),
    "shopassist_chat_turns_total": ("counter", "Chat turns answered, by who wrote the reply (llm, template)."),
    "shopassist_events_accepted_total": ("counter", "Behaviour events newly stored by POST /v1/events."),
    "shopassist_events_flagged_total": ("counter", "Interactions stored but not learnt from: they refer to no "
                                                   "search this server issued to their session or user."),
}

Labels = tuple[tuple[str, str], ...]


class Metrics:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: dict[str, dict[Labels, float]] = defaultdict(dict)
        self._histograms: dict[str, dict[Labels, list[float]]] = defaultdict(dict)  # bucket counts, sum, count
        self._share_dir: Path | None = None
        self._dirty = False
        self._flusher: threading.Thread | None = None

    # ------------------------------------------------------------------ counting

    def inc(self, name: str, amount: float = 1.0, **labels: str) -> None:
        self._check(name, ("counter", "gauge"))
        key = _labels(labels)
        with self._lock:
            self._values[name][key] = self._values[name].get(key, 0.0) + amount
            self._dirty = True

    def observe(self, name: str, value: float, **labels: str) -> None:
        self._check(name, ("histogram",))
        key = _labels(labels)
        with self._lock:
            row = self._histograms[name].get(key)
            if row is None:
                row = self._histograms[name][key] = [0.0] * (len(BUCKETS) + 2)
            for i, bound in enumerate(BUCKETS):
                if value <= bound:
                    row[i] += 1
            row[-2] += value
            row[-1] += 1
            self._dirty = True

    @staticmethod
    def _check(name: str, kinds: tuple[str, ...]) -> None:
        if name not in FAMILIES or FAMILIES[name][0] not in kinds:
            raise KeyError(f"unknown {'/'.join(kinds)} metric {name!r}")

    # ------------------------------------------------------------------ sharing between worker processes

    def share_through(self, directory: Path) -> None:
        """Write this process's counts under `directory` (about once a second) and read the others' when
        rendering. Idempotent."""
        directory.mkdir(parents=True, exist_ok=True)
        with self._lock:
            self._share_dir = directory
            self._dirty = True
            if self._flusher is None:
                self._flusher = threading.Thread(target=self._flush_forever, name="metrics", daemon=True)
                self._flusher.start()

    def _flush_forever(self) -> None:
        while True:
            time.sleep(1.0)
            try:
                self.flush()
            except OSError:
                pass  # the data home went away (a test's temp dir): nothing to share with

    def flush(self) -> None:
        with self._lock:
            if self._share_dir is None or not self._dirty:
                return
            directory, snapshot, self._dirty = self._share_dir, self._snapshot(), False
        fd, temp = tempfile.mkstemp(dir=directory, prefix=".metrics-")
        with os.fdopen(fd, "w") as out:
            json.dump(snapshot, out)
        os.replace(temp, directory / f"{os.getpid()}.json")

    def _snapshot(self) -> dict:
        return {"values": {n: [[list(map(list, k)), v] for k, v in rows.items()] for n, rows in self._values.items()},
                "histograms": {n: [[list(map(list, k)), v] for k, v in rows.items()]
                               for n, rows in self._histograms.items()}}

    def _merged(self) -> tuple[dict, dict]:
        with self._lock:
            values = {n: dict(rows) for n, rows in self._values.items()}
            histograms = {n: {k: list(v) for k, v in rows.items()} for n, rows in self._histograms.items()}
            directory = self._share_dir
        if directory is None:
            return values, histograms
        for path in directory.glob("*.json"):
            pid = int(path.stem) if path.stem.isdigit() else None
            if pid is None or pid == os.getpid():
                continue
            if not _alive(pid):
                path.unlink(missing_ok=True)
                continue
            try:
                other = json.loads(path.read_text())
            except (OSError, ValueError):
                continue
            for name, rows in other.get("values", {}).items():
                for key, value in rows:
                    key = tuple(map(tuple, key))
                    values.setdefault(name, {})[key] = values.get(name, {}).get(key, 0.0) + value
            for name, rows in other.get("histograms", {}).items():
                for key, row in rows:
                    key = tuple(map(tuple, key))
                    mine = histograms.setdefault(name, {}).get(key)
                    histograms[name][key] = row if mine is None else [a + b for a, b in zip(mine, row)]
        return values, histograms

    # ------------------------------------------------------------------ exposition

    def render(self) -> str:
        """Every family in the Prometheus text format, summed over this host's running workers."""
        values, histograms = self._merged()
        lines = []
        for name, (kind, help_text) in FAMILIES.items():
            lines += [f"# HELP {name} {_escape_help(help_text)}", f"# TYPE {name} {kind}"]
            if kind == "histogram":
                for key, row in sorted(histograms.get(name, {}).items()):
                    for bound, count in zip(BUCKETS, row):
                        lines.append(f"{name}_bucket{_format(key + (('le', _number(bound)),))} {_number(count)}")
                    lines.append(f"{name}_bucket{_format(key + (('le', '+Inf'),))} {_number(row[-1])}")
                    lines.append(f"{name}_sum{_format(key)} {_number(row[-2])}")
                    lines.append(f"{name}_count{_format(key)} {_number(row[-1])}")
            else:
                for key, value in sorted(values.get(name, {}).items()):
                    lines.append(f"{name}{_format(key)} {_number(value)}")
        return "\n".join(lines) + "\n"


def _labels(labels: dict[str, str]) -> Labels:
    return tuple(sorted((k, str(v)) for k, v in labels.items()))


def _format(key: Labels) -> str:
    if not key:
        return ""
    return "{" + ",".join(f'{k}="{_escape_label(v)}"' for k, v in key) + "}"


def _escape_label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _number(value: float) -> str:
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


METRICS = Metrics()
