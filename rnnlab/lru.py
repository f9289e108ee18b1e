"""A bounded least-recently-used cache shared by every session of a server: what the server holds stays bounded
(loaded models, loaded runs, uploads, data splits, measurements of models), however many runs a class trains.

`get(key, compute)` computes a missing value once even when many sessions ask at the same moment (the others
wait for it), and drops the least recently used entry beyond `maxsize`.
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


class LRU:
    def __init__(self, maxsize: int):
        self.maxsize = maxsize
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
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.maxsize:
                self._items.popitem(last=False)

    def peek(self, key: Hashable, default=None):
        """The value without computing it or changing the order."""
        with self._lock:
            return self._items.get(key, default)

    def discard(self, predicate: Callable[[Hashable], bool]) -> None:
        with self._lock:
            for key in [k for k in self._items if predicate(k)]:
                del self._items[key]

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def keys(self) -> list:
        with self._lock:
            return list(self._items)

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def __contains__(self, key) -> bool:
        with self._lock:
            return key in self._items
