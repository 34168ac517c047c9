"""The kubectl-like summary printed at the end of ``k8ssim run``."""
from __future__ import annotations

from collections import Counter

MAX_NODE_ROWS = 20


def _table(headers: list, rows: list) -> str:
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) if rows else len(str(h)) for i, h in enumerate(headers)]
    lines = ["   ".join(str(h).ljust(w) for h, w in zip(headers, widths)).rstrip()]
    for r in rows:
        lines.append("   ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip())
    return "\n".join(lines)


def fmt_cpu(m: int) -> str:
    return f"{m / 1000:g}" if m % 1000 == 0 else f"{m}m"


def fmt_mem(b: int) -> str:
    for unit, size in (("Gi", 1024**3), ("Mi", 1024**2), ("Ki", 1024)):
        if b >= size:
            v = b / size
            return f"{v:.1f}{unit}" if v != int(v) else f"{int(v)}{unit}"
    return str(b)


def summarize(sim, result) -> str:
    from k8ssim.metrics.recorder import workload_counts

    meta = result.meta
    out = [
        f"scenario {meta['scenario_name']} (seed {meta['seed']}): simulated {meta['simulated_seconds']:g}s in "
        f"{meta['wall_seconds']:.2f}s wall, {meta['events_logged']} events; fingerprint {meta['fingerprint'][:16]}",
        "",
    ]
    store = sim.store
    rows = []
    for resource in ("deployments", "statefulsets", "daemonsets", "replicasets", "jobs"):
        for obj in store.list(resource):
            if resource == "replicasets" and obj.metadata.controller_ref() is not None:
                continue  # shown through their Deployment, as `kubectl get deploy` does
            desired, current, ready, available, updated = workload_counts(obj)
            rows.append((obj.metadata.namespace, obj.kind, obj.metadata.name, f"{ready}/{desired}", updated, available))
    if rows:
        out += ["WORKLOADS", _table(["NAMESPACE", "KIND", "NAME", "READY", "UP-TO-DATE", "AVAILABLE"], rows), ""]
    nodes = store.list("nodes")
    nrows = []
    for n in nodes[:MAX_NODE_ROWS]:
        pods, cpu, mem = sim.recorder.node_requested(n.metadata.name)
        ac, am = n.status.allocatable.get("cpu", 0), n.status.allocatable.get("memory", 0)
        nrows.append((
            n.metadata.name, n.metadata.labels.get("topology.kubernetes.io/zone", ""), pods,
            f"{fmt_cpu(cpu)}/{fmt_cpu(ac)} ({100 * cpu // ac if ac else 0}%)",
            f"{fmt_mem(mem)}/{fmt_mem(am)} ({100 * mem // am if am else 0}%)",
            "Ready" + (",SchedulingDisabled" if n.spec.unschedulable else "") if n.is_ready() else "NotReady",
        ))
    if nrows:
        out += ["NODES", _table(["NAME", "ZONE", "PODS", "CPU REQUESTS", "MEMORY REQUESTS", "STATUS"], nrows)]
        if len(nodes) > MAX_NODE_ROWS:
            out.append(f"... and {len(nodes) - MAX_NODE_ROWS} more nodes")
        out.append("")
    pods = store.list("pods")
    terminating = sum(1 for p in pods if p.metadata.deletion_timestamp is not None)
    phases = Counter(p.status.phase for p in pods if p.metadata.deletion_timestamp is None)
    pending = [p for p in pods if p.status.phase == "Pending" and not p.spec.node_name]
    out.append("PODS: " + ", ".join(f"{phases.get(ph, 0)} {ph.lower()}" for ph in
                                    ("Running", "Pending", "Succeeded", "Failed")) +
               f", {terminating} terminating ({len(pending)} unscheduled)")
    for p in pending[:10]:
        cond = p.status.condition("PodScheduled")
        why = cond.message if cond is not None and cond.message else "waiting to be scheduled"
        out.append(f"  {p.metadata.namespace}/{p.metadata.name}: {why}")
    if len(pending) > 10:
        out.append(f"  ... and {len(pending) - 10} more unscheduled pods")
    if result.ignored:
        kinds = Counter(i.kind for i in result.ignored)
        out.append("")
        out.append("IGNORED (kinds k8ssim does not simulate): " +
                   ", ".join(f"{k} ×{n}" if n > 1 else k for k, n in sorted(kinds.items())))
    if sim.created_namespaces:
        out.append("CREATED NAMESPACES (referenced by manifests, not declared): " + ", ".join(sim.created_namespaces))
    if result.warnings:
        out.append("")
        out += ["WARNINGS"] + [f"  {w}" for w in result.warnings]
    return "\n".join(out) + "\n"
