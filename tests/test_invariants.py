"""The invariant checker (k8ssim/invariants.py) catches deliberately broken components, and stays silent
(without changing the event log) on the healthy cluster.

Each test runs a real cluster (``Simulation``) with one component swapped for a broken stand-in and
expects :class:`InvariantViolation` carrying the scenario's seed and the index of the offending store
write in the events table.
"""
from __future__ import annotations

import copy
import os

import pytest

from k8ssim.api.core import Pod
from k8ssim.api.meta import ObjectMeta
from k8ssim.controllers.daemonset import DaemonSetController
from k8ssim.controllers.deployment import DeploymentController
from k8ssim.controllers.podcontrol import owner_reference
from k8ssim.controllers.replicaset import ReplicaSetController
from k8ssim.controllers.rolling import scale_replica_set
from k8ssim.invariants import InvariantChecker, InvariantViolation
from k8ssim.scenario.loader import load_scenario
from k8ssim.simulation import Simulation

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEED = 42


def scenario(manifests, *, nodes=3, instance="m5.xlarge", timeline=(), duration="3m", seed=SEED, faults=()):
    return {
        "apiVersion": "k8ssim.io/v1alpha1", "kind": "Scenario", "metadata": {"name": "inv"},
        "spec": {"seed": seed, "duration": duration, "sampleInterval": "15s",
                 "cluster": {"nodePools": [{"name": "pool", "instanceType": instance, "count": nodes,
                                            "zones": ["z1", "z2", "z3"]}]},
                 "kubelet": {"podStartLatency": "1s"},
                 "manifests": [{"inline": list(manifests)}],
                 "timeline": list(timeline), "faults": list(faults)},
    }


def deployment(name="web", replicas=3, cpu="500m", strategy=None, image="nginx:1.27"):
    d = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
         "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                  "template": {"metadata": {"labels": {"app": name}},
                               "spec": {"containers": [{"name": "c", "image": image,
                                                        "resources": {"requests": {"cpu": cpu,
                                                                                   "memory": "64Mi"}}}]}}}}
    if strategy is not None:
        d["spec"]["strategy"] = strategy
    return d


def build(d):
    sim = Simulation(load_scenario(d))
    checker = InvariantChecker(sim.engine, sim.store).start()
    return sim, checker


def swap_controller(sim, cls, new):
    for i, c in enumerate(sim.controllers):
        if type(c) is cls:
            sim.controllers[i] = new
            return
    raise AssertionError(f"no {cls.__name__} in the cluster")


def run_expecting(sim, until, invariant):
    with pytest.raises(InvariantViolation) as ei:
        sim._bootstrap()
        sim.engine.run(until=until)
    v = ei.value
    assert v.invariant == invariant, str(v)
    assert v.seed == SEED
    rows = sim.engine.log.rows()
    assert 0 <= v.event_index < len(rows)
    row = rows[v.event_index]
    if v.revision is not None:  # the events-table row is the store write that broke the invariant
        assert row[1] == "apiserver" and row[4] == str(v.revision), row
        assert row[0] == v.time
    assert f"seed {SEED}" in str(v) and f"event #{v.event_index}" in str(v)
    return v, row


# ------------------------------------------------------------------------------ silent and neutral


@pytest.mark.parametrize("name", ["quickstart", "drain-pdb", "node-failure", "statefulset", "daemonset", "job"])
def test_checker_is_silent_and_leaves_the_event_log_unchanged(name):
    path = os.path.join(REPO, "scenarios", f"{name}.yaml")
    plain = Simulation(load_scenario(path))
    plain.run()
    sim = Simulation(load_scenario(path))
    checker = InvariantChecker(sim.engine, sim.store).start()
    sim.run()
    checker.finish()
    assert checker.checks > 0 and checker.instants > 0
    assert sim.engine.fingerprint() == plain.engine.fingerprint()


def test_checker_started_late_lists_existing_objects():
    sim = Simulation(load_scenario(scenario([deployment(replicas=4)], duration="1m")))
    sim._bootstrap()
    sim.engine.run(until=20)
    checker = InvariantChecker(sim.engine, sim.store).start()
    sim.engine.run(until=60)
    checker.finish()
    assert len(checker._live["pods"]) == 4


# ------------------------------------------------------------------------------ I1 capacity


class FirstNodeBinder:
    """A scheduler stand-in that ignores capacity: every pending pod goes to the first node."""

    def __init__(self, engine, store):
        self.engine, self.store = engine, store

    def start(self):
        self.store.watch("pods", self._on_pod)

    def _on_pod(self, etype, pod, old):
        if etype == "DELETED" or pod.spec.node_name:
            return
        new = pod.copy()
        new.spec = copy.copy(pod.spec)
        new.spec.node_name = "pool-0"
        self.store.update(new)


def test_capacity_scheduler_binding_to_a_full_node():
    # m5.xlarge: 4 vCPU; 5 pods x 1 cpu cannot all fit on one node (allocatable < 4000m after reserves)
    sim, _ = build(scenario([deployment(replicas=5, cpu="1")]))
    sim.scheduler = FirstNodeBinder(sim.engine, sim.store)
    v, row = run_expecting(sim, 30, "I1")
    assert "node pool-0: cpu requested" in v.message
    assert row[2] == "MODIFIED" and row[3].startswith("/registry/pods/default/web-")
    assert v.time == 0.0


def test_capacity_counts_init_container_effective_request():
    # effective request = max(Σ app = 100m, max init = 3) cores: two such pods exceed 4 cores
    d = deployment(replicas=2, cpu="100m")
    d["spec"]["template"]["spec"]["initContainers"] = [
        {"name": "init", "image": "busybox", "resources": {"requests": {"cpu": "3"}}}]
    sim, _ = build(scenario([d]))
    sim.scheduler = FirstNodeBinder(sim.engine, sim.store)
    v, _ = run_expecting(sim, 30, "I1")
    assert "requests cpu=3000" in v.message


# ------------------------------------------------------------------------------ I2 bound once


class Rebinder(FirstNodeBinder):
    """Binds like the scheduler would not: and 10 s later moves the pod to another node."""

    def _on_pod(self, etype, pod, old):
        if etype == "ADDED" and not pod.spec.node_name:
            super()._on_pod(etype, pod, old)
            self.engine.call_later(10, self._move, pod.metadata.namespace, pod.metadata.name)

    def _move(self, ns, name):
        cur = self.store.get("pods", ns, name)
        new = cur.copy()
        new.spec = copy.copy(cur.spec)
        new.spec.node_name = "pool-1"
        self.store.update(new)


def test_bound_once_pod_rebound_to_another_node():
    sim, _ = build(scenario([deployment(replicas=1, cpu="100m")]))
    sim.scheduler = Rebinder(sim.engine, sim.store)
    v, row = run_expecting(sim, 30, "I2")
    assert "moved from node pool-0 to pool-1" in v.message
    assert v.time == 10.0 and row[2] == "MODIFIED"


# ------------------------------------------------------------------------------ I5 Deployment bounds


class OneTooManyRS(ReplicaSetController):
    """Manages one replica more than the spec says: keeps spec.replicas + 1 pods."""

    def _manage(self, rs, now):
        import copy

        more = rs.copy()
        more.spec = copy.copy(rs.spec)
        more.spec.replicas += 1
        super()._manage(more, now)


def test_deployment_pods_past_max_surge_from_a_replicaset_controller_creating_one_too_many():
    # maxSurge 0: 3 replicas allow 3 pods; the broken ReplicaSet controller keeps 4
    strategy = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 1}}
    sim, _ = build(scenario([deployment(replicas=3, cpu="100m", strategy=strategy)]))
    swap_controller(sim, ReplicaSetController, OneTooManyRS(sim.engine, sim.store))
    v, _ = run_expecting(sim, 30, "I5")
    assert "4 active pods at rest > replicas 3 + maxSurge 0" in v.message
    assert v.revision is None and v.time == 0.0


class OverSurgingDeployment(DeploymentController):
    """Scales the new ReplicaSet one past maxSurge."""

    def _apply(self, d, action):
        if action is not None and action.replicas > action.rs.spec.replicas:
            action = scale_replica_set(action.rs, action.replicas + 1, d)
        super()._apply(d, action)


def test_deployment_surge_bound_on_replicaset_sizes():
    # replicas 4, maxSurge 25% -> 1, maxUnavailable 25% -> 1: at setImage (t=20) the new RS starts at 1
    # (Σ 5 = 4 + 1), the old RS goes 4 -> 3 (one available replica may go), then NewRSNewReplicas allows
    # the new RS 1 -> 2 (Σ 5); the broken controller makes it 3 -> Σ 6 > 5
    sim, _ = build(scenario([deployment(replicas=4, cpu="100m")],
                            timeline=[{"at": "20s", "setImage": {"deployment": "web", "container": "c",
                                                                  "image": "nginx:1.28"}}]))
    swap_controller(sim, DeploymentController, OverSurgingDeployment(sim.engine, sim.store))
    v, row = run_expecting(sim, 60, "I5")
    assert "scaled 1->3 makes Σ replicas 6 > replicas 4 + maxSurge 1" in v.message
    assert v.time == 20.0 and row[2] == "MODIFIED" and row[3].startswith("/registry/replicasets/default/web-")


class RecreatingRollingDeployment(DeploymentController):
    """A RollingUpdate that drops every old replica at once (ignores maxUnavailable)."""

    def _rollout_rolling(self, d, new_rs, old_rss):
        for rs in old_rss:
            if rs.spec.replicas:
                self._apply(d, scale_replica_set(rs, 0, d))
        super()._rollout_rolling(d, self.store.get("replicasets", new_rs.metadata.namespace, new_rs.metadata.name),
                                 [self.store.get("replicasets", r.metadata.namespace, r.metadata.name)
                                  for r in old_rss])


def test_deployment_scale_down_below_min_available():
    # replicas 4, maxUnavailable 25% -> 1: minAvailable 3; scaling the old RS 4 -> 0 cuts 4 available
    # replicas where at most 4 - 3 = 1 may go
    sim, _ = build(scenario([deployment(replicas=4, cpu="100m")],
                            timeline=[{"at": "20s", "setImage": {"deployment": "web", "container": "c",
                                                                  "image": "nginx:1.28"}}]))
    swap_controller(sim, DeploymentController, RecreatingRollingDeployment(sim.engine, sim.store))
    v, row = run_expecting(sim, 60, "I5")
    assert "4->0 cuts 4 available replicas, but only 1 may go" in v.message
    assert v.time == 20.0 and row[2] == "MODIFIED"


def test_deployment_rollout_with_a_node_failure_is_not_a_violation():
    # pods lost to a node failure take availability below minAvailable: not a controller decision
    sim, checker = build(scenario(
        [deployment(replicas=6, cpu="100m")], duration="10m",
        timeline=[{"at": "30s", "setImage": {"deployment": "web", "container": "c", "image": "nginx:1.28"}}],
        faults=[{"at": "25s", "nodeFailure": {"node": "pool-1"}}]))
    sim.run()
    checker.finish()


# ------------------------------------------------------------------------------ I6 DaemonSet


class TwoPerNodeDaemonSet(DaemonSetController):
    """Wants a second pod on every node that has one."""

    def _pods_should_be_on_node(self, node, node_to_pods, ds, hash_):
        needing, _ = super()._pods_should_be_on_node(node, node_to_pods, ds, hash_)
        live = [p for p in node_to_pods.get(node.metadata.name, ()) if p.is_active()]
        if len(live) == 1:
            needing.append(node.metadata.name)
        return needing, []


def test_daemonset_second_pod_on_a_node():
    ds = {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "agent"},
          "spec": {"selector": {"matchLabels": {"app": "agent"}},
                   "template": {"metadata": {"labels": {"app": "agent"}},
                                "spec": {"containers": [{"name": "a", "image": "agent:1",
                                                         "resources": {"requests": {"cpu": "10m"}}}]}}}}
    sim, _ = build(scenario([ds]))
    swap_controller(sim, DaemonSetController, TwoPerNodeDaemonSet(sim.engine, sim.store))
    v, row = run_expecting(sim, 30, "I6")
    assert "live pods of DaemonSet default/agent" in v.message and "at most 1" in v.message
    assert row[2] == "ADDED"


# ------------------------------------------------------------------------------ I4 StatefulSet


def test_statefulset_second_pod_for_an_ordinal():
    sts = {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db"},
           "spec": {"replicas": 2, "serviceName": "db", "selector": {"matchLabels": {"app": "db"}},
                    "template": {"metadata": {"labels": {"app": "db"}},
                                 "spec": {"containers": [{"name": "db", "image": "postgres:16"}]}}}}
    sim, _ = build(scenario([sts]))

    def rogue_replacement():  # a controller creating db-0's replacement while db-0 still exists
        s = sim.store.get("statefulsets", "default", "db")
        sim.store.create(Pod(metadata=ObjectMeta(
            name="db-0-replacement", namespace="default",
            labels={"app": "db", "apps.kubernetes.io/pod-index": "0"}, owner_references=[owner_reference(s)])))

    sim.engine.call_at(40, rogue_replacement)
    v, row = run_expecting(sim, 60, "I4")
    assert "second pod db-0-replacement" in v.message and "ordinal 0" in v.message
    assert v.time == 40.0 and row[2] == "ADDED"


# ------------------------------------------------------------------------------ I3 evictions


def _pdb(min_available):
    return {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "web-pdb"},
            "spec": {"minAvailable": min_available, "selector": {"matchLabels": {"app": "web"}}}}


def _first_web_pod(store):
    return next(p for p in store.list("pods", "default") if p.metadata.name.startswith("web-"))


def test_eviction_ignoring_the_pdb():
    # minAvailable 2 of 2 replicas: disruptionsAllowed 0, the Eviction API answers 429 (drain-pdb scenario)
    sim, _ = build(scenario([deployment(replicas=2, cpu="100m"), _pdb(2)]))

    def bad_evict():  # a drain that skips checkAndDecrement but marks the pod as evicted
        p = _first_web_pod(sim.store).copy()
        p.status.set_condition("DisruptionTarget", "True", sim.engine.now, "EvictionByEvictionAPI",
                               "Eviction API: evicting")
        sim.store.update_status(p)
        sim.store.delete("pods", "default", p.metadata.name)

    sim.engine.call_at(30, bad_evict)
    v, _ = run_expecting(sim, 60, "I3")
    assert "evicted without taking PDB default/web-pdb's budget (disruptionsAllowed 0" in v.message
    assert v.time == 30.0


def test_eviction_budget_taken_from_zero():
    from k8ssim.controllers.disruption_util import apply_eviction_to_pdb
    sim, _ = build(scenario([deployment(replicas=2, cpu="100m"), _pdb(2)]))

    def bad_decrement():  # an Eviction API that decrements a budget of 0
        pod = _first_web_pod(sim.store)
        pdb = sim.store.get("poddisruptionbudgets", "default", "web-pdb")
        sim.store.update_status(apply_eviction_to_pdb(pdb, pod.metadata.name, sim.engine.now))

    sim.engine.call_at(30, bad_decrement)
    v, row = run_expecting(sim, 60, "I3")
    assert "budget taken" in v.message and "disruptionsAllowed was 0" in v.message
    assert row[3] == "/registry/poddisruptionbudgets/default/web-pdb"


def test_eviction_api_and_drain_respect_pdbs():
    # the real Eviction API with a budget of 1: one eviction allowed, later ones refused until healthy again
    sim, checker = build(scenario([deployment(replicas=3, cpu="100m"), _pdb(2)], duration="5m",
                                  timeline=[{"at": "30s", "drain": {"node": "pool-0"}},
                                            {"at": "60s", "drain": {"node": "pool-1"}}]))
    sim.run()
    checker.finish()
    evictions = [r for r in sim.engine.log.rows() if r[2] == "Eviction" and r[4] == "201"]
    assert evictions


# ------------------------------------------------------------------------------ I10 conservation


def test_conservation_object_removed_behind_the_watch_stream():
    sim, _ = build(scenario([deployment(replicas=2, cpu="100m")]))

    def lose_a_pod():  # a store bug: the object vanishes without a DELETED event
        p = _first_web_pod(sim.store)
        store = sim.store
        del store._objs["pods"][f"/registry/pods/default/{p.metadata.name}"]
        store._sorted["pods"] = None
        # any later write makes the instant end with a check
        store.patch("deployments", "default", "web", lambda d: d.metadata.labels.update({"touched": "1"}))

    sim.engine.call_at(30, lose_a_pod)
    v, _ = run_expecting(sim, 60, "I10")
    assert "pods: 1 objects in the store but 2 from the watch stream" in v.message


def test_violation_is_picklable():
    import pickle

    v = InvariantViolation(7, 12, 3.5, "boom", invariant="I1", revision=99, fingerprint="ab" * 32)
    w = pickle.loads(pickle.dumps(v))
    assert (w.seed, w.event_index, w.time, w.message, w.invariant, w.revision) == (7, 12, 3.5, "boom", "I1", 99)
    assert str(w) == str(v)
    assert str(v).startswith("invariant I1 violated at t=3.5s (seed 7, event #12, revision 99, fingerprint abab")
