"""NodeName: a pod with ``spec.nodeName`` fits only that node.

Mirrors ``pkg/scheduler/framework/plugins/nodename/node_name.go`` (v1.35)."""
from __future__ import annotations

from typing import Optional

from k8ssim.api.core import Pod
from k8ssim.scheduler.framework import ClusterEvent, ClusterEventWithHint, CycleState, Status
from k8ssim.scheduler.nodeinfo import NodeInfo

NAME = "NodeName"
ERR_REASON = "node(s) didn't match the requested node name"


def fits(pod: Pod, node_info: NodeInfo) -> bool:
    return not pod.spec.node_name or pod.spec.node_name == node_info.name


class NodeName:
    name = NAME

    def __init__(self, args: Optional[dict] = None, handle=None):
        pass

    def filter(self, state: CycleState, pod: Pod, node_info: NodeInfo) -> Optional[Status]:
        if node_info.node is None:
            return Status.error("node not found")
        if not fits(pod, node_info):
            return Status.unresolvable(ERR_REASON)
        return None

    def events_to_register(self) -> list:
        return [ClusterEventWithHint(ClusterEvent("Node", "Add"))]
