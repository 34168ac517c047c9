"""kubelet + container runtime for every node of the cluster (``pkg/kubelet``), as one component
holding per-node state (a process per node would not scale to 5,000 nodes).

* Registration: a node seen for the first time gets its ``Lease`` in ``kube-node-lease``
  (:mod:`k8ssim.node.lease`); :meth:`Kubelets.fail_node` / :meth:`Kubelets.recover_node` stop and
  restart that kubelet (containers keep running meanwhile; no probes, restarts or status writes).
* Admission (``pkg/kubelet/lifecycle``, eviction admit handler): a BestEffort pod is rejected (Failed,
  ``Evicted``) while the node has MemoryPressure.
* Pod start: sandbox (runtime profile, :mod:`k8ssim.node.runtime`; the pod IP from the node's pod
  CIDR), then containers (:mod:`k8ssim.node.podworker`) whose images come through the node's cache:
  ``serializeImagePulls: true`` — one pull at a time per node, size / pull bandwidth;
  ``imagePullPolicy`` Always / IfNotPresent / Never (``ErrImageNeverPull``).
* Status (``pkg/kubelet/status``): phase from ``getPhase``, container statuses, conditions
  PodReadyToStartContainers / Initialized / ContainersReady / Ready, written when something changes;
  writes that fail while the apiserver is down are retried every 10 s (status manager ``syncPeriod``).
* ``activeDeadlineSeconds``: the pod is killed and Failed with reason ``DeadlineExceeded``.
* Deletion: containers stopped gracefully (preStop, SIGTERM, SIGKILL at the grace period), the final
  phase written, then the pod removed from the store (the kubelet's ``grace 0`` delete).
* Memory pressure eviction (:mod:`k8ssim.node.pressure`).
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Callable, Optional

from k8ssim.api.core import NodeCondition, Pod
from k8ssim.api.resources import pod_qos_class
from k8ssim.node import pressure as P
from k8ssim.node.backoff import crash_loop_key, new_crash_loop_backoff
from k8ssim.node.behavior import Behaviors
from k8ssim.node.eviction import EvictionManager
from k8ssim.node.lease import new_node_lease, renewing, stopped
from k8ssim.node.podworker import SOURCE, PodWorkers
from k8ssim.node.probes import first_probe_success  # noqa: F401  (public name, re-exported)
from k8ssim.node.runtime import resolve_profile
from k8ssim.node.status import RUNNING, TERMINATED, WAITING, Ctr, get_phase
from k8ssim.store.errors import AlreadyExists, NotFound, ServiceUnavailable, StoreError

STATUS_RETRY_PERIOD = 10.0  # status manager syncPeriod


def normalized_image(name: str) -> str:
    """``image:latest`` when no tag or digest is given (docker reference normalisation)."""
    if "@" in name:
        return name
    if name.rfind(":") <= name.rfind("/"):
        return name + ":latest"
    return name


@dataclass
class KubeletConfig:
    pod_start_latency: Optional[float] = None  # None: the runtime profile's sandbox + container figures
    container_runtime: str = "containerd"  # containerd | cri-o (runtime.PROFILES)
    image_pull_bandwidth: float = 100 * 1024 * 1024  # bytes/s
    default_image_size: int = 100 * 1024 * 1024
    stop_latency: float = 1.0  # SIGTERM -> process exit of a well-behaved application
    default_run_duration: float = 10.0  # regular containers of restartPolicy Never/OnFailure pods, no rule
    default_init_run_duration: float = 0.0  # init containers without a run-time model
    memory_eviction: bool = True


@dataclass
class NodeState:
    name: str
    uid: str = ""
    images: dict = field(default_factory=dict)  # normalised image -> time it is on the node
    pull_free_at: float = 0.0  # serialised image pulls
    cidr: Optional[ipaddress.IPv4Network] = None
    next_ip: int = 2
    free_ips: list = field(default_factory=list)
    failed: bool = False
    pods: dict = field(default_factory=dict)  # uid -> PodRT
    backoff: object = None
    allocatable_memory: int = 0
    origin: float = 0.0  # registration time: eviction-manager passes at origin + k * 10 s
    mem_c: float = 0.0  # pod working set = mem_c + mem_g * t
    mem_g: float = 0.0
    pressure: bool = False
    last_observed: Optional[float] = None
    pressure_call: object = None
    pressure_at: Optional[float] = None

    def memory_usage(self, t: float) -> float:
        return self.mem_c + self.mem_g * t


@dataclass
class PodRT:
    """A pod as its node's kubelet knows it."""

    uid: str
    namespace: str
    name: str
    node: str
    pod: Pod
    inits: list = field(default_factory=list)
    regular: list = field(default_factory=list)
    sandbox: bool = False
    initialized: bool = False
    ip: str = ""
    start_time: float = 0.0
    terminating: bool = False  # being deleted
    terminal: bool = False  # no container will run again
    gone: bool = False  # forgotten (object deleted and containers gone)
    orphaned: bool = False  # the object was deleted while the kubelet was down
    killing_then: Optional[Callable] = None
    phase: str = "Pending"
    reason: str = ""
    message: str = ""
    disruption: Optional[tuple] = None  # DisruptionTarget (reason, message)
    timers: list = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"

    @property
    def restart_policy(self) -> str:
        return self.pod.spec.restart_policy


class Kubelets(PodWorkers, EvictionManager):
    """The kubelets of all nodes."""

    def __init__(self, engine, store, config: Optional[KubeletConfig] = None, image_sizes: Optional[dict] = None,
                 behaviors=None):
        self.engine = engine
        self.store = store
        self.config = config or KubeletConfig()
        self.profile = resolve_profile(self.config.container_runtime, self.config.pod_start_latency)
        self.image_sizes = {normalized_image(k): v for k, v in (image_sizes or {}).items()}
        self.behaviors = behaviors if isinstance(behaviors, Behaviors) else Behaviors(behaviors, store)
        self.nodes: dict[str, NodeState] = {}
        self._by_uid: dict[str, PodRT] = {}
        self._unsynced: dict[str, PodRT] = {}  # status writes waiting for the apiserver
        self._retry_call = None
        self._rngs: dict = {}

    def start(self) -> None:
        self.store.watch("nodes", self._on_node)
        self.store.watch("pods", self._on_pod)

    def _rng(self, st: NodeState):
        g = self._rngs.get(st.name)
        if g is None:
            g = self._rngs[st.name] = self.engine.streams.stream(f"kubelet/{st.name}")
        return g

    # ----------------------------------------------------------------------------------- nodes
    def _on_node(self, event_type, node, old) -> None:
        name = node.metadata.name
        if event_type == "DELETED":
            st = self.nodes.pop(name, None)
            if st is not None:
                for prt in list(st.pods.values()):
                    self._forget(prt)
                if st.pressure_call is not None:
                    st.pressure_call.cancel()
            return
        st = self.nodes.get(name)
        if st is None:
            now = self.engine.now
            st = self.nodes[name] = NodeState(name, uid=node.metadata.uid, origin=now,
                                              backoff=new_crash_loop_backoff())
            for img in node.status.images:
                for n in img.names:
                    st.images[normalized_image(n)] = float("-inf")
            if node.spec.pod_cidr:
                st.cidr = ipaddress.ip_network(node.spec.pod_cidr, strict=False)
            self._write(lambda: self.store.create(new_node_lease(node, now)))
        st.allocatable_memory = node.status.allocatable.get("memory", 0)

    def _write(self, fn) -> bool:
        try:
            fn()
            return True
        except (AlreadyExists, NotFound, ServiceUnavailable):
            return False

    def fail_node(self, name: str) -> None:
        """The node's kubelet stops: its Lease stops being renewed (written once: renewTime = the last
        renewal, interval 0); no more status updates, probes, restarts or evictions on the node. The
        containers keep running (and may exit or be OOM-killed by the kernel meanwhile)."""
        st = self.nodes.get(name)
        if st is None or st.failed:
            return
        now = self.engine.now
        st.failed = True
        lease = self.store.try_get("leases", "kube-node-lease", name)
        if lease is not None:
            self._write(lambda: self.store.update(stopped(lease, now)))
        for prt in st.pods.values():
            for c in prt.inits + prt.regular:
                c.cancel_probes()
        if st.pressure_call is not None:
            st.pressure_call.cancel()
            st.pressure_call = st.pressure_at = None

    def recover_node(self, name: str) -> None:
        """The kubelet comes back: Lease renewed from now (interval 10 s), the node reports Ready, and
        every pod is reconciled: pods deleted meanwhile are stopped/removed, exited containers restarted
        (CrashLoopBackOff still applies), probes resume, pods bound meanwhile are admitted."""
        st = self.nodes.get(name)
        if st is None or not st.failed:
            return
        now = self.engine.now
        st.failed = False
        lease = self.store.try_get("leases", "kube-node-lease", name)
        if lease is not None:
            self._write(lambda: self.store.update(renewing(lease, now)))
        else:
            node = self.store.try_get("nodes", None, name)
            if node is not None:
                self._write(lambda: self.store.create(new_node_lease(node, now)))
        self._post_ready(name, now)
        for prt in list(st.pods.values()):
            self._reconcile(prt)
        for pod in self.store.list("pods"):
            if pod.spec.node_name == name and pod.metadata.uid not in self._by_uid:
                self._on_pod("MODIFIED", pod, None)
        self._pressure_reschedule(st)

    def _post_ready(self, name: str, now: float) -> None:
        node = self.store.try_get("nodes", None, name)
        if node is None:
            return
        ready = next((c for c in node.status.conditions if c.type == "Ready"), None)
        if ready is not None and ready.status == "True":
            return
        cur = node.copy()
        cur.status.conditions = [c for c in node.status.conditions if c.type != "Ready"] + [
            NodeCondition("Ready", "True", now, now, "KubeletReady", "kubelet is posting ready status")]
        self._write(lambda: self.store.update_status(cur))

    def _reconcile(self, prt: PodRT) -> None:
        pod = self.store.try_get("pods", prt.namespace, prt.name)
        if pod is None or pod.metadata.uid != prt.uid:
            prt.orphaned = True
        else:
            prt.pod = pod
        if prt.orphaned:
            if any(c.state == RUNNING for c in prt.inits + prt.regular):
                self._kill_pod(prt, 0.0, self._forget)
            else:
                self._forget(prt)
            return
        if prt.terminating or (pod.metadata.deletion_timestamp is not None):
            if prt.killing_then is None:
                self._terminate(prt)
            else:
                self._finish_kill(prt)
            return
        for c in prt.inits + prt.regular:
            if c.state == RUNNING and not c.killing:
                self._schedule_probes(prt, c, self.engine.now)
        if prt.killing_then is not None:
            self._finish_kill(prt)
        elif not prt.terminal:
            for c in prt.inits + prt.regular:
                if c.state == TERMINATED and not c.creating and c.instances > 0:
                    self._after_exit(prt, c, c.term.finished_at)
                elif c.state == WAITING and c.reason == "CrashLoopBackOff" and not c.timers:
                    self._retry(prt, c)
        self._publish(prt)
        self._sync(prt)

    def _allocate_ip(self, st: NodeState, prt: PodRT) -> str:
        if st.cidr is None:
            return ""
        if st.free_ips:
            ip = st.free_ips.pop()
        else:
            if st.next_ip >= st.cidr.num_addresses - 1:
                return ""
            ip = str(st.cidr.network_address + st.next_ip)
            st.next_ip += 1
        prt.ip = ip
        return ip

    # ------------------------------------------------------------------------------------ pods
    def _on_pod(self, event_type, pod: Pod, old) -> None:
        uid = pod.metadata.uid
        prt = self._by_uid.get(uid)
        if event_type == "DELETED":
            if prt is not None:
                if self.nodes[prt.node].failed:
                    prt.orphaned = True
                else:
                    self._forget(prt)
            return
        node = pod.spec.node_name
        st = self.nodes.get(node) if node else None
        if st is None or st.failed:
            return
        if prt is not None:
            prt.pod = pod
            if pod.metadata.deletion_timestamp is not None and not prt.terminating:
                self._terminate(prt)
            return
        if pod.metadata.deletion_timestamp is not None:
            if pod.status.phase == "Pending":  # never started here: nothing to stop
                self._write(lambda: self.store.delete("pods", pod.metadata.namespace, pod.metadata.name,
                                                      grace_period_seconds=0, uid_precondition=uid))
            return
        if pod.status.phase == "Pending":
            self._admit(st, pod)

    def _admit(self, st: NodeState, pod: Pod) -> None:
        now = self.engine.now
        prt = PodRT(pod.metadata.uid, pod.metadata.namespace, pod.metadata.name, st.name, pod, start_time=now)
        for c in pod.spec.init_containers:
            prt.inits.append(Ctr(c, is_init=True, reason="PodInitializing",
                                 rule=self.behaviors.rule_for(pod, c.name)))
        first_reason = "PodInitializing" if pod.spec.init_containers else "ContainerCreating"
        for c in pod.spec.containers:
            prt.regular.append(Ctr(c, reason=first_reason, rule=self.behaviors.rule_for(pod, c.name)))
        self._by_uid[prt.uid] = prt
        st.pods[prt.uid] = prt
        if st.pressure and pod_qos_class(pod.spec) == "BestEffort":
            # eviction manager Admit: BestEffort pods are not admitted under memory pressure
            prt.terminal = True
            prt.phase, prt.reason, prt.message = "Failed", P.REASON, P.NODE_CONDITION_MESSAGE
            self._publish(prt)
            return
        self._publish(prt)
        prt.timers.append(self.engine.call_at(now + self.profile.sandbox_create, self._sandbox_ready, prt))
        ads = pod.spec.active_deadline_seconds
        if ads is not None:
            prt.timers.append(self.engine.call_at(now + ads, self._deadline, prt))

    def _sandbox_ready(self, prt: PodRT) -> None:
        if prt.gone or prt.terminating:
            return
        st = self.nodes[prt.node]
        prt.sandbox = True
        self._allocate_ip(st, prt)
        self._publish(prt)
        self._sync(prt)

    def _deadline(self, prt: PodRT) -> None:
        """``activeDeadlineSeconds`` passed (``pkg/kubelet/active_deadline.go``)."""
        if prt.gone or prt.terminating or prt.terminal or self.nodes[prt.node].failed:
            return
        self.engine.log.record(self.engine.now, SOURCE, "DeadlineExceeded", prt.key,
                               "Pod was active on the node longer than the specified deadline")
        prt.terminal = True
        prt.phase, prt.reason = "Failed", "DeadlineExceeded"
        prt.message = "Pod was active on the node longer than the specified deadline"
        self._kill_pod(prt, float(prt.pod.spec.termination_grace_period_seconds or 0), self._terminal_done)

    def _pull(self, st: NodeState, prt: PodRT, c: Ctr, t: float) -> Optional[float]:
        """When the image of ``c`` is on the node if asked for at ``t`` (pulling it, serialised on the
        node, if needed); None when it is missing and the policy is Never."""
        img = normalized_image(c.spec.image)
        have = st.images.get(img)
        if have is not None:  # cached or being pulled; Always with a cached image: a manifest check only
            return max(t, have)
        if c.spec.image_pull_policy == "Never":
            return None
        size = self.image_sizes.get(img, self.config.default_image_size)
        begin = max(t, st.pull_free_at)
        done = begin + size / self.config.image_pull_bandwidth
        st.pull_free_at = done
        st.images[img] = done
        self.engine.log.record(begin, SOURCE, "Pulling", prt.key, f'Pulling image "{c.spec.image}"')
        return done

    # ------------------------------------------------------------------------------- stopping
    def _terminate(self, prt: PodRT) -> None:
        """The pod object is being deleted: stop everything, then remove it."""
        prt.terminating = True
        for t in prt.timers:
            t.cancel()
        prt.timers.clear()
        grace = prt.pod.metadata.deletion_grace_period_seconds
        if grace is None:
            grace = prt.pod.spec.termination_grace_period_seconds or 0
        if any(c.state == RUNNING for c in prt.inits + prt.regular):
            for c in prt.inits + prt.regular:
                if c.state == RUNNING and not c.killing:
                    self.engine.log.record(self.engine.now, SOURCE, "Killing", prt.key, f"Stopping container {c.name}")
        self._kill_pod(prt, float(grace), self._finalize)

    def _finish_kill(self, prt: PodRT) -> None:
        then = prt.killing_then
        if then is None or any(c.state == RUNNING for c in prt.inits + prt.regular):
            return
        if self.nodes[prt.node].failed and then != self._forget:
            return  # the kubelet will see it on recovery
        prt.killing_then = None
        then(prt)

    def _finalize(self, prt: PodRT) -> None:
        """All containers stopped: report the terminal phase, then delete the object with grace 0."""
        if any(c.instances > 0 for c in prt.regular):
            prt.terminal = True
            self._publish(prt)
        ok = self._write(lambda: self.store.delete("pods", prt.namespace, prt.name, grace_period_seconds=0,
                                                   uid_precondition=prt.uid))
        if not ok and self.store.try_get("pods", prt.namespace, prt.name) is not None:
            prt.killing_then = self._finalize  # apiserver down: retried with the status writes
            self._unsynced[prt.uid] = prt
            self._schedule_retry()

    def _pod_finished(self, prt: PodRT) -> None:
        for t in prt.timers:
            t.cancel()
        prt.timers.clear()

    def _forget(self, prt: PodRT) -> None:
        prt.gone = True
        for t in prt.timers:
            t.cancel()
        st = self.nodes.get(prt.node)
        for c in prt.inits + prt.regular:
            if c.state == RUNNING and st is not None:
                self._memory_changed(st, -(c.mem0 - c.growth * c.started_at), -c.growth)
            c.cancel_timers()
            if st is not None:
                st.backoff.delete_entry(crash_loop_key(prt.name, prt.namespace, prt.uid, c.name))
        self._by_uid.pop(prt.uid, None)
        self._unsynced.pop(prt.uid, None)
        if st is not None:
            st.pods.pop(prt.uid, None)
            if prt.ip:
                st.free_ips.append(prt.ip)
            self._pressure_reschedule(st)

    # --------------------------------------------------------------------------------- status
    def _publish(self, prt: PodRT) -> None:
        """Write the pod status the kubelet would generate now (skipped while the kubelet is down)."""
        if prt.gone or self.nodes[prt.node].failed:
            return
        try:
            pod = self.store.get("pods", prt.namespace, prt.name)
        except NotFound:
            return
        except ServiceUnavailable:
            self._unsynced[prt.uid] = prt
            self._schedule_retry()
            return
        if pod.metadata.uid != prt.uid:
            return
        cur = self._status(prt, pod)
        if cur.status == pod.status:
            return  # nothing changed: no write (the status manager skips unchanged statuses)
        try:
            self.store.update_status(cur)
        except ServiceUnavailable:
            self._unsynced[prt.uid] = prt
            self._schedule_retry()
        except StoreError:
            pass

    def _schedule_retry(self) -> None:
        if self._retry_call is None:
            self._retry_call = self.engine.call_later(STATUS_RETRY_PERIOD, self._flush_retries)

    def _flush_retries(self) -> None:
        self._retry_call = None
        pending, self._unsynced = self._unsynced, {}
        for prt in pending.values():
            if prt.killing_then is self._finalize and not any(c.state == RUNNING for c in prt.inits + prt.regular):
                prt.killing_then = None
                self._finalize(prt)
            else:
                self._publish(prt)

    def _status(self, prt: PodRT, pod: Pod) -> Pod:
        now = self.engine.now
        cur = pod.copy()
        s = cur.status
        if prt.phase in ("Succeeded", "Failed") and prt.reason:
            phase = prt.phase  # evicted / deadline / rejected: decided by the kubelet
        else:
            phase = get_phase(prt.restart_policy, prt.inits, prt.regular, prt.terminal, prt.initialized)
            if pod.status.phase in ("Succeeded", "Failed"):
                phase = pod.status.phase  # terminal phases never change
        prt.phase = phase
        s.phase = phase
        s.reason, s.message = prt.reason, prt.message
        s.start_time = prt.start_time
        s.host_ip = prt.node
        s.pod_ip = prt.ip
        s.qos_class = pod_qos_class(pod.spec)
        s.set_condition("PodScheduled", "True", now)
        s.init_container_statuses = [c.api_status() for c in prt.inits]
        s.container_statuses = [c.api_status() for c in prt.regular]
        s.set_condition("PodReadyToStartContainers", "True" if prt.sandbox else "False", now)
        if prt.initialized or not prt.inits:
            s.set_condition("Initialized", "True", now)
        else:
            pend = [c.name for c in prt.inits if not (c.state == TERMINATED and c.term.exit_code == 0)
                    and not (c.is_sidecar and c.started)]
            s.set_condition("Initialized", "False", now, "ContainersNotInitialized",
                            f"containers with incomplete status: [{' '.join(pend)}]")
        if phase in ("Succeeded", "Failed"):
            s.set_condition("ContainersReady", "False", now, "PodCompleted")
            s.set_condition("Ready", "False", now, "PodCompleted")
        else:
            unready = [c.name for c in prt.inits if c.is_sidecar and not c.ready] + \
                      [c.name for c in prt.regular if not c.ready]
            if unready:
                msg = f"containers with unready status: [{' '.join(unready)}]"
                s.set_condition("ContainersReady", "False", now, "ContainersNotReady", msg)
                s.set_condition("Ready", "False", now, "ContainersNotReady", msg)
            else:
                s.set_condition("ContainersReady", "True", now)
                s.set_condition("Ready", "True", now)
        if prt.disruption is not None:
            s.set_condition("DisruptionTarget", "True", now, prt.disruption[0], prt.disruption[1])
        return cur
