"""Probes (``pkg/kubelet/prober/worker.go``): ticks at start + k·period, skipped before
initialDelaySeconds and (readiness/liveness) before the startup probe succeeded; results flip after
successThreshold / failureThreshold consecutive outcomes. The analytic outcomes are checked against
a tick-by-tick reference and end to end."""
import itertools
import math

from k8ssim.node import probes
from tests.node.kubelet_harness import Cluster, behavior, ctr, probe, status


def brute(pr, start, gate, up, down, want_ok, count, origin=None):
    """Walk the ticks one by one: the tick completing `count` consecutive outcomes == want_ok."""
    origin = start if origin is None else origin
    run = 0
    for k in range(0, 400):
        t = origin + k * pr.period_seconds
        if t - start < pr.initial_delay_seconds or t < gate:
            continue
        ok = up <= t < down
        run = run + 1 if ok == want_ok else 0
        if run >= count:
            return t
    return None


def test_first_run_matches_tick_by_tick_reference():
    for delay, period, thr, up, down, gate in itertools.product(
            (0, 5, 12), (1, 5, 10), (1, 3), (0, 4, 15, 31), (7, 30, math.inf), (0, 6, 20)):
        pr = probe(delay=delay, period=period, failure=thr, success=thr)
        k0 = probes.first_tick(pr, 0.0, 0.0, gate)
        for want in (True, False):
            k = probes.first_run(k0, 0.0, float(period), up, down, want, thr)
            got = None if k is None else k * period
            assert got == brute(pr, 0.0, gate, up, down, want, thr), (delay, period, thr, up, down, gate, want)


def test_first_probe_success_quickstart_rule():
    # initialDelaySeconds 5, periodSeconds 5 -> first success at start + 5
    assert probes.first_probe_success(100.0, probe(delay=5, period=5)) == 105.0
    assert probes.first_probe_success(100.0, probe(delay=7, period=5)) == 110.0
    assert probes.first_probe_success(100.0, probe(delay=0, period=5, success=3)) == 110.0
    assert probes.first_probe_success(100.0, None) == 100.0


def ready_edges(c, name):
    return c.times(name, lambda p: p.is_ready())


def test_readiness_initial_delay_and_period():
    c = Cluster()
    c.pod("web", ctr(readiness_probe=probe(delay=5, period=5)))
    c.pod("plain", ctr())
    c.run(30)
    assert ready_edges(c, "web") == [5]
    assert ready_edges(c, "plain") == [0]  # no readiness probe: Ready once started


def test_readiness_waits_for_the_application_startup_time():
    # probes succeed from 12 s: ticks 5, 10 fail, 15 succeeds; successThreshold 2 -> 20
    c = Cluster(behaviors=[behavior(startupTime={"fixed": "12s"})])
    c.pod("a", ctr(readiness_probe=probe(delay=5, period=5)))
    c.pod("b", ctr(readiness_probe=probe(delay=5, period=5, success=2)))
    c.run(30)
    assert ready_edges(c, "a") == [15]
    assert ready_edges(c, "b") == [20]


def test_liveness_failure_restarts_after_failure_threshold_periods():
    # livenessFailureAfter 30 s; liveness period 10, failureThreshold 3: ticks 30, 40, 50 fail -> kill
    # at 50; SIGTERM, the process exits stop_latency (1 s) later -> 51; first such kill restarts at once
    # (doBackOff finds no earlier exited instance). Second run: fails from 81 -> ticks 81, 91, 101 ->
    # kill 101, exit 102, restart at once (the previous exit, 51, is long out of its backoff).
    # readiness (period 5, failureThreshold 3) fails at 30, 35, 40 -> NotReady at 40.
    c = Cluster(behaviors=[behavior(livenessFailureAfter={"fixed": "30s"})])
    c.pod("live", ctr(liveness_probe=probe(period=10, failure=3), readiness_probe=probe(period=5, failure=3)))
    c.run(110)
    assert c.times("live", lambda p: status(p, "app").state == "running") == [0, 51, 102]
    # NotReady edges: the initial Pending write (0), then 40 and 51 + 30 + 2*5 = 91
    assert c.times("live", lambda p: not p.is_ready()) == [0, 40, 91]
    assert c.times("live", lambda p: p.is_ready()) == [0, 51, 102]
    cs = status(c.get("live"), "app")
    assert cs.restart_count == 2 and cs.last_terminated_reason == "Completed"


def test_liveness_without_startup_probe_kills_a_slow_starter():
    # app answers only from 100 s; liveness period 10, failureThreshold 3, no startup probe:
    # ticks 0, 10, 20 fail -> kill at 20, exit 21, restart; again 21 + 20 = 41 -> exit 42 -> the
    # previous exit (21) +10 s backoff has passed -> restart at 42 ...
    c = Cluster(behaviors=[behavior(startupTime={"fixed": "100s"})])
    c.pod("slow", ctr(liveness_probe=probe(period=10, failure=3)))
    c.run(45)
    assert c.times("slow", lambda p: status(p, "app").state == "running") == [0, 21, 42]


def test_startup_probe_gates_liveness_and_readiness():
    # startup probe period 10, failureThreshold 30 and app up at 15 s: startup succeeds at 20;
    # liveness (period 10, threshold 3) is not run before -> no kill; Ready (no readiness probe) at 20
    c = Cluster(behaviors=[behavior(startupTime={"fixed": "15s"})])
    c.pod("gated", ctr(startup_probe=probe(period=10, failure=30), liveness_probe=probe(period=10, failure=3)))
    c.run(200)
    assert c.times("gated", lambda p: status(p, "app").started) == [20]
    assert ready_edges(c, "gated") == [20]
    assert status(c.get("gated"), "app").restart_count == 0


def test_startup_probe_failure_restarts_the_container():
    # app never up within the startup budget: ticks 0, 10, 20 fail (threshold 3) -> kill at 20 -> 21
    c = Cluster(behaviors=[behavior(startupTime={"fixed": "1000s"})])
    c.pod("never", ctr(startup_probe=probe(period=10, failure=3)))
    c.run(25)
    assert c.times("never", lambda p: status(p, "app").state == "running") == [0, 21]
    assert not c.get("never").is_ready()
