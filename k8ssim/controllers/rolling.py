"""RollingUpdate decisions of the Deployment controller, as pure functions.

Mirrors ``pkg/controller/deployment/rolling.go`` (``rolloutRolling``, ``reconcileNewReplicaSet``,
``reconcileOldReplicaSets``, ``cleanupUnhealthyReplicas``, ``scaleDownOldReplicaSetsForRollingUpdate``)
and ``scaleReplicaSet`` from ``sync.go``.

Nothing here writes to the store. Every function returns :class:`ScaleAction` s: each carries the RS
as read and a copy with the new ``spec.replicas`` and the desired/max-replicas annotations set, ready
for ``store.update``. Later steps of one sync see the sizes chosen by earlier steps, as upstream does
with the updated objects.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Optional, Sequence

from k8ssim.api.apps import Deployment, ReplicaSet
from k8ssim.controllers import deployment_util as du


@dataclass(frozen=True)
class ScaleAction:
    """Scale ``rs`` (as read) to ``replicas``; ``updated`` is the object to write back."""

    rs: ReplicaSet
    replicas: int
    updated: ReplicaSet

    @property
    def name(self) -> str:
        return self.rs.metadata.name

    @property
    def direction(self) -> str:
        return "up" if self.replicas > self.rs.spec.replicas else "down"


def scale_replica_set(rs: ReplicaSet, new_scale: int, d: Deployment) -> Optional[ScaleAction]:
    """``scaleReplicaSetAndRecordEvent``/``scaleReplicaSet``: None when neither the size nor the
    desired/max-replicas annotations need to change."""
    if rs.spec.replicas == new_scale and not _annotations_need_update(rs, d):
        return None
    new = rs.copy()
    new.spec = copy.copy(rs.spec)
    new.spec.replicas = new_scale
    du.set_replicas_annotations(new, d.spec.replicas, d.spec.replicas + du.max_surge(d))
    return ScaleAction(rs=rs, replicas=new_scale, updated=new)


def _annotations_need_update(rs: ReplicaSet, d: Deployment) -> bool:
    ann = rs.metadata.annotations
    return ann.get(du.DESIRED_REPLICAS_ANNOTATION) != str(d.spec.replicas) or ann.get(
        du.MAX_REPLICAS_ANNOTATION
    ) != str(d.spec.replicas + du.max_surge(d))


def _current(rs: ReplicaSet, actions: dict) -> ReplicaSet:
    a = actions.get(rs.metadata.name)
    return a.updated if a is not None else rs


def reconcile_new_replica_set(
    all_rss: Sequence[Optional[ReplicaSet]], new_rs: ReplicaSet, d: Deployment
) -> tuple:
    """``reconcileNewReplicaSet`` -> ``(scaled, new_size, action_or_None)``. ``scaled`` is true when the
    size changes (upstream's ``scaleReplicaSetAndRecordEvent`` returns false for an unchanged size)."""
    if new_rs.spec.replicas == d.spec.replicas:
        return False, new_rs.spec.replicas, None
    if new_rs.spec.replicas > d.spec.replicas:
        target = d.spec.replicas
    else:
        target = du.new_rs_new_replicas(d, all_rss, new_rs)
    if target == new_rs.spec.replicas:
        return False, target, None
    return True, target, scale_replica_set(new_rs, target, d)


def cleanup_unhealthy_replicas(old_rss: Sequence[ReplicaSet], d: Deployment, max_cleanup_count: int) -> tuple:
    """``cleanupUnhealthyReplicas`` -> ``(actions, cleaned_up)``: oldest RS first, each loses
    ``min(remaining, spec - available)`` replicas."""
    actions = []
    total = 0
    for rs in du.sort_by_creation_timestamp(old_rss):
        if total >= max_cleanup_count:
            break
        if rs.spec.replicas == 0 or rs.spec.replicas == rs.status.available_replicas:
            continue
        count = min(max_cleanup_count - total, rs.spec.replicas - rs.status.available_replicas)
        new_size = rs.spec.replicas - count
        if new_size > rs.spec.replicas:  # upstream returns an error here (more unavailable than spec)
            raise du.DeploymentError(
                f"when cleaning up unhealthy replicas, got invalid request to scale down "
                f"{rs.metadata.namespace}/{rs.metadata.name} {rs.spec.replicas} -> {new_size}"
            )
        a = scale_replica_set(rs, new_size, d)
        if a is not None:
            actions.append(a)
        total += count
    return actions, total


def scale_down_old_replica_sets_for_rolling_update(
    all_rss: Sequence[Optional[ReplicaSet]], old_rss: Sequence[ReplicaSet], d: Deployment
) -> tuple:
    """``scaleDownOldReplicaSetsForRollingUpdate`` -> ``(actions, scaled_down)``: remove
    ``Σ available − minAvailable`` replicas from old RSs, oldest first."""
    min_avail = d.spec.replicas - du.max_unavailable(d)
    available = du.get_available_replica_count_for_replica_sets(all_rss)
    if available <= min_avail:
        return [], 0
    to_scale = available - min_avail
    actions = []
    total = 0
    for rs in du.sort_by_creation_timestamp(old_rss):
        if total >= to_scale:
            break
        if rs.spec.replicas == 0:
            continue
        count = min(rs.spec.replicas, to_scale - total)
        a = scale_replica_set(rs, rs.spec.replicas - count, d)
        if a is not None:
            actions.append(a)
        total += count
    return actions, total


def reconcile_old_replica_sets(
    all_rss: Sequence[Optional[ReplicaSet]], old_rss: Sequence[ReplicaSet], new_rs: ReplicaSet, d: Deployment
) -> tuple:
    """``reconcileOldReplicaSets`` -> ``(scaled, actions)``. ``old_rss`` are the *active* old RSs
    (``FilterActiveReplicaSets``). The actions of one old RS are merged (cleanup, then scale-down)."""
    if du.get_replica_count_for_replica_sets(old_rss) == 0:
        return False, []
    all_count = du.get_replica_count_for_replica_sets(all_rss)
    min_avail = d.spec.replicas - du.max_unavailable(d)
    new_unavailable = new_rs.spec.replicas - new_rs.status.available_replicas
    max_scaled_down = all_count - min_avail - new_unavailable
    if max_scaled_down <= 0:
        return False, []
    cleanup, cleaned = cleanup_unhealthy_replicas(old_rss, d, max_scaled_down)
    by_name = {a.name: a for a in cleanup}
    cur_old = [_current(rs, by_name) for rs in old_rss]
    scale_down, scaled = scale_down_old_replica_sets_for_rolling_update(cur_old + [new_rs], cur_old, d)
    for a in scale_down:
        first = by_name.get(a.name)
        original = first.rs if first is not None else a.rs
        by_name[a.name] = ScaleAction(rs=original, replicas=a.replicas, updated=a.updated)
    order = [rs.metadata.name for rs in du.sort_by_creation_timestamp(old_rss)]
    actions = [by_name[n] for n in order if n in by_name]
    return cleaned + scaled > 0, actions


@dataclass(frozen=True)
class RolloutStep:
    """What one ``rolloutRolling`` sync does: scale the new RS up, or old RSs down, or neither (then
    the controller cleans up old RSs and syncs status)."""

    scaled_up: bool
    scaled_down: bool
    actions: tuple  # of ScaleAction


def rollout_rolling_step(d: Deployment, new_rs: ReplicaSet, old_rss: Sequence[ReplicaSet]) -> RolloutStep:
    """One pass of ``rolloutRolling`` after the new RS exists: reconcileNewReplicaSet first; only when it
    did not scale, reconcileOldReplicaSets over the active old RSs."""
    all_rss = list(old_rss) + [new_rs]
    scaled, _, action = reconcile_new_replica_set(all_rss, new_rs, d)
    if scaled:
        return RolloutStep(True, False, (action,))
    active_old = du.filter_active_replica_sets(old_rss)
    scaled_down, actions = reconcile_old_replica_sets(all_rss, active_old, new_rs, d)
    return RolloutStep(False, scaled_down, tuple(actions))
