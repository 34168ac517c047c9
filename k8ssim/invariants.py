"""Invariant checker: Kubernetes guarantees the simulated cluster must never break
(``shared/research/validation.md`` §3 K1–K6 and §7c I1–I10).

:class:`InvariantChecker` watches pods, nodes, ReplicaSets, Deployments, StatefulSets, DaemonSets and
PodDisruptionBudgets. Watch events are simulation events delivered in revision order, so the checker
replays every store write, one revision at a time, and checks:

* **I1 capacity** (K1, K1a): for every node and resource, Σ effective requests
  (:func:`k8ssim.api.resources.pod_requests`: overhead + max(Σ app+sidecar, max init)) of the
  non-terminal pods bound to it ≤ allocatable, and the pod count ≤ allocatable ``pods``. Checked when a
  pod joins a node (or its requests grow), for the resources that pod requests (> 0), as
  ``fitsRequest`` does: a node whose allocatable later shrinks is not a scheduler fault. Terminating pods
  count (the scheduler keeps them until they are gone); Succeeded/Failed pods do not (the scheduler's
  informer excludes them). A pod created with ``spec.nodeName`` counts too (upstream the kubelet would
  reject it with ``OutOf<resource>``).
* **I2 bound once** (K2): ``spec.nodeName`` never changes once set, and a UID is never ADDED twice.
* **I4 StatefulSet identity** (K4): at most one pod per (namespace, StatefulSet, ordinal) in the store.
* **I5 Deployment rollout bounds** (K5), both checked against the Deployment as stored at that revision:

  - *surge*: when a ReplicaSet of a Deployment grows, Σ ``spec.replicas`` over the Deployment's
    ReplicaSets ≤ ``replicas + maxSurge`` (``MaxSurge`` rounds up; 0 for Recreate). This is
    ``NewRSNewReplicas``' ``maxTotalPods`` and ``scale``'s ``allowedSize`` (sync.go). A write of a
    proportional scale (the ReplicaSet's desired-replicas annotation differs from ``replicas``) made
    while the total is still above the bound is exempt: upstream scales one ReplicaSet at a time with
    no transaction (sync.go "TODO: Use transactions").
    At the end of each instant (quiescence), the *pods* count too: Σ active pods (not terminating, not
    terminal) of the Deployment's ReplicaSets ≤ ``replicas + maxSurge``, so a ReplicaSet controller
    that creates a pod too many is caught.
  - *availability* (decisions, not state): rolling.go's ``reconcileOldReplicaSets`` only removes
    unhealthy replicas (``cleanupUnhealthyReplicas``: an RS keeps ≥ ``status.availableReplicas``) and
    then scales down at most ``availablePodCount − minAvailable`` available replicas
    (``scaleDownOldReplicaSetsForRollingUpdate``, ``minAvailable = replicas − MaxUnavailable``, rounded
    down), where ``availablePodCount`` is Σ ``status.availableReplicas`` of the active RSs. So each
    scale-down of a RollingUpdate Deployment's RS from ``s`` to ``s'`` *cuts* ``max(0, min(s,
    available) − s')`` available replicas, and the cuts made while the ReplicaSets' available counts
    stay the same (one "observation") must total ≤ ``max(0, A − minAvailable)``, A being Σ available
    over the active RSs when the observation began. An observation ends when any available count, the
    set of ReplicaSets or the Deployment's spec changes. Proportional scaling (a replicas change) and
    Recreate are not bound by availability. We do *not* assert ``available ≥ minAvailable`` at every
    instant: crashes, node failures and evictions legitimately take it lower (validation.md §3 "K5
    versus faults").
* **I6 DaemonSet**: at most one non-terminating, non-terminal pod per DaemonSet per node (the node is
  ``spec.nodeName`` or the ``matchFields metadata.name`` of the daemon pod's node affinity); two while
  the DaemonSet's RollingUpdate allows a surge.
* **I3 evictions honour PDBs** (K3): an eviction is recognised by the pod gaining the
  ``DisruptionTarget`` condition with reason ``EvictionByEvictionAPI`` (written by
  :mod:`k8ssim.eviction` just before the delete; the audit record is source ``apiserver``, kind
  ``Eviction``). Unless the pod could ignore PDBs (``canIgnorePDB``: Pending, terminal or deleting) or
  is unready under the unhealthy-pod policy, its one PDB must have been decremented for it at that
  instant (``checkAndDecrement``: the pod added to ``disruptedPods``) from ``disruptionsAllowed ≥ 1``
  with an observed generation; a pod under two PDBs is never evicted (500).
* **I10 conservation**: every ADDED key is new, MODIFIED/DELETED keys exist with the same UID; at the end
  of each instant the number of objects of each watched resource in the store equals the count rebuilt
  from the watch stream; periodically the per-node requests are recomputed from the store and compared.
* **I9 time** never goes backwards between deliveries.

A violation raises :class:`InvariantViolation` from inside the watch handler, which stops the run.
End-of-instant checks run as a SimPy event with a priority below ``NORMAL``, i.e. after every other
event of that instant; they assume the store's ``watch_latency`` is 0 (otherwise they are skipped).
The checker writes nothing and draws no random numbers, so the event log and fingerprint are the same
with and without it.
"""
from __future__ import annotations

import re
from typing import Optional

import simpy

from k8ssim.api.meta import get_scaled_value_from_int_or_percent
from k8ssim.api.resources import pod_requests
from k8ssim.controllers import deployment_util as du
from k8ssim.controllers.disruption_util import can_ignore_pdb, pdbs_for_pod

__all__ = ["InvariantChecker", "InvariantViolation", "WATCHED"]

WATCHED = ("nodes", "pods", "replicasets", "deployments", "statefulsets", "daemonsets", "poddisruptionbudgets")
"""Resources the checker watches."""

_TERMINAL = ("Succeeded", "Failed")
_LOW_PRIORITY = 2  # after simpy NORMAL (1): end-of-instant checks run when the instant has settled
_EVICTION_REASON = "EvictionByEvictionAPI"  # k8ssim.eviction.EVICTION_REASON (not imported: no cycle risk)
_ORDINAL_RE = re.compile(r"^(.*)-([0-9]+)$")
_POD_INDEX_LABEL = "apps.kubernetes.io/pod-index"


class InvariantViolation(Exception):
    """An invariant broke. ``seed``: the run's seed; ``event_index``: row (0-based) of the events table
    (the engine's event log) holding the store write that broke it, or the last row recorded when the
    write is not in the log (``keep_events=False``); ``time``: simulated seconds; ``invariant``: id
    (I1 … I10, see the module doc); ``revision``: the store revision of that write; ``fingerprint``:
    the event-log fingerprint at detection."""

    def __init__(self, seed: int, event_index: int, time: float, message: str, *, invariant: str = "",
                 revision: Optional[int] = None, fingerprint: str = ""):
        self.seed = seed
        self.event_index = event_index
        self.time = time
        self.message = message
        self.invariant = invariant
        self.revision = revision
        self.fingerprint = fingerprint
        super().__init__(str(self))

    def __str__(self) -> str:
        inv = f"invariant {self.invariant} " if self.invariant else "invariant "
        rev = f", revision {self.revision}" if self.revision is not None else ""
        fp = f", fingerprint {self.fingerprint[:16]}" if self.fingerprint else ""
        return (f"{inv}violated at t={self.time:g}s (seed {self.seed}, event #{self.event_index}{rev}{fp}): "
                f"{self.message}")

    def __reduce__(self):  # picklable across sweep worker processes
        return (_rebuild, (self.seed, self.event_index, self.time, self.message, self.invariant, self.revision,
                           self.fingerprint))


def _rebuild(seed, event_index, time, message, invariant, revision, fingerprint) -> InvariantViolation:
    return InvariantViolation(seed, event_index, time, message, invariant=invariant, revision=revision,
                              fingerprint=fingerprint)


# ------------------------------------------------------------------------------------ helpers


def _daemon_target_node(pod) -> str:
    """The node a daemon pod is for: nodeName, else the single ``matchFields metadata.name In [n]``."""
    if pod.spec.node_name:
        return pod.spec.node_name
    aff = pod.spec.affinity
    na = aff.node_affinity if aff is not None else None
    if na is None or not na.required:
        return ""
    for term in na.required:
        for req in term.match_fields:
            if req.key == "metadata.name" and req.operator == "In" and len(req.values) == 1:
                return req.values[0]
    return ""


def _ordinal(pod, sts_name: str) -> int:
    idx = pod.metadata.labels.get(_POD_INDEX_LABEL)
    if idx is not None and idx.isdigit():
        return int(idx)
    m = _ORDINAL_RE.match(pod.metadata.name)
    return int(m.group(2)) if m is not None and m.group(1) == sts_name else -1


def _ds_allows_surge(ds) -> bool:
    us = ds.spec.update_strategy
    if us.type != "RollingUpdate" or us.max_surge is None:
        return False
    try:
        return get_scaled_value_from_int_or_percent(us.max_surge, 1, True) != 0
    except ValueError:
        return False


def _is_eviction(pod, old) -> bool:
    c = pod.status.condition("DisruptionTarget")
    if c is None or c.status != "True" or c.reason != _EVICTION_REASON:
        return False
    oc = old.status.condition("DisruptionTarget") if old is not None else None
    return oc is None or oc.status != "True" or oc.reason != _EVICTION_REASON


class _RS:
    __slots__ = ("uid", "owner", "spec", "available", "desired", "active_pods")

    def __init__(self, uid: str):
        self.uid = uid
        self.owner = ""  # controlling Deployment's uid
        self.spec = 0
        self.available = 0
        self.desired: Optional[str] = None
        self.active_pods = 0


class _Dep:
    __slots__ = ("obj", "rss", "epoch_budget", "epoch_cut", "dirty")

    def __init__(self, obj):
        self.obj = obj
        self.rss: set = set()
        self.epoch_budget: Optional[int] = None  # None: no observation open
        self.epoch_cut = 0
        self.dirty = False


# ------------------------------------------------------------------------------------ checker


class InvariantChecker:
    """Checks the invariants of the module doc after every store write.

    Create it with the engine and store of a simulation and call :meth:`start` before the components
    start (or later: it then lists what exists), and :meth:`finish` after the run.

    :param ignored_resources: resource names NodeResourcesFit is configured to ignore (not checked by I1).
    :param full_check_every: recompute per-node requests from the store every this many instants.
    """

    def __init__(self, engine, store, *, ignored_resources=(), full_check_every: int = 200):
        self.engine = engine
        self.store = store
        self.seed = engine.seed
        self.ignored = frozenset(ignored_resources)
        self.full_check_every = max(1, int(full_check_every))
        self.checks = 0
        """Number of watch events checked."""
        self.instants = 0
        """Number of end-of-instant checks run."""
        self._live: dict = {r: {} for r in WATCHED}  # resource -> key -> uid
        self._seen_uids: set = set()
        self._last_time = 0.0
        self._eoi_at: Optional[float] = None
        self._watches: list = []
        # I1
        self._nodes: dict = {}  # name -> allocatable dict
        self._pod_acc: dict = {}  # pod key -> (node, reqs, spec)
        self._used: dict = {}  # node -> {resource: amount}
        self._count: dict = {}  # node -> pods
        # I4 / I6
        self._sts_ids: dict = {}  # (ns, sts, ordinal) -> pod uid
        self._ds_pods: dict = {}  # (ds uid, node) -> set of pod keys (non-terminating, non-terminal)
        self._ds_pod_slot: dict = {}  # pod key -> (ds uid, node)
        self._ds_surge: dict = {}  # ds uid -> bool
        # I5
        self._rs: dict = {}  # rs uid -> _RS
        self._deps: dict = {}  # deployment uid -> _Dep
        self._pod_rs: dict = {}  # pod key -> rs uid while active
        # I3
        self._pdbs: dict = {}  # (ns, name) -> pdb
        self._decrements: dict = {}  # (ns, pdb, pod) -> time of the checkAndDecrement write

    # ------------------------------------------------------------------------------- lifecycle
    def start(self) -> "InvariantChecker":
        """Watch the resources (with initial events for objects that already exist)."""
        initial = self.store.revision > 0
        handlers = {"nodes": self._on_node, "pods": self._on_pod, "replicasets": self._on_rs,
                    "deployments": self._on_deployment, "statefulsets": self._on_other,
                    "daemonsets": self._on_daemonset, "poddisruptionbudgets": self._on_pdb}
        for res in ("nodes", "deployments", "daemonsets", "poddisruptionbudgets", "statefulsets", "replicasets",
                    "pods"):
            self._watches.append(self.store.watch(res, self._wrap(res, handlers[res]),
                                                  send_initial_events=initial))
        return self

    def stop(self) -> None:
        for w in self._watches:
            w.stop()
        self._watches = []

    def finish(self) -> None:
        """Final checks after a run: the live objects rebuilt from the watch streams are exactly the
        store's, and the per-node requests match a recomputation from the store."""
        if self.store.watch_latency == 0:
            for res in WATCHED:
                have = {o.metadata.uid for o in self.store.list(res)} if self.store.count(res) else set()
                mine = set(self._live[res].values())
                if have != mine:
                    extra, missing = sorted(mine - have)[:3], sorted(have - mine)[:3]
                    self._fail("I10", f"{res}: the watch stream and the store disagree at the end "
                                      f"(seen but not stored: {extra}; stored but not seen: {missing})")
            self._full_recount()

    # ------------------------------------------------------------------------------- reporting
    def _event_index(self, revision: Optional[int]) -> int:
        log = self.engine.log
        if revision is not None and log.keep:
            want = str(revision)
            rows = log.rows()
            for i in range(len(rows) - 1, -1, -1):
                r = rows[i]
                if r[1] == "apiserver" and r[4] == want:
                    return i
        return log.count - 1

    def _fail(self, invariant: str, message: str, obj=None) -> None:
        rev = obj.metadata.resource_version if obj is not None else None
        raise InvariantViolation(self.seed, self._event_index(rev), self.engine.now, message, invariant=invariant,
                                 revision=rev, fingerprint=self.engine.fingerprint())

    # ------------------------------------------------------------------------------- dispatch
    def _wrap(self, resource: str, fn):
        live = self._live[resource]

        def handler(etype: str, obj, old) -> None:
            self.checks += 1
            now = self.engine.now
            if now < self._last_time:
                self._fail("I9", f"time went backwards: {now} after {self._last_time}", obj)
            self._last_time = now
            key = obj.key()
            uid = obj.metadata.uid
            if etype == "ADDED":
                if key in live:
                    self._fail("I10", f"{resource} {key}: ADDED while already present", obj)
                if resource == "pods":
                    if uid in self._seen_uids:
                        self._fail("I2", f"pod {key}: UID {uid} ADDED a second time (re-placement must create "
                                         "a new UID)", obj)
                    self._seen_uids.add(uid)
                live[key] = uid
            else:
                if live.get(key) != uid:
                    self._fail("I10", f"{resource} {key}: {etype} of uid {uid} that was never ADDED", obj)
                if etype == "DELETED":
                    del live[key]
            fn(etype, obj, old)
            if self._eoi_at != now:
                self._schedule_end_of_instant(now)

        return handler

    def _schedule_end_of_instant(self, now: float) -> None:
        if self.store.watch_latency != 0:
            return
        self._eoi_at = now
        ev = simpy.Event(self.engine.env)
        ev._ok = True
        ev._value = None
        ev.callbacks.append(self._end_of_instant)
        self.engine.env.schedule(ev, _LOW_PRIORITY)

    # ------------------------------------------------------------------------------- nodes (I1)
    def _on_node(self, etype: str, node, old) -> None:
        name = node.metadata.name
        if etype == "DELETED":
            self._nodes.pop(name, None)
        else:
            self._nodes[name] = node.status.allocatable

    def _check_node(self, node: str, reqs: dict, pod) -> None:
        alloc = self._nodes.get(node)
        if alloc is None:
            return  # bound to a node that does not exist (any more): nothing to exceed
        used = self._used.get(node, {})
        if "pods" in alloc and self._count.get(node, 0) > alloc["pods"]:
            self._fail("I1", f"node {node}: {self._count[node]} pods > allocatable pods {alloc['pods']} "
                             f"after pod {pod.key()} was bound", pod)
        for r, q in reqs.items():
            if q > 0 and r not in self.ignored and r != "pods" and used.get(r, 0) > alloc.get(r, 0):
                self._fail("I1", f"node {node}: {r} requested {used[r]} > allocatable {alloc.get(r, 0)} after pod "
                                 f"{pod.key()} (requests {r}={q}) was bound", pod)

    def _account(self, key: str, node: str, reqs: Optional[dict], sign: int) -> None:
        used = self._used.setdefault(node, {})
        if reqs:
            for r, q in reqs.items():
                used[r] = used.get(r, 0) + sign * q
        self._count[node] = self._count.get(node, 0) + sign

    def _capacity(self, etype: str, pod, old) -> None:
        key = pod.key()
        prev = self._pod_acc.get(key)
        node = pod.spec.node_name
        counted = etype != "DELETED" and bool(node) and pod.status.phase not in _TERMINAL
        if not counted:
            if prev is not None:
                self._account(key, prev[0], prev[1], -1)
                del self._pod_acc[key]
            return
        if prev is not None and prev[2] is pod.spec:
            return  # same node (I2 guarantees it) and same requests
        reqs = pod_requests(pod.spec)
        if prev is not None:
            self._account(key, prev[0], prev[1], -1)
        self._account(key, node, reqs, 1)
        self._pod_acc[key] = (node, reqs, pod.spec)
        if prev is None:
            self._check_node(node, reqs, pod)
        else:
            grown = {r: q for r, q in reqs.items() if q > prev[1].get(r, 0)}
            if grown:
                self._check_node(node, grown, pod)

    def _full_recount(self) -> None:
        used: dict = {}
        count: dict = {}
        for p in self.store.list("pods") if self.store.count("pods") else ():
            n = p.spec.node_name
            if n and p.status.phase not in _TERMINAL:
                u = used.setdefault(n, {})
                for r, q in pod_requests(p.spec).items():
                    u[r] = u.get(r, 0) + q
                count[n] = count.get(n, 0) + 1
        for n in sorted(set(used) | set(self._used)):
            mine = {r: q for r, q in self._used.get(n, {}).items() if q}
            if mine != {r: q for r, q in used.get(n, {}).items() if q} or self._count.get(n, 0) != count.get(n, 0):
                self._fail("I10", f"node {n}: requests rebuilt from the watch stream {mine} ({self._count.get(n, 0)} "
                                  f"pods) differ from the store's {used.get(n, {})} ({count.get(n, 0)} pods)")

    # ------------------------------------------------------------------------------- pods
    def _on_pod(self, etype: str, pod, old) -> None:
        if old is not None and old.spec.node_name and pod.spec.node_name != old.spec.node_name:
            self._fail("I2", f"pod {pod.key()} (uid {pod.metadata.uid}) moved from node {old.spec.node_name} to "
                             f"{pod.spec.node_name or '<none>'}: a pod is bound once", pod)
        self._capacity(etype, pod, old)
        ref = pod.metadata.controller_ref()
        if ref is not None:
            if ref.kind == "ReplicaSet":
                self._rs_pod(etype, pod, ref.uid)
            elif ref.kind == "StatefulSet":
                self._sts_pod(etype, pod, ref.name)
            elif ref.kind == "DaemonSet":
                self._ds_pod(etype, pod, ref.uid)
        if etype == "MODIFIED" and _is_eviction(pod, old):
            self._check_eviction(pod, old)

    def _sts_pod(self, etype: str, pod, sts: str) -> None:
        ordinal = _ordinal(pod, sts)
        if ordinal < 0:
            return
        ident = (pod.metadata.namespace, sts, ordinal)
        uid = pod.metadata.uid
        if etype == "ADDED":
            other = self._sts_ids.get(ident)
            if other is not None and other != uid:
                self._fail("I4", f"StatefulSet {pod.metadata.namespace}/{sts}: second pod {pod.metadata.name} (uid {uid}) "
                                 f"for ordinal {ordinal} while pod uid {other} still exists", pod)
            self._sts_ids[ident] = uid
        elif etype == "DELETED" and self._sts_ids.get(ident) == uid:
            del self._sts_ids[ident]

    def _ds_pod(self, etype: str, pod, ds_uid: str) -> None:
        key = pod.key()
        live = (etype != "DELETED" and pod.metadata.deletion_timestamp is None
                and pod.status.phase not in _TERMINAL)
        slot = self._ds_pod_slot.get(key)
        if slot is not None and not live:
            self._ds_pods[slot].discard(key)
            del self._ds_pod_slot[key]
            return
        if slot is not None or not live:
            return
        node = _daemon_target_node(pod)
        if not node:
            return
        slot = (ds_uid, node)
        pods = self._ds_pods.setdefault(slot, set())
        pods.add(key)
        self._ds_pod_slot[key] = slot
        limit = 2 if self._ds_surge.get(ds_uid, False) else 1
        if len(pods) > limit:
            self._fail("I6", f"node {node}: {len(pods)} live pods of DaemonSet {pod.metadata.namespace}/"
                             f"{pod.metadata.controller_ref().name} ({', '.join(sorted(pods))}); at most {limit}", pod)

    def _on_daemonset(self, etype: str, ds, old) -> None:
        if etype == "DELETED":
            self._ds_surge.pop(ds.metadata.uid, None)
        else:
            self._ds_surge[ds.metadata.uid] = _ds_allows_surge(ds)

    def _on_other(self, etype: str, obj, old) -> None:
        return None

    # ------------------------------------------------------------------------------- evictions (I3)
    def _on_pdb(self, etype: str, pdb, old) -> None:
        k = (pdb.metadata.namespace, pdb.metadata.name)
        if etype == "DELETED":
            self._pdbs.pop(k, None)
            return
        self._pdbs[k] = pdb
        if old is None:
            return
        added = [n for n in pdb.status.disrupted_pods if n not in old.status.disrupted_pods]
        for name in added:  # checkAndDecrement's write for an eviction of pod `name`
            st = old.status
            if st.disruptions_allowed < 1 or st.observed_generation < old.metadata.generation:
                self._fail("I3", f"PDB {pdb.key()}: budget taken for pod {name} while disruptionsAllowed was "
                                 f"{st.disruptions_allowed} (observedGeneration {st.observed_generation}, generation "
                                 f"{old.metadata.generation})", pdb)
            self._decrements[(k[0], k[1], name)] = self.engine.now

    def _check_eviction(self, pod, old) -> None:
        if can_ignore_pdb(old):
            return
        ns = pod.metadata.namespace
        pdbs = pdbs_for_pod([p for (pns, _), p in self._pdbs.items() if pns == ns], old)
        if not pdbs:
            return
        if len(pdbs) > 1:
            names = ", ".join(sorted(p.metadata.name for p in pdbs))
            self._fail("I3", f"pod {pod.key()} evicted although {len(pdbs)} PDBs select it ({names}): the "
                             "eviction must fail with 500", pod)
        pdb = pdbs[0]
        st = pdb.status
        if not old.is_ready() and (pdb.spec.unhealthy_pod_eviction_policy == "AlwaysAllow"
                                   or st.current_healthy >= st.desired_healthy > 0):
            return
        if self._decrements.get((ns, pdb.metadata.name, pod.metadata.name)) != self.engine.now:
            self._fail("I3", f"pod {pod.key()} evicted without taking PDB {pdb.key()}'s budget "
                             f"(disruptionsAllowed {st.disruptions_allowed}, currentHealthy {st.current_healthy}, "
                             f"desiredHealthy {st.desired_healthy})", pod)

    # ------------------------------------------------------------------------------- deployments (I5)
    def _on_deployment(self, etype: str, d, old) -> None:
        uid = d.metadata.uid
        if etype == "DELETED":
            self._deps.pop(uid, None)
            return
        dep = self._deps.get(uid)
        if dep is None:
            dep = self._deps[uid] = _Dep(d)
            for rs in self._rs.values():  # ReplicaSets seen before their Deployment
                if rs.owner == uid:
                    dep.rss.add(rs.uid)
        elif d.metadata.generation != dep.obj.metadata.generation or d.spec is not dep.obj.spec:
            dep.epoch_budget = None
        dep.obj = d
        dep.dirty = True

    def _rs_pod(self, etype: str, pod, rs_uid: str) -> None:
        key = pod.key()
        active = etype != "DELETED" and pod.is_active()
        was = self._pod_rs.get(key)
        if was is not None and not active:
            del self._pod_rs[key]
            r = self._rs.get(was)
            if r is not None:
                r.active_pods -= 1
        elif was is None and active:
            self._pod_rs[key] = rs_uid
            r = self._rs.get(rs_uid)
            if r is None:
                r = self._rs[rs_uid] = _RS(rs_uid)
            r.active_pods += 1
            dep = self._deps.get(r.owner)
            if dep is not None:
                dep.dirty = True

    def _on_rs(self, etype: str, rs, old) -> None:
        uid = rs.metadata.uid
        r = self._rs.get(uid)
        if r is None:
            r = self._rs[uid] = _RS(uid)
        ref = rs.metadata.controller_ref()
        owner = ref.uid if ref is not None and ref.kind == "Deployment" else ""
        if r.owner != owner:
            prev = self._deps.get(r.owner)
            if prev is not None:
                prev.rss.discard(uid)
                prev.epoch_budget = None
            r.owner = owner
        dep = self._deps.get(owner) if owner else None
        if dep is not None:
            if uid not in dep.rss:
                dep.rss.add(uid)
                dep.epoch_budget = None
            self._check_rollout(etype, rs, old, r, dep)
        r.spec = 0 if etype == "DELETED" else rs.spec.replicas
        r.desired = rs.metadata.annotations.get(du.DESIRED_REPLICAS_ANNOTATION)
        new_avail = 0 if etype == "DELETED" else rs.status.available_replicas
        if dep is not None and (new_avail != r.available or etype == "DELETED"):
            dep.epoch_budget = None  # a new observation of availability
        r.available = new_avail
        if dep is not None:
            dep.dirty = True
            if etype == "DELETED":
                dep.rss.discard(uid)
        if etype == "DELETED":
            del self._rs[uid]

    def _check_rollout(self, etype: str, rs, old, r: _RS, dep: _Dep) -> None:
        d = dep.obj
        if d.metadata.deletion_timestamp is not None:
            return
        before = 0 if old is None or etype == "ADDED" else old.spec.replicas
        after = 0 if etype == "DELETED" else rs.spec.replicas
        replicas = d.spec.replicas
        scaling_write = old is not None and old.metadata.annotations.get(du.DESIRED_REPLICAS_ANNOTATION) \
            not in (None, str(replicas))
        others = sum(self._rs[u].spec for u in dep.rss if u != r.uid and u in self._rs)
        if after > before:
            allowed = replicas + du.max_surge(d)
            if others + after > allowed and not (scaling_write and others + before > allowed):
                self._fail("I5", f"Deployment {d.key()}: ReplicaSet {rs.metadata.name} scaled {before}->{after} makes "
                                 f"Σ replicas {others + after} > replicas {replicas} + maxSurge {du.max_surge(d)}", rs)
            return
        if after >= before or etype == "DELETED" or scaling_write or not du.is_rolling_update(d):
            return
        avail = old.status.available_replicas if old is not None else r.available
        cut = max(0, min(before, avail) - after)
        if cut == 0:
            return
        if dep.epoch_budget is None:
            a = sum(self._rs[u].available for u in dep.rss if u in self._rs and self._rs[u].spec > 0)
            dep.epoch_budget = max(0, a - du.min_available(d))
            dep.epoch_cut = 0
        dep.epoch_cut += cut
        if dep.epoch_cut > dep.epoch_budget:
            self._fail("I5", f"Deployment {d.key()}: scaling ReplicaSet {rs.metadata.name} {before}->{after} cuts "
                             f"{dep.epoch_cut} available replicas, but only {dep.epoch_budget} may go (available − "
                             f"minAvailable {du.min_available(d)}, maxUnavailable {du.max_unavailable(d)})", rs)

    # ------------------------------------------------------------------------------- end of instant
    def _end_of_instant(self, _ev=None) -> None:
        self._eoi_at = None
        self.instants += 1
        store = self.store
        for res in WATCHED:
            n = store.count(res)
            if n != len(self._live[res]):
                self._fail("I10", f"{res}: {n} objects in the store but {len(self._live[res])} from the watch stream")
        for dep in self._deps.values():
            if not dep.dirty:
                continue
            dep.dirty = False
            d = dep.obj
            if d.metadata.deletion_timestamp is not None:
                continue
            pods = sum(self._rs[u].active_pods for u in dep.rss if u in self._rs)
            allowed = d.spec.replicas + du.max_surge(d)
            if pods > allowed:
                self._fail("I5", f"Deployment {d.key()}: {pods} active pods at rest > replicas {d.spec.replicas} + "
                                 f"maxSurge {du.max_surge(d)}")
        if self.instants % self.full_check_every == 0:
            self._full_recount()
