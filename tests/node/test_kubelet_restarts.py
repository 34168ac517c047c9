"""Container exits, restartPolicy and CrashLoopBackOff on a node (``pkg/kubelet/kuberuntime``
``doBackOff``; backoff 10 s doubling to 300 s, reset after a run longer than 600 s; ``getPhase``).

Unless a test says otherwise the runtime is instant (podStartLatency 0) and images are cached, so a
pod created at t=0 has its container running at t=0 and every time below follows from the rules."""
import pytest

from tests.node.kubelet_harness import Cluster, MI, behavior, ctr, status


def running_edges(c, name, cname="app"):
    return c.times(name, lambda p: status(p, cname).state == "running")


def test_crashloop_restart_times():
    # runs 5 s, exits 1, restartPolicy Always. doBackOff measures from finishedAt:
    # crash 5 -> no backoff entry yet: restart at 5 (backoff becomes 10)
    # crash 10 -> in backoff until 10+10=20 (backoff becomes 20 at that restart)
    # crash 25 -> 25+20=45; crash 50 -> 50+40=90; crash 95 -> 95+80=175; crash 180 -> 180+160=340;
    # crash 345 -> backoff min(320, 300): 345+300=645
    c = Cluster(behaviors=[behavior(runtime={"fixed": "5s"}, failureProbability=1.0)])
    c.pod("crash", ctr())
    c.run(700)
    assert running_edges(c, "crash") == [0, 5, 20, 45, 90, 175, 340, 645]
    p = c.get("crash")
    cs = status(p, "app")
    assert p.status.phase == "Running"  # restartPolicy Always: restarting counts as Running
    # crashed again at 650, waiting until 950
    assert cs.restart_count == 7 and cs.state == "waiting" and cs.reason == "CrashLoopBackOff"
    assert cs.last_terminated_reason == "Error" and cs.finished_at == 650


def test_crashloop_waiting_state_and_message():
    c = Cluster(behaviors=[behavior(runtime={"fixed": "5s"}, failureProbability=1.0, exitCode=2)])
    c.pod("crash", ctr())
    c.run(15)  # second crash at 10, waiting until 20
    cs = status(c.get("crash"), "app")
    assert cs.state == "waiting" and cs.reason == "CrashLoopBackOff"
    assert cs.exit_code == 2 and cs.last_terminated_reason == "Error" and cs.restart_count == 1
    assert c.get("crash").status.phase == "Running"
    ev = [e for e in c.engine.log.records() if e[2] == "BackOff"] if hasattr(c.engine.log, "records") else None
    assert ev is None or len(ev) == 1


def test_backoff_resets_after_a_run_longer_than_600s():
    # each run 700 s: at the second crash (1400) the last backoff update (700) is more than 600 s old,
    # so the entry has expired and the container restarts at once again
    c = Cluster(behaviors=[behavior(runtime={"fixed": "700s"}, failureProbability=1.0)])
    c.pod("slow", ctr())
    c.run(2200)
    assert running_edges(c, "slow") == [0, 700, 1400, 2100]
    # runs of 500 s do not reset it: crash 500 -> 500, crash 1000 -> 1000 + 10
    c2 = Cluster(behaviors=[behavior(runtime={"fixed": "500s"}, failureProbability=1.0)])
    c2.pod("mid", ctr())
    c2.run(1600)
    assert running_edges(c2, "mid") == [0, 500, 1010, 1530]


def test_restart_pays_the_runtime_container_latency():
    # containerd with podStartLatency 1 s: sandbox 0.85 s + create 0.05 + start 0.10 (runtime.py).
    # first start 1.0; crash 6.0 -> restart at once, running 6.15; crash 11.15 -> backoff 10 -> 21.15 -> 21.30
    c = Cluster(pod_start_latency=1.0, behaviors=[behavior(runtime={"fixed": "5s"}, failureProbability=1.0)])
    c.pod("crash", ctr())
    c.run(30)
    assert running_edges(c, "crash") == pytest.approx([1.0, 6.15, 21.30])


def test_exit_zero_with_restart_policy_always_also_backs_off():
    c = Cluster(behaviors=[behavior(runtime={"fixed": "5s"})])
    c.pod("done", ctr())
    c.run(30)
    assert running_edges(c, "done") == [0, 5, 20]
    assert status(c.get("done"), "app").last_terminated_reason == "Completed"


@pytest.mark.parametrize("policy,fail,phase,restarts", [
    ("Never", 0.0, "Succeeded", 0),
    ("Never", 1.0, "Failed", 0),
    ("OnFailure", 0.0, "Succeeded", 0),
])
def test_job_like_pods_end_per_behaviour(policy, fail, phase, restarts):
    c = Cluster(behaviors=[behavior(runtime={"fixed": "5s"}, failureProbability=fail, exitCode=3)])
    c.pod("job", ctr(), restart_policy=policy)
    c.run(100)
    p = c.get("job")
    assert p.status.phase == phase
    assert c.times("job", lambda q: q.status.phase == phase) == [5]
    cs = status(p, "app")
    assert cs.state == "terminated" and cs.restart_count == restarts
    assert cs.exit_code == (3 if fail else 0) and cs.reason == ("Error" if fail else "Completed")
    assert p.status.condition("Ready").reason == "PodCompleted"


def test_on_failure_restarts_until_success():
    # first run fails (p=1 would fail forever: use two containers? no - one rule per run draw):
    # OnFailure + always failing -> Running with restarts at 5, 20, 45 (same backoff as Always)
    c = Cluster(behaviors=[behavior(runtime={"fixed": "5s"}, failureProbability=1.0)])
    c.pod("onf", ctr(), restart_policy="OnFailure")
    c.run(50)
    assert running_edges(c, "onf") == [0, 5, 20, 45]
    assert c.get("onf").status.phase == "Running"


def test_default_run_without_behaviour():
    # no rule: restartPolicy Always runs forever; Never runs default_run_duration (10 s) and succeeds
    c = Cluster()
    c.pod("svc", ctr())
    c.pod("job", ctr(), restart_policy="Never")
    c.run(60)
    assert c.get("svc").status.phase == "Running" and status(c.get("svc"), "app").restart_count == 0
    assert c.times("job", lambda q: q.status.phase == "Succeeded") == [10]


def test_oom_killed_when_memory_crosses_the_limit():
    # 100Mi at start + 10Mi/s, limit 200Mi -> over the limit after 10 s: OOMKilled (137), restart at
    # once; OOM again at 20 -> backoff 10 -> 30; OOM at 40 -> backoff 20 -> 60
    c = Cluster(behaviors=[behavior(memory="100Mi", memoryGrowth="10Mi")])
    c.pod("leak", ctr(limits={"memory": 200 * MI}, requests={"memory": 200 * MI}))
    c.run(15)
    cs = status(c.get("leak"), "app")
    assert cs.last_terminated_reason == "OOMKilled" and cs.restart_count == 1
    c.run(65)
    assert running_edges(c, "leak") == [0, 10, 30, 60]
    # no limit: never OOM-killed by its own limit
    c2 = Cluster(behaviors=[behavior(memory="100Mi", memoryGrowth="1Mi")])
    c2.pod("nolimit", ctr())
    c2.run(100)
    assert status(c2.get("nolimit"), "app").restart_count == 0


def test_oom_at_start_when_usage_exceeds_limit():
    c = Cluster(behaviors=[behavior(memory="300Mi")])
    c.pod("big", ctr(limits={"memory": 200 * MI}), restart_policy="Never")
    c.run(5)
    p = c.get("big")
    assert p.status.phase == "Failed"
    cs = status(p, "app")
    assert cs.reason == "OOMKilled" and cs.exit_code == 137


def test_draws_are_deterministic_per_seed():
    rule = behavior(runtime={"exponential": "30s"}, failureProbability=0.5)

    def edges(seed):
        c = Cluster(seed=seed, behaviors=[rule], nodes=("n1", "n2"))
        c.pod("a", ctr(), node="n1")
        c.pod("b", ctr(), node="n2")
        c.run(600)
        return running_edges(c, "a"), running_edges(c, "b")

    assert edges(7) == edges(7)
    assert edges(7) != edges(8)
