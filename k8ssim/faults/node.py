"""The ``nodeFailure`` fault: a node's kubelet stops at ``at`` and, with ``duration``, comes back.

A stopped kubelet renews no heartbeat (its Lease keeps the last real renewal) and posts no pod status;
containers keep running. The node lifecycle controller then marks the node Ready=Unknown after the
grace period and taints it ``node.kubernetes.io/unreachable``; the taint eviction controller deletes
its pods once their tolerationSeconds have passed (they stay Terminating while nobody can confirm).

:class:`FaultInjector` schedules the faults; it calls ``Kubelets.fail_node(name)`` /
``Kubelets.recover_node(name)``. Until the kubelet has them, :func:`install_fallback` provides both
(and the per-node Lease the kubelet creates at registration) on the Kubelets object.
"""
from __future__ import annotations

from typing import Optional

from k8ssim.api.coordination import (NODE_LEASE_DURATION_SECONDS, NODE_LEASE_NAMESPACE,
                                     NODE_LEASE_RENEW_INTERVAL_FRACTION, Lease, LeaseSpec)
from k8ssim.api.core import NodeCondition
from k8ssim.api.meta import ObjectMeta

SOURCE = "fault-injector"
RENEW_INTERVAL = NODE_LEASE_DURATION_SECONDS * NODE_LEASE_RENEW_INTERVAL_FRACTION  # 10 s


class FaultInjector:
    """Schedules ``spec.faults``: ``FaultInjector(engine, store, spec, kubelets).start()``."""

    def __init__(self, engine, store, spec, kubelets):
        self.engine = engine
        self.store = store
        self.spec = spec
        self.kubelets = kubelets
        self.fallback: Optional[_KubeletFallback] = None

    def start(self) -> None:
        if not hasattr(self.kubelets, "fail_node"):
            self.fallback = install_fallback(self.kubelets)
        for entry in getattr(self.spec, "faults", None) or ():
            nf = entry.nodeFailure
            if nf is not None:
                self.engine.call_at(max(entry.at, self.engine.now), self._fail, nf.node, nf.duration)

    def _fail(self, node: str, duration: Optional[float]) -> None:
        now = self.engine.now
        if self.store.try_get("nodes", None, node) is None:
            self.engine.log.record(now, SOURCE, "NodeFailureSkipped", node, f'node "{node}" does not exist')
            return
        msg = "kubelet stopped" + (f" for {duration:g}s" if duration else "")
        self.engine.log.record(now, SOURCE, "NodeFailure", node, msg)
        self._call("fail_node", node)
        if duration:
            self.engine.call_at(now + duration, self._recover, node)

    def _recover(self, node: str) -> None:
        if self.store.try_get("nodes", None, node) is None:
            return
        self.engine.log.record(self.engine.now, SOURCE, "NodeRecovery", node, "kubelet started")
        self._call("recover_node", node)

    def _call(self, method: str, node: str) -> None:
        if self.fallback is not None:
            getattr(self.fallback, method)(node)
        else:
            getattr(self.kubelets, method)(node)


# ------------------------------------------------------------------------------------- fallback


def install_fallback(kubelets) -> "_KubeletFallback":
    """Give a Kubelets object without heartbeats a Lease per node and ``fail_node``/``recover_node``.
    Idempotent; returns the helper."""
    fb = getattr(kubelets, "_k8ssim_fault_fallback", None)
    if fb is None:
        fb = _KubeletFallback(kubelets)
        kubelets._k8ssim_fault_fallback = fb
        fb.install()
    return fb


class _KubeletFallback:
    """What the kubelet does for node failure, from the outside: Leases (renew_time = registration,
    interval 10 s), and a stopped kubelet that ignores its pods (``_admit``/``_stop`` and the scheduled
    steps, which read the pod through ``_current``, do nothing for pods of a failed node)."""

    def __init__(self, kubelets):
        self.k = kubelets
        self.engine = kubelets.engine
        self.store = kubelets.store
        self.failed: set = set()
        self.deferred_stops: dict = {}  # node -> [pod] whose stop was skipped while failed

    def install(self) -> None:
        k = self.k
        orig_current, orig_admit, orig_stop = k._current, k._admit, k._stop
        self._orig_stop = orig_stop
        failed = self.failed

        def _current(ns, name, uid):
            pod = orig_current(ns, name, uid)
            if pod is not None and pod.spec.node_name in failed:
                return None
            return pod

        def _admit(pod):
            if pod.spec.node_name in failed:
                k._started.discard(pod.metadata.uid)  # admitted when the kubelet is back
                return
            orig_admit(pod)

        def _stop(pod):
            if pod.spec.node_name in failed:
                self.deferred_stops.setdefault(pod.spec.node_name, []).append(pod)
                return
            orig_stop(pod)

        k._current, k._admit, k._stop = _current, _admit, _stop
        self.store.watch("nodes", self._on_node)
        for node in self.store.list("nodes"):
            self._ensure_lease(node.metadata.name)

    def _on_node(self, event_type, node, old) -> None:
        if event_type == "ADDED":
            self._ensure_lease(node.metadata.name)

    def _ensure_lease(self, name: str) -> None:
        if self.store.try_get("leases", NODE_LEASE_NAMESPACE, name) is not None:
            return
        now = self.engine.now
        self.store.create(Lease(metadata=ObjectMeta(name=name, namespace=NODE_LEASE_NAMESPACE),
                                spec=LeaseSpec(holder_identity=name, acquire_time=now, renew_time=now,
                                               renew_interval_seconds=RENEW_INTERVAL)))

    def fail_node(self, name: str) -> None:
        if name in self.failed:
            return
        self.failed.add(name)
        lease = self.store.try_get("leases", NODE_LEASE_NAMESPACE, name)
        if lease is not None and lease.spec.renew_interval_seconds > 0:
            upd = lease.copy()
            upd.spec = LeaseSpec(lease.spec.holder_identity, lease.spec.lease_duration_seconds,
                                 lease.spec.acquire_time, lease.last_renewal(self.engine.now), 0.0)
            self.store.update(upd)

    def recover_node(self, name: str) -> None:
        if name not in self.failed:
            return
        self.failed.discard(name)
        now = self.engine.now
        lease = self.store.try_get("leases", NODE_LEASE_NAMESPACE, name)
        if lease is not None:
            upd = lease.copy()
            upd.spec = LeaseSpec(lease.spec.holder_identity, lease.spec.lease_duration_seconds,
                                 lease.spec.acquire_time, now, RENEW_INTERVAL)
            self.store.update(upd)
        node = self.store.try_get("nodes", None, name)
        if node is not None:  # the kubelet posts its status: Ready again
            upd = node.copy()
            conds = [c for c in upd.status.conditions if c.type != "Ready"]
            old = node.status.condition("Ready")
            ltt = old.last_transition_time if old is not None and old.status == "True" else now
            conds.insert(0, NodeCondition("Ready", "True", now, ltt, "KubeletReady", "kubelet is posting ready status"))
            upd.status.conditions = [c if c.type not in ("MemoryPressure", "DiskPressure", "PIDPressure")
                                     else NodeCondition(c.type, "False", now, now, "KubeletHasSufficient" +
                                                        {"MemoryPressure": "Memory", "DiskPressure": "Disk",
                                                         "PIDPressure": "PID"}[c.type], "")
                                     for c in conds]
            self.store.update_status(upd)
        # pod sync after restart: finish deletions, restore readiness, admit pods bound meanwhile
        for pod in self.deferred_stops.pop(name, []):
            cur = self.store.try_get("pods", pod.metadata.namespace, pod.metadata.name)
            if cur is not None and cur.metadata.uid == pod.metadata.uid:
                self._orig_stop(cur)
        for pod in self.store.by_index("pods", "spec.nodeName", name) if self._has_index() else []:
            if pod.metadata.deletion_timestamp is not None:
                continue
            if pod.status.phase == "Pending" and pod.metadata.uid not in self.k._started:
                self.k._started.add(pod.metadata.uid)
                self.k._admit(pod)
            elif pod.status.phase == "Running" and not pod.is_ready() and all(
                    cs.state == "running" for cs in pod.status.container_statuses):
                c = pod.status.condition("Ready")
                if c is not None and c.reason == "" and pod.status.condition("ContainersReady") is not None \
                        and pod.status.condition("ContainersReady").status == "True":
                    upd = pod.copy()
                    upd.status.set_condition("Ready", "True", now)
                    self.store.update_status(upd)

    def _has_index(self) -> bool:
        return bool(getattr(self.store, "_k8ssim_node_name_index", False))
