"""Job controller and TTL-after-finished controller.

Mirrors ``pkg/controller/job/job_controller.go`` (``syncJob``, ``manageJob``,
``trackJobStatusAndRemoveFinalizers``, ``enactJobFinished``, ``activePodsForRemoval``, the pod and job
event handlers with their 1 s batching), ``pkg/controller/job/indexed_job_utils.go`` (completion
indexes, ``completedIndexes`` intervals), ``pkg/controller/job/backoff_utils.go`` (through
:mod:`k8ssim.controllers.job_backoff`), ``pkg/registry/batch/job/strategy.go`` (``generateSelector``:
done here as a store admission on create) and ``pkg/controller/ttlafterfinished`` (deletes a finished
Job ``ttlSecondsAfterFinished`` after its Complete/Failed condition, with Foreground propagation).

Pods carry the ``batch.kubernetes.io/job-tracking`` finalizer: a finished pod is counted into
``status.succeeded``/``status.failed`` exactly once, when the controller removes that finalizer. The
store gives consistent reads, so the creation/deletion expectations of upstream are not needed; the
``uncountedTerminatedPods`` two-phase write collapses into one sync. Not modelled: podFailurePolicy,
successPolicy, backoffLimitPerIndex/maxFailedIndexes (the Job runs with the global backoff limit),
adoption of orphan pods by selector, ``managedBy``.
"""
from __future__ import annotations

import copy
from typing import Optional

from k8ssim.api.batch import Job, JobCondition
from k8ssim.api.meta import LabelSelector
from k8ssim.controllers.base import WorkQueue, split_key
from k8ssim.controllers.controller_utils import BURST_REPLICAS, is_pod_ready, slow_start_batches, sort_active_pods
from k8ssim.controllers.job_backoff import (DEFAULT_JOB_POD_FAILURE_BACKOFF, MAX_JOB_POD_FAILURE_BACKOFF,
                                            get_remaining_time, new_backoff_record)
from k8ssim.controllers.podcontrol import pod_from_template
from k8ssim.controllers.replicaset import OWNER_INDEX, ensure_pod_indexes
from k8ssim.store.errors import StoreError

__all__ = [
    "JobController", "new_controller", "job_admission", "is_job_finished", "finished_condition",
    "format_indexes", "parse_indexes", "JOB_TRACKING_FINALIZER", "COMPLETION_INDEX_ANNOTATION",
    "CONTROLLER_UID_LABEL", "JOB_NAME_LABEL", "LEGACY_CONTROLLER_UID_LABEL", "LEGACY_JOB_NAME_LABEL",
    "SYNC_JOB_BATCH_PERIOD",
]

JOB_TRACKING_FINALIZER = "batch.kubernetes.io/job-tracking"
COMPLETION_INDEX_ANNOTATION = "batch.kubernetes.io/job-completion-index"
CONTROLLER_UID_LABEL = "batch.kubernetes.io/controller-uid"
JOB_NAME_LABEL = "batch.kubernetes.io/job-name"
LEGACY_CONTROLLER_UID_LABEL = "controller-uid"
LEGACY_JOB_NAME_LABEL = "job-name"
SYNC_JOB_BATCH_PERIOD = 1.0  # syncJobBatchPeriod
MAX_POD_CREATE_DELETE_PER_SYNC = BURST_REPLICAS  # MaxPodCreateDeletePerSync = 500
MAX_GENERATED_NAME_PREFIX = 58  # DNS1123SubdomainMaxLength(63) - random suffix(5)

SOURCE = "job-controller"
TTL_SOURCE = "ttl-after-finished-controller"


# ----------------------------------------------------------------------------------- helpers


def _cond(job: Job, ctype: str) -> Optional[JobCondition]:
    for c in job.status.conditions:
        if c.type == ctype:
            return c
    return None


def finished_condition(job: Job) -> Optional[JobCondition]:
    """The true Complete or Failed condition (``util.FinishedCondition``), or None."""
    for c in job.status.conditions:
        if c.type in ("Complete", "Failed") and c.status == "True":
            return c
    return None


def is_job_finished(job: Job) -> bool:
    """``util.IsJobFinished``."""
    return finished_condition(job) is not None


def _suspended(job: Job) -> bool:
    return bool(job.spec.suspend)


def _indexed(job: Job) -> bool:
    return job.spec.completion_mode == "Indexed"


def completion_index(pod) -> int:
    """``getCompletionIndex``: the index annotation, -1 when missing or invalid."""
    v = pod.metadata.annotations.get(COMPLETION_INDEX_ANNOTATION)
    if v is None or not v.isdigit() or (len(v) > 1 and v[0] == "0"):
        return -1
    return int(v)


def format_indexes(indexes) -> str:
    """``orderedIntervals.String()``: ``1,3-5,7,8`` (two consecutive values are listed, three or more
    become a range)."""
    out: list = []
    xs = sorted(set(indexes))
    i = 0
    while i < len(xs):
        j = i
        while j + 1 < len(xs) and xs[j + 1] == xs[j] + 1:
            j += 1
        first, last = xs[i], xs[j]
        if last == first:
            out.append(str(first))
        elif last == first + 1:
            out.append(f"{first},{last}")
        else:
            out.append(f"{first}-{last}")
        i = j + 1
    return ",".join(out)


def parse_indexes(s: str, completions: int) -> set:
    """``parseIndexesFromString``: indexes below ``completions`` (bad fragments are skipped)."""
    out: set = set()
    for part in (s or "").split(","):
        if not part:
            continue
        a, _, b = part.partition("-")
        try:
            lo, hi = int(a), int(b) if b else int(a)
        except ValueError:
            continue
        out.update(range(max(lo, 0), min(hi, completions - 1) + 1))
    return out


def _is_pod_failed(pod, job: Job) -> bool:
    """``isPodFailed``: Failed, or (unless only failed pods are replaced) being deleted and not
    Succeeded."""
    if pod.status.phase == "Failed":
        return True
    if job.spec.pod_replacement_policy == "Failed" or job.spec.pod_failure_policy is not None:
        return False
    return pod.metadata.deletion_timestamp is not None and pod.status.phase != "Succeeded"


def _past_backoff_limit_on_failure(job: Job, pods: list) -> bool:
    """``pastBackoffLimitOnFailure`` (restartPolicy OnFailure: container restarts count)."""
    if job.spec.template.spec.restart_policy != "OnFailure":
        return False
    total = 0
    for p in pods:
        if p.status.phase in ("Running", "Pending"):
            total += sum(cs.restart_count for cs in p.status.init_container_statuses)
            total += sum(cs.restart_count for cs in p.status.container_statuses)
    limit = job.spec.backoff_limit if job.spec.backoff_limit is not None else 6
    return total > 0 if limit == 0 else total >= limit


def _ensure_condition(conds: list, ctype: str, status: str, reason: str, message: str, now: float) -> bool:
    """``ensureJobConditionStatus`` (mutates ``conds``; returns whether it changed)."""
    for i, c in enumerate(conds):
        if c.type == ctype:
            if c.status != status or c.reason != reason or c.message != message:
                conds[i] = JobCondition(ctype, status, reason, message, now)
                return True
            return False
    if status != "False":
        conds.append(JobCondition(ctype, status, reason, message, now))
        return True
    return False


def job_admission(store):
    """``generateSelector`` of the Job REST strategy, as a store admission function: unless
    ``manualSelector`` is true, add the controller-uid and job-name labels (new and legacy keys) to the
    pod template and select on ``batch.kubernetes.io/controller-uid``."""

    def admit(op: str, job, old):
        if op != "CREATE" or job.spec.manual_selector:
            return None
        uid = job.metadata.uid  # assigned by the store before admission (FillObjectMetaSystemFields)
        name = job.metadata.name
        spec = copy.copy(job.spec)
        tpl = copy.copy(spec.template)
        labels = dict(tpl.labels)
        labels.update({LEGACY_CONTROLLER_UID_LABEL: uid, LEGACY_JOB_NAME_LABEL: name,
                       CONTROLLER_UID_LABEL: uid, JOB_NAME_LABEL: name})
        tpl.labels = labels
        spec.template = tpl
        spec.selector = LabelSelector(match_labels={CONTROLLER_UID_LABEL: uid})
        job.spec = spec
        return None

    return admit


# -------------------------------------------------------------------------------- controller


class JobController:
    """The Job controller (``job-controller``) with the TTL-after-finished controller."""

    name = SOURCE

    def __init__(self, engine, store):
        self.engine = engine
        self.store = store
        self.queue = WorkQueue(engine, self.sync, name=self.name)
        self.ttl_queue = WorkQueue(engine, self.sync_ttl, name=TTL_SOURCE)
        self.backoff: dict = {}  # job key -> BackoffRecord (podBackoffStore)
        store.add_admission("jobs", job_admission(store))

    def start(self) -> None:
        ensure_pod_indexes(self.store)
        self.store.watch("jobs", self._on_job)
        self.store.watch("pods", self._on_pod)

    # ------------------------------------------------------------------------------ events
    def _on_job(self, etype: str, job, old) -> None:
        key = job.key()
        if etype == "DELETED":
            self.queue.add(key)
            self._cleanup_pod_finalizers(job)
            return
        if etype == "MODIFIED" and old is not None and old.metadata.generation == job.metadata.generation:
            self.queue.add_after(key, SYNC_JOB_BATCH_PERIOD)  # status update: batched
        else:
            self.queue.add(key)
        if etype == "MODIFIED" and is_job_finished(job):
            self._cleanup_pod_finalizers(job)
        if job.status.start_time is not None and job.spec.active_deadline_seconds is not None and old is not None \
                and old.spec.active_deadline_seconds != job.spec.active_deadline_seconds:
            passed = self.engine.now - job.status.start_time
            self.queue.add_after(key, job.spec.active_deadline_seconds - passed)
        if job.spec.ttl_seconds_after_finished is not None and job.metadata.deletion_timestamp is None \
                and is_job_finished(job):
            self.ttl_queue.add(key)

    def _resolve(self, pod):
        ref = pod.metadata.controller_ref()
        if ref is None or ref.kind != "Job":
            return ref, None
        job = self.store.try_get("jobs", pod.metadata.namespace, ref.name)
        if job is None or job.metadata.uid != ref.uid:
            return ref, None
        return ref, job

    def _on_pod(self, etype: str, pod, old) -> None:
        ref, job = self._resolve(pod)
        has_fin = JOB_TRACKING_FINALIZER in pod.metadata.finalizers
        if job is None or is_job_finished(job):
            if has_fin and etype != "DELETED" and (ref is None or ref.kind == "Job"):
                self._remove_orphan_finalizer(pod.metadata.namespace, pod.metadata.name, pod.metadata.uid)
            return
        self.queue.add_after(job.key(), SYNC_JOB_BATCH_PERIOD)

    def _remove_orphan_finalizer(self, ns: str, name: str, uid: str) -> None:
        """``syncOrphanPod``: drop the tracking finalizer of a pod whose Job is gone or finished."""
        pod = self.store.try_get("pods", ns, name)
        if pod is None or pod.metadata.uid != uid or JOB_TRACKING_FINALIZER not in pod.metadata.finalizers:
            return
        ref, job = self._resolve(pod)
        if ref is not None and (ref.kind != "Job" or (job is not None and not is_job_finished(job))):
            return
        self._strip_finalizer(pod)

    def _cleanup_pod_finalizers(self, job) -> None:
        """``cleanupPodFinalizers``: orphan-pod handling for every pod of a deleted/finished Job."""
        for p in self.store.by_index("pods", OWNER_INDEX, job.metadata.uid):
            if JOB_TRACKING_FINALIZER in p.metadata.finalizers:
                self._remove_orphan_finalizer(p.metadata.namespace, p.metadata.name, p.metadata.uid)

    def _strip_finalizer(self, pod) -> None:
        """``removeTrackingFinalizerPatch``: a patch, so applied to the latest version of the pod."""
        uid = pod.metadata.uid
        pod = self.store.try_get("pods", pod.metadata.namespace, pod.metadata.name)
        if pod is None or pod.metadata.uid != uid or JOB_TRACKING_FINALIZER not in pod.metadata.finalizers:
            return
        c = pod.copy()
        c.metadata.finalizers = [f for f in c.metadata.finalizers if f != JOB_TRACKING_FINALIZER]
        try:
            self.store.update(c)
        except StoreError:
            pass

    # -------------------------------------------------------------------------------- sync
    def sync(self, key: str) -> None:
        ns, name = split_key(key)
        shared = self.store.try_get("jobs", ns, name)
        if shared is None or is_job_finished(shared):
            self.backoff.pop(key, None)
            return
        now = self.engine.now
        job = shared.copy()
        st = job.status
        st.conditions = [copy.copy(c) for c in st.conditions]
        spec = job.spec
        pods = self.store.by_index("pods", OWNER_INDEX, job.metadata.uid)
        active_pods = [p for p in pods if p.is_active()]
        terminating = sum(1 for p in pods if p.metadata.deletion_timestamp is not None
                          and p.status.phase not in ("Succeeded", "Failed"))
        ready = sum(1 for p in active_pods if is_pod_ready(p))
        active = len(active_pods)
        indexed = _indexed(job)
        completions = spec.completions
        tracked = [p for p in pods if JOB_TRACKING_FINALIZER in p.metadata.finalizers]
        valid = [p for p in tracked
                 if not indexed or 0 <= completion_index(p) < (completions or 0)]
        new_succeeded = [p for p in valid if p.status.phase == "Succeeded"]
        new_failed = [p for p in valid if p.status.phase != "Succeeded" and _is_pod_failed(p, job)]
        succeeded = st.succeeded + len(new_succeeded)
        failed = st.failed + len(new_failed)
        if st.start_time is None and not _suspended(job):
            st.start_time = now
        record = new_backoff_record(self.backoff.get(key), new_succeeded, new_failed, key)
        backoff_limit = spec.backoff_limit if spec.backoff_limit is not None else 6

        finished = None  # (type, reason, message)
        scm = _cond(job, "SuccessCriteriaMet")
        if scm is not None and scm.status == "True":
            finished = ("SuccessCriteriaMet", scm.reason, scm.message)
        else:
            ft = _cond(job, "FailureTarget")
            if ft is not None and ft.status == "True":
                finished = ("Failed", ft.reason, ft.message)
        if finished is None:
            if failed > backoff_limit or _past_backoff_limit_on_failure(job, pods):
                finished = ("FailureTarget", "BackoffLimitExceeded", "Job has reached the specified backoff limit")
            elif self._past_active_deadline(job):
                finished = ("FailureTarget", "DeadlineExceeded", "Job was active longer than specified deadline")
            elif spec.active_deadline_seconds is not None and not _suspended(job):
                self.queue.add_after(key, spec.active_deadline_seconds - (now - st.start_time))

        prev_indexes: set = set()
        succeeded_indexes: set = set()
        if indexed:
            prev_indexes = parse_indexes(st.completed_indexes, completions or 0)
            succeeded_indexes = prev_indexes | {completion_index(p) for p in new_succeeded}
            succeeded = len(succeeded_indexes)

        suspend_changed = False
        if finished is not None:
            for p in active_pods:  # deleteActivePods: keep the finalizers (counted as failed below)
                self._delete_pod(job, p)
                if is_pod_ready(p):
                    ready -= 1
            terminating += active
            active = 0
        else:
            manage_called = False
            if job.metadata.deletion_timestamp is None:
                active, terminating, ready = self._manage(job, active_pods, succeeded, succeeded_indexes,
                                                          record, terminating, ready)
                manage_called = True
            if completions is None:
                complete = succeeded > 0 and active == 0
            else:
                complete = succeeded >= completions and active == 0
            if complete:
                finished = ("SuccessCriteriaMet", "CompletionsReached", "Reached expected number of succeeded pods")
            elif manage_called:
                if _suspended(job):
                    if _ensure_condition(st.conditions, "Suspended", "True", "JobSuspended", "Job suspended", now):
                        suspend_changed = True
                        self.engine.log.record(now, SOURCE, "Suspended", key, "Job suspended")
                elif _ensure_condition(st.conditions, "Suspended", "False", "JobResumed", "Job resumed", now):
                    suspend_changed = True
                    self.engine.log.record(now, SOURCE, "Resumed", key, "Job resumed")
                    st.start_time = now

        # trackJobStatusAndRemoveFinalizers
        failure_finished = finished is not None and finished[0] != "SuccessCriteriaMet"
        to_strip = []
        counted_succeeded = counted_failed = 0
        new_indexes = []
        for p in tracked:
            considered_failed = _is_pod_failed(p, job)
            if not (job.metadata.deletion_timestamp is not None or finished is not None
                    or p.status.phase == "Succeeded" or considered_failed):
                continue
            to_strip.append(p)
            ix = completion_index(p)
            if p.status.phase == "Succeeded":
                if indexed:
                    if 0 <= ix < (completions or 0) and ix not in prev_indexes:
                        new_indexes.append(ix)
                else:
                    counted_succeeded += 1
            elif considered_failed or failure_finished:
                if not indexed or 0 <= ix < (completions or 0):
                    counted_failed += 1
        if indexed:
            all_ix = prev_indexes | set(new_indexes)
            st.succeeded = len(all_ix)
            st.completed_indexes = format_indexes(all_ix)
        else:
            st.succeeded += counted_succeeded
        st.failed += counted_failed
        if finished is not None and finished[0] == "FailureTarget":
            st.conditions.append(JobCondition("FailureTarget", "True", finished[1], finished[2], now))
            finished = ("Failed", finished[1], finished[2])
        if finished is not None and finished[0] == "SuccessCriteriaMet":
            if scm is None or scm.status != "True":
                st.conditions.append(JobCondition("SuccessCriteriaMet", "True", finished[1], finished[2], now))
            finished = ("Complete", finished[1], finished[2])
        st.active = active
        st.ready = ready
        st.terminating = terminating
        done = False
        if finished is not None and terminating == 0:  # enactJobFinished (delayTerminalCondition)
            _ensure_condition(st.conditions, finished[0], "True", finished[1], finished[2], now)
            if finished[0] == "Complete":
                st.completion_time = now
            done = True
        if new_succeeded or new_failed:
            self.backoff[key] = record
        if _status_changed(shared.status, st) or suspend_changed:
            self.store.update_status(job)
        for p in to_strip:
            self._strip_finalizer(p)
        if done:
            if finished[0] == "Complete":
                if completions is not None and st.succeeded > completions:
                    self.engine.log.record(now, SOURCE, "TooManySucceededPods", key,
                                           "Too many succeeded pods running after completion count reached")
                self.engine.log.record(now, SOURCE, "Completed", key, "Job completed")
            else:
                self.engine.log.record(now, SOURCE, finished[1], key, finished[2])

    def _past_active_deadline(self, job: Job) -> bool:
        ads = job.spec.active_deadline_seconds
        if ads is None or job.status.start_time is None or _suspended(job):
            return False
        return self.engine.now - job.status.start_time >= ads

    # ------------------------------------------------------------------------------ manage
    def _manage(self, job: Job, active_pods: list, succeeded: int, succeeded_indexes: set, record,
                terminating: int, ready: int) -> tuple:
        """``manageJob``: returns (active, terminating, ready)."""
        now = self.engine.now
        key = job.key()
        spec = job.spec
        active = len(active_pods)
        parallelism = spec.parallelism if spec.parallelism is not None else 1
        if _suspended(job):
            removed, removed_ready = self._delete_job_pods(job, self._for_removal(job, active_pods, active))
            return active - removed, terminating + removed, ready - removed_ready
        if spec.completions is None:
            want = active if succeeded > 0 else parallelism
        else:
            want = max(min(spec.completions - succeeded, parallelism), 0)
        rm = max(active - want, 0)
        victims = self._for_removal(job, active_pods, rm)[:MAX_POD_CREATE_DELETE_PER_SYNC]
        if victims:
            removed, removed_ready = self._delete_job_pods(job, victims)
            return active - removed, terminating + removed, ready - removed_ready
        only_failed = spec.pod_replacement_policy == "Failed" or spec.pod_failure_policy is not None
        diff = want - (terminating if only_failed else 0) - active
        if diff <= 0:
            return active, terminating, ready
        remaining = get_remaining_time(record, now, DEFAULT_JOB_POD_FAILURE_BACKOFF, MAX_JOB_POD_FAILURE_BACKOFF)
        if remaining > 0:
            self.queue.add_after(key, max(remaining, SYNC_JOB_BATCH_PERIOD))  # enqueueSyncJobWithDelay
            return 0, terminating, ready  # upstream returns active = 0 here
        diff = min(diff, MAX_POD_CREATE_DELETE_PER_SYNC)
        indexes: list = []
        if _indexed(job):
            busy = {completion_index(p) for p in active_pods}
            indexes = [i for i in range(spec.completions) if i not in succeeded_indexes and i not in busy][:diff]
            diff = len(indexes)
        created = 0
        for batch in slow_start_batches(diff):
            for _ in range(batch):
                ix = indexes[created] if indexes else None
                if not self._create_pod(job, ix):
                    return active + created, terminating, ready
                created += 1
        return active + created, terminating, ready

    def _for_removal(self, job: Job, pods: list, rm_at_least: int) -> list:
        """``activePodsForRemoval``: duplicate/out-of-range indexes first, then ``controller.ActivePods``
        order (not ready < ready, unscheduled < scheduled, pending < running)."""
        rm: list = []
        left = list(pods)
        if _indexed(job):
            left = []
            seen: set = set()
            completions = job.spec.completions or 0
            # appendDuplicatedIndexPodsForRemoval: per index keep one pod (the first in ActivePods
            # reverse order = the most advanced), remove pods with invalid or duplicate indexes
            for p in sorted(pods, key=lambda q: completion_index(q)):
                ix = completion_index(p)
                if ix < 0 or ix >= completions:
                    rm.append(p)
            by_ix: dict = {}
            for p in pods:
                ix = completion_index(p)
                if 0 <= ix < completions:
                    by_ix.setdefault(ix, []).append(p)
            for ix in sorted(by_ix):
                group = sort_active_pods(by_ix[ix])
                rm.extend(group[:-1])
                left.append(group[-1])
                seen.add(ix)
        if len(rm) < rm_at_least:
            left = sort_active_pods(left)
            rm.extend(left[: rm_at_least - len(rm)])
        return rm

    def _create_pod(self, job: Job, index: Optional[int]) -> bool:
        now = self.engine.now
        tpl = job.spec.template
        if index is None:
            pod = pod_from_template(tpl, job)
        else:
            suffix = f"-{index}-"
            prefix = job.metadata.name
            if len(prefix) + len(suffix) > MAX_GENERATED_NAME_PREFIX:
                prefix = prefix[: MAX_GENERATED_NAME_PREFIX - len(suffix)]
            pspec = copy.copy(tpl.spec)
            pspec.hostname = f"{job.metadata.name}-{index}"
            pod = pod_from_template(tpl, job, generate_name=prefix + suffix,
                                    extra_labels={COMPLETION_INDEX_ANNOTATION: str(index)}, spec=pspec)
            pod.metadata.annotations[COMPLETION_INDEX_ANNOTATION] = str(index)
        if JOB_TRACKING_FINALIZER not in pod.metadata.finalizers:
            pod.metadata.finalizers = list(pod.metadata.finalizers) + [JOB_TRACKING_FINALIZER]
        try:
            pod = self.store.create(pod)
        except StoreError as e:
            self.engine.log.record(now, SOURCE, "FailedCreate", job.key(), f"Error creating: {e}")
            return False
        self.engine.log.record(now, SOURCE, "SuccessfulCreate", job.key(), f"Created pod: {pod.metadata.name}")
        return True

    def _delete_pod(self, job: Job, pod) -> bool:
        try:
            self.store.delete("pods", pod.metadata.namespace, pod.metadata.name)
        except StoreError:
            return False
        self.engine.log.record(self.engine.now, SOURCE, "SuccessfulDelete", job.key(),
                               f"Deleted pod: {pod.metadata.name}")
        return True

    def _delete_job_pods(self, job: Job, pods: list) -> tuple:
        """``deleteJobPods``: remove the tracking finalizer (the pod is not counted), then delete."""
        removed = removed_ready = 0
        for p in pods:
            if JOB_TRACKING_FINALIZER in p.metadata.finalizers:
                self._strip_finalizer(p)
            if self._delete_pod(job, p):
                removed += 1
                if is_pod_ready(p):
                    removed_ready += 1
        return removed, removed_ready

    # ----------------------------------------------------------------- ttl-after-finished
    def sync_ttl(self, key: str) -> None:
        """``ttlafterfinished.processJob``: delete the Job (Foreground) once its TTL after finishing has
        passed; otherwise come back at the expiry time."""
        ns, name = split_key(key)
        job = self.store.try_get("jobs", ns, name)
        if job is None or job.metadata.deletion_timestamp is not None:
            return
        ttl = job.spec.ttl_seconds_after_finished
        cond = finished_condition(job)
        if ttl is None or cond is None:
            return
        finish = cond.last_transition_time if cond.last_transition_time is not None else self.engine.now
        expire = finish + ttl
        now = self.engine.now
        if now < expire:
            self.ttl_queue.add_after(key, expire - now)
            return
        try:
            self.store.delete("jobs", ns, name, propagation_policy="Foreground", uid_precondition=job.metadata.uid)
        except StoreError:
            return
        self.engine.log.record(now, TTL_SOURCE, "Deleted", key, "Job deleted after ttlSecondsAfterFinished")


def _status_changed(a, b) -> bool:
    return (a.active, a.succeeded, a.failed, a.ready, a.terminating, a.start_time, a.completion_time,
            a.completed_indexes, a.failed_indexes, a.conditions) != (
        b.active, b.succeeded, b.failed, b.ready, b.terminating, b.start_time, b.completion_time,
        b.completed_indexes, b.failed_indexes, b.conditions)


def new_controller(engine, store, spec=None) -> JobController:
    return JobController(engine, store)
