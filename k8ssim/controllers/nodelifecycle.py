"""Node lifecycle controller (``pkg/controller/nodelifecycle/node_lifecycle_controller.go``), with the
taint eviction controller (:mod:`k8ssim.controllers.taint_eviction`) and the orphaned-pod part of the
pod garbage collector (:class:`PodGCOrphans`) started beside it by
:func:`new_controller` — upstream runs them as three controllers of kube-controller-manager.

``monitorNodeHealth`` runs every ``--node-monitor-period`` (5 s, ticks at 0, 5, 10, ...):

* ``tryUpdateNodeHealth``: the probe timestamp moves to the tick at which a newer Lease renewTime
  (or Ready heartbeat) is observed; when ``now > probe + grace`` (``--node-monitor-grace-period`` 50 s;
  60 s startup grace for a node without a Ready condition) the Ready, MemoryPressure, DiskPressure and
  PIDPressure conditions become Unknown ("NodeStatusUnknown", "Kubelet stopped posting node status.").
* ``processTaintBaseEviction`` on the Ready condition *as observed before this tick's update*:
  Unknown/False → the node joins its zone's rate-limited NoExecute taint queue (the swap
  not-ready ↔ unreachable is immediate), True → ``markNodeAsReachable`` removes both taints.
* A Ready=True → not-True transition emits ``NodeNotReady`` and marks the node's pods NotReady
  (``MarkPodsNotReady``); pods bound to a not-ready node later are marked too (``processPod``).
* ``handleDisruption`` (:class:`nodelifecycle_util.ZoneStates`): per-zone limiter QPS (0.1; 0.01 or 0
  in partially disrupted zones; all zones fully disrupted → taints removed, no tainting).

``doNoExecuteTaintingPass`` runs every 100 ms upstream; here it is scheduled only when a zone queue
holds work, at the next 100 ms grid point at which the zone's token bucket (burst 1) has a token.
``doNoScheduleTaintingPass`` (TaintNodesByCondition) runs on every node change.

Healthy nodes (Ready=True, Lease renewing, no controller taint) are not re-examined every tick: the
first tick at or after a renewal is when upstream would observe it, so the probe time is computed
from the renewal time when the node next needs attention — same results, O(changed nodes) per tick.
"""
from __future__ import annotations

import copy
import heapq
import math
from typing import Optional

from k8ssim.api.coordination import NODE_LEASE_NAMESPACE
from k8ssim.api.core import NodeCondition, Taint
from k8ssim.controllers import nodelifecycle_util as nl
from k8ssim.controllers.taint_eviction import TaintEvictionController, ensure_node_name_index, pods_on_node

SOURCE = "node-controller"
NODE_EVICTION_PERIOD = 0.1  # scheduler.NodeEvictionPeriod
LABEL_EXCLUDE_DISRUPTION = "node.kubernetes.io/exclude-disruption"
CONDITION_TYPES = ("Ready", "MemoryPressure", "DiskPressure", "PIDPressure")
#: keys of the NoSchedule taints the controller owns (taintKeyToNodeConditionMap + unschedulable)
CONDITION_TAINT_KEYS = frozenset(k for m in nl.CONDITION_TAINTS.values() for k in m.values()) | {nl.TAINT_UNSCHEDULABLE}


# ----------------------------------------------------------------------------------- rate limits


class TokenBucket:
    """``flowcontrol.NewTokenBucketRateLimiter(qps, burst)`` (``x/time/rate``): starts full;
    ``qps <= 0`` is the FakeNeverRateLimiter."""

    def __init__(self, qps: float, now: float, burst: int = nl.EVICTION_RATE_LIMITER_BURST):
        self.qps = float(qps)
        self.burst = burst
        self.tokens = float(burst)
        self.last = now

    def _advance(self, now: float) -> None:
        if now > self.last:
            self.tokens = min(float(self.burst), self.tokens + (now - self.last) * self.qps)
            self.last = now

    def try_accept(self, now: float) -> bool:
        if self.qps <= 0:
            return False
        self._advance(now)
        if self.tokens >= 1.0 - 1e-9:
            self.tokens -= 1.0
            return True
        return False

    def next_token_at(self, now: float) -> float:
        if self.qps <= 0:
            return math.inf
        self._advance(now)
        return now if self.tokens >= 1.0 - 1e-9 else now + (1.0 - self.tokens) / self.qps


class RateLimitedTimedQueue:
    """``scheduler.RateLimitedTimedQueue`` over a ``UniqueQueue``: a value stays in the set after
    :meth:`remove_from_queue` (so it is not queued twice) until :meth:`remove`."""

    def __init__(self, qps: float, now: float):
        self.limiter = TokenBucket(qps, now)
        self.heap: list = []  # (process_at, seq, name)
        self.set: set = set()
        self._seq = 0

    def add(self, name: str, now: float) -> bool:
        if name in self.set:
            return False
        self.set.add(name)
        self._seq += 1
        heapq.heappush(self.heap, (now, self._seq, name))
        return True

    def remove(self, name: str) -> bool:
        if name not in self.set:
            return False
        self.set.discard(name)
        self.heap = [e for e in self.heap if e[2] != name]
        heapq.heapify(self.heap)
        return True

    def swap_limiter(self, qps: float, now: float) -> None:
        """``SwapLimiter``: a new bucket, drained when the old one had no token."""
        if self.limiter.qps == qps:
            return
        new = TokenBucket(qps, now)
        if qps > 0 and not self.limiter.try_accept(now):
            new.try_accept(now)
        self.limiter = new

    def try_(self, now: float, fn) -> None:
        """``Try``: pop values while the limiter gives tokens; ``fn(name) -> (ok, retry_after)``."""
        while self.heap:
            if not self.limiter.try_accept(now):
                return
            process_at, seq, name = self.heap[0]
            if now < process_at:
                return
            ok, wait = fn(name)
            heapq.heappop(self.heap)
            if not ok:
                self._seq += 1
                heapq.heappush(self.heap, (now + wait, self._seq, name))

    def next_time(self, now: float) -> float:
        if not self.heap:
            return math.inf
        return max(self.heap[0][0], self.limiter.next_token_at(now))


# ------------------------------------------------------------------------------------ controller


class _Health:
    __slots__ = ("probe", "ready_transition", "lease_renew", "heartbeat", "transition")

    def __init__(self, probe: float, heartbeat, transition, lease_renew=None):
        self.probe = probe
        self.ready_transition = probe
        self.lease_renew = lease_renew
        self.heartbeat = heartbeat
        self.transition = transition


class NodeLifecycleController:
    name = "node-lifecycle-controller"

    def __init__(self, engine, store, *, monitor_period: float = nl.NODE_MONITOR_PERIOD,
                 grace_period: float = nl.NODE_MONITOR_GRACE_PERIOD,
                 startup_grace_period: float = nl.NODE_STARTUP_GRACE_PERIOD,
                 rates: Optional[nl.EvictionRateConfig] = None):
        self.engine = engine
        self.store = store
        self.monitor_period = monitor_period
        self.grace = grace_period
        self.startup_grace = startup_grace_period
        self.rates = rates or nl.EvictionRateConfig()
        self.zones = nl.ZoneStates(self.rates)
        self.tainters: dict = {}  # zone key -> RateLimitedTimedQueue
        self.health: dict = {}  # node name -> _Health
        self.known: set = set()
        self.ready_status: dict = {}  # node name -> Ready status (None: no condition); disruption-checked nodes
        self.zone_of: dict = {}
        self._active: set = set()  # nodes to examine at the next tick
        self._zones_dirty = True
        self._pass_call = None
        self._pass_at = math.inf
        self.start_time = 0.0

    def start(self) -> None:
        ensure_node_name_index(self.store)
        self.start_time = self.engine.now
        self.store.watch("nodes", self._on_node)
        self.store.watch("leases", self._on_lease, namespace=NODE_LEASE_NAMESPACE)
        self.store.watch("pods", self._on_pod)
        self.engine.every(self.monitor_period, self.monitor_node_health, start=self.start_time)

    # ------------------------------------------------------------------------------------ events
    def _on_node(self, event_type, node, old) -> None:
        name = node.metadata.name
        self._active.add(name)
        self._zones_dirty = True
        if event_type != "DELETED":
            self._no_schedule_tainting_pass(name)

    def _on_lease(self, event_type, lease, old) -> None:
        self._active.add(lease.metadata.name)

    def _on_pod(self, event_type, pod, old) -> None:
        """``podUpdated`` → ``processPod``: a pod newly bound to a known, not-Ready node is marked NotReady."""
        node_name = pod.spec.node_name
        if event_type == "DELETED" or not node_name or (old is not None and old.spec.node_name == node_name):
            return
        if node_name not in self.health:
            return
        node = self.store.try_get("nodes", None, node_name)
        if node is not None and nl.node_ready_status(node) not in (None, "True"):
            self._mark_pods_not_ready([pod], node_name)

    # ------------------------------------------------------------------------------- monitoring
    def _first_tick_at_or_after(self, t: float) -> float:
        k = math.ceil(round((t - self.start_time) / self.monitor_period, 9))
        return round(self.start_time + max(k, 0) * self.monitor_period, 9)

    def monitor_node_health(self) -> None:
        now = self.engine.now
        for name in sorted(self._active):
            node = self.store.try_get("nodes", None, name)
            if node is None:
                if name in self.known:
                    self.known.discard(name)
                    self.health.pop(name, None)
                    self.ready_status.pop(name, None)
                    self.zone_of.pop(name, None)
                    self.engine.log.record(now, SOURCE, "RemovingNode", name, f"Removing Node {name} from Controller")
                self._active.discard(name)
                continue
            zone = nl.get_zone_key(node)
            if zone not in self.tainters:  # addPodEvictorForNewZone
                self.tainters[zone] = RateLimitedTimedQueue(self.rates.eviction_limiter_qps, now)
                self.zones.states.setdefault(zone, nl.STATE_INITIAL)
            if name not in self.known:
                self.known.add(name)
                self.engine.log.record(now, SOURCE, "RegisteredNode", name, f"Registered Node {name} in Controller")
                self._mark_node_as_reachable(node)
                node = self.store.get("nodes", None, name)
            if self._update_node(node, zone, now):
                self._active.discard(name)
        if self._zones_dirty:
            self._zones_dirty = False
            self._handle_disruption(now)

    def _update_node(self, node, zone: str, now: float) -> bool:
        """One node of ``monitorNodeHealth``; True when the node is healthy and need not be re-examined
        until it or its Lease changes."""
        name = node.metadata.name
        observed, current, lease_iv = self._try_update_node_health(node, now)
        node = self.store.get("nodes", None, name)
        if LABEL_EXCLUDE_DISRUPTION not in node.metadata.labels:
            new_status = current.status if current is not None else None
            if self.ready_status.get(name, "?") != new_status or self.zone_of.get(name) != zone:
                self._zones_dirty = True
            self.ready_status[name] = new_status
            self.zone_of[name] = zone
        elif name in self.ready_status:
            del self.ready_status[name]
            self.zone_of.pop(name, None)
            self._zones_dirty = True
        if current is None:
            return False
        self._process_taint_base_eviction(node, observed, zone, now)
        if current.status != "True" and observed.status == "True":
            self.engine.log.record(now, SOURCE, "NodeNotReady", name, f"Node {name} status is now: NodeNotReady")
            self._mark_pods_not_ready(pods_on_node(self.store, name), name)
        node = self.store.get("nodes", None, name)
        steady = (current.status == "True" and 0 < lease_iv < self.grace
                  and not any(t.effect == "NoExecute" and t.key in (nl.TAINT_UNREACHABLE, nl.TAINT_NOT_READY)
                              for t in node.spec.taints)
                  and name not in self.tainters[zone].set)
        return steady

    def _try_update_node_health(self, node, now: float):
        """``tryUpdateNodeHealth`` -> (observed Ready condition, current Ready condition, lease interval)."""
        name = node.metadata.name
        h = self.health.get(name)
        cur = node.status.condition("Ready")
        ctime = node.metadata.creation_timestamp or 0.0
        if cur is None:
            observed = NodeCondition("Ready", "Unknown", ctime, ctime)
            grace = self.startup_grace
            if h is None:
                h = self.health[name] = _Health(ctime, None, None)
        else:
            observed = NodeCondition(cur.type, cur.status, cur.last_heartbeat_time, cur.last_transition_time,
                                     cur.reason, cur.message)
            grace = self.grace
            if h is None or h.heartbeat is None:
                h = self.health[name] = _Health(now, cur.last_heartbeat_time, cur.last_transition_time,
                                                h.lease_renew if h is not None else None)
            elif h.heartbeat != cur.last_heartbeat_time:
                if h.transition != cur.last_transition_time:
                    h.ready_transition = now
                h.probe = min(now, max(h.probe, self._first_tick_at_or_after(cur.last_heartbeat_time or 0.0)))
                h.heartbeat, h.transition = cur.last_heartbeat_time, cur.last_transition_time
        lease = self.store.try_get("leases", NODE_LEASE_NAMESPACE, name)
        lease_iv = 0.0
        if lease is not None:
            lease_iv = lease.spec.renew_interval_seconds
            renew = lease.last_renewal(now)
            if renew is not None and (h.lease_renew is None or h.lease_renew < renew):
                h.lease_renew = renew
                h.probe = min(now, max(h.probe, self._first_tick_at_or_after(renew)))
        if now > h.probe + grace:
            upd = node.copy()
            conds = list(upd.status.conditions)
            for ctype in CONDITION_TYPES:
                i = next((j for j, c in enumerate(conds) if c.type == ctype), None)
                if i is None:
                    conds.append(NodeCondition(ctype, "Unknown", ctime, now, "NodeStatusNeverUpdated",
                                               "Kubelet never posted node status."))
                elif conds[i].status != "Unknown":
                    c = conds[i]
                    conds[i] = NodeCondition(c.type, "Unknown", c.last_heartbeat_time, now, "NodeStatusUnknown",
                                             "Kubelet stopped posting node status.")
            upd.status.conditions = conds
            current = upd.status.condition("Ready")
            if (current.status, current.reason, current.last_transition_time) != \
                    (observed.status, observed.reason, observed.last_transition_time):
                self.store.update_status(upd)
                h.ready_transition = now
                h.heartbeat, h.transition = current.last_heartbeat_time, current.last_transition_time
            return observed, current, lease_iv
        return observed, cur, lease_iv

    # ----------------------------------------------------------------------------------- taints
    def _swap_taints(self, node, add: list, remove: list) -> None:
        """``SwapNodeControllerTaint`` (added taints get TimeAdded = now)."""
        now = self.engine.now
        taints = [t for t in node.spec.taints if not any(t.matches(r) for r in remove)]
        for a in add:
            a = Taint(a.key, a.value, a.effect, now)
            if not any(t.matches(a) for t in taints):
                taints.append(a)
        if tuple(taints) == tuple(node.spec.taints):
            return
        upd = node.copy()
        upd.spec = _copy_spec(node.spec)
        upd.spec.taints = tuple(taints)
        self.store.update(upd)

    def _process_taint_base_eviction(self, node, observed, zone: str, now: float) -> None:
        has = {(t.key, t.effect) for t in node.spec.taints}
        unreachable = (nl.TAINT_UNREACHABLE, "NoExecute") in has
        not_ready = (nl.TAINT_NOT_READY, "NoExecute") in has
        if observed.status == "False":
            if unreachable:
                self._swap_taints(node, [Taint(nl.TAINT_NOT_READY, effect="NoExecute")],
                                  [Taint(nl.TAINT_UNREACHABLE, effect="NoExecute")])
            else:
                self._mark_node_for_tainting(node.metadata.name, zone, not_ready, now)
        elif observed.status == "Unknown":
            if not_ready:
                self._swap_taints(node, [Taint(nl.TAINT_UNREACHABLE, effect="NoExecute")],
                                  [Taint(nl.TAINT_NOT_READY, effect="NoExecute")])
            else:
                self._mark_node_for_tainting(node.metadata.name, zone, unreachable, now)
        elif observed.status == "True":
            self._mark_node_as_reachable(node)

    def _mark_node_for_tainting(self, name: str, zone: str, already_tainted: bool, now: float) -> None:
        q = self.tainters[zone]
        if not already_tainted:
            q.remove(name)
        if q.add(name, now):
            self._schedule_pass(now)

    def _mark_node_as_reachable(self, node) -> bool:
        self._swap_taints(node, [], [Taint(nl.TAINT_UNREACHABLE, effect="NoExecute"),
                                     Taint(nl.TAINT_NOT_READY, effect="NoExecute")])
        q = self.tainters.get(nl.get_zone_key(node))
        return q.remove(node.metadata.name) if q is not None else False

    def _no_schedule_tainting_pass(self, name: str) -> None:
        """``doNoScheduleTaintingPass``: condition (and unschedulable) NoSchedule taints."""
        node = self.store.try_get("nodes", None, name)
        if node is None:
            return
        want = nl.no_schedule_taints_for_node(node)
        have = [t for t in node.spec.taints if t.effect == "NoSchedule" and t.key in CONDITION_TAINT_KEYS]
        add = [t for t in want if not any(t.matches(h) for h in have)]
        remove = [h for h in have if not any(h.matches(t) for t in want)]
        if add or remove:
            self._swap_taints(node, add, remove)

    # ------------------------------------------------------------------------- NoExecute pass
    def _schedule_pass(self, t: float) -> None:
        if math.isinf(t):
            return
        k = math.ceil(round((t - self.start_time) / NODE_EVICTION_PERIOD, 6))
        at = max(round(self.start_time + k * NODE_EVICTION_PERIOD, 9), self.engine.now)
        if at >= self._pass_at:
            return
        if self._pass_call is not None:
            self._pass_call.cancel()
        self._pass_at = at
        self._pass_call = self.engine.call_at(at, self._no_execute_tainting_pass)

    def _no_execute_tainting_pass(self) -> None:
        self._pass_call = None
        self._pass_at = math.inf
        now = self.engine.now
        for zone in sorted(self.tainters):
            self.tainters[zone].try_(now, self._taint_one)
        nxt = min((q.next_time(now) for q in self.tainters.values()), default=math.inf)
        if nxt <= now:  # a token is there but rounding kept it: next grid point
            nxt = now + NODE_EVICTION_PERIOD / 2
        self._schedule_pass(nxt)

    def _taint_one(self, name: str) -> tuple:
        node = self.store.try_get("nodes", None, name)
        if node is None:
            return True, 0.0
        cond = node.status.condition("Ready")
        if cond is None:
            return False, 0.05
        if cond.status == "False":
            add, opposite = nl.TAINT_NOT_READY, nl.TAINT_UNREACHABLE
        elif cond.status == "Unknown":
            add, opposite = nl.TAINT_UNREACHABLE, nl.TAINT_NOT_READY
        else:
            return True, 0.0
        self._swap_taints(node, [Taint(add, effect="NoExecute")], [Taint(opposite, effect="NoExecute")])
        return True, 0.0

    # ------------------------------------------------------------------------------ disruption
    def _handle_disruption(self, now: float) -> None:
        by_zone: dict = {}
        for name in sorted(self.ready_status):
            by_zone.setdefault(self.zone_of[name], []).append(self.ready_status[name])
        upd = self.zones.handle_disruption(by_zone)
        if upd.entered_full_disruption:
            for name in sorted(self.known):
                node = self.store.try_get("nodes", None, name)
                if node is not None:
                    self._mark_node_as_reachable(node)
        if upd.exited_full_disruption:
            for h in self.health.values():
                h.probe = now
                h.ready_transition = now
            self._active.update(self.known)
        for zone, qps in sorted(upd.qps.items()):
            q = self.tainters.get(zone)
            if q is not None:
                q.swap_limiter(qps, now)
        if upd.qps:
            self._schedule_pass(min((q.next_time(now) for q in self.tainters.values()), default=math.inf))

    # ------------------------------------------------------------------------------------- pods
    def _mark_pods_not_ready(self, pods, node_name: str) -> None:
        """``MarkPodsNotReady``: set Ready=False on each pod of the node (event ``NodeNotReady``)."""
        now = self.engine.now
        for p in pods:
            if p.spec.node_name != node_name:
                continue
            c = p.status.condition("Ready")
            if c is None or c.status == "False":
                continue
            upd = p.copy()
            upd.status.set_condition("Ready", "False", now, c.reason, c.message)
            self.store.update_status(upd)
            self.engine.log.record(now, SOURCE, "NodeNotReady", p.key(), "Node is not ready")


def _copy_spec(spec):
    return copy.copy(spec)


# --------------------------------------------------------------------------------- pod GC (orphans)


class PodGCOrphans:
    """The orphaned-pod part of the pod garbage collector (``pkg/controller/podgc/gc_controller.go``
    ``gcOrphaned``): every ``gcCheckPeriod`` (20 s) nodes that pods are bound to but that do not exist
    are quarantined for ``quarantineTime`` (40 s); if still absent then, their pods are marked Failed
    with ``DisruptionTarget`` (``DeletionByPodGC``, "PodGC: node no longer exists") and force-deleted
    (grace 0). The terminated-pod threshold (12,500) and terminating-pods-on-out-of-service-nodes parts
    are not modelled."""

    name = "pod-garbage-collector"
    GC_CHECK_PERIOD = 20.0
    QUARANTINE_TIME = 40.0

    def __init__(self, engine, store):
        self.engine = engine
        self.store = store
        self._suspects: set = set()
        self._quarantine: dict = {}  # node name -> time it may be declared deleted
        self.deleted_pods = 0

    def start(self) -> None:
        ensure_node_name_index(self.store)
        self.store.watch("nodes", self._on_node)
        self.store.watch("pods", self._on_pod)
        self.engine.every(self.GC_CHECK_PERIOD, self.gc, start=self.engine.now)

    def _on_node(self, event_type, node, old) -> None:
        if event_type == "DELETED":
            self._suspects.add(node.metadata.name)

    def _on_pod(self, event_type, pod, old) -> None:
        n = pod.spec.node_name
        if event_type != "DELETED" and n and (old is None or old.spec.node_name != n):
            if self.store.try_get("nodes", None, n) is None:
                self._suspects.add(n)

    def gc(self) -> None:
        now = self.engine.now
        for name in sorted(self._suspects):
            if name not in self._quarantine and self.store.try_get("nodes", None, name) is None \
                    and pods_on_node(self.store, name):
                self._quarantine[name] = now + self.QUARANTINE_TIME  # nodeQueue.AddAfter
        self._suspects.clear()
        for name in sorted(n for n, t in self._quarantine.items() if t <= now):
            del self._quarantine[name]
            if self.store.try_get("nodes", None, name) is not None:
                continue
            for pod in pods_on_node(self.store, name):
                self._mark_failed_and_delete(pod, now)

    def _mark_failed_and_delete(self, pod, now: float) -> None:
        if pod.status.phase not in ("Succeeded", "Failed"):
            upd = pod.copy()
            upd.status.phase = "Failed"
            upd.status.set_condition("DisruptionTarget", "True", now, "DeletionByPodGC", "PodGC: node no longer exists")
            self.store.update_status(upd)
        self.store.delete("pods", pod.metadata.namespace, pod.metadata.name, grace_period_seconds=0)
        self.deleted_pods += 1


class ControllerGroup:
    """Controllers started together (``start()`` in order)."""

    def __init__(self, *controllers):
        self.controllers = controllers

    def start(self) -> None:
        for c in self.controllers:
            c.start()


def new_controller(engine, store, spec=None) -> ControllerGroup:
    return ControllerGroup(NodeLifecycleController(engine, store), TaintEvictionController(engine, store),
                           PodGCOrphans(engine, store))
