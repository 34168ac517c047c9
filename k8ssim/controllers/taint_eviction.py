"""Taint eviction controller: deletes pods from nodes with NoExecute taints they do not tolerate
(``pkg/controller/tainteviction/taint_eviction.go`` and ``timed_workers.go``).

* ``NodeUpdated``: when a node's NoExecute taints change, every pod on it is processed
  (``handleNodeUpdate``; all taints gone → every scheduled deletion is cancelled).
* ``PodUpdated``: a pod whose node or tolerations change (or that is added/deleted) is processed
  against its node's known NoExecute taints (``handlePodUpdate``).
* ``processPodOnNode`` (:func:`nodelifecycle_util.process_pod_on_node`): an untolerated taint →
  delete now; tolerated with ``tolerationSeconds`` → delete after the smallest of them (an earlier
  queued deletion keeps its creation time); tolerated forever → cancel.
* The deletion (``deletePodHandler``/``addConditionAndDeletePod``): event ``TaintManagerEviction``
  "Marking for deletion Pod <ns>/<name>", pod condition ``DisruptionTarget=True``
  (``DeletionByTaintManager``), then an ordinary graceful DELETE — on an unreachable node the pod then
  stays Terminating, as nobody confirms the kill. Cancelling a pending deletion emits
  "Cancelling deletion of Pod <ns>/<name>".

A timed worker fires ``fireAt − createdAt`` after it is added, as ``createWorker`` arms its timer.
"""
from __future__ import annotations

from typing import Optional

from k8ssim.controllers.nodelifecycle_util import no_execute_taints, process_pod_on_node

SOURCE = "taint-eviction-controller"
NODE_NAME_INDEX = "spec.nodeName"
REASON = "TaintManagerEviction"


def _node_name_index(pod) -> list:
    return [pod.spec.node_name] if pod.spec.node_name else []


def ensure_node_name_index(store) -> None:
    """Register the pods-by-node index (``spec.nodeName``, as the informer indexers upstream; idempotent)."""
    if not getattr(store, "_k8ssim_node_name_index", False):
        store.add_index("pods", NODE_NAME_INDEX, _node_name_index)
        store._k8ssim_node_name_index = True


def pods_on_node(store, node_name: str) -> list:
    return store.by_index("pods", NODE_NAME_INDEX, node_name)


class _Worker:
    __slots__ = ("created_at", "fire_at", "call")

    def __init__(self, created_at: float, fire_at: float, call):
        self.created_at = created_at
        self.fire_at = fire_at
        self.call = call


class TaintEvictionController:
    name = SOURCE

    def __init__(self, engine, store):
        self.engine = engine
        self.store = store
        self.tainted_nodes: dict = {}  # node name -> tuple of NoExecute taints
        self.workers: dict = {}  # "ns/name" -> _Worker, or None while the deletion runs
        self.deletions = 0

    def start(self) -> None:
        ensure_node_name_index(self.store)
        self.store.watch("nodes", self._on_node)
        self.store.watch("pods", self._on_pod)

    # ------------------------------------------------------------------------------------ events
    def _on_node(self, event_type, node, old) -> None:
        new_taints = () if event_type == "DELETED" else tuple(no_execute_taints(node.spec.taints))
        if event_type == "MODIFIED" and old is not None and tuple(no_execute_taints(old.spec.taints)) == new_taints:
            return
        self._handle_node_update(node.metadata.name, event_type == "DELETED")

    def _on_pod(self, event_type, pod, old) -> None:
        if event_type == "MODIFIED" and old is not None and old.spec.node_name == pod.spec.node_name \
                and tuple(old.spec.tolerations) == tuple(pod.spec.tolerations):
            return
        self._handle_pod_update(pod.metadata.namespace, pod.metadata.name, pod.spec.node_name)

    def _handle_node_update(self, node_name: str, deleted: bool) -> None:
        node = None if deleted else self.store.try_get("nodes", None, node_name)
        if node is None:
            self.tainted_nodes.pop(node_name, None)
            return
        taints = tuple(no_execute_taints(node.spec.taints))
        if taints:
            self.tainted_nodes[node_name] = taints
        else:
            self.tainted_nodes.pop(node_name, None)
        pods = pods_on_node(self.store, node_name)
        if not pods:
            return
        if not taints:
            for p in pods:
                self._cancel_with_event(p.key())
            return
        now = self.engine.now
        for p in pods:
            self._process_pod_on_node(p.key(), p.spec.tolerations, taints, now)

    def _handle_pod_update(self, ns: str, name: str, node_name: str) -> None:
        key = f"{ns}/{name}"
        pod = self.store.try_get("pods", ns, name)
        if pod is None:
            self._cancel_with_event(key)
            return
        if pod.spec.node_name != node_name or not node_name:
            return
        taints = self.tainted_nodes.get(node_name)
        if taints is None:
            return
        self._process_pod_on_node(key, pod.spec.tolerations, taints, self.engine.now)

    # ---------------------------------------------------------------------------- timed workers
    def _process_pod_on_node(self, key: str, tolerations, taints, now: float) -> None:
        worker = self.workers.get(key)
        queued = worker.created_at if worker is not None else None
        d = process_pod_on_node(tolerations, taints, now, queued)
        if d.action == "keep":
            return
        self._cancel_with_event(key)
        if d.action == "evict":
            self._add_work(key, d.created_at, d.fire_at)

    def _add_work(self, key: str, created_at: float, fire_at: float) -> None:
        if key in self.workers:
            return  # "Trying to add already existing work, skipping"
        delay = fire_at - created_at
        if delay <= 0:
            self.workers[key] = None
            self._fire(key, fire_at)
            return
        call = self.engine.call_later(delay, self._fire, key, fire_at)
        self.workers[key] = _Worker(created_at, fire_at, call)

    def _cancel_with_event(self, key: str) -> None:
        """``cancelWorkWithEvent``: the event only when a pending timer was stopped."""
        if key not in self.workers:
            return
        worker = self.workers.pop(key)
        if worker is not None:
            worker.call.cancel()
            self.engine.log.record(self.engine.now, SOURCE, REASON, key, f"Cancelling deletion of Pod {key}")

    def _fire(self, key: str, fire_at: float) -> None:
        self.workers[key] = None
        ns, _, name = key.partition("/")
        self.engine.log.record(self.engine.now, SOURCE, REASON, key, f"Marking for deletion Pod {key}")
        try:
            self._add_condition_and_delete(ns, name)
        finally:
            self.workers.pop(key, None)

    def _add_condition_and_delete(self, ns: str, name: str) -> Optional[object]:
        pod = self.store.try_get("pods", ns, name)
        if pod is None:
            return None
        now = self.engine.now
        c = pod.status.condition("DisruptionTarget")
        if c is None or (c.status, c.reason) != ("True", "DeletionByTaintManager"):
            upd = pod.copy()
            upd.status.set_condition("DisruptionTarget", "True", now, "DeletionByTaintManager",
                                     "Taint manager: deleting due to NoExecute taint")
            self.store.update_status(upd)
        self.deletions += 1
        return self.store.delete("pods", ns, name)


def new_controller(engine, store, spec=None) -> TaintEvictionController:
    return TaintEvictionController(engine, store)
