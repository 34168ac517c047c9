"""The kube-scheduler component: watches the store, runs the scheduling cycle, binds.

Mirrors ``pkg/scheduler/schedule_one.go`` (scheduleOne, schedulingCycle, schedulePod,
findNodesThatFitPod, evaluateNominatedNode, prioritizeNodes, bindingCycle, handleSchedulingFailure,
updatePod), ``pkg/scheduler/eventhandlers.go`` (informer handlers) and ``scheduler.go`` (profiles,
backoff settings) of Kubernetes v1.35.

Time: one pod is popped per simulation event. The cycle is computed against the cache at pop time;
its effects (the binding write, or the failure's status patch, event and requeue) happen
``cycle_seconds`` later, when the next pod is popped. The binding is a store update that sets
``spec.nodeName`` and ``PodScheduled=True`` on a copy with a new spec, as the ``pods/binding``
subresource does. Tie-breaks draw from the engine's named stream ``"scheduler"``.
"""
from __future__ import annotations

import copy
import functools
from typing import Optional

from k8ssim.api.errors import did_you_mean
from k8ssim.scheduler.cache import Cache, is_terminal
from k8ssim.scheduler.explain import ExplainRecorder
from k8ssim.scheduler.framework import (
    Code, CycleState, FrameworkError, Handle, NodePluginScores, Status, find_nodes_that_fit, select_host,
)
from k8ssim.scheduler.nodeinfo import PodInfo
from k8ssim.scheduler.plugins.registry import DEFAULT_SCHEDULER_NAME, build_framework
from k8ssim.scheduler.preemption import DISRUPTION_TARGET, REASON_PREEMPTION_BY_SCHEDULER, FitError, NodeToStatus
from k8ssim.scheduler.queue import (
    QUEUE, QUEUE_SKIP, ActionType, ClusterEvent, EventRegistration, SchedulingQueue,
    node_scheduling_properties_change, pod_priority,
)
from k8ssim.store.errors import StoreError
from k8ssim.store.watch import ADDED, DELETED, MODIFIED

__all__ = ["Scheduler", "CONFIG_KEYS"]

NOTE_LENGTH_LIMIT = 1024
ERR_NO_NODES_AVAILABLE = "no nodes available to schedule pods"
CONFIG_KEYS = (
    "apiVersion", "kind", "parallelism", "leaderElection", "clientConnection", "healthzBindAddress",
    "metricsBindAddress", "enableProfiling", "enableContentionProfiling", "percentageOfNodesToScore",
    "podInitialBackoffSeconds", "podMaxBackoffSeconds", "profiles", "extenders", "delayCacheUntilActive",
)
_OVERRIDE = object()  # nominating mode marker


_SLOTS: dict = {}


def _shallow(obj):
    """``copy.copy`` for the slotted api dataclasses and PodInfo (a few times faster)."""
    cls = type(obj)
    slots = _SLOTS.get(cls)
    if slots is None:
        slots = _SLOTS[cls] = tuple(s for c in cls.__mro__ for s in c.__dict__.get("__slots__", ()))
        if hasattr(obj, "__dict__") or not slots:
            _SLOTS[cls] = slots = ()
    if not slots:
        return copy.copy(obj)
    new = cls.__new__(cls)
    for name in slots:
        try:
            object.__setattr__(new, name, getattr(obj, name))
        except AttributeError:
            pass
    return new


def truncate_message(msg: str) -> str:
    """``truncateMessage``: events carry at most 1024 characters."""
    if len(msg) <= NOTE_LENGTH_LIMIT:
        return msg
    return msg[: NOTE_LENGTH_LIMIT - 4] + " ..."


def _action_mask(action: str) -> int:
    mask = 0
    for part in str(action).split("|"):
        part = part.strip()
        v = getattr(ActionType, part, None)
        if not isinstance(v, int):
            raise FrameworkError(f"unknown ActionType {part!r} in events_to_register")
        mask |= v
    return mask


def _hint_adapter(fn):
    if fn is None:
        return None

    def hint(pod, old, new):
        h = fn(pod, old, new)
        return QUEUE_SKIP if (h == QUEUE_SKIP or (isinstance(h, int) and int(h) == 0)) else QUEUE
    return hint


class _Outcome:
    """What a scheduling cycle decided, applied when the cycle's time is up."""

    __slots__ = ("qpi", "fwk", "state", "host", "assumed", "status", "nominating", "fit_error", "cycle")

    def __init__(self, qpi, fwk, state, cycle):
        self.qpi = qpi
        self.fwk = fwk
        self.state = state
        self.cycle = cycle
        self.host = ""
        self.assumed = None
        self.status: Optional[Status] = None
        self.nominating = None  # None: noop; "" or a node name: override
        self.fit_error: Optional[FitError] = None


class Scheduler:
    """kube-scheduler. ``Scheduler(engine, store, config)``; :meth:`start` opens the watches.

    :param config: KubeSchedulerConfiguration-shaped dict: ``profiles`` (by ``schedulerName``),
        ``percentageOfNodesToScore`` (0/unset = adaptive, 100 = score every node),
        ``podInitialBackoffSeconds`` / ``podMaxBackoffSeconds``.
    :param cycle_seconds: simulated duration of one scheduling attempt (default 0).
    :param explain: record every attempt (:class:`ExplainRecorder`); ``explain_pods`` limits it.
    :param registry: out-of-tree plugin classes by name (``WithFrameworkOutOfTreeRegistry``).
    :param fast_path: run Filter + Score as a numba kernel over the node table when the profile and
        the pod allow it (:mod:`k8ssim.scheduler.fastpath`); the placements are those of the
        reference plugins. False: always the reference framework.
    """

    def __init__(self, engine, store, config: Optional[dict] = None, *, cycle_seconds: float = 0.0,
                 explain: bool = False, explain_pods=None, registry: Optional[dict] = None,
                 fast_path: bool = True):
        cfg = dict(config or {})
        for k in cfg:
            if k not in CONFIG_KEYS:
                raise FrameworkError(f'unknown field "{k}"{did_you_mean(k, CONFIG_KEYS)}')
        self.engine = engine
        self.store = store
        self.cycle_seconds = float(cycle_seconds)
        initial = cfg.get("podInitialBackoffSeconds", 1)
        maximum = cfg.get("podMaxBackoffSeconds", 10)
        if not isinstance(initial, (int, float)) or initial <= 0:
            raise FrameworkError(f"podInitialBackoffSeconds: Invalid value: {initial}: must be greater than 0")
        if not isinstance(maximum, (int, float)) or maximum < initial:
            raise FrameworkError(f"podMaxBackoffSeconds: Invalid value: {maximum}: must be greater than or equal "
                                 "to PodInitialBackoffSeconds")
        pct = cfg.get("percentageOfNodesToScore")
        if pct is not None and (not isinstance(pct, int) or not 0 <= pct <= 100):
            raise FrameworkError(f"percentageOfNodesToScore: Invalid value: {pct}: not in valid range [0-100]")
        self.rng = engine.streams.stream("scheduler")
        self.cache = Cache()
        self.recorder: Optional[ExplainRecorder] = ExplainRecorder(explain_pods) if explain else None
        self.frameworks: dict = {}
        self.next_start_node_index = 0
        profiles = cfg.get("profiles") or [{}]
        registrations: dict = {}
        pre_enqueue: dict = {}
        sort_key = None
        for prof in profiles:
            name = (prof or {}).get("schedulerName") or DEFAULT_SCHEDULER_NAME
            if name in self.frameworks:
                raise FrameworkError(f'profiles[].schedulerName: Duplicate value: "{name}"')
            handle = self._make_handle()
            fwk = build_framework(prof, handle, percentage_of_nodes_to_score=pct, registry=registry)
            self.frameworks[name] = fwk
            handle.extras.update(
                framework=fwk, nominated_pods=self._nominated_pods, pdbs=self._list_pdbs, rng=self.rng,
                now=lambda: self.engine.now, preempt_commit=self._preempt_commit, get_pod=self._get_pod)
            regs = []
            for plugin_name, ev in fwk.events_to_register():
                ce = ClusterEvent(ev.event.resource, _action_mask(ev.event.action), ev.event.label)
                regs.append(EventRegistration(ce, plugin_name, _hint_adapter(ev.hint_fn)))
            registrations[name] = regs
            pre_enqueue[name] = list(fwk.pre_enqueue_plugins)
            qs = fwk.queue_sort_plugins[0]
            if qs.name != "PrioritySort":
                cmp = functools.cmp_to_key(lambda a, b, less=qs.less: -1 if less(a, b) else (1 if less(b, a) else 0))
                sort_key = lambda qpi, k=cmp: (k(qpi),)  # noqa: E731
        kw = {"sort_key": sort_key} if sort_key is not None else {}
        self.queue = SchedulingQueue(engine, initial_backoff=float(initial), max_backoff=float(maximum),
                                     pre_enqueue=pre_enqueue, registrations=registrations,
                                     pod_info_factory=PodInfo, **kw)
        self.queue.on_activate = self._wake
        self._busy = False
        self._wakeup_pending = False
        self._watches: list = []
        self.fast_path = bool(fast_path)
        self._fast: dict = {}
        self._sel_cache: dict = {}
        self._sel_watching = False
        self._sel_version = 0
        self.attempts = 0
        self.scheduled = 0
        self.failed_attempts = 0
        self.preemptions = 0

    # -- listers -------------------------------------------------------------------------------
    def _make_handle(self) -> Handle:
        st = self.store

        def namespace_labels(ns):
            o = st.try_get("namespaces", None, ns)
            return dict(o.metadata.labels) if o is not None else None

        def list_namespaces():
            return [(o.metadata.name, dict(o.metadata.labels)) for o in st.list("namespaces")]

        def get_pvc(ns, name):
            return st.try_get("persistentvolumeclaims", ns, name)

        return Handle(snapshot=self.cache.snapshot, namespace_labels=namespace_labels,
                      list_namespaces=list_namespaces, selectors_for_pod=self._selectors_for_pod,
                      get_pvc=get_pvc, bind_fn=self._bind)

    def _selectors_for_pod(self, pod) -> list:
        """``helper.DefaultSelector`` inputs: selectors of the Services, ReplicaSets and StatefulSets
        in the pod's namespace that select the pod (Services as matchLabels dicts). Memoised per
        (namespace, labels) while the watches run; a selector change or an add/delete clears it
        (as the listers behind upstream's helper follow their informers)."""
        ns, labels = pod.metadata.namespace, pod.metadata.labels
        if self._sel_watching:
            key = (ns, tuple(sorted(labels.items())))
            got = self._sel_cache.get(key)
            if got is None:
                got = self._sel_cache[key] = self._list_selectors_for(ns, labels)
            return got
        return self._list_selectors_for(ns, labels)

    def _on_selector_source(self, etype: str, obj, old) -> None:
        if etype == MODIFIED and old is not None and old.spec.selector == obj.spec.selector:
            return
        self._sel_cache.clear()
        self._sel_version += 1

    def _list_selectors_for(self, ns: str, labels: dict) -> list:
        out: list = []
        for svc in self.store.list("services", ns):
            sel = svc.spec.selector
            if sel and all(labels.get(k) == v for k, v in sel.items()):
                out.append(dict(sel))
        for res in ("replicationcontrollers", "replicasets", "statefulsets"):
            for o in self.store.list(res, ns):
                sel = getattr(o.spec, "selector", None)
                if sel is None:
                    continue
                if isinstance(sel, dict):
                    if sel and all(labels.get(k) == v for k, v in sel.items()):
                        out.append(dict(sel))
                elif not sel.is_empty() and sel.matches(labels):
                    out.append(sel)
        return out

    def _list_pdbs(self) -> list:
        return self.store.list("poddisruptionbudgets")

    def _nominated_pods(self, node_name: str) -> list:
        return self.queue.nominator.nominated_pods_for_node(node_name)

    def _get_pod(self, pod):
        cur = self.store.try_get("pods", pod.metadata.namespace, pod.metadata.name)
        if cur is None or (pod.metadata.uid and cur.metadata.uid != pod.metadata.uid):
            return None
        return cur

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> "Scheduler":
        """Open the watches (existing objects are delivered first, like an informer's list)."""
        self._watches.append(self.store.watch("nodes", self._on_node, send_initial_events=True))
        self._watches.append(self.store.watch("pods", self._on_pod, send_initial_events=True))
        for res in ("services", "replicationcontrollers", "replicasets", "statefulsets"):
            self._watches.append(self.store.watch(res, self._on_selector_source))
        self._sel_cache.clear()
        self._sel_watching = True
        return self

    def stop(self) -> None:
        for w in self._watches:
            w.stop()
        self._watches.clear()
        self._sel_watching = False

    def responsible_for(self, pod) -> bool:
        return pod.spec.scheduler_name in self.frameworks

    # -- informer handlers (eventhandlers.go) -----------------------------------------------------
    def _on_node(self, etype: str, node, old) -> None:
        q = self.queue
        if etype == ADDED:
            self.cache.add_node(node)
            q.move_all_to_active_or_backoff(ClusterEvent("Node", ActionType.Add, "NodeAdd"), None, node)
        elif etype == MODIFIED:
            self.cache.update_node(node)
            if old is not None:
                for ev in node_scheduling_properties_change(node, old):
                    q.move_all_to_active_or_backoff(ev, old, node)
        else:
            self.cache.remove_node(node)
            q.move_all_to_active_or_backoff(ClusterEvent("Node", ActionType.Delete, "NodeDelete"), node, None)

    def _on_pod(self, etype: str, pod, old) -> None:
        if etype == ADDED:
            if is_terminal(pod):
                return
            if pod.spec.node_name:
                self.cache.add_pod(pod)
                self.queue.assigned_pod_added(pod)
            elif self.responsible_for(pod):
                self.queue.add(pod)
        elif etype == MODIFIED:
            self._pod_updated(old, pod)
        elif etype == DELETED:
            self._pod_gone(pod)

    def _pod_gone(self, pod) -> None:
        uid = pod.metadata.uid
        if uid in self.cache.pod_states and not self.cache.is_assumed(uid):
            self.cache.remove_pod(pod)
            self.queue.move_all_to_active_or_backoff(
                ClusterEvent("AssignedPod", ActionType.Delete, "AssignedPodDelete"), pod, None)
        if not pod.spec.node_name:
            self.queue.delete(pod)

    def _pod_updated(self, old, new) -> None:
        if old is None:
            self._on_pod(ADDED, new, None)
            return
        old_in, new_in = not is_terminal(old), not is_terminal(new)
        old_a = old_in and bool(old.spec.node_name)
        new_a = new_in and bool(new.spec.node_name)
        q = self.queue
        if old_a and new_a:
            self.cache.update_pod(old, new)
            ev = _assigned_pod_update_event(old, new)
            if ev is not None:
                q.assigned_pod_updated(old, new, ev)
        elif old_a:
            self._pod_gone(old)
        elif new_a:
            self.cache.add_pod(new)
            q.assigned_pod_added(new)
        old_u = old_in and not old.spec.node_name and self.responsible_for(old)
        new_u = new_in and not new.spec.node_name and self.responsible_for(new)
        if old_u and new_u:
            if not self.cache.is_assumed(new.metadata.uid):
                q.update(old, new)
        elif old_u:
            q.delete(old)
        elif new_u:
            q.add(new)

    # -- the loop ------------------------------------------------------------------------------
    def _wake(self) -> None:
        if not self._busy and not self._wakeup_pending:
            self._wakeup_pending = True
            self.engine.call_later(0.0, self._run_one)

    def _run_one(self) -> None:
        self._wakeup_pending = False
        qpi = self.queue.pop()
        if qpi is None:
            self._busy = False
            return
        self._busy = True
        out = self.schedule_one(qpi)
        if self.cycle_seconds > 0:
            self.engine.call_later(self.cycle_seconds, self._finish_and_next, out)
        else:
            self._finish(out)
            self.engine.call_later(0.0, self._run_one)

    def _finish_and_next(self, out) -> None:
        self._finish(out)
        self._run_one()

    def _finish(self, out: Optional[_Outcome]) -> None:
        if out is None:
            return
        if out.status is None:
            self._binding_cycle(out)
        else:
            self._handle_failure(out)

    # -- scheduling cycle ----------------------------------------------------------------------
    def schedule_one(self, qpi) -> Optional[_Outcome]:
        """``scheduleOne`` up to the end of the scheduling cycle (assume, Reserve, Permit)."""
        pod = qpi.pod
        fwk = self.frameworks.get(pod.spec.scheduler_name)
        if fwk is None or pod.metadata.deletion_timestamp is not None or self.cache.is_assumed(pod.metadata.uid):
            self.queue.done(qpi.key)  # skipPodSchedule
            return None
        self.attempts += 1
        state = CycleState()
        out = _Outcome(qpi, fwk, state, self.queue.scheduling_cycle)
        try:
            host, fit_error, err = self._schedule_pod(fwk, state, qpi)
        except FrameworkError as e:  # a plugin raised: the attempt is an error, retried with backoff
            host, fit_error, err = "", None, Status.error(e)
        if err is not None or fit_error is not None:
            if fit_error is not None:
                out.fit_error = fit_error
                out.nominating = self._run_post_filter(fwk, state, pod, fit_error, qpi)
                out.status = Status(Code.UNSCHEDULABLE, [str(fit_error)])
            else:
                out.status = err
                out.nominating = ""
            return out
        assumed_pod = pod.copy()
        assumed_pod.spec = _shallow(pod.spec)
        assumed_pod.spec.node_name = host
        api = _shallow(qpi.pod_info)
        api.pod = assumed_pod
        self.cache.assume_pod(api, host)
        out.host, out.assumed = host, api
        s = fwk.run_reserve_plugins_reserve(state, assumed_pod, host)
        if s.is_success():
            s, _timeout = fwk.run_permit_plugins(state, assumed_pod, host)
            if s.is_wait():  # no permit plugin waits in the modelled profiles; waiting is not modelled
                s = Status(Code.UNSCHEDULABLE, ["waiting on permit is not supported by k8ssim"], s.plugin)
        if not s.is_success():
            fwk.run_reserve_plugins_unreserve(state, assumed_pod, host)
            self.cache.forget_pod(api.key)
            if s.is_rejected():
                fe = FitError(1, NodeToStatus({host: s}), {s.plugin} if s.plugin else set())
                out.fit_error = fe
                out.status = Status(s.code, [str(fe)])
            else:
                out.status = s
            out.nominating = ""
            out.assumed = None
        return out

    def _schedule_pod(self, fwk, state: CycleState, qpi) -> tuple:
        """``schedulePod`` → (host, FitError | None, error Status | None)."""
        pod = qpi.pod
        fast = self.fast_path and fwk.recorder is None and not self.queue.nominator.node_of
        snap = self.cache.update_snapshot(lists=not fast)
        all_nodes = snap.node_info_list
        n = len(all_nodes)
        if n == 0:
            return "", None, Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, [ERR_NO_NODES_AVAILABLE])
        rec = self.recorder
        if fast and (rec is None or not rec.wants(qpi.key)):
            fp = self._fast.get(fwk.profile_name)
            if fp is None:
                from k8ssim.scheduler.fastpath import FastPath
                fp = self._fast[fwk.profile_name] = FastPath(fwk, self.cache)
                fp.selector_version = lambda: self._sel_version if self._sel_watching else None
            if fp.enabled:
                pi = qpi.pod_info if qpi.pod_info.pod is pod else PodInfo(pod)
                r = fp.schedule(pod, pi, self.next_start_node_index, self.rng)
                if r is not None:
                    host, processed = r
                    self.next_start_node_index = (self.next_start_node_index + processed) % n
                    return host, None, None
        if fast:
            snap = self.cache.update_snapshot()  # the reference plugins read the affinity lists
        diag = FitError(n)
        feasible, err = self._find_nodes_that_fit_pod(fwk, state, pod, all_nodes, diag)
        rec = self.recorder
        if rec is not None and rec.wants(qpi.key):
            t = self.engine.now
            for name, st in diag.node_to_status.items():
                rec.filter(t, qpi.key, qpi.attempts, name, st)
            for ni in feasible:
                rec.filter(t, qpi.key, qpi.attempts, ni.name, None)
        if err is not None:
            return "", None, err
        if not feasible:
            return "", diag, None
        if len(feasible) == 1:
            return feasible[0].name, None, None
        if not fwk.has_score_plugins():
            scores = [NodePluginScores(ni.name, [], 1) for ni in feasible]
        else:
            s = fwk.run_pre_score_plugins(state, pod, feasible)
            if not s.is_success():
                return "", None, s
            scores, s = fwk.run_score_plugins(state, pod, feasible)
            if not s.is_success():
                return "", None, s
            if rec is not None and rec.wants(qpi.key):
                rec.scores(self.engine.now, qpi.key, qpi.attempts, scores)
        host, _top = select_host(scores, self.rng)
        return host, None, None

    def _find_nodes_that_fit_pod(self, fwk, state: CycleState, pod, all_nodes: list, diag: FitError) -> tuple:
        """``findNodesThatFitPod`` → (feasible NodeInfos, error Status | None); ``diag`` is filled."""
        res, s, plugins = fwk.run_pre_filter_plugins(state, pod, all_nodes)
        diag.unschedulable_plugins = set(plugins)
        if not s.is_success():
            if not s.is_rejected():
                return [], s
            diag.node_to_status.absent = s
            diag.pre_filter_msg = s.message()
            _add_plugin_status(diag, s)
            return [], None
        nominated_for = self._nominated_for(pod)
        nnn = pod.status.nominated_node_name
        if nnn:
            ni = self.cache.snapshot.get(nnn)
            if ni is not None:
                feas, sts, _ = find_nodes_that_fit(fwk, state, pod, [ni], 0, 1, nominated_for)
                for name, st in sts.items():
                    diag.node_to_status[name] = st
                if feas:
                    return feas, None
        nodes = all_nodes
        if res is not None and not res.all_nodes():
            nodes = [ni for ni in all_nodes if ni.name in res.node_names]
            names = " ".join(sorted(plugins))
            diag.node_to_status.absent = Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE,
                                                [f"node(s) didn't satisfy plugin(s) [{names}]"])
        if not nodes:
            return [], None
        feasible, statuses, _processed = find_nodes_that_fit(
            fwk, state, pod, nodes, self.next_start_node_index, None, nominated_for)
        for name, st in statuses.items():
            diag.node_to_status[name] = st
            if st.code == Code.ERROR:
                return [], st
            _add_plugin_status(diag, st)
        processed = len(feasible) + len(diag.node_to_status)
        self.next_start_node_index = (self.next_start_node_index + processed) % len(all_nodes)
        return feasible, None

    def _nominated_for(self, pod):
        nominator = self.queue.nominator
        if not nominator.node_of:
            return None
        prio = pod_priority(pod)

        def nominated(node_name: str) -> list:
            lst = nominator.by_node.get(node_name)
            if not lst:
                return []
            return [pi for _, pi in lst if pod_priority(pi.pod) >= prio]
        return nominated

    def _run_post_filter(self, fwk, state, pod, fit_error: FitError, qpi):
        """PostFilter (preemption). Returns the nominating info (None: keep, str: override)."""
        if not fwk.has_post_filter_plugins():
            return None
        result, s = fwk.run_post_filter_plugins(state, pod, fit_error.node_to_status)
        fit_error.post_filter_msg = s.message()
        if result is None:
            return None
        if result.nominated_node_name:
            self.preemptions += 1
            rec = self.recorder
            if rec is not None and rec.wants(qpi.key):
                for p in fwk.post_filter_plugins:
                    cand = getattr(getattr(p, "_evaluator", None), "last_candidate", None)
                    if cand is not None and cand.name == result.nominated_node_name:
                        rec.victims(self.engine.now, qpi.key, qpi.attempts, cand.name, cand.victims)
        return result.nominated_node_name

    # -- binding cycle -------------------------------------------------------------------------
    def _binding_cycle(self, out: _Outcome) -> None:
        fwk, state, api, host = out.fwk, out.state, out.assumed, out.host
        pod = api.pod
        s = fwk.run_pre_bind_plugins(state, pod, host)
        if s.is_success():
            s = fwk.run_bind_plugins(state, pod, host)
        if not s.is_success():
            # handleBindingCycleError: unreserve, forget, let pods waiting on this space retry
            fwk.run_reserve_plugins_unreserve(state, pod, host)
            self.cache.forget_pod(api.key)
            self.queue.move_all_to_active_or_backoff(
                ClusterEvent("AssignedPod", ActionType.Delete, "AssignedPodDelete"), pod, None)
            out.status = s if not s.is_rejected() else Status(Code.ERROR, s.reasons, s.plugin)
            out.nominating = ""
            out.qpi.unschedulable_plugins.clear()
            out.qpi.pending_plugins.clear()
            self._handle_failure(out)
            return
        self.cache.finish_binding(api.key)
        self.queue.done(out.qpi.key)
        self.queue.nominator.delete(out.qpi.key)
        self.scheduled += 1
        now = self.engine.now
        key = out.qpi.key
        self.engine.log.record(now, fwk.profile_name, "Scheduled", key,
                               f"Successfully assigned {pod.metadata.namespace}/{pod.metadata.name} to {host}")
        fwk.run_post_bind_plugins(state, pod, host)
        rec = self.recorder
        if rec is not None and rec.wants(key):
            rec.result(now, key, out.qpi.attempts, host, "Scheduled")

    def _bind(self, pod, node_name: str) -> Optional[Status]:
        """The ``pods/binding`` subresource: set ``spec.nodeName`` and ``PodScheduled=True``."""
        st = self.store
        ns, name = pod.metadata.namespace, pod.metadata.name
        cur = st.try_get("pods", ns, name)
        if cur is None or (pod.metadata.uid and cur.metadata.uid != pod.metadata.uid):
            return Status.error(f'pods "{name}" not found')
        if cur.spec.node_name:
            return Status.error(f'Operation cannot be fulfilled on pods/binding "{name}": pod {name} is already '
                                f'assigned to node "{cur.spec.node_name}"')
        if cur.metadata.deletion_timestamp is not None:
            return Status.error(f'Operation cannot be fulfilled on pods/binding "{name}": pod {name} is being '
                                "deleted, cannot be assigned to a host")
        new = cur.copy()
        new.spec = _shallow(cur.spec)
        new.spec.node_name = node_name
        new.status.set_condition("PodScheduled", "True", self.engine.now)
        try:
            st.update(new)
        except StoreError as e:
            return Status.error(e)
        return None

    # -- failure -------------------------------------------------------------------------------
    def _handle_failure(self, out: _Outcome) -> None:
        """``handleSchedulingFailure``: requeue, nominate, FailedScheduling event, status patch."""
        qpi, fwk, status = out.qpi, out.fwk, out.status
        self.failed_attempts += 1
        rejected = status.is_rejected()
        reason = "Unschedulable" if rejected else "SchedulerError"
        if out.fit_error is not None:
            qpi.unschedulable_plugins = set(out.fit_error.unschedulable_plugins)
            qpi.pending_plugins = set(out.fit_error.pending_plugins)
        pod = qpi.pod
        cached = self._get_pod(pod)
        if cached is None or cached.spec.node_name:
            self.queue.done(qpi.key)
        else:
            if cached is not pod:
                qpi.pod = cached
                if cached.spec is not pod.spec or cached.metadata.labels != pod.metadata.labels:
                    qpi.pod_info = PodInfo(cached)
            self.queue.add_unschedulable_if_not_present(qpi, out.cycle, error=not rejected)
        nom = self.queue.nominator
        if cached is not None and not cached.spec.node_name:
            if out.nominating is None:
                nom.add(qpi.key, pod, qpi.pod_info)
            elif out.nominating == "":
                nom.delete(qpi.key)
            else:
                nom.add(qpi.key, pod, qpi.pod_info, out.nominating)
        msg = status.message()
        now = self.engine.now
        self.engine.log.record(now, fwk.profile_name, "FailedScheduling", qpi.key, truncate_message(msg))
        rec = self.recorder
        if rec is not None and rec.wants(qpi.key):
            outcome = "Nominated" if out.nominating else ("Unschedulable" if rejected else "Error")
            rec.result(now, qpi.key, qpi.attempts, out.nominating or "", outcome, msg)
        if cached is not None:
            self._update_pod_status(cached, reason, msg, out.nominating)

    def _update_pod_status(self, pod, reason: str, msg: str, nominating) -> None:
        """``updatePod``: PodScheduled=False with reason/message, nominatedNodeName when overridden;
        nothing is written when nothing changes."""
        c = pod.status.condition("PodScheduled")
        cond_change = c is None or c.status != "False" or c.reason != reason or c.message != msg
        nnn_change = nominating is not None and pod.status.nominated_node_name != nominating
        if not cond_change and not nnn_change:
            return
        new = pod.copy()
        if cond_change:
            new.status.set_condition("PodScheduled", "False", self.engine.now, reason, msg)
        if nnn_change:
            new.status.nominated_node_name = nominating
        try:
            self.store.update_status(new)
        except StoreError:
            pass  # the pod changed or went away; the next attempt writes again

    # -- preemption commit (prepareCandidate) ----------------------------------------------------
    def _preempt_commit(self, preemptor, cand) -> Optional[Status]:
        st, now = self.store, self.engine.now
        msg = f"{preemptor.spec.scheduler_name}: preempting to accommodate a higher priority pod"
        for victim in cand.victims:
            ns, name = victim.metadata.namespace, victim.metadata.name
            cur = st.try_get("pods", ns, name)
            if cur is None or cur.metadata.uid != victim.metadata.uid:
                continue
            try:
                c = cur.status.condition(DISRUPTION_TARGET)
                if c is None or c.status != "True" or c.reason != REASON_PREEMPTION_BY_SCHEDULER or c.message != msg:
                    new = cur.copy()
                    new.status.set_condition(DISRUPTION_TARGET, "True", now, REASON_PREEMPTION_BY_SCHEDULER, msg)
                    st.update_status(new)
                st.delete("pods", ns, name)
            except StoreError as e:
                return Status.error(e)
            self.engine.log.record(now, preemptor.spec.scheduler_name, "Preempted", cur.key(),
                                   f"Preempted by pod {preemptor.metadata.uid} on node {cand.name}")
        prio = pod_priority(preemptor)
        nom = self.queue.nominator
        for key, pi in list(nom.by_node.get(cand.name, ())):
            if pod_priority(pi.pod) >= prio:
                continue
            cur = st.try_get("pods", pi.pod.metadata.namespace, pi.pod.metadata.name)
            if cur is None or not cur.status.nominated_node_name:
                nom.delete(key)
                continue
            new = cur.copy()
            new.status.nominated_node_name = ""
            try:
                st.update_status(new)
            except StoreError:
                pass
        return None

    # -- introspection -------------------------------------------------------------------------
    def explain_records(self) -> list:
        """Rows of :data:`k8ssim.scheduler.explain.COLUMNS` ([] when explain is off)."""
        return self.recorder.records() if self.recorder is not None else []


def _add_plugin_status(diag: FitError, st: Status) -> None:
    """``Diagnosis.AddPluginStatus``."""
    if not st.plugin:
        return
    if st.code == Code.PENDING:
        diag.pending_plugins.add(st.plugin)
    else:
        diag.unschedulable_plugins.add(st.plugin)


def _assigned_pod_update_event(old, new) -> Optional[ClusterEvent]:
    """The AssignedPod update event (label change, or a scale down of requests)."""
    action = 0
    if new.metadata.labels != old.metadata.labels:
        action |= ActionType.UpdatePodLabel
    if new.spec is not old.spec:
        from k8ssim.api.resources import pod_requests
        o, n = pod_requests(old.spec), pod_requests(new.spec)
        if any(n.get(k, 0) < v for k, v in o.items()):
            action |= ActionType.UpdatePodScaleDown
    if not action:
        return None
    return ClusterEvent("AssignedPod", action, "AssignedPodUpdate")
