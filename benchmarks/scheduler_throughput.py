"""Scheduler throughput: the Scheduler component draining a queue of pending pods, each bind written
through the store, with the numba fast path and with the pure-Python reference plugins.

    .venv/bin/python benchmarks/scheduler_throughput.py            # 1,000 / 5,000 / 15,000 nodes + 150k scenario
    .venv/bin/python benchmarks/scheduler_throughput.py --quick    # 1,000 / 5,000 nodes, fewer pods, no scenario

Workloads (each at every node count):
  (a) basic, default profile, percentageOfNodesToScore 100 (every node filtered and scored);
  (b) basic, default profile, adaptive percentageOfNodesToScore (upstream default);
  (c) required pod anti-affinity (hostname) and required pod affinity (zone) workloads, adaptive.
Pods/s is pods bound per wall second of ``engine.run`` (the queue drain: pop, cycle, assume, bind
write, watch delivery, cache confirm). ns per node-evaluation = drain time / (pods x nodes the filter
visited). The reference path runs a prefix of the same pods (``--ref-pods``) on the same cluster and is
extrapolated per pod. Upstream CI minimum at 5,000 nodes (scheduler_perf thresholds): 810 pods/s
basic, 60 anti-affinity, 35 affinity.
"""
from __future__ import annotations

import argparse
import gc
import os
import resource
import sys
import time

from k8ssim.api.core import (
    Affinity, Container, Node, NodeSpec, NodeStatus, Pod, PodAffinity, PodAffinityTerm, PodSpec,
)
from k8ssim.api.meta import LabelSelector, ObjectMeta
from k8ssim.engine import Engine
from k8ssim.scheduler.scheduler import Scheduler
from k8ssim.store import Store

GI = 1024**3
MI = 1024**2
ZONE = "topology.kubernetes.io/zone"
HOST = "kubernetes.io/hostname"
UPSTREAM_MIN = {"basic": 810, "anti-affinity": 60, "affinity": 35}


def make_nodes(n: int) -> list:
    out = []
    for i in range(n):
        name = f"node-{i:05d}"
        alloc = {"cpu": 32000, "memory": 128 * GI, "pods": 110, "ephemeral-storage": 100 * GI}
        out.append(Node(metadata=ObjectMeta(name=name, labels={HOST: name, ZONE: f"zone-{i % 3}"}),
                        spec=NodeSpec(), status=NodeStatus(capacity=dict(alloc), allocatable=dict(alloc))))
    return out


def make_pods(kind: str, count: int) -> list:
    """Pods as a controller makes them: pods of one group share their template's spec."""
    pods = []
    specs: dict = {}
    for i in range(count):
        g = i % 50
        labels = {"app": f"app-{g}"}
        affinity = None
        if kind == "anti-affinity":
            g = 0
            labels = {"color": "green"}
            term = PodAffinityTerm(topology_key=HOST, label_selector=LabelSelector(match_labels={"color": "green"}))
            affinity = Affinity(pod_anti_affinity=PodAffinity(required=[term]))
        elif kind == "affinity":
            g = i % 10
            labels = {"team": f"t{g}"}
            term = PodAffinityTerm(topology_key=ZONE, label_selector=LabelSelector(match_labels={"team": f"t{g}"}))
            affinity = Affinity(pod_affinity=PodAffinity(required=[term]))
        spec = specs.get(g)
        if spec is None:
            req = {"cpu": 100 + 50 * (g % 7), "memory": (128 + 64 * (g % 5)) * MI}
            c = Container(name="c", image="registry.k8s.io/pause:3.10", requests=req)
            spec = specs[g] = PodSpec(containers=[c], affinity=affinity)
        pods.append(Pod(metadata=ObjectMeta(name=f"{kind}-{i}", namespace="default", labels=dict(labels)), spec=spec))
    return pods


def drain(n_nodes: int, pods: list, pct, fast: bool) -> dict:
    """Create the nodes, start the scheduler, create the pods, and time ``engine.run`` until all are bound."""
    engine = Engine(1, keep_events=False)
    store = Store(engine)
    nodes = make_nodes(n_nodes)
    for n in nodes:
        store.create(n)
    cfg = {} if pct is None else {"percentageOfNodesToScore": pct}
    sched = Scheduler(engine, store, cfg, fast_path=fast).start()
    engine.run(until=1.0)
    for p in pods:
        store.create(p)
    evals = [0]
    orig = sched._schedule_pod

    def counting(fwk, state, qpi):  # nodes the filter visited = the advance of the start index
        before = sched.next_start_node_index
        out = orig(fwk, state, qpi)
        evals[0] += (sched.next_start_node_index - before) % len(nodes) or len(nodes)
        return out
    sched._schedule_pod = counting
    from k8ssim.scheduler import kernels
    real = kernels.schedule_kernel
    ktime = [0.0]

    def timed(*args):  # the kernel call alone (dispatch included)
        k0 = time.perf_counter()
        out = real(*args)
        ktime[0] += time.perf_counter() - k0
        return out
    kernels.schedule_kernel = timed
    gc.collect()
    t0 = time.perf_counter()
    try:
        engine.run(until=2.0)
    finally:
        kernels.schedule_kernel = real
    wall = time.perf_counter() - t0
    bound = sum(1 for p in store.list("pods") if p.spec.node_name)
    placements = [p.spec.node_name for p in sorted(store.list("pods"), key=lambda p: int(p.metadata.name.rsplit("-", 1)[1]))]
    fp = next(iter(sched._fast.values()), None)
    return {"wall": wall, "kernel": ktime[0], "bound": bound, "pods": len(pods), "evals": evals[0], "placements": placements,
            "fast_calls": fp.calls if fp else 0, "fallbacks": fp.fallbacks if fp else 0}


def row(label: str, n: int, fast: dict, ref: dict, kind: str) -> str:
    pps = fast["bound"] / fast["wall"]
    ns_eval = fast["wall"] * 1e9 / max(fast["evals"], 1)
    ref_pps = ref["pods"] / ref["wall"]
    ref_ns = ref["wall"] * 1e9 / max(ref["evals"], 1)
    same = fast["placements"][: ref["pods"]] == ref["placements"]
    up = UPSTREAM_MIN["basic" if kind == "basic" else kind]
    k_ns = fast["kernel"] * 1e9 / max(fast["evals"], 1)
    return (f"{label:<30} {n:>6} {fast['pods']:>6} {pps:>8,.0f} {ns_eval:>8.1f} {k_ns:>8.1f} | ref {ref['pods']:>4} pods "
            f"{ref_pps:>8,.1f} pods/s {ref_ns:>6.0f} ns | x{pps / ref_pps:>6.1f} ref, x{pps / up:>6.1f} upstream-min "
            f"({up}) | same placements: {same} | kernel {fast['fast_calls']}, fallback {fast['fallbacks']}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--nodes", type=int, nargs="*")
    ap.add_argument("--pods", type=int, default=None)
    ap.add_argument("--ref-pods", type=int, default=None)
    ap.add_argument("--no-scenario", action="store_true")
    a = ap.parse_args(argv)
    sizes = a.nodes or ([1000, 5000] if a.quick else [1000, 5000, 15000])
    pods_n = a.pods or (2000 if a.quick else 10000)
    ref_n = a.ref_pods or (20 if a.quick else 50)
    # warm the JIT cache outside the timings
    drain(10, make_pods("basic", 20) + make_pods("anti-affinity", 5) + make_pods("affinity", 5), 100, True)
    print(f"{'workload':<30} {'nodes':>6} {'pods':>6} {'pods/s':>8} {'ns/eval':>8} {'kern ns':>8}   "
          "(ns/eval: drain wall / node-evaluations; kern ns: kernel calls only)")
    for n in sizes:
        for label, kind, pct, count in (
            ("(a) basic, pct=100", "basic", 100, pods_n),
            ("(b) basic, adaptive pct", "basic", None, pods_n),
            ("(c) anti-affinity, adaptive", "anti-affinity", None, min(pods_n, n)),
            ("(c) affinity, adaptive", "affinity", None, pods_n),
        ):
            pods = make_pods(kind, count)
            fast = drain(n, pods, pct, True)
            ref = drain(n, make_pods(kind, ref_n), pct, False)
            print(row(label, n, fast, ref, kind), flush=True)
    if not a.quick and not a.no_scenario:
        scenario()
    return 0


def scenario(path: str = None) -> None:
    """Run ``scenarios/scale-150k.yaml`` end to end; wall time and peak RSS."""
    import k8ssim

    path = path or os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scenarios", "scale-150k.yaml")
    t0 = time.perf_counter()
    res = k8ssim.run(path)
    wall = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
    print(f"scale-150k: wall {wall:.1f} s, peak RSS {peak:.2f} GiB (targets <= 60 s, <= 4 GiB); result: {res!r:.200}")


if __name__ == "__main__":
    sys.exit(main())
