"""Vectors of ``job_backoff.json`` against :mod:`k8ssim.controllers.job_backoff`
(``newBackoffRecord``, ``getFinishedTime``, ``getRemainingTime``, ``getRemainingTimePerIndex``).
Times in the vectors are relative to the upstream test's fixed instant; they are used as is."""
from __future__ import annotations

from k8ssim.api.core import ContainerStatus, Pod, PodCondition, PodSpec, PodStatus
from k8ssim.api.meta import ObjectMeta
from k8ssim.conformance.runner import Mismatch, expect_equal
from k8ssim.controllers import job_backoff as jb


def _finished_pod(t: float, phase: str) -> Pod:
    cs = ContainerStatus(name="c", state="terminated", finished_at=t)
    return Pod(metadata=ObjectMeta(name=f"p{t}"), status=PodStatus(phase=phase, container_statuses=[cs]))


def _pod(d: dict) -> Pod:
    statuses = []
    for i, c in enumerate(d.get("containers") or []):
        if c.get("running"):
            statuses.append(ContainerStatus(name=f"c{i}", state="running"))
        elif "terminated_finishedAt_s" in c:
            statuses.append(ContainerStatus(name=f"c{i}", state="terminated", finished_at=c["terminated_finishedAt_s"]))
        else:
            statuses.append(ContainerStatus(name=f"c{i}", state="waiting"))
    conds = []
    if "readyFalse_s" in d:
        conds.append(PodCondition("Ready", "False", d["readyFalse_s"]))
    meta = ObjectMeta(
        name=d.get("name", "p"),
        creation_timestamp=d.get("creationTimestamp_s"),
        deletion_timestamp=d.get("deletionTimestamp_s"),
        deletion_grace_period_seconds=d.get("deletionGracePeriodSeconds"),
        annotations=dict(d.get("annotations") or {}),
    )
    if "indexFailureCount" in d:
        meta.annotations[jb.JOB_INDEX_FAILURE_COUNT_ANNOTATION] = str(d["indexFailureCount"])
    return Pod(metadata=meta, spec=PodSpec(), status=PodStatus(phase=d.get("phase", "Failed"), conditions=conds, container_statuses=statuses))


def _remaining(inp: dict, exp: dict) -> None:
    rec = jb.BackoffRecord("job", inp["failuresAfterLastSuccess"], inp.get("lastFailureTime_s"))
    now = inp.get("now_s")
    got = jb.get_remaining_time(rec, 0.0 if now is None else now, inp["defaultBackoff_s"], inp["maxBackoff_s"])
    expect_equal(got, exp["remaining_s"], "remaining")


def _remaining_per_index(inp: dict, exp: dict) -> None:
    lfp = inp.get("lastFailedPod")
    pod = None if lfp is None else _pod(lfp)
    got = jb.get_remaining_time_per_index(pod, inp["now_s"], inp["defaultBackoff_s"], inp["maxBackoff_s"])
    expect_equal(got, exp["remaining_s"], "remaining")


def _record(inp: dict, exp: dict) -> None:
    st = inp.get("stored_record")
    stored = None
    if st is not None:
        lft = st.get("lastFailureTime_ms")
        stored = jb.BackoffRecord("job", st["failuresAfterLastSuccess"], None if lft is None else lft / 1000.0)
    succ = [_finished_pod(t / 1000.0, "Succeeded") for t in inp["newSucceededPods_finish_ms"]]
    fail = [_finished_pod(t / 1000.0, "Failed") for t in inp["newFailedPods_finish_ms"]]
    rec = jb.new_backoff_record(stored, succ, fail, key="job")
    expect_equal(rec.failures_after_last_success, exp["failuresAfterLastSuccess"], "failuresAfterLastSuccess")
    want = exp.get("lastFailureTime_ms")
    got = None if rec.last_failure_time is None else round(rec.last_failure_time * 1000.0)
    expect_equal(got, want, "lastFailureTime_ms")


def _finished(inp: dict, exp: dict) -> None:
    expect_equal(jb.get_finished_time(_pod(inp["pod"])), exp["finishedTime_s"], "finishedTime")


_KINDS = {
    "getRemainingTime": _remaining,
    "getRemainingTimePerIndex": _remaining_per_index,
    "newBackoffRecord": _record,
    "getFinishedTime": _finished,
}


def run(vector: dict, doc: dict) -> None:
    fn = _KINDS.get(vector.get("kind"))
    if fn is None:
        raise Mismatch(f"unknown kind {vector.get('kind')!r}")
    fn(vector.get("inputs", {}), vector.get("expected", {}))
