"""StatefulSet controller against upstream semantics (stateful_set_control.go, v1.35), with exact
simulated times.

The cluster here is the store, the garbage collector and the StatefulSet controller, plus two stand-ins
with fixed timing so that these tests pin the controller, not the node model: a scheduler that binds each
new pod at the instant it is created (round robin over the nodes) and a kubelet (:class:`FakeKubelet`)
that starts a bound pod 1 s later and makes it Ready ``initialDelaySeconds`` (5 s in web.yaml) after that,
and removes a deleted pod 1 s after its deletion. So a pod created at t is Running at t+1 and Ready at
t+6, and a deleted pod is gone at t+1.
"""
from __future__ import annotations

import copy
import os

import pytest

from k8ssim.admission import DefaultTolerationSeconds
from k8ssim.api.core import Node, NodeCondition, NodeSpec, NodeStatus
from k8ssim.api.manifests import load_manifest_file, load_manifest_string
from k8ssim.api.meta import ObjectMeta
from k8ssim.controllers import history as H
from k8ssim.controllers.garbagecollector import GarbageCollector
from k8ssim.controllers.statefulset import (POD_INDEX_LABEL, STATEFUL_SET_POD_NAME_LABEL,
                                            STATEFUL_SET_REVISION_LABEL, StatefulSetController, max_unavailable)
from k8ssim.engine import Engine
from k8ssim.store import Store
from tests.controllers.fake_kubelet import FakeKubelet

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.path.join(REPO, "..", "shared")
WEB = os.path.join(REPO, "scenarios", "manifests", "statefulset", "web.yaml")
IMAGES = ("registry.k8s.io/nginx-slim:0.8", "registry.k8s.io/nginx-slim:0.9")


class Cluster:
    """Store + kubelets + StatefulSet controller + an instant binder; records pod events."""

    def __init__(self, nodes: int = 3):
        self.engine = Engine(1)
        self.store = Store(self.engine)
        self.store.add_admission("pods", DefaultTolerationSeconds())
        self.kubelets = FakeKubelet(self.engine, self.store)
        self.ctrl = StatefulSetController(self.engine, self.store)
        self.gc = GarbageCollector(self.engine, self.store)
        self.events: list = []  # (time, type, name, uid, phase, ready, terminating)
        self._next = 0
        for comp in (self.kubelets, self.gc, self.ctrl):
            comp.start()
        self.store.watch("pods", self._on_pod)
        for i in range(nodes):
            self.store.create(Node(
                metadata=ObjectMeta(name=f"node-{i}", labels={"kubernetes.io/hostname": f"node-{i}"}),
                spec=NodeSpec(pod_cidr=f"10.244.{i}.0/24"),
                status=NodeStatus(capacity={"cpu": 4000, "pods": 110}, allocatable={"cpu": 4000, "pods": 110},
                                  conditions=[NodeCondition("Ready", "True")])))

    def _on_pod(self, etype, pod, old) -> None:
        self.events.append((self.engine.now, etype, pod.metadata.name, pod.metadata.uid, pod.status.phase,
                            pod.is_ready(), pod.metadata.deletion_timestamp is not None))
        if etype == "ADDED" and not pod.spec.node_name and pod.metadata.deletion_timestamp is None:
            b = pod.copy()  # the default scheduler's bind, with zero latency
            b.spec = copy.copy(pod.spec)
            b.spec.node_name = f"node-{self._next % 3}"
            self._next += 1
            self.store.update(b)

    def apply(self, text_or_path: str):
        ms = load_manifest_file(text_or_path) if text_or_path.endswith(".yaml") else load_manifest_string(text_or_path)
        return [self.store.create(o) for o in ms.objects]

    def run(self, until: float) -> None:
        self.engine.run(until=until)

    def at(self, t: float, fn, *args) -> None:
        self.engine.call_at(t, fn, *args)

    def sts(self, name: str = "web"):
        return self.store.get("statefulsets", "default", name)

    def pod(self, name: str):
        return self.store.try_get("pods", "default", name)

    def created(self, name: str) -> list:
        return [e[0] for e in self.events if e[1] == "ADDED" and e[2] == name]

    def deleted(self, name: str) -> list:
        return [e[0] for e in self.events if e[1] == "DELETED" and e[2] == name]

    def ready_at(self, name: str) -> list:
        return [e[0] for e in self.events if e[1] == "MODIFIED" and e[2] == name and e[5]
                and not any(x[0] < e[0] and x[2] == name and x[3] == e[3] and x[5] for x in self.events)]

    def scale(self, replicas: int, name: str = "web") -> None:
        def fn(s):
            s.spec = copy.copy(s.spec)
            s.spec.replicas = replicas
        self.store.patch("statefulsets", "default", name, fn)

    def set_image(self, image: str, name: str = "web") -> None:
        def fn(s):
            s.spec = copy.copy(s.spec)
            t = copy.copy(s.spec.template)
            t.spec = copy.copy(t.spec)
            t.spec.containers = [copy.copy(c) for c in t.spec.containers]
            t.spec.containers[0].image = image
            s.spec.template = t
        self.store.patch("statefulsets", "default", name, fn)


def web(**spec_overrides) -> str:
    """The scenario's web StatefulSet manifest with spec fields replaced (YAML text)."""
    import yaml

    docs = list(yaml.safe_load_all(open(WEB)))
    sts = docs[1]
    for k, v in spec_overrides.items():
        sts["spec"][k] = v
    return yaml.safe_dump_all(docs)


# ------------------------------------------------------------------------------------------ scale up


def test_ordered_ready_creates_each_pod_after_its_predecessor_is_ready():
    c = Cluster()
    c.apply(WEB)
    c.run(60)
    # web-0 created at 0, Ready at 0+1+5 = 6; web-1 only then (6, Ready 12); web-2 at 12 (Ready 18)
    assert [c.created(f"web-{i}") for i in range(3)] == [[0.0], [6.0], [12.0]]
    assert [c.ready_at(f"web-{i}") for i in range(3)] == [[6.0], [12.0], [18.0]]
    assert c.pod("web-3") is None


def test_pod_identity_labels_hostname_and_claim_volumes():
    c = Cluster()
    c.apply(WEB)
    c.run(60)
    s = c.sts()
    for i in range(3):
        p = c.pod(f"web-{i}")
        assert p.metadata.labels[STATEFUL_SET_POD_NAME_LABEL] == f"web-{i}"
        assert p.metadata.labels[POD_INDEX_LABEL] == str(i)
        assert p.metadata.labels[STATEFUL_SET_REVISION_LABEL] == s.status.update_revision
        assert p.metadata.labels["app"] == "nginx"
        assert (p.spec.hostname, p.spec.subdomain) == (f"web-{i}", "nginx")
        vols = {v.name: v for v in p.spec.volumes}
        assert vols["www"].source == "persistentVolumeClaim" and vols["www"].claim_name == f"www-web-{i}"
        ref = p.metadata.controller_ref()
        assert (ref.kind, ref.name, ref.uid) == ("StatefulSet", "web", s.metadata.uid)


def test_claims_are_created_before_their_pod_and_bound_to_a_volume_made_for_them():
    c = Cluster()
    created = []
    c.store.watch("persistentvolumeclaims", lambda t, o, old: created.append((c.engine.now, t, o.metadata.name)))
    c.apply(WEB)
    c.run(60)
    names = [n for _, t, n in created if t == "ADDED"]
    assert names == ["www-web-0", "www-web-1", "www-web-2"]
    for i in range(3):
        pvc = c.store.get("persistentvolumeclaims", "default", f"www-web-{i}")
        assert pvc.metadata.creation_timestamp == c.created(f"web-{i}")[0]
        assert pvc.metadata.resource_version < c.store.try_get("pods", "default", f"web-{i}").metadata.resource_version
        assert pvc.status.phase == "Bound" and pvc.metadata.labels == {"app": "nginx"}
        assert pvc.spec.requests["storage"] == 1 << 30 and pvc.status.capacity["storage"] == 1 << 30
        pv = c.store.get("persistentvolumes", None, pvc.spec.volume_name)
        assert pv.metadata.name == f"pvc-{pvc.metadata.uid}"
        assert pv.status.phase == "Bound"
        assert pv.spec.claim_ref == ("default", f"www-web-{i}", pvc.metadata.uid)
        assert pv.spec.access_modes == ("ReadWriteOnce",)


def test_status_and_controller_revision_after_rollout():
    c = Cluster()
    c.apply(WEB)
    c.run(60)
    s = c.sts()
    st = s.status
    assert (st.replicas, st.ready_replicas, st.current_replicas, st.updated_replicas, st.available_replicas) == (3,) * 5
    assert st.observed_generation == s.metadata.generation == 1
    assert st.current_revision == st.update_revision
    revs = c.store.list("controllerrevisions", "default")
    assert [r.metadata.name for r in revs] == [st.update_revision]
    cr = revs[0]
    h = cr.metadata.labels[H.CONTROLLER_REVISION_HASH_LABEL]
    assert cr.metadata.name == f"web-{h}" and cr.revision == 1 and cr.metadata.labels["app"] == "nginx"
    assert cr.metadata.controller_ref().uid == s.metadata.uid


def test_parallel_creates_all_pods_at_once():
    c = Cluster()
    c.apply(web(podManagementPolicy="Parallel"))
    c.run(30)
    assert [c.created(f"web-{i}") for i in range(3)] == [[0.0]] * 3
    assert [c.ready_at(f"web-{i}") for i in range(3)] == [[6.0]] * 3


def test_min_ready_seconds_waits_for_the_predecessor_to_be_available():
    c = Cluster()
    c.apply(web(minReadySeconds=10))
    c.run(80)
    # web-0 Ready at 6 is available strictly after 6+10 = 16: web-1 is created at the first instant after 16
    t1 = c.created("web-1")[0]
    assert t1 > 16.0 and t1 == pytest.approx(16.0, abs=1e-9)
    t2 = c.created("web-2")[0]  # web-1 Ready at t1+6, available after t1+16
    assert t2 > t1 + 16 and t2 == pytest.approx(32.0, abs=1e-9)
    assert c.sts().status.available_replicas == 3


def test_ordinals_start():
    c = Cluster()
    c.apply(web(ordinals={"start": 5}))
    c.run(60)
    names = sorted(p.metadata.name for p in c.store.list("pods"))
    assert names == ["web-5", "web-6", "web-7"]
    assert c.created("web-5") == [0.0] and c.created("web-6") == [6.0] and c.created("web-7") == [12.0]
    assert c.pod("web-6").metadata.labels[POD_INDEX_LABEL] == "6"
    assert sorted(p.metadata.name for p in c.store.list("persistentvolumeclaims")) == \
        ["www-web-5", "www-web-6", "www-web-7"]


# ---------------------------------------------------------------------------------------- scale down


def test_scale_down_deletes_highest_ordinal_first_one_at_a_time_and_keeps_claims():
    c = Cluster()
    c.apply(WEB)
    c.at(30.0, c.scale, 1)
    c.run(60)
    # web-2 deleted at 30 and gone at 31 (stop latency 1 s); only then web-1 (gone at 32)
    assert c.deleted("web-2") == [31.0] and c.deleted("web-1") == [32.0]
    term = [(e[0], e[2]) for e in c.events if e[1] == "MODIFIED" and e[6]
            and not any(x[2] == e[2] and x[6] and x[0] < e[0] for x in c.events)]
    assert term[:2] == [(30.0, "web-2"), (31.0, "web-1")]
    assert c.pod("web-0") is not None and c.deleted("web-0") == []
    # persistentVolumeClaimRetentionPolicy whenScaled defaults to Retain
    assert sorted(p.metadata.name for p in c.store.list("persistentvolumeclaims")) == \
        ["www-web-0", "www-web-1", "www-web-2"]
    st = c.sts().status
    assert (st.replicas, st.ready_replicas, st.current_replicas) == (1, 1, 1)


def test_scale_up_again_reuses_the_retained_claims():
    c = Cluster()
    c.apply(WEB)
    c.at(30.0, c.scale, 1)
    c.at(40.0, c.scale, 3)
    uid1 = {}
    c.at(20.0, lambda: uid1.update(w1=c.store.get("persistentvolumeclaims", "default", "www-web-1").metadata.uid))
    c.run(80)
    assert c.created("web-1") == [6.0, 40.0] and c.created("web-2") == [12.0, 46.0]
    assert c.store.get("persistentvolumeclaims", "default", "www-web-1").metadata.uid == uid1["w1"]


def test_retention_policy_delete_when_scaled_removes_claims_with_their_pods():
    c = Cluster()
    c.apply(web(persistentVolumeClaimRetentionPolicy={"whenScaled": "Delete", "whenDeleted": "Retain"}))
    c.at(30.0, c.scale, 1)
    gone = []
    c.store.watch("persistentvolumeclaims",
                  lambda t, o, old: gone.append((c.engine.now, o.metadata.name)) if t == "DELETED" else None)
    c.run(60)
    # the claim goes with its pod (the garbage collector's work): www-web-2 at 31, www-web-1 at 32
    assert gone == [(31.0, "www-web-2"), (32.0, "www-web-1")]
    assert [p.metadata.name for p in c.store.list("persistentvolumeclaims")] == ["www-web-0"]
    assert len(c.store.list("persistentvolumes")) == 1


def test_retention_policy_delete_when_deleted_owns_claims_by_the_set():
    c = Cluster()
    c.apply(web(persistentVolumeClaimRetentionPolicy={"whenScaled": "Retain", "whenDeleted": "Delete"}))
    c.run(30)
    uid = c.sts().metadata.uid
    for i in range(3):
        refs = c.store.get("persistentvolumeclaims", "default", f"www-web-{i}").metadata.owner_references
        assert [(r.kind, r.name, r.uid, r.controller) for r in refs] == [("StatefulSet", "web", uid, True)]
    c.store.delete("statefulsets", "default", "web")
    c.run(31)
    assert c.store.list("persistentvolumeclaims") == []


# ------------------------------------------------------------------------------------ at most one


def test_terminating_pod_is_not_replaced_until_it_is_gone():
    """I4: a pod on a node whose kubelet does not answer stays terminating; its replacement is
    created only when the object is really gone (here: force-deleted at t=100)."""
    c = Cluster()
    c.apply(WEB)
    c.run(30)
    node = c.pod("web-1").spec.node_name
    c.kubelets.down.add(node)  # the node is unreachable: nobody finishes the pod's deletion
    c.store.delete("pods", "default", "web-1")
    c.at(100.0, lambda: c.store.delete("pods", "default", "web-1", grace_period_seconds=0))
    c.run(99)
    # deletionTimestamp = 30 + grace 10; the pod object stays past it
    assert c.created("web-1") == [6.0] and c.pod("web-1").metadata.deletion_timestamp == 40.0
    c.run(130)
    assert c.deleted("web-1") == [100.0] and c.created("web-1") == [6.0, 100.0]
    # OrderedReady: web-2 waited; nothing else was touched
    assert c.created("web-2") == [12.0] and c.deleted("web-2") == []


def test_failed_pod_is_deleted_and_recreated():
    c = Cluster()
    c.apply(WEB)
    c.run(30)

    def fail():
        p = c.pod("web-0").copy()
        p.status.phase = "Failed"
        c.store.update_status(p)
    c.at(40.0, fail)
    c.run(60)
    # a Failed pod is deleted at once (no grace), and a new web-0 made as soon as the old one is gone
    assert c.deleted("web-0") == [40.0] and c.created("web-0") == [0.0, 40.0]
    assert c.ready_at("web-0") == [6.0, 46.0]


# -------------------------------------------------------------------------------------- updates


def _unhealthy_over_time(c: Cluster, names: list, t0: float) -> int:
    """Most replicas not (Running, Ready, not terminating) at once after t0, from the pod events."""
    state = {}
    worst = 0
    for t, etype, name, uid, phase, ready, term in c.events:
        if name not in names:
            continue
        state[name] = None if etype == "DELETED" else (phase == "Running" and ready and not term)
        if t >= t0:
            worst = max(worst, sum(1 for n in names if not state.get(n)))
    return worst


def test_rolling_update_goes_from_the_highest_ordinal_down_one_at_a_time():
    c = Cluster()
    c.apply(WEB)
    c.at(60.0, c.set_image, IMAGES[1])
    c.run(120)
    # web-2 deleted at 60, gone at 61, re-created at 61 (Ready 67); then web-1 (gone 68, Ready 74), web-0 (75, 81)
    assert c.created("web-2") == [12.0, 61.0]
    assert c.created("web-1") == [6.0, 68.0]
    assert c.created("web-0") == [0.0, 75.0]
    s = c.sts()
    st = s.status
    assert st.current_revision == st.update_revision and st.updated_replicas == 3 and st.current_replicas == 3
    for i in range(3):
        p = c.pod(f"web-{i}")
        assert p.spec.containers[0].image == IMAGES[1]
        assert p.metadata.labels[STATEFUL_SET_REVISION_LABEL] == st.update_revision
    assert _unhealthy_over_time(c, ["web-0", "web-1", "web-2"], 60.0) == 1  # maxUnavailable 1
    revs = sorted(c.store.list("controllerrevisions"), key=lambda r: r.revision)
    assert [r.revision for r in revs] == [1, 2] and revs[1].metadata.name == st.update_revision


def test_rolling_update_status_mid_rollout():
    c = Cluster()
    c.apply(WEB)
    c.at(60.0, c.set_image, IMAGES[1])
    c.run(70)  # web-2 updated and Ready at 67; web-1 deleted at 67, re-created at 68, Ready only at 74
    st = c.sts().status
    assert st.current_revision != st.update_revision
    assert st.updated_replicas == 2 and st.current_replicas == 1  # web-2, web-1 new; web-0 old
    assert st.replicas == 3 and st.ready_replicas == 2 and st.observed_generation == 2


def test_partition_updates_only_ordinals_at_or_above_it():
    c = Cluster()
    c.apply(web(updateStrategy={"type": "RollingUpdate", "rollingUpdate": {"partition": 2}}))
    c.at(60.0, c.set_image, IMAGES[1])
    c.run(120)
    assert c.pod("web-2").spec.containers[0].image == IMAGES[1]
    assert c.pod("web-1").spec.containers[0].image == IMAGES[0] and c.created("web-1") == [6.0]
    assert c.pod("web-0").spec.containers[0].image == IMAGES[0] and c.created("web-0") == [0.0]
    st = c.sts().status
    assert st.updated_replicas == 1 and st.current_replicas == 2 and st.current_revision != st.update_revision
    # a pod below the partition re-created after a deletion keeps the current revision
    c.store.delete("pods", "default", "web-0")
    c.run(140)
    assert c.created("web-0") == [0.0, 121.0] and c.pod("web-0").spec.containers[0].image == IMAGES[0]


def test_max_unavailable_two_deletes_two_at_a_time_but_ordered_ready_recreates_in_order():
    c = Cluster()
    c.apply(web(replicas=4, updateStrategy={"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 2}}))
    c.at(60.0, c.set_image, IMAGES[1])
    c.run(120)
    # web-3 and web-2 deleted together at 60 (gone at 61); OrderedReady re-creates web-2 at 61 and web-3 only
    # once web-2 is Ready (67, Ready 73); then web-1 and web-0 go together at 73 (gone 74): web-0 at 74, web-1 at 80
    assert [c.created(f"web-{i}")[-1] for i in range(4)] == [74.0, 80.0, 61.0, 67.0]
    assert [c.deleted(f"web-{i}")[-1] for i in range(4)] == [74.0, 74.0, 61.0, 61.0]
    assert _unhealthy_over_time(c, [f"web-{i}" for i in range(4)], 60.0) == 2


def test_max_unavailable_two_with_parallel_replaces_two_at_a_time():
    c = Cluster()
    c.apply(web(replicas=4, podManagementPolicy="Parallel",
                updateStrategy={"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 2}}))
    c.at(60.0, c.set_image, IMAGES[1])
    c.run(120)
    # web-3, web-2 deleted at 60, back at 61, Ready at 67; then web-1, web-0 (deleted 67, back 68)
    assert [c.created(f"web-{i}")[-1] for i in range(4)] == [68.0, 68.0, 61.0, 61.0]
    assert _unhealthy_over_time(c, [f"web-{i}" for i in range(4)], 60.0) == 2


@pytest.mark.parametrize("value,replicas,want", [(None, 5, 1), (2, 5, 2), ("50%", 5, 2), ("10%", 5, 1), ("100%", 3, 3)])
def test_max_unavailable_rounding(value, replicas, want):
    # getStatefulSetMaxUnavailable: default 1, percent rounds down, at least 1
    c = Cluster(nodes=0)
    s = c.apply(web(replicas=replicas))[-1]
    s = copy.copy(s)
    s.spec = copy.copy(s.spec)
    s.spec.update_strategy = copy.copy(s.spec.update_strategy)
    s.spec.update_strategy.max_unavailable = value
    assert max_unavailable(s) == want


def test_on_delete_updates_a_pod_only_when_it_is_deleted():
    c = Cluster()
    c.apply(web(updateStrategy={"type": "OnDelete"}))
    c.at(60.0, c.set_image, IMAGES[1])
    c.at(90.0, lambda: c.store.delete("pods", "default", "web-1"))
    c.run(120)
    assert c.created("web-0") == [0.0] and c.created("web-2") == [12.0]
    assert c.created("web-1") == [6.0, 91.0] and c.pod("web-1").spec.containers[0].image == IMAGES[1]
    st = c.sts().status
    assert st.updated_replicas == 1 and st.current_replicas == 2


def test_rollback_reuses_the_earlier_revision():
    c = Cluster()
    c.apply(WEB)
    c.at(60.0, c.set_image, IMAGES[1])
    c.at(100.0, c.set_image, IMAGES[0])
    c.run(160)
    revs = sorted(c.store.list("controllerrevisions"), key=lambda r: r.revision)
    # getStatefulSetRevisions: an equal earlier revision is renumbered, not duplicated
    assert len(revs) == 2 and revs[-1].revision == 3
    st = c.sts().status
    assert st.update_revision == st.current_revision == revs[-1].metadata.name
    assert all(c.pod(f"web-{i}").spec.containers[0].image == IMAGES[0] for i in range(3))


# ------------------------------------------------------------------------------- real manifests


def test_kubernetes_website_web_example_runs(shared=SHARED):
    """The website's StatefulSet tutorial manifest: no readiness probe, so a pod is Ready at start (1 s)."""
    c = Cluster()
    c.apply(os.path.join(shared, "manifests", "website", "application", "web", "web.yaml"))
    c.run(30)
    assert c.created("web-0") == [0.0] and c.created("web-1") == [1.0]
    assert sorted(p.metadata.name for p in c.store.list("persistentvolumeclaims")) == ["www-web-0", "www-web-1"]


def test_statefulset_scenario():
    """scenarios/statefulset.yaml with its timeline: ordered start, a rolling update at 60 s (web-2, web-1,
    web-0, each re-created 1 s after its deletion and Ready 6 s later), a scale-down to 1 at 180 s."""
    from k8ssim.scenario.loader import load_scenario
    from k8ssim.scenario.nodes import build_pool_nodes
    from k8ssim.simulation import INSTALL_ORDER
    from k8ssim.timeline import Timeline

    loaded = load_scenario(os.path.join(REPO, "scenarios", "statefulset.yaml"))
    c = Cluster(nodes=0)
    for pool in loaded.spec.cluster.nodePools:
        for n in build_pool_nodes(pool):
            c.store.create(n)
    for o in sorted(loaded.manifests.objects, key=lambda o: INSTALL_ORDER.index(o.kind)):
        c.store.create(o)
    Timeline(c.engine, c.store, loaded).start()
    c.run(loaded.spec.duration)
    assert c.created("web-0") == [0.0, 75.0] and c.created("web-1") == [6.0, 68.0]
    assert c.created("web-2") == [12.0, 61.0]
    assert c.deleted("web-2") == [61.0, 181.0] and c.deleted("web-1") == [68.0, 182.0]
    assert [p.metadata.name for p in c.store.list("pods")] == ["web-0"]
    assert c.pod("web-0").spec.containers[0].image == "registry.k8s.io/nginx-slim:0.9"
    assert [p.metadata.name for p in c.store.list("persistentvolumeclaims")] == ["www-web-0", "www-web-1", "www-web-2"]
    st = c.sts().status
    assert (st.replicas, st.ready_replicas, st.current_replicas, st.updated_replicas) == (1, 1, 1, 1)
    assert st.current_revision == st.update_revision and st.observed_generation == 3


def test_apiserver_outage_is_retried_not_fatal():
    """While the apiserver is unavailable (0 to 2 s) every sync fails and is retried with the workqueue
    backoff (5 ms doubling): attempts at 0.005 * (2^n - 1), the first after 2 s being n = 9, 2.555."""
    c = Cluster()
    c.apply(WEB)
    c.store.available = False  # before the set's ADDED event is delivered
    c.at(2.0, setattr, c.store, "available", True)
    c.run(30)
    assert c.created("web-0") == [pytest.approx(2.555)]
    assert c.created("web-1") == [pytest.approx(2.555 + 6)]
