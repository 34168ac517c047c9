"""VolumeBinding: extension-point hooks only (PreFilter, Filter, Reserve, Unreserve, PreBind).

Mirrors the shape of ``pkg/scheduler/framework/plugins/volumebinding/volume_binding.go`` (v1.35).
Pods without PersistentVolumeClaims are skipped (as upstream). Pods whose claims all exist and are
bound pass. Binding unbound claims (delayed binding, dynamic provisioning, PV node affinity) is not
modelled yet: such pods are rejected as UnschedulableAndUnresolvable with a message saying so,
rather than scheduled as if their volumes existed.
"""
from __future__ import annotations

from typing import Optional

from k8ssim.api.core import Pod
from k8ssim.scheduler.framework import ClusterEvent, ClusterEventWithHint, CycleState, Handle, Status
from k8ssim.scheduler.nodeinfo import NodeInfo

NAME = "VolumeBinding"
STATE_KEY = NAME
ERR_REASON_UNBOUND_NOT_MODELLED = "pod has unbound PersistentVolumeClaims (volume binding is not modelled yet)"
DEFAULT_BIND_TIMEOUT_SECONDS = 600


def pod_claim_names(pod: Pod) -> list:
    return [v.claim_name for v in pod.spec.volumes if v.claim_name]


def _is_bound(pvc) -> bool:
    return bool(getattr(pvc.spec, "volume_name", "")) or getattr(pvc.status, "phase", "") == "Bound"


class VolumeBinding:
    """Args (``VolumeBindingArgs``): ``bindTimeoutSeconds`` (default 600)."""

    name = NAME

    def __init__(self, args: Optional[dict] = None, handle: Optional[Handle] = None):
        self.handle = handle if handle is not None else Handle()
        self.bind_timeout_seconds = int((args or {}).get("bindTimeoutSeconds", DEFAULT_BIND_TIMEOUT_SECONDS))

    def pre_filter(self, state: CycleState, pod: Pod, nodes) -> tuple:
        claims = pod_claim_names(pod)
        if not claims:
            return None, Status.skip()
        ns = pod.metadata.namespace
        for name in claims:
            pvc = self.handle.get_pvc(ns, name)
            if pvc is None:
                return None, Status.unresolvable(f'persistentvolumeclaim "{name}" not found')
            if getattr(pvc.metadata, "deletion_timestamp", None) is not None:
                return None, Status.unresolvable(f'persistentvolumeclaim "{name}" is being deleted')
            if not _is_bound(pvc):
                return None, Status.unresolvable(ERR_REASON_UNBOUND_NOT_MODELLED)
        state.write(STATE_KEY, tuple(claims))
        return None, None

    def filter(self, state: CycleState, pod: Pod, node_info: NodeInfo) -> Optional[Status]:
        return None

    def reserve(self, state: CycleState, pod: Pod, node_name: str) -> Optional[Status]:
        return None

    def unreserve(self, state: CycleState, pod: Pod, node_name: str) -> None:
        return None

    def pre_bind(self, state: CycleState, pod: Pod, node_name: str) -> Optional[Status]:
        return None

    def events_to_register(self) -> list:
        return [
            ClusterEventWithHint(ClusterEvent("PersistentVolumeClaim", "Add|Update")),
            ClusterEventWithHint(ClusterEvent("PersistentVolume", "Add|Update")),
            ClusterEventWithHint(ClusterEvent("StorageClass", "Add|Update")),
            ClusterEventWithHint(ClusterEvent("Node", "Add|UpdateNodeLabel")),
        ]
