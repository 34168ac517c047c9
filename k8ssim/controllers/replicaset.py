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
from k8ssim.controllers.controller_utils import (BURST_REPLICAS, get_pods_to_delete,
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


class _Counts:
    """What a ReplicaSet's status counts, kept from the pod watch (no scan of all its pods per sync)."""

    __slots__ = ("active", "ready", "labeled", "terminating")

    def __init__(self):
        self.active = self.ready = self.labeled = self.terminating = 0


class ReplicaSetController:
    """``ReplicaSetController``. Status counts are kept incrementally from pod events; the pods are
    listed (through the owner index) only when replicas must be created or deleted, when
    minReadySeconds makes availability time-dependent, or to adopt orphans. ``expectations`` (upstream
    ``ControllerExpectations``) hold further creates/deletes back until the watch has shown the
    previous ones, which matters when the store's watch latency is above zero."""

    name = "replicaset-controller"

    def __init__(self, engine, store, *, burst_replicas: int = BURST_REPLICAS):
        self.engine = engine
        self.store = store
        self.burst = burst_replicas
        self.queue = WorkQueue(engine, self.sync, name=self.name)
        self.counts: dict = {}  # rs uid -> _Counts
        self.template_labels: dict = {}  # rs uid -> template labels
        self.expectations: dict = {}  # rs uid -> [adds, deletes] not yet observed

    def start(self) -> None:
        ensure_pod_indexes(self.store)
        self.store.watch("replicasets", self._on_rs)
        self.store.watch("pods", self._on_pod)

    # ------------------------------------------------------------------------------------ events
    def _on_rs(self, event_type, rs, old) -> None:
        uid = rs.metadata.uid
        if event_type == "DELETED":
            self.counts.pop(uid, None)
            self.template_labels.pop(uid, None)
            self.expectations.pop(uid, None)
        else:
            labels = rs.spec.template.labels
            if uid in self.template_labels and self.template_labels[uid] != labels:
                self.template_labels[uid] = labels
                self._recount(rs)
            self.template_labels[uid] = labels
        self.queue.add(rs.key())

    def _contribute(self, pod, sign: int) -> None:
        ref = pod.metadata.controller_ref()
        if ref is None or ref.kind != "ReplicaSet":
            return
        c = self.counts.get(ref.uid)
        if c is None:
            c = self.counts[ref.uid] = _Counts()
        if pod.metadata.deletion_timestamp is not None:
            c.terminating += sign
        if pod.status.phase in ("Succeeded", "Failed") or pod.metadata.deletion_timestamp is not None:
            return
        c.active += sign
        if pod.is_ready():
            c.ready += sign
        labels = self.template_labels.get(ref.uid)
        if not labels or all(pod.metadata.labels.get(k) == v for k, v in labels.items()):
            c.labeled += sign

    def _recount(self, rs) -> None:
        self.counts[rs.metadata.uid] = _Counts()
        for p in self.store.by_index("pods", OWNER_INDEX, rs.metadata.uid):
            self._contribute(p, 1)

    def _observe(self, uid: str, kind: int) -> None:
        exp = self.expectations.get(uid)
        if exp is not None and exp[kind] > 0:
            exp[kind] -= 1

    def _on_pod(self, event_type, pod, old) -> None:
        if old is not None:
            self._contribute(old, -1)
        if event_type != "DELETED":
            self._contribute(pod, 1)
        ref = pod.metadata.controller_ref()
        if ref is not None:
            if ref.kind == "ReplicaSet":
                if event_type == "ADDED":
                    self._observe(ref.uid, 0)
                elif (event_type == "DELETED" and (old is None or old.metadata.deletion_timestamp is None)) or (
                        old is not None and old.metadata.deletion_timestamp is None
                        and pod.metadata.deletion_timestamp is not None):
                    self._observe(ref.uid, 1)  # DeletionObserved: deleted, or now terminating
                self.queue.add(f"{pod.metadata.namespace}/{ref.name}")
            return
        if event_type != "DELETED":  # an orphan: any ReplicaSet whose selector matches may adopt it
            for rs in self.store.list("replicasets", namespace=pod.metadata.namespace):
                if selector_matches(rs.spec.selector, pod.metadata.labels):
                    self.queue.add(rs.key())

    # -------------------------------------------------------------------------------------- sync
    def adopt_orphans(self, rs: ReplicaSet) -> int:
        n = 0
        if rs.metadata.deletion_timestamp is None:
            for p in self.store.by_index("pods", ORPHAN_INDEX, rs.metadata.namespace):
                if p.metadata.deletion_timestamp is None \
                        and selector_matches(rs.spec.selector, p.metadata.labels):
                    adopted = p.copy()
                    adopted.metadata.owner_references.append(owner_reference(rs))
                    self.store.update(adopted)
                    n += 1
        return n

    def claim_pods(self, rs: ReplicaSet) -> list:
        """The pods the ReplicaSet owns (after adopting matching orphans), from the store."""
        self.adopt_orphans(rs)
        return list(self.store.by_index("pods", OWNER_INDEX, rs.metadata.uid))

    def sync(self, key: str) -> None:
        ns, name = split_key(key)
        rs = self.store.try_get("replicasets", ns, name)
        if rs is None:
            return
        uid = rs.metadata.uid
        if uid not in self.counts:
            self.template_labels[uid] = rs.spec.template.labels
            self._recount(rs)
        now = self.engine.now
        if rs.metadata.deletion_timestamp is None:
            if self.adopt_orphans(rs):
                return  # the adoptions' events re-queue this key with the counts updated
            exp = self.expectations.get(uid)
            if (exp is None or exp == [0, 0]) and self.counts[uid].active != rs.spec.replicas:
                self._manage(rs, now)
        self._update_status(rs)

    def _manage(self, rs: ReplicaSet, now: float) -> None:
        """``manageReplicas`` on a consistent read of the owned pods."""
        pods = list(self.store.by_index("pods", OWNER_INDEX, rs.metadata.uid))
        active = [p for p in pods if p.is_active()]
        diff = len(active) - rs.spec.replicas
        exp = self.expectations.setdefault(rs.metadata.uid, [0, 0])
        if diff < 0:
            n = min(-diff, self.burst)
            exp[0] += n
            self._create(rs, n)
        elif diff > 0:
            victims = get_pods_to_delete(active, None, min(diff, self.burst), now)
            exp[1] += len(victims)
            for victim in victims:
                self.store.delete("pods", victim.metadata.namespace, victim.metadata.name)
                self.engine.log.record(now, self.name, "SuccessfulDelete", rs.key(),
                                       f"Deleted pod: {victim.metadata.name}")

    def _create(self, rs: ReplicaSet, count: int) -> None:
        now = self.engine.now
        for batch in slow_start_batches(count):
            for _ in range(batch):
                pod = self.store.create(pod_from_template(rs.spec.template, rs))
                self.engine.log.record(now, self.name, "SuccessfulCreate", rs.key(),
                                       f"Created pod: {pod.metadata.name}")

    def _update_status(self, rs: ReplicaSet) -> None:
        now = self.engine.now
        c = self.counts[rs.metadata.uid]
        min_ready = rs.spec.min_ready_seconds
        if min_ready == 0:
            available = c.ready
            waits = []
        else:  # availability depends on time: look at the ready pods
            ready_times = [p.ready_since() for p in self.store.by_index("pods", OWNER_INDEX, rs.metadata.uid)
                           if p.is_active() and p.is_ready()]
            available = sum(1 for t in ready_times if t + min_ready < now)
            waits = [t + min_ready for t in ready_times if not t + min_ready < now]
        st = rs.status
        new = (c.active, c.labeled, c.ready, available, c.terminating, rs.metadata.generation)
        if (st.replicas, st.fully_labeled_replicas, st.ready_replicas, st.available_replicas,
                st.terminating_replicas, st.observed_generation) != new:
            upd = rs.copy()
            (upd.status.replicas, upd.status.fully_labeled_replicas, upd.status.ready_replicas,
             upd.status.available_replicas, upd.status.terminating_replicas,
             upd.status.observed_generation) = new
            self.store.update_status(upd)
        if waits:  # availability is strictly after ready + minReadySeconds (metav1.Time.Before)
            self.queue.add_at(rs.key(), math.nextafter(min(waits), math.inf))


def new_controller(engine, store, spec=None) -> ReplicaSetController:
    return ReplicaSetController(engine, store)
