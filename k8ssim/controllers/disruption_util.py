"""PodDisruptionBudget status and the eviction subresource's budget check.

Mirrors ``pkg/controller/disruption/disruption.go`` (``getPodsForPdb``, ``getExpectedPodCount``,
``getExpectedScale``, ``buildDisruptedPodMap``, ``countHealthyPods``, ``updatePdbStatus``; condition from
``pkg/apis/policy/helper`` ``UpdateDisruptionAllowedCondition``) and
``pkg/registry/core/pod/storage/eviction.go`` (``EvictionREST.Create``, ``canIgnorePDB``,
``checkAndDecrement``, ``getPodDisruptionBudgets``).

Scale lookups are the caller's: ``get_expected_scale`` takes a ``finder(controller_ref, namespace)``
returning ``(uid, replicas)`` or None, like upstream's ``dc.finders()``; :func:`make_finder` builds one
from plain lists of workload objects.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Callable, Iterable, Optional, Sequence

from k8ssim.api.core import Pod
from k8ssim.api.meta import OwnerReference, get_scaled_value_from_int_or_percent, selector_matches
from k8ssim.api.policy import PodDisruptionBudget

#: ``DeletionTimeout``: an eviction-marked pod not deleted after this long counts as healthy again.
DELETION_TIMEOUT = 120.0
#: ``MaxDisruptedPodSize`` in eviction.go.
MAX_DISRUPTED_POD_SIZE = 2000
DISRUPTION_ALLOWED_CONDITION = "DisruptionAllowed"
SUFFICIENT_PODS_REASON = "SufficientPods"
INSUFFICIENT_PODS_REASON = "InsufficientPods"
SYNC_FAILED_REASON = "SyncFailed"

Finder = Callable[[OwnerReference, str], Optional[tuple]]


class PDBError(ValueError):
    """A sync error of the disruption controller (e.g. a pod whose controller cannot be found)."""


def get_pods_for_pdb(pdb: PodDisruptionBudget, pods: Iterable[Pod]) -> list:
    """``getPodsForPdb``: pods of the PDB's namespace matched by its selector (nil matches nothing,
    an empty selector everything)."""
    ns = pdb.metadata.namespace
    return [p for p in pods if p.metadata.namespace == ns and selector_matches(pdb.spec.selector, p.metadata.labels)]


def make_finder(
    replica_sets: Iterable = (),
    deployments: Iterable = (),
    stateful_sets: Iterable = (),
    replication_controllers: Iterable = (),
    scales: Optional[dict] = None,
) -> Finder:
    """The upstream finders over in-memory objects. ReplicaSet pods owned by a Deployment take the
    Deployment's replicas; a ReplicaSet without a Deployment owner counts for itself. ``scales`` maps
    ``(kind, namespace, name)`` to ``(uid, replicas)`` for other kinds (the scale subresource).
    ``replication_controllers`` are objects with ``metadata`` and ``spec.replicas``."""
    by = {}
    for kind, objs in (
        ("ReplicaSet", replica_sets),
        ("Deployment", deployments),
        ("StatefulSet", stateful_sets),
        ("ReplicationController", replication_controllers),
    ):
        for o in objs:
            by[(kind, o.metadata.namespace, o.metadata.name)] = o
    scales = scales or {}

    def finder(ref: OwnerReference, namespace: str) -> Optional[tuple]:
        if ref.kind == "ReplicaSet":
            rs = by.get(("ReplicaSet", namespace, ref.name))
            if rs is None or (ref.uid and rs.metadata.uid and rs.metadata.uid != ref.uid):
                return None
            owner = rs.metadata.controller_ref()
            if owner is not None and owner.kind == "Deployment":
                d = by.get(("Deployment", namespace, owner.name))
                if d is None or (owner.uid and d.metadata.uid and d.metadata.uid != owner.uid):
                    return None
                return (d.metadata.uid or f"Deployment/{namespace}/{d.metadata.name}", d.spec.replicas)
            return (rs.metadata.uid or f"ReplicaSet/{namespace}/{rs.metadata.name}", rs.spec.replicas)
        obj = by.get((ref.kind, namespace, ref.name))
        if obj is not None:
            if ref.uid and obj.metadata.uid and obj.metadata.uid != ref.uid:
                return None
            return (obj.metadata.uid or f"{ref.kind}/{namespace}/{ref.name}", obj.spec.replicas)
        return scales.get((ref.kind, namespace, ref.name))

    return finder


def get_expected_scale(pods: Sequence[Pod], finder: Finder) -> tuple:
    """``getExpectedScale`` -> ``(expected_count, unmanaged_pod_names)``: the sum of the distinct
    controllers' scale. Raises :class:`PDBError` when a pod's controller cannot be found."""
    scale: dict = {}
    unmanaged = []
    for p in pods:
        ref = p.metadata.controller_ref()
        if ref is None:
            unmanaged.append(p.metadata.name)
            continue
        if ref.uid and ref.uid in scale:
            continue
        found = finder(ref, p.metadata.namespace)
        if found is None:
            raise PDBError(f'found no controllers for pod "{p.metadata.name}"')
        uid, replicas = found
        scale[uid] = replicas
    return sum(scale.values()), unmanaged


def get_expected_pod_count(pdb: PodDisruptionBudget, pods: Sequence[Pod], finder: Finder) -> tuple:
    """``getExpectedPodCount`` -> ``(expected_count, desired_healthy, unmanaged_pod_names)``."""
    spec = pdb.spec
    try:
        if spec.max_unavailable is not None:
            expected, unmanaged = get_expected_scale(pods, finder)
            max_unav = get_scaled_value_from_int_or_percent(spec.max_unavailable, expected, True)
            return expected, max(expected - max_unav, 0), unmanaged
        if spec.min_available is not None:
            if isinstance(spec.min_available, int) and not isinstance(spec.min_available, bool):
                return len(pods), spec.min_available, []
            expected, unmanaged = get_expected_scale(pods, finder)
            return expected, get_scaled_value_from_int_or_percent(spec.min_available, expected, True), unmanaged
    except ValueError as e:
        if isinstance(e, PDBError):
            raise
        raise PDBError(str(e)) from None
    return 0, 0, []


def build_disrupted_pod_map(pods: Sequence[Pod], disrupted: Optional[dict], now: float) -> tuple:
    """``buildDisruptedPodMap`` -> ``(map, recheck_time)``: keep entries of existing, not-deleting pods
    whose time + DeletionTimeout is not before now; recheck_time is the earliest such expiry."""
    result: dict = {}
    recheck = None
    if not disrupted:
        return result, recheck
    for p in pods:
        if p.metadata.deletion_timestamp is not None:
            continue
        t = disrupted.get(p.metadata.name)
        if t is None:
            continue
        expected_deletion = t + DELETION_TIMEOUT
        if expected_deletion < now:
            continue  # upstream emits a NotDeleted event
        if recheck is None or expected_deletion < recheck:
            recheck = expected_deletion
        result[p.metadata.name] = t
    return result, recheck


def count_healthy_pods(pods: Sequence[Pod], disrupted: dict, now: float) -> int:
    """``countHealthyPods``: Ready pods that are neither being deleted nor freshly evicted."""
    n = 0
    for p in pods:
        if p.metadata.deletion_timestamp is not None:
            continue
        t = disrupted.get(p.metadata.name)
        if t is not None and t + DELETION_TIMEOUT > now:
            continue
        if p.is_ready():
            n += 1
    return n


@dataclass
class PdbStatusResult:
    """What one disruption-controller sync computes for a PDB."""

    current_healthy: int
    desired_healthy: int
    expected_pods: int
    disruptions_allowed: int
    disrupted_pods: dict
    unmanaged_pods: list = field(default_factory=list)
    recheck_time: Optional[float] = None
    events: list = field(default_factory=list)  # reasons, e.g. "UnmanagedPods"


def disruptions_allowed(current_healthy: int, desired_healthy: int, expected_pods: int) -> int:
    """``updatePdbStatus``: currentHealthy − desiredHealthy, 0 when negative or expectedPods <= 0."""
    allowed = current_healthy - desired_healthy
    if expected_pods <= 0 or allowed <= 0:
        return 0
    return allowed


def compute_pdb_status(pdb: PodDisruptionBudget, all_pods: Iterable[Pod], finder: Finder, now: float) -> PdbStatusResult:
    """``trySync`` up to ``updatePdbStatus``: the new status numbers for ``pdb``. Raises
    :class:`PDBError` on a sync error (upstream then sets DisruptionsAllowed=0 with reason SyncFailed)."""
    pods = get_pods_for_pdb(pdb, all_pods)
    expected, desired, unmanaged = get_expected_pod_count(pdb, pods, finder)
    disrupted, recheck = build_disrupted_pod_map(pods, pdb.status.disrupted_pods, now)
    healthy = count_healthy_pods(pods, disrupted, now)
    return PdbStatusResult(
        current_healthy=healthy,
        desired_healthy=desired,
        expected_pods=expected,
        disruptions_allowed=disruptions_allowed(healthy, desired, expected),
        disrupted_pods=disrupted,
        unmanaged_pods=unmanaged,
        recheck_time=recheck,
        events=["UnmanagedPods"] if unmanaged else [],
    )


def disruption_allowed_condition(allowed: int) -> tuple:
    """``UpdateDisruptionAllowedCondition`` -> ``(status, reason)`` of the DisruptionAllowed condition."""
    return ("True", SUFFICIENT_PODS_REASON) if allowed > 0 else ("False", INSUFFICIENT_PODS_REASON)


# ---------------------------------------------------------------------------------- eviction


@dataclass(frozen=True)
class EvictionDecision:
    """Outcome of ``POST pods/<name>/eviction``. ``code``: 200 (delete the pod), 429 (TooManyRequests),
    403 (Forbidden) or 500 (more than one PDB). ``pdb``/``decrement``: the PDB whose
    disruptionsAllowed is decremented (and the pod added to its disruptedPods) before the delete."""

    allowed: bool
    code: int
    message: str = ""
    cause: str = ""
    retry_after_seconds: int = 0
    pdb: Optional[PodDisruptionBudget] = None
    decrement: bool = False


def can_ignore_pdb(pod: Pod) -> bool:
    """``canIgnorePDB``: terminal, Pending or already-deleting pods are deleted without a PDB check."""
    return pod.status.phase in ("Succeeded", "Failed", "Pending") or pod.metadata.deletion_timestamp is not None


def pdbs_for_pod(pdbs: Iterable[PodDisruptionBudget], pod: Pod) -> list:
    """``getPodDisruptionBudgets``: PDBs of the pod's namespace whose selector matches it."""
    return [
        b
        for b in pdbs
        if b.metadata.namespace == pod.metadata.namespace and selector_matches(b.spec.selector, pod.metadata.labels)
    ]


_TOO_MANY = "Cannot evict pod as it would violate the pod's disruption budget."


def check_and_decrement(pdb: PodDisruptionBudget) -> EvictionDecision:
    """``checkAndDecrement`` without the write: may this PDB lose one more pod now?"""
    st = pdb.status
    if st.observed_generation < pdb.metadata.generation:
        return EvictionDecision(
            False, 429, _TOO_MANY, f"The disruption budget {pdb.metadata.name} is still being processed by the server.", 10, pdb
        )
    if st.disruptions_allowed < 0:
        return EvictionDecision(False, 403, "pdb disruptions allowed is negative", "", 0, pdb)
    if len(st.disrupted_pods) > MAX_DISRUPTED_POD_SIZE:
        return EvictionDecision(
            False, 403, "DisruptedPods map too big - too many evictions not confirmed by PDB controller", "", 0, pdb
        )
    if st.disruptions_allowed == 0:
        return EvictionDecision(
            False,
            429,
            _TOO_MANY,
            f"The disruption budget {pdb.metadata.name} needs {st.desired_healthy} healthy pods and has "
            f"{st.current_healthy} currently",
            0,
            pdb,
        )
    return EvictionDecision(True, 200, "", "", 0, pdb, decrement=True)


def eviction_allowed(pdbs: Iterable[PodDisruptionBudget], pod: Pod) -> EvictionDecision:
    """``EvictionREST.Create``'s decision for ``pod`` given all PDBs (of any namespace)."""
    if can_ignore_pdb(pod):
        return EvictionDecision(True, 200)
    matching = pdbs_for_pod(pdbs, pod)
    if len(matching) > 1:
        return EvictionDecision(
            False, 500, "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support."
        )
    if not matching:
        return EvictionDecision(True, 200)
    pdb = matching[0]
    if not pod.is_ready():
        if pdb.spec.unhealthy_pod_eviction_policy == "AlwaysAllow":
            return EvictionDecision(True, 200, pdb=pdb)
        st = pdb.status
        if st.current_healthy >= st.desired_healthy and st.desired_healthy > 0:
            return EvictionDecision(True, 200, pdb=pdb)
    return check_and_decrement(pdb)


def apply_eviction_to_pdb(pdb: PodDisruptionBudget, pod_name: str, now: float) -> PodDisruptionBudget:
    """The PDB status write of a successful ``checkAndDecrement``: disruptionsAllowed − 1 and the pod
    recorded in disruptedPods at ``now``. Returns a copy."""
    new = pdb.copy()
    new.status = copy.copy(pdb.status)
    new.status.disruptions_allowed = pdb.status.disruptions_allowed - 1
    new.status.disrupted_pods = dict(pdb.status.disrupted_pods)
    new.status.disrupted_pods[pod_name] = now
    return new
