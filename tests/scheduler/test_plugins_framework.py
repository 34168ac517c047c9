"""Framework behaviour: weights, normalization, filter short-circuit, PreFilterResult merging,
nominated pods, selectHost reservoir sampling, numFeasibleNodesToFind, node tree order."""
from __future__ import annotations

import numpy as np
import pytest

from k8ssim.api.core import Container, Node, NodeStatus, Pod, PodSpec
from k8ssim.api.meta import ObjectMeta
from k8ssim.scheduler.framework import (
    Code,
    CycleState,
    Framework,
    FrameworkError,
    NodePluginScores,
    NodeScore,
    PreFilterResult,
    Status,
    default_normalize_score,
    find_nodes_that_fit,
    num_feasible_nodes_to_find,
    select_host,
)
from k8ssim.scheduler.nodeinfo import NodeInfo, PodInfo, Snapshot, node_tree_order
from k8ssim.scheduler.plugins.noderesources import Fit


def mknode(name, cpu=1000, pods=10, zone=None):
    labels = {"topology.kubernetes.io/zone": zone} if zone else {}
    return Node(metadata=ObjectMeta(name=name, labels=labels), status=NodeStatus(allocatable={"cpu": cpu, "memory": 1 << 30, "pods": pods}))


def mkpod(name, cpu=None, node="", priority=None):
    req = {} if cpu is None else {"cpu": cpu}
    return Pod(
        metadata=ObjectMeta(name=name, namespace="default", uid=name),
        spec=PodSpec(containers=[Container("c", requests=req)], node_name=node, priority=priority),
    )


class FixedScore:
    """A score plugin returning a fixed raw score per node (input data, not a mock)."""

    def __init__(self, name, table, normalize=None):
        self.name = name
        self.table = table
        self.normalize = normalize

    def score(self, state, pod, ni):
        return self.table[ni.name], None

    def normalize_score(self, state, pod, scores):
        if self.normalize:
            self.normalize(scores)
        return None


class RecordingFilter:
    def __init__(self, name, verdict):
        self.name = name
        self.verdict = verdict
        self.calls = 0

    def filter(self, state, pod, ni):
        self.calls += 1
        return self.verdict(ni)


class NamesPreFilter:
    def __init__(self, name, names):
        self.name = name
        self.names = names

    def pre_filter(self, state, pod, nodes):
        return (None if self.names is None else PreFilterResult(set(self.names))), None


def infos(*names):
    return [NodeInfo(mknode(n)) for n in names]


# --------------------------------------------------------------------------------------- scoring


def test_weighted_sum_of_normalized_scores():
    a = FixedScore("A", {"n1": 10, "n2": 20}, lambda s: default_normalize_score(100, False, s))
    b = FixedScore("B", {"n1": 30, "n2": 0})
    fwk = Framework("p", {"score": [a, b]}, {"A": 2, "B": 3})
    res, st = fwk.run_score_plugins(CycleState(), mkpod("p"), infos("n1", "n2"))
    assert st.is_success()
    # A normalized: 50, 100 (×2); B raw 30, 0 (×3)
    assert [r.total_score for r in res] == [50 * 2 + 30 * 3, 100 * 2]
    assert [(ps.name, ps.raw, ps.normalized, ps.score) for ps in res[0].scores] == [("A", 10, 50, 100), ("B", 30, 30, 90)]


def test_zero_weight_defaults_to_one_and_skip_from_prescore():
    class SkipPre(FixedScore):
        def pre_score(self, state, pod, nodes):
            return Status.skip()

    a = FixedScore("A", {"n1": 7})
    s = SkipPre("S", {"n1": 99})
    fwk = Framework("p", {"preScore": [s], "score": [a, s]}, {"A": 0})
    state = CycleState()
    assert fwk.run_pre_score_plugins(state, mkpod("p"), infos("n1")).is_success()
    res, _ = fwk.run_score_plugins(state, mkpod("p"), infos("n1"))
    assert res[0].total_score == 7 and [p.name for p in res[0].scores] == ["A"]


def test_score_outside_range_after_normalize_is_an_error():
    fwk = Framework("p", {"score": [FixedScore("A", {"n1": 101})]})
    _, st = fwk.run_score_plugins(CycleState(), mkpod("p"), infos("n1"))
    assert st.code == Code.ERROR and st.plugin == "A"


@pytest.mark.parametrize(
    "raw,reverse,want",
    [
        ([2, 11, 4], False, [18, 100, 36]),  # NodeAffinity example in k8s-algorithms §2.5
        ([0, 0], False, [0, 0]),
        ([0, 0], True, [100, 100]),
        ([1, 2, 0], True, [50, 0, 100]),  # TaintToleration: fewer intolerable taints score higher
    ],
)
def test_default_normalize_score(raw, reverse, want):
    scores = [NodeScore(f"n{i}", s) for i, s in enumerate(raw)]
    default_normalize_score(100, reverse, scores)
    assert [s.score for s in scores] == want


# --------------------------------------------------------------------------------------- filters


def test_filter_stops_at_first_failure_and_names_the_plugin():
    a = RecordingFilter("A", lambda ni: None)
    b = RecordingFilter("B", lambda ni: Status.unschedulable("nope"))
    c = RecordingFilter("C", lambda ni: Status.unresolvable("never asked"))
    fwk = Framework("p", {"filter": [a, b, c]})
    st = fwk.run_filter_plugins(CycleState(), mkpod("p"), infos("n1")[0])
    assert st.code == Code.UNSCHEDULABLE and st.plugin == "B" and st.reasons == ["nope"]
    assert (a.calls, b.calls, c.calls) == (1, 1, 0)


def test_prefilter_results_intersect():
    fwk = Framework("p", {"preFilter": [NamesPreFilter("A", ["a", "b"]), NamesPreFilter("B", None), NamesPreFilter("C", ["b", "c"])]})
    res, st, _ = fwk.run_pre_filter_plugins(CycleState(), mkpod("p"), [])
    assert st.is_success() and res.node_names == {"b"}


def test_prefilter_disjoint_results_are_unresolvable():
    fwk = Framework("p", {"preFilter": [NamesPreFilter("A", ["a"]), NamesPreFilter("C", ["c"])]})
    res, st, plugins = fwk.run_pre_filter_plugins(CycleState(), mkpod("p"), [])
    assert st.code == Code.UNSCHEDULABLE_AND_UNRESOLVABLE
    assert st.message() == "node(s) didn't satisfy plugin(s) ['A', 'C'] simultaneously"
    assert plugins == {"A", "C"}


def test_prefilter_merge_identity():
    assert PreFilterResult().merge(None) is None
    assert PreFilterResult({"x"}).merge(PreFilterResult()).node_names == {"x"}


def test_prefilter_skip_skips_that_plugins_filter():
    class Skipper(RecordingFilter):
        def pre_filter(self, state, pod, nodes):
            return None, Status.skip()

    s = Skipper("S", lambda ni: Status.unresolvable("should be skipped"))
    fwk = Framework("p", {"preFilter": [s], "filter": [s]})
    state = CycleState()
    fwk.run_pre_filter_plugins(state, mkpod("p"), [])
    assert fwk.run_filter_plugins(state, mkpod("p"), infos("n1")[0]).is_success()
    assert s.calls == 0


def test_nominated_pods_are_added_in_the_first_pass():
    fit = Fit()
    fwk = Framework("p", {"preFilter": [fit], "filter": [fit]})
    ni = NodeInfo(mknode("n1", cpu=1000))
    pod = mkpod("p", cpu=600)
    state = CycleState()
    fwk.run_pre_filter_plugins(state, pod, [ni])
    assert fwk.run_filter_plugins_with_nominated_pods(state, pod, ni, []).is_success()
    st = fwk.run_filter_plugins_with_nominated_pods(state, pod, ni, [PodInfo(mkpod("nom", cpu=500))])
    assert st.code == Code.UNSCHEDULABLE and st.reasons == ["Insufficient cpu"]
    assert ni.requested.get("cpu", 0) == 0  # the node info itself is not changed


def test_fit_filter_code_upgrade_when_request_exceeds_allocatable():
    fit = Fit()
    ni = NodeInfo(mknode("n1", cpu=1000))
    state = CycleState()
    fit.pre_filter(state, mkpod("p", cpu=2000), [ni])
    st = fit.filter(state, mkpod("p", cpu=2000), ni)
    assert st.code == Code.UNSCHEDULABLE_AND_UNRESOLVABLE


# ------------------------------------------------------------------------------ cycle helpers


@pytest.mark.parametrize("n,pct,want", [(50, None, 50), (100, None, 100), (1000, None, 420), (5000, None, 500), (6000, None, 300), (1000, 40, 400), (6000, 40, 2400), (200, 1, 100)])
def test_num_feasible_nodes_to_find(n, pct, want):
    assert num_feasible_nodes_to_find(n, pct) == want


def test_find_nodes_that_fit_rotates_and_stops():
    reject_odd = RecordingFilter("F", lambda ni: Status.unschedulable("odd") if int(ni.name[1:]) % 2 else None)
    fwk = Framework("p", {"filter": [reject_odd]})
    nodes = infos(*[f"n{i}" for i in range(6)])
    feasible, statuses, processed = find_nodes_that_fit(fwk, CycleState(), mkpod("p"), nodes, start_index=3, num_to_find=2)
    assert [n.name for n in feasible] == ["n4", "n0"]
    assert set(statuses) == {"n3", "n5"} and processed == 4


def test_select_host_unique_max():
    scores = [NodePluginScores("a", [], 10), NodePluginScores("b", [], 30), NodePluginScores("c", [], 20)]
    name, top = select_host(scores, np.random.default_rng(0))
    assert name == "b" and [s.name for s in top] == ["b", "c", "a"]


def test_select_host_tie_break_is_uniform():
    """Reservoir sampling over 4 tied nodes: chi-square over 20000 draws below the p=0.001
    critical value for 3 degrees of freedom (16.27)."""
    rng = np.random.default_rng(12345)
    names = ["a", "b", "c", "d"]
    counts = dict.fromkeys(names, 0)
    draws = 20000
    for _ in range(draws):
        scores = [NodePluginScores(n, [], 50) for n in names] + [NodePluginScores("low", [], 10)]
        name, top = select_host(scores, rng)
        counts[name] += 1
        assert top[0].name == name and len(top) == 3
    expected = draws / 4
    chi2 = sum((c - expected) ** 2 / expected for c in counts.values())
    assert chi2 < 16.27, counts


def test_select_host_is_deterministic_for_a_seed():
    scores = lambda: [NodePluginScores(n, [], 1) for n in "abcdef"]  # noqa: E731
    a = [select_host(scores(), np.random.default_rng(7))[0] for _ in range(1)]
    b = [select_host(scores(), np.random.default_rng(7))[0] for _ in range(1)]
    assert a == b


def test_select_host_empty_is_an_error():
    with pytest.raises(FrameworkError):
        select_host([], np.random.default_rng(0))


# ------------------------------------------------------------------------------ node info


def test_node_tree_interleaves_zones():
    nodes = [mknode("a1", zone="a"), mknode("a2", zone="a"), mknode("a3", zone="a"), mknode("b1", zone="b"), mknode("c1", zone="c"), mknode("c2", zone="c")]
    assert [n.metadata.name for n in node_tree_order(nodes)] == ["a1", "b1", "c1", "a2", "c2", "a3"]


def test_nodeinfo_add_remove_and_snapshot_independence():
    ni = NodeInfo(mknode("n1"))
    p1, p2 = mkpod("p1", cpu=100, node="n1"), mkpod("p2", node="n1")
    ni.add_pod(p1)
    ni.add_pod(p2)
    assert ni.requested["cpu"] == 100 and ni.non_zero_requested["cpu"] == 200  # p2 counts 100m non-zero
    snap = ni.snapshot()
    assert ni.remove_pod(p1) and not ni.remove_pod(p1)
    assert ni.requested["cpu"] == 0 and ni.non_zero_requested["cpu"] == 100 and len(ni.pods) == 1
    assert snap.requested["cpu"] == 100 and len(snap.pods) == 2
    assert snap.generation < ni.generation


def test_snapshot_places_pods_and_counts_images():
    from k8ssim.api.core import ContainerImage

    n1, n2 = mknode("n1"), mknode("n2")
    n1.status.images = [ContainerImage(("img:1",), 100)]
    n2.status.images = [ContainerImage(("img:1",), 100), ContainerImage(("other:2",), 5)]
    snap = Snapshot.from_objects([mkpod("p", cpu=10, node="n2")], [n1, n2])
    assert snap.get("n2").requested["cpu"] == 10
    assert snap.get("n1").image_states["img:1"].num_nodes == 2
    assert snap.get("n2").image_states["other:2"].num_nodes == 1
