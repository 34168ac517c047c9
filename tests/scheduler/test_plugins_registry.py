"""Profiles built from KubeSchedulerConfiguration-shaped dicts: the upstream default plugin
expansion and weights, enable/disable/"*" merging, pluginConfig args, user plugins by dotted path."""
from __future__ import annotations

import textwrap

import pytest

from k8ssim.api.core import Container, Node, NodeStatus, Pod, PodSpec
from k8ssim.api.meta import ObjectMeta
from k8ssim.scheduler.framework import CycleState, FrameworkError, Handle
from k8ssim.scheduler.nodeinfo import NodeInfo
from k8ssim.scheduler.plugins.registry import build_framework


class DefaultPreemptionInput:
    """Stands in for the DefaultPreemption plugin (another module) in these expansion tests."""

    name = "DefaultPreemption"

    def __init__(self, args, handle):
        self.args = args

    def post_filter(self, state, pod, statuses):
        return None, None


REG = {"DefaultPreemption": DefaultPreemptionInput}


def names(fwk, point):
    return [n for n, _ in fwk.list_plugins().get(point, [])]


def test_default_profile_matches_upstream_expansion():
    fwk = build_framework(registry=REG)
    assert fwk.profile_name == "default-scheduler"
    assert names(fwk, "queueSort") == ["PrioritySort"]
    assert names(fwk, "preEnqueue") == ["SchedulingGates"]
    assert names(fwk, "preFilter") == ["NodeAffinity", "NodePorts", "NodeResourcesFit", "VolumeBinding", "PodTopologySpread", "InterPodAffinity"]
    assert names(fwk, "filter") == [
        "NodeUnschedulable", "NodeName", "TaintToleration", "NodeAffinity", "NodePorts", "NodeResourcesFit",
        "VolumeBinding", "PodTopologySpread", "InterPodAffinity",
    ]
    assert names(fwk, "postFilter") == ["DefaultPreemption"]
    assert names(fwk, "preScore") == ["TaintToleration", "NodeAffinity", "NodeResourcesFit", "PodTopologySpread", "InterPodAffinity", "NodeResourcesBalancedAllocation"]
    assert fwk.list_plugins()["score"] == [
        ("TaintToleration", 3), ("NodeAffinity", 2), ("NodeResourcesFit", 1), ("PodTopologySpread", 2),
        ("InterPodAffinity", 2), ("NodeResourcesBalancedAllocation", 1), ("ImageLocality", 1),
    ]
    assert sum(fwk.score_plugin_weight.values()) == 12  # 3+2+1+2+2+1+1 (k8s-algorithms §1.1 says 11: a slip)
    assert names(fwk, "reserve") == ["VolumeBinding"] and names(fwk, "bind") == ["DefaultBinder"]
    # defaulted args
    assert fwk.plugin_args["NodeResourcesFit"]["scoringStrategy"]["type"] == "LeastAllocated"
    assert fwk.plugin_args["DefaultPreemption"] == {"minCandidateNodesPercentage": 10, "minCandidateNodesAbsolute": 100}
    assert fwk.plugin_args["InterPodAffinity"]["hardPodAffinityWeight"] == 1


def test_disable_score_point_and_override_weight():
    fwk = build_framework(
        {"plugins": {"score": {"disabled": [{"name": "ImageLocality"}], "enabled": [{"name": "NodeResourcesFit", "weight": 5}]}}},
        registry=REG,
    )
    score = dict(fwk.list_plugins()["score"])
    assert "ImageLocality" not in score and score["NodeResourcesFit"] == 5
    # explicitly configured plugins come first (override part of expandMultiPointPlugins)
    assert names(fwk, "score")[0] == "NodeResourcesFit"
    # ImageLocality is gone from Score only
    assert "NodeResourcesFit" in names(fwk, "filter")


def test_star_disables_all_defaults_of_a_point():
    fwk = build_framework({"plugins": {"score": {"disabled": [{"name": "*"}]}}}, registry=REG)
    assert "score" not in fwk.list_plugins() and names(fwk, "filter")


def test_multipoint_disable_removes_plugin_everywhere():
    fwk = build_framework({"plugins": {"multiPoint": {"disabled": [{"name": "TaintToleration"}]}}}, registry=REG)
    assert all("TaintToleration" not in names(fwk, p) for p in ("filter", "preScore", "score"))


def test_plugin_config_most_allocated_changes_scores():
    fwk = build_framework(
        {"pluginConfig": [{"name": "NodeResourcesFit", "args": {"scoringStrategy": {"type": "MostAllocated"}}}]},
        registry=REG,
    )
    fit = fwk.plugins["NodeResourcesFit"]
    node = Node(metadata=ObjectMeta(name="n"), status=NodeStatus(allocatable={"cpu": 1000, "memory": 1000, "pods": 10}))
    pod = Pod(metadata=ObjectMeta(name="p", namespace="d"), spec=PodSpec(containers=[Container("c", requests={"cpu": 500, "memory": 250})]))
    state = CycleState()
    fit.pre_score(state, pod, [])
    assert fit.score(state, pod, NodeInfo(node)) == (37, None)  # (50 + 25) // 2


@pytest.mark.parametrize(
    "profile,message",
    [
        ({"plugins": {"filter": {"enabled": [{"name": "NoSuchPlugin"}]}}}, 'plugin "NoSuchPlugin" does not exist'),
        ({"pluginConfig": [{"name": "NodeResourcesFit", "args": {"scoringStrategy": {"type": "Packed"}}}]}, "Unsupported value"),
        ({"pluginConfig": [{"name": "InterPodAffinity", "args": {"hardPodAffinityWeight": 101}}]}, "hardPodAffinityWeight"),
        ({"plugins": {"queueSort": {"disabled": [{"name": "*"}]}, "multiPoint": {"disabled": [{"name": "PrioritySort"}]}}}, "exactly one queueSort"),
        ({"plugins": {"scoring": {}}}, "unknown extension point"),
        ({"percentageOfNodesToScore": 120}, "percentageOfNodesToScore"),
        ({"plugins": {"score": {"enabled": [{"name": "NodeName"}]}}}, "does not extend score"),
    ],
)
def test_bad_profiles_are_reported(profile, message):
    with pytest.raises(FrameworkError, match=message):
        build_framework(profile, registry=REG)


def test_user_plugin_from_dotted_path(tmp_path, monkeypatch):
    (tmp_path / "my_sched_plugins.py").write_text(
        textwrap.dedent(
            '''
            from k8ssim.scheduler.framework import Status

            class PreferNamedNodes:
                name = "PreferNamedNodes"

                def __init__(self, args, handle):
                    self.favourite = (args or {}).get("favourite", "")

                def filter(self, state, pod, node_info):
                    if node_info.name == "forbidden":
                        return Status.unresolvable("node is forbidden")
                    return None

                def score(self, state, pod, node_info):
                    return (100 if node_info.name == self.favourite else 0), None
            '''
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    fwk = build_framework(
        {
            "plugins": {"multiPoint": {"enabled": [{"name": "my_sched_plugins:PreferNamedNodes", "weight": 4}]}},
            "pluginConfig": [{"name": "my_sched_plugins:PreferNamedNodes", "args": {"favourite": "b"}}],
        },
        Handle(),
        registry=REG,
    )
    assert "PreferNamedNodes" in names(fwk, "filter") and dict(fwk.list_plugins()["score"])["PreferNamedNodes"] == 4
    plug = fwk.plugins["PreferNamedNodes"]
    nodes = [NodeInfo(Node(metadata=ObjectMeta(name=n), status=NodeStatus(allocatable={"pods": 5}))) for n in ("a", "b", "forbidden")]
    pod = Pod(metadata=ObjectMeta(name="p", namespace="d"))
    fwk.handle.snapshot = __import__("k8ssim.scheduler.nodeinfo", fromlist=["Snapshot"]).Snapshot(nodes)
    state = CycleState()
    _, pre, _ = fwk.run_pre_filter_plugins(state, pod, nodes)
    assert pre.is_success()
    assert fwk.run_filter_plugins(state, pod, nodes[0]).is_success()
    st = fwk.run_filter_plugins(state, pod, nodes[2])
    assert st.plugin == "PreferNamedNodes" and st.reasons == ["node is forbidden"]
    res, _ = Framework_score_only(fwk, plug, pod, nodes[:2])
    assert res == {"a": 0, "b": 400}


def Framework_score_only(fwk, plug, pod, nodes):
    from k8ssim.scheduler.framework import Framework

    one = Framework("x", {"score": [plug]}, {plug.name: fwk.score_plugin_weight[plug.name]})
    res, st = one.run_score_plugins(CycleState(), pod, nodes)
    return {r.name: r.total_score for r in res}, st


def test_bad_dotted_path_is_reported():
    with pytest.raises(FrameworkError, match="cannot import plugin module"):
        build_framework({"plugins": {"filter": {"enabled": [{"name": "no_such_module_xyz:Plugin"}]}}}, registry=REG)
