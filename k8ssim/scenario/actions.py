"""Timeline actions, faults and pod behaviour models of the scenario file (pydantic v2).

A timeline entry is ``{at: <duration>, <action>: {...}}`` with exactly one action; a fault entry is
``{at: <duration>, <fault>: {...}}``. Pod behaviours say how the containers of matching pods behave
(run time, exit code, resource usage): the first rule that matches a pod wins.
"""
from __future__ import annotations

from typing import Any, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, model_validator

from k8ssim.scenario.schema_types import Duration, QuantityStr


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


# ------------------------------------------------------------------------------------- timeline


class WorkloadRef(_Model):
    """``deployment: web`` (or statefulset / daemonset / replicaset / job / cronjob) plus a namespace."""

    deployment: Optional[str] = None
    statefulset: Optional[str] = None
    daemonset: Optional[str] = None
    replicaset: Optional[str] = None
    job: Optional[str] = None
    cronjob: Optional[str] = None
    namespace: str = "default"

    @model_validator(mode="after")
    def _one(self):
        set_ = [k for k in ("deployment", "statefulset", "daemonset", "replicaset", "job", "cronjob")
                if getattr(self, k) is not None]
        if len(set_) != 1:
            raise ValueError("name exactly one workload: deployment, statefulset, daemonset, replicaset, job or cronjob")
        return self

    @property
    def kind_name(self) -> tuple[str, str]:
        for k, kind in (("deployment", "Deployment"), ("statefulset", "StatefulSet"), ("daemonset", "DaemonSet"),
                        ("replicaset", "ReplicaSet"), ("job", "Job"), ("cronjob", "CronJob")):
            v = getattr(self, k)
            if v is not None:
                return kind, v
        raise AssertionError


class ScaleAction(WorkloadRef):
    replicas: int = Field(ge=0)


class SetImageAction(WorkloadRef):
    container: str
    image: str


class RollbackAction(WorkloadRef):
    toRevision: int = Field(default=0, ge=0, description="0 = the previous revision")


class ManifestRef(_Model):
    """A manifest file (or directory) by path, or manifests written inline (used by ``spec.manifests``
    and the timeline's ``apply``)."""

    path: Optional[str] = None
    inline: Optional[Any] = None

    @model_validator(mode="after")
    def _one(self):
        if (self.path is None) == (self.inline is None):
            raise ValueError("exactly one of path or inline is required")
        return self


class DeleteAction(_Model):
    kind: str
    name: str
    namespace: str = "default"
    propagationPolicy: Literal["Background", "Foreground", "Orphan"] = "Background"
    gracePeriodSeconds: Optional[int] = Field(default=None, ge=0)


class NodeRef(_Model):
    node: str


class DrainAction(NodeRef):
    gracePeriodSeconds: Optional[int] = Field(default=None, ge=0)
    timeout: Optional[Duration] = None
    ignoreDaemonSets: bool = True


class TimelineEntry(_Model):
    at: Duration
    scale: Optional[ScaleAction] = None
    setImage: Optional[SetImageAction] = None
    rollback: Optional[RollbackAction] = None
    pause: Optional[WorkloadRef] = None
    resume: Optional[WorkloadRef] = None
    apply: Optional[ManifestRef] = None
    delete: Optional[DeleteAction] = None
    cordon: Optional[NodeRef] = None
    uncordon: Optional[NodeRef] = None
    drain: Optional[DrainAction] = None

    @model_validator(mode="after")
    def _one(self):
        acts = [k for k in ACTIONS if getattr(self, k) is not None]
        if len(acts) != 1:
            raise ValueError("each timeline entry has `at` and exactly one action: " + ", ".join(ACTIONS))
        return self

    @property
    def action(self) -> tuple[str, Any]:
        for k in ACTIONS:
            v = getattr(self, k)
            if v is not None:
                return k, v
        raise AssertionError


ACTIONS = ("scale", "setImage", "rollback", "pause", "resume", "apply", "delete", "cordon", "uncordon", "drain")


# --------------------------------------------------------------------------------------- faults


class NodeFailure(_Model):
    """The node's kubelet stops (no heartbeats, containers keep their last state); ``duration`` brings it back."""

    node: str
    duration: Optional[Duration] = None


class FaultEntry(_Model):
    at: Duration
    nodeFailure: Optional[NodeFailure] = None

    @model_validator(mode="after")
    def _one(self):
        if self.nodeFailure is None:
            raise ValueError("each fault entry has `at` and exactly one fault: nodeFailure")
        return self


# ----------------------------------------------------------------------------------- behaviours


class Distribution(_Model):
    """A duration drawn per container start: exactly one of fixed / uniform / exponential / lognormal."""

    fixed: Optional[Duration] = None
    uniform: Optional[tuple[Duration, Duration]] = None
    exponential: Optional[Duration] = Field(default=None, description="mean")
    lognormal: Optional[dict[str, float]] = Field(default=None, description="{mean: seconds, cv: ratio}")

    @model_validator(mode="after")
    def _one(self):
        n = sum(v is not None for v in (self.fixed, self.uniform, self.exponential, self.lognormal))
        if n != 1:
            raise ValueError("give exactly one of fixed, uniform, exponential, lognormal")
        if self.lognormal is not None and set(self.lognormal) != {"mean", "cv"}:
            raise ValueError("lognormal needs mean and cv")
        return self


class PodMatch(_Model):
    namespace: Optional[str] = None
    labels: dict[str, str] = Field(default_factory=dict)
    ownerKind: Optional[str] = None
    ownerName: Optional[str] = Field(default=None, description="controller name (Job, Deployment ... name)")
    container: Optional[str] = None


class PodBehavior(_Model):
    """How matching containers behave once started."""

    match: PodMatch = Field(default_factory=PodMatch)
    runtime: Optional[Distribution] = Field(default=None, description="run time until the container exits")
    failureProbability: float = Field(default=0.0, ge=0.0, le=1.0, description="chance an exit is non-zero")
    exitCode: int = Field(default=1, ge=1, le=255, description="exit code of a failing run")
    startupTime: Optional[Distribution] = Field(default=None, description="time until probes can succeed")
    cpu: Optional[QuantityStr] = Field(default=None, description="CPU usage")
    memory: Optional[QuantityStr] = Field(default=None, description="memory usage (over the limit: OOMKilled)")
    memoryGrowth: Optional[QuantityStr] = Field(default=None, description="memory growth per second")
    livenessFailureAfter: Optional[Distribution] = Field(default=None, description="liveness probe starts failing")
