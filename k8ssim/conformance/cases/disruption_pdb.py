"""Vectors of ``disruption_pdb.json`` against :mod:`k8ssim.controllers.disruption_util`
(one disruption-controller sync of a PodDisruptionBudget)."""
from __future__ import annotations

from k8ssim.api import decode
from k8ssim.api.apps import Deployment, DeploymentSpec, ReplicaSet, ReplicaSetSpec, StatefulSet, StatefulSetSpec
from k8ssim.api.meta import ObjectMeta
from k8ssim.api.policy import PodDisruptionBudget, PodDisruptionBudgetSpec, PodDisruptionBudgetStatus
from k8ssim.conformance.cases import _ctrl_inputs as ci
from k8ssim.conformance.runner import Mismatch, expect_equal
from k8ssim.controllers import disruption_util as pu

_WORKLOADS = {"ReplicaSet": (ReplicaSet, ReplicaSetSpec), "Deployment": (Deployment, DeploymentSpec), "StatefulSet": (StatefulSet, StatefulSetSpec)}


def _finder(controllers: list):
    lists: dict = {"ReplicaSet": [], "Deployment": [], "StatefulSet": [], "ReplicationController": []}
    scales = {}
    for c in controllers:
        kind, name, replicas = c["kind"], c["name"], c["replicas"]
        meta = ObjectMeta(name=name, namespace="default", uid=name)
        if kind in _WORKLOADS:
            cls, spec_cls = _WORKLOADS[kind]
            lists[kind].append(cls(metadata=meta, spec=spec_cls(replicas=replicas)))
        elif kind == "ReplicationController":
            lists[kind].append(ReplicaSet(metadata=meta, spec=ReplicaSetSpec(replicas=replicas)))
        else:  # any other kind: the scale subresource
            scales[(kind, "default", name)] = (name, replicas)
    return pu.make_finder(lists["ReplicaSet"], lists["Deployment"], lists["StatefulSet"], lists["ReplicationController"], scales)


def run(vector: dict, doc: dict) -> None:
    if vector.get("kind") != "updatePdbStatus":
        raise Mismatch(f"unknown kind {vector.get('kind')!r}")
    inp, exp = vector["inputs"], vector["expected"]
    kind_of = {c["name"]: c["kind"] for c in inp.get("controllers", [])}
    pods = []
    for p in inp.get("pods", []):
        d = dict(p)
        if d.get("controller"):
            d["owner_kind"] = kind_of.get(d["controller"], "ReplicaSet")
        pods.append(ci.pod(d))
    spec = inp["pdb"]
    pdb = PodDisruptionBudget(
        metadata=ObjectMeta(name="foo", namespace="default"),
        spec=PodDisruptionBudgetSpec(
            min_available=spec.get("minAvailable"),
            max_unavailable=spec.get("maxUnavailable"),
            selector=decode.label_selector(spec.get("selector")),
            unhealthy_pod_eviction_policy=spec.get("unhealthyPodEvictionPolicy"),
        ),
        status=PodDisruptionBudgetStatus(
            disrupted_pods={k: ci.ago(v) for k, v in (inp.get("pdb_status_disruptedPods_ago_s") or {}).items()}
        ),
    )
    res = pu.compute_pdb_status(pdb, pods, _finder(inp.get("controllers", [])), ci.NOW)
    checks = {
        "disruptionsAllowed": res.disruptions_allowed,
        "currentHealthy": res.current_healthy,
        "desiredHealthy": res.desired_healthy,
        "expectedPods": res.expected_pods,
        "disruptedPods": sorted(res.disrupted_pods),
        "events": res.events,
    }
    unknown = set(exp) - set(checks)
    if unknown:
        raise Mismatch(f"unknown expectation keys {sorted(unknown)}")
    for k in exp:
        want = sorted(exp[k]) if k == "disruptedPods" else exp[k]
        expect_equal(checks[k], want, k)
