"""Vectors: NodeResourcesFit score (upstream noderesources/least_allocated_test.go)."""
from __future__ import annotations

from k8ssim.conformance.cases._sched_inputs import run_scores
from k8ssim.scheduler.plugins.noderesources import Fit


def run(vector: dict, doc: dict) -> None:
    run_scores(Fit(vector["inputs"].get("plugin_args")), vector)
