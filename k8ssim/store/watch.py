"""Watch streams and the bounded event history behind ``watch(resourceVersion=R)``.

Mirrors the apiserver watch cache (``k8s.io/apiserver/pkg/storage/cacher``): events of one resource in
revision order, a bounded history (the cache's ring buffer) from which a watch starting at ``R`` is
replayed, and ``410 Gone`` (``too old resource version``) when events after ``R`` were already dropped.

Delivery is asynchronous: the store schedules one simulation event per write (at ``now +
watch_latency``) that fans out to every watch of that resource; a write with no watchers schedules
nothing. A watch receives only events with revision > its start revision, so a watch opened after a
write but before its delivery does not see it.
"""
from __future__ import annotations

from collections import deque
from itertools import islice
from typing import TYPE_CHECKING, Callable, Optional

from k8ssim.store.errors import Gone

if TYPE_CHECKING:  # pragma: no cover
    from k8ssim.store.store import Store

__all__ = ["Watch", "History", "Handler", "ADDED", "MODIFIED", "DELETED"]

ADDED = "ADDED"
MODIFIED = "MODIFIED"
DELETED = "DELETED"

Handler = Callable[[str, object, Optional[object]], None]
"""``handler(event_type, obj, old)``: ``old`` is the previously stored object (None for ADDED)."""


class Watch:
    """One watch stream: ``handler(event_type, obj, old)`` is called for each event, in revision order,
    as a simulation event. :meth:`stop` ends it (events not yet delivered are dropped)."""

    __slots__ = ("store", "resource", "handler", "namespace", "start_rv", "active", "delivered")

    def __init__(self, store: "Store", resource: str, handler: Handler, namespace: Optional[str], start_rv: int):
        self.store = store
        self.resource = resource
        self.handler = handler
        self.namespace = namespace or None
        self.start_rv = start_rv
        """Events with revision <= start_rv are not delivered live (they were listed or replayed)."""
        self.active = True
        self.delivered = 0
        """Number of events delivered to the handler."""

    def stop(self) -> None:
        """Stop the watch; no further events reach the handler."""
        if self.active:
            self.active = False
            self.store._remove_watch(self)

    def __repr__(self) -> str:
        ns = f" ns={self.namespace}" if self.namespace else ""
        return f"<Watch {self.resource}{ns} from={self.start_rv} active={self.active}>"


class History:
    """Bounded per-resource history of ``(rv, event_type, obj, old)``; remembers the newest dropped
    revision so that a too-old ``resourceVersion`` is answered with :class:`Gone`."""

    __slots__ = ("events", "limit", "compacted")

    def __init__(self, limit: int):
        self.limit = limit
        self.events: deque = deque(maxlen=limit) if limit > 0 else deque(maxlen=0)
        self.compacted = 0
        """Highest revision no longer in the history (0: nothing dropped)."""

    def append(self, rv: int, etype: str, obj, old) -> None:
        ev = self.events
        if len(ev) == self.limit:
            if self.limit == 0:
                self.compacted = rv
                return
            self.compacted = ev[0][0]
        ev.append((rv, etype, obj, old))

    def since(self, rv: int, resource: str = "") -> list:
        """Events with revision > ``rv``; raises :class:`Gone` if some were dropped."""
        if rv < self.compacted:
            raise Gone(rv, self.compacted + 1, resource)
        ev = self.events
        if not ev or ev[-1][0] <= rv:
            return []
        # binary search on the revision (deque supports indexing; O(log n) probes)
        lo, hi = 0, len(ev)
        while lo < hi:
            mid = (lo + hi) // 2
            if ev[mid][0] <= rv:
                lo = mid + 1
            else:
                hi = mid
        return list(islice(ev, lo, None))
