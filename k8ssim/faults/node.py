"""The ``nodeFailure`` fault: a node's kubelet stops at ``at`` and, with ``duration``, comes back.

A stopped kubelet renews no heartbeat (its Lease keeps the last real renewal) and posts no pod status;
containers keep running. The node lifecycle controller then marks the node Ready=Unknown after the
grace period and taints it ``node.kubernetes.io/unreachable``; the taint eviction controller deletes
its pods once their tolerationSeconds have passed (they stay Terminating while nobody can confirm).

:class:`FaultInjector` schedules the faults; it calls ``Kubelets.fail_node(name)`` /
``Kubelets.recover_node(name)`` (:mod:`k8ssim.node.kubelet`).
"""
from __future__ import annotations

from typing import Optional


SOURCE = "fault-injector"


class FaultInjector:
    """Schedules ``spec.faults``: ``FaultInjector(engine, store, spec, kubelets).start()``."""

    def __init__(self, engine, store, spec, kubelets):
        self.engine = engine
        self.store = store
        self.spec = spec
        self.kubelets = kubelets

    def start(self) -> None:
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
        getattr(self.kubelets, method)(node)
