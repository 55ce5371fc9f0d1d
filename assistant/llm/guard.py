"""What keeps a slow or dead LLM from holding up the shop: a deadline per turn and a circuit breaker.

    deadline = Deadline(15.0)                  # one per chat turn (or intent request): every LLM call in it
    llm.structured(messages, Draft, deadline)  #   waits at most what is left of it
    CircuitBreaker(failures=3, reset_seconds=30)

The breaker counts calls that time out or fail at the backend (refused, 5xx, dropped): after `failures` of
them in a row it opens and every call is refused at once (`LLMUnavailable`, so the turn answers from rules
and templates) for `reset_seconds`; then one call is let through as a probe (half-open): an answer closes
the breaker, a failure opens it again for another `reset_seconds`. Output that does not validate is the
model's mistake, not an outage, and does not count.

The calls themselves run on daemon threads, at most `concurrency` at a time per LLM (a call that has been
given up on keeps its slot until the backend's own timeout ends it): a hung server can hold no more than
that many threads, and the threads that serve requests (search, health) are never the ones waiting on it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Literal

log = logging.getLogger(__name__)

Clock = Callable[[], float]
State = Literal["closed", "open", "half-open"]


class Deadline:
    """A point in time every LLM call of one turn must finish by."""

    @classmethod
    def for_turn(cls, seconds: float) -> Deadline:
        """The LLM's share of a turn that must end within `seconds`: the rules, the search and the template
        that answer without it keep the last tenth (at most a second)."""
        return cls(seconds - min(1.0, seconds * 0.1))

    def __init__(self, seconds: float, clock: Clock = time.monotonic):
        self.seconds = seconds
        self._clock = clock
        self.at = clock() + seconds

    def remaining(self) -> float:
        return max(0.0, self.at - self._clock())

    @property
    def expired(self) -> bool:
        return self.remaining() <= 0.0

    def __repr__(self) -> str:
        return f"Deadline({self.remaining():.2f} s left of {self.seconds:g})"


class CircuitBreaker:
    """closed (calls go through) -> open after `failures` failures in a row (calls refused) -> half-open after
    `reset_seconds` (one probe call) -> closed on its success, open again on its failure. Thread-safe."""

    def __init__(self, failures: int = 3, reset_seconds: float = 30.0, clock: Clock = time.monotonic):
        self.threshold = max(1, failures)
        self.reset_seconds = reset_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._failures = 0
        self._state: State = "closed"
        self._opened_at = 0.0
        self._probing = False

    @property
    def state(self) -> State:
        with self._lock:
            if self._state == "open" and self._clock() - self._opened_at >= self.reset_seconds:
                return "half-open"
            return self._state

    def retry_in(self) -> float:
        """Seconds until an open breaker lets a probe through (0 when it is not open)."""
        with self._lock:
            if self._state != "open":
                return 0.0
            return max(0.0, self._opened_at + self.reset_seconds - self._clock())

    def admit(self) -> bool:
        """Whether a call may go out now; a True in half-open state makes the caller the probe, which must
        end in `succeeded`, `failed` or `released`."""
        with self._lock:
            if self._state == "closed":
                return True
            if self._state == "open" and self._clock() - self._opened_at >= self.reset_seconds:
                self._state = "half-open"
            if self._state == "half-open" and not self._probing:
                self._probing = True
                log.info("LLM circuit half-open: one probe call")
                return True
            return False

    def succeeded(self) -> None:
        with self._lock:
            if self._state != "closed":
                log.warning("LLM circuit closed: the LLM answers again")
            self._state, self._failures, self._probing = "closed", 0, False

    def failed(self) -> None:
        with self._lock:
            self._failures += 1
            if self._state == "half-open" or (self._state == "closed" and self._failures >= self.threshold):
                log.warning("LLM circuit open for %.0f s after %d failure(s): answering without the LLM",
                            self.reset_seconds, self._failures)
                self._state, self._opened_at = "open", self._clock()
            self._probing = False

    def released(self) -> None:
        """A probe that ended without telling (abandoned by its caller before any answer): let another try."""
        with self._lock:
            self._probing = False


class Slots:
    """At most `size` calls in flight; a slot is held until the call really ends, not when its caller gives up."""

    def __init__(self, size: int):
        self.size = max(1, size)
        self._semaphore = threading.BoundedSemaphore(self.size)

    def acquire(self, timeout: float | None) -> bool:
        return self._semaphore.acquire(timeout=timeout) if timeout is not None else self._semaphore.acquire()

    def release(self) -> None:
        self._semaphore.release()
