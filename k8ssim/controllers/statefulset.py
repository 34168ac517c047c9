"""StatefulSet controller (``pkg/controller/statefulset/{stateful_set,stateful_set_control,
stateful_pod_control,stateful_set_utils}.go``, v1.35).

Each sync claims the set's pods (members named ``<set>-<ordinal>``), finds or creates the update
revision (a :class:`ControllerRevision`), then runs ``updateStatefulSet``:

* pods with an ordinal in ``[start, start + replicas)`` are replicas, the others are condemned;
* each missing replica is created with its PVCs first (``<template>-<set>-<ordinal>``), at the current
  revision when its ordinal is below the partition, else at the update revision; Failed/Succeeded pods
  are deleted and re-created on a later sync, once the old object is gone;
* ``OrderedReady`` (monotonic): stop at the first replica that was just created, is terminating, is not
  Running and Ready, or is not yet available for ``minReadySeconds``; condemned pods are deleted from the
  highest ordinal, one at a time, each only after the previous one is gone; ``Parallel``: all at once;
* ``RollingUpdate``: with ``MaxUnavailableStatefulSet`` (beta, on in v1.35) delete up to
  ``maxUnavailable`` (default 1) pods not at the update revision, highest ordinal first, never below the
  partition, and only while fewer than ``maxUnavailable`` replicas are unhealthy; ``OnDelete``: nothing;
* status (replicas, ready, available, current, updated, revisions, observedGeneration) is written when it
  changed; a finished rolling update makes the update revision current.

A pod with a given identity is created only when no object of that name exists, so a terminating pod
(e.g. one on an unreachable node whose kubelet cannot finish the deletion) is never replaced until it is
really gone: StatefulSet's at-most-one guarantee.

Storage is not modelled yet: a new PVC is bound at once to a PersistentVolume made for it
(``pvc-<claim uid>``, claimRef set, both ``Bound``). The PVC retention policy sets owner references on
the claims as upstream does (``updateClaimOwnerRefForSetAndPod``), so the garbage collector deletes a claim
once its pod (whenScaled: Delete) or its set (whenDeleted: Delete) is gone; the volume made for a claim is
deleted with it (the Delete reclaim policy of a dynamically provisioned volume).
"""
from __future__ import annotations

import copy
import math
import re
from typing import Optional

from k8ssim.api.apps import PodTemplateSpec, StatefulSet
from k8ssim.api.core import (PersistentVolume, PersistentVolumeClaim, PersistentVolumeClaimSpec,
                             PersistentVolumeSpec, Pod, Volume)
from k8ssim.api.meta import ObjectMeta, get_scaled_value_from_int_or_percent, selector_matches
from k8ssim.controllers import history as H
from k8ssim.controllers.base import RateLimitedSync, WorkQueue, split_key
from k8ssim.controllers.controller_utils import is_pod_available, pod_available_at
from k8ssim.controllers.podcontrol import owner_reference, pod_from_template
from k8ssim.controllers.replicaset import ORPHAN_INDEX, OWNER_INDEX, ensure_pod_indexes
from k8ssim.store import errors as E

STATEFUL_SET_POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name"
POD_INDEX_LABEL = "apps.kubernetes.io/pod-index"
STATEFUL_SET_REVISION_LABEL = H.CONTROLLER_REVISION_HASH_LABEL_KEY
RETAIN, DELETE = "Retain", "Delete"
BIND_COMPLETED_ANNOTATION = "pv.kubernetes.io/bind-completed"
BOUND_BY_CONTROLLER_ANNOTATION = "pv.kubernetes.io/bound-by-controller"
PROVISIONED_FOR_ANNOTATION = "k8ssim.io/provisioned-for"

_POD_RE = re.compile(r"(.*)-([0-9]+)$")


# ------------------------------------------------------------------------------ identity helpers


def parent_name_and_ordinal(pod: Pod) -> tuple:
    """``getParentNameAndOrdinal``: ``("", -1)`` when the name is not ``<parent>-<ordinal>``."""
    m = _POD_RE.match(pod.metadata.name)
    if m is None:
        return "", -1
    n = int(m.group(2))
    return m.group(1), (n if n < 2**31 else -1)


def get_ordinal(pod: Pod) -> int:
    return parent_name_and_ordinal(pod)[1]


def start_ordinal(s: StatefulSet) -> int:
    return s.spec.ordinals_start


def end_ordinal(s: StatefulSet) -> int:
    return s.spec.ordinals_start + s.spec.replicas - 1


def pod_in_ordinal_range(pod: Pod, s: StatefulSet) -> bool:
    o = get_ordinal(pod)
    return start_ordinal(s) <= o <= end_ordinal(s)


def pod_name(s: StatefulSet, ordinal: int) -> str:
    return f"{s.metadata.name}-{ordinal}"


def claim_name(s: StatefulSet, template: PersistentVolumeClaim, ordinal: int) -> str:
    """``getPersistentVolumeClaimName``: ``<template>-<set>-<ordinal>``."""
    return f"{template.metadata.name}-{s.metadata.name}-{ordinal}"


def is_member_of(s: StatefulSet, pod: Pod) -> bool:
    return parent_name_and_ordinal(pod)[0] == s.metadata.name


def is_created(pod: Pod) -> bool:
    return pod.metadata.uid != ""


def is_running_and_ready(pod: Pod) -> bool:
    return pod.status.phase == "Running" and pod.is_ready()


def is_terminating(pod: Pod) -> bool:
    return pod.metadata.deletion_timestamp is not None


def is_healthy(pod: Pod) -> bool:
    return is_running_and_ready(pod) and not is_terminating(pod)


def pod_revision(pod: Pod) -> str:
    return pod.metadata.labels.get(STATEFUL_SET_REVISION_LABEL, "")


def identity_matches(s: StatefulSet, pod: Pod) -> bool:
    parent, o = parent_name_and_ordinal(pod)
    return (o >= 0 and parent == s.metadata.name and pod.metadata.name == pod_name(s, o)
            and pod.metadata.namespace == s.metadata.namespace
            and pod.metadata.labels.get(STATEFUL_SET_POD_NAME_LABEL) == pod.metadata.name)


def storage_matches(s: StatefulSet, pod: Pod) -> bool:
    o = get_ordinal(pod)
    if o < 0:
        return False
    vols = {v.name: v for v in pod.spec.volumes}
    for t in s.spec.volume_claim_templates:
        v = vols.get(t.metadata.name)
        if v is None or v.source != "persistentVolumeClaim" or v.claim_name != claim_name(s, t, o):
            return False
    return True


def persistent_volume_claims(s: StatefulSet, ordinal: int) -> list:
    """``getPersistentVolumeClaims`` (in template order): ``(template name, claim)`` pairs; the claims
    carry the template's labels plus the set's selector matchLabels."""
    out = []
    match_labels = dict(s.spec.selector.match_labels) if s.spec.selector is not None else {}
    for t in s.spec.volume_claim_templates:
        labels = dict(t.metadata.labels)
        labels.update(match_labels)
        claim = PersistentVolumeClaim(
            metadata=ObjectMeta(name=claim_name(s, t, ordinal), namespace=s.metadata.namespace, labels=labels,
                                annotations=dict(t.metadata.annotations)),
            spec=t.spec,
            raw=t.raw,
        )
        out.append((t.metadata.name, claim))
    return out


def new_stateful_set_pod(s: StatefulSet, template: PodTemplateSpec, ordinal: int, revision: str) -> Pod:
    """``newStatefulSetPod`` + ``setPodRevision``: identity labels, hostname/subdomain and claim volumes."""
    name = pod_name(s, ordinal)
    spec = copy.copy(template.spec)
    spec.hostname = name
    spec.subdomain = s.spec.service_name
    claims = persistent_volume_claims(s, ordinal)
    names = {t for t, _ in claims}
    spec.volumes = tuple(Volume(name=t, source="persistentVolumeClaim", claim_name=c.metadata.name)
                         for t, c in claims) + tuple(v for v in template.spec.volumes if v.name not in names)
    extra = {STATEFUL_SET_POD_NAME_LABEL: name, POD_INDEX_LABEL: str(ordinal), STATEFUL_SET_REVISION_LABEL: revision}
    return pod_from_template(template, s, name=name, extra_labels=extra, spec=spec)


def max_unavailable(s: StatefulSet) -> int:
    """``getStatefulSetMaxUnavailable``: default 1, percentages round down, at least 1."""
    v = s.spec.update_strategy.max_unavailable
    n = get_scaled_value_from_int_or_percent(1 if v is None else v, s.spec.replicas, False)
    return max(n, 1)


# ------------------------------------------------------------------------------------ the controller


class StatefulSetController(RateLimitedSync):
    name = "statefulset-controller"

    def __init__(self, engine, store):
        self.engine = engine
        self.store = store
        self.queue = WorkQueue(engine, self.sync, name=self.name)

    def start(self) -> None:
        ensure_pod_indexes(self.store)
        H.ensure_revision_index(self.store)
        self.store.watch("statefulsets", self._on_set)
        self.store.watch("pods", self._on_pod)
        self.store.watch("persistentvolumeclaims", self._on_claim)

    def _record(self, s, reason: str, message: str) -> None:
        self.engine.log.record(self.engine.now, self.name, reason, s.key(), message)

    # ------------------------------------------------------------------------------------ events
    def _on_set(self, event_type, s, old) -> None:
        if event_type != "DELETED":
            self.queue.add(s.key())

    def _on_pod(self, event_type, pod, old) -> None:
        ref = pod.metadata.controller_ref()
        if ref is not None:
            if ref.kind == "StatefulSet":
                self.queue.add(f"{pod.metadata.namespace}/{ref.name}")
            return
        if event_type != "DELETED":
            for s in self.store.list("statefulsets", namespace=pod.metadata.namespace):
                if selector_matches(s.spec.selector, pod.metadata.labels):
                    self.queue.add(s.key())

    def _on_claim(self, event_type, claim, old) -> None:
        """Stand-in for the volume's Delete reclaim policy: a volume made for a claim goes with it."""
        if event_type != "DELETED" or not claim.spec.volume_name:
            return
        pv = self.store.try_get("persistentvolumes", None, claim.spec.volume_name)
        if pv is not None and pv.metadata.annotations.get(PROVISIONED_FOR_ANNOTATION) == claim.metadata.uid \
                and pv.spec.reclaim_policy == "Delete" and pv.metadata.deletion_timestamp is None:
            self.store.delete("persistentvolumes", None, pv.metadata.name)

    # -------------------------------------------------------------------------------------- sync
    def claim_pods(self, s: StatefulSet) -> list:
        """``getPodsForStatefulSet``: owned members, plus adopted orphans that match the selector."""
        owned = []
        for p in self.store.by_index("pods", OWNER_INDEX, s.metadata.uid):
            if is_member_of(s, p) and selector_matches(s.spec.selector, p.metadata.labels):
                owned.append(p)
        if s.metadata.deletion_timestamp is None:
            for p in self.store.by_index("pods", ORPHAN_INDEX, s.metadata.namespace):
                if p.metadata.deletion_timestamp is None and is_member_of(s, p) \
                        and selector_matches(s.spec.selector, p.metadata.labels):
                    adopted = p.copy()
                    adopted.metadata.owner_references.append(owner_reference(s))
                    owned.append(self.store.update(adopted))
        return owned

    def _sync(self, key: str) -> None:
        ns, name = split_key(key)
        s = self.store.try_get("statefulsets", ns, name)
        if s is None:
            return
        pods = self.claim_pods(s)
        revisions = H.sort_controller_revisions(H.list_controller_revisions(self.store, s))
        current_rev, update_rev, collision = self._revisions(s, revisions)
        status = self._update_stateful_set(s, current_rev, update_rev, collision, pods)
        self._update_status(s, status)
        self._truncate_history(s, revisions, current_rev, update_rev)
        self._requeue_for_availability(s)

    def _revisions(self, s: StatefulSet, revisions: list) -> tuple:
        """``getStatefulSetRevisions``."""
        collision = s.status.collision_count
        upd = H.new_controller_revision(s, s.spec.template.labels, s.spec.template, H.next_revision(revisions),
                                        collision)
        equal = H.find_equal_revisions(revisions, upd)
        if equal and H.equal_revision(revisions[-1], equal[-1]):
            update_rev = revisions[-1]
        elif equal:
            update_rev = H.update_controller_revision(self.store, equal[-1], upd.revision)
        else:
            update_rev, collision = H.create_controller_revision(self.store, s, upd, collision)
        current_rev = next((r for r in revisions if r.metadata.name == s.status.current_revision), None) or update_rev
        return current_rev, update_rev, collision

    def _update_stateful_set(self, s: StatefulSet, current_rev, update_rev, collision: int, pods: list) -> dict:
        """``updateStatefulSet``; returns the status fields."""
        status = {"observed_generation": s.metadata.generation, "current_revision": current_rev.metadata.name,
                  "update_revision": update_rev.metadata.name, "collision_count": collision}
        start, count = start_ordinal(s), s.spec.replicas
        replicas: list = [None] * count
        condemned = []
        for p in pods:
            o = get_ordinal(p)
            if start <= o < start + count:
                replicas[o - start] = p
            elif o >= 0:
                condemned.append(p)
        for i in range(count):
            if replicas[i] is None:
                replicas[i] = self._new_versioned_pod(s, current_rev, update_rev, start + i)
        condemned.sort(key=get_ordinal, reverse=True)
        first_unhealthy = next((p for p in replicas if not is_healthy(p)), None)
        if first_unhealthy is None:
            first_unhealthy = next((p for p in reversed(condemned) if not is_healthy(p)), None)

        def finish():
            status.update(self._replica_status(s, current_rev, update_rev, replicas + condemned))
            return status

        if s.metadata.deletion_timestamp is not None:
            return finish()
        monotonic = s.spec.pod_management_policy != "Parallel"
        for i in range(count):
            stop = self._process_replica(s, current_rev, update_rev, monotonic, replicas, i)
            if stop and monotonic:
                return finish()
        for p in condemned:
            self._sync_claim_owners(s, p)
        for p in condemned:
            stop = self._process_condemned(s, first_unhealthy, monotonic, p)
            if stop and monotonic:
                return finish()
        finish()
        if s.spec.update_strategy.type == "OnDelete":
            return status
        self._rolling_update(s, replicas, update_rev, status)
        return status

    def _new_versioned_pod(self, s: StatefulSet, current_rev, update_rev, ordinal: int) -> Pod:
        """``newVersionedStatefulSetPod``: ordinals below the partition get the current revision."""
        if s.spec.update_strategy.type == "RollingUpdate" and ordinal < start_ordinal(s) + s.spec.update_strategy.partition:
            return new_stateful_set_pod(s, current_rev.data, ordinal, current_rev.metadata.name)
        return new_stateful_set_pod(s, update_rev.data, ordinal, update_rev.metadata.name)

    def _process_replica(self, s: StatefulSet, current_rev, update_rev, monotonic: bool, replicas: list,
                         i: int) -> bool:
        """``processReplica``: True when the (monotonic) sync must stop here."""
        pod = replicas[i]
        if pod.status.phase in ("Failed", "Succeeded") and is_created(pod):
            if pod.metadata.deletion_timestamp is None:
                reason = "RecreatingFailedPod" if pod.status.phase == "Failed" else "RecreatingTerminatedPod"
                self._record(s, reason, f"StatefulSet {s.metadata.namespace}/{s.metadata.name} is recreating "
                                        f"{'failed' if pod.status.phase == 'Failed' else 'terminated'} Pod {pod.metadata.name}")
                self._delete_pod(s, pod)
            return True  # a new pod is made on a later sync, once this one is gone
        if not is_created(pod):
            if self._claim_is_stale(s, pod):
                return True
            created = self._create_pod(s, pod)
            if created is None:
                return True
            replicas[i] = created
            return monotonic
        if pod.status.phase == "Pending":
            self._create_claims(s, pod)
        if is_terminating(pod) and monotonic:
            return True
        if not is_running_and_ready(pod) and monotonic:
            return True
        if not is_pod_available(pod, s.spec.min_ready_seconds, self.engine.now) and monotonic:
            return True
        if not (identity_matches(s, pod) and storage_matches(s, pod)):
            self._update_pod_identity(s, pod)
        self._sync_claim_owners(s, pod)
        return False

    def _process_condemned(self, s: StatefulSet, first_unhealthy, monotonic: bool, pod: Pod) -> bool:
        """``processCondemned``: delete from the highest ordinal; True to stop (monotonic)."""
        if is_terminating(pod):
            return monotonic
        if monotonic and pod is not first_unhealthy and (
                not is_running_and_ready(pod) or not is_pod_available(pod, s.spec.min_ready_seconds, self.engine.now)):
            return True
        self._delete_pod(s, pod)
        return True

    def _rolling_update(self, s: StatefulSet, replicas: list, update_rev, status: dict) -> None:
        """``updateStatefulSetAfterInvariantEstablished`` (MaxUnavailableStatefulSet, beta in v1.35)."""
        limit = max_unavailable(s)
        unavailable = sum(1 for p in replicas if not is_healthy(p))
        if unavailable >= limit:
            return
        to_delete = limit - unavailable
        partition = s.spec.update_strategy.partition
        deleted = 0
        for target in range(len(replicas) - 1, partition - 1, -1):
            if deleted >= to_delete:
                break
            p = replicas[target]
            if pod_revision(p) != update_rev.metadata.name and not is_terminating(p):
                self._delete_pod(s, p)
                deleted += 1
                status["current_replicas"] -= 1

    # ------------------------------------------------------------------------------ pod control
    def _create_pod(self, s: StatefulSet, pod: Pod) -> Optional[Pod]:
        """``CreateStatefulPod``: the claims first, then the pod (AlreadyExists: the old one is still
        there, try again later)."""
        if not self._create_claims(s, pod):
            return None
        try:
            created = self.store.create(pod)
        except E.AlreadyExists:
            return None
        except E.StoreError as e:  # e.g. refused by admission: an event, and a rate-limited retry
            self._record(s, "FailedCreate", f"create Pod {pod.metadata.name} in StatefulSet {s.metadata.name} "
                                            f"failed error: {e}")
            self._retry(s.key())
            return None
        self._sync_claim_owners(s, created)
        self._record(s, "SuccessfulCreate", f"create Pod {pod.metadata.name} in StatefulSet {s.metadata.name} successful")
        return created

    def _delete_pod(self, s: StatefulSet, pod: Pod) -> None:
        try:
            self.store.delete("pods", pod.metadata.namespace, pod.metadata.name, uid_precondition=pod.metadata.uid)
        except (E.NotFound, E.Conflict):
            return
        self._record(s, "SuccessfulDelete", f"delete Pod {pod.metadata.name} in StatefulSet {s.metadata.name} successful")

    def _update_pod_identity(self, s: StatefulSet, pod: Pod) -> None:
        """``UpdateStatefulPod``: restore the identity label and the claim volumes."""
        o = get_ordinal(pod)
        upd = pod.copy()
        upd.metadata.labels[STATEFUL_SET_POD_NAME_LABEL] = pod.metadata.name
        upd.metadata.labels[POD_INDEX_LABEL] = str(o)
        if not storage_matches(s, pod):
            self._create_claims(s, pod)
            claims = persistent_volume_claims(s, o)
            names = {t for t, _ in claims}
            upd.spec = copy.copy(pod.spec)
            upd.spec.volumes = tuple(Volume(name=t, source="persistentVolumeClaim", claim_name=c.metadata.name)
                                     for t, c in claims) + tuple(v for v in pod.spec.volumes if v.name not in names)
        try:
            self.store.update(upd)
        except (E.Conflict, E.NotFound):
            self.queue.add(s.key())
            return
        self._record(s, "SuccessfulUpdate", f"update Pod {pod.metadata.name} in StatefulSet {s.metadata.name} successful")

    def _create_claims(self, s: StatefulSet, pod: Pod) -> bool:
        """``createPersistentVolumeClaims``: create the missing claims (bound at once, see module doc);
        False if one of them is being deleted."""
        ok = True
        for _, claim in persistent_volume_claims(s, get_ordinal(pod)):
            existing = self.store.try_get("persistentvolumeclaims", claim.metadata.namespace, claim.metadata.name)
            if existing is None:
                try:
                    created = self.store.create(claim)
                except E.StoreError as e:
                    self._record(s, "FailedCreate", f"create Claim {claim.metadata.name} for Pod {pod.metadata.name} "
                                                    f"in StatefulSet {s.metadata.name} failed error: {e}")
                    self._retry(s.key())
                    ok = False
                    continue
                self._record(s, "SuccessfulCreate", f"create Claim {claim.metadata.name} Pod {pod.metadata.name} "
                                                    f"in StatefulSet {s.metadata.name} success")
                self._bind_claim(created)
            elif existing.metadata.deletion_timestamp is not None:
                ok = False
        return ok

    def _bind_claim(self, claim: PersistentVolumeClaim) -> None:
        """Until storage is modelled: a PersistentVolume made for the claim, both Bound at once."""
        capacity = {"storage": claim.spec.requests.get("storage", 0)}
        pv_name = f"pvc-{claim.metadata.uid}"
        pv = PersistentVolume(
            metadata=ObjectMeta(name=pv_name, annotations={PROVISIONED_FOR_ANNOTATION: claim.metadata.uid}),
            spec=PersistentVolumeSpec(capacity=capacity, access_modes=tuple(claim.spec.access_modes),
                                      storage_class_name=claim.spec.storage_class_name or "", reclaim_policy="Delete",
                                      volume_mode=claim.spec.volume_mode,
                                      claim_ref=(claim.metadata.namespace, claim.metadata.name, claim.metadata.uid)),
        )
        pv.status.phase = "Bound"
        self.store.create(pv)
        c = claim.copy()
        c.spec = PersistentVolumeClaimSpec(access_modes=claim.spec.access_modes, requests=dict(claim.spec.requests),
                                           storage_class_name=claim.spec.storage_class_name, volume_name=pv_name,
                                           volume_mode=claim.spec.volume_mode, selector=claim.spec.selector)
        c.metadata.annotations[BIND_COMPLETED_ANNOTATION] = "yes"
        c.metadata.annotations[BOUND_BY_CONTROLLER_ANNOTATION] = "yes"
        c = self.store.update(c).copy()
        c.status.phase = "Bound"
        c.status.capacity = dict(capacity)
        self.store.update_status(c)

    # --------------------------------------------------------------------------- claim retention
    def _claim_is_stale(self, s: StatefulSet, pod: Pod) -> bool:
        """``PodClaimIsStale``: with whenScaled=Delete, a claim still owned by an earlier pod of the same
        name blocks the new pod until the garbage collector removed it."""
        if s.spec.pvc_retention_when_scaled == RETAIN:
            return False
        for _, claim in persistent_volume_claims(s, get_ordinal(pod)):
            pvc = self.store.try_get("persistentvolumeclaims", claim.metadata.namespace, claim.metadata.name)
            if pvc is None:
                continue
            for r in pvc.metadata.owner_references:
                if r.kind == "Pod" and r.name == pod.metadata.name and r.uid != pod.metadata.uid:
                    return True
        return False

    def _desired_claim_refs(self, s: StatefulSet, pod: Pod, refs: list) -> list:
        """``updateClaimOwnerRefForSetAndPod`` (no unexpected controllers assumed)."""
        out = [r for r in refs if not ((r.kind == "StatefulSet" and r.name == s.metadata.name)
                                       or (r.kind == "Pod" and r.name == pod.metadata.name))]
        scaled_down = not pod_in_ordinal_range(pod, s)
        when_scaled, when_deleted = s.spec.pvc_retention_when_scaled, s.spec.pvc_retention_when_deleted
        if when_scaled == DELETE and scaled_down:
            out.append(owner_reference(pod))
        if when_deleted == DELETE and not (when_scaled == DELETE and scaled_down):
            out.append(owner_reference(s))
        return out

    def _sync_claim_owners(self, s: StatefulSet, pod: Pod) -> None:
        """``ClaimsMatchRetentionPolicy`` / ``UpdatePodClaimForRetentionPolicy``."""
        if not is_created(pod):
            return
        for _, claim in persistent_volume_claims(s, get_ordinal(pod)):
            pvc = self.store.try_get("persistentvolumeclaims", claim.metadata.namespace, claim.metadata.name)
            if pvc is None or pvc.metadata.deletion_timestamp is not None:
                continue
            if any((r.kind == "Pod" and r.name == pod.metadata.name and r.uid != pod.metadata.uid)
                   or (r.kind == "StatefulSet" and r.name == s.metadata.name and r.uid != s.metadata.uid)
                   for r in pvc.metadata.owner_references):
                continue  # a stale reference: left to the garbage collector
            want = self._desired_claim_refs(s, pod, pvc.metadata.owner_references)
            if [(r.uid, r.controller) for r in want] == [(r.uid, r.controller) for r in pvc.metadata.owner_references]:
                continue
            upd = pvc.copy()
            upd.metadata.owner_references = want
            self.store.update(upd)

    # ------------------------------------------------------------------------------------ status
    def _replica_status(self, s: StatefulSet, current_rev, update_rev, pods: list) -> dict:
        """``computeReplicaStatus`` over replicas and condemned pods."""
        now = self.engine.now
        msr = s.spec.min_ready_seconds
        st = {"replicas": 0, "ready_replicas": 0, "available_replicas": 0, "current_replicas": 0, "updated_replicas": 0}
        for p in pods:
            if not is_created(p):
                continue
            st["replicas"] += 1
            if is_running_and_ready(p):
                st["ready_replicas"] += 1
                if is_pod_available(p, msr, now):
                    st["available_replicas"] += 1
            if not is_terminating(p):
                rev = pod_revision(p)
                if rev == current_rev.metadata.name:
                    st["current_replicas"] += 1
                if rev == update_rev.metadata.name:
                    st["updated_replicas"] += 1
        return st

    def _update_status(self, s: StatefulSet, status: dict) -> None:
        """``updateStatefulSetStatus``: complete a finished rolling update, write when inconsistent."""
        r = s.spec.replicas
        if s.spec.update_strategy.type == "RollingUpdate" and status["updated_replicas"] == r \
                and status["ready_replicas"] == r and status["replicas"] == r:
            status["current_replicas"] = status["updated_replicas"]
            status["current_revision"] = status["update_revision"]
        cur = s.status
        if all(getattr(cur, k) == v for k, v in status.items()):
            return
        upd = s.copy()
        for k, v in status.items():
            setattr(upd.status, k, v)
        try:
            self.store.update_status(upd)
        except (E.Conflict, E.NotFound):
            self.queue.add(s.key())

    def _truncate_history(self, s: StatefulSet, revisions: list, current_rev, update_rev) -> None:
        """``truncateHistory``: delete non-live revisions, oldest first, beyond revisionHistoryLimit."""
        live = {current_rev.metadata.name, update_rev.metadata.name}
        live.update(pod_revision(p) for p in self.store.by_index("pods", OWNER_INDEX, s.metadata.uid))
        hist = [r for r in revisions if r.metadata.name not in live]
        extra = len(hist) - s.spec.revision_history_limit
        for r in hist[:max(extra, 0)]:
            try:
                self.store.delete("controllerrevisions", r.metadata.namespace, r.metadata.name)
            except E.NotFound:
                pass

    def _requeue_for_availability(self, s: StatefulSet) -> None:
        """Upstream re-syncs ``minReadySeconds`` after a sync while pods are not yet available; we wake up
        at the first instant a Ready pod counts as available (strictly after ready + minReadySeconds)."""
        msr = s.spec.min_ready_seconds
        if msr <= 0:
            return
        now = self.engine.now
        times = [pod_available_at(p, msr) for p in self.store.by_index("pods", OWNER_INDEX, s.metadata.uid)
                 if is_running_and_ready(p) and not is_pod_available(p, msr, now)]
        times = [t for t in times if t is not None]
        if times:
            self.queue.add_at(s.key(), max(math.nextafter(min(times), math.inf), now))


def new_controller(engine, store, spec=None) -> StatefulSetController:
    return StatefulSetController(engine, store)
