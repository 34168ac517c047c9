"""The scheduling queue: activeQ, backoffQ, unschedulablePods, and the nominator.

Mirrors ``pkg/scheduler/backend/queue/`` (``scheduling_queue.go``, ``active_queue.go``,
``backoff_queue.go``, ``unschedulable_pods.go``, ``nominator.go``) of Kubernetes v1.35 with the
default feature gates ``SchedulerQueueingHints`` and ``SchedulerPopFromBackoffQ`` on.

Sim-time driven and single-threaded: the queue reads the clock from ``engine.now`` and schedules its
own flushes with ``engine.call_at``. Instead of a 1 s ticker the backoffQ flush is scheduled for the
aligned second at which the head of the backoffQ completes its backoff (the same instants a 1 s ticker
aligned to whole seconds would act on); the 30 s ``flushUnschedulablePodsLeftover`` runs only while
unschedulablePods is non-empty. ``on_activate`` is called whenever a pod enters activeQ (upstream's
``cond.Broadcast``) so an idle scheduler can wake up.

Ordering ties that upstream leaves to heap internals are broken by an insertion sequence number, so
the queue is deterministic.
"""
from __future__ import annotations

import math
from heapq import heappop, heappush
from typing import Any, Callable, Iterable, Optional

__all__ = [
    "ActionType", "ClusterEvent", "EventRegistration", "QueuedPodInfo", "SchedulingQueue", "Nominator",
    "QUEUE", "QUEUE_SKIP", "backoff_duration", "pod_priority", "node_scheduling_properties_change",
    "pod_scheduling_properties_change", "DEFAULT_POD_MAX_IN_UNSCHEDULABLE_PODS_DURATION",
]

DEFAULT_POD_INITIAL_BACKOFF = 1.0  # podInitialBackoffSeconds
DEFAULT_POD_MAX_BACKOFF = 10.0  # podMaxBackoffSeconds
DEFAULT_POD_MAX_IN_UNSCHEDULABLE_PODS_DURATION = 300.0  # 5 min
UNSCHEDULABLE_FLUSH_INTERVAL = 30.0
BACKOFF_ORDERING_WINDOW = 1.0  # backoffQOrderingWindowDuration
_EPS = 1e-9  # guards floor() against float rounding of times such as 5.999999999

QUEUE = "Queue"
QUEUE_SKIP = "QueueSkip"

# queueing strategies (scheduling_queue.go)
_SKIP, _AFTER_BACKOFF, _IMMEDIATELY = 0, 1, 2

ACTIVE_Q, BACKOFF_Q, UNSCHEDULABLE_PODS = "activeQ", "backoffQ", "unschedulablePods"


class ActionType:
    """``framework.ActionType`` bit flags (``pkg/scheduler/framework/types.go``)."""

    Add = 1 << 0
    Delete = 1 << 1
    UpdateNodeAllocatable = 1 << 2
    UpdateNodeLabel = 1 << 3
    UpdateNodeTaint = 1 << 4
    UpdateNodeCondition = 1 << 5
    UpdateNodeAnnotation = 1 << 6
    UpdatePodLabel = 1 << 7
    UpdatePodScaleDown = 1 << 8
    UpdatePodToleration = 1 << 9
    UpdatePodSchedulingGatesEliminated = 1 << 10
    UpdatePodGeneratedResourceClaim = 1 << 11
    updatePodOther = 1 << 12
    All = (1 << 13) - 1
    Update = (
        UpdateNodeAllocatable | UpdateNodeLabel | UpdateNodeTaint | UpdateNodeCondition | UpdateNodeAnnotation
        | UpdatePodLabel | UpdatePodScaleDown | UpdatePodToleration | UpdatePodSchedulingGatesEliminated
        | UpdatePodGeneratedResourceClaim | updatePodOther
    )


# event resources (framework.EventResource)
POD, ASSIGNED_POD, UNSCHEDULED_POD, NODE, WILDCARD = "Pod", "AssignedPod", "UnscheduledPod", "Node", "*"


class ClusterEvent:
    """``framework.ClusterEvent``: a resource and an action mask, with an optional label."""

    __slots__ = ("resource", "action", "label")

    def __init__(self, resource: str, action: int, label: str = ""):
        self.resource = resource
        self.action = action
        self.label = label or f"{resource}{action}"

    def is_wildcard(self) -> bool:
        return self.resource == WILDCARD and self.action == ActionType.All

    def match(self, event: "ClusterEvent") -> bool:
        """``ClusterEvent.Match``: ``self`` is the registration, ``event`` what happened."""
        if self.is_wildcard():
            return True
        if self.resource == WILDCARD or self.resource == event.resource:
            return bool(self.action & event.action)
        if self.resource == POD and event.resource in (ASSIGNED_POD, UNSCHEDULED_POD):
            return bool(self.action & event.action)
        return False

    def __repr__(self) -> str:
        return f"ClusterEvent({self.label})"


# well-known events (framework/events.go)
EVENT_ASSIGNED_POD_ADD = ClusterEvent(ASSIGNED_POD, ActionType.Add, "AssignedPodAdd")
EVENT_ASSIGNED_POD_DELETE = ClusterEvent(ASSIGNED_POD, ActionType.Delete, "AssignedPodDelete")
EVENT_NODE_ADD = ClusterEvent(NODE, ActionType.Add, "NodeAdd")
EVENT_UNSCHEDULABLE_TIMEOUT = ClusterEvent(WILDCARD, ActionType.All, "UnschedulableTimeout")
EVENT_FORCE_ACTIVATE = ClusterEvent(WILDCARD, ActionType.All, "ForceActivate")


class EventRegistration:
    """``framework.ClusterEventWithHint`` for one plugin. ``hint(pod, old, new) -> QUEUE | QUEUE_SKIP``;
    ``None`` means always Queue."""

    __slots__ = ("event", "plugin", "hint")

    def __init__(self, event: ClusterEvent, plugin: str, hint: Optional[Callable] = None):
        self.event = event
        self.plugin = plugin
        self.hint = hint


def pod_priority(pod) -> int:
    """``corev1helpers.PodPriority``: ``spec.priority`` or 0."""
    p = pod.spec.priority
    return 0 if p is None else p


def backoff_duration(count: int, initial: float = DEFAULT_POD_INITIAL_BACKOFF,
                     maximum: float = DEFAULT_POD_MAX_BACKOFF) -> float:
    """``calculateBackoffDuration``: 0 for count 0, else ``min(initial * 2^(count-1), max)`` (doubling
    by addition, as upstream, so the cap is exact)."""
    if count <= 0:
        return 0
    d = initial
    for _ in range(1, count):
        if d > maximum - d:
            return maximum
        d += d
    return d


def _floor_window(t: float) -> float:
    """Truncate a time to its backoff ordering window (whole seconds)."""
    return float(math.floor((t + _EPS) / BACKOFF_ORDERING_WINDOW) * BACKOFF_ORDERING_WINDOW)


# ----------------------------------------------------------------------------- event classification


def node_scheduling_properties_change(new, old) -> list[ClusterEvent]:
    """``framework.NodeSchedulingPropertiesChange``: the Node/Update sub-events of a node update.
    Heartbeat-only updates produce none."""
    events = []
    if new.spec.unschedulable != old.spec.unschedulable:
        events.append(ClusterEvent(NODE, ActionType.UpdateNodeTaint, "NodeSpecUnschedulableChange"))
    if new.status.allocatable != old.status.allocatable:
        events.append(ClusterEvent(NODE, ActionType.UpdateNodeAllocatable, "NodeAllocatableChange"))
    if new.metadata.labels != old.metadata.labels:
        events.append(ClusterEvent(NODE, ActionType.UpdateNodeLabel, "NodeLabelChange"))
    if tuple(new.spec.taints) != tuple(old.spec.taints):
        events.append(ClusterEvent(NODE, ActionType.UpdateNodeTaint, "NodeTaintChange"))
    if _node_conditions_key(new) != _node_conditions_key(old):
        events.append(ClusterEvent(NODE, ActionType.UpdateNodeCondition, "NodeConditionChange"))
    if new.metadata.annotations != old.metadata.annotations:
        events.append(ClusterEvent(NODE, ActionType.UpdateNodeAnnotation, "NodeAnnotationChange"))
    return events


def _node_conditions_key(node) -> tuple:
    # upstream strips heartbeat times before comparing conditions
    return tuple((c.type, c.status) for c in node.status.conditions)


def pod_scheduling_properties_change(new, old) -> list[ClusterEvent]:
    """``framework.PodSchedulingPropertiesChange`` for an *unscheduled* pod update."""
    events = []
    if new.metadata.labels != old.metadata.labels:
        events.append(ClusterEvent(UNSCHEDULED_POD, ActionType.UpdatePodLabel, "UnscheduledPodUpdatePodLabel"))
    if new.spec is not old.spec:
        if tuple(new.spec.tolerations) != tuple(old.spec.tolerations):
            events.append(ClusterEvent(UNSCHEDULED_POD, ActionType.UpdatePodToleration,
                                       "UnscheduledPodUpdatePodToleration"))
        if old.spec.scheduling_gates and not new.spec.scheduling_gates:
            events.append(ClusterEvent(UNSCHEDULED_POD, ActionType.UpdatePodSchedulingGatesEliminated,
                                       "UnscheduledPodUpdatePodSchedulingGatesEliminated"))
    if not events:
        events.append(ClusterEvent(UNSCHEDULED_POD, ActionType.updatePodOther, "UnscheduledPodUpdate"))
    return events


# ----------------------------------------------------------------------------------- QueuedPodInfo


class QueuedPodInfo:
    """``framework.QueuedPodInfo``."""

    __slots__ = (
        "pod", "pod_info", "key", "priority", "timestamp", "initial_attempt_timestamp", "attempts",
        "unschedulable_count", "consecutive_errors", "unschedulable_plugins", "pending_plugins", "gated",
        "backoff_expiration", "seq", "where", "ver",
    )

    def __init__(self, pod, pod_info: Any, now: float, seq: int):
        self.pod = pod
        self.pod_info = pod_info
        self.key: str = pod.key()
        self.priority: int = pod_priority(pod)
        self.timestamp: float = now
        self.initial_attempt_timestamp: Optional[float] = None
        self.attempts = 0
        self.unschedulable_count = 0
        self.consecutive_errors = 0
        self.unschedulable_plugins: set = set()
        self.pending_plugins: set = set()
        self.gated = False
        self.backoff_expiration: Optional[float] = None
        self.seq = seq
        self.where: Optional[str] = None
        self.ver = 0

    @property
    def backoff_count(self) -> int:
        """The count the backoff is computed from: consecutive errors when > 0, else unschedulable
        attempts (v1.35)."""
        return self.consecutive_errors if self.consecutive_errors > 0 else self.unschedulable_count

    def __repr__(self) -> str:
        return f"<QueuedPodInfo {self.key} prio={self.priority} in={self.where} attempts={self.attempts}>"


# -------------------------------------------------------------------------------------- nominator


class Nominator:
    """``nominator.go``: pods nominated to nodes (``status.nominatedNodeName`` or a preemption
    result). ``nominated_pods_for_node`` returns the pod infos in nomination order."""

    def __init__(self):
        self.by_node: dict[str, list] = {}  # node -> [(key, pod_info)]
        self.node_of: dict[str, str] = {}  # key -> node

    def add(self, key: str, pod, pod_info, node_name: str = "") -> None:
        """``AddNominatedPod``: ``node_name`` overrides ``pod.status.nominated_node_name``. Pods already
        bound (``spec.node_name``) are never nominated."""
        self.delete(key)
        nn = node_name or pod.status.nominated_node_name
        if not nn or pod.spec.node_name:
            return
        self.node_of[key] = nn
        self.by_node.setdefault(nn, []).append((key, pod_info))

    def delete(self, key: str) -> None:
        nn = self.node_of.pop(key, None)
        if nn is None:
            return
        lst = self.by_node.get(nn)
        if lst is not None:
            lst[:] = [e for e in lst if e[0] != key]
            if not lst:
                del self.by_node[nn]

    def update(self, key: str, old_pod, new_pod, pod_info) -> None:
        """``UpdateNominatedPod``: keep the in-memory nomination when the update does not carry one
        (the nomination may not have reached the store yet), unless the pod got bound."""
        node = ""
        if old_pod is not None and not old_pod.status.nominated_node_name \
                and not new_pod.status.nominated_node_name:
            node = self.node_of.get(key, "")
        self.add(key, new_pod, pod_info, node)

    def nominated_node(self, key: str) -> str:
        return self.node_of.get(key, "")

    def nominated_pods_for_node(self, node_name: str) -> list:
        return [pi for _, pi in self.by_node.get(node_name, ())]

    def nominated_keys_for_node(self, node_name: str) -> list:
        return [k for k, _ in self.by_node.get(node_name, ())]


# ------------------------------------------------------------------------------------------ queue


class _Heap:
    """A heap with lazy deletion: entries are ``(sortkey, seq, ver, qpi)``; an entry is live while
    ``qpi.ver == ver`` and ``qpi.where == name``."""

    __slots__ = ("name", "h", "n")

    def __init__(self, name: str):
        self.name = name
        self.h: list = []
        self.n = 0

    def push(self, qpi: QueuedPodInfo, sortkey: tuple) -> None:
        qpi.ver += 1
        qpi.where = self.name
        heappush(self.h, (sortkey, qpi.seq, qpi.ver, qpi))
        self.n += 1

    def remove(self, qpi: QueuedPodInfo) -> None:
        if qpi.where == self.name:
            qpi.ver += 1
            qpi.where = None
            self.n -= 1

    def _clean(self) -> None:
        h = self.h
        while h and (h[0][3].where != self.name or h[0][3].ver != h[0][2]):
            heappop(h)

    def peek(self) -> Optional[QueuedPodInfo]:
        self._clean()
        return self.h[0][3] if self.h else None

    def pop(self) -> Optional[QueuedPodInfo]:
        self._clean()
        if not self.h:
            return None
        qpi = heappop(self.h)[3]
        qpi.ver += 1
        qpi.where = None
        self.n -= 1
        return qpi

    def items(self) -> list:
        return sorted((e for e in self.h if e[3].where == self.name and e[3].ver == e[2]),
                      key=lambda e: (e[0], e[1]))

    def __len__(self) -> int:
        return self.n


def _priority_sort_key(qpi: QueuedPodInfo) -> tuple:
    """PrioritySort ``Less``: higher priority first, then earlier queue timestamp."""
    return (-qpi.priority, qpi.timestamp)


class SchedulingQueue:
    """``PriorityQueue``. Pods are identified by ``pod.key()`` (namespace/name).

    :param engine: anything with ``now`` and ``call_at(t, fn)`` (an :class:`~k8ssim.engine.Engine`).
    :param pre_enqueue: ``scheduler_name -> [plugin]``; a plugin has ``name`` and ``pre_enqueue(pod)``
        returning a status with ``is_success()`` (or ``None`` for success).
    :param registrations: ``scheduler_name -> [EventRegistration]`` (the QueueingHint map).
    :param pod_info_factory: ``pod -> pod_info`` stored on the QueuedPodInfo (framework ``PodInfo``).
    """

    def __init__(self, engine, *, initial_backoff: float = DEFAULT_POD_INITIAL_BACKOFF,
                 max_backoff: float = DEFAULT_POD_MAX_BACKOFF,
                 max_in_unschedulable: float = DEFAULT_POD_MAX_IN_UNSCHEDULABLE_PODS_DURATION,
                 pre_enqueue: Optional[dict] = None, registrations: Optional[dict] = None,
                 pod_info_factory: Optional[Callable] = None, sort_key: Callable = _priority_sort_key,
                 pop_from_backoff_q: bool = True):
        self.engine = engine
        self.initial_backoff = initial_backoff
        self.max_backoff = max_backoff
        self.max_in_unschedulable = max_in_unschedulable
        self.pre_enqueue = pre_enqueue or {}
        self.registrations = registrations or {}
        self.pod_info_factory = pod_info_factory or (lambda pod: pod)
        self.sort_key = sort_key
        self.pop_from_backoff_q = pop_from_backoff_q
        self.active = _Heap(ACTIVE_Q)
        self.backoff = _Heap(BACKOFF_Q)
        self.error_backoff = _Heap(BACKOFF_Q + "Error")
        self.unschedulable: dict[str, QueuedPodInfo] = {}  # insertion-ordered
        self.infos: dict[str, QueuedPodInfo] = {}  # every queued or in-flight pod
        self.in_flight: dict[str, list] = {}  # key -> events seen while the pod was being scheduled
        self.nominator = Nominator()
        self.scheduling_cycle = 0
        self.move_request_cycle = -1
        self.on_activate: Optional[Callable[[], None]] = None
        self._seq = 0
        self._backoff_flush_at: Optional[float] = None
        self._leftover_flush_at: Optional[float] = None
        self._interest_cache: dict = {}

    # -- helpers -------------------------------------------------------------------------------
    @property
    def now(self) -> float:
        return self.engine.now

    def _new_info(self, pod) -> QueuedPodInfo:
        self._seq += 1
        return QueuedPodInfo(pod, self.pod_info_factory(pod), self.engine.now, self._seq)

    def _broadcast(self) -> None:
        if self.on_activate is not None:
            self.on_activate()

    def backoff_time(self, qpi: QueuedPodInfo) -> Optional[float]:
        """``getBackoffTime``: aligned expiry (cached until the next pop); ``None`` when no backoff."""
        if qpi.backoff_count == 0:
            return None
        if qpi.backoff_expiration is None:
            d = backoff_duration(qpi.backoff_count, self.initial_backoff, self.max_backoff)
            t = qpi.timestamp + d
            qpi.backoff_expiration = _floor_window(t) if self.pop_from_backoff_q else t
        return qpi.backoff_expiration

    def is_backing_off(self, qpi: QueuedPodInfo) -> bool:
        """``isPodBackingoff``: the aligned expiry is not before the current window."""
        bt = self.backoff_time(qpi)
        if bt is None:
            return False
        now = self.engine.now
        return not bt < (_floor_window(now) if self.pop_from_backoff_q else now)

    def _active_push(self, qpi: QueuedPodInfo) -> None:
        self.active.push(qpi, self.sort_key(qpi))

    def _backoff_add(self, qpi: QueuedPodInfo) -> None:
        bt = self.backoff_time(qpi) or 0.0
        if not qpi.unschedulable_plugins and not qpi.pending_plugins:
            self.error_backoff.push(qpi, (bt,))
        else:
            self.backoff.push(qpi, (bt,) + self.sort_key(qpi))
        self._arm_backoff_flush(bt)

    def _remove_everywhere(self, qpi: QueuedPodInfo) -> None:
        self.active.remove(qpi)
        self.backoff.remove(qpi)
        self.error_backoff.remove(qpi)
        if qpi.where == UNSCHEDULABLE_PODS:
            qpi.where = None
        self.unschedulable.pop(qpi.key, None)

    def _unschedulable_add(self, qpi: QueuedPodInfo) -> None:
        self.active.remove(qpi)
        self.backoff.remove(qpi)
        self.error_backoff.remove(qpi)
        qpi.where = UNSCHEDULABLE_PODS
        self.unschedulable[qpi.key] = qpi
        self._arm_leftover_flush()

    # -- PreEnqueue ----------------------------------------------------------------------------
    def _run_pre_enqueue(self, qpi: QueuedPodInfo) -> bool:
        for pl in self.pre_enqueue.get(qpi.pod.spec.scheduler_name, ()):
            st = pl.pre_enqueue(qpi.pod)
            if st is None or st.is_success():
                continue
            qpi.unschedulable_plugins.add(pl.name)
            return False
        return True

    def _move_to_active(self, qpi: QueuedPodInfo, event: str = "") -> bool:
        """``moveToActiveQ``: run PreEnqueue; a gated pod goes to unschedulablePods instead."""
        qpi.gated = not self._run_pre_enqueue(qpi)
        if qpi.gated:
            if qpi.where in (ACTIVE_Q, BACKOFF_Q, BACKOFF_Q + "Error"):
                return False
            self._unschedulable_add(qpi)
            return False
        if qpi.initial_attempt_timestamp is None:
            qpi.initial_attempt_timestamp = self.engine.now
        self._remove_everywhere(qpi)
        self._active_push(qpi)
        if event in ("PodAdd", "UnscheduledPodUpdate"):
            self.nominator.add(qpi.key, qpi.pod, qpi.pod_info)
        return True

    # -- public API ----------------------------------------------------------------------------
    def add(self, pod) -> None:
        """``Add``: a new unscheduled pod."""
        key = pod.key()
        if key in self.infos:  # already known: treat as an update
            self.update(self.infos[key].pod, pod)
            return
        qpi = self._new_info(pod)
        self.infos[key] = qpi
        if self._move_to_active(qpi, "PodAdd"):
            self._broadcast()

    def pop(self) -> Optional[QueuedPodInfo]:
        """``Pop``: head of activeQ, or with PopFromBackoffQ the head of the backoffQ when activeQ is
        empty; ``None`` when both are empty. Increments attempts and the scheduling cycle."""
        qpi = self.active.pop()
        if qpi is None and self.pop_from_backoff_q:
            qpi = self.backoff.pop()
        if qpi is None:
            return None
        qpi.attempts += 1
        qpi.backoff_expiration = None
        qpi.unschedulable_plugins = set()  # reset for the next attempt, as upstream's pop does
        qpi.pending_plugins = set()
        self.scheduling_cycle += 1
        self.in_flight[qpi.key] = []
        return qpi

    def done(self, key: str) -> None:
        """``Done``: the pod left the scheduling cycle (bound, or failed and re-added)."""
        self.in_flight.pop(key, None)

    def add_unschedulable_if_not_present(self, qpi: QueuedPodInfo, pod_scheduling_cycle: int,
                                         error: bool = False) -> str:
        """``AddUnschedulableIfNotPresent`` after a failed attempt. ``qpi.unschedulable_plugins`` /
        ``pending_plugins`` must hold the rejecting plugins (empty for an error). Returns the queue."""
        key = qpi.key
        events = self.in_flight.pop(key, None) or []
        if key not in self.infos or self.infos[key] is not qpi:  # deleted while in flight
            return ""
        if qpi.where is not None:
            return qpi.where
        if error:
            qpi.consecutive_errors += 1
        else:
            qpi.consecutive_errors = 0
            qpi.unschedulable_count += 1
        qpi.timestamp = self.engine.now
        qpi.backoff_expiration = None
        strategy = self._hint_for_in_flight(qpi, events)
        where = self._requeue(qpi, strategy)
        if where == ACTIVE_Q:
            self._broadcast()
        return where

    def forget_in_flight_and_requeue(self, qpi: QueuedPodInfo) -> None:
        """A bind failed after the cycle: requeue with backoff (``handleBindingCycleError``)."""
        qpi.unschedulable_plugins.clear()
        qpi.pending_plugins.clear()
        self.add_unschedulable_if_not_present(qpi, self.scheduling_cycle, error=True)

    def update(self, old_pod, new_pod) -> None:
        """``Update`` for an unscheduled pod."""
        key = new_pod.key()
        qpi = self.infos.get(key)
        events = pod_scheduling_properties_change(new_pod, old_pod) if old_pod is not None else []
        if qpi is not None and key in self.in_flight:
            qpi.pod = new_pod
            self.in_flight[key].extend((e, old_pod, new_pod) for e in events)
            return
        if qpi is None:
            qpi = self._new_info(new_pod)
            self.infos[key] = qpi
            if self._move_to_active(qpi, "UnscheduledPodUpdate"):
                self._broadcast()
            return
        qpi.pod = new_pod
        if old_pod is None or new_pod.spec is not old_pod.spec or \
                new_pod.metadata.labels != old_pod.metadata.labels:
            qpi.pod_info = self.pod_info_factory(new_pod)
        new_prio = pod_priority(new_pod)
        if qpi.where == ACTIVE_Q:
            if new_prio != qpi.priority:
                qpi.priority = new_prio
                self._active_push(qpi)
            self.nominator.update(key, old_pod, new_pod, qpi.pod_info)
            return
        if qpi.where in (BACKOFF_Q, BACKOFF_Q + "Error"):
            qpi.priority = new_prio
            self.nominator.update(key, old_pod, new_pod, qpi.pod_info)
            return
        qpi.priority = new_prio
        if qpi.where == UNSCHEDULABLE_PODS:
            self.nominator.update(key, old_pod, new_pod, qpi.pod_info)
            for ev in events:
                strategy = self._worth_requeuing(qpi, ev, old_pod, new_pod)
                where = self._requeue(qpi, strategy)
                if where == ACTIVE_Q:
                    self._broadcast()
                    break
            return

    def delete(self, pod) -> None:
        """``Delete``: the pod was deleted or got bound by someone else."""
        key = pod.key()
        self.nominator.delete(key)
        qpi = self.infos.pop(key, None)
        if qpi is not None:
            self._remove_everywhere(qpi)
        self.in_flight.pop(key, None)

    def activate(self, keys: Iterable[str]) -> None:
        """``Activate``: move the pods from unschedulablePods/backoffQ to activeQ."""
        moved = False
        for key in keys:
            qpi = self.infos.get(key)
            if qpi is None:
                continue
            if qpi.where in (UNSCHEDULABLE_PODS, BACKOFF_Q, BACKOFF_Q + "Error"):
                moved |= self._move_to_active(qpi, "ForceActivate")
            elif key in self.in_flight:
                self.in_flight[key].append((EVENT_FORCE_ACTIVATE, None, qpi.pod))
        if moved:
            self._broadcast()

    # -- cluster events ------------------------------------------------------------------------
    def move_all_to_active_or_backoff(self, event: ClusterEvent, old=None, new=None,
                                      pre_check: Optional[Callable] = None) -> None:
        """``MoveAllToActiveOrBackoffQueue``."""
        if not self._event_of_interest(event):
            return
        if pre_check is None:
            infos = list(self.unschedulable.values())
        else:
            infos = [q for q in self.unschedulable.values() if pre_check(q.pod)]
        self._move_pods(infos, event, old, new)

    def _move_pods(self, infos: list, event: ClusterEvent, old, new) -> None:
        if not self._event_of_interest(event):
            return
        activated = False
        for qpi in infos:
            if qpi.gated and "SchedulingGates" in qpi.unschedulable_plugins:
                continue
            strategy = self._worth_requeuing(qpi, event, old, new)
            if strategy == _SKIP:
                continue
            if self._requeue(qpi, strategy) == ACTIVE_Q:
                activated = True
        self.move_request_cycle = self.scheduling_cycle
        if self.in_flight:
            for lst in self.in_flight.values():
                lst.append((event, old, new))
        if activated:
            self._broadcast()

    def assigned_pod_added(self, pod) -> None:
        """``AssignedPodAdded``: only pods with cross-topology terms may become schedulable."""
        self._move_pods(self._with_cross_topology_term(pod), EVENT_ASSIGNED_POD_ADD, None, pod)

    def assigned_pod_updated(self, old_pod, new_pod, event: ClusterEvent) -> None:
        if event.action & ActionType.UpdatePodScaleDown:
            self.move_all_to_active_or_backoff(event, old_pod, new_pod)
        else:
            self._move_pods(self._with_cross_topology_term(new_pod), event, old_pod, new_pod)

    def _with_cross_topology_term(self, pod) -> list:
        """``getUnschedulablePodsWithCrossTopologyTerm``: pods rejected by PodTopologySpread, or with a
        (anti-)affinity term matching ``pod``."""
        out = []
        for qpi in self.unschedulable.values():
            if "PodTopologySpread" in qpi.unschedulable_plugins:
                out.append(qpi)
                continue
            aff = qpi.pod.spec.affinity
            if aff is None:
                continue
            if _any_term_matches(aff.pod_affinity, qpi.pod, pod) or \
                    _any_term_matches(aff.pod_anti_affinity, qpi.pod, pod):
                out.append(qpi)
        return out

    def _event_of_interest(self, event: ClusterEvent) -> bool:
        if event.is_wildcard():
            return True
        ck = (event.resource, event.action)
        hit = self._interest_cache.get(ck)
        if hit is None:
            hit = any(r.event.match(event) for regs in self.registrations.values() for r in regs)
            self._interest_cache[ck] = hit
        return hit

    def _worth_requeuing(self, qpi: QueuedPodInfo, event: ClusterEvent, old, new) -> int:
        """``isPodWorthRequeuing``."""
        rejectors = qpi.unschedulable_plugins | qpi.pending_plugins
        if not rejectors:
            return _AFTER_BACKOFF
        if event.is_wildcard():
            if event is EVENT_FORCE_ACTIVATE and new is not None and new.key() != qpi.key:
                return _SKIP  # a force-activation aimed at another pod
            return _AFTER_BACKOFF
        regs = self.registrations.get(qpi.pod.spec.scheduler_name)
        if regs is None:
            return _AFTER_BACKOFF
        strategy = _SKIP
        for r in regs:
            if r.plugin not in rejectors or not r.event.match(event):
                continue
            if r.hint is not None:
                try:
                    h = r.hint(qpi.pod, old, new)
                except Exception:  # a failing hint must not strand the pod: treat as Queue
                    h = QUEUE
                if h == QUEUE_SKIP:
                    continue
            if r.plugin in qpi.pending_plugins:
                return _IMMEDIATELY
            if not qpi.pending_plugins:
                return _AFTER_BACKOFF
            strategy = _AFTER_BACKOFF
        return strategy

    def _hint_for_in_flight(self, qpi: QueuedPodInfo, events: list) -> int:
        """``determineSchedulingHintForInFlightPod``."""
        if not qpi.unschedulable_plugins and not qpi.pending_plugins:
            return _AFTER_BACKOFF
        strategy = _SKIP
        for ev, old, new in events:
            s = self._worth_requeuing(qpi, ev, old, new)
            if s == _IMMEDIATELY:
                return s
            if s == _AFTER_BACKOFF:
                strategy = s
                if not qpi.pending_plugins:
                    return s
        return strategy

    def _requeue(self, qpi: QueuedPodInfo, strategy: int) -> str:
        """``requeuePodViaQueueingHint``."""
        if strategy == _SKIP:
            self._unschedulable_add(qpi)
            return UNSCHEDULABLE_PODS
        if strategy == _AFTER_BACKOFF and self.is_backing_off(qpi):
            self.unschedulable.pop(qpi.key, None)
            if qpi.where == UNSCHEDULABLE_PODS:
                qpi.where = None
            self._backoff_add(qpi)
            return BACKOFF_Q
        if self._move_to_active(qpi):
            return ACTIVE_Q
        if qpi.gated:
            return UNSCHEDULABLE_PODS
        self._unschedulable_add(qpi)
        return UNSCHEDULABLE_PODS

    # -- flushes -------------------------------------------------------------------------------
    def _arm_backoff_flush(self, bt: float) -> None:
        """Schedule a flush at the first aligned second where a pod with expiry ``bt`` is done."""
        # the flush ticks every whole second; the first tick after the expiry window releases it
        t = max(_floor_window(bt), _floor_window(self.engine.now)) + BACKOFF_ORDERING_WINDOW
        if self._backoff_flush_at is not None and self._backoff_flush_at <= t:
            return
        self._backoff_flush_at = t
        self.engine.call_at(t, self._backoff_flush_tick, t)

    def _backoff_flush_tick(self, t: float) -> None:
        if self._backoff_flush_at != t:
            return  # superseded by an earlier flush
        self._backoff_flush_at = None
        self.flush_backoff_q_completed()
        nxt = None
        for q in (self.backoff, self.error_backoff):
            head = q.peek()
            if head is not None:
                bt = self.backoff_time(head) or 0.0
                nxt = bt if nxt is None else min(nxt, bt)
        if nxt is not None:
            self._arm_backoff_flush(nxt)

    def flush_backoff_q_completed(self) -> None:
        """``flushBackoffQCompleted``: move every pod whose backoff completed to activeQ."""
        activated = False
        for q in (self.backoff, self.error_backoff):
            while True:
                head = q.peek()
                if head is None or self.is_backing_off(head):
                    break
                q.pop()
                if self._move_to_active(head, "BackoffComplete"):
                    activated = True
        if activated:
            self._broadcast()

    def _arm_leftover_flush(self) -> None:
        if self._leftover_flush_at is not None:
            return
        now = self.engine.now
        t = (math.floor(now / UNSCHEDULABLE_FLUSH_INTERVAL + _EPS) + 1) * UNSCHEDULABLE_FLUSH_INTERVAL
        self._leftover_flush_at = t
        self.engine.call_at(t, self._leftover_tick)

    def _leftover_tick(self) -> None:
        self._leftover_flush_at = None
        self.flush_unschedulable_pods_leftover()
        if self.unschedulable:
            self._arm_leftover_flush()

    def flush_unschedulable_pods_leftover(self) -> None:
        """``flushUnschedulablePodsLeftover``: pods waiting longer than 5 min go back."""
        now = self.engine.now
        old = [q for q in self.unschedulable.values() if now - q.timestamp > self.max_in_unschedulable]
        if old:
            self._move_pods(old, EVENT_UNSCHEDULABLE_TIMEOUT, None, None)

    # -- introspection -------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.active) + len(self.backoff) + len(self.error_backoff) + len(self.unschedulable)

    def pending_pods(self) -> dict:
        """``PendingPods``: keys per sub-queue, in queue order."""
        return {
            ACTIVE_Q: [e[3].key for e in self.active.items()],
            BACKOFF_Q: [e[3].key for e in self.backoff.items()] + [e[3].key for e in self.error_backoff.items()],
            UNSCHEDULABLE_PODS: list(self.unschedulable),
        }

    def has_work(self) -> bool:
        """True when :meth:`pop` would return a pod."""
        return len(self.active) > 0 or (self.pop_from_backoff_q and len(self.backoff) > 0)


def _any_term_matches(pa, owner, pod) -> bool:
    if pa is None:
        return False
    terms = list(pa.required) + [w.term for w in pa.preferred]
    for t in terms:
        ns_ok = (pod.metadata.namespace in t.namespaces) if t.namespaces else \
            (t.namespace_selector is not None or pod.metadata.namespace == owner.metadata.namespace)
        if ns_ok and t.label_selector is not None and t.label_selector.matches(pod.metadata.labels):
            return True
    return False
