"""NodeResourcesBalancedAllocation: favour nodes whose resource fractions stay balanced.

Mirrors ``pkg/scheduler/framework/plugins/noderesources/balanced_allocation.go`` (v1.35, the
std-dev formula of v1.24–v1.35; PreScore Skip for best-effort pods since v1.33). Uses actual
requests (``useRequested``), not the non-zero defaults.
"""
from __future__ import annotations

from typing import Optional

from k8ssim.api.core import Pod
from k8ssim.scheduler.framework import Code, CycleState, Status
from k8ssim.scheduler.nodeinfo import NodeInfo
from k8ssim.scheduler.plugins.noderesources import (
    _validate_resources,
    balanced_resource_score,
    node_request_vectors,
    pod_resource_request_list,
)

NAME = "NodeResourcesBalancedAllocation"
PRE_SCORE_STATE_KEY = "PreScore" + NAME


class _State:
    __slots__ = ("pod_requests",)

    def __init__(self, pod_requests: list):
        self.pod_requests = pod_requests

    def clone(self):
        return self


class BalancedAllocation:
    """Args (``NodeResourcesBalancedAllocationArgs``): ``resources: [{name, weight}]`` (weights unused)."""

    name = NAME

    def __init__(self, args: Optional[dict] = None, handle=None):
        self.resources = _validate_resources((args or {}).get("resources"))

    def pre_score(self, state: CycleState, pod: Pod, nodes) -> Optional[Status]:
        reqs = pod_resource_request_list(pod, self.resources, True)
        if all(r == 0 for r in reqs):  # isBestEffortPod
            return Status.skip()
        state.write(PRE_SCORE_STATE_KEY, _State(reqs))
        return None

    def score(self, state: CycleState, pod: Pod, node_info: NodeInfo) -> tuple:
        s = state.get(PRE_SCORE_STATE_KEY)
        reqs = s.pod_requests if s is not None else pod_resource_request_list(pod, self.resources, True)
        if not self.resources:
            return 0, Status(Code.ERROR, ["resources not found"])
        requested, allocatable = node_request_vectors(node_info, self.resources, reqs, True)
        return balanced_resource_score(requested, allocatable), None
