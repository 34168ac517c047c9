"""Controller-manager churn: a whole cluster played forward, beside a bare SimPy loop run in the same process.

    .venv/bin/python benchmarks/cluster_churn.py                 # 1,000 nodes, 30,000 pods, 30 simulated minutes
    .venv/bin/python benchmarks/cluster_churn.py --quick         # 100 nodes, 3,000 pods
    .venv/bin/python benchmarks/cluster_churn.py --quick --check-invariants   # also the run with the checker

The scenario: ``D`` Deployments of ``R`` replicas (100m CPU, 256Mi each) on m5.2xlarge nodes over three
zones, created at t=0 (every pod scheduled, pulled, started); at 5 m a rolling update (new image) of a
tenth of the Deployments; at 10 m ``F`` nodes fail for good (lease expiry, NotReady, NoExecute taints at
the node-lifecycle rate, evictions after the 300 s default toleration, replacements scheduled
elsewhere); the run ends at 30 m. Everything runs as in ``Simulation.run`` (same GC tuning) except
building the result tables, which is timed apart.

Printed: wall time of set-up and of each phase, simulated seconds per wall second, engine events per
wall second, store writes and watch deliveries per wall second, and the bare SimPy baseline
(``performance.md`` B1: 1,000 processes x 1,000 ``yield env.timeout(d)``) in events per second, with the
ratio engine-events/s : SimPy-events/s. An engine event here is a whole controller sync, kubelet step or
watch fan-out, so the ratio says how much work one simulated event carries compared with an empty one.
"""
from __future__ import annotations

import argparse
import gc
import os
import resource
import sys
import time

import numpy as np
import simpy

from k8ssim.scenario.loader import load_scenario
from k8ssim.simulation import Simulation

SIZES = {  # nodes, deployments, replicas, rolled deployments, failed nodes
    "full": (1000, 100, 300, 10, 5),
    "quick": (100, 20, 150, 2, 1),
}
PHASES = [("create + schedule + start", 0, 300), ("rolling update", 300, 600),
          ("node failures -> evictions", 600, 1200), ("steady", 1200, 1800)]


def scenario(nodes: int, deployments: int, replicas: int, rolled: int, failed: int) -> dict:
    objs = []
    for i in range(deployments):
        name = f"app-{i:03d}"
        objs.append({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
                     "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                              "template": {"metadata": {"labels": {"app": name}},
                                           "spec": {"containers": [{"name": "main", "image": f"{name}:1",
                                                                    "resources": {"requests": {"cpu": "100m",
                                                                                               "memory": "256Mi"}}}]}}}})
    step = max(1, deployments // max(1, rolled))
    timeline = [{"at": "5m", "setImage": {"deployment": f"app-{i:03d}", "container": "main", "image": f"app-{i:03d}:2"}}
                for i in range(0, deployments, step)][:rolled]
    fstep = max(1, nodes // max(1, failed))
    faults = [{"at": "10m", "nodeFailure": {"node": f"general-{i}"}} for i in range(0, nodes, fstep)][:failed]
    return {"apiVersion": "k8ssim.io/v1alpha1", "kind": "Scenario", "metadata": {"name": "cluster-churn"},
            "spec": {"seed": 1, "duration": "30m", "sampleInterval": "1m",
                     "cluster": {"podCIDR": "10.0.0.0/8",
                                 "nodePools": [{"name": "general", "instanceType": "m5.2xlarge", "count": nodes,
                                                "zones": ["zone-a", "zone-b", "zone-c"]}]},
                     "kubelet": {"podStartLatency": "1s", "imagePullBandwidth": "100Mi", "defaultImageSize": "100Mi"},
                     "manifests": [{"inline": objs}], "timeline": timeline, "faults": faults}}


def simpy_baseline(procs: int = 1000, steps: int = 1000) -> tuple:
    """Bare SimPy: ``procs`` processes each yielding ``steps`` exponential timeouts. -> (events, seconds)."""
    delays = np.random.default_rng(0).exponential(1.0, size=(procs, steps)).tolist()
    env = simpy.Environment()

    def proc(ds):
        for d in ds:
            yield env.timeout(d)

    for ds in delays:
        env.process(proc(ds))
    gc.collect()
    t0 = time.perf_counter()
    env.run()
    return procs * (steps + 2), time.perf_counter() - t0  # + Initialize and process end per process


def run_cluster(d: dict, check_invariants: bool = False) -> dict:
    out: dict = {}
    t0 = time.perf_counter()
    sim = Simulation(load_scenario(d))  # keep_events=True, as `k8ssim run`
    checker = None
    if check_invariants:
        from k8ssim.invariants import InvariantChecker

        checker = InvariantChecker(sim.engine, sim.store).start()
    sim._bootstrap()
    out["setup"] = time.perf_counter() - t0
    gc.collect()
    gc.freeze()
    old = gc.get_threshold()
    gc.set_threshold(100_000, 50, 100)
    eng, store = sim.engine, sim.store
    phases = []
    for name, start, end in PHASES:
        e0, w0, d0 = eng.events_processed, store.writes, store.watch_events_delivered
        t1 = time.perf_counter()
        eng.run(until=float(end))
        dt = time.perf_counter() - t1
        phases.append((name, start, end, dt, eng.events_processed - e0, store.writes - w0,
                       store.watch_events_delivered - d0))
    gc.set_threshold(*old)
    gc.unfreeze()
    if checker is not None:
        checker.finish()
    out["phases"] = phases
    out["pods"] = store.count("pods")
    out["running"] = sum(1 for p in store.list("pods") if p.status.phase == "Running")
    out["nodes"] = store.count("nodes")
    t1 = time.perf_counter()
    sim.recorder.sample()
    from k8ssim.result import Result

    Result.from_simulation(sim)
    out["tables"] = time.perf_counter() - t1
    out["fingerprint"] = eng.fingerprint()
    out["checks"] = checker.checks if checker is not None else 0
    return out


def report(label: str, r: dict, base_eps: float) -> None:
    print(f"\n== {label}: {r['nodes']} nodes, {r['pods']} pods at the end ({r['running']} Running), "
          f"fingerprint {r['fingerprint'][:16]}")
    print(f"set-up (load, build, apply manifests): {r['setup']:.2f} s; result tables: {r['tables']:.2f} s")
    if r["checks"]:
        print(f"invariant checker: {r['checks']:,} watch events checked, silent")
    hdr = f"{'phase':28s} {'sim s':>7s} {'wall s':>8s} {'sim s/wall s':>12s} {'events/s':>10s} {'writes/s':>9s} " \
          f"{'watch/s':>9s} {'vs SimPy':>8s}"
    print(hdr)
    tot = [0.0, 0, 0, 0]
    for name, start, end, dt, ev, wr, dl in r["phases"]:
        tot[0] += dt
        tot[1] += ev
        tot[2] += wr
        tot[3] += dl
        print(f"{name:28s} {end - start:7.0f} {dt:8.2f} {(end - start) / dt:12.1f} {ev / dt:10,.0f} {wr / dt:9,.0f} "
              f"{dl / dt:9,.0f} {ev / dt / base_eps:8.3f}")
    dt, ev, wr, dl = tot
    sim_s = PHASES[-1][2]
    print(f"{'total':28s} {sim_s:7.0f} {dt:8.2f} {sim_s / dt:12.1f} {ev / dt:10,.0f} {wr / dt:9,.0f} {dl / dt:9,.0f} "
          f"{ev / dt / base_eps:8.3f}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="100 nodes and 3,000 pods instead of 1,000 and 30,000")
    ap.add_argument("--check-invariants", action="store_true",
                    help="run a second time with the invariant checker and print its overhead")
    args = ap.parse_args(argv)
    size = SIZES["quick" if args.quick else "full"]
    nodes, deps, reps, rolled, failed = size
    d = scenario(*size)
    print(f"cluster churn: {nodes} nodes, {deps} Deployments x {reps} replicas = {deps * reps:,} pods; "
          f"{rolled} rolled at 5m, {failed} node(s) fail at 10m; 30 simulated minutes  (python {sys.version.split()[0]}, "
          f"simpy {simpy.__version__}, pid {os.getpid()})")
    n, b = simpy_baseline()
    base_eps = n / b
    r = run_cluster(d)
    n2, b2 = simpy_baseline()  # again after the cluster run: same process, warm caches
    base_eps = max(base_eps, n2 / b2)
    print(f"bare SimPy baseline (1,000 processes x 1,000 timeouts): {n:,} events, best of 2: "
          f"{base_eps:,.0f} events/s ({b:.2f} s, {b2:.2f} s)")
    report("k8ssim", r, base_eps)
    if args.check_invariants:
        rc = run_cluster(d, check_invariants=True)
        report("k8ssim with the invariant checker", rc, base_eps)
        same = "same" if rc["fingerprint"] == r["fingerprint"] else "DIFFERENT"
        slow = sum(p[3] for p in rc["phases"]) / sum(p[3] for p in r["phases"])
        print(f"checker overhead: x{slow:.2f} wall time of the run; event-log fingerprint {same}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS {rss:,.0f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
