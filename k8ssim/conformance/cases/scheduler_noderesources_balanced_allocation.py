"""Vectors: NodeResourcesBalancedAllocation score (upstream noderesources/balanced_allocation_test.go)."""
from __future__ import annotations

from k8ssim.conformance.cases._sched_inputs import run_scores
from k8ssim.scheduler.plugins.balancedallocation import BalancedAllocation


def run(vector: dict, doc: dict) -> None:
    run_scores(BalancedAllocation(vector["inputs"].get("plugin_args")), vector)
