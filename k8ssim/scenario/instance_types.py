"""A small catalog of instance types (capacity and on-demand price) for node pools.

Capacities are what the cloud reports as node capacity; allocatable is derived by the kubelet formula
(see :func:`k8ssim.scenario.nodes.allocatable_from_capacity`). Prices are indicative USD/hour and only
used for cost reports; users can give ``capacity`` explicitly instead of an instance type.
"""
from __future__ import annotations

GiB = 1024**3

#: name -> (vCPU, memory GiB, price USD/h)
INSTANCE_TYPES: dict[str, tuple[int, int, float]] = {
    # general purpose (AWS m5 / Azure Dsv5 / GCE n2-standard shapes)
    "m5.large": (2, 8, 0.096),
    "m5.xlarge": (4, 16, 0.192),
    "m5.2xlarge": (8, 32, 0.384),
    "m5.4xlarge": (16, 64, 0.768),
    "m5.8xlarge": (32, 128, 1.536),
    "d2s-v5": (2, 8, 0.096),
    "d4s-v5": (4, 16, 0.192),
    "d8s-v5": (8, 32, 0.384),
    "d16s-v5": (16, 64, 0.768),
    "n2-standard-2": (2, 8, 0.097),
    "n2-standard-4": (4, 16, 0.194),
    "n2-standard-8": (8, 32, 0.388),
    "n2-standard-16": (16, 64, 0.777),
    "n2-standard-32": (32, 128, 1.554),
    # compute optimised
    "c5.xlarge": (4, 8, 0.17),
    "c5.2xlarge": (8, 16, 0.34),
    "c5.4xlarge": (16, 32, 0.68),
    # memory optimised
    "r5.xlarge": (4, 32, 0.252),
    "r5.2xlarge": (8, 64, 0.504),
    "r5.4xlarge": (16, 128, 1.008),
}


def capacity_of(instance_type: str) -> dict:
    """Node capacity for a catalogued type, in canonical units (cpu milli, memory bytes)."""
    cpu, mem_gib, _ = INSTANCE_TYPES[instance_type]
    return {"cpu": cpu * 1000, "memory": mem_gib * GiB, "ephemeral-storage": 100 * GiB, "pods": 110}


def price_of(instance_type: str) -> float:
    return INSTANCE_TYPES[instance_type][2]
