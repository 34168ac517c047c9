"""Every published manifest in ../shared/manifests loads through the whole pipeline (YAML → kind →
strict schema → defaults → apiserver validation → typed objects), modelled or listed as ignored;
those under rejected-by-1.35/ fail with a located message naming the problem."""
import os

import pytest
import yaml

from k8ssim.api.errors import InputError
from k8ssim.api.manifests import load_manifest_file

SHARED = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "manifests")
ALL = sorted(
    os.path.relpath(os.path.join(r, f), SHARED)
    for r, _, fs in os.walk(SHARED) for f in fs if f.endswith((".yaml", ".yml"))
)
ACCEPTED = [f for f in ALL if not f.startswith("rejected-by-1.35")]
REJECTED = [f for f in ALL if f.startswith("rejected-by-1.35")]

MODELLED = {"Pod", "Node", "Service", "Namespace", "PersistentVolume", "PersistentVolumeClaim", "LimitRange",
            "ResourceQuota", "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "CronJob",
            "HorizontalPodAutoscaler", "PodDisruptionBudget", "PriorityClass", "StorageClass"}


def test_the_corpus_is_there():
    assert len(ACCEPTED) >= 150 and len(REJECTED) == 3


@pytest.mark.parametrize("rel", ACCEPTED)
def test_published_manifest_loads(rel):
    path = os.path.join(SHARED, rel)
    with open(path, encoding="utf-8") as fh:
        docs = [d for d in yaml.safe_load_all(fh) if d is not None]
    expected = []
    for d in docs:
        expected.extend(d["items"] if d.get("kind", "").endswith("List") and "items" in d else [d])
    ms = load_manifest_file(path)
    assert len(ms.objects) + len(ms.ignored) == len(expected)
    assert sorted(o.kind for o in ms.objects) == sorted(d["kind"] for d in expected if d["kind"] in MODELLED)
    assert sorted(i.kind for i in ms.ignored) == sorted(d["kind"] for d in expected if d["kind"] not in MODELLED)
    for o in ms.objects:
        assert o.metadata.name or o.metadata.generate_name
        if o.namespaced:
            assert o.metadata.namespace


@pytest.mark.parametrize("rel,line,needle", [
    ("rejected-by-1.35/k8s-examples/_archived/cockroachdb/cockroachdb-statefulset.yaml", 57,
     'no matches for kind "PodDisruptionBudget" in version "policy/v1beta1"'),
    ("rejected-by-1.35/website/application/job/cronjob.yaml", 1,
     'no matches for kind "CronJob" in version "batch/v1beta1"'),
    ("rejected-by-1.35/website/pods/pod-with-node-affinity.yaml", 8,
     "requiredDuringSchedulingIgnoredDuringExecution: expected object, got array"),
])
def test_rejected_manifest_fails_located(rel, line, needle):
    with pytest.raises(InputError) as ei:
        load_manifest_file(os.path.join(SHARED, rel))
    msgs = [d for d in ei.value.diagnostics if d.severity == "error"]
    assert any(needle in d.format() and d.line == line for d in msgs), [d.format() for d in msgs]


def test_defaults_reach_the_typed_objects():
    path = os.path.join(SHARED, "online-boutique", "kubernetes-manifests.yaml")
    ms = load_manifest_file(path)
    deps = [o for o in ms.objects if o.kind == "Deployment"]
    assert deps
    for d in deps:
        assert d.spec.strategy.type == "RollingUpdate"
        assert d.spec.strategy.rolling_update.max_surge == "25%"
        assert d.spec.strategy.rolling_update.max_unavailable == "25%"
        assert d.spec.revision_history_limit == 10
        assert d.spec.progress_deadline_seconds == 600
        assert d.spec.template.spec.scheduler_name == "default-scheduler"
        for c in d.spec.template.spec.containers:
            assert c.image_pull_policy in ("IfNotPresent", "Always")
