"""Nodes from the scenario's node pools, as a cloud provider + kubelet registration would make them.

Allocatable follows the kubelet's formula (``pkg/kubelet/cm/node_container_manager_linux.go``):
``allocatable = capacity − kubeReserved − systemReserved − hard eviction thresholds`` with the default
``evictionHard`` of ``memory.available<100Mi`` and ``nodefs.available<10%``. Zones are spread
round-robin over the pool (``topology.kubernetes.io/zone``); well-known labels are set as the kubelet
and cloud-controller-manager set them.
"""
from __future__ import annotations

import ipaddress

from k8ssim.api.core import ContainerImage, Node, NodeCondition, NodeSpec, NodeStatus, Taint
from k8ssim.api.meta import ObjectMeta

EVICTION_HARD_MEMORY = 100 * 1024 * 1024
EVICTION_HARD_NODEFS_FRACTION = 0.10
NODE_CIDR_MASK_SIZE = 24


def _resources(d: dict) -> dict:
    from k8ssim.api.quantity import parse_quantity, to_canonical_units

    return {k: to_canonical_units(k, parse_quantity(v)) for k, v in (d or {}).items()}


def allocatable_from_capacity(capacity: dict, kube_reserved: dict, system_reserved: dict) -> dict:
    alloc = dict(capacity)
    for reserved in (kube_reserved, system_reserved):
        for k, v in reserved.items():
            if k in alloc:
                alloc[k] = max(alloc[k] - v, 0)
    if "memory" in alloc:
        alloc["memory"] = max(alloc["memory"] - EVICTION_HARD_MEMORY, 0)
    if "ephemeral-storage" in alloc:
        alloc["ephemeral-storage"] = int(alloc["ephemeral-storage"] - capacity["ephemeral-storage"] * EVICTION_HARD_NODEFS_FRACTION)
    return alloc


def pool_capacity(pool) -> dict:
    from k8ssim.scenario.instance_types import capacity_of

    cap = capacity_of(pool.instanceType) if pool.instanceType else {}
    cap.update(_resources(pool.capacity or {}))
    cap["pods"] = _resources({"pods": pool.maxPods})["pods"] if "pods" not in (pool.capacity or {}) else cap["pods"]
    return cap


def node_cidrs(cluster_cidr: str, count: int, mask: int = NODE_CIDR_MASK_SIZE):
    """Per-node pod CIDRs as the node IPAM controller's range allocator hands them out."""
    net = ipaddress.ip_network(cluster_cidr, strict=False)
    if mask < net.prefixlen:
        mask = net.prefixlen
    subnets = net.subnets(new_prefix=mask)
    out = []
    for _ in range(count):
        try:
            out.append(str(next(subnets)))
        except StopIteration:
            raise ValueError(f"podCIDR {cluster_cidr} has room for fewer than {count} nodes of /{mask}") from None
    return out


def build_pool_nodes(pool, region: str = "region-1", start_index: int = 0) -> list[Node]:
    from k8ssim.api.quantity import parse_quantity

    cap = pool_capacity(pool)
    reserved_k = _resources(pool.kubeReserved)
    reserved_s = _resources(pool.systemReserved)
    alloc = allocatable_from_capacity(cap, reserved_k, reserved_s)
    if pool.allocatable:
        alloc.update(_resources(pool.allocatable))
    zones = list(pool.zones) or [f"{pool.region or region}-a"]
    taints = tuple(Taint(t.key, t.value, t.effect) for t in pool.taints)
    images = [ContainerImage((img.name,), parse_quantity(img.size).value()) for img in pool.images]
    nodes = []
    for i in range(start_index, start_index + pool.count):
        name = f"{pool.name}-{i}"
        zone = zones[i % len(zones)]
        labels = {
            "kubernetes.io/hostname": name,
            "kubernetes.io/os": "linux",
            "kubernetes.io/arch": "amd64",
            "topology.kubernetes.io/zone": zone,
            "topology.kubernetes.io/region": pool.region or region,
            "k8ssim.io/pool": pool.name,
        }
        if pool.instanceType:
            labels["node.kubernetes.io/instance-type"] = pool.instanceType
        labels.update(pool.labels)
        nodes.append(Node(
            metadata=ObjectMeta(name=name, labels=labels, annotations=dict(pool.annotations)),
            spec=NodeSpec(taints=taints, provider_id=f"k8ssim://{pool.name}/{name}"),
            status=NodeStatus(
                capacity=dict(cap), allocatable=dict(alloc),
                conditions=[NodeCondition("Ready", "True", 0.0, 0.0, "KubeletReady", "kubelet is posting ready status")],
                images=list(images),
            ),
        ))
    return nodes
