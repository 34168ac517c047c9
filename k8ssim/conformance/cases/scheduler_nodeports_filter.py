"""Vectors: NodePorts PreFilter/Filter and HostPortInfo.CheckConflict (upstream
nodeports/node_ports_test.go TestNodePorts, framework TestHostPortInfo_Check)."""
from __future__ import annotations

from k8ssim.conformance.cases import _sched_inputs as si
from k8ssim.conformance.runner import expect_equal
from k8ssim.scheduler.nodeinfo import HostPortInfo, NodeInfo
from k8ssim.scheduler.plugins.nodeports import NodePorts


def run(vector: dict, doc: dict) -> None:
    inp, exp = vector["inputs"], vector["expected"]
    if vector.get("kind") == "CheckConflict":
        h = HostPortInfo()
        for u in inp["used"]:
            h.add(u.get("hostIP", ""), u.get("protocol", ""), int(u.get("hostPort", 0)))
        c = inp["check"]
        expect_equal(h.check_conflict(c.get("hostIP", ""), c.get("protocol", ""), int(c.get("hostPort", 0))), exp["conflict"], "conflict")
        return
    node = si.node(inp["node"])
    ni = NodeInfo(node)
    for p in si.pods(inp.get("existing_pods")):
        ni.add_pod(p)
    pod = si.pod(inp.get("pod"), "incoming")
    pre, _, st = si.run_filter(NodePorts(), pod, ni)
    if "prefilter_status" in exp:
        expect_equal(str(pre.code), exp["prefilter_status"], "prefilter_status")
    expect_equal(str(st.code), exp["status"], "status")
    if "reasons" in exp:
        expect_equal(st.reasons, exp["reasons"], "reasons")
