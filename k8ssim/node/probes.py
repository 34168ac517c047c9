"""Probe outcomes computed analytically (``pkg/kubelet/prober/worker.go``), never one event per tick.

A prober worker probes at ``origin + k × periodSeconds`` (k = 0, 1, ...). The origin is the container's
start (modelled as the worker starting with the container — upstream starts it when the pod is added,
so real ticks are shifted by up to one period) or the kubelet's restart. ``doProbe`` skips ticks while
``int(now − startedAt) < initialDelaySeconds`` and, for readiness and liveness, while the container has
not ``Started`` (startup probe not yet successful). A result flips after ``successThreshold``
consecutive successes or ``failureThreshold`` consecutive failures.

The application answers probes successfully from ``healthy_from`` until ``healthy_until`` (absolute
times; from ``PodBehavior.startupTime`` and ``livenessFailureAfter``). The failing ticks are then a
prefix and a suffix of the tick sequence, and the first run of N equal outcomes has a closed form
(:func:`first_run`).
"""
from __future__ import annotations

import math
from typing import Optional

INF = math.inf


def _ceil(x: float) -> int:
    """``ceil`` that forgives float noise (2.0000000000000004 -> 2)."""
    return math.ceil(round(x, 9))


def _period(probe) -> float:
    return float(max(probe.period_seconds, 1))


def first_tick(probe, started_at: float, origin: Optional[float] = None, gate: Optional[float] = None) -> int:
    """Index of the first tick that probes: ``tick − startedAt ≥ initialDelaySeconds`` and
    ``tick ≥ gate`` (when the container became Started), ticks at ``origin + k·period``."""
    origin = started_at if origin is None else origin
    earliest = max(started_at + probe.initial_delay_seconds, origin)
    if gate is not None:
        earliest = max(earliest, gate)
    return max(0, _ceil((earliest - origin) / _period(probe)))


def first_run(k_from: int, origin: float, period: float, healthy_from: float, healthy_until: float,
              want_ok: bool, count: int) -> Optional[int]:
    """Index of the tick completing the first run of ``count`` consecutive successes (``want_ok``) or
    failures among ticks ``k ≥ k_from``; None if there is none."""
    count = max(count, 1)
    a = max(0, _ceil((healthy_from - origin) / period))
    b = INF if healthy_until == INF else max(0, _ceil((healthy_until - origin) / period))
    lo = max(a, k_from)
    if want_ok:
        if lo >= b:
            return None
        k = lo + count - 1
        return k if k < b else None
    if lo >= b:  # no successful tick at all
        return k_from + count - 1
    if a - k_from >= count:  # enough failures before the application answers
        return k_from + count - 1
    if b == INF:  # healthy for ever once up
        return None
    return int(max(b, k_from)) + count - 1


def _at(origin: float, probe, k: Optional[int]) -> Optional[float]:
    return None if k is None else origin + k * _period(probe)


def startup_outcome(probe, started_at: float, healthy_from: float, healthy_until: float = INF,
                    origin: Optional[float] = None):
    """``(started_at, failed_at)`` of a startup probe: when it succeeds (None: never) or when
    ``failureThreshold`` consecutive failures make the kubelet kill the container (None: never)."""
    origin = started_at if origin is None else origin
    p = _period(probe)
    k0 = first_tick(probe, started_at, origin)
    ok = first_run(k0, origin, p, healthy_from, healthy_until, True, 1)
    bad = first_run(k0, origin, p, healthy_from, healthy_until, False, probe.failure_threshold)
    if ok is not None and (bad is None or ok < bad):
        return _at(origin, probe, ok), None
    return None, _at(origin, probe, bad)


def readiness_outcome(probe, started_at: float, gate: float, healthy_from: float, healthy_until: float = INF,
                      origin: Optional[float] = None, ready_now: bool = False):
    """``(ready_at, unready_at)``: Ready after ``successThreshold`` consecutive successes, NotReady after
    ``failureThreshold`` consecutive failures once the application stops answering (None: never).
    ``ready_now``: the container is Ready already (only the way down is computed)."""
    origin = started_at if origin is None else origin
    p = _period(probe)
    k0 = first_tick(probe, started_at, origin, gate)
    ft = max(probe.failure_threshold, 1)
    if ready_now:
        return None, _at(origin, probe, first_run(k0, origin, p, healthy_from, healthy_until, False, ft))
    ok = first_run(k0, origin, p, healthy_from, healthy_until, True, probe.success_threshold)
    if ok is None:
        return None, None
    if healthy_until == INF:
        return _at(origin, probe, ok), None
    k_down = max(ok + 1, _ceil((healthy_until - origin) / p)) + ft - 1
    return _at(origin, probe, ok), _at(origin, probe, k_down)


def liveness_kill_at(probe, started_at: float, gate: float, healthy_from: float, healthy_until: float = INF,
                     origin: Optional[float] = None) -> Optional[float]:
    """Time of the ``failureThreshold``-th consecutive liveness failure (the kubelet then kills the
    container), or None."""
    origin = started_at if origin is None else origin
    p = _period(probe)
    k0 = first_tick(probe, started_at, origin, gate)
    return _at(origin, probe, first_run(k0, origin, p, healthy_from, healthy_until, False, probe.failure_threshold))


def first_probe_success(start: float, probe) -> float:
    """Time of the first success of ``probe`` for an application healthy from the start: the first tick
    at or after ``initialDelaySeconds`` plus ``successThreshold − 1`` periods."""
    if probe is None:
        return start
    got = readiness_outcome(probe, start, start, start)[0]
    return start if got is None else got
