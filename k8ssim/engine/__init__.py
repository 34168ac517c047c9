"""The ground floor of time: SimPy environment, simulated clock, named deterministic RNG streams, and
the event log with its fingerprint. Imports no component."""
from __future__ import annotations

from k8ssim.engine.engine import Call, Engine, Periodic
from k8ssim.engine.eventlog import COLUMNS, EventLog
from k8ssim.engine.rng import RandomStreams, spawn_key_for

__all__ = ["Engine", "Call", "Periodic", "EventLog", "COLUMNS", "RandomStreams", "spawn_key_for"]
