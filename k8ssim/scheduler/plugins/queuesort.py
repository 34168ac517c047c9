"""PrioritySort: the default QueueSort plugin (higher priority first, then earlier timestamp).

Mirrors ``pkg/scheduler/framework/plugins/queuesort/priority_sort.go`` (v1.35). Works on any
QueuedPodInfo-like object with ``pod`` and ``timestamp`` (``priority`` is used when present)."""
from __future__ import annotations

from typing import Any, Optional

NAME = "PrioritySort"


def pod_priority(pod) -> int:
    """``corev1helpers.PodPriority``: spec.priority, 0 when unset."""
    p = pod.spec.priority
    return 0 if p is None else int(p)


class PrioritySort:
    name = NAME

    def __init__(self, args: Optional[dict] = None, handle=None):
        pass

    def less(self, a: Any, b: Any) -> bool:
        pa = getattr(a, "priority", None)
        pb = getattr(b, "priority", None)
        pa = pod_priority(a.pod) if pa is None else pa
        pb = pod_priority(b.pod) if pb is None else pb
        return pa > pb or (pa == pb and a.timestamp < b.timestamp)
