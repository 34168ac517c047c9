"""Plugin behaviour beyond the upstream vectors: PodTopologySpread system defaults from the
selectors lister, simple filters' reasons, SchedulingGates, VolumeBinding hooks, and properties of
the per-node score functions the numba kernels will mirror."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from k8ssim.api.core import Container, Node, NodeSpec, NodeStatus, Pod, PodSpec, Taint, Toleration, Volume
from k8ssim.api.meta import ObjectMeta
from k8ssim.conformance.cases import _sched_inputs as si
from k8ssim.scheduler.framework import Code, CycleState, Handle
from k8ssim.scheduler.nodeinfo import NodeInfo, Snapshot
from k8ssim.scheduler.plugins import noderesources as nr
from k8ssim.scheduler.plugins.nodename import NodeName
from k8ssim.scheduler.plugins.nodeunschedulable import NodeUnschedulable
from k8ssim.scheduler.plugins.podtopologyspread import PodTopologySpread
from k8ssim.scheduler.plugins.schedulinggates import SchedulingGates
from k8ssim.scheduler.plugins.volumebinding import VolumeBinding


def node(name, labels=None, unschedulable=False):
    return Node(
        metadata=ObjectMeta(name=name, labels=dict(labels or {})),
        spec=NodeSpec(unschedulable=unschedulable),
        status=NodeStatus(allocatable={"cpu": 4000, "memory": 1 << 33, "pods": 110}),
    )


def pod(name, labels=None, node_name="", **spec):
    return Pod(metadata=ObjectMeta(name=name, namespace="default", uid=name, labels=dict(labels or {})), spec=PodSpec(node_name=node_name, **spec))


def test_topology_spread_system_defaults_use_the_selectors_of_owning_objects():
    """Hostname maxSkew 3 and zone maxSkew 5 (ScheduleAnyway), selector from the lister: 3 matching
    pods on n1, 0 on n2 → n2 preferred; without selectors the plugin skips."""
    nodes = [node("n1", {"kubernetes.io/hostname": "n1", "topology.kubernetes.io/zone": "z1"}),
             node("n2", {"kubernetes.io/hostname": "n2", "topology.kubernetes.io/zone": "z2"})]
    existing = [pod(f"e{i}", {"app": "web"}, "n1") for i in range(3)]
    snap = Snapshot(si.node_infos(nodes, existing))
    incoming = pod("new", {"app": "web"})
    selectors = lambda p: [{"app": "web"}] if p.metadata.labels.get("app") == "web" else []  # noqa: E731
    plugin = PodTopologySpread({"defaultingType": "System"}, Handle(snapshot=snap, selectors_for_pod=selectors))
    pre, norm, raw = si.run_score(plugin, incoming, snap.node_info_list, plugin.handle)
    assert pre == "Success"
    # raw: n1 = round(3·ln(4) + 2 + 3·ln(4) + 4) = 14, n2 = round(2 + 4) = 6
    assert raw == {"n1": 14, "n2": 6}
    assert norm == {"n1": 100 * (14 + 6 - 14) // 14, "n2": 100}
    lone = PodTopologySpread(None, Handle(snapshot=snap))
    assert si.run_score(lone, incoming, snap.node_info_list, lone.handle)[0] == "Skip"


def test_nodename_and_unschedulable_reasons():
    ni = NodeInfo(node("n1", unschedulable=True))
    st = NodeName().filter(CycleState(), pod("p", node_name="other"), ni)
    assert st.code == Code.UNSCHEDULABLE_AND_UNRESOLVABLE and st.reasons == ["node(s) didn't match the requested node name"]
    st = NodeUnschedulable().filter(CycleState(), pod("p"), ni)
    assert st.code == Code.UNSCHEDULABLE_AND_UNRESOLVABLE and st.reasons == ["node(s) were unschedulable"]
    tol = (Toleration(key="node.kubernetes.io/unschedulable", operator="Exists", effect="NoSchedule"),)
    assert NodeUnschedulable().filter(CycleState(), pod("p", tolerations=tol), ni) is None


def test_scheduling_gates_block_enqueue():
    st = SchedulingGates().pre_enqueue(pod("p", scheduling_gates=("a", "b")))
    assert st.code == Code.UNSCHEDULABLE_AND_UNRESOLVABLE and st.message() == "waiting for scheduling gates: [a b]"
    assert SchedulingGates().pre_enqueue(pod("p")) is None


def test_volume_binding_hooks():
    vb = VolumeBinding()
    assert vb.pre_filter(CycleState(), pod("p"), [])[1].is_skip()
    p = pod("p", volumes=(Volume("data", "persistentVolumeClaim", claim_name="data"),))
    st = vb.pre_filter(CycleState(), p, [])[1]
    assert st.code == Code.UNSCHEDULABLE_AND_UNRESOLVABLE and st.reasons == ['persistentvolumeclaim "data" not found']


u64 = st.integers(min_value=0, max_value=1 << 40)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(u64, u64, st.integers(1, 100)), min_size=1, max_size=4))
def test_score_functions_stay_in_range(rows):
    req = [r[0] for r in rows]
    alloc = [r[1] for r in rows]
    w = [r[2] for r in rows]
    for s in (nr.least_allocated_score(req, alloc, w), nr.most_allocated_score(req, alloc, w),
              nr.requested_to_capacity_ratio_score(req, alloc, w, [(0, 100), (100, 0)]),
              nr.balanced_resource_score(req, alloc)):
        assert 0 <= s <= 100


@settings(max_examples=200, deadline=None)
@given(u64, st.integers(1, 1 << 40))
def test_least_plus_most_is_100_or_99_within_capacity(req, alloc):
    """(alloc−req)·100//alloc + req·100//alloc ∈ {99, 100} when req ≤ alloc (integer division)."""
    if req <= alloc:
        assert nr.least_requested_score(req, alloc) + nr.most_requested_score(req, alloc) in (99, 100)
    else:
        assert nr.least_requested_score(req, alloc) == 0 and nr.most_requested_score(req, alloc) == 100


def test_go_division_and_rounding():
    assert nr.go_div(-7, 2) == -3 and nr.go_div(7, -2) == -3 and nr.go_div(7, 2) == 3
    assert nr.go_round(37.5) == 38 and nr.go_round(-2.5) == -3 and nr.go_round(2.49) == 2
