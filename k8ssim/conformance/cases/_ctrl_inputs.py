"""Decoding of the controller vector files' JSON into typed API objects (pods, nodes, templates,
deployments, ReplicaSets). The encodings are described in each vector file's ``notes`` and in
``shared/vectors/README.md``; relative times (``*_ago_s``) are turned into absolute simulated times
before :data:`NOW`."""
from __future__ import annotations

from typing import Optional

from k8ssim.api import decode
from k8ssim.api.apps import (
    DaemonSet,
    DaemonSetSpec,
    Deployment,
    DeploymentSpec,
    DeploymentStatus,
    DeploymentStrategy,
    PodTemplateSpec,
    ReplicaSet,
    ReplicaSetSpec,
    ReplicaSetStatus,
    RollingUpdateDeployment,
    WorkloadCondition,
)
from k8ssim.api.core import (
    Affinity,
    Container,
    ContainerPort,
    ContainerStatus,
    Node,
    NodeCondition,
    NodeSpec,
    NodeStatus,
    Pod,
    PodCondition,
    PodSpec,
    PodStatus,
)
from k8ssim.api.meta import ObjectMeta, OwnerReference

#: The "now" of every vector (simulated seconds); ``ago_s`` values count back from it.
NOW = 1_000_000_000.0


def ago(v: Optional[float]) -> Optional[float]:
    """``*_ago_s`` -> absolute time (None stays None: Go's zero time)."""
    return None if v is None else NOW - v


# --------------------------------------------------------------------------------------- pods


def pod(d: dict, namespace: str = "default") -> Pod:
    """A vector pod: name, node, phase, ready, readySince_ago_s, created_ago_s, restarts /
    containerRestarts, annotations, labels, uid, deleting, controller (owner name; kind via
    ``owner_kind``)."""
    restarts = d.get("containerRestarts")
    if restarts is None:
        restarts = [d["restarts"]] if "restarts" in d else []
    statuses = [ContainerStatus(name=f"c{i}", restart_count=int(r)) for i, r in enumerate(restarts)]
    conditions = []
    if d.get("ready"):
        conditions.append(PodCondition("Ready", "True", ago(d.get("readySince_ago_s"))))
    owners = []
    if d.get("controller"):
        owners.append(
            OwnerReference(
                api_version="apps/v1",
                kind=d.get("owner_kind", ""),
                name=d["controller"],
                uid=d.get("owner_uid", d["controller"]),
                controller=True,
            )
        )
    meta = ObjectMeta(
        name=d.get("name", ""),
        namespace=d.get("namespace", namespace),
        uid=d.get("uid", ""),
        labels=dict(d.get("labels") or {}),
        annotations=dict(d.get("annotations") or {}),
        creation_timestamp=ago(d.get("created_ago_s")),
        deletion_timestamp=NOW if d.get("deleting") else None,
        owner_references=owners,
    )
    spec = PodSpec(node_name=d.get("node", "") or "")
    status = PodStatus(phase=d.get("phase", "Running"), conditions=conditions, container_statuses=statuses)
    return Pod(metadata=meta, spec=spec, status=status)


# -------------------------------------------------------------------------------------- nodes


def node(d: dict) -> Node:
    """A vector node: name, labels, taints, conditions {type: status}, unschedulable, allocatable."""
    conds = [NodeCondition(type=t, status=s) for t, s in (d.get("conditions") or {}).items()]
    alloc = {}
    a = d.get("allocatable") or {}
    if "cpu_milli" in a:
        alloc["cpu"] = a["cpu_milli"]
    if "memory_bytes" in a:
        alloc["memory"] = a["memory_bytes"]
    if "pods" in a:
        alloc["pods"] = a["pods"]
    return Node(
        metadata=ObjectMeta(name=d.get("name", ""), labels=dict(d.get("labels") or {})),
        spec=NodeSpec(
            unschedulable=bool(d.get("unschedulable", False)),
            taints=tuple(decode.taint(t) for t in (d.get("taints") or [])),
        ),
        status=NodeStatus(allocatable=alloc, conditions=conds),
    )


# ---------------------------------------------------------------------------------- templates


def _affinity(d: Optional[dict]) -> Optional[Affinity]:
    if not d:
        return None
    na = d.get("nodeAffinity")
    if na is not None:
        na = dict(na)
        if "required" in na:
            na["requiredDuringSchedulingIgnoredDuringExecution"] = na.pop("required")
        if "preferred" in na:
            na["preferredDuringSchedulingIgnoredDuringExecution"] = na.pop("preferred")
    return Affinity(node_affinity=decode.node_affinity(na))


def _container(i: int, d: dict) -> Container:
    req = {}
    r = d.get("requests") or {}
    if "cpu_milli" in r:
        req["cpu"] = r["cpu_milli"]
    if "memory_bytes" in r:
        req["memory"] = r["memory_bytes"]
    ports = tuple(
        ContainerPort(container_port=p.get("containerPort", p.get("hostPort", 0)), host_port=p.get("hostPort", 0))
        for p in (d.get("ports") or [])
    )
    return Container(name=d.get("name", f"c{i}"), requests=req, ports=ports)


def pod_spec(d: dict) -> PodSpec:
    """A vector pod template spec: nodeName, nodeSelector, affinity, tolerations, hostNetwork,
    containers."""
    return PodSpec(
        containers=[_container(i, c) for i, c in enumerate(d.get("containers") or [])],
        node_name=d.get("nodeName", "") or "",
        node_selector=dict(d.get("nodeSelector") or {}),
        affinity=_affinity(d.get("affinity")),
        tolerations=tuple(decode.toleration(t) for t in (d.get("tolerations") or [])),
        host_network=bool(d.get("hostNetwork", False)),
    )


def daemonset(template: dict, name: str = "ds") -> DaemonSet:
    return DaemonSet(
        metadata=ObjectMeta(name=name, namespace="default"),
        spec=DaemonSetSpec(template=PodTemplateSpec(spec=pod_spec(template))),
    )


# ---------------------------------------------------------------------------- deployments


def deployment(
    replicas: int,
    max_surge=None,
    max_unavailable=None,
    strategy: str = "RollingUpdate",
    progress_deadline_seconds: Optional[int] = 600,
    status: Optional[dict] = None,
    conditions: Optional[list] = None,
) -> Deployment:
    st = _deployment_status(status or {})
    st.conditions = list(conditions or [])
    return Deployment(
        metadata=ObjectMeta(name="foo", namespace="default"),
        spec=DeploymentSpec(
            replicas=replicas,
            strategy=DeploymentStrategy(
                type=strategy,
                rolling_update=RollingUpdateDeployment(max_unavailable=max_unavailable, max_surge=max_surge),
            ),
            progress_deadline_seconds=progress_deadline_seconds,
        ),
        status=st,
    )


def _deployment_status(d: dict) -> DeploymentStatus:
    return DeploymentStatus(
        replicas=d.get("replicas", 0),
        updated_replicas=d.get("updatedReplicas", 0),
        ready_replicas=d.get("readyReplicas", 0),
        available_replicas=d.get("availableReplicas", 0),
        observed_generation=d.get("observedGeneration", 0),
    )


def deployment_status(d: dict) -> DeploymentStatus:
    return _deployment_status(d)


def progressing_condition(d: dict) -> WorkloadCondition:
    return WorkloadCondition(
        type=d.get("type", "Progressing"),
        status=d.get("status", "True"),
        reason=d.get("reason", ""),
        last_update_time=d.get("lastUpdate_s"),
    )


def replica_set(name: str, replicas: int, available: int = 0, created: float = 0.0) -> ReplicaSet:
    return ReplicaSet(
        metadata=ObjectMeta(name=name, namespace="default", uid=name, creation_timestamp=created),
        spec=ReplicaSetSpec(replicas=replicas),
        status=ReplicaSetStatus(replicas=replicas, available_replicas=available),
    )
