"""DaemonSet controller (``pkg/controller/daemon/{daemon_controller,update}.go``, v1.35).

Each sync claims the set's pods, finds or creates the ControllerRevision of the current template (its
``controller-revision-hash`` label is the template hash), then:

* ``manage``: for every node, ``podsShouldBeOnNode`` decides (with :func:`node_should_run_daemon_pod`)
  whether the node needs a daemon pod and which pods go: pods on nodes that no longer qualify, failed
  pods (rate-limited by the failed-pods backoff, 1 s doubling to 15 min), surplus pods (all but the
  oldest, or with surge all but the oldest old and oldest new pod until the new one is available);
  unscheduled pods aimed at a node that no longer exists are deleted too. New pods are created in
  slow-start batches (at most ``burstReplicas`` = 250 per sync), with the daemon tolerations
  (``AddOrUpdateDaemonPodTolerations``) and the node affinity ``matchFields metadata.name In [node]``
  (``ReplaceDaemonSetPodNodeNameNodeAffinity``), so the default scheduler places them;
* ``rollingUpdate`` (RollingUpdate strategy): without surge, delete old pods while fewer than
  ``maxUnavailable`` daemon pods are unavailable (the manage loop then makes the new pod); with
  ``maxSurge``, create new pods beside available old ones up to ``maxSurge`` at a time and delete an
  old pod once its replacement is available. ``maxUnavailable``/``maxSurge`` are ints or percentages of
  ``desiredNumberScheduled``, rounded up; both 0 means ``maxUnavailable`` 1. ``OnDelete``: nothing;
* ``cleanupHistory`` and the status (desired/current/misscheduled/ready/available/updated/unavailable,
  observedGeneration).

Upstream walks nodes through Go maps (random order); here nodes are visited in name order, which is one
of the orders upstream may take. The ``pod-template-generation`` label and the DaemonSet's template
generation are not modelled: a pod is up to date when its hash label is the current one.
"""
from __future__ import annotations

import copy
import math
from typing import Optional

from k8ssim.api.apps import ControllerRevision, DaemonSet
from k8ssim.api.core import Pod
from k8ssim.api.meta import ObjectMeta, get_scaled_value_from_int_or_percent, selector_matches
from k8ssim.controllers import history as H
from k8ssim.controllers.base import RateLimitedSync, WorkQueue, split_key
from k8ssim.controllers.controller_utils import SLOW_START_INITIAL_BATCH_SIZE, is_pod_available, pod_available_at
from k8ssim.controllers.daemonset_util import (OBJECT_NAME_FIELD, add_or_update_daemon_pod_tolerations,
                                               node_should_run_daemon_pod,
                                               replace_daemon_set_pod_node_name_node_affinity)
from k8ssim.controllers.deployment_util import compute_hash
from k8ssim.controllers.podcontrol import owner_reference, pod_from_template
from k8ssim.controllers.replicaset import ORPHAN_INDEX, OWNER_INDEX, ensure_pod_indexes
from k8ssim.node.backoff import Backoff
from k8ssim.store import errors as E

#: ``daemon.BurstReplicas``.
BURST_REPLICAS = 250
#: ``apps.DefaultDaemonSetUniqueLabelKey``.
DAEMONSET_UNIQUE_LABEL_KEY = H.CONTROLLER_REVISION_HASH_LABEL_KEY
#: ``failedPodsBackoff = flowcontrol.NewBackOff(1*time.Second, 15*time.Minute)``.
FAILED_PODS_BACKOFF_INITIAL = 1.0
FAILED_PODS_BACKOFF_MAX = 900.0


def target_node_name(pod: Pod) -> str:
    """``util.GetTargetNodeName``: spec.nodeName, else the node of the ``matchFields`` affinity term."""
    if pod.spec.node_name:
        return pod.spec.node_name
    aff = pod.spec.affinity
    na = aff.node_affinity if aff is not None else None
    for term in (na.required or ()) if na is not None else ():
        for r in term.match_fields:
            if r.key == OBJECT_NAME_FIELD and r.operator == "In" and len(r.values) == 1:
                return r.values[0]
    return ""


def is_pod_updated(pod: Pod, hash_: str) -> bool:
    """``util.IsPodUpdated`` (hash part)."""
    return bool(hash_) and pod.metadata.labels.get(DAEMONSET_UNIQUE_LABEL_KEY) == hash_


def _creation_and_phase_key(p: Pod) -> tuple:
    """``podByCreationTimestampAndPhase``: Running first, then oldest, then name."""
    t = p.metadata.creation_timestamp
    return (0 if p.status.phase == "Running" else 1, -math.inf if t is None else t, p.metadata.name)


def surge_count(ds: DaemonSet, desired: int) -> int:
    """``util.SurgeCount`` (rounded up)."""
    us = ds.spec.update_strategy
    if us.type != "RollingUpdate" or us.max_surge is None:
        return 0
    return get_scaled_value_from_int_or_percent(us.max_surge, desired, True)


def unavailable_count(ds: DaemonSet, desired: int) -> int:
    """``util.UnavailableCount`` (rounded up)."""
    us = ds.spec.update_strategy
    if us.type != "RollingUpdate" or us.max_unavailable is None:
        return 0
    return get_scaled_value_from_int_or_percent(us.max_unavailable, desired, True)


def allows_surge(ds: DaemonSet) -> bool:
    """``util.AllowsSurge``: ``SurgeCount(ds, 1) != 0``."""
    return surge_count(ds, 1) != 0


def find_updated_pods_on_node(pods: list, hash_: str) -> tuple:
    """``findUpdatedPodsOnNode`` -> ``(new_pod, old_pod, ok)``; not ok with two new or two old pods."""
    new = old = None
    for p in pods:
        if p.metadata.deletion_timestamp is not None:
            continue
        if is_pod_updated(p, hash_):
            if new is not None:
                return None, None, False
            new = p
        else:
            if old is not None:
                return None, None, False
            old = p
    return new, old, True


class DaemonSetController(RateLimitedSync):
    name = "daemonset-controller"

    def __init__(self, engine, store, *, burst_replicas: int = BURST_REPLICAS):
        self.engine = engine
        self.store = store
        self.burst = burst_replicas
        self.queue = WorkQueue(engine, self.sync, name=self.name)
        self.failed_pods_backoff = Backoff(FAILED_PODS_BACKOFF_INITIAL, FAILED_PODS_BACKOFF_MAX)
        self._fit: dict = {}  # ds uid -> (generation, {node name: (node resourceVersion, decision)})

    def start(self) -> None:
        ensure_pod_indexes(self.store)
        H.ensure_revision_index(self.store)
        self.store.watch("daemonsets", self._on_ds)
        self.store.watch("pods", self._on_pod)
        self.store.watch("nodes", self._on_node)

    def _record(self, ds, reason: str, message: str) -> None:
        self.engine.log.record(self.engine.now, self.name, reason, ds.key(), message)

    # ------------------------------------------------------------------------------------ events
    def _on_ds(self, event_type, ds, old) -> None:
        if event_type == "DELETED":
            self._fit.pop(ds.metadata.uid, None)
        self.queue.add(ds.key())

    def _on_pod(self, event_type, pod, old) -> None:
        ref = pod.metadata.controller_ref()
        if ref is not None:
            if ref.kind == "DaemonSet":
                self.queue.add(f"{pod.metadata.namespace}/{ref.name}")
            return
        if event_type != "DELETED":
            for ds in self.store.list("daemonsets", namespace=pod.metadata.namespace):
                if selector_matches(ds.spec.selector, pod.metadata.labels):
                    self.queue.add(ds.key())

    def _on_node(self, event_type, node, old) -> None:
        """``addNode``/``updateNode``: re-sync the sets whose decision for the node may change (an update
        that keeps labels and taints is ignored, ``shouldIgnoreNodeUpdate``)."""
        if event_type == "MODIFIED" and old is not None and old.metadata.labels == node.metadata.labels \
                and old.spec.taints == node.spec.taints:
            return
        for ds in self.store.list("daemonsets"):
            if event_type == "MODIFIED" and old is not None \
                    and node_should_run_daemon_pod(old, ds) == node_should_run_daemon_pod(node, ds):
                continue
            if event_type == "ADDED" and not node_should_run_daemon_pod(node, ds)[0]:
                continue
            self.queue.add(ds.key())

    def should_run(self, node, ds: DaemonSet) -> tuple:
        """:func:`node_should_run_daemon_pod`, memoised per (set generation, node resourceVersion)."""
        gen, cache = self._fit.get(ds.metadata.uid, (None, None))
        if gen != ds.metadata.generation:
            cache = {}
            self._fit[ds.metadata.uid] = (ds.metadata.generation, cache)
        hit = cache.get(node.metadata.name)
        if hit is not None and hit[0] == node.metadata.resource_version:
            return hit[1]
        r = node_should_run_daemon_pod(node, ds)
        cache[node.metadata.name] = (node.metadata.resource_version, r)
        return r

    # -------------------------------------------------------------------------------------- sync
    def claim_pods(self, ds: DaemonSet) -> list:
        owned = list(self.store.by_index("pods", OWNER_INDEX, ds.metadata.uid))
        if ds.metadata.deletion_timestamp is None:
            for p in self.store.by_index("pods", ORPHAN_INDEX, ds.metadata.namespace):
                if p.metadata.deletion_timestamp is None and selector_matches(ds.spec.selector, p.metadata.labels):
                    adopted = p.copy()
                    adopted.metadata.owner_references.append(owner_reference(ds))
                    owned.append(self.store.update(adopted))
        return owned

    def nodes_to_daemon_pods(self, ds: DaemonSet, include_deleted_terminal: bool = False) -> dict:
        """``getNodesToDaemonPods``: target node -> pods (terminal pods being deleted are skipped)."""
        out: dict = {}
        for p in self.claim_pods(ds):
            if not include_deleted_terminal and p.status.phase in ("Succeeded", "Failed") \
                    and p.metadata.deletion_timestamp is not None:
                continue
            node = target_node_name(p)
            if node:
                out.setdefault(node, []).append(p)
        return out

    def _sync(self, key: str) -> None:
        ns, name = split_key(key)
        ds = self.store.try_get("daemonsets", ns, name)
        if ds is None or ds.metadata.deletion_timestamp is not None:
            return
        if ds.spec.selector is not None and ds.spec.selector.is_empty():
            self._record(ds, "SelectingAll", "This daemon set is selecting all pods. A non-empty selector is required.")
            return
        nodes = self.store.list("nodes")
        cur, old = self._construct_history(ds)
        hash_ = cur.metadata.labels[DAEMONSET_UNIQUE_LABEL_KEY]
        self._manage(ds, nodes, hash_)
        if ds.spec.update_strategy.type == "RollingUpdate":
            self._rolling_update(ds, nodes, hash_)
        self._cleanup_history(ds, old)
        self._update_status(ds, nodes, hash_)

    # ---------------------------------------------------------------------------------- history
    def _construct_history(self, ds: DaemonSet) -> tuple:
        """``constructHistory``: the revision matching the template (created or renumbered) and the rest."""
        data = H.template_data(ds.spec.template)
        current, old = [], []
        for r in H.list_controller_revisions(self.store, ds):
            (current if H.revision_data(r) == data else old).append(r)
        rev = max((r.revision for r in old), default=0) + 1
        if not current:
            return self._snapshot(ds, rev), old
        current = H.sort_controller_revisions(current)
        cur = current[-1]
        for dup in current[:-1]:  # dedupCurHistories: keep the newest, drop duplicates
            self.store.delete("controllerrevisions", dup.metadata.namespace, dup.metadata.name)
        if cur.revision < rev:
            cur = H.update_controller_revision(self.store, cur, rev)
        return cur, old

    def _snapshot(self, ds: DaemonSet, revision: int):
        """``snapshot``: ``<ds>-<hash>`` with the hash label; a name clash bumps collisionCount."""
        collision = ds.status.collision_count
        while True:
            h = compute_hash(ds.spec.template, collision or None)
            cr = ControllerRevision(
                metadata=ObjectMeta(name=H.controller_revision_name(ds.metadata.name, h), namespace=ds.metadata.namespace,
                                      labels={**ds.spec.template.labels, DAEMONSET_UNIQUE_LABEL_KEY: h},
                                      annotations=dict(ds.metadata.annotations), owner_references=[owner_reference(ds)]),
                data=ds.spec.template, revision=revision)
            try:
                created = self.store.create(cr)
                break
            except E.AlreadyExists:
                existing = self.store.get("controllerrevisions", ds.metadata.namespace, cr.metadata.name)
                if H.revision_data(existing) == H.template_data(ds.spec.template):
                    created = existing
                    break
                collision += 1
        if collision != ds.status.collision_count:
            self.store.patch_status("daemonsets", ds.metadata.namespace, ds.metadata.name,
                                    lambda d: setattr(d.status, "collision_count", collision))
        return created

    def _cleanup_history(self, ds: DaemonSet, old: list) -> None:
        """``cleanupHistory``: drop the oldest revisions no live pod uses, beyond revisionHistoryLimit."""
        to_kill = len(old) - ds.spec.revision_history_limit
        if to_kill <= 0:
            return
        live = {p.metadata.labels.get(DAEMONSET_UNIQUE_LABEL_KEY)
                for pods in self.nodes_to_daemon_pods(ds, True).values() for p in pods}
        for r in H.sort_controller_revisions(old):
            if to_kill <= 0:
                break
            if r.metadata.labels.get(DAEMONSET_UNIQUE_LABEL_KEY) in live:
                continue
            self.store.delete("controllerrevisions", r.metadata.namespace, r.metadata.name)
            to_kill -= 1

    # ------------------------------------------------------------------------------------ manage
    def _manage(self, ds: DaemonSet, nodes: list, hash_: str) -> None:
        node_to_pods = self.nodes_to_daemon_pods(ds)
        needing, to_delete = [], []
        for node in nodes:
            n, d = self._pods_should_be_on_node(node, node_to_pods, ds, hash_)
            needing.extend(n)
            to_delete.extend(d)
        names = {n.metadata.name for n in nodes}
        for node_name, pods in sorted(node_to_pods.items()):  # getUnscheduledPodsWithoutNode
            if node_name not in names:
                to_delete.extend(p for p in pods if not p.spec.node_name and p.metadata.deletion_timestamp is None)
        self._sync_nodes(ds, to_delete, needing, hash_)

    def _pods_should_be_on_node(self, node, node_to_pods: dict, ds: DaemonSet, hash_: str) -> tuple:
        """``podsShouldBeOnNode`` -> ``(nodes needing a pod, pods to delete)``."""
        should_run, should_continue = self.should_run(node, ds)
        name = node.metadata.name
        pods = node_to_pods.get(name)
        exists = name in node_to_pods
        needing: list = []
        to_delete: list = []
        if should_run and not exists:
            return [name], []
        if should_continue:
            running = []
            now = self.engine.now
            for p in pods or ():
                if p.metadata.deletion_timestamp is not None:
                    continue
                if p.status.phase == "Failed":
                    key = f"{ds.metadata.namespace}/{ds.metadata.name}/{name}"  # failedPodsBackoffKey
                    if self.failed_pods_backoff.is_in_backoff_since_update(key, now):
                        self.queue.add_at(ds.key(), now + self.failed_pods_backoff.get(key))
                        continue
                    self.failed_pods_backoff.next(key, now, now)
                    self._record(ds, "FailedDaemonPod", f"Found failed daemon pod {p.metadata.namespace}/"
                                                        f"{p.metadata.name} on node {name}, will try to kill it")
                    to_delete.append(p)
                elif p.status.phase == "Succeeded":
                    self._record(ds, "SucceededDaemonPod", f"Found succeeded daemon pod {p.metadata.namespace}/"
                                                           f"{p.metadata.name} on node {name}, will try to delete it")
                    to_delete.append(p)
                else:
                    running.append(p)
            if not allows_surge(ds):
                if len(running) > 1:
                    running.sort(key=_creation_and_phase_key)
                    to_delete.extend(running[1:])
                return needing, to_delete
            if len(running) <= 1:
                if not running and should_run:
                    needing.append(name)
                return needing, to_delete
            running.sort(key=_creation_and_phase_key)
            oldest_new = oldest_old = None
            for p in running:
                if is_pod_updated(p, hash_):
                    if oldest_new is None:
                        oldest_new = p
                        continue
                elif oldest_old is None:
                    oldest_old = p
                    continue
                to_delete.append(p)
            if oldest_new is not None and oldest_old is not None:
                if not oldest_old.is_ready() or is_pod_available(oldest_new, ds.spec.min_ready_seconds, now):
                    to_delete.append(oldest_old)
            return needing, to_delete
        if exists:
            to_delete.extend(p for p in pods if p.metadata.deletion_timestamp is None)
        return needing, to_delete

    def _sync_nodes(self, ds: DaemonSet, to_delete: list, needing: list, hash_: str) -> None:
        """``syncNodes``: create in slow-start batches, delete, at most burstReplicas each."""
        needing = needing[:self.burst]
        to_delete = to_delete[:self.burst]
        template_spec = copy.copy(ds.spec.template.spec)
        template_spec.tolerations = add_or_update_daemon_pod_tolerations(ds.spec.template.spec)
        labels = {DAEMONSET_UNIQUE_LABEL_KEY: hash_}
        pos, batch = 0, min(len(needing), SLOW_START_INITIAL_BATCH_SIZE)
        failed = False
        while batch > 0 and not failed:  # slow start: a failed batch skips the rest
            for node_name in needing[pos:pos + batch]:
                spec = copy.copy(template_spec)
                spec.affinity = replace_daemon_set_pod_node_name_node_affinity(template_spec.affinity, node_name)
                try:
                    pod = self.store.create(pod_from_template(ds.spec.template, ds, extra_labels=labels, spec=spec))
                except E.StoreError as e:  # e.g. refused by admission: an event, and a rate-limited retry
                    self._record(ds, "FailedCreate", f"Error creating: {e}")
                    failed = True
                    continue
                self._record(ds, "SuccessfulCreate", f"Created pod: {pod.metadata.name}")
            pos += batch
            batch = min(2 * batch, len(needing) - pos)
        if failed:
            self._retry(ds.key())
        for p in to_delete:
            try:
                self.store.delete("pods", p.metadata.namespace, p.metadata.name, uid_precondition=p.metadata.uid)
            except (E.NotFound, E.Conflict):
                continue
            self._record(ds, "SuccessfulDelete", f"Deleted pod: {p.metadata.name}")

    # ---------------------------------------------------------------------------- rolling update
    def _rolling_update(self, ds: DaemonSet, nodes: list, hash_: str) -> None:
        """``rollingUpdate`` (update.go)."""
        node_to_pods = self.nodes_to_daemon_pods(ds)
        by_name = {n.metadata.name: n for n in nodes}
        desired = 0
        for n in nodes:  # updatedDesiredNodeCounts
            if self.should_run(n, ds)[0]:
                desired += 1
                node_to_pods.setdefault(n.metadata.name, [])
        max_unavail = unavailable_count(ds, desired)
        max_surge = surge_count(ds, desired)
        if desired > 0 and max_unavail == 0 and max_surge == 0:
            max_unavail = 1
        now = self.engine.now
        msr = ds.spec.min_ready_seconds
        order = sorted(node_to_pods)
        if max_surge == 0:
            num_unavailable = 0
            allowed, candidates = [], []
            for node_name in order:
                new, old, ok = find_updated_pods_on_node(node_to_pods[node_name], hash_)
                if not ok or (old is None) == (new is None):
                    num_unavailable += 1
                elif new is not None:
                    if not is_pod_available(new, msr, now):
                        num_unavailable += 1
                elif not is_pod_available(old, msr, now):
                    allowed.append(old)
                    num_unavailable += 1
                elif num_unavailable < max_unavail:
                    candidates.append(old)
            remaining = min(max(max_unavail - num_unavailable, 0), len(candidates))
            self._sync_nodes(ds, allowed + candidates[:remaining], [], hash_)
            return
        to_delete, should_not_run, candidate_nodes, allowed_nodes = [], [], [], []
        num_surge = num_available = 0
        for node_name in order:
            new, old, ok = find_updated_pods_on_node(node_to_pods[node_name], hash_)
            if not ok:
                num_surge += 1
                continue
            if old is not None:
                num_available += is_pod_available(old, msr, now)
            elif new is not None:
                num_available += is_pod_available(new, msr, now)
            if old is None:
                continue
            node = by_name.get(node_name)
            if new is None:
                runs = node is not None and self.should_run(node, ds)[0]
                if not is_pod_available(old, msr, now):
                    if not runs:
                        to_delete.append(old)
                        continue
                    allowed_nodes.append(node_name)
                else:
                    if not runs:
                        should_not_run.append(old)
                        continue
                    if num_surge >= max_surge:
                        continue
                    candidate_nodes.append(node_name)
            elif not is_pod_available(new, msr, now):
                num_surge += 1
            else:
                to_delete.append(old)
        deletable = min(max(num_available - desired, 0), len(should_not_run))
        to_delete.extend(should_not_run[:deletable])
        remaining = min(max(max_surge - num_surge, 0), len(candidate_nodes))
        self._sync_nodes(ds, to_delete, allowed_nodes + candidate_nodes[:remaining], hash_)

    # ------------------------------------------------------------------------------------ status
    def _update_status(self, ds: DaemonSet, nodes: list, hash_: str) -> None:
        """``updateDaemonSetStatus`` + ``storeDaemonSetStatus``."""
        node_to_pods = self.nodes_to_daemon_pods(ds)
        now = self.engine.now
        msr = ds.spec.min_ready_seconds
        desired = current = misscheduled = ready = updated = available = 0
        wake: Optional[float] = None
        for node in nodes:
            should_run, _ = self.should_run(node, ds)
            pods = node_to_pods.get(node.metadata.name) or []
            if should_run:
                desired += 1
                if not pods:
                    continue
                current += 1
                pod = sorted(pods, key=_creation_and_phase_key)[0]
                if pod.is_ready():
                    ready += 1
                    if is_pod_available(pod, msr, now):
                        available += 1
                    else:
                        t = pod_available_at(pod, msr)
                        if t is not None:
                            wake = t if wake is None else min(wake, t)
                if is_pod_updated(pod, hash_):
                    updated += 1
            elif pods:
                misscheduled += 1
        new = (desired, current, misscheduled, ready, updated, available, desired - available)
        st = ds.status
        old = (st.desired_number_scheduled, st.current_number_scheduled, st.number_misscheduled, st.number_ready,
               st.updated_number_scheduled, st.number_available, st.number_unavailable)
        if new != old or st.observed_generation < ds.metadata.generation:
            upd = ds.copy()
            s = upd.status
            (s.desired_number_scheduled, s.current_number_scheduled, s.number_misscheduled, s.number_ready,
             s.updated_number_scheduled, s.number_available, s.number_unavailable) = new
            s.observed_generation = ds.metadata.generation
            try:
                self.store.update_status(upd)
            except (E.Conflict, E.NotFound):
                self.queue.add(ds.key())
        if wake is not None:  # upstream: re-sync minReadySeconds later while ready != available
            self.queue.add_at(ds.key(), max(math.nextafter(wake, math.inf), now))


def new_controller(engine, store, spec=None) -> DaemonSetController:
    return DaemonSetController(engine, store)
