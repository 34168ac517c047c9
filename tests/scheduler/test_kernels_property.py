"""Property tests: the numba kernel against the reference plugins on random clusters.

For random clusters (nodes with random allocatable, labels, zones, taints, images, cordons; placed
pods with random requests, labels, host ports and (anti-)affinity terms) and random incoming pods
(requests, tolerations, nodeSelector, required/preferred node affinity, topology spread constraints,
pod (anti-)affinity, images, host ports):

* feasibility: the nodes the kernel keeps are exactly the nodes for which ``RunFilterPlugins``
  succeeds after ``RunPreFilterPlugins`` (same visiting order);
* scores: for every score plugin of the default profile, the kernel's weighted, normalized score of
  each feasible node equals the reference ``RunScorePlugins`` entry for that plugin (the kernel is
  run with only that plugin's weight), and the totals are equal;
* the same holds under each scoring strategy of NodeResourcesFit (MostAllocated,
  RequestedToCapacityRatio) and with extended resources.

A component-level property (fast path on vs off give the same placements and event-log
fingerprint) is in ``test_fastpath.py``.
"""
from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from k8ssim.api.core import (
    Affinity, Container, ContainerImage, ContainerPort, Node, NodeAffinity, NodeSelectorRequirement,
    NodeSelectorTerm, NodeSpec, NodeStatus, Pod, PodAffinity, PodAffinityTerm, PodSpec,
    PreferredSchedulingTerm, Taint, Toleration, TopologySpreadConstraint, WeightedPodAffinityTerm,
)
from k8ssim.api.meta import LabelSelector, LabelSelectorRequirement, ObjectMeta
from k8ssim.scheduler.cache import Cache
from k8ssim.scheduler.fastpath import FastPath
from k8ssim.scheduler.framework import CycleState, Handle
from k8ssim.scheduler.nodeinfo import PodInfo
from k8ssim.scheduler.plugins.registry import build_framework

MI = 1024 * 1024
GI = 1024 * MI
ZONE = "topology.kubernetes.io/zone"
HOST = "kubernetes.io/hostname"
APPS = ("a", "b", "c")
TAINTS = (Taint("dedicated", "gpu", "NoSchedule"), Taint("spot", "", "PreferNoSchedule"),
          Taint("maint", "yes", "NoExecute"), Taint("slow", "1", "PreferNoSchedule"))
IMAGES = (("nginx:1.27", 150 * MI), ("redis:7", 600 * MI), ("busybox:latest", 5 * MI), ("ml:v1", 3 * GI))
KEY_FOR_PLUGIN = {"fit": "NodeResourcesFit", "bal": "NodeResourcesBalancedAllocation", "taint": "TaintToleration",
                  "naff": "NodeAffinity", "img": "ImageLocality", "pts": "PodTopologySpread", "ipa": "InterPodAffinity"}


def _selector(r: random.Random):
    k = r.random()
    if k < 0.1:
        return None
    if k < 0.15:
        return LabelSelector()
    if k < 0.8:
        return LabelSelector(match_labels={"app": r.choice(APPS)})
    return LabelSelector(match_expressions=[LabelSelectorRequirement("app", r.choice(("In", "NotIn")), (r.choice(APPS),))])


def _pod_term(r: random.Random):
    ns = () if r.random() < 0.7 else (r.choice(("default", "other")),)
    nss = LabelSelector() if r.random() < 0.1 else None
    return PodAffinityTerm(topology_key=r.choice((HOST, ZONE, ZONE, "rack")), label_selector=_selector(r),
                           namespaces=ns, namespace_selector=nss)


def _pod_affinity(r: random.Random, p: float):
    def one():
        if r.random() > p:
            return None
        return PodAffinity(required=[_pod_term(r) for _ in range(r.randint(0, 2))],
                           preferred=[WeightedPodAffinityTerm(r.randint(1, 100), _pod_term(r)) for _ in range(r.randint(0, 2))])
    return one(), one()


def _requirement(r: random.Random):
    k = r.random()
    if k < 0.4:
        return NodeSelectorRequirement("disk", r.choice(("In", "NotIn")), tuple(r.sample(("ssd", "hdd", "nvme"), r.randint(1, 2))))
    if k < 0.6:
        return NodeSelectorRequirement(ZONE, r.choice(("In", "NotIn")), (r.choice(("z1", "z2", "z3")),))
    if k < 0.75:
        return NodeSelectorRequirement("disk", r.choice(("Exists", "DoesNotExist")), ())
    if k < 0.95:
        return NodeSelectorRequirement("tier", r.choice(("Gt", "Lt")), (str(r.randint(0, 5)),))
    return NodeSelectorRequirement("disk", "In", ())  # invalid: matches nothing


def _node_affinity(r: random.Random):
    if r.random() < 0.5:
        return None
    req = None
    if r.random() < 0.4:
        req = tuple(NodeSelectorTerm(match_expressions=tuple(_requirement(r) for _ in range(r.randint(0, 2))))
                    for _ in range(r.randint(1, 2)))
    pref = tuple(PreferredSchedulingTerm(r.randint(0, 100), NodeSelectorTerm(match_expressions=(_requirement(r),)))
                 for _ in range(r.randint(0, 3)))
    return NodeAffinity(required=req, preferred=pref)


def random_node(r: random.Random, i: int) -> Node:
    name = f"n{i}"
    labels = {HOST: name}
    if r.random() < 0.9:
        labels[ZONE] = r.choice(("z1", "z2", "z3"))
    if r.random() < 0.6:
        labels["disk"] = r.choice(("ssd", "hdd"))
    if r.random() < 0.5:
        labels["tier"] = r.choice(("1", "3", "5", "x"))
    if r.random() < 0.5:
        labels["rack"] = r.choice(("r1", "r2"))
    alloc = {"cpu": r.choice((1000, 2000, 4000, 8000)), "memory": r.choice((2, 4, 8, 16)) * GI, "pods": r.choice((3, 110, 110)),
             "ephemeral-storage": r.choice((0, 10 * GI))}
    if r.random() < 0.3:
        alloc["example.com/gpu"] = r.randint(0, 2)
    taints = tuple(t for t in TAINTS if r.random() < 0.1)
    images = [ContainerImage((name_,), size) for name_, size in IMAGES if r.random() < 0.3]
    return Node(metadata=ObjectMeta(name=name, labels=labels),
                spec=NodeSpec(unschedulable=r.random() < 0.08, taints=taints),
                status=NodeStatus(capacity=dict(alloc), allocatable=dict(alloc), images=images))


def random_pod(r: random.Random, name: str, incoming: bool) -> Pod:
    req = {}
    if r.random() < 0.85:
        req["cpu"] = r.choice((50, 100, 250, 500, 1500))
    if r.random() < 0.85:
        req["memory"] = r.choice((64, 256, 1024, 3072)) * MI
    if r.random() < 0.15:
        req["example.com/gpu"] = 1
    if r.random() < 0.1:
        req["ephemeral-storage"] = GI
    ports = [ContainerPort(80, host_port=r.choice((8080, 9090)))] if r.random() < 0.1 else []
    containers = [Container(name="c", image=r.choice([n for n, _ in IMAGES] + ["nginx"]), requests=req, ports=ports)]
    if r.random() < 0.2:
        containers.append(Container(name="side", image=r.choice([n for n, _ in IMAGES]), requests={"cpu": 10}))
    labels = {"app": r.choice(APPS)} if r.random() < 0.9 else {}
    if r.random() < 0.3:
        labels["ver"] = r.choice(("1", "2"))
    aff, anti = _pod_affinity(r, 0.35 if incoming else 0.15)
    na = _node_affinity(r) if incoming else None
    affinity = Affinity(node_affinity=na, pod_affinity=aff, pod_anti_affinity=anti) if (na or aff or anti) else None
    spec = dict(containers=containers, affinity=affinity)
    if incoming:
        spec["tolerations"] = tuple(Toleration(t.key, "Equal", t.value, t.effect) if r.random() < 0.7 else Toleration(t.key, "Exists")
                                    for t in TAINTS if r.random() < 0.3)
        if r.random() < 0.05:
            spec["tolerations"] += (Toleration("node.kubernetes.io/unschedulable", "Exists", "", "NoSchedule"),)
        if r.random() < 0.25:
            spec["node_selector"] = {r.choice(("disk", ZONE)): r.choice(("ssd", "z1", "z2"))}
        if r.random() < 0.5:
            spec["topology_spread_constraints"] = tuple(
                TopologySpreadConstraint(max_skew=r.randint(1, 3), topology_key=r.choice((ZONE, HOST, "rack")),
                                         when_unsatisfiable=r.choice(("DoNotSchedule", "ScheduleAnyway")),
                                         label_selector=_selector(r),
                                         min_domains=r.choice((None, None, 2, 4)),
                                         node_affinity_policy=r.choice((None, "Ignore")),
                                         node_taints_policy=r.choice((None, "Honor")))
                for _ in range(r.randint(1, 2)))
    ns = "default" if r.random() < 0.8 else "other"
    return Pod(metadata=ObjectMeta(name=name, namespace=ns, uid=f"uid-{name}", labels=labels), spec=PodSpec(**spec))


def random_cluster(seed: int, profile=None):
    r = random.Random(seed)
    nodes = [random_node(r, i) for i in range(r.randint(1, 16))]
    cache = Cache()
    for n in nodes:
        cache.add_node(n)
    for j in range(r.randint(0, 25)):
        p = random_pod(r, f"e{j}", False)
        p.spec.node_name = r.choice(nodes).metadata.name
        if r.random() < 0.1:
            p.metadata.deletion_timestamp = 5.0
        cache.add_pod(p)
    service = {"app": r.choice(APPS)} if r.random() < 0.6 else None
    handle = Handle(snapshot=cache.snapshot,
                    selectors_for_pod=lambda pod: [dict(service)] if service and all(pod.metadata.labels.get(k) == v for k, v in service.items()) else [],
                    namespace_labels=lambda ns: {"name": ns}, list_namespaces=lambda: [("default", {}), ("other", {})])
    fwk = build_framework(profile, handle)
    cache.update_snapshot()
    return r, cache, fwk


def reference(fwk, cache, pod):
    """Feasible node names (all nodes visited in snapshot order) and per-plugin weighted scores."""
    state = CycleState()
    nodes = cache.snapshot.node_info_list
    res, s, _ = fwk.run_pre_filter_plugins(state, pod, nodes)
    if not s.is_success():
        return None, None
    feasible = [ni for ni in nodes if (res is None or ni.name in res.node_names) and fwk.run_filter_plugins(state, pod, ni).is_success()]
    if len(feasible) <= 1:
        return [ni.name for ni in feasible], None
    assert fwk.run_pre_score_plugins(state, pod, feasible).is_success()
    scores, s = fwk.run_score_plugins(state, pod, feasible)
    assert s.is_success(), s
    per = {nps.name: {ps.name: ps.score for ps in nps.scores} for nps in scores}
    return [ni.name for ni in feasible], per


def check(seed: int, profile=None, pods: int = 3):
    r, cache, fwk = random_cluster(seed, profile)
    fp = FastPath(fwk, cache)
    assert fp.enabled, fp.reason
    t = cache.table
    n = len(cache.snapshot.node_info_list)
    for k in range(pods):
        pod = random_pod(r, f"p{k}", True)
        pi = PodInfo(pod)
        if not fp.eligible(pod, pi):
            assert any(x.namespace_selector is not None and not x.namespace_selector.is_empty()
                       for x in pi.required_affinity_terms + pi.required_anti_affinity_terms
                       + [w.term for w in pi.preferred_affinity_terms + pi.preferred_anti_affinity_terms]) or t.ns_selector_pods
            continue
        want_feasible, want_scores = reference(fwk, cache, pod)
        feas, totals, _ = fp.evaluate(pod, pi, 0, n)
        got = [t.names[i] for i in feas]
        assert got == want_feasible, (seed, k)
        if want_scores is None:
            continue
        want_total = [sum(want_scores[name].values()) for name in got]
        assert totals.tolist() == want_total, (seed, k, want_scores)
        for key, plugin in KEY_FOR_PLUGIN.items():
            if plugin not in fwk.score_plugin_weight:
                continue
            only = {k2: (v if k2 == key else 0) for k2, v in fp.w.items()}
            _, tot, _ = fp.evaluate(pod, pi, 0, n, only)
            assert tot.tolist() == [want_scores[name].get(plugin, 0) for name in got], (seed, k, plugin)


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(st.integers(0, 2**32 - 1))
def test_kernel_equals_reference_default_profile(seed):
    check(seed)


def _fit_profile(strategy: dict) -> dict:
    return {"pluginConfig": [{"name": "NodeResourcesFit", "args": {"scoringStrategy": strategy}}]}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32 - 1), st.sampled_from([
    {"type": "MostAllocated"},
    {"type": "RequestedToCapacityRatio", "resources": [{"name": "cpu", "weight": 3}, {"name": "memory", "weight": 1}],
     "requestedToCapacityRatio": {"shape": [{"utilization": 0, "score": 0}, {"utilization": 60, "score": 10}, {"utilization": 100, "score": 2}]}},
    {"type": "LeastAllocated", "resources": [{"name": "cpu", "weight": 2}, {"name": "memory", "weight": 1},
                                             {"name": "example.com/gpu", "weight": 5}, {"name": "ephemeral-storage", "weight": 1}]},
]))
def test_kernel_equals_reference_scoring_strategies(seed, strategy):
    check(seed, _fit_profile(strategy), pods=2)


def test_kernel_hard_pod_affinity_weight_and_ignored_resources():
    profile = {"pluginConfig": [{"name": "InterPodAffinity", "args": {"hardPodAffinityWeight": 7}},
                                {"name": "NodeResourcesFit", "args": {"ignoredResources": ["example.com/gpu"]}}]}
    for seed in range(40):
        check(seed, profile, pods=2)


@pytest.mark.parametrize("seed", range(30))
def test_kernel_equals_reference_fixed_seeds(seed):
    check(seed, pods=4)
