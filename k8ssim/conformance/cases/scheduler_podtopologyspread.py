"""Vectors: PodTopologySpread Filter and Score (upstream podtopologyspread/filtering_test.go
TestSingleConstraint, TestMultipleConstraints; scoring_test.go TestPodTopologySpreadScore)."""
from __future__ import annotations

from k8ssim.conformance.cases import _sched_inputs as si
from k8ssim.conformance.runner import expect_equal
from k8ssim.scheduler.framework import Handle
from k8ssim.scheduler.plugins.podtopologyspread import PodTopologySpread


def service_selectors(services):
    """A ``selectors_for_pod`` lister from the vector's Services: those in the pod's namespace whose
    selector matches the pod's labels (``GetPodServices``)."""
    svcs = [(s.get("namespace", ""), dict(s.get("selector") or {})) for s in services or ()]

    def lister(pod):
        out = []
        for ns, sel in svcs:
            if ns == pod.metadata.namespace and sel and all(pod.metadata.labels.get(k) == v for k, v in sel.items()):
                out.append(sel)
        return out

    return lister


def run(vector: dict, doc: dict) -> None:
    inp, exp = vector["inputs"], vector["expected"]
    candidates = [si.node(n) for n in inp["nodes"]]
    failed = [si.node(n) for n in inp.get("failed_nodes") or ()]
    snap = si.snapshot(candidates + failed, si.pods(inp.get("existing_pods"), default_namespace="default"))
    handle = Handle(snapshot=snap, selectors_for_pod=service_selectors(inp.get("services")))
    plugin = PodTopologySpread(inp.get("plugin_args"), handle)
    pod = si.pod(inp.get("pod"), "incoming", "default")
    cand = [snap.get(n.metadata.name) for n in candidates]
    if vector.get("kind") == "filter":
        got = {}
        for ni in cand:
            pre, _, st = si.run_filter(plugin, pod, ni, handle)
            final = st if st is not None else pre
            got[ni.name] = "Success" if final.is_skip() else str(final.code)
        expect_equal(got, exp["status"], "status")
        return
    _, norm, _ = si.run_score(plugin, pod, cand, handle)
    expect_equal(norm, exp["normalized_scores"], "normalized_scores")
