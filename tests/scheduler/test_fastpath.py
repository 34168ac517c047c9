"""The Scheduler component with the numba fast path on and off: same placements, same event log.

The reference path (plugins in pure Python, ``fast_path=False``) is the oracle. For random clusters
and random pending pods created through the store (Deployments-like groups with a Service selecting
some, affinity, spread, taints, host ports, percentageOfNodesToScore adaptive and 100), draining the
queue with the fast path on must bind every pod to the same node in the same order, with the same
FailedScheduling messages (no-fit pods are diagnosed by the reference filters), the same tie-break
draws (the rng stream stays in step) and hence the same event-log fingerprint.
"""
from __future__ import annotations

import importlib.util
import os
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from k8ssim.api.core import Service, ServiceSpec
from k8ssim.api.meta import ObjectMeta
from k8ssim.engine import Engine
from k8ssim.scheduler.admission import install_priority_admission
from k8ssim.scheduler.fastpath import profile_supported
from k8ssim.scheduler.scheduler import Scheduler
from k8ssim.store import Store

_spec = importlib.util.spec_from_file_location(
    "kernels_property", os.path.join(os.path.dirname(__file__), "test_kernels_property.py"))
kp = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(kp)


def run(seed: int, fast: bool, config=None, pods: int = 30):
    r = random.Random(seed)
    engine = Engine(seed)
    store = Store(engine)
    install_priority_admission(store)
    for i in range(r.randint(1, 12)):
        store.create(kp.random_node(r, i))
    if r.random() < 0.7:
        store.create(Service(metadata=ObjectMeta(name="svc", namespace="default"),
                             spec=ServiceSpec(selector={"app": r.choice(kp.APPS)})))
    sched = Scheduler(engine, store, config, fast_path=fast).start()
    engine.run(until=1.0)
    for k in range(pods):
        p = kp.random_pod(r, f"p{k}", True)
        p.metadata.uid = ""
        store.create(p)
        if r.random() < 0.3:
            engine.run(until=engine.now + 0.5)
    engine.run(until=engine.now + 30.0)
    placements = {p.metadata.name: p.spec.node_name for p in store.list("pods")}
    fp = next(iter(sched._fast.values()), None)
    return placements, engine.log.fingerprint(), engine.log.rows(), fp


def _compare(seed, config=None):
    got, fp_got, rows_got, fpath = run(seed, True, config)
    want, fp_want, rows_want, _ = run(seed, False, config)
    assert got == want, seed
    assert rows_got == rows_want, seed
    assert fp_got == fp_want
    return fpath


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32 - 1), st.sampled_from([None, {"percentageOfNodesToScore": 100}, {"percentageOfNodesToScore": 30}]))
def test_fast_path_same_placements_and_fingerprint(seed, config):
    _compare(seed, config)


def test_fast_path_is_used_and_adaptive_percentage_is_emulated():
    """With more than 100 nodes the adaptive percentage stops the filter early; the rotating start
    index must advance exactly as the reference does for later placements to agree."""
    from k8ssim.api.core import Container, Node, NodeSpec, NodeStatus, Pod, PodSpec

    def build(fast):
        engine = Engine(3)
        store = Store(engine)
        for i in range(250):
            alloc = {"cpu": 4000, "memory": 16 * kp.GI, "pods": 110}
            store.create(Node(metadata=ObjectMeta(name=f"n{i:03d}", labels={kp.HOST: f"n{i:03d}", kp.ZONE: f"z{i % 4}"}),
                              spec=NodeSpec(), status=NodeStatus(capacity=dict(alloc), allocatable=dict(alloc))))
        sched = Scheduler(engine, store, {}, fast_path=fast).start()
        engine.run(until=1.0)
        for k in range(120):
            store.create(Pod(metadata=ObjectMeta(name=f"p{k}", namespace="default", labels={"app": f"a{k % 3}"}),
                             spec=PodSpec(containers=[Container("c", "img", requests={"cpu": 100 + 10 * (k % 5)})])))
        engine.run(until=5.0)
        return {p.metadata.name: p.spec.node_name for p in store.list("pods")}, sched
    a, s_fast = build(True)
    b, s_ref = build(False)
    assert a == b
    assert s_fast.next_start_node_index == s_ref.next_start_node_index
    fp = s_fast._fast["default-scheduler"]
    assert fp.calls >= 120 and fp.fallbacks == 0


def test_unsupported_profile_falls_back_per_profile():
    class UserScore:
        name = "UserScore"

        def __init__(self, args=None, handle=None):
            pass

        def score(self, state, pod, node_info):
            return 1, None

    profile = {"plugins": {"multiPoint": {"enabled": [{"name": "UserScore", "weight": 1}]}}}
    from k8ssim.scheduler.framework import Handle
    from k8ssim.scheduler.plugins.registry import build_framework
    fwk = build_framework(profile, Handle(), registry={"UserScore": UserScore})
    assert "UserScore" in profile_supported(fwk)
    assert profile_supported(build_framework(None, Handle())) is None


@pytest.mark.parametrize("seed", range(12))
def test_fast_path_same_event_log_fixed_seeds(seed):
    _compare(seed)


@pytest.mark.parametrize("m", [2, 3, 63, 64, 65, 66, 200, 1001])
def test_reservoir_pick_consumes_the_stream_like_select_host(m):
    """``selectHost`` draws ``rng.integers(k)`` for k = 2..m; the bulk emulation must pick the same
    node and leave the generator in the same state (including the spare 32-bit half)."""
    import numpy as np

    from k8ssim.scheduler.fastpath import reservoir_pick

    for seed in range(25):
        a, b = np.random.default_rng(seed), np.random.default_rng(seed)
        for _ in range(seed % 3):  # odd/even 32-bit draws before
            a.integers(5), b.integers(5)
        want = 0
        for k in range(2, m + 1):
            if int(b.integers(k)) == 0:
                want = k - 1
        assert reservoir_pick(a, m) == want
        assert a.bit_generator.state == b.bit_generator.state
