"""Vectors: NodeResourcesFit Filter (upstream noderesources/fit_test.go TestEnoughRequests,
TestNotEnoughRequests, TestStorageRequests)."""
from __future__ import annotations

from k8ssim.conformance.cases import _sched_inputs as si
from k8ssim.conformance.runner import expect_equal
from k8ssim.scheduler.framework import CycleState
from k8ssim.scheduler.nodeinfo import NodeInfo
from k8ssim.scheduler.plugins.noderesources import Fit, fits_request


def run(vector: dict, doc: dict) -> None:
    inp, exp = vector["inputs"], vector["expected"]
    node = si.node({"name": "node", "allocatable": inp["node_allocatable"]})
    ni = NodeInfo(node)
    if inp.get("existing_pod_on_node") is not None:
        ni.add_pod(si.pod(inp["existing_pod_on_node"], "existing"))
    pod = si.pod(inp["pod"], "incoming")
    plugin = Fit(inp.get("plugin_args"))
    state = CycleState()
    plugin.pre_filter(state, pod, [ni])
    st = plugin.filter(state, pod, ni)
    expect_equal("Success" if st is None else str(st.code), exp["status"], "status")
    expect_equal([] if st is None else st.reasons, exp.get("reasons", []), "reasons")
    if "insufficient_resources" in exp:
        got = [
            {"resource": r.resource, "requested": r.requested, "used": r.used, "capacity": r.capacity, "unresolvable": r.unresolvable}
            for r in fits_request(state.read("PreFilterNodeResourcesFit").requests, ni)
        ]
        expect_equal(got, exp["insufficient_resources"], "insufficient_resources")
