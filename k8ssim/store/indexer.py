"""client-go ``cache.Indexer`` semantics: named index functions over one resource, maintained on
every write. Mirrors ``k8s.io/client-go/tools/cache/thread_safe_store.go`` (``storeIndex``)."""
from __future__ import annotations

from typing import Callable

__all__ = ["Index"]


class Index:
    """One index: ``fn(obj)`` gives the values under which obj is found; keys are kept as ordered
    sets (dicts) so that iteration never depends on string hashing."""

    __slots__ = ("fn", "values", "keys")

    def __init__(self, fn: Callable):
        self.fn = fn
        self.values: dict[str, tuple] = {}  # key -> indexed values of the stored object
        self.keys: dict[str, dict] = {}  # value -> ordered set (dict) of keys

    def put(self, key: str, obj) -> None:
        new = tuple(dict.fromkeys(self.fn(obj) or ()))  # unique, in order
        old = self.values.get(key, ())
        if new == old:
            return
        keys = self.keys
        for v in old:
            if v not in new:
                s = keys[v]
                del s[key]
                if not s:
                    del keys[v]
        for v in new:
            if v not in old:
                keys.setdefault(v, {})[key] = None
        if new:
            self.values[key] = new
        else:
            self.values.pop(key, None)

    def remove(self, key: str) -> None:
        old = self.values.pop(key, ())
        for v in old:
            s = self.keys[v]
            del s[key]
            if not s:
                del self.keys[v]


