"""A bounded least-recently-used cache shared by every session of a server: what the server holds stays bounded
(loaded models, loaded runs, uploads, data splits, measurements of models), however many runs a class trains.

`get(key, compute)` computes a missing value once even when many sessions ask at the same moment (the others
wait for it), and drops the least recently used entry beyond `maxsize`. Given `max_bytes` and `weigh` (value ->
its approximate size in bytes), it also drops the least recently used while the entries weigh more than
`max_bytes` together: a value heavier than the whole budget is returned but not kept.
"""

from __future__ import annotations

import collections
import os
import threading
from typing import Any, Callable, Hashable


def size_from_env(name: str, default: int) -> int:
    """A cache size from the environment variable `name` (a whole number, at least 1), else `default`."""
    try:
        return max(1, int(os.environ.get(name, default)))
    except ValueError:
        return default


def megabytes_from_env(name: str, default_mb: float) -> int:
    """A cache's budget in bytes from the environment variable `name` (megabytes, more than 0), else
    `default_mb` megabytes."""
    try:
        megabytes = float(os.environ.get(name, default_mb))
    except ValueError:
        megabytes = default_mb
    return int((megabytes if megabytes > 0 else default_mb) * 2**20)


class LRU:
    def __init__(self, maxsize: int, max_bytes: int | None = None, weigh: Callable[[Any], int] | None = None):
        if (max_bytes is None) != (weigh is None):
            raise ValueError("an LRU bounded in bytes needs both max_bytes and weigh")
        self.maxsize, self.max_bytes, self._weigh = maxsize, max_bytes, weigh
        self._weights: dict[Hashable, int] = {}
        self.bytes = 0  # what the kept entries weigh together (0 without a byte budget)
        self._items: collections.OrderedDict[Hashable, Any] = collections.OrderedDict()
        self._lock = threading.Lock()
        self._computing: dict[Hashable, threading.Lock] = {}

    def get(self, key: Hashable, compute: Callable[[], Any]):
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
            computing = self._computing.setdefault(key, threading.Lock())
        with computing:  # one computation per key; later askers wait for it
            with self._lock:
                if key in self._items:
                    self._items.move_to_end(key)
                    return self._items[key]
            value = compute()
            self.put(key, value)
            with self._lock:
                self._computing.pop(key, None)
            return value

    def put(self, key: Hashable, value) -> None:
        weight = int(self._weigh(value)) if self._weigh is not None else 0  # outside the lock: it may take a while
        with self._lock:
            self._drop(key)
            if self.max_bytes is not None and weight > self.max_bytes:
                return  # heavier than the whole budget: keeping it would only push everything else out
            self._items[key] = value
            self._weights[key] = weight
            self.bytes += weight
            while len(self._items) > self.maxsize or (self.max_bytes is not None and self.bytes > self.max_bytes):
                self._drop(next(iter(self._items)))

    def _drop(self, key: Hashable) -> None:
        if key in self._items:
            del self._items[key]
            self.bytes -= self._weights.pop(key, 0)

    def peek(self, key: Hashable, default=None):
        """The value without computing it or changing the order."""
        with self._lock:
            return self._items.get(key, default)

    def discard(self, predicate: Callable[[Hashable], bool]) -> None:
        with self._lock:
            for key in [k for k in self._items if predicate(k)]:
                self._drop(key)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._weights.clear()
            self.bytes = 0

    def keys(self) -> list:
        with self._lock:
            return list(self._items)

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def __contains__(self, key) -> bool:
        with self._lock:
            return key in self._items
