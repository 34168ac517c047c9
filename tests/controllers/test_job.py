"""Job controller: exact simulated times from the upstream rules of ``job_controller.go``.

The cluster here is the store, the Job/CronJob/GC controllers and a scripted kubelet (``FakeKubelet``)
that runs each pod for a chosen time and exit code, so every time below is derived by hand:
pods start 1 s after creation (``START``), the controller syncs 1 s after a pod event
(``syncJobBatchPeriod``), and a failed pod's replacement waits ``10 s × 2^(failures−1)`` counted from the
failure (``backoff_utils.go``).
"""
from __future__ import annotations

import copy
from typing import Callable, Optional

import pytest

from k8ssim.api.apps import PodTemplateSpec
from k8ssim.api.batch import Job, JobSpec
from k8ssim.api.core import Container, ContainerStatus, Node, PodSpec
from k8ssim.api.meta import ObjectMeta
from k8ssim.controllers import cronjob as cronjob_mod
from k8ssim.controllers import garbagecollector as gc_mod
from k8ssim.controllers import job as job_mod
from k8ssim.engine import Engine
from k8ssim.store import Store

START = 1.0  # FakeKubelet: creation -> Running/Ready
STOP = 1.0  # FakeKubelet: deletionTimestamp -> containers gone


class FakeKubelet:
    """Runs every pod: Running+Ready ``START`` s after creation, then after ``outcome(pod)[0]`` seconds
    it exits with ``outcome(pod)[1]`` (0 → Succeeded, else Failed). Deleted pods stop after ``STOP`` s
    (or at once when already finished), then the kubelet's final grace-0 delete."""

    def __init__(self, engine, store, outcome: Callable):
        self.engine, self.store, self.outcome = engine, store, outcome
        self.created: list = []  # (time, name) of every pod seen
        self._stopping: set = set()

    def start(self):
        self.store.watch("pods", self._on_pod)

    def _on_pod(self, etype, pod, old):
        uid = pod.metadata.uid
        if etype == "ADDED":
            self.created.append((self.engine.now, pod.metadata.name))
            b = pod.copy()  # bind (the scheduler's job): a bound pod terminates gracefully
            b.spec = copy.copy(pod.spec)
            b.spec.node_name = "n1"
            self.store.update(b)
            self.engine.call_later(START, self._run, pod.metadata.namespace, pod.metadata.name, uid)
        elif etype == "MODIFIED" and pod.metadata.deletion_timestamp is not None and uid not in self._stopping:
            self._stopping.add(uid)
            delay = 0.0 if pod.status.phase in ("Succeeded", "Failed") else STOP
            self.engine.call_later(delay, self._final, pod.metadata.namespace, pod.metadata.name, uid)

    def _get(self, ns, name, uid):
        p = self.store.try_get("pods", ns, name)
        return p if p is not None and p.metadata.uid == uid else None

    def _run(self, ns, name, uid):
        p = self._get(ns, name, uid)
        if p is None or p.metadata.deletion_timestamp is not None:
            return
        now = self.engine.now
        c = p.copy()
        c.spec = copy.copy(p.spec)
        c.status.phase = "Running"
        c.status.container_statuses = [ContainerStatus(name="c", state="running", started=True, ready=True,
                                                       started_at=now)]
        c.status.set_condition("Ready", "True", now)
        self.store.update_status(c)
        runtime, code = self.outcome(p)
        self.engine.call_later(runtime, self._exit, ns, name, uid, code)

    def _exit(self, ns, name, uid, code):
        p = self._get(ns, name, uid)
        if p is None or p.status.phase != "Running" or p.metadata.deletion_timestamp is not None:
            return
        now = self.engine.now
        c = p.copy()
        c.status.phase = "Succeeded" if code == 0 else "Failed"
        c.status.container_statuses = [ContainerStatus(name="c", state="terminated", exit_code=code,
                                                       started_at=p.status.container_statuses[0].started_at,
                                                       finished_at=now)]
        c.status.set_condition("Ready", "False", now, "PodCompleted" if code == 0 else "PodFailed")
        self.store.update_status(c)

    def _final(self, ns, name, uid):
        if self._get(ns, name, uid) is not None:
            self.store.delete("pods", ns, name, grace_period_seconds=0, uid_precondition=uid)


class Cluster:
    def __init__(self, outcome: Callable = lambda pod: (10.0, 0), gc: bool = True):
        self.engine = Engine(1)
        self.store = Store(self.engine)
        self.store.create(Node(metadata=ObjectMeta(name="n1")))
        self.kubelet = FakeKubelet(self.engine, self.store, outcome)
        self.jobs = job_mod.new_controller(self.engine, self.store)
        self.cronjobs = cronjob_mod.new_controller(self.engine, self.store)
        comps = [self.kubelet, self.jobs, self.cronjobs]
        if gc:
            self.gc = gc_mod.new_controller(self.engine, self.store)
            comps.append(self.gc)
        for c in comps:
            c.start()

    def run(self, until: float):
        self.engine.run(until=until)

    def job(self, name="pi", ns="default"):
        return self.store.try_get("jobs", ns, name)

    def pods(self):
        return self.store.list("pods")

    def events(self, reason: str, source: Optional[str] = None) -> list:
        return [(t, key, detail) for t, src, kind, key, detail in self.engine.log.rows()
                if kind == reason and (source is None or src == source)]

    def condition_times(self, name="pi") -> dict:
        return {c.type: (c.reason, c.last_transition_time) for c in self.job(name).status.conditions}


def make_job(name="pi", *, parallelism=1, completions: Optional[int] = 1, backoff_limit=6, mode="NonIndexed",
             restart="Never", **kw) -> Job:
    tpl = PodTemplateSpec(labels={"app": name},
                          spec=PodSpec(containers=[Container(name="c", image="busybox")], restart_policy=restart))
    return Job(metadata=ObjectMeta(name=name, namespace="default"),
               spec=JobSpec(parallelism=parallelism, completions=completions, backoff_limit=backoff_limit,
                            completion_mode=mode, template=tpl, **kw))


# ---------------------------------------------------------------------------------------- tests


def test_generated_selector_and_labels():
    cl = Cluster()
    job = cl.store.create(make_job())
    uid = job.metadata.uid
    assert job.spec.selector.match_labels == {"batch.kubernetes.io/controller-uid": uid}
    labels = job.spec.template.labels
    assert labels["batch.kubernetes.io/controller-uid"] == uid and labels["controller-uid"] == uid
    assert labels["batch.kubernetes.io/job-name"] == "pi" and labels["job-name"] == "pi"
    cl.run(0.5)
    (pod,) = cl.pods()
    assert pod.metadata.labels["batch.kubernetes.io/controller-uid"] == uid
    assert pod.metadata.name.startswith("pi-") and len(pod.metadata.name) == len("pi-") + 5
    assert pod.metadata.finalizers == ["batch.kubernetes.io/job-tracking"]
    manual = make_job("m", manual_selector=True)
    assert cl.store.create(manual).spec.selector is None  # manualSelector: left as given


def test_parallelism_and_completions_timeline():
    # parallelism 3, completions 6, every pod runs 10 s: 3 pods at t=0, start at 1, succeed at 11;
    # the controller syncs at 12 (1 s batching), creates 3 more; they succeed at 12+1+10=23; sync at 24
    # counts 6 successes: SuccessCriteriaMet and Complete (CompletionsReached) at 24.
    cl = Cluster()
    cl.store.create(make_job(parallelism=3, completions=6))
    cl.run(100)
    times = sorted(t for t, _ in cl.kubelet.created)
    assert times == [0, 0, 0, 12, 12, 12]
    j = cl.job()
    assert (j.status.succeeded, j.status.failed, j.status.active) == (6, 0, 0)
    assert j.status.start_time == 0 and j.status.completion_time == 24
    assert cl.condition_times() == {"SuccessCriteriaMet": ("CompletionsReached", 24), "Complete": ("CompletionsReached", 24)}
    assert cl.events("Completed") == [(24, "default/pi", "Job completed")]
    assert all(not p.metadata.finalizers for p in cl.pods())


def test_failed_pod_replacements_back_off_and_job_fails_after_backoff_limit_plus_one():
    # every pod fails after 5 s. backoffLimit 3 -> the 4th failure fails the Job.
    # pod1 created 0, fails 6. sync at 7 (batched): 1 failure -> wait 10 s from 6 -> create at 16.
    # pod2 fails 16+1+5=22; replacement 20 s after -> 42. pod3 fails 48; +40 -> 88. pod4 fails 94:
    # sync at 95 sees failed=4 > 3: FailureTarget and Failed (BackoffLimitExceeded) at 95.
    cl = Cluster(outcome=lambda pod: (5.0, 1))
    cl.store.create(make_job(backoff_limit=3))
    cl.run(400)
    assert [t for t, _ in cl.kubelet.created] == [0, 16, 42, 88]
    j = cl.job()
    assert j.status.failed == 4 and j.status.succeeded == 0 and j.status.active == 0
    assert cl.condition_times() == {"FailureTarget": ("BackoffLimitExceeded", 95), "Failed": ("BackoffLimitExceeded", 95)}
    assert cl.events("BackoffLimitExceeded") == [(95, "default/pi", "Job has reached the specified backoff limit")]
    assert j.status.completion_time is None


def test_backoff_is_capped_at_ten_minutes():
    # failures n=1..8: delays 10,20,40,80,160,320,600(capped from 640),600
    cl = Cluster(outcome=lambda pod: (5.0, 1))
    cl.store.create(make_job(backoff_limit=8))
    cl.run(5000)
    created = [t for t, _ in cl.kubelet.created]
    gaps = [b - (a + START + 5.0) for a, b in zip(created, created[1:])]
    assert gaps == [10, 20, 40, 80, 160, 320, 600, 600]


def test_success_resets_backoff():
    # pods: fail, succeed, fail... a success clears the failure count (newBackoffRecord)
    outcomes = iter([(5.0, 1), (5.0, 0), (5.0, 1), (5.0, 0)])
    cl = Cluster(outcome=lambda pod: next(outcomes))
    cl.store.create(make_job(completions=2))
    cl.run(300)
    # pod1 0 -> fails 6, sync 7, create 16; pod2 succeeds 22, sync 23 creates pod3 (no backoff);
    # pod3 fails 29, sync 30: one failure after the last success -> create at 39; succeeds 45; done at 46
    assert [t for t, _ in cl.kubelet.created] == [0, 16, 23, 39]
    assert cl.job().status.completion_time == 46 and cl.job().status.failed == 2


def test_active_deadline_exceeded_deletes_active_pods():
    # activeDeadlineSeconds 30, pods would run 100 s: at 30 the Job gets FailureTarget
    # (DeadlineExceeded), its pod is deleted (terminating, counted as failed); the pod is gone at 31
    # (STOP) and the batched sync of 31 (1 s after the deletion event) sees no terminating pod: Failed.
    cl = Cluster(outcome=lambda pod: (100.0, 0))
    cl.store.create(make_job(active_deadline_seconds=30))
    cl.run(200)
    assert cl.condition_times() == {"FailureTarget": ("DeadlineExceeded", 30), "Failed": ("DeadlineExceeded", 31)}
    assert cl.events("SuccessfulDelete") == [(30, "default/pi", f"Deleted pod: {cl.kubelet.created[0][1]}")]
    assert cl.job().status.failed == 1 and cl.pods() == []


def test_indexed_job_indexes_hostnames_and_completed_indexes():
    cl = Cluster()
    cl.store.create(make_job("idx", parallelism=2, completions=5, mode="Indexed"))
    cl.run(1.5)
    pods = sorted(cl.pods(), key=lambda p: p.metadata.name)
    assert [p.metadata.annotations["batch.kubernetes.io/job-completion-index"] for p in pods] == ["0", "1"]
    assert [p.metadata.labels["batch.kubernetes.io/job-completion-index"] for p in pods] == ["0", "1"]
    assert [p.spec.hostname for p in pods] == ["idx-0", "idx-1"]
    assert all(p.metadata.name.startswith(f"idx-{i}-") for i, p in enumerate(pods))
    cl.run(12.5)  # 0 and 1 succeeded at 11, counted at 12
    assert cl.job("idx").status.completed_indexes == "0,1"
    cl.run(100)
    j = cl.job("idx")
    assert j.status.completed_indexes == "0-4" and j.status.succeeded == 5
    assert "Complete" in cl.condition_times("idx")


def test_completed_indexes_format():
    assert job_mod.format_indexes([1, 3, 4, 5, 7, 8]) == "1,3-5,7,8"
    assert job_mod.parse_indexes("1,3-5,7,8", 6) == {1, 3, 4, 5}


def test_work_queue_mode_completes_when_one_pod_succeeded_and_none_active():
    # completions unset, parallelism 2: pods run 10 s and 20 s; after the first success nothing new is
    # created; the Job completes when the last active pod finishes (21) -> sync at 22
    runtimes = iter([10.0, 20.0])
    cl = Cluster(outcome=lambda pod: (next(runtimes), 0))
    cl.store.create(make_job(parallelism=2, completions=None))
    cl.run(200)
    assert len(cl.kubelet.created) == 2
    assert cl.job().status.completion_time == 22 and cl.job().status.succeeded == 2


def test_suspend_and_resume():
    cl = Cluster(outcome=lambda pod: (100.0, 0))
    job = make_job(suspend=True)
    cl.store.create(job)
    cl.run(10)
    assert cl.pods() == [] and cl.job().status.start_time is None
    assert cl.condition_times()["Suspended"] == ("JobSuspended", 0)
    def resume(j):
        j.spec = copy.copy(j.spec)
        j.spec.suspend = False
    cl.store.patch("jobs", "default", "pi", resume)
    cl.run(20)
    assert cl.job().status.start_time == 10 and len(cl.pods()) == 1
    assert cl.job().status.conditions[0].status == "False" and cl.job().status.conditions[0].reason == "JobResumed"


def test_ttl_after_finished_deletes_job_and_pods():
    # completes at 12 (pod 0..11, sync at 12); ttl 60 -> the Job is deleted (Foreground) at 72 and,
    # after the GC removed its pod, the Job itself is gone at 72.
    cl = Cluster()
    cl.store.create(make_job(ttl_seconds_after_finished=60))
    cl.run(71.9)
    assert cl.job() is not None and cl.job().status.completion_time == 12
    cl.run(80)
    assert cl.job() is None and cl.pods() == []
    assert [t for t, *_ in cl.events("Deleted", "ttl-after-finished-controller")] == [72]


def test_restart_on_failure_counts_container_restarts():
    # restartPolicy OnFailure: backoffLimit 2, a running pod whose containers restarted twice fails the Job
    cl = Cluster(outcome=lambda pod: (1000.0, 0))
    cl.store.create(make_job(backoff_limit=2, restart="OnFailure"))
    cl.run(5)
    (pod,) = cl.pods()
    c = pod.copy()
    c.status.container_statuses = [ContainerStatus(name="c", state="running", restart_count=2, started_at=1.0)]
    cl.store.update_status(c)
    cl.run(20)
    # the status write at 5 is seen at 6 (batched): FailureTarget then Failed once the pod is gone (7, 8)
    assert cl.condition_times()["FailureTarget"] == ("BackoffLimitExceeded", 6)
    assert cl.condition_times()["Failed"][0] == "BackoffLimitExceeded"


# ------------------------------------------------------------------------ end to end (whole cluster)
# These run the real scheduler and kubelet; failures come from the kubelet's podBehaviors.

import os  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _simulate(scenario: dict, until: float):
    from k8ssim.scenario.loader import load_scenario
    from k8ssim.simulation import Simulation

    sim = Simulation(load_scenario(scenario))
    sim._bootstrap()
    sim.engine.run(until=until)
    return sim


def _scenario(manifest: dict, behaviors: list) -> dict:
    return {"apiVersion": "k8ssim.io/v1alpha1", "kind": "Scenario", "metadata": {"name": "jobs"},
            "spec": {"duration": "1h", "cluster": {"nodePools": [{"name": "p", "instanceType": "m5.xlarge",
                                                                   "count": 1}]},
                     "manifests": [{"inline": manifest}], "podBehaviors": behaviors}}


def test_e2e_always_failing_pods_back_off_from_each_failure():
    # podBehaviors: every run fails after 5 s (exit 3). Whatever the scheduler/kubelet latencies, each
    # replacement is created exactly 10 s, 20 s, 40 s after the previous pod's container finished, and
    # the Job fails (BackoffLimitExceeded) after backoffLimit + 1 = 4 failures.
    manifest = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "flaky"},
                "spec": {"backoffLimit": 3, "template": {"spec": {"restartPolicy": "Never", "containers": [
                    {"name": "c", "image": "busybox"}]}}}}
    sim = _simulate(_scenario(manifest, [{"match": {"ownerKind": "Job"}, "runtime": {"fixed": "5s"},
                                          "failureProbability": 1.0, "exitCode": 3}]), 600)
    pods = sorted(sim.store.list("pods", "default"), key=lambda p: p.metadata.creation_timestamp)
    assert len(pods) == 4 and all(p.status.phase == "Failed" for p in pods)
    finished = [p.status.container_statuses[0].finished_at for p in pods]
    assert all(p.status.container_statuses[0].exit_code == 3 for p in pods)
    created = [p.metadata.creation_timestamp for p in pods]
    assert [c - f for f, c in zip(finished, created[1:])] == pytest.approx([10.0, 20.0, 40.0], abs=1e-9)
    job = sim.store.get("jobs", "default", "flaky")
    assert job.status.failed == 4
    failed = [c for c in job.status.conditions if c.type == "Failed"]
    assert failed and failed[0].reason == "BackoffLimitExceeded"
    assert failed[0].last_transition_time == finished[-1] + SYNC_JOB_BATCH_PERIOD


SYNC_JOB_BATCH_PERIOD = job_mod.SYNC_JOB_BATCH_PERIOD


def test_e2e_job_scenario_runs():
    # scenarios/job.yaml: render (3 x 6, failureProbability 0.3) and report every 5 minutes
    import k8ssim

    res = k8ssim.run(os.path.join(REPO, "scenarios", "job.yaml"))
    ev = res.events
    created = ev[(ev.source == "cronjob-controller") & (ev.reason == "SuccessfulCreate")]
    # 00:05 ... 00:25 within 30 minutes, each created 100 ms after its schedule time
    assert list(created.time) == pytest.approx([300.1, 600.1, 900.1, 1200.1, 1500.1])
    render = ev[(ev.source == "job-controller") & (ev.object == "default/render")]
    assert set(render.reason) & {"Completed", "BackoffLimitExceeded"}
