"""policy/v1 validation: PodDisruptionBudget.

Mirrors ``pkg/apis/policy/validation/validation.go`` (``ValidatePodDisruptionBudgetSpec``).
"""
from __future__ import annotations

from .apps import is_not_more_than_100_percent, validate_positive_int_or_percent
from .names import ErrorList, as_dict, invalid, not_supported, validate_label_selector

UNHEALTHY_POD_EVICTION_POLICIES = ["AlwaysAllow", "IfHealthyBudget"]


def validate_pdb(obj: dict) -> ErrorList:
    spec, sp = as_dict(obj.get("spec")), ("spec",)
    errs: ErrorList = []
    mina, maxu = spec.get("minAvailable"), spec.get("maxUnavailable")
    if mina is not None and maxu is not None:
        errs.append(invalid(sp, spec, "minAvailable and maxUnavailable cannot be both set"))
    for k, v in (("minAvailable", mina), ("maxUnavailable", maxu)):
        if v is not None:
            errs += validate_positive_int_or_percent(v, sp + (k,))
            errs += is_not_more_than_100_percent(v, sp + (k,))
    errs += validate_label_selector(spec.get("selector"), sp + ("selector",))
    up = spec.get("unhealthyPodEvictionPolicy")
    if up is not None and up not in UNHEALTHY_POD_EVICTION_POLICIES:
        errs.append(not_supported(sp + ("unhealthyPodEvictionPolicy",), up, UNHEALTHY_POD_EVICTION_POLICIES))
    return errs
