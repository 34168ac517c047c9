"""Disruption controller: keeps every PodDisruptionBudget's status current
(``pkg/controller/disruption/disruption.go``).

``sync`` = upstream ``sync``/``trySync``/``updatePdbStatus``/``failSafe``: the numbers come from
:func:`disruption_util.compute_pdb_status` (getPodsForPdb, getExpectedPodCount through the finders,
buildDisruptedPodMap, countHealthyPods); the ``DisruptionAllowed`` condition follows
``pdbhelper.UpdateDisruptionAllowedCondition`` and a sync error sets ``DisruptionsAllowed = 0`` with
reason ``SyncFailed``. A PDB whose disruptedPods entries will expire is re-synced at that time
(``enqueuePdbForRecheck``). Like upstream, only pod and PDB events enqueue PDBs (workload scale
changes reach the PDB through the pods they create or delete).

Not modelled: the stale-DisruptionTarget worker (``syncStalePodDisruption``) — pods here get the
condition only right before they are deleted.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Optional

from k8ssim.api.meta import OwnerReference, selector_matches
from k8ssim.controllers import disruption_util as du
from k8ssim.controllers.base import WorkQueue, split_key

RECHECK_EPSILON = 1e-3
SOURCE = "controllermanager"  # upstream's recorder component is "controllermanager" for this controller


@dataclass(frozen=True, slots=True)
class Condition:
    """``metav1.Condition`` (the shape of ``PodDisruptionBudgetStatus.conditions``)."""

    type: str
    status: str
    reason: str = ""
    message: str = ""
    observed_generation: int = 0
    last_transition_time: Optional[float] = None


def set_status_condition(conditions: list, new: Condition, now: float) -> list:
    """``apimeta.SetStatusCondition``: replace the condition of ``new.type`` keeping its
    lastTransitionTime unless the status changes. Returns a new list."""
    out = []
    found = False
    for c in conditions:
        if c.type == new.type:
            found = True
            ltt = c.last_transition_time if c.status == new.status else now
            out.append(replace(new, last_transition_time=ltt))
        else:
            out.append(c)
    if not found:
        out.append(replace(new, last_transition_time=now))
    return out


def update_disruption_allowed_condition(status, now: float) -> None:
    """``pdbhelper.UpdateDisruptionAllowedCondition`` on a (copied, mutable) PDB status."""
    cstatus, reason = du.disruption_allowed_condition(status.disruptions_allowed)
    status.conditions = set_status_condition(
        list(status.conditions),
        Condition(du.DISRUPTION_ALLOWED_CONDITION, cstatus, reason, "", status.observed_generation), now)


def conditions_are_up_to_date(pdb) -> bool:
    """``pdbhelper.ConditionsAreUpToDate``."""
    st = pdb.status
    for c in st.conditions:
        if c.type == du.DISRUPTION_ALLOWED_CONDITION:
            if c.observed_generation != st.observed_generation:
                return False
            want, reason = du.disruption_allowed_condition(st.disruptions_allowed)
            return c.status == want and c.reason == reason
    return False


def store_finder(store) -> du.Finder:
    """Upstream ``dc.finders()`` over the store: ReplicationController, Deployment (through its
    ReplicaSet), ReplicaSet without a Deployment owner, StatefulSet; UIDs must match the reference."""

    def finder(ref: OwnerReference, namespace: str) -> Optional[tuple]:
        if ref.kind == "ReplicaSet":
            rs = store.try_get("replicasets", namespace, ref.name)
            if rs is None or rs.metadata.uid != ref.uid:
                return None
            owner = rs.metadata.controller_ref()
            if owner is not None and owner.kind == "Deployment":
                d = store.try_get("deployments", namespace, owner.name)
                if d is None or d.metadata.uid != owner.uid:
                    return None
                return d.metadata.uid, d.spec.replicas
            return rs.metadata.uid, rs.spec.replicas
        resource = {"StatefulSet": "statefulsets", "ReplicationController": "replicationcontrollers"}.get(ref.kind)
        if resource is None:
            return None  # getScaleController: no scale subresource modelled for this kind
        obj = store.try_get(resource, namespace, ref.name)
        if obj is None or obj.metadata.uid != ref.uid:
            return None
        return obj.metadata.uid, obj.spec.replicas

    return finder


class DisruptionController:
    name = "disruption-controller"

    def __init__(self, engine, store):
        self.engine = engine
        self.store = store
        self.finder = store_finder(store)
        self.queue = WorkQueue(engine, self.sync, name=self.name)

    def start(self) -> None:
        self.store.watch("poddisruptionbudgets", self._on_pdb)
        self.store.watch("pods", self._on_pod)

    # ------------------------------------------------------------------------------------ events
    def _on_pdb(self, event_type, pdb, old) -> None:
        if event_type != "DELETED":
            self.queue.add(pdb.key())

    def _on_pod(self, event_type, pod, old) -> None:
        """``addPod``/``updatePod``/``deletePod``: enqueue the PDBs selecting the pod (upstream picks
        one of several arbitrarily; every one is enqueued here, deterministically)."""
        ns = pod.metadata.namespace
        for pdb in self.store.list("poddisruptionbudgets", namespace=ns):
            labels = pod.metadata.labels
            if selector_matches(pdb.spec.selector, labels) or (
                    old is not None and old.metadata.labels is not labels
                    and selector_matches(pdb.spec.selector, old.metadata.labels)):
                self.queue.add(pdb.key())

    # -------------------------------------------------------------------------------------- sync
    def sync(self, key: str) -> None:
        ns, name = split_key(key)
        pdb = self.store.try_get("poddisruptionbudgets", ns, name)
        if pdb is None:
            return
        now = self.engine.now
        pods = du.get_pods_for_pdb(pdb, self.store.list("pods", namespace=ns))
        if not pods:
            self.engine.log.record(now, SOURCE, "NoPods", key, "No matching pods found")
        try:
            res = du.compute_pdb_status(pdb, pods, self.finder, now)
        except du.PDBError as e:
            self.engine.log.record(now, SOURCE, "CalculateExpectedPodCountFailed", key,
                                   f"Failed to calculate the number of expected pods: {e}")
            self._fail_safe(pdb, str(e))
            return
        if res.unmanaged_pods:
            self.engine.log.record(
                now, SOURCE, "UnmanagedPods", key,
                "Pods selected by this PodDisruptionBudget were found to be unmanaged. As a result, the status of "
                "the PDB cannot be calculated correctly, which may result in undefined behavior. To account for "
                'these pods please set ".spec.minAvailable" field of the PDB to an integer value.')
        self._update_status(pdb, res)
        if res.recheck_time is not None:
            # an entry expiring exactly now is dropped only once time has passed ("Before(now)"): upstream
            # hot-loops until the clock moves; here the re-sync comes RECHECK_EPSILON later
            self.queue.add_after(key, max(res.recheck_time - now, RECHECK_EPSILON))

    def _update_status(self, pdb, res: du.PdbStatusResult) -> None:
        st = pdb.status
        if (st.current_healthy == res.current_healthy and st.desired_healthy == res.desired_healthy
                and st.expected_pods == res.expected_pods and st.disruptions_allowed == res.disruptions_allowed
                and st.disrupted_pods == res.disrupted_pods and st.observed_generation == pdb.metadata.generation
                and conditions_are_up_to_date(pdb)):
            return
        new = pdb.copy()
        ns = new.status
        (ns.current_healthy, ns.desired_healthy, ns.expected_pods, ns.disruptions_allowed) = (
            res.current_healthy, res.desired_healthy, res.expected_pods, res.disruptions_allowed)
        ns.disrupted_pods = dict(res.disrupted_pods)
        ns.observed_generation = pdb.metadata.generation
        update_disruption_allowed_condition(ns, self.engine.now)
        self.store.update_status(new)

    def _fail_safe(self, pdb, message: str) -> None:
        """``failSafe``: DisruptionsAllowed 0 and DisruptionAllowed=False/SyncFailed."""
        st = pdb.status
        cur = next((c for c in st.conditions if c.type == du.DISRUPTION_ALLOWED_CONDITION), None)
        if st.disruptions_allowed == 0 and cur is not None and \
                (cur.status, cur.reason, cur.message, cur.observed_generation) == (
                    "False", du.SYNC_FAILED_REASON, message, st.observed_generation):
            return  # nothing to write (the store does not compare objects for us)
        new = pdb.copy()
        new.status.disruptions_allowed = 0
        new.status.conditions = set_status_condition(
            list(pdb.status.conditions),
            Condition(du.DISRUPTION_ALLOWED_CONDITION, "False", du.SYNC_FAILED_REASON, message,
                      new.status.observed_generation), self.engine.now)
        self.store.update_status(new)


def new_controller(engine, store, spec=None) -> DisruptionController:
    return DisruptionController(engine, store)
