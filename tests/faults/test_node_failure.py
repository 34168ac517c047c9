"""The nodeFailure fault end to end (kubelet stops → Lease stale → Ready=Unknown → unreachable taints →
taint eviction after the 300 s default toleration → replacements elsewhere), with exact times derived
from the upstream constants (k8s-algorithms.md §10):

* Lease renewals every 10 s from registration at t=0; the node-monitor ticks every 5 s from t=0 and
  records as probe time the first tick at or after a renewal; Ready becomes Unknown at the first tick
  strictly later than probe + 50 s (``nc.now().After(probeTimestamp.Add(gracePeriod))``).
* ``processTaintBaseEviction`` acts on the Ready condition observed *before* the tick's own update, so
  the node enters the NoExecute taint queue one tick (5 s) after turning Unknown; with a token in the
  zone's bucket the 100 ms tainting pass taints it at that same instant.
* Pods carry ``unreachable:NoExecute`` for 300 s (DefaultTolerationSeconds) → deleted 300 s later, with
  the default grace of 30 s they stay Terminating because the kubelet is gone.
"""
from __future__ import annotations

import os

from k8ssim.api.coordination import NODE_LEASE_NAMESPACE
import yaml

from tests.faults.cluster import MiniCluster

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCENARIO = os.path.join(REPO, "scenarios", "node-failure.yaml")

MONITOR, GRACE, TOLERATION = 5.0, 50.0, 300.0


def _scenario(**failure) -> dict:
    with open(SCENARIO) as f:
        doc = yaml.safe_load(f)
    doc["spec"]["faults"][0]["nodeFailure"].update(failure)
    doc["spec"]["manifests"][0]["path"] = os.path.join(REPO, "scenarios", "manifests", "node-failure", "web.yaml")
    return doc


def _first_tick_at_or_after(t):
    return -(-t // MONITOR) * MONITOR


def _unknown_at(last_renewal):
    probe = _first_tick_at_or_after(last_renewal)
    return (probe + GRACE) // MONITOR * MONITOR + MONITOR  # first tick strictly after probe + grace


def _taint(node, key, effect):
    return next((t for t in node.spec.taints if t.key == key and t.effect == effect), None)


def test_node_failure_timeline():
    c = MiniCluster(SCENARIO).start().run(600)
    lease = c.store.get("leases", NODE_LEASE_NAMESPACE, "general-0")
    assert (lease.spec.renew_time, lease.spec.renew_interval_seconds) == (60.0, 0.0)  # last renewal at 60
    unknown = _unknown_at(lease.spec.renew_time)
    assert unknown == 115.0  # probe 60, 60 + 50 = 110 is not "after" 110: tick 115
    node = c.store.get("nodes", None, "general-0")
    ready = node.status.condition("Ready")
    assert (ready.status, ready.reason, ready.message, ready.last_transition_time) == (
        "Unknown", "NodeStatusUnknown", "Kubelet stopped posting node status.", 115.0)
    assert _taint(node, "node.kubernetes.io/unreachable", "NoSchedule").time_added == 115.0
    tainted = unknown + MONITOR
    assert _taint(node, "node.kubernetes.io/unreachable", "NoExecute").time_added == tainted == 120.0
    assert [e[0] for e in c.events("NodeNotReady") if e[3] == "general-0"] == [115.0]
    # the other nodes stay Ready and untainted
    for name in ("general-1", "general-2"):
        n = c.store.get("nodes", None, name)
        assert n.is_ready() and n.spec.taints == ()

    evictions = c.events("TaintManagerEviction")
    assert len(evictions) == 1 and evictions[0][0] == tainted + TOLERATION == 420.0
    victim_key = evictions[0][3]
    assert evictions[0][4] == f"Marking for deletion Pod {victim_key}"
    victim = c.store.get("pods", *victim_key.split("/"))
    assert victim.spec.node_name == "general-0"
    # NotReady since the node went Unknown (MarkPodsNotReady), Terminating since 420 (30 s grace), never removed
    assert victim.status.condition("Ready").status == "False"
    assert victim.status.condition("Ready").last_transition_time == 115.0
    assert victim.metadata.deletion_timestamp == 450.0
    dt = victim.status.condition("DisruptionTarget")
    assert (dt.status, dt.reason, dt.last_transition_time) == ("True", "DeletionByTaintManager", 420.0)

    live = [p for p in c.pods("web-") if p.metadata.deletion_timestamp is None]
    assert len(live) == 3 and all(p.spec.node_name != "general-0" and p.is_ready() for p in live)
    replacement = max(live, key=lambda p: p.metadata.creation_timestamp)
    assert replacement.metadata.creation_timestamp == 420.0
    assert replacement.status.condition("Ready").last_transition_time >= 420.0  # start latency: the kubelet's


def test_node_recovery_cancels_pending_evictions():
    c = MiniCluster(_scenario(duration="122s")).start().run(600)  # back at 182, between two ticks
    node = c.store.get("nodes", None, "general-0")
    assert node.is_ready() and node.spec.taints == ()
    cancels = c.events("TaintManagerEviction")
    # NoExecute at 120; the kubelet posts Ready at 182; the next monitor tick (185) sees Ready=True and
    # removes the NoExecute taint, which cancels the pending deletion (due at 420)
    assert [(e[0], e[4].split(" Pod ")[0]) for e in cancels] == [(185.0, "Cancelling deletion of")]
    assert all(p.metadata.deletion_timestamp is None for p in c.pods("web-"))
    assert len(c.pods("web-")) == 3


def test_unknown_tick_formula_follows_the_lease():
    # renewals not aligned with the monitor grid: last renewal 57 → probe at tick 60 → Unknown at 115;
    # last renewal 50 → probe 50 → Unknown at 105
    assert _unknown_at(57.0) == 115.0 and _unknown_at(50.0) == 105.0 and _unknown_at(60.0) == 115.0


def test_missing_node_is_reported_not_fatal():
    c = MiniCluster(_scenario(node="nope-0")).start().run(200)
    assert [e[:4] for e in c.events(source="fault-injector")] == [(60.0, "fault-injector", "NodeFailureSkipped",
                                                                    "nope-0")]
    assert all(n.is_ready() for n in c.store.list("nodes"))


def test_node_failure_scenario_end_to_end():
    # the same timeline through `k8ssim run` (real scheduler, fault injector wired by simulation.py)
    import pandas as pd

    import k8ssim

    r = k8ssim.run(SCENARIO)
    ev = r.events
    at = lambda reason: sorted(ev[ev.reason == reason].time.tolist())  # noqa: E731
    assert at("NodeFailure") == [60.0]
    assert at("NodeNotReady")[0] == 115.0
    assert at("TaintManagerEviction") == [420.0]
    victim = ev[ev.reason == "TaintManagerEviction"].object.iloc[0].split("/")[1]
    pods = r.pods.set_index("name")
    assert pods.loc[victim, "node"] == "general-0" and pd.isna(pods.loc[victim, "deleted"])  # Terminating, never removed
    repl = pods[pods.created == 420.0]
    assert len(repl) == 1 and repl.node.iloc[0] != "general-0" and repl.ready.iloc[0] >= 420.0
