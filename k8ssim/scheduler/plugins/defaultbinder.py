"""DefaultBinder: binds the pod by writing the Binding (``pods/<name>/binding``).

Mirrors ``pkg/scheduler/framework/plugins/defaultbinder/default_binder.go`` (v1.35). The write
itself is the Scheduler component's ``Handle.bind_fn(pod, node_name)`` (store-backed)."""
from __future__ import annotations

from typing import Optional

from k8ssim.api.core import Pod
from k8ssim.scheduler.framework import CycleState, Handle, Status

NAME = "DefaultBinder"


class DefaultBinder:
    name = NAME

    def __init__(self, args: Optional[dict] = None, handle: Optional[Handle] = None):
        self.handle = handle if handle is not None else Handle()

    def bind(self, state: CycleState, pod: Pod, node_name: str) -> Optional[Status]:
        fn = self.handle.bind_fn
        if fn is None:
            return Status.error("DefaultBinder: no bind function configured on the framework handle")
        return fn(pod, node_name)
