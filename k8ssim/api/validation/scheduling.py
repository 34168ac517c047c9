"""scheduling.k8s.io/v1 validation: PriorityClass.

Mirrors ``pkg/apis/scheduling/validation/validation.go`` (``ValidatePriorityClass``) and
``pkg/apis/scheduling/helpers.go`` (``IsKnownSystemPriorityClass``), ``pkg/apis/core/validation``
(``ValidatePreemptionPolicy``).
"""
from __future__ import annotations

from .names import ErrorList, as_dict, forbidden, is_int, not_supported, required

HIGHEST_USER_DEFINABLE_PRIORITY = 1_000_000_000
SYSTEM_PRIORITY_CLASS_PREFIX = "system-"
SYSTEM_PRIORITY_CLASSES = {"system-node-critical": 2_000_001_000, "system-cluster-critical": 2_000_000_000}
PREEMPTION_POLICIES = ["Never", "PreemptLowerPriority"]


def _known_system_class(name: str, value) -> str:
    if name not in SYSTEM_PRIORITY_CLASSES:
        return f"{name} is not a known system priority class"
    if value != SYSTEM_PRIORITY_CLASSES[name]:
        return f"value of {name} PriorityClass must be {SYSTEM_PRIORITY_CLASSES[name]}"
    return ""


def validate_priority_class(obj: dict) -> ErrorList:
    errs: ErrorList = []
    name = as_dict(obj.get("metadata")).get("name") or ""
    value = obj.get("value")
    if isinstance(name, str) and name.startswith(SYSTEM_PRIORITY_CLASS_PREFIX):
        err = _known_system_class(name, value)
        if err:
            errs.append(forbidden(("metadata", "name"), "priority class names with '" + SYSTEM_PRIORITY_CLASS_PREFIX
                                  + "' prefix are reserved for system use only. error: " + err))
    elif is_int(value) and value > HIGHEST_USER_DEFINABLE_PRIORITY:
        errs.append(forbidden(("value",), f"maximum allowed value of a user defined priority is {HIGHEST_USER_DEFINABLE_PRIORITY}"))
    pp = obj.get("preemptionPolicy")
    if pp is not None:
        if pp == "":
            errs.append(required(("preemptionPolicy",), ""))
        elif pp not in PREEMPTION_POLICIES:
            errs.append(not_supported(("preemptionPolicy",), pp, PREEMPTION_POLICIES))
    return errs
