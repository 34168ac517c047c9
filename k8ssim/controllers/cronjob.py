"""CronJob controller (``pkg/controller/cronjob/cronjob_controllerv2.go`` and ``utils.go``).

Each sync: clean up finished Jobs beyond ``successfulJobsHistoryLimit``/``failedJobsHistoryLimit``
(oldest start time first, ``cleanupFinishedJobs``), reconcile ``status.active`` with the child Jobs
(``SawCompletedJob``, ``MissingJob``, ``lastSuccessfulTime``), then, unless suspended, find the most
recent unmet schedule time (``mostRecentScheduleTime``; ``startingDeadlineSeconds`` bounds how far
back, ``MissSchedule`` when too late), apply ``concurrencyPolicy`` (Forbid skips with
``JobAlreadyActive``, Replace deletes the active Jobs), create the Job ``<cronjob>-<scheduled Unix
minutes>`` with the ``batch.kubernetes.io/cronjob-scheduled-timestamp`` annotation and requeue at the
next schedule time + 100 ms (``nextScheduleDelta``). Schedules run in simulated time
(:mod:`k8ssim.api.cron`: time 0 = 2026-01-01T00:00:00Z), in UTC unless ``timeZone``.
"""
from __future__ import annotations

import copy
from typing import Optional

from k8ssim.api.batch import Job
from k8ssim.api.meta import ObjectMeta
from k8ssim.controllers.base import WorkQueue, controller_owner_uid, split_key
from k8ssim.api.cron import format_rfc3339, load_location, parse_standard, to_unix
from k8ssim.controllers.job import finished_condition
from k8ssim.controllers.podcontrol import owner_reference
from k8ssim.store.errors import AlreadyExists, StoreError

__all__ = ["CronJobController", "new_controller", "job_name", "most_recent_schedule_time",
           "NEXT_SCHEDULE_DELTA", "SCHEDULED_TIMESTAMP_ANNOTATION", "JOB_OWNER_INDEX"]

SOURCE = "cronjob-controller"
NEXT_SCHEDULE_DELTA = 0.1  # nextScheduleDelta = 100 ms
SCHEDULED_TIMESTAMP_ANNOTATION = "batch.kubernetes.io/cronjob-scheduled-timestamp"
JOB_OWNER_INDEX = "controller-uid"
NONE_MISSED, FEW_MISSED, MANY_MISSED = 0, 1, 2


def job_name(cronjob_name: str, scheduled: float) -> str:
    """``getJobName``: ``<cronjob>-<scheduled time in Unix minutes>``."""
    return f"{cronjob_name}-{int(to_unix(scheduled) // 60)}"


def most_recent_schedule_time(cj, now: float, sched, include_starting_deadline: bool) -> tuple:
    """``mostRecentScheduleTime`` -> ``(earliest, most_recent or None, missed, error or None)``."""
    earliest = cj.metadata.creation_timestamp or 0.0
    missed = NONE_MISSED
    if cj.status.last_schedule_time is not None:
        earliest = cj.status.last_schedule_time
    sds = cj.spec.starting_deadline_seconds
    if include_starting_deadline and sds is not None:
        deadline = now - sds
        if deadline > earliest:
            earliest = deadline
    t1 = sched.next(earliest)
    if t1 is None or now < t1:
        return earliest, None, missed, None
    t2 = sched.next(t1)
    if t2 is None or now < t2:
        return earliest, t1, missed, None
    between = int(round(t2 - t1))
    if between < 1:
        return earliest, None, missed, "time difference between two schedules is less than 1 second"
    elapsed = int(now - t1)
    n_missed = elapsed // between + 1
    potential = t1 + (n_missed - 1 - 1) * between
    most_recent = None
    t = sched.next(potential)
    while t is not None and not t > now:
        most_recent = t
        t = sched.next(t)
    if n_missed > 100:
        missed = MANY_MISSED
    elif n_missed > 1:
        missed = FEW_MISSED
    return earliest, most_recent, missed, None


def _owner_index(obj) -> list:
    uid = controller_owner_uid(obj)
    return [uid] if uid else []


class CronJobController:
    """``cronjob-controller`` (ControllerV2)."""

    name = SOURCE

    def __init__(self, engine, store):
        self.engine = engine
        self.store = store
        self.queue = WorkQueue(engine, self.sync, name=self.name)

    def start(self) -> None:
        try:
            self.store.add_index("jobs", JOB_OWNER_INDEX, _owner_index)
        except ValueError:
            pass  # already registered by someone else with the same meaning
        self.store.watch("cronjobs", self._on_cronjob)
        self.store.watch("jobs", self._on_job)

    # ------------------------------------------------------------------------------ events
    def _on_cronjob(self, etype: str, cj, old) -> None:
        if etype != "DELETED":
            self.queue.add(cj.key())

    def _on_job(self, etype: str, job, old) -> None:
        ref = job.metadata.controller_ref()
        if ref is None or ref.kind != "CronJob":
            return
        cj = self.store.try_get("cronjobs", job.metadata.namespace, ref.name)
        if cj is not None and cj.metadata.uid == ref.uid:
            self.queue.add(cj.key())

    # -------------------------------------------------------------------------------- sync
    def sync(self, key: str) -> None:
        ns, name = split_key(key)
        shared = self.store.try_get("cronjobs", ns, name)
        if shared is None:
            return
        jobs = self.store.by_index("jobs", JOB_OWNER_INDEX, shared.metadata.uid)
        cj = shared.copy()
        cj.status.active = list(cj.status.active)
        update = self._cleanup_finished_jobs(cj, jobs)
        requeue, update2 = self._sync_cronjob(cj, jobs)
        if update or update2:
            try:
                self.store.update_status(cj)
            except StoreError:
                self.queue.add_after(key, 1.0)
                return
        if requeue is not None:
            self.queue.add_after(key, requeue)

    def _event(self, cj, reason: str, message: str) -> None:
        self.engine.log.record(self.engine.now, SOURCE, reason, cj.key(), message)

    def _delete_job(self, cj, job) -> bool:
        """``deleteJob``: background deletion, dropped from the active list."""
        try:
            self.store.delete("jobs", job.metadata.namespace, job.metadata.name, propagation_policy="Background")
        except StoreError as e:
            self._event(cj, "FailedDelete", f"Deleted job: {e}")
            return False
        cj.status.active = [a for a in cj.status.active if a[2] != job.metadata.uid]
        self._event(cj, "SuccessfulDelete", f"Deleted job {job.metadata.name}")
        return True

    def _cleanup_finished_jobs(self, cj, jobs: list) -> bool:
        """``cleanupFinishedJobs`` + ``removeOldestJobs`` (sorted by start time, nil last, then name)."""
        ok, bad = [], []
        for j in jobs:
            c = finished_condition(j)
            if c is not None and j.metadata.deletion_timestamp is None:
                (ok if c.type == "Complete" else bad).append(j)
        updated = False
        for group, limit in ((ok, cj.spec.successful_jobs_history_limit), (bad, cj.spec.failed_jobs_history_limit)):
            if limit is None or len(group) <= limit:
                continue
            group.sort(key=lambda j: (j.status.start_time is None, j.status.start_time or 0.0, j.metadata.name))
            for j in group[: len(group) - limit]:
                if self._delete_job(cj, j):
                    updated = True
        return updated

    def _sync_cronjob(self, cj, jobs: list) -> tuple:
        """``syncCronJob`` -> (requeue_after or None, update_status)."""
        now = self.engine.now
        update = False
        children = set()
        for j in jobs:
            uid = j.metadata.uid
            children.add(uid)
            found = any(a[2] == uid for a in cj.status.active)
            fc = finished_condition(j)
            if not found and fc is None:
                if j.metadata.deletion_timestamp is None:
                    self._event(cj, "UnexpectedJob", f"Saw a job that the controller did not create or forgot: "
                                                     f"{j.metadata.name}")
            elif found and fc is not None:
                cj.status.active = [a for a in cj.status.active if a[2] != uid]
                self._event(cj, "SawCompletedJob", f"Saw completed job: {j.metadata.name}, condition: {fc.type}")
                update = True
            if fc is not None and fc.type == "Complete" and j.status.completion_time is not None:
                lst = cj.status.last_successful_time
                if lst is None or j.status.completion_time > lst:
                    cj.status.last_successful_time = j.status.completion_time
                    update = True
        for a in list(cj.status.active):
            if a[2] in children:
                continue
            live = self.store.try_get("jobs", a[0], a[1])
            if live is None:
                self._event(cj, "MissingJob", f"Active job went missing: {a[1]}")
                cj.status.active = [x for x in cj.status.active if x[2] != a[2]]
                update = True
        if cj.metadata.deletion_timestamp is not None:
            return None, update
        try:
            tz = load_location(cj.spec.time_zone)
        except ValueError as e:
            self._event(cj, "UnknownTimeZone", f'invalid timeZone: "{cj.spec.time_zone}": {e}')
            return None, update
        if cj.spec.suspend:
            return None, update
        try:
            sched = parse_standard(cj.spec.schedule, tz)
        except ValueError as e:
            self._event(cj, "UnparseableSchedule", f'unparseable schedule: "{cj.spec.schedule}" : {e}')
            return None, update
        _, scheduled, missed, err = most_recent_schedule_time(cj, now, sched, True)
        if err is not None:
            self._event(cj, "InvalidSchedule", f"invalid schedule: {cj.spec.schedule} : {err}")
            return None, update
        if scheduled is not None and missed == MANY_MISSED:
            self._event(cj, "TooManyMissedTimes", "too many missed start times. Set or decrease "
                                                  ".spec.startingDeadlineSeconds or check clock skew")
        if scheduled is None:
            return self._next(cj, now, sched), update
        sds = cj.spec.starting_deadline_seconds
        if sds is not None and scheduled + sds < now:
            self._event(cj, "MissSchedule", "Missed scheduled time to start a job: "
                                            + format_rfc3339(scheduled))
            return self._next(cj, now, sched), update
        name = job_name(cj.metadata.name, scheduled)
        if any(a[1] == name and a[0] == cj.metadata.namespace for a in cj.status.active) \
                or cj.status.last_schedule_time == scheduled:
            return self._next(cj, now, sched), update
        if cj.spec.concurrency_policy == "Forbid" and cj.status.active:
            self._event(cj, "JobAlreadyActive",
                        "Not starting job because prior execution is running and concurrency policy is Forbid")
            return self._next(cj, now, sched), update
        if cj.spec.concurrency_policy == "Replace":
            for a in list(cj.status.active):
                j = self.store.try_get("jobs", a[0], a[1])
                if j is None:
                    continue
                if not self._delete_job(cj, j):
                    return None, update
                update = True
        job = self._job_from_template(cj, scheduled, tz)
        try:
            job = self.store.create(job)
        except AlreadyExists:
            job = self.store.try_get("jobs", cj.metadata.namespace, name)
            if job is None or controller_owner_uid(job) != cj.metadata.uid \
                    or any(a[2] == job.metadata.uid for a in cj.status.active):
                return None, update
        except StoreError as e:
            self._event(cj, "FailedCreate", f"Error creating job: {e}")
            return None, update
        else:
            self._event(cj, "SuccessfulCreate", f"Created job {job.metadata.name}")
        cj.status.active.append((job.metadata.namespace, job.metadata.name, job.metadata.uid))
        cj.status.last_schedule_time = scheduled
        return self._next(cj, now, sched), True

    def _next(self, cj, now: float, sched) -> Optional[float]:
        """``nextScheduleTimeDuration``: time until the next schedule after the most recent one, +100 ms."""
        earliest, most_recent, missed, err = most_recent_schedule_time(cj, now, sched, False)
        if err is not None:
            return None
        base = most_recent if most_recent is not None else earliest
        t = sched.next(base)
        if t is None:
            return None
        return max(t + NEXT_SCHEDULE_DELTA - now, 0.0)

    def _job_from_template(self, cj, scheduled: float, tz) -> Job:
        """``getJobFromTemplate2``."""
        jt = cj.spec.job_template
        annotations = dict(jt.annotations)
        annotations[SCHEDULED_TIMESTAMP_ANNOTATION] = format_rfc3339(scheduled, tz)
        return Job(
            metadata=ObjectMeta(name=job_name(cj.metadata.name, scheduled), namespace=cj.metadata.namespace,
                                labels=dict(jt.labels), annotations=annotations,
                                owner_references=[owner_reference(cj)]),
            spec=copy.deepcopy(jt.spec),
        )


def new_controller(engine, store, spec=None) -> CronJobController:
    return CronJobController(engine, store)
