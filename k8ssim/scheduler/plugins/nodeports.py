"""NodePorts: a pod's host ports must be free on the node.

Mirrors ``pkg/scheduler/framework/plugins/nodeports/node_ports.go`` and ``framework.HostPortInfo``
(v1.35). Only regular containers' ports are considered, as the upstream code read."""
from __future__ import annotations

from typing import Optional

from k8ssim.api.core import Pod
from k8ssim.scheduler.framework import ClusterEvent, ClusterEventWithHint, CycleState, Status
from k8ssim.scheduler.nodeinfo import NodeInfo

NAME = "NodePorts"
PRE_FILTER_STATE_KEY = "PreFilter" + NAME
ERR_REASON = "node(s) didn't have free ports for the requested pod ports"


def get_container_ports(pod: Pod) -> list:
    """Ports with a hostPort of the pod's containers."""
    return [p for c in pod.spec.containers for p in c.ports if p.host_port > 0]


def fits_ports(want_ports, node_info: NodeInfo) -> bool:
    for p in want_ports:
        if node_info.used_ports.check_conflict(p.host_ip, p.protocol, p.host_port):
            return False
    return True


class _State(list):
    def clone(self):
        return self


class NodePorts:
    name = NAME

    def __init__(self, args: Optional[dict] = None, handle=None):
        pass

    def pre_filter(self, state: CycleState, pod: Pod, nodes) -> tuple:
        ports = get_container_ports(pod)
        if not ports:
            return None, Status.skip()
        state.write(PRE_FILTER_STATE_KEY, _State(ports))
        return None, None

    def filter(self, state: CycleState, pod: Pod, node_info: NodeInfo) -> Optional[Status]:
        ports = state.get(PRE_FILTER_STATE_KEY)
        if ports is None:
            ports = get_container_ports(pod)
        if not fits_ports(ports, node_info):
            return Status.unschedulable(ERR_REASON)
        return None

    def events_to_register(self) -> list:
        return [ClusterEventWithHint(ClusterEvent("Pod", "Delete")), ClusterEventWithHint(ClusterEvent("Node", "Add"))]
