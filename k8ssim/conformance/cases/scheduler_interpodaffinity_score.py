"""Vectors: InterPodAffinity PreScore + Score + NormalizeScore (upstream interpodaffinity/scoring_test.go
TestPreferredAffinity, TestPreferredAffinityWithHardPodAffinitySymmetricWeight)."""
from __future__ import annotations

from k8ssim.conformance.cases import _sched_inputs as si
from k8ssim.conformance.runner import expect_equal
from k8ssim.scheduler.framework import Handle
from k8ssim.scheduler.plugins.interpodaffinity import InterPodAffinity


def run(vector: dict, doc: dict) -> None:
    inp, exp = vector["inputs"], vector["expected"]
    snap = si.snapshot([si.node(n) for n in inp["nodes"]], si.pods(inp.get("existing_pods")))
    ns_labels, ns_list = si.namespace_lookup(doc.get("namespaces"))
    handle = Handle(snapshot=snap, namespace_labels=ns_labels, list_namespaces=ns_list)
    plugin = InterPodAffinity(inp.get("plugin_args"), handle)
    pod = si.pod(inp.get("pod"), "incoming")
    pre, norm, _ = si.run_score(plugin, pod, snap.node_info_list, handle)
    if "prescore_status" in exp:
        expect_equal(pre, exp["prescore_status"], "prescore_status")
    if "normalized_scores" in exp:
        expect_equal(norm, exp["normalized_scores"], "normalized_scores")
