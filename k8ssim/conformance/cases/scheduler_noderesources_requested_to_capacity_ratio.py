"""Vectors: NodeResourcesFit score (upstream noderesources/requested_to_capacity_ratio_test.go)."""
from __future__ import annotations

from k8ssim.conformance.cases._sched_inputs import run_scores
from k8ssim.scheduler.plugins.noderesources import Fit


def run(vector: dict, doc: dict) -> None:
    run_scores(Fit(vector["inputs"].get("plugin_args")), vector)


def check_broken_linear(doc: dict) -> None:
    """The file's ``broken_linear_function`` table (TestBrokenLinearFunction)."""
    from k8ssim.conformance.runner import expect_equal
    from k8ssim.scheduler.plugins.noderesources import broken_linear

    for case in (doc.get("broken_linear_function") or {}).get("cases", ()):
        shape = [tuple(p) for p in case["points"]]
        for p, want in case["assertions"]:
            expect_equal(broken_linear(shape, p), want, f"brokenLinear({shape})({p})")


_run_vector = run


def run(vector: dict, doc: dict) -> None:  # noqa: F811 - every vector also checks the shape table
    check_broken_linear(doc)
    _run_vector(vector, doc)
