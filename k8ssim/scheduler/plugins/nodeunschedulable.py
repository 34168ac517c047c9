"""NodeUnschedulable: cordoned nodes (``spec.unschedulable``) reject pods that do not tolerate
``node.kubernetes.io/unschedulable:NoSchedule``.

Mirrors ``pkg/scheduler/framework/plugins/nodeunschedulable/node_unschedulable.go`` (v1.35)."""
from __future__ import annotations

from typing import Optional

from k8ssim.api.core import Pod, Taint
from k8ssim.scheduler.framework import ClusterEvent, ClusterEventWithHint, CycleState, Status
from k8ssim.scheduler.nodeinfo import NodeInfo
from k8ssim.scheduler.plugins.tainttoleration import tolerations_tolerate_taint

NAME = "NodeUnschedulable"
ERR_REASON_UNKNOWN_CONDITION = "node(s) had unknown conditions"
ERR_REASON_UNSCHEDULABLE = "node(s) were unschedulable"
UNSCHEDULABLE_TAINT = Taint(key="node.kubernetes.io/unschedulable", effect="NoSchedule")


class NodeUnschedulable:
    name = NAME

    def __init__(self, args: Optional[dict] = None, handle=None):
        pass

    def filter(self, state: CycleState, pod: Pod, node_info: NodeInfo) -> Optional[Status]:
        node = node_info.node
        if node is None:
            return Status.unresolvable(ERR_REASON_UNKNOWN_CONDITION)
        if not node.spec.unschedulable:
            return None
        if not tolerations_tolerate_taint(pod.spec.tolerations, UNSCHEDULABLE_TAINT):
            return Status.unresolvable(ERR_REASON_UNSCHEDULABLE)
        return None

    def events_to_register(self) -> list:
        return [ClusterEventWithHint(ClusterEvent("Node", "Add|UpdateNodeTaint"))]
