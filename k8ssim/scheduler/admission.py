"""The Priority admission plugin: resolve ``priorityClassName`` to ``spec.priority`` and
``spec.preemptionPolicy`` on pod creation, and allow only one global default PriorityClass.

Mirrors ``plugin/pkg/admission/priority/admission.go`` and the built-in system classes of
``pkg/apis/scheduling/types.go`` (v1.35). Register with :func:`install_priority_admission`, or add
``priority_admission(store)`` for ``pods`` and ``priorityclass_admission(store)`` for
``priorityclasses`` with ``store.add_admission``.
"""
from __future__ import annotations

import copy
from typing import Callable, Optional

from k8ssim.store.errors import Forbidden

__all__ = ["priority_admission", "priorityclass_admission", "install_priority_admission", "SYSTEM_PRIORITY_CLASSES",
           "DEFAULT_PRIORITY_WHEN_NO_DEFAULT_CLASS_EXISTS"]

SYSTEM_CRITICAL_PRIORITY = 2_000_000_000
SYSTEM_PRIORITY_CLASSES = {
    "system-node-critical": SYSTEM_CRITICAL_PRIORITY + 1000,
    "system-cluster-critical": SYSTEM_CRITICAL_PRIORITY,
}
DEFAULT_PRIORITY_WHEN_NO_DEFAULT_CLASS_EXISTS = 0


def _default_class(store):
    """``getDefaultPriorityClass``: the global default with the lowest value (races may leave two)."""
    best = None
    for pc in store.list("priorityclasses"):
        if pc.global_default and (best is None or pc.value < best.value):
            best = pc
    return best


def _resolve(store, name: str, namespace: str, pod_name: str = "") -> tuple:
    """(value, preemption policy) of a PriorityClass name; Forbidden when not found / not allowed."""
    # The kube-system-only rule for the system classes (priorityClassPermittedInNamespace) was removed in
    # v1.17 (kubernetes/kubernetes#76310); since then ResourceQuota limits their use. Published manifests
    # such as kube-prometheus' node-exporter rely on that (system-cluster-critical in "monitoring").
    pc = store.try_get("priorityclasses", None, name)
    if pc is not None:
        return pc.value, pc.preemption_policy or "PreemptLowerPriority"
    if name in SYSTEM_PRIORITY_CLASSES:
        return SYSTEM_PRIORITY_CLASSES[name], "PreemptLowerPriority"
    raise Forbidden("pods", pod_name, f"no PriorityClass with name {name} was found")


def priority_admission(store) -> Callable:
    """Admission function for ``pods``: on CREATE set ``priority_class_name`` (global default),
    ``priority`` and ``preemption_policy``; reject a conflicting explicit priority or policy."""

    def admit(op: str, pod, old) -> Optional[object]:
        if op != "CREATE":
            return None
        spec = pod.spec
        if not spec.priority_class_name:
            dpc = _default_class(store)
            if dpc is not None:
                name, value, policy = dpc.metadata.name, dpc.value, dpc.preemption_policy or "PreemptLowerPriority"
            else:
                name, value, policy = "", DEFAULT_PRIORITY_WHEN_NO_DEFAULT_CLASS_EXISTS, "PreemptLowerPriority"
        else:
            name = spec.priority_class_name
            value, policy = _resolve(store, name, pod.metadata.namespace, pod.metadata.name)
        if spec.priority is not None and spec.priority != value:
            raise Forbidden("pods", pod.metadata.name,
                            f"the integer value of priority ({spec.priority}) must not be provided in pod spec; "
                            f"priority admission controller computed {value} from the given PriorityClass name")
        if spec.preemption_policy is not None and spec.preemption_policy != policy:
            raise Forbidden("pods", pod.metadata.name,
                            f"the string value of PreemptionPolicy ({spec.preemption_policy}) must not be provided "
                            f"in pod spec; priority admission controller computed {policy} from the given "
                            "PriorityClass name")
        if spec.priority_class_name == name and spec.priority == value and spec.preemption_policy == policy:
            return None
        pod.spec = copy.copy(spec)  # the spec may be shared with the caller's object
        pod.spec.priority_class_name = name
        pod.spec.priority = value
        pod.spec.preemption_policy = policy
        return pod

    return admit


def priorityclass_admission(store) -> Callable:
    """Admission function for ``priorityclasses``: only one ``globalDefault`` class may exist."""

    def admit(op: str, pc, old) -> None:
        if not pc.global_default:
            return None
        if op == "UPDATE" and old is not None and old.global_default:
            return None
        dpc = _default_class(store)
        if dpc is not None and dpc.metadata.name != pc.metadata.name:
            raise Forbidden("priorityclasses.scheduling.k8s.io", pc.metadata.name,
                            f"PriorityClass {dpc.metadata.name} is already marked as default. Only one default can exist")
        return None

    return admit


def install_priority_admission(store) -> None:
    """Register both admission functions on ``store``."""
    store.add_admission("pods", priority_admission(store))
    store.add_admission("priorityclasses", priorityclass_admission(store))
