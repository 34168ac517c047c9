"""apps/v1 kinds: Deployment, ReplicaSet, StatefulSet, DaemonSet, ControllerRevision.

Mirrors ``k8s.io/api/apps/v1/types.go``. A pod template is a :class:`PodTemplateSpec` whose ``spec`` is
shared by every pod made from it (objects in the store are immutable by contract).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Optional

from k8ssim.api.core import PodSpec
from k8ssim.api.meta import IntOrString, KubeObject, LabelSelector, ObjectMeta


@dataclass(slots=True)
class PodTemplateSpec:
    labels: dict = field(default_factory=dict)
    annotations: dict = field(default_factory=dict)
    spec: PodSpec = field(default_factory=PodSpec)
    raw: Optional[dict] = None  # the defaulted template manifest (used for pod-template-hash)


@dataclass(slots=True)
class WorkloadCondition:
    type: str
    status: str
    reason: str = ""
    message: str = ""
    last_update_time: Optional[float] = None
    last_transition_time: Optional[float] = None


def get_condition(conditions: list, ctype: str) -> Optional[WorkloadCondition]:
    for c in conditions:
        if c.type == ctype:
            return c
    return None


# ------------------------------------------------------------------------------------- Deployment


@dataclass(slots=True)
class RollingUpdateDeployment:
    max_unavailable: Optional[IntOrString] = "25%"
    max_surge: Optional[IntOrString] = "25%"


@dataclass(slots=True)
class DeploymentStrategy:
    type: str = "RollingUpdate"  # RollingUpdate | Recreate
    rolling_update: Optional[RollingUpdateDeployment] = field(default_factory=RollingUpdateDeployment)


@dataclass(slots=True)
class DeploymentSpec:
    replicas: int = 1
    selector: Optional[LabelSelector] = None
    template: PodTemplateSpec = field(default_factory=PodTemplateSpec)
    strategy: DeploymentStrategy = field(default_factory=DeploymentStrategy)
    min_ready_seconds: int = 0
    revision_history_limit: int = 10
    paused: bool = False
    progress_deadline_seconds: Optional[int] = 600


@dataclass(slots=True)
class DeploymentStatus:
    observed_generation: int = 0
    replicas: int = 0
    updated_replicas: int = 0
    ready_replicas: int = 0
    available_replicas: int = 0
    unavailable_replicas: int = 0
    terminating_replicas: int = 0
    conditions: list = field(default_factory=list)
    collision_count: int = 0


@dataclass(eq=False, repr=False)
class Deployment(KubeObject):
    kind: ClassVar[str] = "Deployment"
    api_version: ClassVar[str] = "apps/v1"
    resource: ClassVar[str] = "deployments"
    metadata: ObjectMeta = field(default_factory=ObjectMeta)
    spec: DeploymentSpec = field(default_factory=DeploymentSpec)
    status: DeploymentStatus = field(default_factory=DeploymentStatus)
    raw: Optional[dict] = None


# ------------------------------------------------------------------------------------- ReplicaSet


@dataclass(slots=True)
class ReplicaSetSpec:
    replicas: int = 1
    selector: Optional[LabelSelector] = None
    template: PodTemplateSpec = field(default_factory=PodTemplateSpec)
    min_ready_seconds: int = 0


@dataclass(slots=True)
class ReplicaSetStatus:
    replicas: int = 0
    fully_labeled_replicas: int = 0
    ready_replicas: int = 0
    available_replicas: int = 0
    terminating_replicas: int = 0
    observed_generation: int = 0
    conditions: list = field(default_factory=list)


@dataclass(eq=False, repr=False)
class ReplicaSet(KubeObject):
    kind: ClassVar[str] = "ReplicaSet"
    api_version: ClassVar[str] = "apps/v1"
    resource: ClassVar[str] = "replicasets"
    metadata: ObjectMeta = field(default_factory=ObjectMeta)
    spec: ReplicaSetSpec = field(default_factory=ReplicaSetSpec)
    status: ReplicaSetStatus = field(default_factory=ReplicaSetStatus)
    raw: Optional[dict] = None


# ------------------------------------------------------------------------------------ StatefulSet


@dataclass(slots=True)
class StatefulSetUpdateStrategy:
    type: str = "RollingUpdate"  # RollingUpdate | OnDelete
    partition: int = 0
    max_unavailable: Optional[IntOrString] = None


@dataclass(slots=True)
class StatefulSetSpec:
    replicas: int = 1
    selector: Optional[LabelSelector] = None
    template: PodTemplateSpec = field(default_factory=PodTemplateSpec)
    service_name: str = ""
    pod_management_policy: str = "OrderedReady"  # OrderedReady | Parallel
    update_strategy: StatefulSetUpdateStrategy = field(default_factory=StatefulSetUpdateStrategy)
    volume_claim_templates: list = field(default_factory=list)  # of PersistentVolumeClaim
    min_ready_seconds: int = 0
    revision_history_limit: int = 10
    pvc_retention_when_deleted: str = "Retain"
    pvc_retention_when_scaled: str = "Retain"
    ordinals_start: int = 0


@dataclass(slots=True)
class StatefulSetStatus:
    observed_generation: int = 0
    replicas: int = 0
    ready_replicas: int = 0
    current_replicas: int = 0
    updated_replicas: int = 0
    available_replicas: int = 0
    current_revision: str = ""
    update_revision: str = ""
    collision_count: int = 0
    conditions: list = field(default_factory=list)


@dataclass(eq=False, repr=False)
class StatefulSet(KubeObject):
    kind: ClassVar[str] = "StatefulSet"
    api_version: ClassVar[str] = "apps/v1"
    resource: ClassVar[str] = "statefulsets"
    metadata: ObjectMeta = field(default_factory=ObjectMeta)
    spec: StatefulSetSpec = field(default_factory=StatefulSetSpec)
    status: StatefulSetStatus = field(default_factory=StatefulSetStatus)
    raw: Optional[dict] = None


# -------------------------------------------------------------------------------------- DaemonSet


@dataclass(slots=True)
class DaemonSetUpdateStrategy:
    type: str = "RollingUpdate"  # RollingUpdate | OnDelete
    max_unavailable: Optional[IntOrString] = 1
    max_surge: Optional[IntOrString] = 0


@dataclass(slots=True)
class DaemonSetSpec:
    selector: Optional[LabelSelector] = None
    template: PodTemplateSpec = field(default_factory=PodTemplateSpec)
    update_strategy: DaemonSetUpdateStrategy = field(default_factory=DaemonSetUpdateStrategy)
    min_ready_seconds: int = 0
    revision_history_limit: int = 10


@dataclass(slots=True)
class DaemonSetStatus:
    current_number_scheduled: int = 0
    number_misscheduled: int = 0
    desired_number_scheduled: int = 0
    number_ready: int = 0
    observed_generation: int = 0
    updated_number_scheduled: int = 0
    number_available: int = 0
    number_unavailable: int = 0
    collision_count: int = 0
    conditions: list = field(default_factory=list)


@dataclass(eq=False, repr=False)
class DaemonSet(KubeObject):
    kind: ClassVar[str] = "DaemonSet"
    api_version: ClassVar[str] = "apps/v1"
    resource: ClassVar[str] = "daemonsets"
    metadata: ObjectMeta = field(default_factory=ObjectMeta)
    spec: DaemonSetSpec = field(default_factory=DaemonSetSpec)
    status: DaemonSetStatus = field(default_factory=DaemonSetStatus)
    raw: Optional[dict] = None


@dataclass(eq=False, repr=False)
class ControllerRevision(KubeObject):
    kind: ClassVar[str] = "ControllerRevision"
    api_version: ClassVar[str] = "apps/v1"
    resource: ClassVar[str] = "controllerrevisions"
    metadata: ObjectMeta = field(default_factory=ObjectMeta)
    data: Any = None  # the pod template of that revision
    revision: int = 0
    spec: Optional[Any] = None
    status: Optional[Any] = None
