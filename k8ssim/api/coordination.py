"""coordination.k8s.io/v1 Lease — the node heartbeat (``k8s.io/api/coordination/v1/types.go``).

The kubelet renews its Lease in ``kube-node-lease`` every 10 s (0.25 × leaseDurationSeconds 40). To
avoid one store write per node every 10 s, a Lease here also says how it is being renewed:
``renew_interval_seconds`` > 0 means "renewed every that many seconds since ``renew_time``", so the
effective last renewal at time t is ``renew_time + floor((t − renew_time) / interval) × interval``.
A kubelet that stops writes the Lease once more with the time of its last real renewal and interval 0
("renewals stopped"): readers see exactly what polling a real Lease would show.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, ClassVar, Optional

from k8ssim.api.meta import KubeObject, ObjectMeta

NODE_LEASE_NAMESPACE = "kube-node-lease"
NODE_LEASE_DURATION_SECONDS = 40
NODE_LEASE_RENEW_INTERVAL_FRACTION = 0.25


@dataclass(slots=True)
class LeaseSpec:
    holder_identity: str = ""
    lease_duration_seconds: int = NODE_LEASE_DURATION_SECONDS
    acquire_time: Optional[float] = None
    renew_time: Optional[float] = None
    renew_interval_seconds: float = 0.0  # k8ssim: periodic renewals since renew_time (0 = stopped)


@dataclass(eq=False, repr=False)
class Lease(KubeObject):
    kind: ClassVar[str] = "Lease"
    api_version: ClassVar[str] = "coordination.k8s.io/v1"
    resource: ClassVar[str] = "leases"
    metadata: ObjectMeta = field(default_factory=ObjectMeta)
    spec: LeaseSpec = field(default_factory=LeaseSpec)
    status: Optional[Any] = None

    def last_renewal(self, now: float) -> Optional[float]:
        """The renewTime a client polling this Lease would read at ``now``."""
        t = self.spec.renew_time
        iv = self.spec.renew_interval_seconds
        if t is None or iv <= 0 or now <= t:
            return t
        return t + math.floor((now - t) / iv) * iv
