"""kubelet + container runtime for every node of the cluster (``pkg/kubelet``), as one component
holding per-node state (a process per node would not scale to 5,000 nodes).

What it models now: a pod bound to a node is admitted, its images are pulled through the node's image
cache (``serializeImagePulls: true``: one pull at a time per node, size / node pull bandwidth;
``imagePullPolicy`` Always / IfNotPresent / Never), its sandbox and containers start after the
runtime's start latency, and the pod turns Running; Ready follows the readiness probe schedule
(the first successful probe at the first probe tick at or after ``initialDelaySeconds``; no probe →
Ready at start). Pods whose restartPolicy is not Always run for a run-time model and end Succeeded.
A pod with a deletion timestamp is stopped (preStop, then SIGTERM; the container exits after
``stopLatency``, at most the grace period) and then removed from the store (the kubelet's final
``grace 0`` delete). Pod IPs come from the node's pod CIDR.
"""
from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass, field
from typing import Optional

from k8ssim.api.core import ContainerStatus, Pod
from k8ssim.api.resources import pod_qos_class

SOURCE = "kubelet"


def normalized_image(name: str) -> str:
    """``image:latest`` when no tag or digest is given (docker reference normalisation)."""
    if "@" in name:
        return name
    if name.rfind(":") <= name.rfind("/"):
        return name + ":latest"
    return name


def first_probe_success(start: float, probe) -> float:
    """Time of the first probe tick at or after ``initialDelaySeconds`` (prober worker loop)."""
    if probe is None:
        return start
    period = max(probe.period_seconds, 1)
    delay = probe.initial_delay_seconds
    ticks = math.ceil(delay / period) if delay > 0 else 0
    # successThreshold consecutive successes are needed (1 for startup/liveness, ≥1 for readiness)
    return start + (ticks + max(probe.success_threshold, 1) - 1) * period


@dataclass
class NodeState:
    name: str
    images: dict = field(default_factory=dict)  # normalised image name -> size bytes
    pull_free_at: float = 0.0  # serialised image pulls
    cidr: Optional[ipaddress.IPv4Network] = None
    next_ip: int = 2
    free_ips: list = field(default_factory=list)


@dataclass
class KubeletConfig:
    pod_start_latency: float = 1.0
    image_pull_bandwidth: float = 100 * 1024 * 1024  # bytes/s
    default_image_size: int = 100 * 1024 * 1024
    stop_latency: float = 1.0
    default_run_duration: float = 10.0  # for restartPolicy Never/OnFailure pods without a run-time model


class Kubelets:
    """The kubelets of all nodes."""

    def __init__(self, engine, store, config: Optional[KubeletConfig] = None, image_sizes: Optional[dict] = None):
        self.engine = engine
        self.store = store
        self.config = config or KubeletConfig()
        self.image_sizes = {normalized_image(k): v for k, v in (image_sizes or {}).items()}
        self.nodes: dict[str, NodeState] = {}
        self._started: set = set()  # pod uids admitted by a kubelet
        self._stopping: set = set()
        self._ips: dict = {}  # pod uid -> (node, ip)

    def start(self) -> None:
        self.store.watch("nodes", self._on_node)
        self.store.watch("pods", self._on_pod)

    # ----------------------------------------------------------------------------------- nodes
    def _on_node(self, event_type, node, old) -> None:
        if event_type == "DELETED":
            self.nodes.pop(node.metadata.name, None)
            return
        st = self.nodes.get(node.metadata.name)
        if st is None:
            st = self.nodes[node.metadata.name] = NodeState(node.metadata.name)
            for img in node.status.images:
                for n in img.names:
                    st.images[normalized_image(n)] = img.size_bytes
            if node.spec.pod_cidr:
                st.cidr = ipaddress.ip_network(node.spec.pod_cidr, strict=False)

    def _allocate_ip(self, st: NodeState, uid: str) -> str:
        if st.cidr is None:
            return ""
        if st.free_ips:
            ip = st.free_ips.pop()
        else:
            if st.next_ip >= st.cidr.num_addresses - 1:
                return ""
            ip = str(st.cidr.network_address + st.next_ip)
            st.next_ip += 1
        self._ips[uid] = (st.name, ip)
        return ip

    # ------------------------------------------------------------------------------------ pods
    def _on_pod(self, event_type, pod: Pod, old) -> None:
        uid = pod.metadata.uid
        if event_type == "DELETED":
            self._started.discard(uid)
            self._stopping.discard(uid)
            owner = self._ips.pop(uid, None)
            if owner is not None and owner[0] in self.nodes:
                self.nodes[owner[0]].free_ips.append(owner[1])
            return
        node = pod.spec.node_name
        if not node or node not in self.nodes:
            return
        if pod.metadata.deletion_timestamp is not None:
            if uid not in self._stopping:
                self._stopping.add(uid)
                self._stop(pod)
            return
        if uid not in self._started and pod.status.phase == "Pending":
            self._started.add(uid)
            self._admit(pod)

    def _image_ready_at(self, st: NodeState, pod: Pod, now: float) -> float:
        """Pull every image the pod needs, serialised on the node; returns when the last one is there."""
        t = now
        for c in list(pod.spec.init_containers) + list(pod.spec.containers):
            img = normalized_image(c.image)
            present = img in st.images
            if c.image_pull_policy == "Never" or (present and c.image_pull_policy != "Always"):
                continue
            if present:  # Always with a cached image: a manifest check, no layer download
                continue
            size = self.image_sizes.get(img, self.config.default_image_size)
            begin = max(t, st.pull_free_at)
            done = begin + size / self.config.image_pull_bandwidth
            st.pull_free_at = done
            st.images[img] = size
            self.engine.log.record(begin, SOURCE, "Pulling", pod.key(), f'Pulling image "{c.image}"')
            t = done
        return t

    def _admit(self, pod: Pod) -> None:
        now = self.engine.now
        st = self.nodes[pod.spec.node_name]
        ready_images = self._image_ready_at(st, pod, now)
        started = ready_images + self.config.pod_start_latency
        # status.startTime is set when the kubelet first syncs the pod
        cur = pod.copy()
        cur.status.start_time = now
        cur.status.host_ip = st.name
        cur.status.qos_class = pod_qos_class(pod.spec)
        cur.status.set_condition("PodScheduled", "True", now)
        cur.status.container_statuses = [
            ContainerStatus(name=c.name, image=c.image, state="waiting", reason="ContainerCreating")
            for c in pod.spec.containers
        ]
        self.store.update_status(cur)
        self.engine.call_at(started, self._run, pod.metadata.namespace, pod.metadata.name, pod.metadata.uid)

    def _current(self, ns: str, name: str, uid: str) -> Optional[Pod]:
        pod = self.store.try_get("pods", ns, name)
        if pod is None or pod.metadata.uid != uid or pod.metadata.deletion_timestamp is not None:
            return None
        return pod

    def _run(self, ns: str, name: str, uid: str) -> None:
        pod = self._current(ns, name, uid)
        if pod is None:
            return
        now = self.engine.now
        st = self.nodes.get(pod.spec.node_name)
        if st is None:
            return
        cur = pod.copy()
        cur.status.phase = "Running"
        cur.status.pod_ip = self._allocate_ip(st, uid)
        cur.status.set_condition("PodReadyToStartContainers", "True", now)
        cur.status.set_condition("Initialized", "True", now)
        cur.status.container_statuses = [
            ContainerStatus(name=c.name, image=c.image, state="running", started=True, started_at=now)
            for c in pod.spec.containers
        ]
        ready_at = max((first_probe_success(now, c.readiness_probe) for c in pod.spec.containers), default=now)
        startup_at = max((first_probe_success(now, c.startup_probe) for c in pod.spec.containers), default=now)
        ready_at = max(ready_at, startup_at)
        if ready_at <= now:
            self._mark_ready(cur, now)
        else:
            cur.status.set_condition("ContainersReady", "False", now, "ContainersNotReady")
            cur.status.set_condition("Ready", "False", now, "ContainersNotReady")
            self.engine.call_at(ready_at, self._ready, ns, name, uid)
        self.store.update_status(cur)
        for c in pod.spec.containers:
            self.engine.log.record(now, SOURCE, "Started", pod.key(), f"Started container {c.name}")
        if pod.spec.restart_policy != "Always":
            self.engine.call_at(now + self.config.default_run_duration, self._complete, ns, name, uid)

    @staticmethod
    def _mark_ready(cur: Pod, now: float) -> None:
        for cs in cur.status.container_statuses:
            cs.ready = True
        cur.status.set_condition("ContainersReady", "True", now)
        cur.status.set_condition("Ready", "True", now)

    def _ready(self, ns: str, name: str, uid: str) -> None:
        pod = self._current(ns, name, uid)
        if pod is None or pod.status.phase != "Running":
            return
        cur = pod.copy()
        cur.status.container_statuses = [
            ContainerStatus(cs.name, cs.image, cs.ready, cs.started, cs.restart_count, cs.state, cs.reason,
                            cs.exit_code, cs.started_at, cs.finished_at) for cs in pod.status.container_statuses
        ]
        self._mark_ready(cur, self.engine.now)
        self.store.update_status(cur)

    def _complete(self, ns: str, name: str, uid: str) -> None:
        pod = self._current(ns, name, uid)
        if pod is None or pod.status.phase != "Running":
            return
        now = self.engine.now
        cur = pod.copy()
        cur.status.phase = "Succeeded"
        cur.status.container_statuses = [
            ContainerStatus(name=cs.name, image=cs.image, ready=False, started=False, restart_count=cs.restart_count,
                            state="terminated", reason="Completed", exit_code=0, started_at=cs.started_at,
                            finished_at=now)
            for cs in pod.status.container_statuses
        ]
        cur.status.set_condition("ContainersReady", "False", now, "PodCompleted")
        cur.status.set_condition("Ready", "False", now, "PodCompleted")
        self.store.update_status(cur)

    def _stop(self, pod: Pod) -> None:
        """Graceful termination: preStop + SIGTERM; the containers exit after ``stop_latency`` (capped by
        the grace period), then the kubelet removes the pod object."""
        now = self.engine.now
        grace = pod.metadata.deletion_grace_period_seconds
        if grace is None:
            grace = pod.spec.termination_grace_period_seconds or 0
        if pod.status.phase in ("Pending", "Succeeded", "Failed") and pod.status.pod_ip == "":
            delay = 0.0
        else:
            pre = max((c.pre_stop_sleep_seconds or 0 for c in pod.spec.containers), default=0)
            delay = min(pre + self.config.stop_latency, float(grace))
            for c in pod.spec.containers:
                self.engine.log.record(now, SOURCE, "Killing", pod.key(), f"Stopping container {c.name}")
        self.engine.call_at(now + delay, self._finalize, pod.metadata.namespace, pod.metadata.name,
                            pod.metadata.uid)

    def _finalize(self, ns: str, name: str, uid: str) -> None:
        pod = self.store.try_get("pods", ns, name)
        if pod is None or pod.metadata.uid != uid:
            return
        self.store.delete("pods", ns, name, grace_period_seconds=0, uid_precondition=uid)
