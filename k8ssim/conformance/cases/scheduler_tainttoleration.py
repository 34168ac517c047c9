"""Vectors: TaintToleration Filter and Score (upstream tainttoleration/taint_toleration_test.go)."""
from __future__ import annotations

from k8ssim.conformance.cases import _sched_inputs as si
from k8ssim.conformance.runner import expect_equal
from k8ssim.scheduler.nodeinfo import NodeInfo
from k8ssim.scheduler.plugins.tainttoleration import TaintToleration


def plugin_for(vector: dict) -> TaintToleration:
    """The alpha gate TaintTolerationComparisonOperators is on when the vector says so
    (``feature_gate`` naming it, or ``inputs.feature_gates``)."""
    gates = dict(vector["inputs"].get("feature_gates") or {})
    if "TaintTolerationComparisonOperators" in str(vector.get("feature_gate") or ""):
        gates["TaintTolerationComparisonOperators"] = True
    return TaintToleration({"featureGates": gates})


def run(vector: dict, doc: dict) -> None:
    inp, exp = vector["inputs"], vector["expected"]
    plugin = plugin_for(vector)
    pod = si.pod(inp.get("pod"), "incoming")
    if vector.get("kind") == "filter":
        ni = NodeInfo(si.node(inp["node"]))
        _, _, st = si.run_filter(plugin, pod, ni)
        expect_equal(str(st.code), exp["status"], "status")
        if "reasons" in exp:
            expect_equal(st.reasons, exp["reasons"], "reasons")
        return
    infos = si.node_infos([si.node(n) for n in inp["nodes"]])
    _, norm, _ = si.run_score(plugin, pod, infos)
    expect_equal(norm, exp["normalized_scores"], "normalized_scores")
