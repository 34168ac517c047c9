"""CronJob controller and cron schedules: times from ``cronjob_controllerv2.go``/``utils.go`` and
robfig/cron ``SpecSchedule.Next``. Simulated time 0 is 2026-01-01T00:00:00Z (a Thursday), so
``*/5 * * * *`` fires at 300, 600, ...; the controller syncs ``nextScheduleDelta`` = 100 ms after each
schedule time, so Jobs are created at 300.1, 600.1, ... and named ``<cronjob>-<Unix minutes>``."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from k8ssim.api.batch import CronJob, CronJobSpec, JobTemplateSpec
from k8ssim.api.meta import ObjectMeta
from k8ssim.api import cron
from k8ssim.controllers.cronjob import job_name

from .test_job import Cluster, make_job


def cronjob(name="tick", schedule="*/5 * * * *", policy="Allow", ok=3, bad=1, **kw) -> CronJob:
    tpl = make_job(name).spec
    return CronJob(metadata=ObjectMeta(name=name, namespace="default"),
                   spec=CronJobSpec(schedule=schedule, concurrency_policy=policy, successful_jobs_history_limit=ok,
                                    failed_jobs_history_limit=bad, job_template=JobTemplateSpec(spec=tpl), **kw))


def created_jobs(cl) -> list:
    return [(t, detail.split()[-1]) for t, _k, detail in cl.events("SuccessfulCreate", "cronjob-controller")]


# ------------------------------------------------------------------------------------- schedules


@pytest.mark.parametrize("spec,after,want", [
    ("*/5 * * * *", "2026-01-01T00:00:00", "2026-01-01T00:05:00"),
    ("0 * * * *", "2026-01-01T00:00:00", "2026-01-01T01:00:00"),
    ("@hourly", "2026-01-01T00:30:00", "2026-01-01T01:00:00"),
    ("@daily", "2026-01-01T00:00:00", "2026-01-02T00:00:00"),
    ("@weekly", "2026-01-01T00:00:00", "2026-01-04T00:00:00"),  # next Sunday
    ("@monthly", "2026-01-01T00:00:00", "2026-02-01T00:00:00"),
    ("@yearly", "2026-01-01T00:00:00", "2027-01-01T00:00:00"),
    ("0 9 * * mon-fri", "2026-01-02T10:00:00", "2026-01-05T09:00:00"),  # Fri 10:00 -> Mon 09:00
    ("15,45 */6 * jan,jul *", "2026-01-01T00:20:00", "2026-01-01T00:45:00"),
    ("0 0 13 * 5", "2026-01-01T00:00:00", "2026-01-02T00:00:00"),  # dom OR dow when both restricted
    ("0 0 29 2 *", "2026-01-01T00:00:00", "2028-02-29T00:00:00"),  # next leap day
    ("30 2 * * *", "2026-03-07T00:00:00", "2026-03-07T02:30:00"),
])
def test_next_matches_robfig(spec, after, want):
    t = cron.from_datetime(datetime.fromisoformat(after).replace(tzinfo=timezone.utc))
    got = cron.parse_standard(spec).next(t)
    assert cron.to_datetime(got).strftime("%Y-%m-%dT%H:%M:%S") == want


def test_time_zone_schedule():
    # 09:00 in America/New_York (UTC-5 in January) is 14:00 UTC
    s = cron.parse_standard("0 9 * * *", cron.load_location("America/New_York"))
    assert cron.to_datetime(s.next(0)).strftime("%H:%M") == "14:00"


def test_impossible_schedule_has_no_next_time():
    assert cron.parse_standard("0 0 31 2 *").next(0) is None


@pytest.mark.parametrize("spec,msg", [
    ("* * * *", "expected exactly 5 fields, found 4: * * * *"),
    ("60 * * * *", "end of range (60) above maximum (59): 60"),
    ("* * * * 7", "end of range (7) above maximum (6): 7"),
    ("5-1 * * * *", "beginning of range (5) beyond end of range (1): 5-1"),
    ("@fortnightly", "unrecognized descriptor: @fortnightly"),
    ("", "empty spec string"),
])
def test_parse_errors_have_robfig_wording(spec, msg):
    with pytest.raises(ValueError) as e:
        cron.parse_standard(spec)
    assert str(e.value) == msg


def test_job_name_is_unix_minutes():
    # 2026-01-01T00:05:00Z = 1767225900 s = 29453765 min
    assert job_name("tick", 300.0) == "tick-29453765"


# ------------------------------------------------------------------------------------ controller


def test_runs_every_five_minutes_and_keeps_history():
    cl = Cluster()  # each Job: 1 pod for 10 s
    cl.store.create(cronjob(ok=2))
    cl.run(1201)
    assert created_jobs(cl) == [(300.1, "tick-29453765"), (600.1, "tick-29453770"),
                                (900.1, "tick-29453775"), (1200.1, "tick-29453780")]
    j = cl.store.get("jobs", "default", "tick-29453765") if cl.job("tick-29453765") else None
    assert j is None  # successful history limit 2: the oldest finished Jobs are deleted
    names = sorted(x.metadata.name for x in cl.store.list("jobs"))
    # the 1200 Job is still running (not finished): the two finished ones are kept
    assert names == ["tick-29453770", "tick-29453775", "tick-29453780"]
    cj = cl.store.get("cronjobs", "default", "tick")
    assert cj.status.last_schedule_time == 1200
    # the 900 Job: pod created 900.1, runs 901.1-911.1, Job complete at 912.1
    assert cj.status.last_successful_time == pytest.approx(912.1)
    assert [a[1] for a in cj.status.active] == ["tick-29453780"]
    ann = cl.job("tick-29453780").metadata.annotations["batch.kubernetes.io/cronjob-scheduled-timestamp"]
    assert ann == "2026-01-01T00:20:00Z"


def test_forbid_skips_while_active_with_starting_deadline():
    # each Job runs 400 s (> 5 min): the 300 Job is active at 600.1 -> JobAlreadyActive; it completes at
    # 300.1 + 1 + 400 + 1 = 702.1. With startingDeadlineSeconds 60 the 600 schedule is then out of reach
    # (earliest = 702.1 - 60), so the next run is 900.1.
    cl = Cluster(outcome=lambda pod: (400.0, 0))
    cl.store.create(cronjob(policy="Forbid", starting_deadline_seconds=60))
    cl.run(1000)
    assert [t for t, _ in created_jobs(cl)] == [300.1, 900.1]
    assert [t for t, *_ in cl.events("JobAlreadyActive")] == [600.1]


def test_forbid_without_deadline_starts_the_skipped_schedule_late():
    # upstream: without startingDeadlineSeconds the 600 schedule stays unmet; when the 300 Job completes
    # (702.1) the CronJob syncs and starts it late (job name still from 600). That Job runs until
    # 702.1 + 402 = 1104.1, so 900.1 is skipped; at 1104.1 the 900 schedule starts late.
    cl = Cluster(outcome=lambda pod: (400.0, 0))
    cl.store.create(cronjob(policy="Forbid"))
    cl.run(1110)
    assert created_jobs(cl) == [(300.1, "tick-29453765"), (pytest.approx(702.1), "tick-29453770"),
                                (pytest.approx(1104.1), "tick-29453775")]
    assert [t for t, *_ in cl.events("JobAlreadyActive")] == [600.1, 900.1]


def test_allow_runs_concurrently_and_replace_replaces():
    cl = Cluster(outcome=lambda pod: (400.0, 0))
    cl.store.create(cronjob("a", policy="Allow"))
    cl.store.create(cronjob("r", policy="Replace"))
    cl.run(700)
    a = cl.store.get("cronjobs", "default", "a")
    r = cl.store.get("cronjobs", "default", "r")
    assert len(a.status.active) == 2
    assert [x[1] for x in r.status.active] == ["r-29453770"]
    assert [(t, d) for t, k, d in cl.events("SuccessfulDelete", "cronjob-controller") if k == "default/r"] == \
        [(600.1, "Deleted job r-29453765")]


def test_suspend_creates_nothing():
    cl = Cluster()
    cl.store.create(cronjob(suspend=True))
    cl.run(2000)
    assert created_jobs(cl) == []


def test_starting_deadline_misses_late_schedules():
    # created suspended at t=0, resumed at 700: with a 30 s starting deadline the controller only looks
    # for schedules after 700 - 30 = 670, so 300 and 600 are never started; the 900 one is on time.
    cl = Cluster()
    cl.store.create(cronjob(suspend=True, starting_deadline_seconds=30))
    cl.run(700)
    import copy

    def resume(c):
        c.spec = copy.copy(c.spec)
        c.spec.suspend = False
    cl.store.patch("cronjobs", "default", "tick", resume)
    cl.run(1000)
    assert [t for t, _ in created_jobs(cl)] == [900.1]
    assert cl.events("MissSchedule") == []


def test_late_start_without_deadline_runs_most_recent_missed_schedule():
    cl = Cluster()
    cl.store.create(cronjob(suspend=True))
    cl.run(700)
    import copy

    def resume(c):
        c.spec = copy.copy(c.spec)
        c.spec.suspend = False
    cl.store.patch("cronjobs", "default", "tick", resume)
    cl.run(800)
    assert created_jobs(cl) == [(700, "tick-29453770")]  # the 600 schedule, started late
