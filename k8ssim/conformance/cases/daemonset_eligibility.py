"""Vectors of ``daemonset_eligibility.json`` against :mod:`k8ssim.controllers.daemonset_util`
(``NodeShouldRunDaemonPod``, the create/delete counts of one sync, and ``nodesToRun`` over a fresh
cluster)."""
from __future__ import annotations

from k8ssim.conformance.cases import _ctrl_inputs as ci
from k8ssim.conformance.runner import Mismatch, expect_equal
from k8ssim.controllers import daemonset_util as dsu


def _should_run(inp: dict, exp: dict) -> None:
    node = ci.node(inp["node"])
    ds = ci.daemonset(inp.get("template") or {})
    should_run, should_continue = dsu.node_should_run_daemon_pod(node, ds)
    expect_equal(should_run, exp["shouldRun"], "shouldRun")
    expect_equal(should_continue, exp["shouldContinueRunning"], "shouldContinueRunning")
    if "sync" in exp:
        existing = []
        if inp.get("daemon_pod_already_on_node"):
            p = ci.pod({"name": "daemon-pod", "node": node.metadata.name, "phase": "Running", "ready": True})
            existing.append(p)
        needs, to_delete = dsu.pods_should_be_on_node(node, ds, existing)
        got = {"creates": int(needs), "deletes": len(to_delete)}
        expect_equal(got, exp["sync"], "sync")


def _nodes_to_run(inp: dict, exp: dict) -> None:
    nodes = [ci.node(n) for n in inp["nodes"]]
    ds = ci.daemonset(inp.get("template") or {})
    expect_equal(len(dsu.nodes_to_run(nodes, ds)), exp["creates"], "creates")


_KINDS = {"NodeShouldRunDaemonPod": _should_run, "nodesToRun": _nodes_to_run}


def run(vector: dict, doc: dict) -> None:
    fn = _KINDS.get(vector.get("kind"))
    if fn is None:
        raise Mismatch(f"unknown kind {vector.get('kind')!r}")
    fn(vector.get("inputs", {}), vector.get("expected", {}))
