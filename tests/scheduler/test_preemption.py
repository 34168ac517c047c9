"""Preemption rules (default_preemption.go, preemption.go) beyond the upstream vectors: PDB-aware
candidate preference, the dry run's candidate budget from a random offset, the eligibility rule for a
nominated node with a preempted (terminating) victim, and preemptionPolicy Never end to end."""
from __future__ import annotations

from k8ssim.api.core import Container, Pod, PodCondition, PodSpec
from k8ssim.api.meta import LabelSelector, ObjectMeta
from k8ssim.api.policy import PriorityClass, PodDisruptionBudget, PodDisruptionBudgetSpec, PodDisruptionBudgetStatus
from k8ssim.scheduler.framework import Code, CycleState, Framework, Handle, Status
from k8ssim.scheduler.nodeinfo import Snapshot
from k8ssim.scheduler.plugins.noderesources import Fit
from k8ssim.scheduler.plugins.registry import default_args
from k8ssim.scheduler.preemption import Evaluator, FitError, NodeToStatus, calculate_num_candidates

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from test_scheduler_component import Cluster, node, pod as cpod  # noqa: E402


def pod(name, cpu, prio, node_name="", labels=None, start=None):
    p = Pod(metadata=ObjectMeta(name=name, namespace="default", uid=f"uid-{name}", labels=dict(labels or {})),
            spec=PodSpec(containers=[Container(name="c", requests={"cpu": cpu})], node_name=node_name, priority=prio))
    p.status.start_time = start
    return p


class FixedRng:
    def __init__(self, v):
        self.v = v

    def integers(self, n):
        return self.v % n


def setup(nodes, pods, pdbs=(), rng=None, nominated=None):
    snap = Snapshot.from_objects(pods, nodes)
    handle = Handle(snapshot=snap)
    fit = Fit(default_args("NodeResourcesFit", None), handle)
    fwk = Framework("t", {"preFilter": [fit], "filter": [fit]}, {}, handle=handle)
    deleted = []
    ev = Evaluator(fwk, snapshot=lambda: snap, pdbs=lambda: list(pdbs), rng=rng or FixedRng(0), now=lambda: 100.0,
                   nominated_pods=nominated or (lambda n: []),
                   commit=lambda p, c: deleted.extend(v.metadata.name for v in c.victims))
    return ev, fwk, snap, deleted


def prefilter(fwk, snap, p):
    st = CycleState()
    fwk.run_pre_filter_plugins(st, p, snap.node_info_list)
    return st


def pdb(selector, allowed):
    return PodDisruptionBudget(metadata=ObjectMeta(name="pdb", namespace="default"),
                               spec=PodDisruptionBudgetSpec(selector=LabelSelector(match_labels=selector)),
                               status=PodDisruptionBudgetStatus(disruptions_allowed=allowed))


def test_pdb_violation_makes_a_node_less_preferred():
    # n1's victim is protected by a PDB with no disruptions allowed; n2's victim is not (and has a
    # higher priority, which would otherwise lose). Criterion 1 (fewest PDB violations) picks n2.
    nodes = [node("n1", cpu=1000), node("n2", cpu=1000)]
    pods = [pod("a", 800, 1, "n1", {"app": "db"}), pod("b", 800, 5, "n2", {"app": "web"})]
    ev, fwk, snap, deleted = setup(nodes, pods, pdbs=[pdb({"app": "db"}, 0)])
    vip = pod("vip", 500, 100)
    res, st = ev.preempt(prefilter(fwk, snap, vip), vip, NodeToStatus(absent=Status(Code.UNSCHEDULABLE)))
    assert st.is_success() and res.nominated_node_name == "n2" and deleted == ["b"]


def test_pdb_violating_victims_are_reprieved_first():
    # Two equal victims under one PDB allowing 1 disruption: the first (more important, earlier start)
    # counts against the budget, the second violates. Only one must go; the violating one is tried
    # for reprieve first, so it stays and the non-violating one is the victim (0 violations).
    nodes = [node("n1", cpu=1000)]
    pods = [pod("early", 400, 1, "n1", {"app": "x"}, start=1.0), pod("late", 400, 1, "n1", {"app": "x"}, start=2.0)]
    ev, fwk, snap, _ = setup(nodes, pods, pdbs=[pdb({"app": "x"}, 1)])
    vip = pod("vip", 500, 100)
    victims, nviol, st = ev.select_victims_on_node(prefilter(fwk, snap, vip), vip, snap.get("n1").snapshot(),
                                                   [pdb({"app": "x"}, 1)])
    assert st.is_success() and [v.metadata.name for v in victims] == ["early"] and nviol == 0


def test_dry_run_stops_at_the_candidate_budget_from_the_offset():
    # 250 potential nodes, each a candidate: numCandidates = max(250*10/100, 100) = 100, starting at
    # the random offset 240 and wrapping around.
    nodes = [node(f"n{i:03d}", cpu=1000) for i in range(250)]
    pods = [pod(f"p{i:03d}", 800, 1, f"n{i:03d}") for i in range(250)]
    ev, fwk, snap, _ = setup(nodes, pods, rng=FixedRng(240))
    vip = pod("vip", 500, 100)
    m = NodeToStatus(absent=Status(Code.UNSCHEDULABLE))
    cands, _ = ev.find_candidates(prefilter(fwk, snap, vip), vip, m)
    assert calculate_num_candidates(250) == 100 and len(cands) == 100
    order = [ni.name for ni in snap.node_info_list]
    assert [c.name for c in cands] == [order[(240 + i) % 250] for i in range(100)]


def test_not_eligible_while_a_preempted_victim_terminates_on_the_nominated_node():
    nodes = [node("n1", cpu=1000)]
    victim = pod("v", 800, 1, "n1")
    victim.metadata.deletion_timestamp = 130.0
    victim.status.conditions.append(PodCondition("DisruptionTarget", "True", 100.0, "PreemptionByScheduler"))
    ev, _, _, _ = setup(nodes, [victim])
    vip = pod("vip", 500, 100)
    vip.status.nominated_node_name = "n1"
    ok, msg = ev.pod_eligible_to_preempt_others(vip, Status(Code.UNSCHEDULABLE, ["Insufficient cpu"]))
    assert not ok and msg == "not eligible due to a terminating pod on the nominated node."


def test_fit_error_counts_absent_nodes():
    fe = FitError(5, NodeToStatus({"a": Status(Code.UNSCHEDULABLE, ["Insufficient cpu"])},
                                  absent=Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, ["Preemption is not helpful for scheduling"])))
    assert str(fe) == "0/5 nodes are available: 1 Insufficient cpu, 4 Preemption is not helpful for scheduling."


def test_preemption_policy_never_end_to_end():
    # a PriorityClass with preemptionPolicy Never: higher priority than the running pod, yet no
    # preemption; the PostFilter message says why.
    c = Cluster([node("n1", cpu=1000)])
    c.store.create(PriorityClass(metadata=ObjectMeta(name="polite"), value=100, preemption_policy="Never"))
    c.add(cpod("low", cpu=800, node_name="n1"))
    c.add(cpod("never", cpu=500, priority_class_name="polite"))
    p = c.store.get("pods", "default", "never")
    assert (p.spec.priority, p.spec.preemption_policy, p.spec.node_name) == (100, "Never", "")
    ev = c.events("FailedScheduling", "default/never")
    assert ev and ev[0][4] == ("0/1 nodes are available: 1 Insufficient cpu. "
                               "preemption: not eligible due to preemptionPolicy=Never..")
    assert c.store.get("pods", "default", "low").metadata.deletion_timestamp is None
