"""How containers behave once started: the scenario's ``spec.podBehaviors`` matched to containers and
drawn per container start (k8ssim's workload model; Kubernetes has no such thing).

A rule matches a container when every given field of its ``match`` matches: namespace, labels (a
subset of the pod's labels), ``ownerKind``/``ownerName`` (the pod's controller, or its controller's
controller — a Deployment through its ReplicaSet, a CronJob through its Job), ``container`` (the
container's name). The first matching rule wins. Draws come from the node's named stream
(``kubelet/<node>``), so they are reproducible and do not disturb other components.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

from k8ssim.api.quantity import parse_quantity

#: Owner kinds whose controller owner is looked up too.
_OWNER_PARENT = {"ReplicaSet": "replicasets", "Job": "jobs"}


@dataclass(frozen=True)
class Run:
    """One container start's draws: everything its behaviour decides for this run."""

    runtime: Optional[float]  # seconds until the process exits by itself (None: runs until stopped)
    exit_code: int  # exit code when it does
    startup_time: float  # probes succeed from this many seconds after the start
    liveness_failure_after: Optional[float]  # probes fail from this many seconds after the start
    memory: Optional[int]  # bytes at the start (None: not modelled, the request is used)
    memory_growth: float  # bytes per second


NO_BEHAVIOR = Run(None, 0, 0.0, None, None, 0.0)


def draw(dist, rng) -> float:
    """A duration from a :class:`~k8ssim.scenario.actions.Distribution`."""
    if dist.fixed is not None:
        return float(dist.fixed)
    if dist.uniform is not None:
        lo, hi = dist.uniform
        return float(rng.uniform(lo, hi)) if hi > lo else float(lo)
    if dist.exponential is not None:
        return float(rng.exponential(dist.exponential)) if dist.exponential > 0 else 0.0
    mean, cv = float(dist.lognormal["mean"]), float(dist.lognormal["cv"])
    if mean <= 0:
        return 0.0
    if cv <= 0:
        return mean
    sigma2 = math.log1p(cv * cv)
    return float(rng.lognormal(math.log(mean) - sigma2 / 2, math.sqrt(sigma2)))


def _bytes(q: Optional[str]) -> Optional[int]:
    return None if q is None else int(parse_quantity(q).value())


class Behaviors:
    """The scenario's behaviour rules, matched against pods and containers."""

    def __init__(self, rules=None, store=None):
        self.rules = list(rules or ())
        self.store = store
        self._parsed = [(_bytes(r.memory), parse_quantity(r.memoryGrowth).milli_value() / 1000.0
                         if r.memoryGrowth is not None else 0.0) for r in self.rules]

    def _owners(self, pod) -> list:
        """(kind, name) of the pod's controller chain (at most two levels)."""
        out = []
        ref = pod.metadata.controller_ref()
        if ref is None:
            return out
        out.append((ref.kind, ref.name))
        res = _OWNER_PARENT.get(ref.kind)
        if res is not None and self.store is not None:
            parent = self.store.try_get(res, pod.metadata.namespace, ref.name)
            pref = parent.metadata.controller_ref() if parent is not None else None
            if pref is not None:
                out.append((pref.kind, pref.name))
        return out

    def rule_for(self, pod, container_name: str) -> Optional[int]:
        """Index of the first rule matching this container of ``pod`` (None: no rule)."""
        owners = None
        for i, r in enumerate(self.rules):
            m = r.match
            if m.container is not None and m.container != container_name:
                continue
            if m.namespace is not None and m.namespace != pod.metadata.namespace:
                continue
            labels = pod.metadata.labels
            if any(labels.get(k) != v for k, v in m.labels.items()):
                continue
            if m.ownerKind is not None or m.ownerName is not None:
                if owners is None:
                    owners = self._owners(pod)
                if not any((m.ownerKind is None or m.ownerKind == k) and (m.ownerName is None or m.ownerName == n)
                           for k, n in owners):
                    continue
            return i
        return None

    def draw_run(self, rule: Optional[int], rng, default_runtime: Optional[float] = None) -> Run:
        """The draws of one container start under rule ``rule`` (``default_runtime`` when the rule, or
        the lack of one, gives no run time)."""
        if rule is None:
            return Run(default_runtime, 0, 0.0, None, None, 0.0)
        r = self.rules[rule]
        runtime = draw(r.runtime, rng) if r.runtime is not None else default_runtime
        code = 0
        if runtime is not None and r.failureProbability > 0 and rng.random() < r.failureProbability:
            code = r.exitCode
        startup = draw(r.startupTime, rng) if r.startupTime is not None else 0.0
        live = draw(r.livenessFailureAfter, rng) if r.livenessFailureAfter is not None else None
        mem, growth = self._parsed[rule]
        return Run(runtime, code, startup, live, mem, growth)
