"""The scenario file schema (``apiVersion: k8ssim.io/v1alpha1, kind: Scenario``), pydantic v2.

Field names are camelCase in YAML as in Kubernetes; unknown fields are errors. ``k8ssim schema``
prints the JSON Schema exported from these models for editors. Sections that later components fill
(load, faults, autoscaling, storage) are part of the schema already.
"""
from __future__ import annotations

from typing import Any, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from k8ssim.scenario.actions import FaultEntry, ManifestRef, PodBehavior, TimelineEntry
from k8ssim.scenario.schema_types import DNSLabel, Duration, PositiveDuration, QuantityStr

API_VERSION = "k8ssim.io/v1alpha1"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=False)


class TaintSpec(_Model):
    key: str
    value: str = ""
    effect: Literal["NoSchedule", "PreferNoSchedule", "NoExecute"]


class ImageSpec(_Model):
    name: str
    size: QuantityStr = Field(description="image size, e.g. 250Mi")


class PoolAutoscaling(_Model):
    min: int = Field(ge=0)
    max: int = Field(ge=0)

    @model_validator(mode="after")
    def _order(self):
        if self.max < self.min:
            raise ValueError(f"max ({self.max}) must be greater than or equal to min ({self.min})")
        return self


class NodePool(_Model):
    name: DNSLabel
    count: int = Field(ge=0, le=100_000)
    instanceType: Optional[str] = None
    capacity: Optional[dict[str, QuantityStr]] = None
    allocatable: Optional[dict[str, QuantityStr]] = None
    kubeReserved: dict[str, QuantityStr] = Field(default_factory=dict)
    systemReserved: dict[str, QuantityStr] = Field(default_factory=dict)
    maxPods: int = Field(default=110, ge=1, le=10_000)
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    taints: list[TaintSpec] = Field(default_factory=list)
    zones: list[str] = Field(default_factory=list)
    region: Optional[str] = None
    images: list[ImageSpec] = Field(default_factory=list, description="images already present on every node")
    autoscaling: Optional[PoolAutoscaling] = None

    @field_validator("instanceType")
    @classmethod
    def _known_type(cls, v):
        from k8ssim.scenario.instance_types import INSTANCE_TYPES

        if v is not None and v not in INSTANCE_TYPES:
            from k8ssim.api.errors import did_you_mean

            raise ValueError(
                f'unknown instanceType "{v}"{did_you_mean(v, INSTANCE_TYPES)}; '
                "known: " + ", ".join(sorted(INSTANCE_TYPES)) + " (or give capacity explicitly)"
            )
        return v

    @model_validator(mode="after")
    def _shape(self):
        if self.instanceType is None and self.capacity is None:
            raise ValueError("one of instanceType or capacity is required")
        return self


class Cluster(_Model):
    nodePools: list[NodePool] = Field(default_factory=list)
    scheduler: dict[str, Any] = Field(default_factory=dict, description="KubeSchedulerConfiguration-shaped")
    podCIDR: str = "10.244.0.0/16"

    @model_validator(mode="after")
    def _unique(self):
        seen = set()
        for p in self.nodePools:
            if p.name in seen:
                raise ValueError(f'Duplicate value: node pool "{p.name}"')
            seen.add(p.name)
        return self


class KubeletConfig(_Model):
    """Container runtime and kubelet timing (the node issue widens this)."""

    containerRuntime: Literal["containerd", "cri-o"] = "containerd"
    podStartLatency: Optional[Duration] = Field(
        default=None, description="sandbox + container start, without image pull (default: the runtime's profile)")
    imagePullBandwidth: QuantityStr = Field(default="100Mi", description="bytes per second per node")
    defaultImageSize: QuantityStr = "100Mi"


class Metadata(_Model):
    name: DNSLabel
    description: str = ""
    labels: dict[str, str] = Field(default_factory=dict)


class Spec(_Model):
    seed: int = Field(default=1, ge=0, lt=2**63)
    duration: PositiveDuration
    sampleInterval: PositiveDuration = 15.0
    cluster: Cluster = Field(default_factory=Cluster)
    kubelet: KubeletConfig = Field(default_factory=KubeletConfig)
    manifests: list[ManifestRef] = Field(default_factory=list)
    timeline: list[TimelineEntry] = Field(default_factory=list, description="actions at simulated times")
    faults: list[FaultEntry] = Field(default_factory=list)
    podBehaviors: list[PodBehavior] = Field(default_factory=list, description="first matching rule wins")
    load: list[dict[str, Any]] = Field(default_factory=list, description="synthetic request load")
    autoscaling: Optional[dict[str, Any]] = None
    storageClasses: list[dict[str, Any]] = Field(default_factory=list)
    maxObjects: int = Field(default=1_000_000, ge=1, description="cap on objects the run may create")

    @model_validator(mode="after")
    def _sample(self):
        if self.sampleInterval > self.duration:
            raise ValueError("sampleInterval must not exceed duration")
        return self


class Scenario(_Model):
    apiVersion: Literal["k8ssim.io/v1alpha1"]
    kind: Literal["Scenario"]
    metadata: Metadata
    spec: Spec


def json_schema() -> dict:
    return Scenario.model_json_schema()
