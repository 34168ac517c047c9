"""Vectors: scheduler core numbers — numFeasibleNodesToFind (schedule_one_test.go
TestNumFeasibleNodesToFind), backoff durations (backoff_queue_test.go
TestBackoffQueue_calculateBackoffDuration) and the preemption candidate count
(default_preemption.go calculateNumCandidates)."""
from __future__ import annotations

from k8ssim.conformance.runner import Mismatch, expect_equal
from k8ssim.scheduler.framework import num_feasible_nodes_to_find
from k8ssim.scheduler.preemption import calculate_num_candidates
from k8ssim.scheduler.queue import backoff_duration


def run(vector: dict, doc: dict) -> None:
    kind, inp, exp = vector["kind"], vector["inputs"], vector["expected"]
    if kind == "numFeasibleNodesToFind":
        got = num_feasible_nodes_to_find(inp["numAllNodes"], inp.get("percentageOfNodesToScore"))
        expect_equal(got, exp["numNodes"], "numNodes")
    elif kind == "backoffDuration":
        unit = "ns" if "initial_ns" in inp else "s"
        got = backoff_duration(inp["count"], inp[f"initial_{unit}"], inp[f"max_{unit}"])
        expect_equal(got, exp[f"duration_{unit}"], f"duration_{unit}")
    elif kind == "preemptionNumCandidates":
        got = calculate_num_candidates(inp["numNodes"], inp["minCandidateNodesPercentage"],
                                       inp["minCandidateNodesAbsolute"])
        expect_equal(got, exp["numCandidates"], "numCandidates")
    else:
        raise Mismatch(f"unknown vector kind {kind!r}")
