"""Vectors: InterPodAffinity PreFilter + Filter (upstream interpodaffinity/filtering_test.go
TestRequiredAffinitySingleNode, TestRequiredAffinityMultipleNodes)."""
from __future__ import annotations

from k8ssim.conformance.cases import _sched_inputs as si
from k8ssim.conformance.runner import expect_equal
from k8ssim.scheduler.framework import Handle
from k8ssim.scheduler.plugins.interpodaffinity import InterPodAffinity


def run(vector: dict, doc: dict) -> None:
    inp, exp = vector["inputs"], vector["expected"]
    snap = si.snapshot([si.node(n) for n in inp["nodes"]], si.pods(inp.get("existing_pods")))
    ns_labels, ns_list = si.namespace_lookup(doc.get("namespaces"))
    plugin = InterPodAffinity(inp.get("plugin_args"), Handle(snapshot=snap, namespace_labels=ns_labels, list_namespaces=ns_list))
    pod = si.pod(inp.get("pod"), "incoming")
    got_status, got_reasons = {}, {}
    pre_seen = None
    for ni in snap.node_info_list:
        pre, _, st = si.run_filter(plugin, pod, ni)
        pre_seen = pre
        final = st if st is not None else pre
        got_status[ni.name] = str(final.code) if not final.is_skip() else "Success"
        if not final.is_success() and not final.is_skip():
            got_reasons[ni.name] = list(final.reasons)
    if "prefilter_status" in exp:
        expect_equal(str(pre_seen.code), exp["prefilter_status"], "prefilter_status")
        if "prefilter_message" in exp:
            expect_equal(pre_seen.message(), exp["prefilter_message"], "prefilter_message")
    if "status" in exp:
        expect_equal(got_status, exp["status"], "status")
    if "reasons" in exp:
        expect_equal(got_reasons, {k: v for k, v in exp["reasons"].items() if v}, "reasons")
