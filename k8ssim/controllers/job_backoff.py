"""Job pod-failure backoff: records, finish times and the remaining requeue delay.

Mirrors ``pkg/controller/job/backoff_utils.go`` (``backoffRecord``, ``backoffStore.newBackoffRecord``,
``getFinishedTime``, ``getRemainingTime``, ``getRemainingTimePerIndex``,
``getRemainingTimeForFailuresCount``) and the constants of ``pkg/controller/job/job_controller.go``.

Times are simulated seconds (float); ``None`` is Go's zero/nil time.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

from k8ssim.api.core import Pod

#: ``DefaultJobPodFailureBackOff``.
DEFAULT_JOB_POD_FAILURE_BACKOFF = 10.0
#: ``MaxJobPodFailureBackOff`` (10 min; the docs' 6 min is the older ``MaxJobBackOff``).
MAX_JOB_POD_FAILURE_BACKOFF = 600.0
#: ``DefaultJobApiBackOff`` / ``MaxJobApiBackOff`` (workqueue rate limiter for API errors).
DEFAULT_JOB_API_BACKOFF = 1.0
MAX_JOB_API_BACKOFF = 60.0
#: ``batch.kubernetes.io/job-index-failure-count`` annotation (backoffLimitPerIndex).
JOB_INDEX_FAILURE_COUNT_ANNOTATION = "batch.kubernetes.io/job-index-failure-count"


@dataclass(frozen=True)
class BackoffRecord:
    """``backoffRecord``: failures since the last success and when the latest of them finished."""

    key: str = ""
    failures_after_last_success: int = 0
    last_failure_time: Optional[float] = None


# ------------------------------------------------------------------------------ finish time


def _latest_finish_time(prev: Optional[float], statuses, keep=None) -> tuple:
    """``latestFinishTime`` -> ``(ok, time)``: ok=False when some container is not terminated with a
    non-zero finishedAt (upstream returns nil)."""
    finish = prev
    for cs in statuses:
        if keep is not None and not keep(cs):
            continue
        if cs.state != "terminated" or cs.finished_at is None:
            return False, None
        if finish is None or finish < cs.finished_at:
            finish = cs.finished_at
    return True, finish


def _finish_time_from_containers(pod: Pod) -> Optional[float]:
    ok, finish = _latest_finish_time(None, pod.status.container_statuses)
    if not ok:
        return None
    # SidecarContainers (GA): restartable init containers finish after the regular ones
    sidecars = {c.name for c in pod.spec.init_containers if c.restart_policy == "Always"}
    ok, finish = _latest_finish_time(finish, pod.status.init_container_statuses, lambda cs: cs.name in sidecars)
    return finish if ok else None


def get_finished_time(pod: Pod) -> float:
    """``getFinishedTime``: latest container finishedAt; else Ready=False transition time; else
    deletionTimestamp − deletionGracePeriodSeconds; else creationTimestamp (0.0 when unset)."""
    t = _finish_time_from_containers(pod)
    if t is not None:
        return t
    c = pod.status.condition("Ready")
    if c is not None and c.status == "False" and c.last_transition_time is not None:
        return c.last_transition_time
    if pod.metadata.deletion_timestamp is not None:
        return pod.metadata.deletion_timestamp - float(pod.metadata.deletion_grace_period_seconds or 0)
    ct = pod.metadata.creation_timestamp
    return 0.0 if ct is None else ct


# ------------------------------------------------------------------------------- records


def new_backoff_record(
    stored: Optional[BackoffRecord],
    new_succeeded_pods: Sequence[Pod],
    new_failed_pods: Sequence[Pod],
    key: str = "",
) -> BackoffRecord:
    """``newBackoffRecord``: fold the pods that finished since the last sync into the stored record."""
    count = stored.failures_after_last_success if stored is not None else 0
    last = stored.last_failure_time if stored is not None else None
    key = stored.key if stored is not None else key
    succeeded = sorted(get_finished_time(p) for p in new_succeeded_pods)
    failed = sorted(get_finished_time(p) for p in new_failed_pods)
    if not succeeded:
        if not failed:
            return BackoffRecord(key, count, last)
        return BackoffRecord(key, count + len(failed), failed[-1])
    if not failed:
        return BackoffRecord(key, 0, None)
    last_success = succeeded[-1]
    count, last = 0, None
    for t in reversed(failed):
        if not t > last_success:
            break
        if last is None:
            last = t
        count += 1
    return BackoffRecord(key, count, last)


# --------------------------------------------------------------------------- remaining time


def backoff_duration(failures: int, default_backoff: float, max_backoff: float) -> float:
    """The delay after ``failures`` failures: default doubled ``failures − 1`` times, stopping at the
    first value ``>= max`` (then max). 0 for no failures."""
    if failures <= 0:
        return 0.0
    d = default_backoff
    for _ in range(1, failures):
        d *= 2
        if d >= max_backoff:
            d = max_backoff
            break
    return d


def get_remaining_time_for_failures_count(
    now: float,
    default_backoff: float,
    max_backoff: float,
    failures: int,
    last_failure_time: Optional[float],
) -> float:
    """``getRemainingTimeForFailuresCount``: how long to wait before creating a replacement pod."""
    if failures == 0:
        return 0.0
    d = backoff_duration(failures, default_backoff, max_backoff)
    elapsed = now - (last_failure_time if last_failure_time is not None else 0.0)
    if d < elapsed:
        return 0.0
    return d - elapsed


def get_remaining_time(
    record: BackoffRecord,
    now: float,
    default_backoff: float = DEFAULT_JOB_POD_FAILURE_BACKOFF,
    max_backoff: float = MAX_JOB_POD_FAILURE_BACKOFF,
) -> float:
    """``backoffRecord.getRemainingTime``."""
    return get_remaining_time_for_failures_count(
        now, default_backoff, max_backoff, record.failures_after_last_success, record.last_failure_time
    )


def get_index_failure_count(pod: Pod) -> int:
    """``getIndexFailureCount``: the job-index-failure-count annotation (0 when missing or invalid)."""
    v = pod.metadata.annotations.get(JOB_INDEX_FAILURE_COUNT_ANNOTATION)
    if v is None:
        return 0
    try:
        n = int(v, 10)
    except ValueError:
        return 0
    return n if 0 <= n < 2**31 else 0


def get_remaining_time_per_index(
    last_failed_pod: Optional[Pod],
    now: float,
    default_backoff: float = DEFAULT_JOB_POD_FAILURE_BACKOFF,
    max_backoff: float = MAX_JOB_POD_FAILURE_BACKOFF,
) -> float:
    """``getRemainingTimePerIndex`` (backoffLimitPerIndex): failures = the last failed pod's index failure
    count + 1, counted from its finish time."""
    if last_failed_pod is None:
        return 0.0
    failures = get_index_failure_count(last_failed_pod) + 1
    return get_remaining_time_for_failures_count(
        now, default_backoff, max_backoff, failures, get_finished_time(last_failed_pod)
    )
