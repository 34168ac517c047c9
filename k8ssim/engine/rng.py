"""Named, independent, reproducible random streams.

Every random draw in k8ssim comes from a *named* stream (ns-3's ``Stream`` attribute lesson, see
``shared/research/validation.md`` §1.2 and §1.5): the stream ``name`` gets its own
``numpy.random.SeedSequence(seed, spawn_key=K(name))`` where ``K`` is a stable hash of the name
(blake2b, never the per-process salted ``hash()``). So:

* the same seed and name give the same draws in any process, under any ``PYTHONHASHSEED``;
* creating a new stream (a new component, an extra fault) never shifts the draws of another stream;
* replications use a ``replication`` index that prefixes the spawn key, giving independent children of
  the same root (``SeedSequence(root, spawn_key=(r, ...))``).

Draws are reproducible for a given NumPy version and bit generator (NEP 19); PCG64 is used.
"""
from __future__ import annotations

import hashlib
from typing import Optional

import numpy as np

__all__ = ["RandomStreams", "spawn_key_for"]


def spawn_key_for(name: str) -> tuple[int, ...]:
    """The stable spawn key of a stream name: the 128-bit blake2b digest of its UTF-8 bytes, as four
    32-bit words (the unit SeedSequence mixes)."""
    d = hashlib.blake2b(name.encode("utf-8"), digest_size=16, person=b"k8ssim.rng").digest()
    return tuple(int.from_bytes(d[i : i + 4], "little") for i in range(0, 16, 4))


class RandomStreams:
    """A family of named ``numpy.random.Generator`` streams derived from one integer seed.

    >>> rs = RandomStreams(7)
    >>> rs.stream("arrivals") is rs.stream("arrivals")   # cached
    True
    """

    __slots__ = ("seed", "replication", "_prefix", "_gens")

    def __init__(self, seed: int, replication: Optional[int] = None):
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
        if replication is not None and (
            isinstance(replication, bool) or not isinstance(replication, (int, np.integer)) or replication < 0
        ):
            raise ValueError(f"replication must be a non-negative integer, got {replication!r}")
        self.seed: int = int(seed)
        """The root seed (the scenario's ``spec.seed``)."""
        self.replication: Optional[int] = None if replication is None else int(replication)
        """Replication index; ``None`` for a single run."""
        self._prefix: tuple[int, ...] = () if replication is None else (int(replication),)
        self._gens: dict[str, np.random.Generator] = {}

    def seed_sequence(self, name: str) -> np.random.SeedSequence:
        """The ``SeedSequence`` behind stream ``name`` (a fresh object each call)."""
        if not isinstance(name, str) or not name:
            raise ValueError(f"stream name must be a non-empty string, got {name!r}")
        return np.random.SeedSequence(self.seed, spawn_key=self._prefix + spawn_key_for(name))

    def stream(self, name: str) -> np.random.Generator:
        """The Generator of stream ``name`` (created on first use, then cached)."""
        g = self._gens.get(name)
        if g is None:
            g = np.random.Generator(np.random.PCG64(self.seed_sequence(name)))
            self._gens[name] = g
        return g

    __call__ = stream

    def names(self) -> list[str]:
        """Names of the streams created so far, sorted."""
        return sorted(self._gens)

    def __repr__(self) -> str:
        rep = "" if self.replication is None else f", replication={self.replication}"
        return f"RandomStreams(seed={self.seed}{rep})"
