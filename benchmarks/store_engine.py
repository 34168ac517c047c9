"""Speed of the engine helpers and the store, beside a bare SimPy loop measured in the same run.

    python benchmarks/store_engine.py [--quick]

Prints objects created/s, updates/s (bind = spec update, status update), watch events delivered/s,
Engine events/s (call_later chains, periodic ticks) and the bare SimPy baseline of performance.md B1
(P processes x K ``yield env.timeout(d)``), with ratios against that baseline.
"""
from __future__ import annotations

import argparse
import copy
import gc
import time

import numpy as np
import simpy

from k8ssim.engine import Engine
from k8ssim.store import Store

try:  # the real Pod when the API package is there
    from k8ssim.api.core import Pod as _Pod
    from k8ssim.api.meta import ObjectMeta

    def make_pod(i: int):
        return _Pod(metadata=ObjectMeta(name=f"pod-{i}", namespace=f"ns-{i % 10}", labels={"app": f"a{i % 50}"}))

except Exception:  # pragma: no cover - fallback while the API is in flux
    from dataclasses import dataclass, field
    from typing import ClassVar

    from k8ssim.api.meta import KubeObject, ObjectMeta

    @dataclass
    class _Spec:
        node_name: str = ""

    @dataclass
    class _Status:
        phase: str = "Pending"

    @dataclass
    class _Pod(KubeObject):
        kind: ClassVar[str] = "Pod"
        api_version: ClassVar[str] = "v1"
        resource: ClassVar[str] = "pods"
        metadata: ObjectMeta = field(default_factory=ObjectMeta)
        spec: _Spec = field(default_factory=_Spec)
        status: _Status = field(default_factory=_Status)

    def make_pod(i: int):
        return _Pod(metadata=ObjectMeta(name=f"pod-{i}", namespace=f"ns-{i % 10}", labels={"app": f"a{i % 50}"}))


# -- baseline ---------------------------------------------------------------------------------------
def simpy_baseline(procs: int, steps: int) -> float:
    delays = np.random.default_rng(0).exponential(1.0, size=(procs, steps)).tolist()
    env = simpy.Environment()

    def proc(ds):
        for d in ds:
            yield env.timeout(d)

    for ds in delays:
        env.process(proc(ds))
    t0 = time.perf_counter()
    env.run()
    return time.perf_counter() - t0


# -- engine -----------------------------------------------------------------------------------------
def engine_call_later(procs: int, steps: int) -> float:
    delays = np.random.default_rng(0).exponential(1.0, size=(procs, steps)).tolist()
    eng = Engine(0, keep_events=False)
    call_later = eng.call_later

    def step(ds, i):
        if i < len(ds):
            call_later(ds[i], step, ds, i + 1)

    for ds in delays:
        eng.call_at(0.0, step, ds, 0)
    t0 = time.perf_counter()
    eng.run()
    dt = time.perf_counter() - t0
    assert eng.events_processed == procs * (steps + 1)
    return dt


def engine_every(controllers: int, ticks: int) -> float:
    eng = Engine(0, keep_events=False)
    count = [0]

    def tick():
        count[0] += 1

    for c in range(controllers):
        eng.every(1.0, tick, start=c / controllers)
    t0 = time.perf_counter()
    eng.run(until=float(ticks))
    dt = time.perf_counter() - t0
    assert count[0] == controllers * ticks
    return dt


# -- store ------------------------------------------------------------------------------------------
def store_round(n: int, watchers: int) -> dict:
    eng = Engine(0, keep_events=True)
    st = Store(eng)
    st.add_index("pods", "node", lambda p: [p.spec.node_name] if p.spec.node_name else [])
    delivered = [0]

    def handler(etype, obj, old):
        delivered[0] += 1

    for _ in range(watchers):
        st.watch("pods", handler)
    pods = [make_pod(i) for i in range(n)]
    out = {}
    clock = time.perf_counter

    t0 = clock()
    for p in pods:
        st.create(p)
    out["create"] = clock() - t0

    t0 = clock()
    for i in range(n):
        st.get("pods", f"ns-{i % 10}", f"pod-{i}")
    out["get"] = clock() - t0

    # bind: a spec change (new spec object) -> generation bump + index move
    t0 = clock()
    copies = []
    for i in range(n):
        c = st.get("pods", f"ns-{i % 10}", f"pod-{i}").copy()
        c.spec = copy.copy(c.spec)
        c.spec.node_name = f"node-{i % 5000}"
        copies.append(c)
    out["bind_copy"] = clock() - t0
    t0 = clock()
    for c in copies:
        st.update(c)
    out["bind"] = clock() - t0

    # kubelet: status update
    t0 = clock()
    copies = []
    for i in range(n):
        c = st.get("pods", f"ns-{i % 10}", f"pod-{i}").copy()
        c.status.phase = "Running"
        copies.append(c)
    out["status_copy"] = clock() - t0
    t0 = clock()
    for c in copies:
        st.update_status(c)
    out["status"] = clock() - t0
    del copies

    t0 = clock()
    eng.run()
    out["deliver"] = clock() - t0
    assert delivered[0] == 3 * n * watchers
    t0 = clock()
    out["fp"] = eng.fingerprint()
    out["fingerprint"] = clock() - t0
    return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes (a few seconds)")
    ap.add_argument("--no-gc", action="store_true",
                    help="disable Python's cyclic GC while measuring (shows its share with 10^5 live objects)")
    args = ap.parse_args(argv)
    procs, steps = (200, 200) if args.quick else (1000, 1000)
    n = 20_000 if args.quick else 150_000
    repeat = 1 if args.quick else 3
    watchers = 3
    ev_ticks = 40 if args.quick else 1000
    gc.collect()
    if args.no_gc:
        gc.disable()

    # Repeats are interleaved (baseline, engine, store, baseline, ...) so machine noise hits all alike.
    t_base, t_cl, t_ev, rounds = [], [], [], []
    for _ in range(repeat):
        t_base.append(simpy_baseline(procs, steps))
        t_cl.append(engine_call_later(procs, steps))
        t_ev.append(engine_every(1000, ev_ticks))
        rounds.append(store_round(n, watchers))
    base_rate = procs * steps / min(t_base)
    cl_rate = procs * (steps + 1) / min(t_cl)
    ev_rate = 1000 * ev_ticks / min(t_ev)
    keys = ("create", "get", "bind_copy", "bind", "status_copy", "status", "deliver", "fingerprint")
    b = {k: min(r[k] for r in rounds) for k in keys}
    assert len({r["fp"] for r in rounds}) == 1, "fingerprint differs between identical rounds"

    print(f"k8ssim store/engine benchmark ({'quick' if args.quick else 'full'}; best of {repeat}, interleaved; "
          f"cyclic GC {'off' if args.no_gc else 'on'})")
    print(f"  baseline: bare SimPy, {procs} processes x {steps} `yield env.timeout(d)`: "
          f"{base_rate / 1e6:.3f} M events/s")
    print(f"  Engine.call_later chains ({procs} x {steps}): {cl_rate / 1e6:.3f} M events/s"
          f"  = {cl_rate / base_rate:.2f}x the SimPy baseline")
    print(f"  Engine.every (1000 periodic callbacks x {ev_ticks}): {ev_rate / 1e6:.3f} M ticks/s"
          f"  = {ev_rate / base_rate:.2f}x the SimPy baseline")
    print(f"  store: {n:,} pods, {watchers} watchers, 1 index, event log kept")
    rows = (
        ("create", "store.create"),
        ("get", "store.get"),
        ("bind", "store.update (bind: spec change, index move)"),
        ("status", "store.update_status"),
        ("bind_copy", "[caller] get + Pod.copy() + copy.copy(spec)"),
        ("status_copy", "[caller] get + Pod.copy()"),
    )
    for k, label in rows:
        rate = n / b[k]
        print(f"    {label:<46} {rate / 1e3:8.1f} k/s  ({1e6 / rate:6.2f} us each)")
    dr = 3 * n * watchers / b["deliver"]
    print(f"    {'watch events delivered':<46} {dr / 1e3:8.1f} k/s  ({1e6 / dr:6.2f} us each)"
          f"  [{3 * n:,} writes x {watchers} watchers]")
    print(f"    {'fingerprint of ' + format(3 * n, ',') + ' log records':<46} {b['fingerprint'] * 1e3:8.1f} ms")
    wr = 3 * n / (b["create"] + b["bind"] + b["status"])
    print(f"    store writes (create + update + update_status): {wr / 1e3:.1f} k/s"
          f"  = {wr / base_rate:.2f}x the SimPy baseline's events/s")


if __name__ == "__main__":
    main()
