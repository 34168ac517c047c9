"""Disruption controller: PDB status from the pods (upstream disruption.go), through the store."""
from __future__ import annotations

import copy

from tests.faults.cluster import MiniCluster


def _scenario(replicas=3, pdb_spec=None, extra=()):
    dep = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
           "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "web"}},
                    "template": {"metadata": {"labels": {"app": "web"}},
                                 "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]}}}}
    pdb = {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "web-pdb"},
           "spec": dict(pdb_spec or {"minAvailable": 2}, selector={"matchLabels": {"app": "web"}})}
    return {"apiVersion": "k8ssim.io/v1alpha1", "kind": "Scenario", "metadata": {"name": "t"},
            "spec": {"duration": "5m", "cluster": {"nodePools": [{"name": "n", "instanceType": "m5.xlarge",
                                                                  "count": 3, "zones": ["z"]}]},
                     "manifests": [{"inline": m} for m in (dep, pdb, *extra)]}}


def _status(c):
    st = c.store.get("poddisruptionbudgets", "default", "web-pdb").status
    cond = st.conditions[0]
    return (st.current_healthy, st.desired_healthy, st.expected_pods, st.disruptions_allowed,
            st.observed_generation, (cond.type, cond.status, cond.reason))


def test_min_available_integer():
    c = MiniCluster(_scenario(3, {"minAvailable": 2})).start().run(60)
    assert _status(c) == (3, 2, 3, 1, 1, ("DisruptionAllowed", "True", "SufficientPods"))


def test_max_unavailable_uses_the_deployment_scale():
    # expected = Deployment replicas (RS → Deployment finder); desired = 3 − 1
    c = MiniCluster(_scenario(3, {"maxUnavailable": 1})).start().run(60)
    assert _status(c)[:4] == (3, 2, 3, 1)


def test_min_available_percent_rounds_up():
    c = MiniCluster(_scenario(3, {"minAvailable": "50%"})).start().run(60)
    assert _status(c)[:4] == (3, 2, 3, 1)  # ceil(1.5) = 2


def test_budget_exhausted_condition():
    c = MiniCluster(_scenario(3, {"minAvailable": 3})).start().run(60)
    assert _status(c) == (3, 3, 3, 0, 1, ("DisruptionAllowed", "False", "InsufficientPods"))


def test_no_pods_event_and_zero_allowed():
    c = MiniCluster(_scenario(0, {"maxUnavailable": 1})).start().run(30)
    assert _status(c)[:4] == (0, 0, 0, 0)
    assert c.events("NoPods") and c.events("NoPods")[0][4] == "No matching pods found"


def test_pod_whose_controller_has_no_scale_fails_safe():
    # a Job's pod under a maxUnavailable PDB: no finder knows Jobs (no scale subresource) → sync error
    job = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "batch"},
           "spec": {"template": {"metadata": {"labels": {"app": "web"}},
                                 "spec": {"restartPolicy": "Never",
                                          "containers": [{"name": "c", "image": "nginx:1.27"}]}}}}
    c = MiniCluster(_scenario(3, {"maxUnavailable": 1}, extra=[job])).start().run(5)
    st = c.store.get("poddisruptionbudgets", "default", "web-pdb").status
    cond = st.conditions[0]
    assert st.disruptions_allowed == 0 and (cond.status, cond.reason) == ("False", "SyncFailed")
    lost = [p.metadata.name for p in c.pods("batch-")]
    assert cond.message == f'found no controllers for pod "{lost[0]}"'


def test_disrupted_pod_entry_expires_after_deletion_timeout():
    # an eviction recorded at t=30 whose delete never happened: the pod is not counted healthy until
    # 30 + 120 s (DeletionTimeout); the controller re-syncs then and drops the entry
    c = MiniCluster(_scenario(3, {"minAvailable": 2})).start().run(30)
    pdb = c.store.get("poddisruptionbudgets", "default", "web-pdb")
    name = c.pods("web-")[0].metadata.name
    upd = pdb.copy()
    upd.status.disrupted_pods = {name: 30.0}
    upd.status.disruptions_allowed = 0
    c.store.update_status(upd)
    c.run(149.0)
    st = c.store.get("poddisruptionbudgets", "default", "web-pdb").status
    assert (st.current_healthy, st.disruptions_allowed, st.disrupted_pods) == (2, 0, {name: 30.0})
    c.run(151.0)
    st = c.store.get("poddisruptionbudgets", "default", "web-pdb").status
    assert (st.current_healthy, st.disruptions_allowed, st.disrupted_pods) == (3, 1, {})


def test_spec_change_is_observed():
    c = MiniCluster(_scenario(3, {"minAvailable": 2})).start().run(30)
    pdb = c.store.get("poddisruptionbudgets", "default", "web-pdb").copy()
    pdb.spec = copy.copy(pdb.spec)
    pdb.spec.min_available = 1
    c.store.update(pdb)
    c.run(31)
    assert _status(c)[:5] == (3, 1, 3, 2, 2)
