"""Node-pressure eviction for memory (``pkg/kubelet/eviction``: ``eviction_manager.go``, ``helpers.go``).

* Signal ``memory.available`` = capacity − working set. We take the node's system daemons to use exactly
  what is reserved for them (kube-reserved + system-reserved), so ``memory.available = allocatable +
  evictionHard − Σ pod working sets`` and the hard threshold ``memory.available < 100Mi`` is crossed
  when the pods' working sets exceed the node's allocatable memory.
* The manager synchronises every ``monitoringInterval`` = 10 s and evicts at most one pod per pass,
  ranked by ``rankMemoryPressure``: pods whose usage exceeds their requests first, then lower
  priority, then the larger usage above requests. Critical pods (priority ≥ 2,000,000,000) are not
  evicted. The evicted pod's containers get a grace period of 1 s (``immediateEvictionGracePeriodSeconds``
  for hard thresholds) and the pod ends Failed with reason ``Evicted``.
* The MemoryPressure node condition is True while a threshold was met within
  ``evictionPressureTransitionPeriod`` (5 m); BestEffort pods are not admitted under it.
"""
from __future__ import annotations

import math
from typing import Optional

MONITORING_INTERVAL = 10.0
EVICTION_HARD_MEMORY = 100 * 1024 * 1024  # memory.available<100Mi
PRESSURE_TRANSITION_PERIOD = 300.0
IMMEDIATE_EVICTION_GRACE = 1.0
SYSTEM_CRITICAL_PRIORITY = 2_000_000_000
REASON = "Evicted"
NODE_CONDITION_MESSAGE = "The node had condition: [MemoryPressure]. "


def memory_available(allocatable: int, usage: float) -> float:
    """``memory.available`` under the reserved-equals-used assumption (see module doc)."""
    return allocatable + EVICTION_HARD_MEMORY - usage


def crossing_time(now: float, usage_now: float, growth: float, allocatable: int) -> Optional[float]:
    """When ``memory.available`` drops below the hard threshold (pod usage > allocatable), given usage
    growing linearly at ``growth`` bytes/s from ``usage_now``; ``now`` if already; None if never."""
    if usage_now > allocatable:
        return now
    if growth <= 0:
        return None
    return now + (allocatable - usage_now) / growth


def next_tick(t: float, origin: float, period: float = MONITORING_INTERVAL) -> float:
    """The first eviction-manager pass at or after ``t`` (passes at ``origin + k × period``)."""
    if t <= origin:
        return origin
    k = math.ceil(round((t - origin) / period, 9))
    return origin + k * period


def rank_memory_pressure(candidates: list) -> list:
    """``rankMemoryPressure``: ``candidates`` are ``(key, usage, request, priority)``; returns them in
    eviction order (``orderedBy(exceedMemoryRequests, priority, memory)``, stable)."""
    def sort_key(c):
        _key, usage, request, priority = c
        return (0 if usage > request else 1, priority, -(usage - request))
    return sorted(candidates, key=sort_key)


def eviction_message(available: float, container: str, usage: float, request: float) -> str:
    """``evictionMessage`` for the memory signal (quantities in Ki as the kubelet prints them)."""
    def ki(v: float) -> str:
        return f"{int(v) // 1024}Ki"
    msg = f"The node was low on resource: memory. Threshold quantity: 100Mi, available: {ki(max(available, 0))}. "
    if container:
        msg += f"Container {container} was using {ki(usage)}, request is {int(request)}, has larger consumption of memory. "
    return msg
