"""DaemonSet controller against upstream semantics (daemon_controller.go, update.go, v1.35), with exact
simulated times.

The cluster here is the store and the DaemonSet controller, plus two stand-ins with fixed timing so that
these tests pin the controller, not the node model: a scheduler that binds a new daemon pod at once to the
node its ``matchFields metadata.name`` affinity names, if the pod fits it (node affinity/selector and
NoSchedule/NoExecute taints; otherwise it stays Pending), and a kubelet (:class:`FakeKubelet`) that starts a
bound pod 1 s later (node-exporter's readiness probe has no initial delay: Ready at start) and removes a
deleted pod 1 s after its deletion.

Node growth: the timeline ``apply`` action is not available yet, so new nodes are created in the store
directly (from ``scenarios/manifests/daemonset/more-nodes.yaml``).
"""
from __future__ import annotations

import copy
import os

import pytest

from k8ssim.admission import DefaultTolerationSeconds
from k8ssim.api.core import Node, NodeCondition, NodeSpec, NodeStatus, Taint, find_untolerated_taint
from k8ssim.api.manifests import load_manifest_file, load_manifest_string
from k8ssim.api.meta import ObjectMeta
from k8ssim.controllers.daemonset import (DAEMONSET_UNIQUE_LABEL_KEY, DaemonSetController, surge_count,
                                          target_node_name, unavailable_count)
from k8ssim.controllers.daemonset_util import daemon_pod_tolerations, pod_matches_node_selector_and_affinity
from k8ssim.engine import Engine
from k8ssim.store import Store
from tests.controllers.fake_kubelet import FakeKubelet

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.path.join(REPO, "..", "shared")
MANIFESTS = os.path.join(REPO, "scenarios", "manifests", "daemonset")
EXPORTER = os.path.join(MANIFESTS, "node-exporter.yaml")
IMAGES = ("quay.io/prometheus/node-exporter:v1.8.2", "quay.io/prometheus/node-exporter:v1.9.0")
GPU_TAINT = Taint("nvidia.com/gpu", "present", "NoSchedule")


def make_node(name: str, taints=(), labels=None, i: int = 0) -> Node:
    return Node(
        metadata=ObjectMeta(name=name, labels={"kubernetes.io/hostname": name, "kubernetes.io/os": "linux",
                                               **(labels or {})}),
        spec=NodeSpec(taints=tuple(taints), pod_cidr=f"10.244.{i}.0/24"),
        status=NodeStatus(capacity={"cpu": 4000, "pods": 110}, allocatable={"cpu": 4000, "pods": 110},
                          conditions=[NodeCondition("Ready", "True")]))


class Cluster:
    """Store + kubelets + DaemonSet controller + an instant binder; records pod events."""

    def __init__(self, general: int = 3, gpu: int = 2):
        self.engine = Engine(1)
        self.store = Store(self.engine)
        self.store.add_admission("pods", DefaultTolerationSeconds())
        self.kubelets = FakeKubelet(self.engine, self.store)
        self.ctrl = DaemonSetController(self.engine, self.store)
        self.events: list = []  # (time, type, name, node, hash, ready, terminating)
        for comp in (self.kubelets, self.ctrl):
            comp.start()
        self.store.watch("pods", self._on_pod)
        names = [f"general-{i}" for i in range(general)] + [f"gpu-{i}" for i in range(gpu)]
        for i, n in enumerate(names):
            self.store.create(make_node(n, (GPU_TAINT,) if n.startswith("gpu") else (), i=i))

    def _on_pod(self, etype, pod, old) -> None:
        self.events.append((self.engine.now, etype, pod.metadata.name, target_node_name(pod),
                            pod.metadata.labels.get(DAEMONSET_UNIQUE_LABEL_KEY), pod.is_ready(),
                            pod.metadata.deletion_timestamp is not None))
        if etype == "ADDED" and not pod.spec.node_name and pod.metadata.deletion_timestamp is None:
            node = self.store.try_get("nodes", None, target_node_name(pod))
            if node is None or not pod_matches_node_selector_and_affinity(pod.spec, node) \
                    or find_untolerated_taint(node.spec.taints, pod.spec.tolerations) is not None:
                return  # unschedulable: stays Pending
            b = pod.copy()
            b.spec = copy.copy(pod.spec)
            b.spec.node_name = node.metadata.name
            self.store.update(b)

    def apply(self, text_or_path: str):
        ms = load_manifest_file(text_or_path) if text_or_path.endswith(".yaml") else load_manifest_string(text_or_path)
        return [self.store.create(o) for o in ms.objects if o.kind != "Namespace"]

    def run(self, until: float) -> None:
        self.engine.run(until=until)

    def at(self, t: float, fn, *args) -> None:
        self.engine.call_at(t, fn, *args)

    def ds(self, name: str = "node-exporter", ns: str = "monitoring"):
        return self.store.get("daemonsets", ns, name)

    def pods_by_node(self, ns: str = "monitoring") -> dict:
        out: dict = {}
        for p in self.store.list("pods", ns):
            out.setdefault(p.spec.node_name or target_node_name(p), []).append(p)
        return out

    def created(self, node: str) -> list:
        return [e[0] for e in self.events if e[1] == "ADDED" and e[3] == node]

    def deleted(self, node: str) -> list:
        return [e[0] for e in self.events if e[1] == "DELETED" and e[3] == node]

    def set_image(self, image: str, name: str = "node-exporter", ns: str = "monitoring") -> None:
        def fn(d):
            d.spec = copy.copy(d.spec)
            t = copy.copy(d.spec.template)
            t.spec = copy.copy(t.spec)
            t.spec.containers = [copy.copy(c) for c in t.spec.containers]
            t.spec.containers[0].image = image
            d.spec.template = t
        self.store.patch("daemonsets", ns, name, fn)

    def patch_node(self, name: str, fn) -> None:
        def wrap(n):
            n.metadata.labels = dict(n.metadata.labels)
            n.spec = copy.copy(n.spec)
            fn(n)
        self.store.patch("nodes", None, name, wrap)

    def availability(self, nodes: list, t0: float) -> tuple:
        """(fewest nodes with a Ready, non-terminating daemon pod, most pods on one node) from t0 on."""
        live: dict = {}
        fewest, most = len(nodes), 0
        for t, etype, name, node, _h, ready, term in self.events:
            if etype == "DELETED":
                live.pop(name, None)
            else:
                live[name] = (node, ready and not term)
            if t >= t0:
                fewest = min(fewest, sum(1 for n in nodes if any(v == (n, True) for v in live.values())))
                most = max(most, max((sum(1 for v in live.values() if v[0] == n) for n in nodes), default=0))
        return fewest, most


def exporter(**strategy) -> str:
    """The scenario's node-exporter manifest with another updateStrategy (YAML text)."""
    import yaml

    docs = list(yaml.safe_load_all(open(EXPORTER)))
    docs[1]["spec"]["updateStrategy"] = strategy
    return yaml.safe_dump_all(docs)


ALL = ["general-0", "general-1", "general-2", "gpu-0", "gpu-1"]


# ------------------------------------------------------------------------------------ placement


def test_one_pod_per_eligible_node_pinned_by_node_affinity():
    c = Cluster()
    c.apply(EXPORTER)
    c.run(10)
    by_node = c.pods_by_node()
    assert sorted(by_node) == ALL and all(len(v) == 1 for v in by_node.values())
    for node, [p] in by_node.items():
        assert p.spec.node_name == node and p.status.phase == "Running" and p.is_ready()
        [term] = p.spec.affinity.node_affinity.required
        assert [(r.key, r.operator, r.values) for r in term.match_fields] == [("metadata.name", "In", (node,))]
        assert p.metadata.generate_name == "node-exporter-" and p.metadata.name.startswith("node-exporter-")
        assert p.metadata.controller_ref().kind == "DaemonSet"
    # all created at t=0, Ready at start (no initial delay): 0 + 1 s
    assert all(c.created(n) == [0.0] for n in ALL)


def test_daemon_tolerations_are_added():
    c = Cluster()
    c.apply(EXPORTER)
    c.run(5)
    p = c.pods_by_node()["general-0"][0]
    want = daemon_pod_tolerations(host_network=True)
    # the template's `operator: Exists` first, then the 6 daemon tolerations + network-unavailable (hostNetwork)
    assert p.spec.tolerations[0].operator == "Exists" and p.spec.tolerations[0].key == ""
    assert tuple(p.spec.tolerations[1:]) == want
    assert {(t.key, t.effect) for t in want} >= {("node.kubernetes.io/not-ready", "NoExecute"),
                                                  ("node.kubernetes.io/unreachable", "NoExecute"),
                                                  ("node.kubernetes.io/unschedulable", "NoSchedule"),
                                                  ("node.kubernetes.io/network-unavailable", "NoSchedule")}
    assert all(t.toleration_seconds is None for t in want)


def test_untolerated_taint_keeps_the_daemon_off_the_node(shared=SHARED):
    """The website's fluentd DaemonSet tolerates only node-role.kubernetes.io/master: the 2 GPU nodes
    (nvidia.com/gpu:NoSchedule) get no pod, the 3 general ones do."""
    c = Cluster()
    c.apply(os.path.join(shared, "manifests", "website", "controllers", "daemonset.yaml"))
    c.run(10)
    by_node = c.pods_by_node("kube-system")
    assert sorted(by_node) == ["general-0", "general-1", "general-2"]
    st = c.ds("fluentd-elasticsearch", "kube-system").status
    assert (st.desired_number_scheduled, st.current_number_scheduled, st.number_ready,
            st.number_available, st.updated_number_scheduled, st.number_misscheduled) == (3, 3, 3, 3, 3, 0)
    # its pods tolerate the daemon taints but not hostNetwork's network-unavailable
    p = by_node["general-0"][0]
    keys = [t.key for t in p.spec.tolerations]
    assert "node.kubernetes.io/network-unavailable" not in keys and "node.kubernetes.io/not-ready" in keys


def test_status_fields_and_observed_generation():
    c = Cluster()
    c.apply(EXPORTER)
    c.run(0.5)  # created and bound, not started yet
    st = c.ds().status
    assert (st.desired_number_scheduled, st.current_number_scheduled, st.number_ready, st.number_unavailable) == (5, 5, 0, 5)
    c.run(10)
    d = c.ds()
    st = d.status
    assert (st.desired_number_scheduled, st.current_number_scheduled, st.number_ready, st.number_available,
            st.updated_number_scheduled, st.number_misscheduled, st.number_unavailable) == (5, 5, 5, 5, 5, 0, 0)
    assert st.observed_generation == d.metadata.generation == 1
    [cr] = c.store.list("controllerrevisions", "monitoring")
    h = cr.metadata.labels[DAEMONSET_UNIQUE_LABEL_KEY]
    assert cr.metadata.name == f"node-exporter-{h}" and cr.revision == 1
    assert all(p.metadata.labels[DAEMONSET_UNIQUE_LABEL_KEY] == h for p in c.store.list("pods"))


def test_real_kube_prometheus_node_exporter(shared=SHARED):
    c = Cluster()
    c.apply(os.path.join(shared, "manifests", "kube-prometheus", "nodeExporter-daemonset.yaml"))
    c.run(10)
    by_node = c.pods_by_node()
    assert sorted(by_node) == ALL and all(len(v) == 1 for v in by_node.values())


# ------------------------------------------------------------------------------- nodes come and go


def test_new_nodes_get_a_pod():
    c = Cluster()
    c.apply(EXPORTER)
    c.at(20.0, lambda: [c.store.create(n) for n in load_manifest_file(os.path.join(MANIFESTS, "more-nodes.yaml")).objects])
    c.run(30)
    assert c.created("general-3") == [20.0] and c.created("general-4") == [20.0]
    by_node = c.pods_by_node()
    assert len(by_node) == 7 and all(len(v) == 1 for v in by_node.values())
    assert all(p.is_ready() and p.status.condition("Ready").last_transition_time == 21.0
               for n in ("general-3", "general-4") for p in by_node[n])
    st = c.ds().status
    assert st.desired_number_scheduled == st.number_ready == st.number_available == 7


def test_node_that_no_longer_matches_loses_its_pod_and_one_that_matches_gets_one():
    c = Cluster()
    c.apply(EXPORTER)
    c.at(20.0, c.patch_node, "general-1", lambda n: n.metadata.labels.update({"kubernetes.io/os": "windows"}))
    c.at(40.0, c.patch_node, "general-1", lambda n: n.metadata.labels.update({"kubernetes.io/os": "linux"}))
    c.run(50)
    # nodeSelector kubernetes.io/os=linux fails at 20: deleted then (gone 21); back at 40
    assert c.deleted("general-1") == [21.0] and c.created("general-1") == [0.0, 40.0]


def test_no_schedule_taint_keeps_running_pod_and_no_execute_removes_it(shared=SHARED):
    c = Cluster()
    c.apply(os.path.join(shared, "manifests", "website", "controllers", "daemonset.yaml"))
    c.at(20.0, c.patch_node, "general-0", lambda n: setattr(n.spec, "taints", (Taint("maint", "x", "NoSchedule"),)))
    c.at(40.0, c.patch_node, "general-0", lambda n: setattr(n.spec, "taints", (Taint("maint", "x", "NoExecute"),)))
    c.run(30)
    # NodeShouldRunDaemonPod: an untolerated NoSchedule taint -> shouldRun false, shouldContinueRunning true
    assert c.deleted("general-0") == []
    st = c.ds("fluentd-elasticsearch", "kube-system").status
    assert (st.desired_number_scheduled, st.number_misscheduled) == (2, 1)
    c.run(50)
    assert c.deleted("general-0") == [41.0]  # NoExecute: deleted at 40, gone at 41


def test_failed_daemon_pods_are_deleted_with_backoff():
    c = Cluster()
    c.apply(EXPORTER)

    def fail():
        [p] = c.pods_by_node()["general-0"]
        q = p.copy()
        q.status.phase = "Failed"
        c.store.update_status(q)
    for t in (40.0, 41.5, 43.0):  # each time the pod then on the node is Running (created t, Running t+1)
        c.at(t, fail)
    c.run(60)
    # failedPodsBackoff (1 s doubling, IsInBackOffSinceUpdate): delete at 40 (backoff 1 s from 40); at 41.5
    # (1.5 >= 1: backoff 2 s from 41.5); the pod failed at 43 is in backoff (1.5 < 2), so the set is re-synced
    # Get() = 2 s later, at 45, and deleted then. A failed pod has no grace period: gone at once.
    assert c.deleted("general-0") == [40.0, 41.5, 45.0]
    assert c.created("general-0") == [0.0, 40.0, 41.5, 45.0]


# ------------------------------------------------------------------------------------- updates


def test_rolling_update_max_unavailable_one():
    c = Cluster()
    c.apply(exporter(type="RollingUpdate", rollingUpdate={"maxUnavailable": 1}))
    c.at(30.0, c.set_image, IMAGES[1])
    c.run(60)
    # nodes in name order: old pod deleted at t (gone t+1), new one made at t+1 and Ready at t+2, next node
    assert [c.deleted(n) for n in ALL] == [[31.0], [33.0], [35.0], [37.0], [39.0]]
    assert [c.created(n) for n in ALL] == [[0.0, 31.0], [0.0, 33.0], [0.0, 35.0], [0.0, 37.0], [0.0, 39.0]]
    assert c.availability(ALL, 30.0) == (4, 1)  # never more than 1 unavailable, never 2 pods on a node
    st = c.ds().status
    assert st.updated_number_scheduled == 5 and st.number_available == 5 and st.observed_generation == 2
    assert sorted(r.revision for r in c.store.list("controllerrevisions")) == [1, 2]


def test_rolling_update_percent_rounds_up():
    c = Cluster()
    c.apply(exporter(type="RollingUpdate", rollingUpdate={"maxUnavailable": "30%"}))  # ceil(1.5) = 2 of 5
    c.at(30.0, c.set_image, IMAGES[1])
    c.run(60)
    assert [c.deleted(n) for n in ALL] == [[31.0], [31.0], [33.0], [33.0], [35.0]]
    assert c.availability(ALL, 30.0) == (3, 1)


@pytest.mark.parametrize("value,desired,want", [(1, 5, 1), ("10%", 5, 1), ("30%", 5, 2), ("50%", 5, 3),
                                                ("100%", 5, 5), ("10%", 0, 0), (0, 5, 0)])
def test_unavailable_and_surge_counts_round_up(value, desired, want):
    # util.UnavailableCount / SurgeCount: GetScaledValueFromIntOrPercent(..., roundUp=true)
    c = Cluster(0, 0)
    [ds] = c.apply(exporter(type="RollingUpdate", rollingUpdate={"maxUnavailable": 1}))
    ds = copy.copy(ds)
    ds.spec = copy.copy(ds.spec)
    ds.spec.update_strategy = copy.copy(ds.spec.update_strategy)
    ds.spec.update_strategy.max_unavailable = value
    ds.spec.update_strategy.max_surge = value
    assert unavailable_count(ds, desired) == want and surge_count(ds, desired) == want


def test_rolling_update_with_surge_keeps_every_node_available():
    c = Cluster()
    c.apply(exporter(type="RollingUpdate", rollingUpdate={"maxUnavailable": 0, "maxSurge": 1}))
    c.at(30.0, c.set_image, IMAGES[1])
    c.run(60)
    # a new pod beside the old one (node order), Ready 1 s later; then the old one is deleted (gone 1 s later)
    # and the next node gets its new pod in the same sync
    assert [c.created(n)[-1] for n in ALL] == [30.0, 31.0, 32.0, 33.0, 34.0]
    assert [c.deleted(n) for n in ALL] == [[32.0], [33.0], [34.0], [35.0], [36.0]]
    assert c.availability(ALL, 30.0) == (5, 2)  # 100 % available, at most 2 pods on a node


def test_on_delete_replaces_only_deleted_pods():
    c = Cluster()
    c.apply(exporter(type="OnDelete"))
    c.at(30.0, c.set_image, IMAGES[1])
    c.at(40.0, lambda: c.store.delete("pods", "monitoring", c.pods_by_node()["gpu-0"][0].metadata.name))
    c.run(60)
    assert all(c.deleted(n) == [] for n in ALL if n != "gpu-0")
    assert c.deleted("gpu-0") == [41.0] and c.created("gpu-0") == [0.0, 41.0]
    [p] = c.pods_by_node()["gpu-0"]
    assert p.spec.containers[0].image == IMAGES[1]
    st = c.ds().status
    assert st.updated_number_scheduled == 1 and st.desired_number_scheduled == 5


# ------------------------------------------------------------------------------------- scenario


def test_daemonset_scenario_on_a_growing_pool():
    """scenarios/daemonset.yaml: 3 general + 2 tainted GPU nodes, node-exporter on all; its timeline applies
    2 more nodes at 60 s and a new image at 120 s (maxUnavailable 10% of 7 nodes, rounded up: 1)."""
    from k8ssim.scenario.loader import load_scenario
    from k8ssim.scenario.nodes import build_pool_nodes, node_cidrs
    from k8ssim.timeline import Timeline

    loaded = load_scenario(os.path.join(REPO, "scenarios", "daemonset.yaml"))
    c = Cluster(0, 0)
    nodes = [n for pool in loaded.spec.cluster.nodePools for n in build_pool_nodes(pool)]
    for n, cidr in zip(nodes, node_cidrs(loaded.spec.cluster.podCIDR, len(nodes))):
        n.spec.pod_cidr = cidr
        c.store.create(n)
    for o in loaded.manifests.objects:
        if o.kind != "Namespace":
            c.store.create(o)
    Timeline(c.engine, c.store, loaded).start()
    c.run(110)
    by_node = c.pods_by_node()
    assert sorted(by_node) == ["general-0", "general-1", "general-2", "general-3", "general-4", "gpu-0", "gpu-1"]
    assert all(len(v) == 1 and v[0].is_ready() for v in by_node.values())
    ready = {e[3]: e[0] for e in c.events if e[5] and e[1] == "MODIFIED"}
    assert ready["gpu-1"] == 1.0 and ready["general-4"] == 61.0
    st = c.ds().status
    assert (st.desired_number_scheduled, st.number_available, st.number_misscheduled) == (7, 7, 0)
    c.run(loaded.spec.duration)
    order = sorted(by_node)
    # one node at a time, in name order: the old pod is gone at 121, its successor Ready at 122, and so on
    assert [c.deleted(n) for n in order] == [[121.0 + 2 * i] for i in range(7)]
    st = c.ds().status
    assert (st.updated_number_scheduled, st.number_available, st.observed_generation) == (7, 7, 2)
    assert c.availability(order, 120.0) == (6, 1)


def test_refused_pod_creation_is_retried_with_the_workqueue_backoff():
    """A create refused by admission gives a FailedCreate event and a rate-limited retry
    (DefaultControllerRateLimiter: 5 ms doubling per failure). Admission refuses until t=1."""
    from k8ssim.store.errors import Forbidden

    c = Cluster(general=1, gpu=0)

    def refuse(op, pod, old):
        if op == "CREATE" and c.engine.now < 1.0:
            raise Forbidden("pods", pod.metadata.name, "quota exceeded")
    c.store.add_admission("pods", refuse)
    c.apply(EXPORTER)
    c.run(5)
    fails = [t for t, src, reason, key, _ in c.engine.log.rows() if src == "daemonset-controller" and reason == "FailedCreate"]
    # two syncs fail at 0 (the set's ADDED, then its first status write); retries follow after 5 ms, then
    # (third failure) 20 ms, 40 ms, ... so at 0.005, 0.025, 0.065, ...; the one at 0.625 is followed by 1.265
    assert fails == pytest.approx([0.0, 0.0, 0.005, 0.025, 0.065, 0.145, 0.305, 0.625])
    assert c.created("general-0") == [pytest.approx(1.265)]
