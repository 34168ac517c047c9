"""The kubelet's node Lease (``pkg/kubelet/nodelease``, ``k8s.io/component-helpers/apimachinery/lease``).

One ``Lease`` per node in ``kube-node-lease``, holder = node name, renewed every 10 s
(0.25 × leaseDurationSeconds 40). Renewals are modelled, not written (see
:mod:`k8ssim.api.coordination`): the Lease is written at registration (renewTime = now, interval
10), once when the kubelet stops (renewTime = the last renewal a reader saw at that instant,
interval 0) and once when it comes back (renewTime = now, interval 10).
"""
from __future__ import annotations

from k8ssim.api.coordination import (NODE_LEASE_DURATION_SECONDS, NODE_LEASE_NAMESPACE,
                                     NODE_LEASE_RENEW_INTERVAL_FRACTION, Lease, LeaseSpec)
from k8ssim.api.meta import ObjectMeta, OwnerReference

RENEW_INTERVAL = NODE_LEASE_DURATION_SECONDS * NODE_LEASE_RENEW_INTERVAL_FRACTION  # 10 s


def new_node_lease(node, now: float) -> Lease:
    """The Lease the kubelet creates when it registers (owned by its Node, as upstream sets it)."""
    owner = OwnerReference(api_version="v1", kind="Node", name=node.metadata.name, uid=node.metadata.uid)
    return Lease(
        metadata=ObjectMeta(name=node.metadata.name, namespace=NODE_LEASE_NAMESPACE, owner_references=[owner]),
        spec=LeaseSpec(holder_identity=node.metadata.name, lease_duration_seconds=NODE_LEASE_DURATION_SECONDS,
                       acquire_time=now, renew_time=now, renew_interval_seconds=RENEW_INTERVAL),
    )


def stopped(lease: Lease, now: float) -> Lease:
    """The Lease as a stopped kubelet leaves it: last renewal as seen at ``now``, no more renewals."""
    new = lease.copy()
    new.spec = LeaseSpec(holder_identity=lease.spec.holder_identity,
                         lease_duration_seconds=lease.spec.lease_duration_seconds,
                         acquire_time=lease.spec.acquire_time, renew_time=lease.last_renewal(now),
                         renew_interval_seconds=0.0)
    return new


def renewing(lease: Lease, now: float) -> Lease:
    """The Lease of a kubelet that (re)starts renewing at ``now``."""
    new = lease.copy()
    new.spec = LeaseSpec(holder_identity=lease.spec.holder_identity,
                         lease_duration_seconds=lease.spec.lease_duration_seconds,
                         acquire_time=lease.spec.acquire_time, renew_time=now,
                         renew_interval_seconds=RENEW_INTERVAL)
    return new
