"""How a DELETE request changes an object: graceful deletion, finalizers and GC propagation.

Mirrors ``k8s.io/apiserver/pkg/registry/rest/delete.go`` (``BeforeDelete``),
``pkg/registry/core/pod/strategy.go`` (``CheckGracefulDelete``; pods are the only resource here with a
graceful strategy) and ``k8s.io/apiserver/pkg/registry/generic/registry/store.go``
(``deletionFinalizersForGarbageCollection``, ``markAsDeleting``,
``updateForGracefulDeletionAndFinalizers``).
"""
from __future__ import annotations

from typing import Optional, Union

__all__ = ["plan_delete", "REMOVE", "FINALIZER_ORPHAN", "FINALIZER_FOREGROUND", "PROPAGATION_POLICIES"]

FINALIZER_ORPHAN = "orphan"  # metav1.FinalizerOrphanDependents
FINALIZER_FOREGROUND = "foregroundDeletion"  # metav1.FinalizerDeleteDependents
PROPAGATION_POLICIES = ("Foreground", "Background", "Orphan")

REMOVE = "REMOVE"
"""Plan: remove the object now (no grace period left, no finalizers)."""

Plan = Union[None, str, tuple]


def gc_finalizers(finalizers: list, propagation_policy: Optional[str]) -> list:
    """``deletionFinalizersForGarbageCollection``: the finalizers after applying the policy (the same
    list object when nothing changes). None keeps what is there (the default GC policy of the
    resources modelled here is not Orphan)."""
    if propagation_policy is None:
        return finalizers
    nf = [f for f in finalizers if f not in (FINALIZER_ORPHAN, FINALIZER_FOREGROUND)]
    if propagation_policy == "Orphan":
        nf.append(FINALIZER_ORPHAN)
    elif propagation_policy == "Foreground":
        nf.append(FINALIZER_FOREGROUND)
    return finalizers if set(nf) == set(finalizers) else nf


def plan_delete(
    resource: str,
    old,
    now: float,
    grace_period_seconds: Optional[int] = None,
    propagation_policy: Optional[str] = None,
) -> Plan:
    """What deleting ``old`` at time ``now`` does:

    * ``None``: nothing to write (a graceful deletion is pending and the grace period is not
      shortened, or the object is already marked exactly so);
    * :data:`REMOVE`: remove it now;
    * ``(deletion_timestamp, deletion_grace_period_seconds, generation, finalizers, graceful)``: write
      the object with these fields; if ``graceful`` and the grace is 0 and no finalizers remain, the
      store then removes it (upstream writes the update, then deletes).
    """
    omd = old.metadata
    grace = grace_period_seconds
    if grace is not None and grace < 0:
        grace = 1  # negative values are treated as 1s on the delete path
    graceful = False
    new_ts = omd.deletion_timestamp
    new_grace = omd.deletion_grace_period_seconds
    new_gen = omd.generation
    if resource == "pods":
        if omd.deletion_timestamp is not None:
            if omd.deletion_grace_period_seconds:  # not nil/0: a user may only shorten it
                if grace is None or grace >= omd.deletion_grace_period_seconds:
                    return None
                new_ts = omd.deletion_timestamp - omd.deletion_grace_period_seconds + grace
                new_grace = grace
                graceful = True
        else:
            spec = getattr(old, "spec", None)
            period = grace
            if period is None:
                period = getattr(spec, "termination_grace_period_seconds", None) or 0
            if not getattr(spec, "node_name", ""):
                period = 0  # the pod is not scheduled: delete immediately
            if getattr(getattr(old, "status", None), "phase", "") in ("Succeeded", "Failed"):
                period = 0  # the pod is already terminated: delete immediately
            if period < 0:
                period = 1
            new_ts = now + period
            new_grace = period
            graceful = True
            if new_gen > 0:
                new_gen += 1  # first graceful deletion bumps generation
    fins = gc_finalizers(omd.finalizers, propagation_policy)
    if not graceful:
        if not fins:
            return REMOVE
        # markAsDeleting
        if omd.deletion_timestamp is None and new_gen > 0:
            new_gen += 1
        if new_ts is None or new_ts > now:
            new_ts = now
        new_grace = 0
    if (
        new_ts == omd.deletion_timestamp
        and new_grace == omd.deletion_grace_period_seconds
        and new_gen == omd.generation
        and fins == omd.finalizers
    ):
        return None
    return (new_ts, new_grace, new_gen, fins, graceful)
