"""Effective pod requests and QoS class.

Mirrors ``k8s.io/component-helpers/resource/helpers.go`` (``PodRequests``, ``AggregateContainerRequests``,
KEP-753 sidecars, pod overhead, PodLevelResources), ``pkg/scheduler/util/pod_resources.go`` (non-zero
defaults) and ``pkg/apis/core/v1/helper/qos/qos.go``. Resource lists are ``dict[str, int]`` in canonical
units (cpu in millicores).
"""
from __future__ import annotations

from typing import Optional

from k8ssim.api.core import PodSpec

DEFAULT_MILLI_CPU_REQUEST = 100  # 0.1 core
DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024  # 200 MiB
NON_ZERO_DEFAULTS = {"cpu": DEFAULT_MILLI_CPU_REQUEST, "memory": DEFAULT_MEMORY_REQUEST}
POD_LEVEL_RESOURCES = ("cpu", "memory", "hugepages-")


def _add(into: dict, other: dict) -> None:
    for k, v in other.items():
        into[k] = into.get(k, 0) + v


def _max(into: dict, other: dict) -> None:
    for k, v in other.items():
        if v > into.get(k, 0) or k not in into:
            into[k] = max(v, into.get(k, v))


def _non_missing(reqs: dict, defaults: Optional[dict]) -> dict:
    if not defaults:
        return reqs
    out = dict(reqs)
    for k, v in defaults.items():
        if k not in out:
            out[k] = v
    return out


def aggregate_container_requests(spec: PodSpec, non_missing: Optional[dict] = None) -> dict:
    """``AggregateContainerRequests``: Σ containers + Σ sidecars, maxed with each init container's
    request plus the sidecars started before it."""
    reqs: dict = {}
    for c in spec.containers:
        _add(reqs, _non_missing(c.requests, non_missing))
    restartable: dict = {}
    init_reqs: dict = {}
    for c in spec.init_containers:
        creqs = _non_missing(c.requests, non_missing)
        if c.restart_policy == "Always":
            _add(reqs, creqs)
            _add(restartable, creqs)
            creqs = restartable
        else:
            tmp = dict(creqs)
            _add(tmp, restartable)
            creqs = tmp
        _max(init_reqs, creqs)
    _max(reqs, init_reqs)
    return reqs


def pod_requests(spec: PodSpec, *, non_missing: Optional[dict] = None, exclude_overhead: bool = False) -> dict:
    """``resourcehelper.PodRequests``. With ``non_missing=NON_ZERO_DEFAULTS`` this is the scheduler's
    non-zero request used for scoring (a container with no cpu/memory key counts 100m / 200Mi)."""
    reqs = aggregate_container_requests(spec, non_missing)
    if spec.resources_requests:
        for k, v in spec.resources_requests.items():
            if k in ("cpu", "memory") or k.startswith("hugepages-"):
                reqs[k] = v
    if spec.overhead and not exclude_overhead:
        _add(reqs, spec.overhead)
    return reqs


def pod_non_zero_requests(spec: PodSpec) -> dict:
    return pod_requests(spec, non_missing=NON_ZERO_DEFAULTS)


def pod_limits(spec: PodSpec) -> dict:
    """``PodLimits``: Σ containers (+ sidecars) maxed with init containers, plus overhead."""
    lim: dict = {}
    for c in spec.containers:
        _add(lim, c.limits)
    restartable: dict = {}
    init_lim: dict = {}
    for c in spec.init_containers:
        if c.restart_policy == "Always":
            _add(lim, c.limits)
            _add(restartable, c.limits)
            cl = restartable
        else:
            cl = dict(c.limits)
            _add(cl, restartable)
        _max(init_lim, cl)
    _max(lim, init_lim)
    if spec.resources_limits:
        for k, v in spec.resources_limits.items():
            lim[k] = v
    if spec.overhead and lim:
        _add(lim, spec.overhead)
    return lim


def _supported_qos(name: str) -> bool:
    return name in ("cpu", "memory")


def pod_qos_class(spec: PodSpec) -> str:
    """``qos.ComputePodQOS``: Guaranteed | Burstable | BestEffort (cpu and memory only)."""
    requests: dict = {}
    limits: dict = {}
    zero = True
    is_guaranteed = True
    if spec.resources_requests is not None or spec.resources_limits is not None:
        r = {k: v for k, v in (spec.resources_requests or {}).items() if _supported_qos(k)}
        lm = {k: v for k, v in (spec.resources_limits or {}).items() if _supported_qos(k)}
        if any(v for v in r.values()) or any(v for v in lm.values()):
            zero = False
        if r or lm:
            if not (set(lm) >= {"cpu", "memory"}):
                is_guaranteed = False
            if not zero:
                if is_guaranteed and all(r.get(k, lm.get(k)) == lm.get(k) for k in ("cpu", "memory")):
                    return "Guaranteed"
                return "Burstable"
    all_containers = list(spec.containers) + list(spec.init_containers)
    for c in all_containers:
        for k, v in c.requests.items():
            if _supported_qos(k) and v != 0:
                requests[k] = requests.get(k, 0) + v
                zero = False
        seen = set()
        for k, v in c.limits.items():
            if _supported_qos(k) and v != 0:
                seen.add(k)
                limits[k] = limits.get(k, 0) + v
                zero = False
        if not ({"cpu", "memory"} <= seen):
            is_guaranteed = False
    if zero:
        return "BestEffort"
    if is_guaranteed:
        for k, v in requests.items():
            if limits.get(k) != v:
                is_guaranteed = False
                break
    if is_guaranteed and len(requests) == len(limits):
        return "Guaranteed"
    return "Burstable"
