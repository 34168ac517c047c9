"""NodeResourcesFit: Filter (requests fit allocatable) and Score (LeastAllocated, MostAllocated,
RequestedToCapacityRatio), plus the shared resource-allocation scorer.

Mirrors ``pkg/scheduler/framework/plugins/noderesources/{fit.go, resource_allocation.go,
least_allocated.go, most_allocated.go, requested_to_capacity_ratio.go}`` and
``plugins/helper/shape_score.go`` (v1.35). The per-node arithmetic is in small pure functions over
int lists (Go int64 semantics, truncating division) that a numba kernel can mirror.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Optional, Sequence

from k8ssim.api.core import Pod
from k8ssim.api.resources import NON_ZERO_DEFAULTS, pod_requests
from k8ssim.scheduler.framework import (
    MAX_NODE_SCORE,
    ClusterEvent,
    ClusterEventWithHint,
    Code,
    CycleState,
    FrameworkError,
    Status,
)
from k8ssim.scheduler.nodeinfo import NodeInfo

NAME = "NodeResourcesFit"
PRE_FILTER_STATE_KEY = "PreFilter" + NAME
PRE_SCORE_STATE_KEY = "PreScore" + NAME

LEAST_ALLOCATED = "LeastAllocated"
MOST_ALLOCATED = "MostAllocated"
REQUESTED_TO_CAPACITY_RATIO = "RequestedToCapacityRatio"
MAX_CUSTOM_PRIORITY_SCORE = 10  # config.MaxCustomPriorityScore
MAX_UTILIZATION = 100
DEFAULT_RESOURCES = ({"name": "cpu", "weight": 1}, {"name": "memory", "weight": 1})
DEFAULT_RTCR_SHAPE = ({"utilization": 0, "score": 10}, {"utilization": 100, "score": 0})
NATIVE = ("cpu", "memory", "ephemeral-storage", "pods")


# ---------------------------------------------------------------------------------------------------
# Go integer helpers and per-node pure functions (kernel reference)
# ---------------------------------------------------------------------------------------------------


def go_div(a: int, b: int) -> int:
    """Go int64 division (truncates toward zero)."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def go_round(x: float) -> int:
    """Go ``math.Round``: half away from zero."""
    return int(math.floor(x + 0.5)) if x >= 0 else -int(math.floor(-x + 0.5))


def least_requested_score(requested: int, capacity: int) -> int:
    if capacity == 0 or requested > capacity:
        return 0
    return (capacity - requested) * MAX_NODE_SCORE // capacity


def most_requested_score(requested: int, capacity: int) -> int:
    if capacity == 0:
        return 0
    if requested > capacity:
        requested = capacity
    return requested * MAX_NODE_SCORE // capacity


def least_allocated_score(requested: Sequence[int], allocatable: Sequence[int], weights: Sequence[int]) -> int:
    """``leastResourceScorer``: Σ s_r·w_r // Σ w_r over resources with allocatable > 0."""
    node_score = weight_sum = 0
    for req, alloc, w in zip(requested, allocatable, weights):
        if alloc == 0:
            continue
        node_score += least_requested_score(req, alloc) * w
        weight_sum += w
    return 0 if weight_sum == 0 else node_score // weight_sum


def most_allocated_score(requested: Sequence[int], allocatable: Sequence[int], weights: Sequence[int]) -> int:
    """``mostResourceScorer``."""
    node_score = weight_sum = 0
    for req, alloc, w in zip(requested, allocatable, weights):
        if alloc == 0:
            continue
        node_score += most_requested_score(req, alloc) * w
        weight_sum += w
    return 0 if weight_sum == 0 else node_score // weight_sum


def broken_linear(shape: Sequence[tuple], p: int) -> int:
    """``helper.BuildBrokenLinearFunction``: shape is [(utilization, score)] ascending."""
    for i, (u, s) in enumerate(shape):
        if p <= u:
            if i == 0:
                return shape[0][1]
            u0, s0 = shape[i - 1]
            return s0 + go_div((s - s0) * (p - u0), (u - u0))
    return shape[-1][1]


def requested_to_capacity_ratio_score(
    requested: Sequence[int], allocatable: Sequence[int], weights: Sequence[int], shape: Sequence[tuple]
) -> int:
    """``buildRequestedToCapacityRatioScorerFunction``; ``shape`` already scaled to 0..100."""
    node_score = weight_sum = 0
    for req, alloc, w in zip(requested, allocatable, weights):
        if alloc == 0:
            continue
        if req > alloc:
            s = broken_linear(shape, MAX_UTILIZATION)
        else:
            s = broken_linear(shape, req * MAX_UTILIZATION // alloc)
        if s > 0:
            node_score += s * w
            weight_sum += w
    if weight_sum == 0:
        return 0
    return go_round(node_score / weight_sum)


def balanced_resource_score(requested: Sequence[int], allocatable: Sequence[int]) -> int:
    """``balancedResourceScorer`` (v1.24–v1.35): ``int64((1 − std) × 100)`` of the fractions."""
    fractions = []
    total = 0.0
    for req, alloc in zip(requested, allocatable):
        if alloc == 0:
            continue
        f = req / alloc
        if f > 1:
            f = 1.0
        total += f
        fractions.append(f)
    std = 0.0
    if len(fractions) == 2:
        std = abs((fractions[0] - fractions[1]) / 2)
    elif len(fractions) > 2:
        mean = total / len(fractions)
        std = math.sqrt(sum((f - mean) * (f - mean) for f in fractions) / len(fractions))
    return int((1 - std) * MAX_NODE_SCORE)


# ---------------------------------------------------------------------------------------------------
# resource names and the allocation scorer
# ---------------------------------------------------------------------------------------------------


def is_extended_resource_name(name: str) -> bool:
    """``v1helper.IsExtendedResourceName``: domain-prefixed, not kubernetes.io, not requests.*"""
    if name.startswith("requests."):
        return False
    if "/" not in name:
        return False
    domain = name.split("/", 1)[0]
    if domain == "kubernetes.io" or domain.endswith(".kubernetes.io"):
        return False
    return True


def is_scalar_resource_name(name: str) -> bool:
    """``schedutil.IsScalarResourceName``: extended, hugepages-*, kubernetes.io-prefixed native or
    attachable-volumes-*."""
    return (
        is_extended_resource_name(name)
        or name.startswith("hugepages-")
        or "kubernetes.io/" in name
        or name.startswith("attachable-volumes-")
    )


def pod_resource_request_list(pod: Pod, resources: Sequence[dict], use_requested: bool) -> list:
    """``calculatePodResourceRequestList``: the pod's request per configured resource; non-zero
    defaults (100m / 200Mi for containers without a cpu/memory key) unless ``use_requested``."""
    reqs = pod_requests(pod.spec, non_missing=None if use_requested else NON_ZERO_DEFAULTS)
    return [reqs.get(r["name"], 0) for r in resources]


def allocatable_request(node_info: NodeInfo, resource: str, pod_request: int, use_requested: bool) -> tuple:
    """``calculateResourceAllocatableRequest`` → (allocatable, requested incl. the pod)."""
    if pod_request == 0 and is_scalar_resource_name(resource):
        return 0, 0
    alloc = node_info.allocatable
    if resource in ("cpu", "memory"):
        base = node_info.requested if use_requested else node_info.non_zero_requested
        return alloc.get(resource, 0), base.get(resource, 0) + pod_request
    if resource == "ephemeral-storage":
        return alloc.get(resource, 0), node_info.requested.get(resource, 0) + pod_request
    if resource in alloc and resource != "pods":
        return alloc[resource], node_info.requested.get(resource, 0) + pod_request
    return 0, 0


def node_request_vectors(node_info: NodeInfo, resources: Sequence[dict], pod_reqs: Sequence[int], use_requested: bool) -> tuple:
    """Per configured resource (requested, allocatable); allocatable 0 means "skip this resource"."""
    requested = [0] * len(resources)
    allocatable = [0] * len(resources)
    for i, r in enumerate(resources):
        a, q = allocatable_request(node_info, r["name"], pod_reqs[i], use_requested)
        if a == 0:
            continue
        allocatable[i] = a
        requested[i] = q
    return requested, allocatable


# ---------------------------------------------------------------------------------------------------
# Filter
# ---------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class InsufficientResource:
    resource: str
    reason: str
    requested: int
    used: int
    capacity: int
    unresolvable: bool = False


def fits_request(
    pod_request: dict,
    node_info: NodeInfo,
    ignored_extended_resources: frozenset = frozenset(),
    ignored_resource_groups: frozenset = frozenset(),
) -> list:
    """``fitsRequest``: the list of InsufficientResource (empty when the pod fits)."""
    out: list = []
    alloc = node_info.allocatable
    used = node_info.requested
    allowed_pods = alloc.get("pods", 0)
    if len(node_info.pods) + 1 > allowed_pods:
        out.append(InsufficientResource("pods", "Too many pods", 1, len(node_info.pods), allowed_pods))
    scalars = {k: v for k, v in pod_request.items() if k not in NATIVE}
    if (
        pod_request.get("cpu", 0) == 0
        and pod_request.get("memory", 0) == 0
        and pod_request.get("ephemeral-storage", 0) == 0
        and not scalars
    ):
        return out
    for r in ("cpu", "memory", "ephemeral-storage"):
        q = pod_request.get(r, 0)
        if q > 0 and q > alloc.get(r, 0) - used.get(r, 0):
            out.append(InsufficientResource(r, f"Insufficient {r}", q, used.get(r, 0), alloc.get(r, 0), q > alloc.get(r, 0)))
    for r, q in scalars.items():
        if q == 0:
            continue
        if is_extended_resource_name(r):
            prefix = r.split("/", 1)[0] if ignored_resource_groups else ""
            if r in ignored_extended_resources or prefix in ignored_resource_groups:
                continue
        a = alloc.get(r, 0)
        if q > a - used.get(r, 0):
            out.append(InsufficientResource(r, f"Insufficient {r}", q, used.get(r, 0), a, q > a))
    return out


class _PreFilterState:
    __slots__ = ("requests",)

    def __init__(self, requests: dict):
        self.requests = requests

    def clone(self):
        return self


class _PreScoreState:
    __slots__ = ("pod_requests",)

    def __init__(self, pod_requests: list):
        self.pod_requests = pod_requests

    def clone(self):
        return self


def _validate_resources(resources) -> list:
    out = []
    for r in DEFAULT_RESOURCES if resources is None else resources:
        name = r.get("name") if isinstance(r, dict) else None
        w = r.get("weight", 1) if isinstance(r, dict) else None
        if not name or not isinstance(w, int) or isinstance(w, bool) or not 1 <= w <= 100:
            raise FrameworkError(f"resources: invalid resource spec {r!r} (name required, weight in [1, 100])")
        out.append({"name": name, "weight": w})
    return out


class Fit:
    """``NodeResourcesFit`` (PreFilter, Filter, PreScore, Score).

    Args (``NodeResourcesFitArgs``): ``ignoredResources``, ``ignoredResourceGroups``,
    ``scoringStrategy: {type, resources: [{name, weight}], requestedToCapacityRatio: {shape}}``."""

    name = NAME

    def __init__(self, args: Optional[dict] = None, handle=None):
        args = dict(args or {})
        self.ignored_resources = frozenset(args.get("ignoredResources") or ())
        self.ignored_resource_groups = frozenset(args.get("ignoredResourceGroups") or ())
        strategy = dict(args.get("scoringStrategy") or {})
        self.strategy_type = strategy.get("type") or LEAST_ALLOCATED
        self.resources = _validate_resources(strategy.get("resources"))
        self.weights = [r["weight"] for r in self.resources]
        if self.strategy_type == LEAST_ALLOCATED:
            self._scorer: Callable = lambda req, alloc: least_allocated_score(req, alloc, self.weights)
        elif self.strategy_type == MOST_ALLOCATED:
            self._scorer = lambda req, alloc: most_allocated_score(req, alloc, self.weights)
        elif self.strategy_type == REQUESTED_TO_CAPACITY_RATIO:
            rtcr = strategy.get("requestedToCapacityRatio") or {}
            raw_shape = rtcr.get("shape") or DEFAULT_RTCR_SHAPE
            shape = []
            for pt in raw_shape:
                u, s = pt.get("utilization"), pt.get("score")
                if not isinstance(u, int) or not isinstance(s, int) or not 0 <= u <= 100 or not 0 <= s <= MAX_CUSTOM_PRIORITY_SCORE:
                    raise FrameworkError(f"requestedToCapacityRatio.shape: invalid point {pt!r}")
                shape.append((u, s * (MAX_NODE_SCORE // MAX_CUSTOM_PRIORITY_SCORE)))
            if any(shape[i][0] >= shape[i + 1][0] for i in range(len(shape) - 1)):
                raise FrameworkError("requestedToCapacityRatio.shape: utilization values must be sorted in increasing order")
            self.shape = shape
            self._scorer = lambda req, alloc: requested_to_capacity_ratio_score(req, alloc, self.weights, self.shape)
        else:
            raise FrameworkError(
                f"scoringStrategy.type: Unsupported value: {self.strategy_type!r}: supported values: "
                f'"LeastAllocated", "MostAllocated", "RequestedToCapacityRatio"'
            )

    # PreFilter / Filter
    def pre_filter(self, state: CycleState, pod: Pod, nodes) -> tuple:
        state.write(PRE_FILTER_STATE_KEY, _PreFilterState(pod_requests(pod.spec)))
        return None, None

    def filter(self, state: CycleState, pod: Pod, node_info: NodeInfo) -> Optional[Status]:
        s = state.get(PRE_FILTER_STATE_KEY)
        req = s.requests if s is not None else pod_requests(pod.spec)
        insufficient = fits_request(req, node_info, self.ignored_resources, self.ignored_resource_groups)
        if not insufficient:
            return None
        code = Code.UNSCHEDULABLE
        if any(r.unresolvable for r in insufficient):
            code = Code.UNSCHEDULABLE_AND_UNRESOLVABLE
        return Status(code, [r.reason for r in insufficient])

    # PreScore / Score
    def pre_score(self, state: CycleState, pod: Pod, nodes) -> Optional[Status]:
        state.write(PRE_SCORE_STATE_KEY, _PreScoreState(pod_resource_request_list(pod, self.resources, False)))
        return None

    def score(self, state: CycleState, pod: Pod, node_info: NodeInfo) -> tuple:
        s = state.get(PRE_SCORE_STATE_KEY)
        reqs = s.pod_requests if s is not None else pod_resource_request_list(pod, self.resources, False)
        if not self.resources:
            return 0, Status(Code.ERROR, ["resources not found"])
        requested, allocatable = node_request_vectors(node_info, self.resources, reqs, False)
        return self._scorer(requested, allocatable), None

    def events_to_register(self) -> list:
        return [
            ClusterEventWithHint(ClusterEvent("Pod", "Delete")),
            ClusterEventWithHint(ClusterEvent("Node", "Add|UpdateNodeAllocatable|UpdateNodeTaint|UpdateNodeLabel")),
        ]
