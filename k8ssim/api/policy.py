"""policy/v1 PodDisruptionBudget, scheduling.k8s.io/v1 PriorityClass, storage.k8s.io/v1 StorageClass
and autoscaling/v2 HorizontalPodAutoscaler (``k8s.io/api/{policy,scheduling,storage,autoscaling}``)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Optional

from k8ssim.api.meta import IntOrString, KubeObject, LabelSelector, ObjectMeta

# ------------------------------------------------------------------------------ PodDisruptionBudget


@dataclass(slots=True)
class PodDisruptionBudgetSpec:
    min_available: Optional[IntOrString] = None
    max_unavailable: Optional[IntOrString] = None
    selector: Optional[LabelSelector] = None
    unhealthy_pod_eviction_policy: Optional[str] = None  # IfHealthyBudget | AlwaysAllow


@dataclass(slots=True)
class PodDisruptionBudgetStatus:
    observed_generation: int = 0
    disrupted_pods: dict = field(default_factory=dict)  # pod name -> time
    disruptions_allowed: int = 0
    current_healthy: int = 0
    desired_healthy: int = 0
    expected_pods: int = 0
    conditions: list = field(default_factory=list)


@dataclass(eq=False, repr=False)
class PodDisruptionBudget(KubeObject):
    kind: ClassVar[str] = "PodDisruptionBudget"
    api_version: ClassVar[str] = "policy/v1"
    resource: ClassVar[str] = "poddisruptionbudgets"
    metadata: ObjectMeta = field(default_factory=ObjectMeta)
    spec: PodDisruptionBudgetSpec = field(default_factory=PodDisruptionBudgetSpec)
    status: PodDisruptionBudgetStatus = field(default_factory=PodDisruptionBudgetStatus)
    raw: Optional[dict] = None


# ------------------------------------------------------------------------------------ PriorityClass


@dataclass(eq=False, repr=False)
class PriorityClass(KubeObject):
    kind: ClassVar[str] = "PriorityClass"
    api_version: ClassVar[str] = "scheduling.k8s.io/v1"
    resource: ClassVar[str] = "priorityclasses"
    namespaced: ClassVar[bool] = False
    metadata: ObjectMeta = field(default_factory=ObjectMeta)
    value: int = 0
    global_default: bool = False
    preemption_policy: str = "PreemptLowerPriority"
    description: str = ""
    spec: Optional[Any] = None
    status: Optional[Any] = None
    raw: Optional[dict] = None


# ------------------------------------------------------------------------------------- StorageClass


@dataclass(eq=False, repr=False)
class StorageClass(KubeObject):
    kind: ClassVar[str] = "StorageClass"
    api_version: ClassVar[str] = "storage.k8s.io/v1"
    resource: ClassVar[str] = "storageclasses"
    namespaced: ClassVar[bool] = False
    metadata: ObjectMeta = field(default_factory=ObjectMeta)
    provisioner: str = ""
    parameters: dict = field(default_factory=dict)
    reclaim_policy: str = "Delete"
    volume_binding_mode: str = "Immediate"
    allow_volume_expansion: bool = False
    allowed_topologies: tuple = ()  # of NodeSelectorTerm
    spec: Optional[Any] = None
    status: Optional[Any] = None
    raw: Optional[dict] = None

    @property
    def is_default(self) -> bool:
        return self.metadata.annotations.get("storageclass.kubernetes.io/is-default-class") == "true"


# ------------------------------------------------------------------------- HorizontalPodAutoscaler


@dataclass(slots=True, frozen=True)
class MetricTarget:
    type: str  # Utilization | Value | AverageValue
    average_utilization: Optional[int] = None
    average_value: Optional[int] = None  # milli-units (Quantity.MilliValue)
    value: Optional[int] = None  # milli-units


@dataclass(slots=True, frozen=True)
class MetricSpec:
    type: str  # Resource | ContainerResource | Pods | Object | External
    name: str = ""  # resource name (cpu/memory) or metric name
    container: str = ""
    target: Optional[MetricTarget] = None
    selector: Optional[Any] = None
    described_object: Optional[tuple] = None  # (apiVersion, kind, name) for Object metrics


@dataclass(slots=True, frozen=True)
class HPAScalingPolicy:
    type: str  # Pods | Percent
    value: int
    period_seconds: int


@dataclass(slots=True, frozen=True)
class HPAScalingRules:
    stabilization_window_seconds: Optional[int] = None
    select_policy: str = "Max"  # Max | Min | Disabled
    policies: tuple = ()
    tolerance: Optional[float] = None


@dataclass(slots=True)
class HPABehavior:
    scale_up: Optional[HPAScalingRules] = None
    scale_down: Optional[HPAScalingRules] = None


@dataclass(slots=True)
class HorizontalPodAutoscalerSpec:
    scale_target_ref: tuple = ("apps/v1", "Deployment", "")  # (apiVersion, kind, name)
    min_replicas: int = 1
    max_replicas: int = 1
    metrics: tuple = ()
    behavior: Optional[HPABehavior] = None


@dataclass(slots=True)
class HorizontalPodAutoscalerStatus:
    observed_generation: int = 0
    last_scale_time: Optional[float] = None
    current_replicas: int = 0
    desired_replicas: int = 0
    current_metrics: list = field(default_factory=list)
    conditions: list = field(default_factory=list)


@dataclass(eq=False, repr=False)
class HorizontalPodAutoscaler(KubeObject):
    kind: ClassVar[str] = "HorizontalPodAutoscaler"
    api_version: ClassVar[str] = "autoscaling/v2"
    resource: ClassVar[str] = "horizontalpodautoscalers"
    metadata: ObjectMeta = field(default_factory=ObjectMeta)
    spec: HorizontalPodAutoscalerSpec = field(default_factory=HorizontalPodAutoscalerSpec)
    status: HorizontalPodAutoscalerStatus = field(default_factory=HorizontalPodAutoscalerStatus)
    raw: Optional[dict] = None
