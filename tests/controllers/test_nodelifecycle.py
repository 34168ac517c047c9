"""Node lifecycle controller, taint eviction and orphaned-pod GC in a small cluster (test binder stands
in for the scheduler). Times derive from the upstream defaults: monitor period 5 s, grace 50 s,
NoExecute tainting 0.1 nodes/s per zone (burst 1), 0.01 in a partially disrupted zone of more than 50
nodes, 0 in a smaller one, no tainting when every zone is fully disrupted; pod GC every 20 s with a
40 s quarantine. Kubelets stop at t=60 (last Lease renewal 60) → Ready=Unknown at 115 → queued at 120.
"""
from __future__ import annotations

import pytest

from k8ssim.controllers.nodelifecycle import RateLimitedTimedQueue, TokenBucket
from tests.faults.cluster import MiniCluster

UNREACHABLE = "node.kubernetes.io/unreachable"


def _scenario(pools, failing=(), manifests=(), duration="10m"):
    return {
        "apiVersion": "k8ssim.io/v1alpha1", "kind": "Scenario", "metadata": {"name": "t"},
        "spec": {
            "duration": duration,
            "cluster": {"nodePools": [{"name": n, "instanceType": "m5.xlarge", "count": k, "zones": [z]}
                                      for n, k, z in pools]},
            "faults": [{"at": "60s", "nodeFailure": {"node": f}} for f in failing],
            "manifests": [{"inline": m} for m in manifests],
        },
    }


def _no_execute_times(c):
    out = {}
    for n in c.store.list("nodes"):
        for t in n.spec.taints:
            if t.key == UNREACHABLE and t.effect == "NoExecute":
                out[n.metadata.name] = t.time_added
    return out


def _pod(name, node, tolerations=()):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"nodeName": node, "tolerations": list(tolerations),
                     "containers": [{"name": "c", "image": "nginx:1.27"}]}}


# ------------------------------------------------------------------------------------ rate limits


def test_token_bucket_and_queue_rate():
    b = TokenBucket(0.1, 0.0)
    assert b.try_accept(0.0) and not b.try_accept(5.0) and b.next_token_at(5.0) == pytest.approx(10.0)
    assert b.try_accept(10.0)
    assert not TokenBucket(0.0, 0.0).try_accept(100.0)  # FakeNeverRateLimiter
    q = RateLimitedTimedQueue(0.1, 0.0)
    assert q.add("a", 0.0) and q.add("b", 0.0) and not q.add("a", 1.0)
    done = []
    q.try_(0.0, lambda n: (done.append(n) or True, 0.0))
    assert done == ["a"]  # one token
    assert not q.add("a", 1.0)  # processed values stay in the set until remove()
    q.try_(10.0, lambda n: (done.append(n) or True, 0.0))
    assert done == ["a", "b"]


def test_swap_limiter_drains_new_bucket_when_old_was_empty():
    q = RateLimitedTimedQueue(0.1, 0.0)
    assert q.limiter.try_accept(0.0)
    q.swap_limiter(0.01, 1.0)
    assert not q.limiter.try_accept(1.0) and q.limiter.next_token_at(1.0) == pytest.approx(101.0)


def test_two_failed_nodes_in_a_zone_are_tainted_ten_seconds_apart():
    # zone-a: 2 of 3 not ready is not a partial disruption (needs > 2), so the zone rate 0.1/s holds:
    # a-0 at 120 with the bucket's token, a-1 when the next token arrives (130); evictions 300 s later
    c = MiniCluster(_scenario([("a", 3, "zone-a"), ("b", 3, "zone-b")], failing=("a-0", "a-1"),
                              manifests=[_pod("p0", "a-0"), _pod("p1", "a-1")])).start().run(600)
    assert _no_execute_times(c) == {"a-0": 120.0, "a-1": 130.0}
    assert sorted((e[0], e[3]) for e in c.events("TaintManagerEviction")) == [
        (420.0, "default/p0"), (430.0, "default/p1")]


def test_small_partially_disrupted_zone_stops_tainting():
    # zone-a: 3 of 4 not ready (> 2 and >= 55%) with 4 <= 50 nodes: rate 0 — NoSchedule taints only
    c = MiniCluster(_scenario([("a", 4, "zone-a"), ("b", 1, "zone-b")], failing=("a-0", "a-1", "a-2"),
                              manifests=[_pod("p0", "a-0")])).start().run(600)
    assert _no_execute_times(c) == {}
    n = c.store.get("nodes", None, "a-0")
    assert [(t.key, t.effect) for t in n.spec.taints] == [(UNREACHABLE, "NoSchedule")]
    assert c.store.get("pods", "default", "p0").metadata.deletion_timestamp is None


def test_large_partially_disrupted_zone_uses_secondary_rate():
    # zone-a: 40 of 60 not ready, 60 > 50 nodes: 0.01/s — one node every 100 s from 120
    c = MiniCluster(_scenario([("a", 60, "zone-a"), ("b", 1, "zone-b")],
                              failing=[f"a-{i}" for i in range(40)], duration="6m")).start().run(360)
    assert sorted(_no_execute_times(c).values()) == [120.0, 220.0, 320.0]


def test_all_zones_fully_disrupted_means_no_tainting():
    c = MiniCluster(_scenario([("a", 2, "zone-a")], failing=("a-0", "a-1"),
                              manifests=[_pod("p0", "a-0")])).start().run(600)
    assert all(n.status.condition("Ready").status == "Unknown" for n in c.store.list("nodes"))
    assert _no_execute_times(c) == {} and not c.events("TaintManagerEviction")


# ---------------------------------------------------------------------------------- taint eviction


def _taint_node(c, at, taints):
    def apply():
        import copy

        n = c.store.get("nodes", None, "a-0").copy()
        n.spec = copy.copy(n.spec)
        n.spec.taints = tuple(taints)
        c.store.update(n)
    c.engine.call_at(at, apply)


def test_taint_eviction_tolerations():
    from k8ssim.api.core import Taint

    key = "example.com/maintenance"
    pods = [
        _pod("untolerated", "a-0"),
        _pod("for-30s", "a-0", [{"key": key, "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 30}]),
        _pod("forever", "a-0", [{"key": key, "operator": "Exists", "effect": "NoExecute"}]),
        _pod("cancelled", "a-0", [{"key": key, "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 90}]),
    ]
    c = MiniCluster(_scenario([("a", 1, "zone-a")], manifests=pods)).start()
    _taint_node(c, 20.0, [Taint(key, "", "NoExecute")])
    _taint_node(c, 80.0, [])
    c.run(200)
    ev = [(e[0], e[3].split("/")[1], e[4].split(" Pod ")[0]) for e in c.events("TaintManagerEviction")]
    assert ev == [(20.0, "untolerated", "Marking for deletion"), (50.0, "for-30s", "Marking for deletion"),
                  (80.0, "cancelled", "Cancelling deletion of")]
    gone = {p.metadata.name for p in c.pods()}
    assert gone == {"forever", "cancelled"}  # the others were deleted (kubelet alive: removed after stop)


# ------------------------------------------------------------------------------------------ pod GC


def test_orphaned_pods_are_force_deleted_after_quarantine():
    c = MiniCluster(_scenario([("a", 2, "zone-a")], manifests=[_pod("p0", "a-0")])).start()
    seen = []
    c.store.watch("pods", lambda et, p, old: seen.append((c.engine.now, et, p.status.phase)) if et == "DELETED" else None)
    c.engine.call_at(50.0, lambda: c.store.delete("nodes", None, "a-0"))
    c.run(99.0)
    assert c.store.try_get("pods", "default", "p0") is not None
    c.run(101.0)
    # GC ticks every 20 s: a-0 found missing at 60, quarantined 40 s, pod force-deleted at the 100 tick
    assert seen == [(100.0, "DELETED", "Failed")]
