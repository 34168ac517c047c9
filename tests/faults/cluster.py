"""A small cluster for node-failure / disruption tests: what ``simulation.Simulation`` wires, with a
first-fit binder standing in for kube-scheduler (the tests here are about what happens *after* binding)
and the fault injector constructed as the integrator will.

Binder rule (test stand-in): a pending pod goes to the node with the fewest bound pods, among nodes
that are Ready, schedulable and carry no NoSchedule/NoExecute taint the pod does not tolerate
(ties by name).
"""
from __future__ import annotations

import copy

from k8ssim.admission import DefaultTolerationSeconds
from k8ssim.api.core import Namespace, find_untolerated_taint
from k8ssim.api.meta import ObjectMeta
from k8ssim.engine import Engine
from k8ssim.faults import FaultInjector
from k8ssim.node.kubelet import Kubelets
from k8ssim.scenario.loader import load_scenario
from k8ssim.scenario.nodes import build_pool_nodes, node_cidrs
from k8ssim.simulation import INSTALL_ORDER, SYSTEM_NAMESPACES, build_controllers
from k8ssim.store import Store


class FirstFitBinder:
    def __init__(self, engine, store):
        self.engine = engine
        self.store = store
        self.count: dict = {}

    def start(self) -> None:
        self.store.watch("pods", self._on_pod)
        self.store.watch("nodes", self._on_node)

    def _on_node(self, event_type, node, old) -> None:
        for p in self.store.list("pods"):
            if not p.spec.node_name and p.metadata.deletion_timestamp is None:
                self._bind(p)

    def _on_pod(self, event_type, pod, old) -> None:
        if event_type == "DELETED":
            if pod.spec.node_name:
                self.count[pod.spec.node_name] = self.count.get(pod.spec.node_name, 0) - 1
            return
        if pod.spec.node_name or pod.metadata.deletion_timestamp is not None:
            return
        self._bind(pod)

    def _bind(self, pod) -> None:
        pod = self.store.try_get("pods", pod.metadata.namespace, pod.metadata.name)
        if pod is None or pod.spec.node_name:
            return
        best = None
        for n in self.store.list("nodes"):
            if not n.is_ready() or n.spec.unschedulable:
                continue
            if find_untolerated_taint(n.spec.taints, pod.spec.tolerations) is not None:
                continue
            c = self.count.get(n.metadata.name, 0)
            if best is None or c < best[0]:
                best = (c, n.metadata.name)
        if best is None:
            return
        upd = pod.copy()
        upd.spec = copy.copy(pod.spec)
        upd.spec.node_name = best[1]
        self.store.update(upd)
        self.count[best[1]] = best[0] + 1
        self.engine.log.record(self.engine.now, "test-binder", "Scheduled", pod.key(), best[1])


class MiniCluster:
    def __init__(self, scenario):
        self.loaded = load_scenario(scenario)
        self.spec = self.loaded.spec
        self.engine = Engine(self.spec.seed)
        self.store = Store(self.engine)
        self.store.add_admission("pods", DefaultTolerationSeconds())
        self.kubelets = Kubelets(self.engine, self.store)
        self.binder = FirstFitBinder(self.engine, self.store)
        self.controllers = build_controllers(self.engine, self.store, self.spec)
        self.faults = FaultInjector(self.engine, self.store, self.spec, self.kubelets)

    def start(self) -> "MiniCluster":
        for c in (self.kubelets, self.binder, *self.controllers):
            c.start()
        for ns in SYSTEM_NAMESPACES:
            self.store.create(Namespace(metadata=ObjectMeta(name=ns)))
        nodes = [n for pool in self.spec.cluster.nodePools for n in build_pool_nodes(pool)]
        for node, cidr in zip(nodes, node_cidrs(self.spec.cluster.podCIDR, len(nodes))):
            node.spec.pod_cidr = cidr
            self.store.create(node)
        self.faults.start()
        order = {k: i for i, k in enumerate(INSTALL_ORDER)}
        for o in sorted(self.loaded.manifests.objects, key=lambda o: order.get(o.kind, len(order))):
            self.store.create(o)
        return self

    def run(self, until: float) -> "MiniCluster":
        self.engine.run(until=until)
        return self

    # ------------------------------------------------------------------------------- queries
    def events(self, kind=None, source=None) -> list:
        return [e for e in self.engine.log.rows()
                if (kind is None or e[2] == kind) and (source is None or e[1] == source)]

    def pods(self, prefix: str = "", namespace: str = "default") -> list:
        return [p for p in self.store.list("pods", namespace=namespace) if p.metadata.name.startswith(prefix)]
