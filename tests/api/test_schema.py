"""Strict field validation against the v1.35 OpenAPI schemas (k8ssim.api.schema, k8ssim.api.kinds).

Expected messages are the apiserver's / apimachinery's wording: ``unknown field "x"`` (strict
decoding), ``Required value`` and ``Unsupported value: ...: supported values: ...``
(``k8s.io/apimachinery/pkg/util/validation/field/errors.go``), ``Object 'Kind' is missing in '...'``
(``runtime/serializer/json``), ``no matches for kind "X" in version "g/v"`` (the RESTMapper).
"""
from __future__ import annotations

import copy
import os
import re
from pathlib import Path

import pytest
import yaml

from k8ssim.api.errors import FieldError
from k8ssim.api.kinds import REMOVED_APIS, CLUSTER_SCOPED, KindInfo, plural, resource_name
from k8ssim.api import schema
from k8ssim.api.schema import known_kinds, resolve_kind, type_meta_errors, validate_schema

REPO = Path(__file__).resolve().parents[2]
MANIFESTS = Path(os.path.join(REPO, "..", "shared", "manifests"))
REJECTED = MANIFESTS / "rejected-by-1.35"


def _accepted_files() -> list[str]:
    out = []
    for p in sorted(MANIFESTS.rglob("*")):
        if p.suffix in (".yaml", ".yml") and REJECTED not in p.parents:
            out.append(str(p.relative_to(MANIFESTS)))
    return out


ACCEPTED = _accepted_files()


def test_manifest_corpus_is_present():
    # 156 files as published, 3 of them under rejected-by-1.35/ (shared/manifests/README.md)
    assert len(ACCEPTED) == 153


@pytest.mark.parametrize("relpath", ACCEPTED)
def test_published_manifest_validates_without_errors(relpath):
    with open(MANIFESTS / relpath, encoding="utf-8") as f:
        docs = [d for d in yaml.safe_load_all(f) if d is not None]
    assert docs
    problems = {i: [str(e) for e in validate_schema(d)] for i, d in enumerate(docs)}
    assert {i: p for i, p in problems.items() if p} == {}


# --------------------------------------------------------------------------- table-driven cases

DEPLOYMENT = yaml.safe_load("""
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 3
  selector:
    matchLabels: {app: web}
  strategy:
    type: RollingUpdate
    rollingUpdate: {maxSurge: 1, maxUnavailable: 0}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        imagePullPolicy: IfNotPresent
        ports: [{containerPort: 80, protocol: TCP}]
        resources:
          requests: {cpu: 100m, memory: 64Mi}
          limits: {cpu: 1, memory: 128Mi}
      tolerations:
      - {key: dedicated, operator: Equal, value: web, effect: NoSchedule}
""")


def _with(edit: str, value):
    """DEPLOYMENT with the value at a dotted path (``[i]`` for list items) replaced or added."""
    doc = copy.deepcopy(DEPLOYMENT)
    keys = [int(k) if k.isdigit() else k for k in re.split(r"\.|\[|\]\.?", edit) if k != ""]
    cur = doc
    for k in keys[:-1]:
        cur = cur[k]
    if value is _DELETE:
        del cur[keys[-1]]
    else:
        cur[keys[-1]] = value
    return doc


_DELETE = object()
C0 = "spec.template.spec.containers[0]"

# (upstream-style case name, document, [(path, message)]) — the exact set of errors expected.
CASES = [
    ("valid deployment", DEPLOYMENT, []),
    ("unknown field with did-you-mean (spec.replica)", _with("spec.replica", 3),
     [(("spec", "replica"), 'unknown field "replica" (did you mean "replicas"?)')]),
    ("unknown field deep in a pod template container", _with(C0 + ".imagePullPolicyy", "Always"),
     [(("spec", "template", "spec", "containers", 0, "imagePullPolicyy"),
       'unknown field "imagePullPolicyy" (did you mean "imagePullPolicy"?)')]),
    ("misindented spec under template metadata", _with("spec.template.metadata.spec", {}),
     [(("spec", "template", "metadata", "spec"), 'unknown field "spec"')]),
    ("toleration effect NoExecut", _with("spec.template.spec.tolerations[0].effect", "NoExecut"),
     [(("spec", "template", "spec", "tolerations", 0, "effect"),
       'Unsupported value: "NoExecut": supported values: "NoExecute", "NoSchedule", "PreferNoSchedule"')]),
    ("toleration effect empty matches all effects",
     _with("spec.template.spec.tolerations[0].effect", ""), []),
    ("imagePullPolicy enum", _with(C0 + ".imagePullPolicy", "IfNotPresnt"),
     [(("spec", "template", "spec", "containers", 0, "imagePullPolicy"),
       'Unsupported value: "IfNotPresnt": supported values: "Always", "IfNotPresent", "Never"')]),
    ("label value bool (enabled: yes)",
     _with("metadata.labels", yaml.safe_load("{app: web, enabled: yes}")),
     [(("metadata", "labels", "enabled"), "expected string, got boolean; quote the value")]),
    ("annotation value number", _with("metadata.annotations", {"version": 1.10}),
     [(("metadata", "annotations", "version"), "expected string, got number; quote the value")]),
    ("replicas as string", _with("spec.replicas", "3"),
     [(("spec", "replicas"), "expected integer, got string")]),
    ("replicas 3.0 is the integer 3", _with("spec.replicas", 3.0), []),
    ("replicas not integral", _with("spec.replicas", 2.5),
     [(("spec", "replicas"), "expected integer, got number")]),
    ("replicas beyond int32", _with("spec.replicas", 2**31),
     [(("spec", "replicas"), "Invalid value: 2147483648: out of range for int32")]),
    ("maxSurge as integer", _with("spec.strategy.rollingUpdate.maxSurge", 2), []),
    ("maxSurge as percent string", _with("spec.strategy.rollingUpdate.maxSurge", "25%"), []),
    ("maxSurge as fraction", _with("spec.strategy.rollingUpdate.maxSurge", 1.5),
     [(("spec", "strategy", "rollingUpdate", "maxSurge"), "expected string or integer, got number")]),
    ("maxSurge as bool", _with("spec.strategy.rollingUpdate.maxSurge", True),
     [(("spec", "strategy", "rollingUpdate", "maxSurge"),
       "expected string or integer, got boolean; quote the value")]),
    ("quantity as integer", _with(C0 + ".resources.requests.cpu", 2), []),
    ("quantity as number", _with(C0 + ".resources.requests.cpu", 0.5), []),
    ("quantity as string", _with(C0 + ".resources.requests.cpu", "500m"), []),
    ("quantity with spaces (UnmarshalJSON trims them)", _with(C0 + ".resources.limits.memory", " 1Gi "), []),
    ("quantity with a bad suffix", _with(C0 + ".resources.limits.memory", "30mi"),
     [(("spec", "template", "spec", "containers", 0, "resources", "limits", "memory"),
       "Invalid value: \"30mi\": unable to parse quantity's suffix")]),
    ("empty quantity", _with(C0 + ".resources.limits.memory", ""),
     [(("spec", "template", "spec", "containers", 0, "resources", "limits", "memory"),
       "Invalid value: \"\": quantities must match the regular expression "
       "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")]),
    ("quantity as list", _with(C0 + ".resources.requests.cpu", [1]),
     [(("spec", "template", "spec", "containers", 0, "resources", "requests", "cpu"),
       "expected string or number, got array")]),
    ("missing selector", _with("spec.selector", _DELETE), [(("spec", "selector"), "Required value")]),
    ("missing container name", _with(C0 + ".name", _DELETE),
     [(("spec", "template", "spec", "containers", 0, "name"), "Required value")]),
    ("containers is an object", _with("spec.template.spec.containers", {"name": "x"}),
     [(("spec", "template", "spec", "containers"), "expected array, got object")]),
    ("null where the apiserver accepts it",
     _with("metadata.creationTimestamp", None), []),
    ("null strategy and status", _with("status", None), []),
    ("status is validated too", _with("status", {"replicas": 1, "readyReplica": 1}),
     [(("status", "readyReplica"), 'unknown field "readyReplica" (did you mean "readyReplicas"?)')]),
    ("every problem, not just the first",
     _with("spec.template.spec.containers", [{"name": "a", "image": "x", "imagePullPolicyy": "Always",
                                              "ports": [{"containerPort": "80"}]}, {"image": "y"}]),
     [(("spec", "template", "spec", "containers", 0, "imagePullPolicyy"),
       'unknown field "imagePullPolicyy" (did you mean "imagePullPolicy"?)'),
      (("spec", "template", "spec", "containers", 0, "ports", 0, "containerPort"),
       "expected integer, got string"),
      (("spec", "template", "spec", "containers", 1, "name"), "Required value")]),
]


@pytest.mark.parametrize("name,doc,want", CASES, ids=[c[0] for c in CASES])
def test_validate_schema_cases(name, doc, want):
    got = [(e.path, e.message) for e in validate_schema(doc)]
    assert got == want


def test_errors_are_field_errors_with_readable_paths():
    errs = validate_schema(_with(C0 + ".imagePullPolicyy", "Always"))
    assert all(isinstance(e, FieldError) and e.severity == "error" for e in errs)
    assert str(errs[0]) == ('spec.template.spec.containers[0].imagePullPolicyy: '
                            'unknown field "imagePullPolicyy" (did you mean "imagePullPolicy"?)')


def test_yaml_timestamp_is_a_string():
    doc = yaml.safe_load("""
apiVersion: v1
kind: ConfigMap
metadata: {name: c, creationTimestamp: 2024-01-02T03:04:05Z}
data: {a: b}
""")
    assert validate_schema(doc) == []


def test_unmodelled_kinds_are_schema_validated_too():
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": 1},
          "dta": {}}
    assert [(e.path, e.message) for e in validate_schema(cm)] == [
        (("data", "a"), "expected string, got integer; quote the value"),
        (("dta",), 'unknown field "dta" (did you mean "data"?)'),
    ]
    role = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
            "metadata": {"name": "r"}, "rules": [{"verbs": "get", "resources": ["pods"]}]}
    assert [(e.path, e.message) for e in validate_schema(role)] == [
        (("rules", 0, "verbs"), "expected array, got string")]


def test_cyclic_object_is_an_error_not_a_traceback():
    # a self-referencing YAML alias yields a cyclic Python object; walking it must stop cleanly
    crd = {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
           "metadata": {"name": "as.b.c"},
           "spec": {"group": "b.c", "scope": "Namespaced", "names": {"plural": "as", "kind": "A"}}}
    props: dict = {}
    props["self"] = {"type": "object", "properties": props}
    crd["spec"]["versions"] = [{"name": "v1", "served": True, "storage": True,
                                "schema": {"openAPIV3Schema": {"type": "object", "properties": props}}}]
    (err,) = validate_schema(crd)
    assert (err.path, err.message) == ((), "object nesting too deep")


def test_secret_data_must_be_base64():
    s = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"},
         "data": {"ok": "aGVsbG8=", "bad": "not base64!"}}
    assert [(e.path, e.message) for e in validate_schema(s)] == [
        (("data", "bad"), 'Invalid value: "not base64!": illegal base64 data')]


# --------------------------------------------------------------------------- type meta

def test_missing_kind():
    doc = {"apiVersion": "v1", "metadata": {"name": "x"}}
    assert [(e.path, e.message) for e in type_meta_errors(doc)] == [
        (("kind",), """Object 'Kind' is missing in '{"apiVersion":"v1","metadata":{"name":"x"}}'""")]
    assert validate_schema(doc) == type_meta_errors(doc)


def test_missing_api_version():
    doc = {"kind": "Pod", "metadata": {"name": "x"}}
    assert [(e.path, e.message) for e in type_meta_errors(doc)] == [
        (("apiVersion",), """Object 'apiVersion' is missing in '{"kind":"Pod","metadata":{"name":"x"}}'""")]


def test_missing_both_reports_both():
    assert [e.path for e in type_meta_errors({"metadata": {}})] == [("kind",), ("apiVersion",)]


def test_long_object_is_shortened_in_missing_kind_message():
    doc = {"apiVersion": "v1", "data": {f"k{i}": "v" * 20 for i in range(50)}}
    (err,) = type_meta_errors(doc)
    assert err.message.startswith("Object 'Kind' is missing in '{\"apiVersion\":\"v1\"")
    assert len(err.message) < 300


@pytest.mark.parametrize("obj", [[1, 2], "text", 3, None])
def test_not_a_mapping(obj):
    (err,) = type_meta_errors(obj)
    assert err.path == () and "expected a Kubernetes object" in err.message
    assert validate_schema(obj) == [err]


def test_kind_of_wrong_type():
    assert [(e.path, e.message) for e in type_meta_errors({"apiVersion": "v1", "kind": 5})] == [
        (("kind",), "expected string, got integer")]


# --------------------------------------------------------------------------- resolve_kind

def test_resolve_served_kind():
    info = resolve_kind("apps/v1", "Deployment")
    assert info == KindInfo("apps", "v1", "Deployment", True, "io.k8s.api.apps.v1.Deployment")
    assert info.api_version == "apps/v1" and info.resource == "deployments"
    node = resolve_kind("v1", "Node")
    assert node.group == "" and node.namespaced is False and node.resource == "nodes"


def _msg(api_version, kind):
    res = resolve_kind(api_version, kind)
    assert isinstance(res, list) and len(res) == 1
    return res[0].path, res[0].message


RESOLVE_CASES = [
    ("apps/v1", "Deploymnet", ("kind",),
     'no matches for kind "Deploymnet" in version "apps/v1" (did you mean "Deployment"?)'),
    ("apps/v1", "deployment", ("kind",),
     'no matches for kind "deployment" in version "apps/v1" (did you mean "Deployment"?)'),
    ("v1", "Deployment", ("kind",),
     'no matches for kind "Deployment" in version "v1"; Deployment is served in apps/v1'),
    ("apps/v2", "Deployment", ("apiVersion",),
     'no matches for kind "Deployment" in version "apps/v2"; Deployment is served in apps/v1'),
    ("extensions/v1beta1", "Deployment", ("apiVersion",),
     'no matches for kind "Deployment" in version "extensions/v1beta1"; '
     "Deployment was removed in v1.16: use apps/v1"),
    ("extensions/v1beta1", "Ingress", ("apiVersion",),
     'no matches for kind "Ingress" in version "extensions/v1beta1"; '
     "Ingress was removed in v1.22: use networking.k8s.io/v1"),
    ("apps/v1beta1", "StatefulSet", ("apiVersion",),
     'no matches for kind "StatefulSet" in version "apps/v1beta1"; '
     "StatefulSet was removed in v1.16: use apps/v1"),
    ("apps/v1beta2", "DaemonSet", ("apiVersion",),
     'no matches for kind "DaemonSet" in version "apps/v1beta2"; DaemonSet was removed in v1.16: use apps/v1'),
    ("batch/v1beta1", "CronJob", ("apiVersion",),
     'no matches for kind "CronJob" in version "batch/v1beta1"; CronJob was removed in v1.25: use batch/v1'),
    ("policy/v1beta1", "PodDisruptionBudget", ("apiVersion",),
     'no matches for kind "PodDisruptionBudget" in version "policy/v1beta1"; '
     "PodDisruptionBudget was removed in v1.25: use policy/v1"),
    ("policy/v1beta1", "PodSecurityPolicy", ("apiVersion",),
     'no matches for kind "PodSecurityPolicy" in version "policy/v1beta1"; '
     "PodSecurityPolicy was removed in v1.25: no replacement API"),
    ("autoscaling/v2beta1", "HorizontalPodAutoscaler", ("apiVersion",),
     'no matches for kind "HorizontalPodAutoscaler" in version "autoscaling/v2beta1"; '
     "HorizontalPodAutoscaler was removed in v1.25: use autoscaling/v2"),
    ("autoscaling/v2beta2", "HorizontalPodAutoscaler", ("apiVersion",),
     'no matches for kind "HorizontalPodAutoscaler" in version "autoscaling/v2beta2"; '
     "HorizontalPodAutoscaler was removed in v1.26: use autoscaling/v2"),
    ("networking.k8s.io/v1beta1", "Ingress", ("apiVersion",),
     'no matches for kind "Ingress" in version "networking.k8s.io/v1beta1"; '
     "Ingress was removed in v1.22: use networking.k8s.io/v1"),
    ("rbac.authorization.k8s.io/v1beta1", "ClusterRole", ("apiVersion",),
     'no matches for kind "ClusterRole" in version "rbac.authorization.k8s.io/v1beta1"; '
     "ClusterRole was removed in v1.22: use rbac.authorization.k8s.io/v1"),
    ("storage.k8s.io/v1beta1", "CSIDriver", ("apiVersion",),
     'no matches for kind "CSIDriver" in version "storage.k8s.io/v1beta1"; '
     "CSIDriver was removed in v1.22: use storage.k8s.io/v1"),
    ("flowcontrol.apiserver.k8s.io/v1beta3", "FlowSchema", ("apiVersion",),
     'no matches for kind "FlowSchema" in version "flowcontrol.apiserver.k8s.io/v1beta3"; '
     "FlowSchema was removed in v1.32: use flowcontrol.apiserver.k8s.io/v1"),
    # not in the deprecation guide (alpha): found from the schemas of older releases
    ("storage.k8s.io/v1alpha1", "VolumeAttributesClass", ("apiVersion",),
     'no matches for kind "VolumeAttributesClass" in version "storage.k8s.io/v1alpha1"; '
     "VolumeAttributesClass was removed in v1.35: use storage.k8s.io/v1"),
    ("app/v1", "Deploymnet", ("apiVersion",),
     'no matches for kind "Deploymnet" in version "app/v1" (did you mean "apps/v1"?)'),
    # subresource-only kinds are not resources
    ("autoscaling/v1", "Scale", ("kind",),
     'no matches for kind "Scale" in version "autoscaling/v1"'),
]


@pytest.mark.parametrize("api_version,kind,path,message", RESOLVE_CASES,
                         ids=[f"{a} {k}" for a, k, _, _ in RESOLVE_CASES])
def test_resolve_kind_errors(api_version, kind, path, message):
    assert _msg(api_version, kind) == (path, message)


def test_validate_schema_of_removed_version_reports_only_that():
    doc = {"apiVersion": "batch/v1beta1", "kind": "CronJob", "metadata": {"name": "x"},
           "spec": {"schedule": "* * * * *", "bogus": 1}}
    assert [e.path for e in validate_schema(doc)] == [("apiVersion",)]


# --------------------------------------------------------------------------- known kinds

def test_known_kinds_cover_the_modelled_and_unmodelled_kinds():
    kinds = {(k.group, k.version, k.kind): k for k in known_kinds()}
    for gvk in [("", "v1", "Pod"), ("", "v1", "Node"), ("", "v1", "Service"), ("", "v1", "ConfigMap"),
                ("apps", "v1", "Deployment"), ("apps", "v1", "StatefulSet"), ("batch", "v1", "CronJob"),
                ("autoscaling", "v1", "HorizontalPodAutoscaler"),
                ("autoscaling", "v2", "HorizontalPodAutoscaler"), ("policy", "v1", "PodDisruptionBudget"),
                ("rbac.authorization.k8s.io", "v1", "ClusterRole"), ("storage.k8s.io", "v1", "StorageClass"),
                ("scheduling.k8s.io", "v1", "PriorityClass"), ("networking.k8s.io", "v1", "Ingress"),
                ("apiextensions.k8s.io", "v1", "CustomResourceDefinition")]:
        assert gvk in kinds, gvk
    assert not any(k.kind.endswith("List") for k in kinds.values())
    assert ("autoscaling", "v1", "Scale") not in kinds and ("policy", "v1", "Eviction") not in kinds
    # every listed cluster-scoped (group, kind) that v1.35 serves is reported cluster-scoped
    scopes = {(k.group, k.kind): k.namespaced for k in kinds.values()}
    for gk in CLUSTER_SCOPED:
        if gk in scopes:
            assert scopes[gk] is False, gk
    for gk in [("", "Pod"), ("", "Service"), ("", "ConfigMap"), ("apps", "Deployment"),
               ("rbac.authorization.k8s.io", "Role"), ("storage.k8s.io", "CSIStorageCapacity"),
               ("coordination.k8s.io", "Lease"), ("policy", "PodDisruptionBudget")]:
        assert scopes[gk] is True, gk
    for gk in [("", "Node"), ("", "Namespace"), ("", "PersistentVolume"), ("storage.k8s.io", "StorageClass"),
               ("scheduling.k8s.io", "PriorityClass"), ("rbac.authorization.k8s.io", "ClusterRole"),
               ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
               ("apiextensions.k8s.io", "CustomResourceDefinition"), ("storage.k8s.io", "CSIDriver"),
               ("storage.k8s.io", "CSINode"), ("storage.k8s.io", "VolumeAttachment"),
               ("node.k8s.io", "RuntimeClass"), ("networking.k8s.io", "IngressClass")]:
        assert scopes[gk] is False, gk


# plural resource names as served by a v1.35 apiserver (kubectl api-resources)
PLURALS = [
    ("Pod", "pods"), ("Endpoints", "endpoints"), ("Ingress", "ingresses"),
    ("NetworkPolicy", "networkpolicies"), ("StorageClass", "storageclasses"),
    ("PriorityClass", "priorityclasses"), ("HorizontalPodAutoscaler", "horizontalpodautoscalers"),
    ("PodDisruptionBudget", "poddisruptionbudgets"), ("IPAddress", "ipaddresses"),
    ("ComponentStatus", "componentstatuses"), ("CSIStorageCapacity", "csistoragecapacities"),
    ("VolumeAttributesClass", "volumeattributesclasses"), ("ValidatingAdmissionPolicy",
                                                           "validatingadmissionpolicies"),
    ("EndpointSlice", "endpointslices"), ("ServiceCIDR", "servicecidrs"), ("Lease", "leases"),
    ("CustomResourceDefinition", "customresourcedefinitions"), ("APIService", "apiservices"),
    ("ReplicationController", "replicationcontrollers"), ("RuntimeClass", "runtimeclasses"),
    ("FlowSchema", "flowschemas"), ("LimitRange", "limitranges"), ("ResourceQuota", "resourcequotas"),
]


@pytest.mark.parametrize("kind,want", PLURALS)
def test_plural(kind, want):
    assert plural(kind) == want
    assert resource_name("", "v1", kind) == want


def test_every_served_kind_has_a_lowercase_resource():
    for k in known_kinds():
        assert k.resource == k.resource.lower() and k.resource.startswith(k.kind.lower()[:3])


# --------------------------------------------------------------------------- tables vs. schemas

def _gvks(minor: int) -> set:
    return set(schema._Index(schema._load_defs(f"v1.{minor}.0")).kinds)


def test_removed_table_agrees_with_older_schemas():
    served = {(k.group, k.version, k.kind) for k in known_kinds()}
    cache = {}
    for key, r in REMOVED_APIS.items():
        assert key not in served, r
        minor = int(r.removed_in.split(".")[1])
        if minor <= 25:  # removed before the oldest schemas in the package
            assert key not in cache.setdefault(25, _gvks(25)), r
        else:
            assert key in cache.setdefault(minor - 1, _gvks(minor - 1)), r
            assert key not in cache.setdefault(minor, _gvks(minor)), r
        if r.replacement:
            rg, _, rv = r.replacement.rpartition("/")
            assert (rg, rv, r.kind) in served, r


def test_every_kind_dropped_since_1_25_gets_a_removed_hint():
    served = {(k.group, k.version, k.kind) for k in known_kinds()}
    dropped = [gvk for gvk in schema._older_gvks() if gvk not in served]
    assert dropped
    for g, v, k in dropped:
        (err,) = resolve_kind(f"{g}/{v}" if g else v, k)
        assert f"{k} was removed in v1." in err.message, err


def test_enum_table_names_real_string_fields():
    defs = schema._load_defs(schema.SCHEMA_VERSION)
    for owner, props in schema._ENUMS.items():
        d = defs["io.k8s.api." + owner]
        for prop, values in props.items():
            p = d["properties"][prop.rstrip("[]")]
            if prop.endswith("[]"):
                p = p["items"]
            t = p["type"]
            assert "string" in ([t] if isinstance(t, str) else t), (owner, prop)
            assert list(values) == sorted(values)
