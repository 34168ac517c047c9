"""ReplicaSet controller (``pkg/controller/replicaset/replica_set.go``).

``syncReplicaSet``: claim the pods the ReplicaSet owns (adopting matching orphans), create the missing
ones in slow-start batches (1, 2, 4, ... at most ``burstReplicas`` = 500 per sync), delete the surplus
in ``getPodsToDelete`` order, and write status (replicas, fullyLabeled, ready, available,
observedGeneration). Reads are consistent reads from the store (so no expectations are needed); pods are
found through an owner-uid index rather than a label scan.
"""
from __future__ import annotations

import math

from k8ssim.api.apps import ReplicaSet
from k8ssim.api.meta import selector_matches
from k8ssim.controllers.base import WorkQueue, controller_owner_uid, split_key
from k8ssim.controllers.controller_utils import (BURST_REPLICAS, get_pods_to_delete, is_pod_available,
                                                 slow_start_batches)
from k8ssim.controllers.podcontrol import owner_reference, pod_from_template

OWNER_INDEX = "controller-uid"
ORPHAN_INDEX = "orphans-by-namespace"


def owner_index(obj) -> list:
    uid = controller_owner_uid(obj)
    return [uid] if uid else []


def orphan_index(obj) -> list:
    return [obj.metadata.namespace] if obj.metadata.controller_ref() is None else []


def ensure_pod_indexes(store) -> None:
    """Register the pod indexes controllers share (idempotent)."""
    if not getattr(store, "_k8ssim_pod_indexes", False):
        store.add_index("pods", OWNER_INDEX, owner_index)
        store.add_index("pods", ORPHAN_INDEX, orphan_index)
        store._k8ssim_pod_indexes = True


class ReplicaSetController:
    name = "replicaset-controller"

    def __init__(self, engine, store, *, burst_replicas: int = BURST_REPLICAS):
        self.engine = engine
        self.store = store
        self.burst = burst_replicas
        self.queue = WorkQueue(engine, self.sync, name=self.name)

    def start(self) -> None:
        ensure_pod_indexes(self.store)
        self.store.watch("replicasets", self._on_rs)
        self.store.watch("pods", self._on_pod)

    # ------------------------------------------------------------------------------------ events
    def _on_rs(self, event_type, rs, old) -> None:
        self.queue.add(rs.key())

    def _on_pod(self, event_type, pod, old) -> None:
        ref = pod.metadata.controller_ref()
        if ref is not None:
            if ref.kind == "ReplicaSet":
                self.queue.add(f"{pod.metadata.namespace}/{ref.name}")
            return
        if event_type != "DELETED":  # an orphan: any ReplicaSet whose selector matches may adopt it
            for rs in self.store.list("replicasets", namespace=pod.metadata.namespace):
                if selector_matches(rs.spec.selector, pod.metadata.labels):
                    self.queue.add(rs.key())

    # -------------------------------------------------------------------------------------- sync
    def claim_pods(self, rs: ReplicaSet) -> list:
        owned = [p for p in self.store.by_index("pods", OWNER_INDEX, rs.metadata.uid)]
        if rs.metadata.deletion_timestamp is None:
            for p in self.store.by_index("pods", ORPHAN_INDEX, rs.metadata.namespace):
                if p.metadata.deletion_timestamp is None \
                        and selector_matches(rs.spec.selector, p.metadata.labels):
                    adopted = p.copy()
                    adopted.metadata.owner_references.append(owner_reference(rs))
                    owned.append(self.store.update(adopted))
        return owned

    def sync(self, key: str) -> None:
        ns, name = split_key(key)
        rs = self.store.try_get("replicasets", ns, name)
        if rs is None:
            return
        pods = self.claim_pods(rs)
        active = [p for p in pods if p.is_active()]
        now = self.engine.now
        if rs.metadata.deletion_timestamp is None:
            diff = len(active) - rs.spec.replicas
            if diff < 0:
                self._create(rs, min(-diff, self.burst))
            elif diff > 0:
                for victim in get_pods_to_delete(active, None, min(diff, self.burst), now):
                    self.store.delete("pods", victim.metadata.namespace, victim.metadata.name)
                    self.engine.log.record(now, self.name, "SuccessfulDelete", rs.key(),
                                           f"Deleted pod: {victim.metadata.name}")
        self._update_status(rs, pods)

    def _create(self, rs: ReplicaSet, count: int) -> None:
        now = self.engine.now
        for batch in slow_start_batches(count):
            for _ in range(batch):
                pod = self.store.create(pod_from_template(rs.spec.template, rs))
                self.engine.log.record(now, self.name, "SuccessfulCreate", rs.key(),
                                       f"Created pod: {pod.metadata.name}")

    def _update_status(self, rs: ReplicaSet, pods: list) -> None:
        now = self.engine.now
        active = [p for p in pods if p.is_active()]
        labels = rs.spec.template.labels
        fully = sum(1 for p in active if all(p.metadata.labels.get(k) == v for k, v in labels.items()))
        ready = sum(1 for p in active if p.is_ready())
        available = sum(1 for p in active if is_pod_available(p, rs.spec.min_ready_seconds, now))
        terminating = sum(1 for p in pods if p.metadata.deletion_timestamp is not None)
        st = rs.status
        new = (len(active), fully, ready, available, terminating, rs.metadata.generation)
        if (st.replicas, st.fully_labeled_replicas, st.ready_replicas, st.available_replicas,
                st.terminating_replicas, st.observed_generation) != new:
            upd = rs.copy()
            (upd.status.replicas, upd.status.fully_labeled_replicas, upd.status.ready_replicas,
             upd.status.available_replicas, upd.status.terminating_replicas,
             upd.status.observed_generation) = new
            self.store.update_status(upd)
        if rs.spec.min_ready_seconds > 0 and ready > available:
            # re-check when the next ready pod becomes available (AddAfter)
            times = [p.ready_since() + rs.spec.min_ready_seconds for p in active
                     if p.is_ready() and not is_pod_available(p, rs.spec.min_ready_seconds, now)]
            if times:  # availability is strictly after ready + minReadySeconds (metav1.Time.Before)
                self.queue.add_at(rs.key(), math.nextafter(min(times), math.inf))


def new_controller(engine, store, spec=None) -> ReplicaSetController:
    return ReplicaSetController(engine, store)
