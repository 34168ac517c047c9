"""The recorder: watches the store like any component and keeps plain column data for the result
tables (no pandas here — tables are built only when asked for).

Tables: ``pods`` (one row per pod), ``nodes`` (one row per node), ``node_usage`` and ``workloads``
(sampled every ``sampleInterval``). The ``events`` table comes from the engine's event log.
"""
from __future__ import annotations

from k8ssim.api.resources import pod_requests

POD_COLUMNS = [
    "namespace", "name", "uid", "owner_kind", "owner_name", "node", "phase", "priority", "qos_class",
    "cpu_request_m", "memory_request_bytes", "created", "scheduled", "started", "ready", "finished",
    "terminating", "deleted", "restarts", "reason",
]
NODE_COLUMNS = [
    "name", "pool", "zone", "instance_type", "cpu_allocatable_m", "memory_allocatable_bytes", "pods_allocatable",
    "created", "deleted", "unschedulable",
]
NODE_USAGE_COLUMNS = [
    "time", "node", "pods", "cpu_requested_m", "memory_requested_bytes", "cpu_allocatable_m",
    "memory_allocatable_bytes",
]
WORKLOAD_COLUMNS = ["time", "kind", "namespace", "name", "desired", "current", "ready", "available", "updated"]

_WORKLOADS = ("deployments", "replicasets", "statefulsets", "daemonsets", "jobs")


class Recorder:
    def __init__(self, engine, store, *, sample_interval: float):
        self.engine = engine
        self.store = store
        self.sample_interval = sample_interval
        self.pods: dict = {}  # uid -> row dict
        self.nodes: dict = {}  # name -> row dict
        self.node_usage: list = []
        self.workloads: list = []
        self._bound: dict = {}  # uid -> (node, cpu, mem) while the pod holds resources on a node
        self._node_req: dict = {}  # node -> [pods, cpu, mem]

    def start(self) -> None:
        self.store.watch("pods", self._on_pod)
        self.store.watch("nodes", self._on_node)
        self.engine.every(self.sample_interval, self.sample, start=0.0)

    # ------------------------------------------------------------------------------------ nodes
    def _on_node(self, event_type, node, old) -> None:
        name = node.metadata.name
        now = self.engine.now
        row = self.nodes.get(name)
        if row is None:
            labels = node.metadata.labels
            row = self.nodes[name] = {
                "name": name,
                "pool": labels.get("k8ssim.io/pool", ""),
                "zone": labels.get("topology.kubernetes.io/zone", ""),
                "instance_type": labels.get("node.kubernetes.io/instance-type", ""),
                "cpu_allocatable_m": node.status.allocatable.get("cpu", 0),
                "memory_allocatable_bytes": node.status.allocatable.get("memory", 0),
                "pods_allocatable": node.status.allocatable.get("pods", 0),
                "created": node.metadata.creation_timestamp if node.metadata.creation_timestamp is not None else now,
                "deleted": None,
                "unschedulable": node.spec.unschedulable,
            }
            self._node_req.setdefault(name, [0, 0, 0])
        row["unschedulable"] = node.spec.unschedulable
        if event_type == "DELETED":
            row["deleted"] = now

    # ------------------------------------------------------------------------------------- pods
    def _on_pod(self, event_type, pod, old) -> None:
        uid = pod.metadata.uid
        now = self.engine.now
        row = self.pods.get(uid)
        if row is None:
            ref = pod.metadata.controller_ref()
            req = pod_requests(pod.spec)
            row = self.pods[uid] = {
                "namespace": pod.metadata.namespace, "name": pod.metadata.name, "uid": uid,
                "owner_kind": ref.kind if ref else "", "owner_name": ref.name if ref else "",
                "node": "", "phase": pod.status.phase, "priority": pod.spec.priority or 0, "qos_class": "",
                "cpu_request_m": req.get("cpu", 0), "memory_request_bytes": req.get("memory", 0),
                "created": pod.metadata.creation_timestamp if pod.metadata.creation_timestamp is not None else now,
                "scheduled": None, "started": None, "ready": None, "finished": None, "terminating": None,
                "deleted": None,
                "restarts": 0, "reason": "",
            }
        st = pod.status
        row["phase"] = st.phase
        if st.qos_class:
            row["qos_class"] = st.qos_class
        if pod.spec.node_name and row["scheduled"] is None:
            row["node"] = pod.spec.node_name
            row["scheduled"] = now
        if st.phase == "Running" and row["started"] is None:
            row["started"] = now
        if row["ready"] is None and pod.is_ready():
            row["ready"] = now
        if st.phase in ("Succeeded", "Failed") and row["finished"] is None:
            row["finished"] = now
        if row["terminating"] is None and pod.metadata.deletion_timestamp is not None:
            row["terminating"] = now
        if st.reason:
            row["reason"] = st.reason
        row["restarts"] = sum(cs.restart_count for cs in st.container_statuses)
        holds = bool(pod.spec.node_name) and event_type != "DELETED" and st.phase not in ("Succeeded", "Failed")
        self._account(uid, pod.spec.node_name if holds else None, row)
        if event_type == "DELETED":
            row["deleted"] = now

    def _account(self, uid: str, node, row) -> None:
        prev = self._bound.get(uid)
        if prev is not None and prev[0] == node:
            return
        if prev is not None:
            acc = self._node_req.get(prev[0])
            if acc is not None:
                acc[0] -= 1
                acc[1] -= prev[1]
                acc[2] -= prev[2]
            del self._bound[uid]
        if node:
            acc = self._node_req.setdefault(node, [0, 0, 0])
            acc[0] += 1
            acc[1] += row["cpu_request_m"]
            acc[2] += row["memory_request_bytes"]
            self._bound[uid] = (node, row["cpu_request_m"], row["memory_request_bytes"])

    # ---------------------------------------------------------------------------------- samples
    def sample(self) -> None:
        now = self.engine.now
        for name in sorted(self.nodes):
            row = self.nodes[name]
            if row["deleted"] is not None:
                continue
            acc = self._node_req.get(name, (0, 0, 0))
            self.node_usage.append((now, name, acc[0], acc[1], acc[2], row["cpu_allocatable_m"],
                                    row["memory_allocatable_bytes"]))
        for resource in _WORKLOADS:
            for obj in self.store.list(resource):
                self.workloads.append((now, obj.kind, obj.metadata.namespace, obj.metadata.name,
                                       *workload_counts(obj)))

    def node_requested(self, name: str) -> tuple:
        return tuple(self._node_req.get(name, (0, 0, 0)))


def workload_counts(obj) -> tuple:
    """(desired, current, ready, available, updated) as ``kubectl get`` shows them."""
    st = obj.status
    k = obj.kind
    if k == "Deployment":
        return (obj.spec.replicas, st.replicas, st.ready_replicas, st.available_replicas, st.updated_replicas)
    if k == "ReplicaSet":
        return (obj.spec.replicas, st.replicas, st.ready_replicas, st.available_replicas, st.replicas)
    if k == "StatefulSet":
        return (obj.spec.replicas, st.replicas, st.ready_replicas, st.available_replicas, st.updated_replicas)
    if k == "DaemonSet":
        return (st.desired_number_scheduled, st.current_number_scheduled, st.number_ready, st.number_available,
                st.updated_number_scheduled)
    if k == "Job":
        return (obj.spec.completions or 0, st.active, st.ready, st.succeeded, st.failed)
    return (0, 0, 0, 0, 0)
