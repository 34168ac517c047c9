"""disruption_util (PDB status, eviction subresource) and nodelifecycle_util (zone states, limiter
swaps, condition taints, taint eviction) against the upstream rules."""
from __future__ import annotations

import pytest

from k8ssim.api.core import Node, NodeCondition, NodeSpec, NodeStatus, Taint, Toleration
from k8ssim.api.meta import LabelSelector, ObjectMeta
from k8ssim.api.policy import PodDisruptionBudget, PodDisruptionBudgetSpec, PodDisruptionBudgetStatus
from k8ssim.conformance.cases import _ctrl_inputs as ci
from k8ssim.controllers import disruption_util as pu
from k8ssim.controllers import nodelifecycle_util as nl


def _pdb(name="pdb", allowed=1, desired=2, healthy=3, policy=None, gen=0, observed=0, selector=("app", "web")):
    return PodDisruptionBudget(
        metadata=ObjectMeta(name=name, namespace="default", generation=gen),
        spec=PodDisruptionBudgetSpec(
            min_available=2,
            selector=None if selector is None else LabelSelector(match_labels={selector[0]: selector[1]}),
            unhealthy_pod_eviction_policy=policy,
        ),
        status=PodDisruptionBudgetStatus(
            disruptions_allowed=allowed, desired_healthy=desired, current_healthy=healthy, observed_generation=observed
        ),
    )


def _pod(ready=True, phase="Running", labels=None, deleting=False):
    return ci.pod({"name": "p", "labels": labels or {"app": "web"}, "ready": ready, "phase": phase, "deleting": deleting})


def test_eviction_allowed_decrements():
    d = pu.eviction_allowed([_pdb()], _pod())
    assert d.allowed and d.code == 200 and d.decrement
    after = pu.apply_eviction_to_pdb(d.pdb, "p", 5.0)
    assert after.status.disruptions_allowed == 0 and after.status.disrupted_pods == {"p": 5.0}
    assert d.pdb.status.disruptions_allowed == 1  # input untouched


def test_eviction_429_when_budget_exhausted():
    d = pu.eviction_allowed([_pdb(allowed=0)], _pod())
    assert (d.allowed, d.code, d.retry_after_seconds) == (False, 429, 0)
    assert d.message == "Cannot evict pod as it would violate the pod's disruption budget."
    assert d.cause == "The disruption budget pdb needs 2 healthy pods and has 3 currently"


def test_eviction_429_while_pdb_not_yet_observed():
    d = pu.eviction_allowed([_pdb(gen=2, observed=1)], _pod())
    assert (d.code, d.retry_after_seconds) == (429, 10)
    assert "is still being processed by the server" in d.cause


def test_eviction_500_with_two_pdbs():
    d = pu.eviction_allowed([_pdb("a"), _pdb("b")], _pod())
    assert d.code == 500 and "more than one PodDisruptionBudget" in d.message


@pytest.mark.parametrize("phase", ["Pending", "Succeeded", "Failed"])
def test_eviction_ignores_pdb_for_pending_and_terminal(phase):
    assert pu.eviction_allowed([_pdb(allowed=0), _pdb("b")], _pod(phase=phase)).code == 200


def test_unhealthy_pod_eviction_policies():
    unready = _pod(ready=False)
    # IfHealthyBudget (default): allowed while the budget is met, without decrementing
    d = pu.eviction_allowed([_pdb(allowed=0, healthy=2, desired=2)], unready)
    assert d.allowed and not d.decrement
    assert pu.eviction_allowed([_pdb(allowed=0, healthy=1, desired=2)], unready).code == 429
    d = pu.eviction_allowed([_pdb(allowed=0, healthy=1, desired=2, policy="AlwaysAllow")], unready)
    assert d.allowed and not d.decrement


def test_nil_selector_matches_nothing_and_empty_matches_all():
    assert pu.eviction_allowed([_pdb(allowed=0, selector=None)], _pod()).code == 200
    pdb = _pdb(allowed=0)
    pdb.spec.selector = LabelSelector()
    assert pu.eviction_allowed([pdb], _pod()).code == 429


def test_disruptions_allowed_zero_without_expected_pods():
    assert pu.disruptions_allowed(3, 1, 0) == 0 and pu.disruptions_allowed(3, 1, 3) == 2
    assert pu.disruption_allowed_condition(0) == ("False", "InsufficientPods")


def test_disrupted_pod_entry_expires_after_deletion_timeout():
    pods = [ci.pod({"name": "a", "labels": {"app": "web"}, "ready": True})]
    m, recheck = pu.build_disrupted_pod_map(pods, {"a": 100.0}, 220.0)
    assert m == {"a": 100.0} and recheck == 220.0 and pu.count_healthy_pods(pods, m, 219.0) == 0
    assert pu.build_disrupted_pod_map(pods, {"a": 100.0}, 220.5)[0] == {}


# ---------------------------------------------------------------- node lifecycle


def test_zone_states_enter_and_leave_master_disruption():
    zs = nl.ZoneStates()
    u = zs.handle_disruption({"a": ["True"] * 3, "b": ["True"] * 60})
    assert u.qps == {"a": 0.1, "b": 0.1} and not u.entered_full_disruption
    u = zs.handle_disruption({"a": ["True"] * 3, "b": ["False"] * 40 + ["True"] * 20})
    assert u.qps == {"b": 0.01}  # only the zone whose state changed gets a new limiter
    u = zs.handle_disruption({"a": ["Unknown"] * 3, "b": ["False"] * 60})
    assert u.entered_full_disruption and u.qps == {"a": 0.0, "b": 0.0}
    assert zs.handle_disruption({"a": ["Unknown"] * 3, "b": ["False"] * 60}).qps == {}
    u = zs.handle_disruption({"a": ["True"] * 3, "b": ["False"] * 60})
    assert u.exited_full_disruption and u.qps == {"a": 0.1, "b": 0.1}


def test_small_partially_disrupted_zone_stops_evicting():
    assert nl.zone_qps(nl.STATE_PARTIAL_DISRUPTION, 50) == 0.0
    assert nl.zone_qps(nl.STATE_PARTIAL_DISRUPTION, 51) == 0.01


def test_zone_key():
    n = Node(metadata=ObjectMeta(name="n", labels={nl.LABEL_REGION: "r", nl.LABEL_ZONE: "z"}))
    assert nl.get_zone_key(n) == "r:\x00:z" and nl.get_zone_key(Node(metadata=ObjectMeta(name="m"))) == ""


def test_condition_taints():
    n = Node(
        metadata=ObjectMeta(name="n"),
        spec=NodeSpec(unschedulable=True),
        status=NodeStatus(conditions=[NodeCondition("Ready", "Unknown"), NodeCondition("MemoryPressure", "True"), NodeCondition("DiskPressure", "False")]),
    )
    keys = [t.key for t in nl.no_schedule_taints_for_node(n)]
    assert keys == ["node.kubernetes.io/unreachable", "node.kubernetes.io/memory-pressure", "node.kubernetes.io/unschedulable"]
    assert nl.no_execute_taint_for_ready("False").key == "node.kubernetes.io/not-ready"
    assert nl.no_execute_taint_for_ready("True") is None


def test_default_toleration_evicts_300s_after_unreachable_and_queued_eviction_stands():
    tol = Toleration("node.kubernetes.io/unreachable", "Exists", "", "NoExecute", 300)
    taint = Taint("node.kubernetes.io/unreachable", effect="NoExecute")
    d = nl.process_pod_on_node([tol], [taint], 50.0)
    assert (d.action, d.fire_at, d.created_at) == ("evict", 350.0, 50.0)
    shorter = Toleration("node.kubernetes.io/unreachable", "Exists", "", "NoExecute", 10)
    assert nl.process_pod_on_node([shorter], [taint], 60.0, queued_created_at=50.0).action == "keep"
    assert nl.process_pod_on_node([tol], [], 60.0, queued_created_at=50.0).action == "cancel"
    forever = Toleration("node.kubernetes.io/unreachable", "Exists", "", "NoExecute", None)
    assert nl.process_pod_on_node([forever], [taint], 60.0).action == "cancel"
