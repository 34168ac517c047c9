"""Deployment helpers: fenceposts, new-RS sizing, completeness/progress, revisions, pod-template-hash.

Mirrors ``pkg/controller/deployment/util/deployment_util.go`` (``ResolveFenceposts``, ``MaxUnavailable``,
``MaxSurge``, ``NewRSNewReplicas``, ``DeploymentComplete``, ``DeploymentProgressing``,
``DeploymentTimedOut``, ``Revision``/``MaxRevision``/``LastRevision``, ``FindNewReplicaSet``,
``FindOldReplicaSets``, ``EqualIgnoreHash``, ``GetProportion``/``getReplicaSetFraction``,
``FindActiveOrLatest``, ``IsSaturated``, ``SetReplicasAnnotations``) and
``pkg/controller/history`` / ``controller.ComputeHash`` for the pod-template-hash.

**pod-template-hash.** Upstream hashes Go's ``%#v`` dump of the PodTemplateSpec with FNV-32a (plus the
collision count) and encodes the decimal hash with ``rand.SafeEncodeString``. A Go struct dump cannot be
reproduced from Python, so we hash a canonical JSON rendering of the template (labels, annotations and
spec, keys sorted) with the same FNV-32a + collision count + SafeEncodeString steps. The result is
deterministic and has upstream's shape (up to 10 characters from ``bcdfghjklmnpqrstvwxz2456789``), but
is not byte-equal to the hash a real cluster computes.
"""
from __future__ import annotations

import dataclasses
import json
import struct
from typing import Iterable, Optional, Sequence

from k8ssim.api.apps import Deployment, PodTemplateSpec, ReplicaSet, get_condition
from k8ssim.api.meta import IntOrString, get_scaled_value_from_int_or_percent

REVISION_ANNOTATION = "deployment.kubernetes.io/revision"
REVISION_HISTORY_ANNOTATION = "deployment.kubernetes.io/revision-history"
DESIRED_REPLICAS_ANNOTATION = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS_ANNOTATION = "deployment.kubernetes.io/max-replicas"
DEFAULT_DEPLOYMENT_UNIQUE_LABEL_KEY = "pod-template-hash"

# condition reasons (deployment_util.go)
NEW_RS_AVAILABLE_REASON = "NewReplicaSetAvailable"
TIMED_OUT_REASON = "ProgressDeadlineExceeded"
REPLICA_SET_UPDATED_REASON = "ReplicaSetUpdated"
NEW_REPLICA_SET_REASON = "NewReplicaSetCreated"
FOUND_NEW_RS_REASON = "FoundNewReplicaSet"
MINIMUM_REPLICAS_AVAILABLE = "MinimumReplicasAvailable"
MINIMUM_REPLICAS_UNAVAILABLE = "MinimumReplicasUnavailable"
PAUSED_DEPLOY_REASON = "DeploymentPaused"
RESUMED_DEPLOY_REASON = "DeploymentResumed"

MAX_INT32 = 2**31 - 1


class DeploymentError(ValueError):
    """An invalid IntOrString or strategy (upstream returns an ``error``)."""


# ------------------------------------------------------------------------------ fenceposts


def is_rolling_update(d: Deployment) -> bool:
    return d.spec.strategy.type == "RollingUpdate"


def _rolling(d: Deployment) -> tuple:
    ru = d.spec.strategy.rolling_update
    return (ru.max_surge, ru.max_unavailable) if ru is not None else (None, None)


def resolve_fenceposts(max_surge: Optional[IntOrString], max_unavailable: Optional[IntOrString], desired: int) -> tuple:
    """``ResolveFenceposts`` -> ``(surge, unavailable)``: surge rounds up, unavailable rounds down; both
    zero -> unavailable 1. Raises :class:`DeploymentError` for a value that is neither int nor ``N%``."""
    try:
        surge = get_scaled_value_from_int_or_percent(0 if max_surge is None else max_surge, desired, True)
        unavailable = get_scaled_value_from_int_or_percent(
            0 if max_unavailable is None else max_unavailable, desired, False
        )
    except ValueError as e:
        raise DeploymentError(str(e)) from None
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, unavailable


def max_unavailable(d: Deployment) -> int:
    """``MaxUnavailable``: 0 unless RollingUpdate with replicas > 0; never more than replicas."""
    if not is_rolling_update(d) or d.spec.replicas == 0:
        return 0
    try:
        _, unavailable = resolve_fenceposts(*_rolling(d), d.spec.replicas)
    except DeploymentError:  # caught by validation upstream
        return 0
    return min(unavailable, d.spec.replicas)


def max_surge(d: Deployment) -> int:
    """``MaxSurge``: 0 unless RollingUpdate."""
    if not is_rolling_update(d):
        return 0
    try:
        surge, _ = resolve_fenceposts(*_rolling(d), d.spec.replicas)
    except DeploymentError:
        return 0
    return surge


def min_available(d: Deployment) -> int:
    """``replicas - MaxUnavailable`` (the Available condition threshold)."""
    return d.spec.replicas - max_unavailable(d)


# ------------------------------------------------------------------------------ RS counting


def get_replica_count_for_replica_sets(rss: Iterable[Optional[ReplicaSet]]) -> int:
    return sum(rs.spec.replicas for rs in rss if rs is not None)


def get_actual_replica_count_for_replica_sets(rss: Iterable[Optional[ReplicaSet]]) -> int:
    return sum(rs.status.replicas for rs in rss if rs is not None)


def get_ready_replica_count_for_replica_sets(rss: Iterable[Optional[ReplicaSet]]) -> int:
    return sum(rs.status.ready_replicas for rs in rss if rs is not None)


def get_available_replica_count_for_replica_sets(rss: Iterable[Optional[ReplicaSet]]) -> int:
    return sum(rs.status.available_replicas for rs in rss if rs is not None)


def filter_active_replica_sets(rss: Iterable[Optional[ReplicaSet]]) -> list:
    """``controller.FilterActiveReplicaSets``: non-nil with spec.replicas > 0."""
    return [rs for rs in rss if rs is not None and rs.spec.replicas > 0]


def _created_key(rs: ReplicaSet) -> tuple:
    t = rs.metadata.creation_timestamp
    return (float("-inf") if t is None else t, rs.metadata.name)


def sort_by_creation_timestamp(rss: Iterable[ReplicaSet]) -> list:
    """``controller.ReplicaSetsByCreationTimestamp``: oldest first, name breaks ties."""
    return sorted(rss, key=_created_key)


def sort_by_size_newer(rss: Iterable[ReplicaSet]) -> list:
    """``ReplicaSetsBySizeNewer``: larger first; equal size -> newer first."""
    return sorted(sort_by_creation_timestamp(rss)[::-1], key=lambda rs: -rs.spec.replicas)


def sort_by_size_older(rss: Iterable[ReplicaSet]) -> list:
    """``ReplicaSetsBySizeOlder``: larger first; equal size -> older first."""
    return sorted(sort_by_creation_timestamp(rss), key=lambda rs: -rs.spec.replicas)


# ---------------------------------------------------------------------------- new RS sizing


def new_rs_new_replicas(d: Deployment, all_rss: Sequence[Optional[ReplicaSet]], new_rs: ReplicaSet) -> int:
    """``NewRSNewReplicas``: the size the new RS may grow to in this sync."""
    if d.spec.strategy.type == "RollingUpdate":
        ms, _ = _rolling(d)
        try:
            surge = get_scaled_value_from_int_or_percent(ms, d.spec.replicas, True)
        except ValueError as e:
            raise DeploymentError(str(e)) from None
        current = get_replica_count_for_replica_sets(all_rss)
        max_total = d.spec.replicas + surge
        if current >= max_total:
            return new_rs.spec.replicas
        scale_up = min(max_total - current, d.spec.replicas - new_rs.spec.replicas)
        return new_rs.spec.replicas + scale_up
    if d.spec.strategy.type == "Recreate":
        return d.spec.replicas
    raise DeploymentError(f"deployment type {d.spec.strategy.type} isn't supported")


# ------------------------------------------------------------------------- status predicates


def deployment_complete(d: Deployment, new_status) -> bool:
    """``DeploymentComplete``: updated == replicas == available == spec.replicas, generation observed."""
    r = d.spec.replicas
    return (
        new_status.updated_replicas == r
        and new_status.replicas == r
        and new_status.available_replicas == r
        and new_status.observed_generation >= d.metadata.generation
    )


def deployment_progressing(d: Deployment, new_status) -> bool:
    """``DeploymentProgressing``: more updated, fewer old, more ready or more available replicas than
    in ``d.status``."""
    old = d.status
    old_old = old.replicas - old.updated_replicas
    new_old = new_status.replicas - new_status.updated_replicas
    return (
        new_status.updated_replicas > old.updated_replicas
        or new_old < old_old
        or new_status.ready_replicas > old.ready_replicas
        or new_status.available_replicas > old.available_replicas
    )


def has_progress_deadline(d: Deployment) -> bool:
    pds = d.spec.progress_deadline_seconds
    return pds is not None and pds != MAX_INT32


def deployment_timed_out(d: Deployment, new_status, now: float) -> bool:
    """``DeploymentTimedOut``: the Progressing condition's lastUpdateTime + deadline is before now."""
    if not has_progress_deadline(d):
        return False
    cond = get_condition(new_status.conditions, "Progressing")
    if cond is None:
        return False
    if cond.reason == NEW_RS_AVAILABLE_REASON:
        return False
    if cond.reason == TIMED_OUT_REASON:
        return True
    last = cond.last_update_time if cond.last_update_time is not None else 0.0
    return last + d.spec.progress_deadline_seconds < now


def progress_deadline_at(d: Deployment, new_status) -> Optional[float]:
    """When ``deployment_timed_out`` will first be true (``requeueStuckDeployment``), or None."""
    if not has_progress_deadline(d):
        return None
    cond = get_condition(new_status.conditions, "Progressing")
    if cond is None or cond.reason in (NEW_RS_AVAILABLE_REASON, TIMED_OUT_REASON):
        return None
    last = cond.last_update_time if cond.last_update_time is not None else 0.0
    return last + d.spec.progress_deadline_seconds


# ------------------------------------------------------------------------------- revisions


def revision(obj) -> int:
    """``Revision``: the revision annotation as int (0 when absent). Raises ValueError when invalid."""
    v = obj.metadata.annotations.get(REVISION_ANNOTATION)
    if v is None:
        return 0
    return int(v, 10)


def _revision_or_none(obj) -> Optional[int]:
    try:
        return revision(obj)
    except ValueError:
        return None


def max_revision(all_rss: Iterable[Optional[ReplicaSet]]) -> int:
    """``MaxRevision``: highest parsable revision (0 if none)."""
    best = 0
    for rs in all_rss:
        if rs is None:
            continue
        v = _revision_or_none(rs)
        if v is not None and v > best:
            best = v
    return best


def last_revision(all_rss: Iterable[Optional[ReplicaSet]]) -> int:
    """``LastRevision``: the second highest revision (the one to roll back to)."""
    mx = sec = 0
    for rs in all_rss:
        if rs is None:
            continue
        v = _revision_or_none(rs)
        if v is None:
            continue
        if v >= mx:
            sec, mx = mx, v
        elif v > sec:
            sec = v
    return sec


def sort_by_revision(rss: Iterable[ReplicaSet]) -> list:
    """``ReplicaSetsByRevision``: ascending revision; equal -> by creation timestamp."""
    return sorted(rss, key=lambda rs: (_revision_or_none(rs) or 0, _created_key(rs)))


def set_replicas_annotations(rs: ReplicaSet, desired: int, max_replicas: int) -> bool:
    """``SetReplicasAnnotations`` on an RS copy; True when something changed."""
    ann = rs.metadata.annotations
    changed = False
    for key, val in ((DESIRED_REPLICAS_ANNOTATION, str(desired)), (MAX_REPLICAS_ANNOTATION, str(max_replicas))):
        if ann.get(key) != val:
            ann[key] = val
            changed = True
    return changed


def _int_annotation(rs: ReplicaSet, key: str) -> Optional[int]:
    v = rs.metadata.annotations.get(key)
    if v is None:
        return None
    try:
        return int(v, 10)
    except ValueError:
        return None


def is_saturated(d: Deployment, rs: Optional[ReplicaSet]) -> bool:
    """``IsSaturated``: the RS is at full size, annotated with it, and all its pods are available."""
    if rs is None:
        return False
    desired = _int_annotation(rs, DESIRED_REPLICAS_ANNOTATION)
    if desired is None:
        return False
    r = d.spec.replicas
    return rs.spec.replicas == r and desired == r and rs.status.available_replicas == r


# -------------------------------------------------------------------------- template hashing


def canonical(obj):
    """Plain JSON-able data of a dataclass tree (``raw`` manifests left out), for hashing and equality."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: canonical(getattr(obj, f.name)) for f in dataclasses.fields(obj) if f.name != "raw"}
    if isinstance(obj, dict):
        return {str(k): canonical(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [canonical(v) for v in obj]
    return obj


def _template_without_hash(t: PodTemplateSpec) -> dict:
    labels = {k: v for k, v in t.labels.items() if k != DEFAULT_DEPLOYMENT_UNIQUE_LABEL_KEY}
    return {"labels": labels, "annotations": dict(t.annotations), "spec": canonical(t.spec)}


def fnv32a(data: bytes, h: int = 0x811C9DC5) -> int:
    for b in data:
        h ^= b
        h = (h * 0x01000193) & 0xFFFFFFFF
    return h


_ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789"


def safe_encode_string(s: str) -> str:
    """``rand.SafeEncodeString``: map each byte onto a vowel-free alphabet."""
    return "".join(_ALPHANUMS[b % len(_ALPHANUMS)] for b in s.encode())


def compute_hash(template: PodTemplateSpec, collision_count: Optional[int] = None) -> str:
    """``controller.ComputeHash``: the pod-template-hash label value (see the module docstring for how
    this differs from Go's struct-dump hash)."""
    data = json.dumps(_template_without_hash(template), sort_keys=True, separators=(",", ":"), default=str)
    h = fnv32a(data.encode())
    if collision_count is not None:
        h = fnv32a(struct.pack("<I", collision_count & 0xFFFFFFFF), h)
    return safe_encode_string(str(h))


def equal_ignore_hash(t1: PodTemplateSpec, t2: PodTemplateSpec) -> bool:
    """``EqualIgnoreHash``: templates equal once the pod-template-hash label is dropped."""
    return _template_without_hash(t1) == _template_without_hash(t2)


def find_new_replica_set(d: Deployment, rs_list: Iterable[ReplicaSet]) -> Optional[ReplicaSet]:
    """``FindNewReplicaSet``: the oldest RS whose template equals the deployment's (ignoring the hash)."""
    for rs in sort_by_creation_timestamp(rs_list):
        if equal_ignore_hash(rs.spec.template, d.spec.template):
            return rs
    return None


def find_old_replica_sets(d: Deployment, rs_list: Sequence[ReplicaSet]) -> tuple:
    """``FindOldReplicaSets`` -> ``(required_old_rss, all_old_rss)``; required = those with replicas."""
    new_rs = find_new_replica_set(d, rs_list)
    required, all_old = [], []
    for rs in rs_list:
        if new_rs is not None and rs.metadata.uid == new_rs.metadata.uid and rs.metadata.name == new_rs.metadata.name:
            continue
        all_old.append(rs)
        if rs.spec.replicas != 0:
            required.append(rs)
    return required, all_old


def find_active_or_latest(new_rs: Optional[ReplicaSet], old_rss: Sequence[ReplicaSet]) -> Optional[ReplicaSet]:
    """``FindActiveOrLatest``: the only active RS, or the newest when none is active; None when several."""
    if new_rs is None and not old_rss:
        return None
    newest_first = sort_by_creation_timestamp(old_rss)[::-1]
    active = filter_active_replica_sets(newest_first + [new_rs])
    if len(active) == 0:
        return new_rs if new_rs is not None else newest_first[0]
    if len(active) == 1:
        return active[0]
    return None


# ---------------------------------------------------------------------- proportional scaling


def _round_to_int32(a: float) -> int:
    """``integer.RoundToInt32``: round half away from zero."""
    return int(a - 0.5) if a < 0 else int(a + 0.5)


def get_replica_set_fraction(rs: ReplicaSet, d: Deployment) -> int:
    """``getReplicaSetFraction``: how many replicas this RS should gain (negative: lose)."""
    if d.spec.replicas == 0:
        return -rs.spec.replicas
    deployment_replicas = d.spec.replicas + max_surge(d)
    annotated = _int_annotation(rs, MAX_REPLICAS_ANNOTATION)
    if annotated is None:
        annotated = d.status.replicas
    if annotated == 0:  # upstream would divide by zero (float: +Inf); never happens in practice
        return 0
    new_size = rs.spec.replicas * deployment_replicas / annotated
    return _round_to_int32(new_size) - rs.spec.replicas


def get_proportion(rs: Optional[ReplicaSet], d: Deployment, to_add: int, added: int) -> int:
    """``GetProportion``: this RS's share of ``to_add``, never beyond what is left to add/remove."""
    if rs is None or rs.spec.replicas == 0 or to_add == 0 or to_add == added:
        return 0
    fraction = get_replica_set_fraction(rs, d)
    allowed = to_add - added
    if to_add > 0:
        return min(fraction, allowed)
    return max(fraction, allowed)


def proportional_scale(d: Deployment, new_rs: Optional[ReplicaSet], old_rss: Sequence[ReplicaSet]) -> dict:
    """The sizes ``DeploymentController.scale`` (sync.go) gives each RS when the deployment is resized
    mid-rollout: ``{rs name: new spec.replicas}`` for the RSs it would scale (unchanged ones included
    for the proportional case). Leftovers go to the first RS of the size ordering (largest)."""
    aol = find_active_or_latest(new_rs, old_rss)
    if aol is not None:
        return {} if aol.spec.replicas == d.spec.replicas else {aol.metadata.name: d.spec.replicas}
    if is_saturated(d, new_rs):
        return {rs.metadata.name: 0 for rs in filter_active_replica_sets(old_rss)}
    if not is_rolling_update(d):
        return {}
    all_rss = filter_active_replica_sets(list(old_rss) + [new_rs])
    all_replicas = get_replica_count_for_replica_sets(all_rss)
    allowed_size = d.spec.replicas + max_surge(d) if d.spec.replicas > 0 else 0
    to_add = allowed_size - all_replicas
    if to_add > 0:
        all_rss = sort_by_size_newer(all_rss)
    elif to_add < 0:
        all_rss = sort_by_size_older(all_rss)
    added = 0
    sizes: dict = {}
    for rs in all_rss:
        if to_add != 0:
            p = get_proportion(rs, d, to_add, added)
            sizes[rs.metadata.name] = rs.spec.replicas + p
            added += p
        else:
            sizes[rs.metadata.name] = rs.spec.replicas
    if all_rss and to_add != 0:
        first = all_rss[0].metadata.name
        sizes[first] = max(sizes[first] + to_add - added, 0)
    return sizes


def old_rss_to_clean_up(d: Deployment, old_rss: Sequence[ReplicaSet]) -> list:
    """``cleanupDeployment``: old RSs to delete beyond revisionHistoryLimit (lowest revision first,
    skipping RSs that still have replicas or an unobserved generation)."""
    limit = d.spec.revision_history_limit
    if limit is None:
        return []
    alive = [rs for rs in old_rss if rs is not None and rs.metadata.deletion_timestamp is None]
    diff = len(alive) - limit
    if diff <= 0:
        return []
    out = []
    for rs in sort_by_revision(alive)[:diff]:
        if (
            rs.status.replicas != 0
            or rs.spec.replicas != 0
            or rs.metadata.generation > rs.status.observed_generation
            or rs.metadata.deletion_timestamp is not None
        ):
            continue
        out.append(rs)
    return out
