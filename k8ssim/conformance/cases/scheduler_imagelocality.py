"""Vectors: ImageLocality Score (upstream imagelocality/image_locality_test.go); also the file's
normalized image name table."""
from __future__ import annotations

from k8ssim.conformance.cases import _sched_inputs as si
from k8ssim.conformance.runner import expect_equal
from k8ssim.scheduler.framework import CycleState, Handle
from k8ssim.scheduler.plugins.imagelocality import ImageLocality, normalized_image_name


def run(vector: dict, doc: dict) -> None:
    for case in doc.get("normalized_image_name_vectors") or ():
        expect_equal(normalized_image_name(case["input"]), case["output"], f"normalizedImageName({case['input']})")
    inp, exp = vector["inputs"], vector["expected"]
    snap = si.snapshot([si.node(n) for n in inp["nodes"]])
    plugin = ImageLocality(handle=Handle(snapshot=snap))
    pod = si.pod(inp.get("pod"), "incoming")
    state = CycleState()
    got = {}
    for ni in snap.node_info_list:
        sc, st = plugin.score(state, pod, ni)
        got[ni.name] = sc
    expect_equal(got, exp["scores"], "scores")
