"""The top floor: wires store, scheduler, controllers, kubelets and the recorder into one running
cluster for a scenario. ``k8ssim run`` and :func:`k8ssim.run` call :func:`run`.

Objects from the manifests are applied at t=0 in Helm's install order (namespaces and priority classes
before the workloads that need them), like ``helm install`` — ``kubectl apply -f`` would keep file order
and fail on a missing PriorityClass.
"""
from __future__ import annotations

import time
from typing import Callable, Optional

from k8ssim.api.core import Namespace
from k8ssim.api.errors import InputError
from k8ssim.api.meta import ObjectMeta

#: helm/pkg/releaseutil/kind_sorter.go InstallOrder (the kinds we model, in that order)
INSTALL_ORDER = [
    "PriorityClass", "Namespace", "ResourceQuota", "LimitRange", "PodDisruptionBudget", "StorageClass",
    "PersistentVolume", "PersistentVolumeClaim", "Service", "Pod", "ReplicaSet", "Deployment",
    "HorizontalPodAutoscaler", "StatefulSet", "Job", "CronJob", "DaemonSet", "Node",
]
SYSTEM_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")

#: kube-controller-manager: each module ``k8ssim.controllers.<name>`` exposes
#: ``new_controller(engine, store, spec) -> obj with start()``.
CONTROLLERS = ("replicaset", "deployment", "statefulset", "daemonset", "job", "cronjob", "garbagecollector",
               "disruption", "nodelifecycle")


def build_controllers(engine, store, spec) -> list:
    import importlib

    out = []
    for name in CONTROLLERS:
        try:
            mod = importlib.import_module(f"k8ssim.controllers.{name}")
        except ModuleNotFoundError as e:  # a controller still being written: the test suite requires all
            if e.name == f"k8ssim.controllers.{name}":
                continue
            raise
        out.append(mod.new_controller(engine, store, spec))
    return out


class Simulation:
    """One cluster for one scenario: ``Simulation(loaded).run()``."""

    def __init__(self, loaded, *, keep_events: bool = True, record_explain: bool = False,
                 check_invariants: bool = False):
        from k8ssim.admission import DefaultTolerationSeconds, NamespaceExists
        from k8ssim.engine import Engine
        from k8ssim.metrics.recorder import Recorder
        from k8ssim.node.kubelet import KubeletConfig, Kubelets
        from k8ssim.scheduler.admission import install_priority_admission
        from k8ssim.scheduler.scheduler import Scheduler
        from k8ssim.store import Store
        from k8ssim.api.quantity import parse_quantity

        self.loaded = loaded
        spec = loaded.spec
        self.spec = spec
        self.engine = Engine(spec.seed, keep_events=keep_events)
        self.store = Store(self.engine)
        self.checker = None
        if check_invariants:  # first watcher of all: it sees every write in revision order
            from k8ssim.invariants import InvariantChecker

            self.checker = InvariantChecker(self.engine, self.store).start()
        install_priority_admission(self.store)
        self.store.add_admission("pods", DefaultTolerationSeconds())
        ns_check = NamespaceExists(self.store)
        for resource in ("pods", "deployments", "replicasets", "statefulsets", "daemonsets", "jobs", "cronjobs",
                         "services", "persistentvolumeclaims", "poddisruptionbudgets", "horizontalpodautoscalers",
                         "limitranges", "resourcequotas"):
            self.store.add_admission(resource, ns_check)
        kcfg = spec.kubelet
        self.kubelets = Kubelets(
            self.engine, self.store,
            KubeletConfig(pod_start_latency=kcfg.podStartLatency,
                          container_runtime=kcfg.containerRuntime,
                          image_pull_bandwidth=float(parse_quantity(kcfg.imagePullBandwidth).value()),
                          default_image_size=parse_quantity(kcfg.defaultImageSize).value()),
            behaviors=spec.podBehaviors,
        )
        from k8ssim.scheduler.framework import FrameworkError

        try:
            self.scheduler = Scheduler(self.engine, self.store, spec.cluster.scheduler or {}, explain=record_explain)
        except FrameworkError as e:
            raise InputError([loaded.diagnostic(("spec", "cluster", "scheduler"), str(e))]) from None
        self.controllers = build_controllers(self.engine, self.store, spec)
        self.recorder = Recorder(self.engine, self.store, sample_interval=spec.sampleInterval)
        from k8ssim.faults.node import FaultInjector

        self.faults = FaultInjector(self.engine, self.store, spec, self.kubelets)
        from k8ssim.timeline import Timeline

        self.timeline = Timeline(self.engine, self.store, loaded)
        self.created_namespaces: list = []
        self.wall_time = 0.0

    # ------------------------------------------------------------------------------------ set-up
    def _bootstrap(self) -> None:
        from k8ssim.scenario.nodes import build_pool_nodes, node_cidrs

        for comp in (self.recorder, self.kubelets, self.scheduler, *self.controllers):
            comp.start()
        for ns in SYSTEM_NAMESPACES:
            self.store.create(Namespace(metadata=ObjectMeta(name=ns)))
        nodes = []
        for pool in self.spec.cluster.nodePools:
            nodes.extend(build_pool_nodes(pool))
        try:
            cidrs = node_cidrs(self.spec.cluster.podCIDR, len(nodes))
        except ValueError as e:
            raise InputError([self.loaded.diagnostic(("spec", "cluster", "podCIDR"), str(e))]) from None
        for node, cidr in zip(nodes, cidrs):
            node.spec.pod_cidr = cidr
            self.store.create(node)
        self._apply_manifests()
        self._check_fault_targets()
        self.faults.start()
        self.timeline.start()

    def _check_fault_targets(self) -> None:
        """A fault aimed at a node that does not exist is an input error (validation.md §7e row 47)."""
        errors = []
        for i, entry in enumerate(self.spec.faults):
            nf = entry.nodeFailure
            if nf is not None and self.store.try_get("nodes", None, nf.node) is None:
                errors.append(self.loaded.diagnostic(("spec", "faults", i, "nodeFailure", "node"),
                                                     f'node "{nf.node}" matched 0 targets (nodes are named '
                                                     "<pool>-<index>)"))
            if entry.at > self.spec.duration:
                self.loaded.warnings.append(self.loaded.diagnostic(
                    ("spec", "faults", i, "at"), "fault never fires: at is after the end of the run", "warning"))
        if errors:
            raise InputError(errors)

    def _apply_manifests(self) -> None:
        from k8ssim.store.errors import StoreError

        objs = list(self.loaded.manifests.objects)
        order = {k: i for i, k in enumerate(INSTALL_ORDER)}
        objs.sort(key=lambda o: order.get(o.kind, len(order)))  # stable: file order within a kind
        wanted_ns = []
        for o in objs:
            if o.namespaced and o.metadata.namespace not in SYSTEM_NAMESPACES \
                    and o.metadata.namespace not in wanted_ns:
                wanted_ns.append(o.metadata.namespace)
        declared = {o.metadata.name for o in objs if o.kind == "Namespace"}
        errors = []
        for ns in wanted_ns:
            if ns not in declared:  # kubectl users create it by hand; we do it and say so in the summary
                self.store.create(Namespace(metadata=ObjectMeta(name=ns)))
                self.created_namespaces.append(ns)
        for o in objs:
            try:
                if o.kind == "Namespace" and self.store.try_get("namespaces", None, o.metadata.name) is not None:
                    continue
                self.store.create(o)
            except StoreError as e:
                errors.append(self.loaded.manifests.diagnostic(o, (), str(e)))
        if errors:
            raise InputError(errors)

    # --------------------------------------------------------------------------------------- run
    def run(self, progress: Optional[Callable[[float, float], None]] = None):
        from k8ssim.result import Result

        import gc

        t0 = time.perf_counter()
        self._bootstrap()
        # 10^5 long-lived objects make Python's cyclic GC the largest cost of a store write: freeze what
        # set-up made and collect young objects less often (results do not depend on GC timing).
        gc.collect()
        gc.freeze()
        old_threshold = gc.get_threshold()
        gc.set_threshold(100_000, 50, 100)
        until = self.spec.duration
        steps = 100 if progress else 1
        for i in range(1, steps + 1):
            self.engine.run(until=until * i / steps)
            if progress:
                progress(self.engine.now, until)
        self.recorder.sample()  # the state at the end of the run (events at t == duration are not run)
        if self.checker is not None:
            self.checker.finish()
        gc.set_threshold(*old_threshold)
        gc.unfreeze()
        self.wall_time = time.perf_counter() - t0
        return Result.from_simulation(self)


def run(scenario, seed: Optional[int] = None, overrides=None, *, progress=None, keep_events: bool = True,
        record_explain: bool = False, check_invariants: bool = False):
    """Load and run a scenario (path, YAML text or dict). Raises :class:`InputError` on bad input and
    :class:`k8ssim.invariants.InvariantViolation` when ``check_invariants`` catches a broken rule."""
    from k8ssim.scenario.loader import load_scenario

    loaded = load_scenario(scenario, overrides=overrides, seed=seed)
    return Simulation(loaded, keep_events=keep_events, record_explain=record_explain,
                      check_invariants=check_invariants).run(progress=progress)
