"""SchedulingGates: a pod with ``spec.schedulingGates`` is not enqueued for scheduling.

Mirrors ``pkg/scheduler/framework/plugins/schedulinggates/scheduling_gates.go`` (v1.35)."""
from __future__ import annotations

from typing import Optional

from k8ssim.api.core import Pod
from k8ssim.scheduler.framework import ClusterEvent, ClusterEventWithHint, Status

NAME = "SchedulingGates"


def _gate_name(g) -> str:
    return g.get("name", "") if isinstance(g, dict) else getattr(g, "name", g)


class SchedulingGates:
    name = NAME

    def __init__(self, args: Optional[dict] = None, handle=None):
        pass

    def pre_enqueue(self, pod: Pod) -> Optional[Status]:
        gates = pod.spec.scheduling_gates
        if not gates:
            return None
        names = " ".join(str(_gate_name(g)) for g in gates)
        return Status.unresolvable(f"waiting for scheduling gates: [{names}]")

    def events_to_register(self) -> list:
        return [ClusterEventWithHint(ClusterEvent("Pod", "UpdatePodSchedulingGatesEliminated"))]
