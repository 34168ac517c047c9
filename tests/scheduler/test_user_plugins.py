"""User plugins written in Python, enabled in a profile by dotted path, on the scheduler's fast path.

The reference framework (pure Python, ``fast_path=False``) is the oracle, as in ``test_fastpath.py``:

* a scenario (dict) enabling the example plugins (``userplugin_example.py``: a GPUFree filter, a
  PreferLabel scorer with a numba ``fast_normalize``, a FewestPods scorer normalized in Python) gives the
  same placements and event-log fingerprint with the fast path on and off, and the fast path really
  runs them (no fallback);
* with more than 100 nodes the early stop counts nodes passing *all* filters (upstream
  ``findNodesThatPassFilters``): the rotating start index advances as in the reference;
* property: each user kernel agrees with its reference method on random clusters (raw filter results
  and raw scores per node), and the whole fast evaluation (feasible set, totals, each user plugin's
  normalized weighted score) equals ``RunFilterPlugins`` / ``RunScorePlugins``;
* a user plugin without kernels, with a PreFilter/PreScore extension, declining a pod in
  ``fast_args`` or scoring outside [0, 100] takes the reference path; bad declarations are
  profile errors.
"""
from __future__ import annotations

import importlib.util
import os
import random
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numba import njit

from k8ssim.api.core import Container, Node, NodeSpec, NodeStatus, Pod, PodSpec
from k8ssim.api.meta import ObjectMeta
from k8ssim.engine import Engine
from k8ssim.scheduler.fastpath import FastPath, profile_supported
from k8ssim.scheduler.framework import CycleState, FrameworkError, Handle, Status
from k8ssim.scheduler.nodeinfo import PodInfo
from k8ssim.scheduler.plugins.registry import build_framework
from k8ssim.scheduler.scheduler import Scheduler
from k8ssim.scheduler.userkernels import NodeView, fast_kernels
from k8ssim.store import Store

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:  # the profiles name the example module by dotted path
    sys.path.insert(0, HERE)

import userplugin_example as ex  # noqa: E402

_spec = importlib.util.spec_from_file_location("kernels_property_up", os.path.join(HERE, "test_kernels_property.py"))
kp = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(kp)

GPU_F = "userplugin_example:GPUFree"
PREFER = "userplugin_example:PreferLabel"
FEWEST = "userplugin_example:FewestPods"
USER_NAMES = ("GPUFree", "PreferLabel", "FewestPods")


def user_profile(reserve=True, reverse=False, resource="nvidia.com/gpu", key="disktype", scores=None, extra=None):
    p = {
        "plugins": {"multiPoint": {"enabled": [
            {"name": GPU_F}, {"name": PREFER, "weight": 2}, {"name": FEWEST, "weight": 1}]}},
        "pluginConfig": [
            {"name": GPU_F, "args": {"reserveGPUNodes": reserve, "resource": resource}},
            {"name": PREFER, "args": {"key": key, "scores": scores or {"ssd": 10, "nvme": 30, "hdd": 5},
                                      "reverse": reverse}}],
    }
    p.update(extra or {})
    return p


# ---------------------------------------------------------------------------------------------------
# a scenario with the user plugins
# ---------------------------------------------------------------------------------------------------


def _deploy(name, replicas, cpu, gpu=0, labels=None):
    res = {"requests": {"cpu": cpu, "memory": "256Mi"}}
    if gpu:
        res["requests"]["nvidia.com/gpu"] = str(gpu)
        res["limits"] = {"nvidia.com/gpu": str(gpu)}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": "default"},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name, **(labels or {})}},
                                  "spec": {"containers": [{"name": "c", "image": "nginx:1.27", "resources": res}]}}}}


def scenario(seed, profile, pct=None):
    sched = {"profiles": [profile]}
    if pct is not None:
        sched["percentageOfNodesToScore"] = pct
    return {
        "apiVersion": "k8ssim.io/v1alpha1", "kind": "Scenario", "metadata": {"name": "user-plugins"},
        "spec": {
            "seed": seed, "duration": "2m",
            "cluster": {
                "nodePools": [
                    {"name": "cpu", "count": 4, "capacity": {"cpu": "4", "memory": "16Gi"},
                     "labels": {"disktype": "ssd"}, "zones": ["a", "b"]},
                    {"name": "gpu", "count": 4, "capacity": {"cpu": "8", "memory": "32Gi", "nvidia.com/gpu": "4"},
                     "labels": {"disktype": "nvme"}, "zones": ["a", "b"]},
                    {"name": "hdd", "count": 3, "capacity": {"cpu": "4", "memory": "16Gi"},
                     "labels": {"disktype": "hdd"}, "zones": ["a", "b"]},
                ],
                "scheduler": sched,
            },
            "manifests": [{"inline": [
                _deploy("web", 16, "300m"), _deploy("train", 2, "1", 1),
                _deploy("excl", 3, "1", 2, {ex.EXCLUSIVE_LABEL: "true"})]}],
        },
    }


def run_scenario(doc, fast: bool):
    from k8ssim.scenario.loader import load_scenario
    from k8ssim.simulation import Simulation

    sim = Simulation(load_scenario(doc))
    sim.scheduler.fast_path = fast
    res = sim.run()
    pods = {p.metadata.name: p for p in sim.store.list("pods")}
    return {n: p.spec.node_name for n, p in pods.items()}, pods, res.fingerprint, sim


@pytest.mark.parametrize("seed,reserve,reverse,pct", [(7, True, False, None), (11, False, True, None), (3, True, True, 50)])
def test_scenario_fast_path_on_off_same_placements_and_fingerprint(seed, reserve, reverse, pct):
    doc = scenario(seed, user_profile(reserve, reverse), pct)
    got, pods, fp_got, sim = run_scenario(doc, True)
    want, _, fp_want, _ = run_scenario(doc, False)
    assert got == want
    assert fp_got == fp_want
    fp = sim.scheduler._fast["default-scheduler"]
    assert fp.enabled, fp.reason
    assert sorted(p.name for p, _ in fp.user.plugins) == sorted(USER_NAMES)
    bound = [n for n, node in got.items() if node]
    assert fp.fallbacks == 0 and fp.calls >= len(bound) > 0
    # the user filter had its effect (GPU pods on GPU nodes; with reserveGPUNodes, others elsewhere)
    for name, node in got.items():
        if not node:
            continue
        if name.startswith(("train", "excl")):
            assert node.startswith("gpu")
        elif reserve:
            assert not node.startswith("gpu")
    # an exclusive pod needs a node with no GPU in use: two never share a node
    excl_nodes = [node for n, node in got.items() if n.startswith("excl") and node]
    assert excl_nodes and all(sum(1 for m, nd in got.items() if nd == node and m.startswith("excl")) == 1 for node in excl_nodes)


def test_scenario_unschedulable_pods_are_diagnosed_by_the_reference_filters():
    """Exclusive GPU pods beyond one per GPU node fit nowhere; the fast path finds no feasible node
    and the reference filters explain it with the user plugin's reason, identically fast on or off."""
    doc = scenario(5, user_profile(True, False))
    doc["spec"]["manifests"][0]["inline"].append(_deploy("solo", 6, "500m", 1, {ex.EXCLUSIVE_LABEL: "true"}))
    got, pods, fp_got, sim = run_scenario(doc, True)
    want, _, fp_want, _ = run_scenario(doc, False)
    assert got == want and fp_got == fp_want
    exclusive = [p for n, p in pods.items() if n.startswith(("excl", "solo"))]
    bound = [p.spec.node_name for p in exclusive if p.spec.node_name]
    assert len(bound) == len(set(bound)) <= 4  # one exclusive pod per GPU node
    pending = [p for p in exclusive if not p.spec.node_name]
    assert pending
    msgs = [c.message for p in pending for c in p.status.conditions if c.type == "PodScheduled"]
    assert msgs and all(ex.ERR_IN_USE in m for m in msgs), msgs


# ---------------------------------------------------------------------------------------------------
# early stop over all filters
# ---------------------------------------------------------------------------------------------------


def _big_cluster(fast: bool, profile, registry=None, pods=60, nodes=250):
    engine = Engine(3)
    store = Store(engine)
    for i in range(nodes):
        alloc = {"cpu": 4000, "memory": 16 * kp.GI, "pods": 110}
        labels = {kp.HOST: f"n{i:03d}", kp.ZONE: f"z{i % 4}", "disktype": ("ssd", "hdd", "nvme")[i % 3]}
        if i % 3 == 2 or i < 40:  # GPU nodes: every third, and a block at the start of the visiting order
            alloc["nvidia.com/gpu"] = 2
        store.create(Node(metadata=ObjectMeta(name=f"n{i:03d}", labels=labels), spec=NodeSpec(),
                          status=NodeStatus(capacity=dict(alloc), allocatable=dict(alloc))))
    sched = Scheduler(engine, store, {"profiles": [profile]}, fast_path=fast, registry=registry).start()
    engine.run(until=1.0)
    for k in range(pods):
        req = {"cpu": 100 + 10 * (k % 5)}
        labels = {"app": f"a{k % 3}"}
        if k % 7 == 3:
            req["nvidia.com/gpu"] = 1
        if k % 11 == 5:
            labels["slow"] = "yes"
        store.create(Pod(metadata=ObjectMeta(name=f"p{k}", namespace="default", labels=labels),
                         spec=PodSpec(containers=[Container("c", "img", requests=req)])))
    engine.run(until=5.0)
    return {p.metadata.name: p.spec.node_name for p in store.list("pods")}, sched, engine


def test_early_stop_counts_nodes_passing_the_user_filter():
    """250 nodes: numFeasibleNodesToFind stops the visit after 100 feasible nodes; the GPU nodes the
    user filter rejects must not count, so the start index advances as in the reference."""
    prof = user_profile(reserve=True)
    a, s_fast, e_fast = _big_cluster(True, prof)
    b, s_ref, e_ref = _big_cluster(False, prof)
    assert a == b
    assert s_fast.next_start_node_index == s_ref.next_start_node_index
    assert e_fast.log.fingerprint() == e_ref.log.fingerprint()
    fp = s_fast._fast["default-scheduler"]
    assert fp.calls >= 60 and fp.fallbacks == 0


def test_evaluate_visits_like_find_nodes_that_fit():
    """Unit level: the fast evaluation's feasible rows and ``processed`` equal the reference filter
    loop's for a start index inside a run of rejected nodes."""
    from k8ssim.scheduler.framework import find_nodes_that_fit, num_feasible_nodes_to_find

    _, sched, _ = _big_cluster(False, user_profile(reserve=True), pods=0)
    fwk = sched.frameworks["default-scheduler"]
    cache = sched.cache
    cache.update_snapshot()
    fp = FastPath(fwk, cache)
    nodes = cache.snapshot.node_info_list
    n = len(nodes)
    k = num_feasible_nodes_to_find(n, fwk.percentage_of_nodes_to_score)
    assert k < n
    pod = Pod(metadata=ObjectMeta(name="q", namespace="default", uid="q"),
              spec=PodSpec(containers=[Container("c", "img", requests={"cpu": 100})]))
    for start in (0, 17, 39, 200):
        state = CycleState()
        fwk.run_pre_filter_plugins(state, pod, nodes)
        feas, _st, processed = find_nodes_that_fit(fwk, state, pod, nodes, start, k)
        got, _tot, got_processed = fp.evaluate(pod, PodInfo(pod), start, k)
        assert [cache.table.names[r] for r in got] == [ni.name for ni in feas]
        assert got_processed == processed


# ---------------------------------------------------------------------------------------------------
# property: kernels against reference methods
# ---------------------------------------------------------------------------------------------------

PROP_PROFILE_ARGS = dict(resource="example.com/gpu", key="disk", scores={"ssd": 10, "hdd": 3})


def _check(seed: int, reserve: bool, reverse: bool, pods: int = 3):
    r, cache, fwk = kp.random_cluster(seed, user_profile(reserve, reverse, **PROP_PROFILE_ARGS))
    fp = FastPath(fwk, cache)
    assert fp.enabled, fp.reason
    t = cache.table
    nodes = cache.snapshot.node_info_list
    n = len(nodes)
    view = NodeView(t)
    rows = np.array([t.row_of[ni.name] for ni in nodes], np.int64)
    plugins = {name: fwk.plugins[name] for name in USER_NAMES}
    for k in range(pods):
        pod = kp.random_pod(r, f"p{k}", True)
        if r.random() < 0.3:
            pod.metadata.labels[ex.EXCLUSIVE_LABEL] = "true"
        pi = PodInfo(pod)
        # each kernel against its reference method, node by node
        g = plugins["GPUFree"]
        got = ex.gpu_free_kernel(rows, *g.fast_args(pod, view))
        assert got.tolist() == [g.filter(CycleState(), pod, ni) is None for ni in nodes]
        for name in ("PreferLabel", "FewestPods"):
            p = plugins[name]
            raw = fast_kernels(p)[1](rows, *p.fast_args(pod, view))  # the class attribute, not a bound method
            assert raw.tolist() == [p.score(CycleState(), pod, ni)[0] for ni in nodes], name
        if not fp.eligible(pod, pi):
            continue
        # the whole cycle
        want_feasible, want_scores = kp.reference(fwk, cache, pod)
        res = fp.evaluate(pod, pi, 0, n)
        assert res is not None
        feas, totals, _ = res
        got_names = [t.names[i] for i in feas]
        assert got_names == want_feasible, (seed, k)
        if want_scores is None:
            continue
        assert totals.tolist() == [sum(want_scores[x].values()) for x in got_names], (seed, k)
        for name in ("PreferLabel", "FewestPods"):
            only = {key: 0 for key in fp.w}
            only.update({u: 0 for u in USER_NAMES})
            only[name] = fwk.score_plugin_weight[name]
            _, tot, _ = fp.evaluate(pod, pi, 0, n, only)
            assert tot.tolist() == [want_scores[x][name] for x in got_names], (seed, k, name)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32 - 1), st.booleans(), st.booleans())
def test_user_kernels_agree_with_reference_methods(seed, reserve, reverse):
    _check(seed, reserve, reverse)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(-5, 1000), min_size=1, max_size=30), st.booleans())
def test_default_normalize_kernels_equal_default_normalize_score(raw, reverse):
    from k8ssim.scheduler.framework import NodeScore, default_normalize_score
    from k8ssim.scheduler.userkernels import default_normalize, default_normalize_reverse

    want = [NodeScore(str(i), s) for i, s in enumerate(raw)]
    default_normalize_score(100, reverse, want)
    got = np.array(raw, np.int64)
    (default_normalize_reverse if reverse else default_normalize)(got)
    assert got.tolist() == [s.score for s in want]


def test_node_view_columns():
    r, cache, fwk = kp.random_cluster(4, None)
    t = cache.table
    view = NodeView(t)
    for ni in cache.snapshot.node_info_list:
        row = view.row_of(ni.name)
        assert view.node_name(row) == ni.name
        assert view.allocatable("cpu")[row] == ni.allocatable.get("cpu", 0)
        assert view.requested("memory")[row] == ni.requested.get("memory", 0)
        assert view.non_zero_requested("cpu")[row] == ni.non_zero_requested["cpu"]
        assert view.pod_count()[row] == len(ni.pods)
        for key in ("disk", kp.ZONE, "absent-key"):
            v = ni.node.metadata.labels.get(key)
            lid = view.label_ids(key)[row]
            assert (lid == -1) if v is None else (view.label_values(key)[lid] == v and view.label_value_id(key, v) == lid)
        assert view.taint_sets()[view.taint_set_ids()[row]] == tuple(ni.node.spec.taints)
    assert view.label_value_id("disk", "no-such-value") == -2 and view.label_value_id("no-key", "x") == -2
    assert not view.allocatable("example.com/none").any()
    with pytest.raises(ValueError):
        view.allocatable("cpu")[0] = 1  # read-only


# ---------------------------------------------------------------------------------------------------
# what falls back, and bad declarations
# ---------------------------------------------------------------------------------------------------


class NoKernels:
    name = "NoKernels"

    def __init__(self, args=None, handle=None):
        pass

    def filter(self, state, pod, node_info):
        return None


@njit(cache=True)
def _all_true(rows, flag):
    return np.ones(rows.shape[0], np.bool_)


class WithPreFilter(NoKernels):
    name = "WithPreFilter"
    fast_filter = _all_true

    def pre_filter(self, state, pod, nodes):
        return None, None

    def fast_args(self, pod, view):
        return (True,)


class DeclinesSlowPods(NoKernels):
    """Rejects nodes whose name ends in 7; its fast_args declines pods labelled slow=yes."""

    name = "DeclinesSlowPods"

    def filter(self, state, pod, node_info):
        return Status.unschedulable("ends in 7") if node_info.name.endswith("7") else None

    @staticmethod
    @njit(cache=True)
    def fast_filter(rows, ends7):
        out = np.empty(rows.shape[0], np.bool_)
        for i in range(rows.shape[0]):
            out[i] = not ends7[rows[i]]
        return out

    def fast_args(self, pod, view):
        if pod.metadata.labels.get("slow") == "yes":
            return None
        ends7 = np.zeros(view.rows.max() + 1 if view.rows.size else 1, np.bool_)
        for row in view.rows:
            ends7[row] = view.node_name(row).endswith("7")
        return (ends7,)


@njit(cache=True)
def _const_score(rows, v):
    return np.full(rows.shape[0], v, np.int64)


class OutOfRange:
    name = "OutOfRange"

    def __init__(self, args=None, handle=None):
        pass

    def score(self, state, pod, node_info):
        return 150, None

    fast_score = _const_score

    def fast_args(self, pod, view):
        return (150,)


def _profile_with(name, weight=0):
    e = {"name": name, "weight": weight} if weight else {"name": name}
    return {"plugins": {"multiPoint": {"enabled": [e]}}}


def test_plugin_without_kernels_or_with_prefilter_keeps_the_reference_path():
    fwk = build_framework(_profile_with("NoKernels"), Handle(), registry={"NoKernels": NoKernels})
    assert "no fast_filter" in profile_supported(fwk)
    fwk = build_framework(_profile_with("WithPreFilter"), Handle(), registry={"WithPreFilter": WithPreFilter})
    assert "preFilter extension" in profile_supported(fwk)


def test_fast_args_none_falls_back_for_that_pod_only():
    reg = {"DeclinesSlowPods": DeclinesSlowPods}
    prof = _profile_with("DeclinesSlowPods")
    a, s_fast, e_fast = _big_cluster(True, prof, reg, pods=44, nodes=120)
    b, s_ref, e_ref = _big_cluster(False, prof, reg, pods=44, nodes=120)
    assert a == b and e_fast.log.fingerprint() == e_ref.log.fingerprint()
    assert all(not node.endswith("7") for node in a.values())
    fp = s_fast._fast["default-scheduler"]
    slow = sum(1 for k in range(44) if k % 11 == 5)
    assert fp.fallbacks == slow and fp.calls >= 44 - slow


def test_out_of_range_score_takes_the_reference_path_and_its_error():
    reg = {"OutOfRange": OutOfRange}
    prof = _profile_with("OutOfRange", 1)
    a, s_fast, e_fast = _big_cluster(True, prof, reg, pods=3, nodes=6)
    b, s_ref, e_ref = _big_cluster(False, prof, reg, pods=3, nodes=6)
    assert a == b and not any(a.values())  # RunScorePlugins: invalid score → error, nothing bound
    assert e_fast.log.fingerprint() == e_ref.log.fingerprint()
    assert s_fast._fast["default-scheduler"].fallbacks > 0


class NotNumba(NoKernels):
    name = "NotNumba"

    @staticmethod
    def fast_filter(rows):
        return np.ones(rows.shape[0], bool)

    def fast_args(self, pod, view):
        return ()


class NoArgs(NoKernels):
    name = "NoArgs"
    fast_filter = _all_true


class NormalizeWithoutReference:
    name = "NormalizeWithoutReference"
    fast_score = _const_score
    fast_normalize = ex.default_normalize

    def __init__(self, args=None, handle=None):
        pass

    def score(self, state, pod, node_info):
        return 1, None

    def fast_args(self, pod, view):
        return (1,)


@pytest.mark.parametrize("cls,message", [
    (NotNumba, "must be a numba-compiled function"),
    (NoArgs, r"fast_args\(pod, view\) is required"),
    (NormalizeWithoutReference, "needs the reference normalize_score"),
])
def test_bad_fast_declarations_are_profile_errors(cls, message):
    with pytest.raises(FrameworkError, match=message):
        build_framework(_profile_with(cls.name, 1 if hasattr(cls, "score") else 0), Handle(), registry={cls.name: cls})


def test_random_user_profile_scheduler_on_off():
    """Component level on random clusters (the kernels-property generators) with the user plugins
    added to the default profile."""
    for seed in range(4):
        out = []
        for fast in (True, False):
            r = random.Random(seed)
            engine = Engine(seed)
            store = Store(engine)
            for i in range(r.randint(2, 14)):
                store.create(kp.random_node(r, i))
            profile = user_profile(seed % 2 == 0, seed % 3 == 0, **PROP_PROFILE_ARGS)
            sched = Scheduler(engine, store, {"profiles": [profile]}, fast_path=fast).start()
            engine.run(until=1.0)
            for k in range(25):
                p = kp.random_pod(r, f"p{k}", True)
                p.metadata.uid = ""
                store.create(p)
            engine.run(until=30.0)
            out.append(({p.metadata.name: p.spec.node_name for p in store.list("pods")}, engine.log.fingerprint(), sched))
        assert out[0][0] == out[1][0] and out[0][1] == out[1][1], seed
        fp = out[0][2]._fast["default-scheduler"]
        assert fp.user is not None and fp.fallbacks == 0
