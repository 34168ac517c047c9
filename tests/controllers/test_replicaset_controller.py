"""ReplicaSet controller end to end: slow-start creation, availability after minReadySeconds, and
scale-down victims in upstream order."""
import math

import k8ssim
from k8ssim.scenario.loader import load_scenario
from k8ssim.simulation import Simulation


def _scenario(replicas=3, min_ready=0, duration="2m", extra=None):
    rs = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "r"},
          "spec": {"replicas": replicas, "minReadySeconds": min_ready, "selector": {"matchLabels": {"a": "b"}},
                   "template": {"metadata": {"labels": {"a": "b"}},
                                "spec": {"containers": [{"name": "c", "image": "x:1",
                                                         "resources": {"requests": {"cpu": "100m"}}}]}}}}
    return {"apiVersion": "k8ssim.io/v1alpha1", "kind": "Scenario", "metadata": {"name": "rs"},
            "spec": {"duration": duration, "cluster": {"nodePools": [{"name": "a", "instanceType": "m5.large",
                                                                      "count": 2}]},
                     "kubelet": {"podStartLatency": "1s", "defaultImageSize": "0"},
                     "manifests": [{"inline": rs}], "timeline": extra or []}}


def test_available_only_strictly_after_min_ready_seconds():
    sim = Simulation(load_scenario(_scenario(replicas=1, min_ready=10)))
    sim._bootstrap()
    sim.engine.run(until=60)
    pod = sim.store.list("pods")[0]
    ready = pod.ready_since()
    rs = sim.store.get("replicasets", "default", "r")
    assert rs.status.available_replicas == 1
    # the status write that made it available happened just after ready + 10 s (metav1.Time.Before is strict)
    writes = [t for (t, src, kind, key, detail) in sim.engine.log.rows()
              if src == "apiserver" and key == "/registry/replicasets/default/r"]
    assert any(math.isclose(t, ready + 10, abs_tol=1e-9) and t > ready + 10 for t in writes)
    assert len(writes) < 10  # no busy loop at ready + minReadySeconds


def test_scale_down_deletes_newest_unready_first():
    res = k8ssim.run(_scenario(replicas=3, extra=[{"at": "30s", "scale": {"replicaset": "r", "replicas": 1}}]))
    pods = res.pods
    assert len(pods) == 3
    assert pods.deleted.notna().sum() == 2
    # all three were Running and Ready; on equal ranks upstream deletes pods ready for a shorter time first
    kept = pods[pods.deleted.isna()].iloc[0]
    per_node = pods.groupby("node").size()
    # ActivePodsWithRanks: a pod sharing its node with more pods of the set ranks higher (deleted first);
    # among equals the one Ready for a shorter time goes first
    if per_node.max() > 1 and per_node.min() == 1:
        assert per_node[kept.node] == 1
    else:
        assert kept.ready == pods.ready.min()


def test_replicas_created_in_slow_start_batches():
    res = k8ssim.run(_scenario(replicas=7))
    created = [d for (t, s, r, k, d) in res.columns["events"][1] if r == "SuccessfulCreate"]
    assert len(created) == 7  # batches of 1, 2, 4 in one sync
