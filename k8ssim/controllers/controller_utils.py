"""Pod helpers shared by the workload controllers.

Mirrors ``pkg/controller/controller_utils.go`` (``ActivePods``, ``ActivePodsWithRanks``,
``logarithmicRankDiff``, ``afterOrZero``, ``FilterActivePods``, ``IsPodActive``, slow start constants),
``pkg/controller/replicaset/replica_set.go`` (``getPodsToDelete``,
``getPodsRankedByRelatedPodsOnSameNode``, ``slowStartBatch``), ``pkg/api/v1/pod/util.go``
(``IsPodReady``, ``IsPodAvailable``) and ``pkg/apis/core/helper`` (``GetDeletionCostFromPodAnnotations``).

Times are simulated seconds (float); ``None`` stands for Go's zero ``metav1.Time``. Go's ``sort.Sort`` is
not stable; we sort stably, which is one of the orders Go may produce for ties.
"""
from __future__ import annotations

import functools
import math
from typing import Callable, Iterable, Optional, Sequence

from k8ssim.api.core import Pod

#: ``controller.SlowStartInitialBatchSize``.
SLOW_START_INITIAL_BATCH_SIZE = 1
#: ``replicaset.BurstReplicas``: most pods created or deleted by one ReplicaSet sync.
BURST_REPLICAS = 500
#: ``core.PodDeletionCost`` annotation.
POD_DELETION_COST_ANNOTATION = "controller.kubernetes.io/pod-deletion-cost"

#: Feature gates read by the ranking (both default on in v1.35).
DEFAULT_FEATURE_GATES = {"LogarithmicScaleDown": True, "PodDeletionCost": True}

_PHASE_ORDINAL = {"Pending": 0, "Unknown": 1, "Running": 2}  # other phases: Go map zero value 0


# ------------------------------------------------------------------------------------ pod state


def is_pod_ready(pod: Pod) -> bool:
    """``podutil.IsPodReady``: the Ready condition is True."""
    return pod.is_ready()


def is_pod_active(pod: Pod) -> bool:
    """``controller.IsPodActive``: not Succeeded/Failed and not being deleted."""
    return pod.status.phase not in ("Succeeded", "Failed") and pod.metadata.deletion_timestamp is None


def filter_active_pods(pods: Iterable[Pod]) -> list:
    """``controller.FilterActivePods``."""
    return [p for p in pods if is_pod_active(p)]


def pod_ready_time(pod: Pod) -> Optional[float]:
    """``podReadyTime``: lastTransitionTime of a True Ready condition, else zero (None)."""
    if is_pod_ready(pod):
        c = pod.status.condition("Ready")
        return c.last_transition_time
    return None


def is_pod_available(pod: Pod, min_ready_seconds: int, now: float) -> bool:
    """``podutil.IsPodAvailable``: Ready, and Ready since more than minReadySeconds ago."""
    if not is_pod_ready(pod):
        return False
    if min_ready_seconds == 0:
        return True
    ltt = pod.status.condition("Ready").last_transition_time
    return ltt is not None and ltt + min_ready_seconds < now


def pod_available_at(pod: Pod, min_ready_seconds: int) -> Optional[float]:
    """The instant after which a Ready pod counts as available (``ltt + minReadySeconds``); None when
    not Ready (or Ready with a zero transition time and minReadySeconds > 0: never). Controllers use it
    to requeue, as upstream does with ``AddAfter(minReadySeconds)``."""
    if not is_pod_ready(pod):
        return None
    ltt = pod.status.condition("Ready").last_transition_time
    if min_ready_seconds == 0:
        return ltt if ltt is not None else float("-inf")
    return None if ltt is None else ltt + min_ready_seconds


def max_container_restarts(pod: Pod) -> int:
    """``maxContainerRestarts``: the highest restartCount among the app containers."""
    return max((c.restart_count for c in pod.status.container_statuses), default=0)


def _valid_first_digit(s: str) -> bool:
    if not s:
        return False
    return s[0] == "-" or s == "0" or "1" <= s[0] <= "9"


def get_deletion_cost(annotations: dict) -> int:
    """``helper.GetDeletionCostFromPodAnnotations``: the int32 pod-deletion-cost, 0 if unset or invalid
    (a leading ``+`` or leading zeros are invalid)."""
    value = annotations.get(POD_DELETION_COST_ANNOTATION)
    if value is None or not _valid_first_digit(value):
        return 0
    try:
        i = int(value, 10)
    except ValueError:
        return 0
    if not -(2**31) <= i < 2**31 or value.strip() != value or "_" in value:
        return 0
    return i


# --------------------------------------------------------------------------------- ranking


def after_or_zero(t1: Optional[float], t2: Optional[float]) -> bool:
    """``afterOrZero``: t1 after t2; a zero time counts as after any non-zero time."""
    if t1 is None or t2 is None:
        return t1 is None
    return t1 > t2


def _log2_bucket(t: float, now: float) -> int:
    d_ns = int(round((now - t) * 1e9))
    return int(math.log2(d_ns)) if d_ns > 0 else -1


def logarithmic_rank_diff(t1: float, t2: float, now: float) -> int:
    """``logarithmicRankDiff``: floor(log2(now - t ns)) of t1 minus that of t2 (-1 when now - t <= 0)."""
    return _log2_bucket(t1, now) - _log2_bucket(t2, now)


def active_pods_with_ranks_less(
    p1: Pod,
    p2: Pod,
    rank1: int,
    rank2: int,
    now: Optional[float],
    feature_gates: Optional[dict] = None,
) -> bool:
    """``ActivePodsWithRanks.Less``: True when p1 should be deleted before p2."""
    gates = DEFAULT_FEATURE_GATES if feature_gates is None else {**DEFAULT_FEATURE_GATES, **feature_gates}
    n1, n2 = p1.spec.node_name, p2.spec.node_name
    # 1. unassigned < assigned
    if n1 != n2 and (not n1 or not n2):
        return not n1
    # 2. Pending < Unknown < Running
    o1, o2 = _PHASE_ORDINAL.get(p1.status.phase, 0), _PHASE_ORDINAL.get(p2.status.phase, 0)
    if o1 != o2:
        return o1 < o2
    # 3. not ready < ready
    r1, r2 = is_pod_ready(p1), is_pod_ready(p2)
    if r1 != r2:
        return not r1
    # 4. lower pod-deletion-cost < higher
    if gates.get("PodDeletionCost", True):
        c1, c2 = get_deletion_cost(p1.metadata.annotations), get_deletion_cost(p2.metadata.annotations)
        if c1 != c2:
            return c1 < c2
    # 5. doubled up < not doubled up
    if rank1 != rank2:
        return rank1 > rank2
    log_scale = gates.get("LogarithmicScaleDown", True)
    # 6. been ready for empty time < less time < more time
    if r1 and r2:
        t1, t2 = pod_ready_time(p1), pod_ready_time(p2)
        if t1 != t2:
            if not log_scale or now is None or t1 is None or t2 is None:
                return after_or_zero(t1, t2)
            diff = logarithmic_rank_diff(t1, t2, now)
            if diff == 0:
                return p1.metadata.uid < p2.metadata.uid
            return diff < 0
    # 7. more restarts < fewer
    m1, m2 = max_container_restarts(p1), max_container_restarts(p2)
    if m1 != m2:
        return m1 > m2
    # 8. empty creation time < newer < older
    t1, t2 = p1.metadata.creation_timestamp, p2.metadata.creation_timestamp
    if t1 != t2:
        if not log_scale or now is None or t1 is None or t2 is None:
            return after_or_zero(t1, t2)
        diff = logarithmic_rank_diff(t1, t2, now)
        if diff == 0:
            return p1.metadata.uid < p2.metadata.uid
        return diff < 0
    return False


def active_pods_less(p1: Pod, p2: Pod) -> bool:
    """``ActivePods.Less`` (no ranks, buckets or deletion cost)."""
    n1, n2 = p1.spec.node_name, p2.spec.node_name
    if n1 != n2 and (not n1 or not n2):
        return not n1
    o1, o2 = _PHASE_ORDINAL.get(p1.status.phase, 0), _PHASE_ORDINAL.get(p2.status.phase, 0)
    if o1 != o2:
        return o1 < o2
    r1, r2 = is_pod_ready(p1), is_pod_ready(p2)
    if r1 != r2:
        return not r1
    if r1 and r2:
        t1, t2 = pod_ready_time(p1), pod_ready_time(p2)
        if t1 != t2:
            return after_or_zero(t1, t2)
    m1, m2 = max_container_restarts(p1), max_container_restarts(p2)
    if m1 != m2:
        return m1 > m2
    t1, t2 = p1.metadata.creation_timestamp, p2.metadata.creation_timestamp
    if t1 != t2:
        return after_or_zero(t1, t2)
    return False


def _sorted_by_less(items: list, less: Callable[[object, object], bool]) -> list:
    def cmp(a, b) -> int:
        if less(a, b):
            return -1
        if less(b, a):
            return 1
        return 0

    return sorted(items, key=functools.cmp_to_key(cmp))


def sort_active_pods(pods: Sequence[Pod]) -> list:
    """``sort.Sort(controller.ActivePods(pods))``: pods to delete first come first."""
    return _sorted_by_less(list(pods), active_pods_less)


def rank_pods_by_related_pods_on_same_node(pods_to_rank: Sequence[Pod], related_pods: Iterable[Pod]) -> list:
    """``getPodsRankedByRelatedPodsOnSameNode``: rank = number of *active* related pods on the same node
    (the empty node name is a bucket of its own)."""
    on_node: dict = {}
    for p in related_pods:
        if is_pod_active(p):
            on_node[p.spec.node_name] = on_node.get(p.spec.node_name, 0) + 1
    return [on_node.get(p.spec.node_name, 0) for p in pods_to_rank]


def sort_active_pods_with_ranks(
    pods: Sequence[Pod], ranks: Sequence[int], now: Optional[float], feature_gates: Optional[dict] = None
) -> list:
    """``sort.Sort(ActivePodsWithRanks{pods, ranks, now})``; returns the sorted pods."""
    pairs = list(zip(pods, ranks))
    ordered = _sorted_by_less(
        pairs, lambda a, b: active_pods_with_ranks_less(a[0], b[0], a[1], b[1], now, feature_gates)
    )
    return [p for p, _ in ordered]


def get_pods_to_delete(
    filtered_pods: Sequence[Pod],
    related_pods: Optional[Sequence[Pod]],
    diff: int,
    now: Optional[float],
    feature_gates: Optional[dict] = None,
) -> list:
    """``getPodsToDelete``: the ``diff`` pods a ReplicaSet deletes first. ``related_pods`` are the pods of
    every ReplicaSet owned by the same Deployment (or the RS's own pods; ``None`` means ``filtered_pods``).
    When ``diff >= len(filtered_pods)`` the input order is kept (upstream does not sort then)."""
    pods = list(filtered_pods)
    if diff < len(pods):
        related = pods if related_pods is None else related_pods
        ranks = rank_pods_by_related_pods_on_same_node(pods, related)
        pods = sort_active_pods_with_ranks(pods, ranks, now, feature_gates)
    return pods[: max(diff, 0)]


# ------------------------------------------------------------------------------ slow start


def slow_start_batches(count: int, initial_batch_size: int = SLOW_START_INITIAL_BATCH_SIZE) -> list:
    """Batch sizes of ``slowStartBatch``: 1, 2, 4, ... until ``count`` calls are made. The caller stops
    after the first batch that has an error (the remaining calls are skipped)."""
    out = []
    remaining = count
    batch = min(remaining, initial_batch_size)
    while batch > 0:
        out.append(batch)
        remaining -= batch
        batch = min(2 * batch, remaining)
    return out


def replicas_to_manage(filtered_pods: int, replicas: int, burst_replicas: int = BURST_REPLICAS) -> int:
    """``manageReplicas`` diff: positive = pods to delete, negative = pods to create, each capped at
    ``burstReplicas``."""
    diff = filtered_pods - replicas
    if diff < 0:
        return -min(-diff, burst_replicas)
    return min(diff, burst_replicas)
