"""The controller pattern of kube-controller-manager: watches enqueue keys into a de-duplicating work
queue; a sync handler reconciles one key at a time against the store.

Mirrors ``k8s.io/client-go/util/workqueue`` (a key queued twice before it is processed is synced once;
``add_after`` = ``AddAfter``) with simulated time: a queued key is processed ``sync_delay`` seconds later
(default 0, i.e. within the same instant, after the event that queued it).
"""
from __future__ import annotations

from typing import Callable

BASE_DELAY = 0.005  # workqueue.DefaultControllerRateLimiter: 5 ms ...
MAX_DELAY = 1000.0  # ... doubling to 1000 s


class WorkQueue:
    def __init__(self, engine, handler: Callable[[str], None], *, name: str, sync_delay: float = 0.0):
        self.engine = engine
        self.handler = handler
        self.name = name
        self.sync_delay = sync_delay
        self._pending: set = set()
        self._later: dict = {}  # key -> earliest scheduled time
        self._failures: dict = {}  # key -> consecutive failed syncs (rate limiter)

    def add(self, key: str) -> None:
        if key in self._pending:
            return
        self._pending.add(key)
        self.engine.call_later(self.sync_delay, self._process, key)

    def add_after(self, key: str, delay: float) -> None:
        """Re-queue ``key`` after ``delay`` seconds (one pending timer per key: the earliest wins)."""
        if delay <= 0:
            self.add(key)
            return
        self.add_at(key, self.engine.now + delay)

    def add_at(self, key: str, t: float) -> None:
        """Re-queue ``key`` at absolute simulated time ``t`` (exact, no float drift from a delay)."""
        if t <= self.engine.now:
            self.add(key)
            return
        prev = self._later.get(key)
        if prev is not None and prev <= t:
            return
        self._later[key] = t
        self.engine.call_at(t, self._fire_later, key, t)

    def add_rate_limited(self, key: str) -> None:
        """``AddRateLimited`` with the default controller rate limiter's per-item exponential backoff
        (``ItemExponentialFailureRateLimiter(5ms, 1000s)``)."""
        n = self._failures.get(key, 0)
        self._failures[key] = n + 1
        self.add_after(key, min(BASE_DELAY * (2 ** n), MAX_DELAY))

    def forget(self, key: str) -> None:
        """``Forget``: a successful sync resets the key's backoff."""
        self._failures.pop(key, None)

    def _fire_later(self, key: str, t: float) -> None:
        if self._later.get(key) == t:
            del self._later[key]
            self.add(key)

    def _process(self, key: str) -> None:
        self._pending.discard(key)
        self.handler(key)


def split_key(key: str) -> tuple[str, str]:
    ns, _, name = key.rpartition("/")
    return ns, name


def controller_owner_uid(obj) -> str:
    ref = obj.metadata.controller_ref()
    return ref.uid if ref is not None else ""


class RateLimitedSync:
    """``processNextWorkItem`` + ``handleErr``: ``sync(key)`` runs ``self._sync(key)``; a refused or failed
    store call (:class:`~k8ssim.store.errors.StoreError`) or an explicit ``self._retry(key)`` requeues the
    key with the rate limiter (``AddRateLimited``); a clean sync ``Forget``s it. Needs ``self.queue``."""

    _retried = False

    def sync(self, key: str) -> None:
        from k8ssim.store.errors import StoreError

        self._retried = False
        try:
            self._sync(key)
        except StoreError:  # the apiserver refused or is down: retry with the workqueue's backoff
            self._retry(key)
        if not self._retried:
            self.queue.forget(key)

    def _retry(self, key: str) -> None:
        self._retried = True
        self.queue.add_rate_limited(key)

    def _sync(self, key: str) -> None:  # pragma: no cover - the controller's reconcile
        raise NotImplementedError
