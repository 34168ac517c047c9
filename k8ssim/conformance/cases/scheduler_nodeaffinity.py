"""Vectors: NodeAffinity PreFilter/Filter and Score (upstream nodeaffinity/node_affinity_test.go)."""
from __future__ import annotations

from k8ssim.conformance.cases import _sched_inputs as si
from k8ssim.conformance.runner import expect_equal
from k8ssim.scheduler.nodeinfo import NodeInfo
from k8ssim.scheduler.plugins.nodeaffinity import NodeAffinityPlugin


def _plugin(inp: dict) -> NodeAffinityPlugin:
    args = dict(inp.get("plugin_args") or {})
    if "addedAffinity" in args:
        args["addedAffinity"] = si.node_affinity(args["addedAffinity"])
    return NodeAffinityPlugin(args)


def run(vector: dict, doc: dict) -> None:
    inp, exp = vector["inputs"], vector["expected"]
    plugin = _plugin(inp)
    pod = si.pod(inp.get("pod"), "incoming")
    if vector.get("kind") == "filter":
        ni = NodeInfo(si.node(inp["node"]))
        pre, result, st = si.run_filter(plugin, pod, ni)
        if "prefilter_status" in exp:
            expect_equal(str(pre.code), exp["prefilter_status"], "prefilter_status")
        if "prefilter_result_node_names" in exp:
            got = None if result is None or result.node_names is None else sorted(result.node_names)
            expect_equal(got, sorted(exp["prefilter_result_node_names"]), "prefilter_result_node_names")
        expect_equal(str((st if st is not None else pre).code), exp["status"], "status")
        return
    infos = si.node_infos([si.node(n) for n in inp["nodes"]])
    _, norm, _ = si.run_score(plugin, pod, infos)
    expect_equal(norm, exp["normalized_scores"], "normalized_scores")
