"""`Reloading`: a value rebuilt when its stamp changes (a new catalog version, a newly activated model).

Requests run on many threads; the first to see a new stamp builds the value under a lock while the others
wait for it, and a stamp that has not changed costs one comparison, no lock. Used for the serving catalog,
its product table, the catalog vocabulary, the ranker and the ranker's feature tables.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

S = TypeVar("S")
T = TypeVar("T")
_UNSET = object()


class Reloading(Generic[S, T]):
    """`load(stamp, *args)` builds the value; `get(stamp, *args)` returns it, loading when the stamp changed
    (the args are only what a load needs, e.g. the catalog's products)."""

    def __init__(self, load: Callable[..., T]):
        self._load = load
        self._current: tuple[object, T | None] = (_UNSET, None)  # (stamp, value), replaced as one
        self._lock = threading.Lock()

    def get(self, stamp: S, *args) -> T:
        """The value for `stamp`, loaded when the stamp differs from the last one loaded."""
        current = self._current
        if current[0] != stamp or current[0] is _UNSET:
            with self._lock:
                current = self._current
                if current[0] != stamp or current[0] is _UNSET:
                    current = self._current = (stamp, self._load(stamp, *args))
        return current[1]
