"""Deployment controller (``pkg/controller/deployment/{deployment_controller,sync,rolling,recreate,progress}.go``).

Each sync: claim the ReplicaSets the Deployment owns, find or create the new ReplicaSet
(``<name>-<pod-template-hash>``, revision = max old revision + 1), then either scale proportionally (a
replicas change mid-rollout), or roll out (RollingUpdate via :mod:`k8ssim.controllers.rolling`, Recreate:
old ReplicaSets to zero, wait until their pods are gone, then the new one up), clean up old ReplicaSets
beyond ``revisionHistoryLimit`` once complete, and write status with the Available and Progressing
conditions (``ProgressDeadlineExceeded`` after ``progressDeadlineSeconds`` without progress).
"""
from __future__ import annotations

import copy

from k8ssim.api.apps import Deployment, PodTemplateSpec, ReplicaSet, ReplicaSetSpec, WorkloadCondition, get_condition
from k8ssim.api.meta import LabelSelector, ObjectMeta, selector_matches
from k8ssim.controllers import deployment_util as du
from k8ssim.controllers.base import WorkQueue, controller_owner_uid, split_key
from k8ssim.controllers.podcontrol import owner_reference
from k8ssim.controllers.replicaset import OWNER_INDEX, ensure_pod_indexes
from k8ssim.controllers.rolling import rollout_rolling_step, scale_replica_set

RS_OWNER_INDEX = "controller-uid"


def _rs_owner_index(obj) -> list:
    uid = controller_owner_uid(obj)
    return [uid] if uid else []


class DeploymentController:
    name = "deployment-controller"

    def __init__(self, engine, store):
        self.engine = engine
        self.store = store
        self.queue = WorkQueue(engine, self.sync, name=self.name)

    def start(self) -> None:
        ensure_pod_indexes(self.store)
        self.store.add_index("replicasets", RS_OWNER_INDEX, _rs_owner_index)
        self.store.watch("deployments", lambda t, d, old: self.queue.add(d.key()))
        self.store.watch("replicasets", self._on_rs)
        self.store.watch("pods", self._on_pod)

    def _on_rs(self, event_type, rs, old) -> None:
        ref = rs.metadata.controller_ref()
        if ref is not None and ref.kind == "Deployment":
            self.queue.add(f"{rs.metadata.namespace}/{ref.name}")

    def _on_pod(self, event_type, pod, old) -> None:
        # Recreate waits for old pods to go away: a deleted pod re-syncs its Deployment
        if event_type != "DELETED":
            return
        ref = pod.metadata.controller_ref()
        if ref is None or ref.kind != "ReplicaSet":
            return
        rs = self.store.try_get("replicasets", pod.metadata.namespace, ref.name)
        if rs is not None:
            self._on_rs("MODIFIED", rs, None)

    # -------------------------------------------------------------------------------------- sync
    def sync(self, key: str) -> None:
        """``syncDeployment``; an error requeues the key with the controller's rate limiter
        (``handleErr``: 5 ms doubling to 1000 s), as upstream does."""
        try:
            self._sync_deployment(key)
        except du.DeploymentError as e:
            self.engine.log.record(self.engine.now, self.name, "SyncError", key, str(e))
            self.queue.add_rate_limited(key)
            return
        self.queue.forget(key)

    def _sync_deployment(self, key: str) -> None:
        ns, name = split_key(key)
        d = self.store.try_get("deployments", ns, name)
        if d is None or d.metadata.deletion_timestamp is not None:
            return
        rss = self._claim_replica_sets(d)
        if d.spec.paused or self._is_scaling_event(d, rss):
            self._sync(d, rss)
            return
        if d.spec.strategy.type == "Recreate":
            new_rs, old_rss = self._get_all_replica_sets(d, rss, create=False)
            self._rollout_recreate(d, new_rs, old_rss)
        else:
            new_rs, old_rss = self._get_all_replica_sets(d, rss, create=True)
            self._rollout_rolling(d, new_rs, old_rss)

    def _sync(self, d: Deployment, rss: list) -> None:
        """``sync``: proportional scaling (paused or a replicas change), cleanup when paused, status."""
        new_rs, old_rss = self._get_all_replica_sets(d, rss, create=False)
        self._scale(d, new_rs, old_rss)
        new_rs, old_rss = self._refresh(new_rs), [self._refresh(r) for r in old_rss]
        if d.spec.paused:
            self._cleanup(d, old_rss)
        self._sync_status(d, new_rs, old_rss)

    def _refresh(self, rs):
        if rs is None:
            return None
        return self.store.try_get("replicasets", rs.metadata.namespace, rs.metadata.name) or rs

    def _claim_replica_sets(self, d: Deployment) -> list:
        owned = list(self.store.by_index("replicasets", RS_OWNER_INDEX, d.metadata.uid))
        for rs in self.store.list("replicasets", namespace=d.metadata.namespace):
            if rs.metadata.controller_ref() is None and rs.metadata.deletion_timestamp is None \
                    and selector_matches(d.spec.selector, rs.metadata.labels):
                adopted = rs.copy()
                adopted.metadata.owner_references.append(owner_reference(d))
                owned.append(self.store.update(adopted))
        return owned

    def _get_all_replica_sets(self, d: Deployment, rss: list, create: bool):
        _, all_old = du.find_old_replica_sets(d, rss)
        new_rs = du.find_new_replica_set(d, rss)
        new_revision = du.max_revision(all_old) + 1
        if new_rs is not None:
            if du.revision(new_rs) < new_revision:
                upd = new_rs.copy()
                upd.metadata.annotations[du.REVISION_ANNOTATION] = str(new_revision)
                new_rs = self.store.update(upd)
            return new_rs, all_old
        if not create:
            return None, all_old
        return self._create_new_rs(d, rss, all_old, new_revision), all_old

    def _create_new_rs(self, d: Deployment, rss: list, all_old: list, revision: int) -> ReplicaSet:
        h = du.compute_hash(d.spec.template, d.status.collision_count or None)
        labels = dict(d.spec.template.labels)
        labels[du.DEFAULT_DEPLOYMENT_UNIQUE_LABEL_KEY] = h
        template = PodTemplateSpec(labels=labels, annotations=dict(d.spec.template.annotations),
                                   spec=d.spec.template.spec, raw=d.spec.template.raw)
        sel = d.spec.selector or LabelSelector()
        selector = LabelSelector(match_labels={**sel.match_labels, du.DEFAULT_DEPLOYMENT_UNIQUE_LABEL_KEY: h},
                                 match_expressions=list(sel.match_expressions))
        rs = ReplicaSet(
            metadata=ObjectMeta(name=f"{d.metadata.name}-{h}", namespace=d.metadata.namespace, labels=dict(labels),
                                annotations={du.REVISION_ANNOTATION: str(revision)},
                                owner_references=[owner_reference(d)]),
            spec=ReplicaSetSpec(replicas=0, selector=selector, template=template,
                                min_ready_seconds=d.spec.min_ready_seconds),
        )
        rs.spec.replicas = du.new_rs_new_replicas(d, list(all_old) + [rs], rs)
        du.set_replicas_annotations(rs, d.spec.replicas, d.spec.replicas + du.max_surge(d))
        created = self.store.create(rs)
        self.engine.log.record(self.engine.now, self.name, "ScalingReplicaSet", d.key(),
                               f"Scaled up replica set {created.metadata.name} from 0 to {rs.spec.replicas}")
        return created

    def _is_scaling_event(self, d: Deployment, rss: list) -> bool:
        """``isScalingEvent``: an active ReplicaSet's desired-replicas annotation differs from the spec."""
        for rs in du.filter_active_replica_sets(rss):
            desired = rs.metadata.annotations.get(du.DESIRED_REPLICAS_ANNOTATION)
            if desired is not None and desired != str(d.spec.replicas):
                return True
        return False

    def _apply(self, d: Deployment, action) -> None:
        if action is None:
            return
        self.store.update(action.updated)
        if action.replicas != action.rs.spec.replicas:
            verb = "up" if action.replicas > action.rs.spec.replicas else "down"
            self.engine.log.record(self.engine.now, self.name, "ScalingReplicaSet", d.key(),
                                   f"Scaled {verb} replica set {action.name} from {action.rs.spec.replicas} to "
                                   f"{action.replicas}")

    def _scale(self, d: Deployment, new_rs, old_rss: list) -> None:
        sizes = du.proportional_scale(d, new_rs, old_rss)
        for rs in [r for r in [new_rs] + list(old_rss) if r is not None]:
            if rs.metadata.name in sizes:
                self._apply(d, scale_replica_set(rs, sizes[rs.metadata.name], d))

    # ---------------------------------------------------------------------------------- rollouts
    def _rollout_rolling(self, d: Deployment, new_rs, old_rss: list) -> None:
        step = rollout_rolling_step(d, new_rs, old_rss)
        for a in step.actions:
            self._apply(d, a)
        if step.actions:
            new_rs, old_rss = self._refresh(new_rs), [self._refresh(r) for r in old_rss]
        elif du.deployment_complete(d, self._calculate_status(d, new_rs, old_rss)):
            self._cleanup(d, old_rss)
        self._sync_status(d, new_rs, old_rss)

    def _rollout_recreate(self, d: Deployment, new_rs, old_rss: list) -> None:
        active_old = du.filter_active_replica_sets(old_rss)
        scaled = False
        for rs in active_old:
            a = scale_replica_set(rs, 0, d)
            if a is not None and a.replicas != rs.spec.replicas:
                self._apply(d, a)
                scaled = True
        if scaled:
            self._sync_status(d, new_rs, old_rss)
            return
        for rs in old_rss:  # oldPodsRunning: wait until every old pod is gone
            for p in self.store.by_index("pods", OWNER_INDEX, rs.metadata.uid):
                if p.status.phase not in ("Succeeded", "Failed"):
                    self._sync_status(d, new_rs, old_rss)
                    return
        if new_rs is None:
            rss = self._claim_replica_sets(d)
            new_rs, old_rss = self._get_all_replica_sets(d, rss, create=True)
        if new_rs.spec.replicas != d.spec.replicas:
            self._apply(d, scale_replica_set(new_rs, d.spec.replicas, d))
            new_rs = self.store.get("replicasets", new_rs.metadata.namespace, new_rs.metadata.name)
        elif du.deployment_complete(d, self._calculate_status(d, new_rs, old_rss)):
            self._cleanup(d, old_rss)
        self._sync_status(d, new_rs, old_rss)

    def _cleanup(self, d: Deployment, old_rss: list) -> None:
        for rs in du.old_rss_to_clean_up(d, old_rss):
            self.store.delete("replicasets", rs.metadata.namespace, rs.metadata.name)
            for p in self.store.by_index("pods", OWNER_INDEX, rs.metadata.uid):  # GC of the empty RS's pods
                self.store.delete("pods", p.metadata.namespace, p.metadata.name)

    # ------------------------------------------------------------------------------------ status
    def _calculate_status(self, d: Deployment, new_rs, old_rss: list):
        all_rss = [r for r in [new_rs] + list(old_rss) if r is not None]
        st = copy.copy(d.status)
        st.conditions = list(d.status.conditions)
        st.observed_generation = d.metadata.generation
        st.replicas = du.get_actual_replica_count_for_replica_sets(all_rss)
        st.updated_replicas = du.get_actual_replica_count_for_replica_sets([new_rs])
        st.ready_replicas = du.get_ready_replica_count_for_replica_sets(all_rss)
        st.available_replicas = du.get_available_replica_count_for_replica_sets(all_rss)
        st.terminating_replicas = sum(r.status.terminating_replicas for r in all_rss)
        st.unavailable_replicas = max(d.spec.replicas - st.available_replicas, 0)
        now = self.engine.now
        if st.available_replicas >= d.spec.replicas - du.max_unavailable(d):
            _set_condition(st, "Available", "True", du.MINIMUM_REPLICAS_AVAILABLE, "Deployment has minimum availability.", now)
        else:
            _set_condition(st, "Available", "False", du.MINIMUM_REPLICAS_UNAVAILABLE,
                           "Deployment does not have minimum availability.", now)
        return st

    def _sync_status(self, d: Deployment, new_rs, old_rss: list) -> None:
        now = self.engine.now
        st = self._calculate_status(d, new_rs, old_rss)
        if du.has_progress_deadline(d) and not d.spec.paused:
            cur = get_condition(st.conditions, "Progressing")
            if du.deployment_complete(d, st):
                msg = f'ReplicaSet "{new_rs.metadata.name}" has successfully progressed.' if new_rs else ""
                _set_condition(st, "Progressing", "True", du.NEW_RS_AVAILABLE_REASON, msg, now)
            elif du.deployment_progressing(d, st) or cur is None:
                msg = f'ReplicaSet "{new_rs.metadata.name}" is progressing.' if new_rs else ""
                reason = du.REPLICA_SET_UPDATED_REASON if cur is not None else du.NEW_REPLICA_SET_REASON
                _set_condition(st, "Progressing", "True", reason, msg, now, force_update=True)
            elif du.deployment_timed_out(d, st, now):
                msg = f'ReplicaSet "{new_rs.metadata.name}" has timed out progressing.' if new_rs else ""
                _set_condition(st, "Progressing", "False", du.TIMED_OUT_REASON, msg, now)
            deadline = du.progress_deadline_at(d, st)
            if deadline is not None and deadline > now and not du.deployment_complete(d, st):
                self.queue.add_after(d.key(), deadline - now + 1e-6)
        if _status_key(st) != _status_key(d.status):
            upd = d.copy()
            upd.status = st
            self.store.update_status(upd)


def _status_key(st) -> tuple:
    return (st.observed_generation, st.replicas, st.updated_replicas, st.ready_replicas, st.available_replicas,
            st.unavailable_replicas, st.terminating_replicas,
            tuple((c.type, c.status, c.reason, c.last_update_time) for c in st.conditions))


def _set_condition(st, ctype: str, status: str, reason: str, message: str, now: float, force_update: bool = False):
    """``SetDeploymentCondition``: keep lastTransitionTime when the status does not change; update
    lastUpdateTime when the reason changes (or on progress)."""
    for i, c in enumerate(st.conditions):
        if c.type == ctype:
            if c.status == status and c.reason == reason and not force_update:
                return
            ltt = c.last_transition_time if c.status == status else now
            st.conditions[i] = WorkloadCondition(ctype, status, reason, message, now, ltt)
            return
    st.conditions.append(WorkloadCondition(ctype, status, reason, message, now, now))


def new_controller(engine, store, spec=None) -> DeploymentController:
    return DeploymentController(engine, store)
