"""A cluster without a scheduler for kubelet tests: engine + store + kubelets, nodes and pods bound by
hand (``spec.nodeName`` set at creation, as for static or pre-bound pods)."""
from __future__ import annotations

from k8ssim.api.core import Container, ContainerImage, Namespace, Node, NodeCondition, NodeSpec, NodeStatus, Pod, PodSpec, Probe
from k8ssim.api.meta import ObjectMeta
from k8ssim.engine import Engine
from k8ssim.node.kubelet import KubeletConfig, Kubelets
from k8ssim.scenario.actions import PodBehavior
from k8ssim.store import Store

GI = 1024 ** 3
MI = 1024 ** 2
IMAGES = ("app:1", "init:1", "side:1")  # already on every node (no pulls unless a test wants them)


def behavior(**kw) -> PodBehavior:
    return PodBehavior.model_validate(kw)


class Cluster:
    def __init__(self, *, nodes=("n1",), behaviors=(), seed=1, memory=8 * GI, images=IMAGES, **cfg):
        cfg.setdefault("pod_start_latency", 0.0)  # instant runtime unless a test says otherwise
        self.engine = Engine(seed)
        self.store = Store(self.engine)
        self.kubelets = Kubelets(self.engine, self.store, KubeletConfig(**cfg), behaviors=list(behaviors))
        self.kubelets.start()
        self.history: dict = {}
        self.store.watch("pods", self._record)
        for ns in ("default", "kube-node-lease"):
            self.store.create(Namespace(metadata=ObjectMeta(name=ns)))
        for i, name in enumerate(nodes):
            self.store.create(Node(
                metadata=ObjectMeta(name=name),
                spec=NodeSpec(pod_cidr=f"10.244.{i}.0/24"),
                status=NodeStatus(capacity={"cpu": 4000, "memory": memory, "pods": 110},
                                  allocatable={"cpu": 4000, "memory": memory, "pods": 110},
                                  conditions=[NodeCondition("Ready", "True", 0.0, 0.0, "KubeletReady", "")],
                                  images=[ContainerImage(names=(i,), size_bytes=10 * MI) for i in images])))
        self.engine.run(until=0.0)

    def _record(self, etype, pod, old):
        self.history.setdefault(pod.metadata.name, []).append((self.engine.now, etype, pod))

    def pod(self, name, *containers, node="n1", init=(), restart_policy="Always", labels=None, grace=30,
            **spec):
        p = Pod(metadata=ObjectMeta(name=name, namespace="default", labels=dict(labels or {})),
                spec=PodSpec(containers=list(containers), init_containers=list(init), node_name=node,
                             restart_policy=restart_policy, termination_grace_period_seconds=grace, **spec))
        return self.store.create(p)

    def run(self, until):
        self.engine.run(until=until)

    def get(self, name):
        return self.store.try_get("pods", "default", name)

    def times(self, name, pred):
        """Times at which a write of pod ``name`` made ``pred(pod)`` become true (edges only)."""
        out, prev = [], False
        for t, etype, p in self.history.get(name, []):
            try:
                v = etype != "DELETED" and bool(pred(p))
            except AttributeError:  # a container status not there yet
                v = False
            if v and not prev:
                out.append(t)
            prev = v
        return out


def ctr(name="app", image="app:1", **kw) -> Container:
    return Container(name=name, image=image, **kw)


def probe(delay=0, period=10, failure=3, success=1, **kw) -> Probe:
    return Probe(initial_delay_seconds=delay, period_seconds=period, failure_threshold=failure,
                 success_threshold=success, **kw)


def status(pod, name):
    for cs in list(pod.status.container_statuses) + list(pod.status.init_container_statuses):
        if cs.name == name:
            return cs
    return None
