"""Node lifecycle: zone states, eviction (NoExecute tainting) rates, condition taints, and the taint
eviction controller's per-pod decision.

Mirrors ``pkg/controller/nodelifecycle/node_lifecycle_controller.go`` (``ComputeZoneState``,
``handleDisruption``, ``setLimiterInZone``, ``ReducedQPSFunc``, ``HealthyQPSFunc``,
``doNoScheduleTaintingPass``, ``doNoExecuteTaintingPass``), ``pkg/util/node`` /
``nodetopology.GetZoneKey``, the kube-controller-manager flag defaults
(``cmd/kube-controller-manager/app/options/nodelifecyclecontroller.go``) and
``pkg/controller/tainteviction/taint_eviction.go`` (``getMinTolerationTime``, ``processPodOnNode``,
``v1helper.GetMatchingTolerations``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Optional, Sequence

import numpy as np

from k8ssim.api.core import Node, Taint, Toleration

# kube-controller-manager defaults
NODE_MONITOR_PERIOD = 5.0
NODE_MONITOR_GRACE_PERIOD = 50.0  # 40 s before v1.32
NODE_STARTUP_GRACE_PERIOD = 60.0
NODE_EVICTION_RATE = 0.1
SECONDARY_NODE_EVICTION_RATE = 0.01
LARGE_CLUSTER_SIZE_THRESHOLD = 50
UNHEALTHY_ZONE_THRESHOLD = 0.55
EVICTION_RATE_LIMITER_BURST = 1
#: DefaultTolerationSeconds admission (``--default-not-ready-toleration-seconds`` / unreachable).
DEFAULT_NOT_READY_TOLERATION_SECONDS = 300
DEFAULT_UNREACHABLE_TOLERATION_SECONDS = 300

STATE_INITIAL = "Initial"
STATE_NORMAL = "Normal"
STATE_FULL_DISRUPTION = "FullDisruption"
STATE_PARTIAL_DISRUPTION = "PartialDisruption"

TAINT_NOT_READY = "node.kubernetes.io/not-ready"
TAINT_UNREACHABLE = "node.kubernetes.io/unreachable"
TAINT_UNSCHEDULABLE = "node.kubernetes.io/unschedulable"

LABEL_ZONE = "topology.kubernetes.io/zone"
LABEL_REGION = "topology.kubernetes.io/region"
LABEL_ZONE_BETA = "failure-domain.beta.kubernetes.io/zone"
LABEL_REGION_BETA = "failure-domain.beta.kubernetes.io/region"

#: ``nodeConditionToTaintKeyStatusMap`` (TaintNodesByCondition, NoSchedule taints).
CONDITION_TAINTS = {
    "Ready": {"False": TAINT_NOT_READY, "Unknown": TAINT_UNREACHABLE},
    "MemoryPressure": {"True": "node.kubernetes.io/memory-pressure"},
    "DiskPressure": {"True": "node.kubernetes.io/disk-pressure"},
    "NetworkUnavailable": {"True": "node.kubernetes.io/network-unavailable"},
    "PIDPressure": {"True": "node.kubernetes.io/pid-pressure"},
}


# ------------------------------------------------------------------------------- zones


def get_zone_key(node: Node) -> str:
    """``GetZoneKey``: ``region + ":\\x00:" + zone`` from the GA labels (beta labels as fallback);
    "" when neither is set."""
    labels = node.metadata.labels
    zone = labels.get(LABEL_ZONE) or labels.get(LABEL_ZONE_BETA, "")
    region = labels.get(LABEL_REGION) or labels.get(LABEL_REGION_BETA, "")
    if not region and not zone:
        return ""
    return region + ":\x00:" + zone


def compute_zone_state(ready_statuses: Sequence[Optional[str]], unhealthy_zone_threshold: float = UNHEALTHY_ZONE_THRESHOLD) -> tuple:
    """``ComputeZoneState`` -> ``(not_ready_nodes, state)`` from each node's Ready condition status
    (None = no Ready condition, counted as not ready). Partial needs *more than 2* not-ready nodes and a
    not-ready fraction ``>=`` the threshold, compared in float32 as upstream."""
    ready = sum(1 for s in ready_statuses if s == "True")
    not_ready = len(ready_statuses) - ready
    if ready == 0 and not_ready > 0:
        return not_ready, STATE_FULL_DISRUPTION
    if not_ready > 2 and np.float32(not_ready) / np.float32(not_ready + ready) >= np.float32(unhealthy_zone_threshold):
        return not_ready, STATE_PARTIAL_DISRUPTION
    return not_ready, STATE_NORMAL


def node_ready_status(node: Node) -> Optional[str]:
    c = node.status.condition("Ready")
    return None if c is None else c.status


@dataclass
class EvictionRateConfig:
    eviction_limiter_qps: float = NODE_EVICTION_RATE
    secondary_eviction_limiter_qps: float = SECONDARY_NODE_EVICTION_RATE
    large_cluster_threshold: int = LARGE_CLUSTER_SIZE_THRESHOLD
    unhealthy_zone_threshold: float = UNHEALTHY_ZONE_THRESHOLD


def zone_qps(state: str, zone_size: int, cfg: EvictionRateConfig = EvictionRateConfig()) -> float:
    """``setLimiterInZone``: Normal -> evictionLimiterQPS; Partial -> ``ReducedQPSFunc`` (secondary rate
    when the zone has more than largeClusterSizeThreshold nodes, else 0); Full -> ``HealthyQPSFunc``."""
    if state == STATE_PARTIAL_DISRUPTION:
        return cfg.secondary_eviction_limiter_qps if zone_size > cfg.large_cluster_threshold else 0.0
    return cfg.eviction_limiter_qps


@dataclass
class DisruptionUpdate:
    """What one ``handleDisruption`` pass changes: new limiter QPS per zone (only zones whose limiter is
    swapped), and whether the controller enters or leaves master disruption mode (entering: remove the
    not-ready/unreachable NoExecute taints from every node; leaving: reset every node's probe time)."""

    qps: dict = field(default_factory=dict)
    entered_full_disruption: bool = False
    exited_full_disruption: bool = False


class ZoneStates:
    """The controller's ``zoneStates`` map and ``handleDisruption``."""

    def __init__(self, cfg: Optional[EvictionRateConfig] = None):
        self.cfg = cfg or EvictionRateConfig()
        self.states: dict = {}

    def handle_disruption(self, zone_ready_statuses: dict) -> DisruptionUpdate:
        """``zone_ready_statuses``: zone key -> list of Ready statuses of its nodes."""
        new_states = {}
        all_are_full = True
        for zone, statuses in zone_ready_statuses.items():
            _, st = compute_zone_state(statuses, self.cfg.unhealthy_zone_threshold)
            if st != STATE_FULL_DISRUPTION:
                all_are_full = False
            new_states[zone] = st
            self.states.setdefault(zone, STATE_INITIAL)
        all_were_full = True
        for zone in list(self.states):
            if zone not in zone_ready_statuses:
                del self.states[zone]
                continue
            if self.states[zone] != STATE_FULL_DISRUPTION:
                all_were_full = False
                break
        upd = DisruptionUpdate()
        if all_are_full and all_were_full:
            return upd
        if all_are_full:
            upd.entered_full_disruption = True
            for zone in self.states:
                upd.qps[zone] = 0.0
                self.states[zone] = STATE_FULL_DISRUPTION
            return upd
        if all_were_full:
            upd.exited_full_disruption = True
            for zone in self.states:
                upd.qps[zone] = zone_qps(new_states[zone], len(zone_ready_statuses[zone]), self.cfg)
                self.states[zone] = new_states[zone]
            return upd
        for zone, old in list(self.states.items()):
            new = new_states[zone]
            if old == new:
                continue
            upd.qps[zone] = zone_qps(new, len(zone_ready_statuses[zone]), self.cfg)
            self.states[zone] = new
        return upd


def eviction_rates(zones: Sequence[tuple], cfg: Optional[EvictionRateConfig] = None) -> dict:
    """Limiter QPS per zone after one ``handleDisruption`` from a fresh controller, given
    ``(zone, size, state)`` triples (every zone's state differs from its previous one)."""
    cfg = cfg or EvictionRateConfig()
    states = {z: st for z, _, st in zones}
    if states and all(st == STATE_FULL_DISRUPTION for st in states.values()):
        return {z: 0.0 for z in states}
    return {z: zone_qps(st, size, cfg) for z, size, st in zones}


# ------------------------------------------------------------------------------- taints


def no_execute_taint_for_ready(status: Optional[str]) -> Optional[Taint]:
    """``doNoExecuteTaintingPass``: Ready=False -> not-ready:NoExecute, Unknown (or missing) ->
    unreachable:NoExecute, True -> none."""
    if status == "True":
        return None
    if status == "False":
        return Taint(key=TAINT_NOT_READY, effect="NoExecute")
    return Taint(key=TAINT_UNREACHABLE, effect="NoExecute")


def no_schedule_taints_for_node(node: Node) -> list:
    """``doNoScheduleTaintingPass``: the NoSchedule taints implied by the node's conditions and
    ``spec.unschedulable`` (a missing Ready condition counts as Unknown)."""
    out = []
    seen = set()
    for cond in node.status.conditions:
        key = CONDITION_TAINTS.get(cond.type, {}).get(cond.status)
        if key and key not in seen:
            seen.add(key)
            out.append(Taint(key=key, effect="NoSchedule"))
    if node.status.condition("Ready") is None and TAINT_UNREACHABLE not in seen:
        out.append(Taint(key=TAINT_UNREACHABLE, effect="NoSchedule"))
    if node.spec.unschedulable:
        out.append(Taint(key=TAINT_UNSCHEDULABLE, effect="NoSchedule"))
    return out


# ---------------------------------------------------------------------------- taint eviction


def get_matching_tolerations(taints: Sequence[Taint], tolerations: Sequence[Toleration]) -> tuple:
    """``v1helper.GetMatchingTolerations`` -> ``(all_tolerated, used_tolerations)``: for each taint the
    first toleration that tolerates it."""
    if not taints:
        return True, []
    if not tolerations:
        return False, []
    used = []
    for taint in taints:
        for tol in tolerations:
            if tol.tolerates(taint):
                used.append(tol)
                break
        else:
            return False, []
    return True, used


def get_min_toleration_time(tolerations: Sequence[Toleration]) -> float:
    """``getMinTolerationTime``: 0 for none or any tolerationSeconds <= 0; the smallest set value;
    -1 (forever) when no toleration sets tolerationSeconds."""
    if not tolerations:
        return 0
    best = None
    for t in tolerations:
        s = t.toleration_seconds
        if s is None:
            continue
        if s <= 0:
            return 0
        if best is None or s < best:
            best = s
    return -1 if best is None else best


def no_execute_taints(taints: Iterable[Taint]) -> list:
    """``getNoExecuteTaints``."""
    return [t for t in taints if t.effect == "NoExecute"]


@dataclass(frozen=True)
class TaintEvictionDecision:
    """``action``: "evict" (at ``fire_at``, queued since ``created_at``; replaces any queued eviction),
    "cancel" (drop any queued eviction) or "keep" (the already queued eviction stands, at its own time)."""

    action: str
    fire_at: Optional[float] = None
    created_at: Optional[float] = None


def process_pod_on_node(
    tolerations: Sequence[Toleration],
    node_taints: Sequence[Taint],
    now: float,
    queued_created_at: Optional[float] = None,
) -> TaintEvictionDecision:
    """``processPodOnNode`` for one pod: ``node_taints`` are all the node's taints (only NoExecute ones
    count); ``queued_created_at`` is the creation time of an eviction already queued for this pod."""
    taints = no_execute_taints(node_taints)
    if not taints:
        return TaintEvictionDecision("cancel")
    all_tolerated, used = get_matching_tolerations(taints, tolerations)
    if not all_tolerated:
        return TaintEvictionDecision("evict", fire_at=now, created_at=now)
    min_time = get_min_toleration_time(used)
    if min_time < 0:
        return TaintEvictionDecision("cancel")
    start = now
    trigger = now + min_time
    if queued_created_at is not None:
        start = queued_created_at
        if start + min_time < trigger:
            return TaintEvictionDecision("keep", created_at=start)
    return TaintEvictionDecision("evict", fire_at=trigger, created_at=start)
