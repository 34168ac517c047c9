"""The canonical event log and its fingerprint.

After OMNeT++/INET fingerprint tests (``shared/research/validation.md`` §1.3, §7a): every event that
matters (each store write, each component decision) is recorded as ``(time, source, kind, key,
detail)``. The fingerprint is a blake2b hash over one canonical line per record::

    repr(float(time)) TAB source TAB kind TAB key TAB detail LF

so it changes when *which* events happen, *when*, or *in what order* changes, and not with log wording
elsewhere. ``record`` only appends a tuple (it runs for every store write); lines are formatted and
hashed in chunks, which gives the same digest as hashing line by line (blake2b is a stream hash).
Fields must not contain TAB or LF characters (they would make two logs hash alike).
"""
from __future__ import annotations

import hashlib
from typing import Iterator

__all__ = ["EventLog", "COLUMNS"]

COLUMNS = ("time", "source", "kind", "key", "detail")
"""Column names of :meth:`EventLog.rows` (the events table)."""

_CHUNK = 4096


class EventLog:
    """Canonical, ordered log of what happened, with an incremental fingerprint.

    ``keep=True`` keeps every record for the events table (:meth:`rows`); with ``keep=False`` the
    apiserver's write records (the bulk: one per store write) are hashed and dropped, so memory stays
    flat, while the components' events (Scheduled, Started, Killing, ...) are still kept.
    """

    __slots__ = ("keep", "_buf", "_hashed", "_dropped", "_h", "record", "_components")

    #: source of the store's write records, dropped with keep=False
    STORE_SOURCE = "apiserver"

    def __init__(self, keep: bool = True):
        self.keep: bool = keep
        """Whether records are kept for :meth:`rows`."""
        self._buf: list[tuple] = []  # records; those before _hashed are already in the hash
        self._hashed = 0
        self._dropped = 0  # records hashed and then dropped (keep=False)
        self._components: list[tuple] = []  # keep=False: the non-store records flushed so far
        self._h = hashlib.blake2b(digest_size=32, person=b"k8ssim.eventlog")
        # Bind the hot path once: ``record`` is an instance attribute (a closure), which saves the
        # method lookup and attribute loads on every call.
        buf = self._buf
        append = buf.append
        flush = self._flush

        # keep=True: records are stored anyway, so hashing is deferred to fingerprint();
        # keep=False: hash and drop every _CHUNK records.
        if keep:

            def record(time: float, source: str, kind: str, key: str, detail: str = "") -> None:
                """Record one event: simulated time (s), source, event kind, object key, detail."""
                append((time, source, kind, key, detail))

        else:

            def record(time: float, source: str, kind: str, key: str, detail: str = "") -> None:
                """Record one event: simulated time (s), source, event kind, object key, detail."""
                append((time, source, kind, key, detail))
                if len(buf) >= _CHUNK:
                    flush()

        self.record = record

    # -- hashing -------------------------------------------------------------------------------
    def _flush(self) -> None:
        buf = self._buf
        start = self._hashed
        if start < len(buf):
            text = "".join(
                [f"{float(t)!r}\t{s}\t{k}\t{key}\t{d}\n" for (t, s, k, key, d) in buf[start:]]
            )
            self._h.update(text.encode("utf-8"))
        if self.keep:
            self._hashed = len(buf)
        else:
            store = self.STORE_SOURCE
            self._components.extend(r for r in buf if r[1] != store)
            self._dropped += len(buf)
            buf.clear()  # same list object: the bound ``record`` closure keeps appending to it
            self._hashed = 0

    def fingerprint(self) -> str:
        """Hex digest over all records so far (recording may continue afterwards)."""
        self._flush()
        return self._h.copy().hexdigest()

    # -- access --------------------------------------------------------------------------------
    @property
    def count(self) -> int:
        """Number of records so far."""
        return self._dropped + len(self._buf)

    def __len__(self) -> int:
        return self.count

    def rows(self) -> list[tuple]:
        """Kept records as ``(time, source, kind, key, detail)`` tuples (time as float), in order
        (with ``keep=False``: the components' records only, no apiserver writes)."""
        if not self.keep:
            store = self.STORE_SOURCE
            recs = self._components + [r for r in self._buf if r[1] != store]
            return [(float(t), s, k, key, d) for (t, s, k, key, d) in recs]
        return [(float(t), s, k, key, d) for (t, s, k, key, d) in self._buf]

    def __iter__(self) -> Iterator[tuple]:
        return iter(self.rows())

    def __repr__(self) -> str:
        return f"<EventLog count={self.count} keep={self.keep}>"
