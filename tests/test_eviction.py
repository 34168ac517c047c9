"""The Eviction API (eviction.go) against PDBs kept by the disruption controller, and the drain of the
drain-pdb scenario: blocked with 429 while the budget is 0, evicted at the first retry after a scale-up
makes room. Times: web pods start at t=0 (Ready within seconds); the PDB controller syncs on every pod
and PDB change in the same instant."""
from __future__ import annotations

import copy
import math
import os

import pytest

from k8ssim.eviction import EvictionInternalError, evict
from k8ssim.store.errors import NotFound, TooManyRequests
from tests.faults.cluster import MiniCluster

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOO_MANY = "Cannot evict pod as it would violate the pod's disruption budget."


def _scenario(replicas=3, min_available=2, extra=()):
    dep = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
           "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "web"}},
                    "template": {"metadata": {"labels": {"app": "web"}},
                                 "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]}}}}
    pdb = {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "web-pdb"},
           "spec": {"minAvailable": min_available, "selector": {"matchLabels": {"app": "web"}}}}
    return {"apiVersion": "k8ssim.io/v1alpha1", "kind": "Scenario", "metadata": {"name": "t"},
            "spec": {"duration": "5m", "cluster": {"nodePools": [{"name": "n", "instanceType": "m5.xlarge",
                                                                  "count": 3, "zones": ["z"]}]},
                     "manifests": [{"inline": m} for m in (dep, pdb, *extra)]}}


def _at(c, t, fn):
    out = []
    c.engine.call_at(t, lambda: out.append(_try(fn)))
    c.run(t + 1e-9)
    return out[0]


def _try(fn):
    try:
        fn()
        return None
    except Exception as e:  # noqa: BLE001 - the test inspects it
        return e


def test_eviction_decrements_budget_marks_pod_and_deletes_gracefully():
    c = MiniCluster(_scenario(3, 2)).start().run(30)
    a, b = [p.metadata.name for p in c.pods("web-")][:2]
    assert _at(c, 30.0, lambda: evict(c.store, c.engine, "default", a)) is None
    pdb = c.store.get("poddisruptionbudgets", "default", "web-pdb")
    pod = c.store.get("pods", "default", a)
    assert pod.metadata.deletion_timestamp == 60.0  # terminationGracePeriodSeconds 30
    dt = pod.status.condition("DisruptionTarget")
    assert (dt.status, dt.reason, dt.message) == ("True", "EvictionByEvictionAPI", "Eviction API: evicting")
    # the controller has re-synced: the evicted pod is being deleted, so it is not healthy any more
    st = pdb.status
    assert (st.current_healthy, st.desired_healthy, st.disruptions_allowed) == (2, 2, 0)


def test_second_eviction_in_the_same_instant_is_refused():
    c = MiniCluster(_scenario(3, 2)).start().run(30)
    a, b = [p.metadata.name for p in c.pods("web-")][:2]
    errs = []

    def both():
        evict(c.store, c.engine, "default", a)
        # checkAndDecrement's write: allowed 1 → 0, the pod in disruptedPods, condition False
        st = c.store.get("poddisruptionbudgets", "default", "web-pdb").status
        errs.append((st.disruptions_allowed, st.disrupted_pods, st.conditions[0].reason))
        errs.append(_try(lambda: evict(c.store, c.engine, "default", b)))
    c.engine.call_at(30.0, both)
    c.run(30.5)
    assert errs[0] == (0, {a: 30.0}, "InsufficientPods")
    e = errs[1]
    assert isinstance(e, TooManyRequests) and e.code == 429 and str(e) == TOO_MANY
    assert e.retry_after_seconds == 0
    # the status the apiserver read still had 3 healthy (the controller had not re-synced yet)
    assert e.causes == [("DisruptionBudget", "The disruption budget web-pdb needs 2 healthy pods and has 3 currently")]
    assert c.store.get("pods", "default", b).metadata.deletion_timestamp is None


def test_budget_of_zero_gives_429():
    c = MiniCluster(_scenario(3, 3)).start().run(30)
    e = _at(c, 30.0, lambda: evict(c.store, c.engine, "default", c.pods("web-")[0].metadata.name))
    assert isinstance(e, TooManyRequests)
    assert e.causes[0][1] == "The disruption budget web-pdb needs 3 healthy pods and has 3 currently"
    assert [r[4] for r in c.events("Eviction")] == [
        "429: The disruption budget web-pdb needs 3 healthy pods and has 3 currently"]


def test_pdb_not_yet_observed_gives_429_retry_after_10():
    c = MiniCluster(_scenario(3, 2)).start().run(30)

    def change_then_evict():
        pdb = c.store.get("poddisruptionbudgets", "default", "web-pdb").copy()
        pdb.spec = copy.copy(pdb.spec)
        pdb.spec.min_available = 1
        c.store.update(pdb)  # generation 2, status still observedGeneration 1
        evict(c.store, c.engine, "default", c.pods("web-")[0].metadata.name)
    e = _at(c, 30.0, change_then_evict)
    assert isinstance(e, TooManyRequests) and e.retry_after_seconds == 10
    assert e.causes[0][1] == "The disruption budget web-pdb is still being processed by the server."


def test_two_pdbs_give_500():
    other = {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "other"},
             "spec": {"maxUnavailable": 1, "selector": {"matchLabels": {"app": "web"}}}}
    c = MiniCluster(_scenario(3, 1, extra=[other])).start().run(30)
    e = _at(c, 30.0, lambda: evict(c.store, c.engine, "default", c.pods("web-")[0].metadata.name))
    assert isinstance(e, EvictionInternalError) and e.code == 500
    assert str(e) == "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support."
    assert all(p.metadata.deletion_timestamp is None for p in c.pods("web-"))


def test_missing_pod_is_not_found():
    c = MiniCluster(_scenario(1, 1)).start().run(5)
    with pytest.raises(NotFound, match='pods "nope" not found'):
        evict(c.store, c.engine, "default", "nope")


def test_pod_without_pdb_and_pending_pod_are_evicted():
    c = MiniCluster(_scenario(3, 3)).start()
    # at t=0 the pods are still Pending: canIgnorePDB → deleted without looking at the budget
    c.run(1e-6)
    pending = [p for p in c.pods("web-") if p.status.phase == "Pending"]
    assert pending
    name = pending[0].metadata.name
    assert _at(c, 1e-6, lambda: evict(c.store, c.engine, "default", name)) is None


def test_drain_pdb_scenario_blocks_until_scale_up():
    # kubectl drain on general-0 at 60 s: cordon, then evict its web pod, retrying every 5 s on 429.
    # web: 2 replicas, minAvailable 2 → 0 allowed; scale to 3 at 150 s → once the 3rd pod is Ready the
    # budget allows 1 and the next retry succeeds.
    c = MiniCluster(os.path.join(REPO, "scenarios", "drain-pdb.yaml")).start()
    attempts = []

    def cordon():
        n = c.store.get("nodes", None, "general-0").copy()
        n.spec = copy.copy(n.spec)
        n.spec.unschedulable = True
        c.store.update(n)

    def drain_try():
        victims = [p for p in c.store.list("pods") if p.spec.node_name == "general-0"
                   and p.metadata.deletion_timestamp is None]
        for p in victims:
            e = _try(lambda: evict(c.store, c.engine, "default", p.metadata.name))
            attempts.append((c.engine.now, 201 if e is None else e.code))
            if e is not None:
                c.engine.call_later(5.0, drain_try)

    def scale():
        d = c.store.get("deployments", "default", "web").copy()
        d.spec = copy.copy(d.spec)
        d.spec.replicas = 3
        c.store.update(d)

    c.engine.call_at(60.0, cordon)
    c.engine.call_at(60.0, drain_try)
    c.engine.call_at(150.0, scale)
    c.run(300)
    third = next(p for p in c.pods("web-") if p.metadata.creation_timestamp == 150.0)
    ready_at = third.status.condition("Ready").last_transition_time
    assert ready_at > 150.0 and (ready_at - 60.0) % 5.0 != 0  # image pull + start: the kubelet's model
    first_ok = 60.0 + 5.0 * math.ceil((ready_at - 60.0) / 5.0)  # the first retry (60 + 5k) after the budget opens
    assert attempts == [(t, 429) for t in range(60, int(first_ok), 5)] + [(first_ok, 201)]
    st = c.store.get("poddisruptionbudgets", "default", "web-pdb").status
    assert (st.desired_healthy, st.expected_pods) == (2, 3)
    assert all(p.spec.node_name != "general-0" for p in c.pods("web-") if p.metadata.deletion_timestamp is None)


def test_drain_pdb_scenario_end_to_end():
    # `k8ssim run`: the timeline's drain (kubectl semantics, 5 s retries) calls evict()
    import k8ssim

    r = k8ssim.run(os.path.join(REPO, "scenarios", "drain-pdb.yaml"))
    ev = r.events
    refused = ev[ev.reason == "EvictionRefused"]
    assert set(refused.message) == {TOO_MANY}
    third = r.pods[r.pods.created == 150.0]
    first_ok = 60.0 + 5.0 * math.ceil((third.ready.iloc[0] - 60.0) / 5.0)
    assert refused.time.tolist() == [float(t) for t in range(60, int(first_ok), 5)]
    assert ev[ev.reason == "Drained"].time.tolist() == [first_ok]
    assert (r.pods[r.pods.deleted.isna()].node != "general-0").all()
