"""Resource names and quantities in resource lists, requests vs limits.

Mirrors ``pkg/apis/core/validation/validation.go`` (``ValidateResourceRequirements``,
``validateContainerResourceName``, ``validateResourceName``, ``ValidateResourceQuantityValue``,
``ValidateNonnegativeQuantity``) and ``pkg/apis/core/helper/helpers.go`` (``IsStandardResourceName``,
``IsExtendedResourceName``, ``IsIntegerResourceName``, ``IsOvercommitAllowed``, ``IsHugePageResourceName``).
"""
from __future__ import annotations

from typing import Any, Optional

from ..quantity import Quantity, QuantityError, parse_quantity
from .names import ErrorList, Path, as_dict, forbidden, invalid, is_qualified_name, required

STANDARD_CONTAINER_RESOURCES = {"cpu", "memory", "ephemeral-storage"}
STANDARD_RESOURCES = STANDARD_CONTAINER_RESOURCES | {
    "requests.cpu", "requests.memory", "requests.ephemeral-storage", "limits.cpu", "limits.memory",
    "limits.ephemeral-storage", "pods", "services", "replicationcontrollers", "resourcequotas", "secrets",
    "configmaps", "persistentvolumeclaims", "storage", "requests.storage", "services.nodeports",
    "services.loadbalancers",
}
INTEGER_RESOURCES = {
    "pods", "services", "replicationcontrollers", "resourcequotas", "secrets", "configmaps",
    "persistentvolumeclaims", "services.nodeports", "services.loadbalancers",
}
POD_LEVEL_RESOURCES = {"cpu", "memory"}


def is_hugepage(name: str) -> bool:
    return name.startswith("hugepages-")


def is_prefixed_native(name: str) -> bool:
    return "kubernetes.io/" in name


def is_native(name: str) -> bool:
    return "/" not in name or is_prefixed_native(name)


def is_extended(name: str) -> bool:
    if is_native(name) or name.startswith("requests."):
        return False
    return not is_qualified_name("requests." + name)


def is_overcommit_allowed(name: str) -> bool:
    return is_native(name) and not is_hugepage(name)


def is_integer_resource(name: str) -> bool:
    return name in INTEGER_RESOURCES or is_extended(name)


def is_standard_container_resource(name: str) -> bool:
    return name in STANDARD_CONTAINER_RESOURCES or is_hugepage(name)


def is_standard_resource(name: str) -> bool:
    if name in STANDARD_RESOURCES or is_hugepage(name):
        return True
    for p in ("requests.hugepages-", "limits.hugepages-", "count/"):
        if name.startswith(p):
            return True
    return False


def validate_resource_name(name: str, path: Path) -> ErrorList:
    """``validateResourceName``."""
    errs = [invalid(path, name, m) for m in is_qualified_name(name)]
    if errs:
        return errs
    if "/" not in name and not is_standard_resource(name):
        errs.append(invalid(path, name, "must be a standard resource type or fully qualified"))
    return errs


def validate_container_resource_name(name: str, path: Path) -> ErrorList:
    """``validateContainerResourceName``."""
    errs = validate_resource_name(name, path)
    if "/" not in name:
        if not is_standard_container_resource(name):
            errs.append(invalid(path, name, "must be a standard resource for containers"))
    elif not is_native(name) and not is_extended(name):
        errs.append(invalid(path, name, "doesn't follow extended resource name standard"))
    return errs


def parse_quantity_field(v: Any, path: Path, errs: ErrorList) -> Optional[Quantity]:
    """Parse a quantity, recording the upstream parse error at ``path``."""
    try:
        return parse_quantity(v)
    except QuantityError as e:
        errs.append(invalid(path, v if isinstance(v, (str, int, float)) else str(v), str(e)))
        return None


def validate_resource_quantity_value(name: str, q: Quantity, path: Path) -> ErrorList:
    """``ValidateResourceQuantityValue``: non-negative, integral for integer resources."""
    errs: ErrorList = []
    if q.sign() < 0:
        errs.append(invalid(path, q.canonical(), "must be greater than or equal to 0"))
    if is_integer_resource(name) and q.milli_value() % 1000 != 0:
        errs.append(invalid(path, q.canonical(), "must be an integer"))
    return errs


def validate_resource_list(rl: Any, path: Path, name_check=validate_resource_name) -> dict:
    """Validate names and quantities of a ResourceList; returns ``{name: Quantity}`` and errors under key ``None``."""
    errs: ErrorList = []
    out: dict = {}
    for k, v in as_dict(rl).items():
        if not isinstance(k, str):
            continue
        kp = path + (k,)
        errs += name_check(k, kp)
        q = parse_quantity_field(v, kp, errs)
        if q is not None:
            errs += validate_resource_quantity_value(k, q, kp)
            out[k] = q
    out[None] = errs
    return out


def validate_resource_requirements(res: Any, path: Path, pod_level: bool = False) -> ErrorList:
    """``ValidateResourceRequirements`` (containers) / ``validatePodResourceRequirements`` (pod level)."""
    if res is None:
        return []
    res = as_dict(res)
    lim_path, req_path = path + ("limits",), path + ("requests",)
    errs: ErrorList = []

    def name_check(name: str, p: Path) -> ErrorList:
        e = validate_container_resource_name(name, p)
        if pod_level and not e and name not in POD_LEVEL_RESOURCES and not is_hugepage(name):
            e.append(invalid(p, name, "must be a supported pod-level resource: cpu, memory, hugepages-*"))
        return e

    limits = validate_resource_list(res.get("limits"), lim_path, name_check)
    errs += limits.pop(None)
    requests = validate_resource_list(res.get("requests"), req_path, name_check)
    errs += requests.pop(None)
    for name, q in requests.items():
        lq = limits.get(name)
        if lq is not None:
            if q.cmp(lq) != 0 and not is_overcommit_allowed(name):
                errs.append(invalid(req_path, q.canonical(), f"must be equal to {name} limit of {lq.canonical()}"))
            elif q.cmp(lq) > 0:
                errs.append(invalid(req_path, q.canonical(), f"must be less than or equal to {name} limit of {lq.canonical()}"))
        elif name not in as_dict(res.get("limits")) and not is_overcommit_allowed(name):
            errs.append(required(lim_path, "Limit must be set for non overcommitable resources"))
    if res.get("claims") and pod_level:
        errs.append(forbidden(path + ("claims",), "claims may not be set for pod-level resources"))
    return errs
