"""core/v1 kinds the simulator models: Pod, Node, Service, Namespace, PersistentVolume(Claim),
LimitRange, ResourceQuota — and their parts (containers, probes, taints, tolerations, affinity,
topology spread constraints).

Mirrors ``k8s.io/api/core/v1/types.go`` with Python names. Resource lists are ``dict[str, int]`` in
canonical integer units: ``cpu`` in millicores, every other resource ``Quantity.Value()`` (bytes for
memory, storage and hugepages; a count for pods and extended resources).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Optional

from k8ssim.api.meta import KubeObject, LabelSelector, ObjectMeta

# ---------------------------------------------------------------------------------------------------
# scheduling constraints
# ---------------------------------------------------------------------------------------------------

TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")


@dataclass(slots=True, frozen=True)
class Taint:
    key: str
    value: str = ""
    effect: str = "NoSchedule"
    time_added: Optional[float] = None

    def matches(self, other: "Taint") -> bool:
        """``Taint.MatchTaint``: same key and effect."""
        return self.key == other.key and self.effect == other.effect


@dataclass(slots=True, frozen=True)
class Toleration:
    key: str = ""
    operator: str = "Equal"  # Equal | Exists
    value: str = ""
    effect: str = ""  # "" matches every effect
    toleration_seconds: Optional[int] = None

    def tolerates(self, taint: Taint) -> bool:
        """``Toleration.ToleratesTaint`` (k8s.io/api/core/v1/toleration.go)."""
        if self.effect and self.effect != taint.effect:
            return False
        if self.key and self.key != taint.key:
            return False
        op = self.operator or "Equal"
        if op == "Exists":
            return True
        if op == "Equal":
            return self.value == taint.value
        if op in ("Gt", "Lt"):  # alpha TaintTolerationComparisonOperators
            try:
                tv, v = int(taint.value), int(self.value)
            except ValueError:
                return False
            return tv > v if op == "Gt" else tv < v
        return False


def tolerations_tolerate_taint(tolerations, taint: Taint) -> bool:
    for t in tolerations:
        if t.tolerates(taint):
            return True
    return False


def find_untolerated_taint(taints, tolerations, effects=("NoSchedule", "NoExecute")) -> Optional[Taint]:
    """``v1helper.FindMatchingUntoleratedTaint`` restricted to ``effects``."""
    for taint in taints:
        if taint.effect in effects and not tolerations_tolerate_taint(tolerations, taint):
            return taint
    return None


@dataclass(slots=True, frozen=True)
class NodeSelectorRequirement:
    key: str
    operator: str  # In | NotIn | Exists | DoesNotExist | Gt | Lt
    values: tuple = ()


@dataclass(slots=True, frozen=True)
class NodeSelectorTerm:
    match_expressions: tuple = ()  # of NodeSelectorRequirement
    match_fields: tuple = ()  # of NodeSelectorRequirement (only metadata.name)


@dataclass(slots=True, frozen=True)
class PreferredSchedulingTerm:
    weight: int
    preference: NodeSelectorTerm


@dataclass(slots=True, frozen=True)
class NodeAffinity:
    required: Optional[tuple] = None  # tuple of NodeSelectorTerm (None = no required NodeSelector)
    preferred: tuple = ()  # of PreferredSchedulingTerm


@dataclass(slots=True)
class PodAffinityTerm:
    topology_key: str
    label_selector: Optional[LabelSelector] = None
    namespaces: tuple = ()
    namespace_selector: Optional[LabelSelector] = None
    match_label_keys: tuple = ()
    mismatch_label_keys: tuple = ()


@dataclass(slots=True)
class WeightedPodAffinityTerm:
    weight: int
    term: PodAffinityTerm


@dataclass(slots=True)
class PodAffinity:
    required: list = field(default_factory=list)  # of PodAffinityTerm
    preferred: list = field(default_factory=list)  # of WeightedPodAffinityTerm


@dataclass(slots=True)
class Affinity:
    node_affinity: Optional[NodeAffinity] = None
    pod_affinity: Optional[PodAffinity] = None
    pod_anti_affinity: Optional[PodAffinity] = None


@dataclass(slots=True)
class TopologySpreadConstraint:
    max_skew: int
    topology_key: str
    when_unsatisfiable: str  # DoNotSchedule | ScheduleAnyway
    label_selector: Optional[LabelSelector] = None
    min_domains: Optional[int] = None
    node_affinity_policy: Optional[str] = None  # Honor (default) | Ignore
    node_taints_policy: Optional[str] = None  # Ignore (default) | Honor
    match_label_keys: tuple = ()


# ---------------------------------------------------------------------------------------------------
# containers
# ---------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Probe:
    kind: str = "exec"  # exec | httpGet | tcpSocket | grpc
    initial_delay_seconds: int = 0
    period_seconds: int = 10
    timeout_seconds: int = 1
    success_threshold: int = 1
    failure_threshold: int = 3
    termination_grace_period_seconds: Optional[int] = None


@dataclass(slots=True, frozen=True)
class ContainerPort:
    container_port: int
    host_port: int = 0
    protocol: str = "TCP"
    host_ip: str = ""
    name: str = ""


@dataclass(slots=True)
class Container:
    name: str
    image: str = ""
    image_pull_policy: str = "IfNotPresent"
    requests: dict = field(default_factory=dict)  # canonical units, see module doc
    limits: dict = field(default_factory=dict)
    ports: tuple = ()  # of ContainerPort
    startup_probe: Optional[Probe] = None
    readiness_probe: Optional[Probe] = None
    liveness_probe: Optional[Probe] = None
    restart_policy: Optional[str] = None  # "Always" on an init container = native sidecar
    pre_stop: bool = False
    pre_stop_sleep_seconds: Optional[int] = None
    command: tuple = ()
    args: tuple = ()

    @property
    def is_sidecar(self) -> bool:
        return self.restart_policy == "Always"


@dataclass(slots=True, frozen=True)
class Volume:
    name: str
    source: str  # persistentVolumeClaim | emptyDir | hostPath | configMap | secret | ...
    claim_name: str = ""
    read_only: bool = False
    medium: str = ""  # emptyDir medium


# ---------------------------------------------------------------------------------------------------
# Pod
# ---------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class PodSpec:
    containers: list = field(default_factory=list)
    init_containers: list = field(default_factory=list)
    node_name: str = ""
    node_selector: dict = field(default_factory=dict)
    affinity: Optional[Affinity] = None
    tolerations: tuple = ()
    topology_spread_constraints: tuple = ()
    scheduler_name: str = "default-scheduler"
    priority_class_name: str = ""
    priority: Optional[int] = None
    preemption_policy: Optional[str] = None
    restart_policy: str = "Always"
    termination_grace_period_seconds: Optional[int] = 30
    active_deadline_seconds: Optional[int] = None
    overhead: dict = field(default_factory=dict)
    resources_requests: Optional[dict] = None  # pod-level resources (PodLevelResources)
    resources_limits: Optional[dict] = None
    scheduling_gates: tuple = ()
    host_network: bool = False
    hostname: str = ""
    subdomain: str = ""
    volumes: tuple = ()  # of Volume
    service_account_name: str = ""
    runtime_class_name: str = ""


@dataclass(slots=True)
class PodCondition:
    type: str  # PodScheduled | Initialized | ContainersReady | Ready | DisruptionTarget | PodReadyToStartContainers
    status: str  # True | False | Unknown
    last_transition_time: Optional[float] = None
    reason: str = ""
    message: str = ""


@dataclass(slots=True)
class ContainerStatus:
    name: str
    image: str = ""
    ready: bool = False
    started: bool = False
    restart_count: int = 0
    state: str = "waiting"  # waiting | running | terminated
    reason: str = ""  # ContainerCreating, CrashLoopBackOff, ImagePullBackOff, OOMKilled, Completed, Error
    exit_code: Optional[int] = None
    started_at: Optional[float] = None
    finished_at: Optional[float] = None
    last_terminated_reason: str = ""


@dataclass(slots=True)
class PodStatus:
    phase: str = "Pending"  # Pending | Running | Succeeded | Failed | Unknown
    conditions: list = field(default_factory=list)
    host_ip: str = ""
    pod_ip: str = ""
    start_time: Optional[float] = None
    nominated_node_name: str = ""
    container_statuses: list = field(default_factory=list)
    init_container_statuses: list = field(default_factory=list)
    qos_class: str = ""
    reason: str = ""
    message: str = ""

    def condition(self, ctype: str) -> Optional[PodCondition]:
        for c in self.conditions:
            if c.type == ctype:
                return c
        return None

    def set_condition(self, ctype: str, status: str, now: float, reason: str = "", message: str = "") -> None:
        """Set a condition, keeping lastTransitionTime when the status does not change."""
        for i, c in enumerate(self.conditions):
            if c.type == ctype:
                ltt = c.last_transition_time if c.status == status else now
                self.conditions[i] = PodCondition(ctype, status, ltt, reason, message)
                return
        self.conditions.append(PodCondition(ctype, status, now, reason, message))


@dataclass(eq=False, repr=False)
class Pod(KubeObject):
    kind: ClassVar[str] = "Pod"
    api_version: ClassVar[str] = "v1"
    resource: ClassVar[str] = "pods"
    metadata: ObjectMeta = field(default_factory=ObjectMeta)
    spec: PodSpec = field(default_factory=PodSpec)
    status: PodStatus = field(default_factory=PodStatus)
    raw: Optional[dict] = None

    def is_ready(self) -> bool:
        c = self.status.condition("Ready")
        return c is not None and c.status == "True"

    def ready_since(self) -> Optional[float]:
        c = self.status.condition("Ready")
        return c.last_transition_time if c is not None and c.status == "True" else None

    def is_terminating(self) -> bool:
        return self.metadata.deletion_timestamp is not None

    def is_active(self) -> bool:
        """``controller.IsPodActive``: not Succeeded/Failed and not being deleted."""
        return (
            self.status.phase not in ("Succeeded", "Failed") and self.metadata.deletion_timestamp is None
        )


# ---------------------------------------------------------------------------------------------------
# Node
# ---------------------------------------------------------------------------------------------------


@dataclass(slots=True, frozen=True)
class ContainerImage:
    names: tuple
    size_bytes: int = 0


@dataclass(slots=True)
class NodeCondition:
    type: str  # Ready | MemoryPressure | DiskPressure | PIDPressure | NetworkUnavailable
    status: str
    last_heartbeat_time: Optional[float] = None
    last_transition_time: Optional[float] = None
    reason: str = ""
    message: str = ""


@dataclass(slots=True)
class NodeSpec:
    unschedulable: bool = False
    taints: tuple = ()  # of Taint
    pod_cidr: str = ""
    provider_id: str = ""


@dataclass(slots=True)
class NodeStatus:
    capacity: dict = field(default_factory=dict)
    allocatable: dict = field(default_factory=dict)
    conditions: list = field(default_factory=list)
    images: list = field(default_factory=list)  # of ContainerImage
    addresses: list = field(default_factory=list)  # of (type, address)
    phase: str = ""

    def condition(self, ctype: str) -> Optional[NodeCondition]:
        for c in self.conditions:
            if c.type == ctype:
                return c
        return None


@dataclass(eq=False, repr=False)
class Node(KubeObject):
    kind: ClassVar[str] = "Node"
    api_version: ClassVar[str] = "v1"
    resource: ClassVar[str] = "nodes"
    namespaced: ClassVar[bool] = False
    metadata: ObjectMeta = field(default_factory=ObjectMeta)
    spec: NodeSpec = field(default_factory=NodeSpec)
    status: NodeStatus = field(default_factory=NodeStatus)
    raw: Optional[dict] = None

    def is_ready(self) -> bool:
        c = self.status.condition("Ready")
        return c is not None and c.status == "True"


# ---------------------------------------------------------------------------------------------------
# Service, Namespace, storage, policy objects of core/v1
# ---------------------------------------------------------------------------------------------------


@dataclass(slots=True, frozen=True)
class ServicePort:
    port: int
    target_port: Any = None  # int or named port (str)
    protocol: str = "TCP"
    name: str = ""
    node_port: int = 0


@dataclass(slots=True)
class ServiceSpec:
    type: str = "ClusterIP"
    selector: Optional[dict] = None  # None: no selector (endpoints managed by hand)
    ports: tuple = ()
    cluster_ip: str = ""
    session_affinity: str = "None"
    session_affinity_timeout_seconds: int = 10800
    internal_traffic_policy: str = "Cluster"
    external_traffic_policy: str = ""
    traffic_distribution: str = ""
    publish_not_ready_addresses: bool = False


@dataclass(slots=True)
class ServiceStatus:
    load_balancer_ingress: list = field(default_factory=list)


@dataclass(eq=False, repr=False)
class Service(KubeObject):
    kind: ClassVar[str] = "Service"
    api_version: ClassVar[str] = "v1"
    resource: ClassVar[str] = "services"
    metadata: ObjectMeta = field(default_factory=ObjectMeta)
    spec: ServiceSpec = field(default_factory=ServiceSpec)
    status: ServiceStatus = field(default_factory=ServiceStatus)
    raw: Optional[dict] = None


@dataclass(slots=True)
class NamespaceStatus:
    phase: str = "Active"


@dataclass(eq=False, repr=False)
class Namespace(KubeObject):
    kind: ClassVar[str] = "Namespace"
    api_version: ClassVar[str] = "v1"
    resource: ClassVar[str] = "namespaces"
    namespaced: ClassVar[bool] = False
    metadata: ObjectMeta = field(default_factory=ObjectMeta)
    spec: Optional[Any] = None
    status: NamespaceStatus = field(default_factory=NamespaceStatus)
    raw: Optional[dict] = None


@dataclass(slots=True)
class PersistentVolumeSpec:
    capacity: dict = field(default_factory=dict)
    access_modes: tuple = ()
    storage_class_name: str = ""
    reclaim_policy: str = "Retain"
    volume_mode: str = "Filesystem"
    claim_ref: Optional[tuple] = None  # (namespace, name, uid)
    node_affinity: Optional[NodeAffinity] = None  # required terms only
    source: str = ""  # hostPath | local | csi | nfs | ...


@dataclass(slots=True)
class PersistentVolumeStatus:
    phase: str = "Pending"  # Pending | Available | Bound | Released | Failed


@dataclass(eq=False, repr=False)
class PersistentVolume(KubeObject):
    kind: ClassVar[str] = "PersistentVolume"
    api_version: ClassVar[str] = "v1"
    resource: ClassVar[str] = "persistentvolumes"
    namespaced: ClassVar[bool] = False
    metadata: ObjectMeta = field(default_factory=ObjectMeta)
    spec: PersistentVolumeSpec = field(default_factory=PersistentVolumeSpec)
    status: PersistentVolumeStatus = field(default_factory=PersistentVolumeStatus)
    raw: Optional[dict] = None


@dataclass(slots=True)
class PersistentVolumeClaimSpec:
    access_modes: tuple = ()
    requests: dict = field(default_factory=dict)
    storage_class_name: Optional[str] = None  # None: use the default StorageClass
    volume_name: str = ""
    volume_mode: str = "Filesystem"
    selector: Optional[LabelSelector] = None


@dataclass(slots=True)
class PersistentVolumeClaimStatus:
    phase: str = "Pending"  # Pending | Bound | Lost
    capacity: dict = field(default_factory=dict)


@dataclass(eq=False, repr=False)
class PersistentVolumeClaim(KubeObject):
    kind: ClassVar[str] = "PersistentVolumeClaim"
    api_version: ClassVar[str] = "v1"
    resource: ClassVar[str] = "persistentvolumeclaims"
    metadata: ObjectMeta = field(default_factory=ObjectMeta)
    spec: PersistentVolumeClaimSpec = field(default_factory=PersistentVolumeClaimSpec)
    status: PersistentVolumeClaimStatus = field(default_factory=PersistentVolumeClaimStatus)
    raw: Optional[dict] = None


@dataclass(slots=True, frozen=True)
class LimitRangeItem:
    type: str  # Container | Pod | PersistentVolumeClaim
    max: Any = None  # dicts (canonical units) — frozen dataclass holds them by reference
    min: Any = None
    default: Any = None
    default_request: Any = None
    max_limit_request_ratio: Any = None


@dataclass(slots=True)
class LimitRangeSpec:
    limits: tuple = ()


@dataclass(eq=False, repr=False)
class LimitRange(KubeObject):
    kind: ClassVar[str] = "LimitRange"
    api_version: ClassVar[str] = "v1"
    resource: ClassVar[str] = "limitranges"
    metadata: ObjectMeta = field(default_factory=ObjectMeta)
    spec: LimitRangeSpec = field(default_factory=LimitRangeSpec)
    status: Optional[Any] = None
    raw: Optional[dict] = None


@dataclass(slots=True)
class ResourceQuotaSpec:
    hard: dict = field(default_factory=dict)  # resource name (e.g. "requests.cpu", "pods") -> canonical int
    scopes: tuple = ()


@dataclass(slots=True)
class ResourceQuotaStatus:
    hard: dict = field(default_factory=dict)
    used: dict = field(default_factory=dict)


@dataclass(eq=False, repr=False)
class ResourceQuota(KubeObject):
    kind: ClassVar[str] = "ResourceQuota"
    api_version: ClassVar[str] = "v1"
    resource: ClassVar[str] = "resourcequotas"
    metadata: ObjectMeta = field(default_factory=ObjectMeta)
    spec: ResourceQuotaSpec = field(default_factory=ResourceQuotaSpec)
    status: ResourceQuotaStatus = field(default_factory=ResourceQuotaStatus)
    raw: Optional[dict] = None
