"""Strict field validation of manifests against the Kubernetes v1.35 OpenAPI schemas.

Mirrors what kube-apiserver does to a create request before admission:

* ``k8s.io/apimachinery/pkg/runtime/serializer/json`` — a document without ``kind``/``apiVersion``
  is rejected (``Object 'Kind' is missing in '...'``);
* the RESTMapper — an unknown (group, version, kind) gives ``no matches for kind "X" in version "g/v"``
  (kubectl's wording), removed versions as in the deprecation guide;
* strict decoding (``fieldValidation=Strict``) — ``unknown field "x"``, wrong JSON types;
* ``pkg/apis/core/validation`` and friends — ``Required value``, ``Unsupported value: "x": supported
  values: ...`` (``k8s.io/apimachinery/pkg/util/validation/field/errors.go``).

Fields, types, formats and required lists come from the schemas shipped by the
``kubernetes-validate`` package (``kubernetes-json-schema/v1.35.0-local-strict/_definitions.json``),
compiled once per process into a compact tree of :class:`_Node` and walked without ``jsonschema``.
"""
from __future__ import annotations

import base64
import binascii
import datetime as _dt
import importlib.util
import json
import math
import os
import re
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any, Optional

from k8ssim.api.errors import FieldError, did_you_mean
from k8ssim.api.kinds import (
    SUBRESOURCE_ONLY,
    KindInfo,
    RemovedAPI,
    is_namespaced,
    join_api_version,
    removed_api,
    split_api_version,
)

__all__ = [
    "KindInfo",
    "SCHEMA_VERSION",
    "type_meta_errors",
    "resolve_kind",
    "validate_schema",
    "known_kinds",
    "schema_dir",
]

SCHEMA_VERSION = "v1.35.0"
_SERVED_MINOR = 35
_OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
_QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity"
_INT_RANGES = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")

# Enumerations. The package's JSON schemas drop the ``enum`` of Go ``+enum`` string types that the
# upstream OpenAPI v3 spec publishes ("Possible enum values"); the apiserver enforces these in
# validation.go with ``field.NotSupported``. Keyed by definition (minus ``io.k8s.api.``) and
# property; ``name[]`` means the items of a list. Values as in the v1.35 OpenAPI v3 spec, sorted.
# Only spec-side fields are listed: status is written by controllers, not validated against enums.
_ENUMS: dict[str, dict[str, tuple[str, ...]]] = {
    "core.v1.Toleration": {
        "effect": ("NoExecute", "NoSchedule", "PreferNoSchedule"),
        "operator": ("Equal", "Exists", "Gt", "Lt"),
    },
    "core.v1.Taint": {"effect": ("NoExecute", "NoSchedule", "PreferNoSchedule")},
    "core.v1.Container": {
        "imagePullPolicy": ("Always", "IfNotPresent", "Never"),
        "terminationMessagePolicy": ("FallbackToLogsOnError", "File"),
    },
    "core.v1.EphemeralContainer": {
        "imagePullPolicy": ("Always", "IfNotPresent", "Never"),
        "terminationMessagePolicy": ("FallbackToLogsOnError", "File"),
    },
    "core.v1.PodSpec": {
        "restartPolicy": ("Always", "Never", "OnFailure"),
        "dnsPolicy": ("ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"),
        "preemptionPolicy": ("Never", "PreemptLowerPriority"),
    },
    "core.v1.ContainerPort": {"protocol": ("SCTP", "TCP", "UDP")},
    "core.v1.ServicePort": {"protocol": ("SCTP", "TCP", "UDP")},
    "core.v1.ServiceSpec": {
        "type": ("ClusterIP", "ExternalName", "LoadBalancer", "NodePort"),
        "sessionAffinity": ("ClientIP", "None"),
        "externalTrafficPolicy": ("Cluster", "Local"),
        "internalTrafficPolicy": ("Cluster", "Local"),
        "ipFamilyPolicy": ("PreferDualStack", "RequireDualStack", "SingleStack"),
        "ipFamilies[]": ("IPv4", "IPv6"),
    },
    "core.v1.TopologySpreadConstraint": {
        "whenUnsatisfiable": ("DoNotSchedule", "ScheduleAnyway"),
        "nodeAffinityPolicy": ("Honor", "Ignore"),
        "nodeTaintsPolicy": ("Honor", "Ignore"),
    },
    "core.v1.NodeSelectorRequirement": {
        "operator": ("DoesNotExist", "Exists", "Gt", "In", "Lt", "NotIn"),
    },
    "core.v1.PersistentVolumeClaimSpec": {
        "volumeMode": ("Block", "Filesystem"),
        "accessModes[]": ("ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"),
    },
    "core.v1.PersistentVolumeSpec": {
        "volumeMode": ("Block", "Filesystem"),
        "persistentVolumeReclaimPolicy": ("Delete", "Recycle", "Retain"),
        "accessModes[]": ("ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"),
    },
    "core.v1.HTTPGetAction": {"scheme": ("HTTP", "HTTPS")},
    "core.v1.SeccompProfile": {"type": ("Localhost", "RuntimeDefault", "Unconfined")},
    "apps.v1.DeploymentStrategy": {"type": ("Recreate", "RollingUpdate")},
    "apps.v1.DaemonSetUpdateStrategy": {"type": ("OnDelete", "RollingUpdate")},
    "apps.v1.StatefulSetUpdateStrategy": {"type": ("OnDelete", "RollingUpdate")},
    "apps.v1.StatefulSetSpec": {"podManagementPolicy": ("OrderedReady", "Parallel")},
    "batch.v1.JobSpec": {
        "completionMode": ("Indexed", "NonIndexed"),
        "podReplacementPolicy": ("Failed", "TerminatingOrFailed"),
    },
    "batch.v1.CronJobSpec": {"concurrencyPolicy": ("Allow", "Forbid", "Replace")},
    "batch.v1.PodFailurePolicyRule": {"action": ("Count", "FailIndex", "FailJob", "Ignore")},
    "autoscaling.v2.MetricSpec": {
        "type": ("ContainerResource", "External", "Object", "Pods", "Resource"),
    },
    "autoscaling.v2.MetricTarget": {"type": ("AverageValue", "Utilization", "Value")},
    "autoscaling.v2.HPAScalingRules": {"selectPolicy": ("Disabled", "Max", "Min")},
    "autoscaling.v2.HPAScalingPolicy": {"type": ("Percent", "Pods")},
    "policy.v1.PodDisruptionBudgetSpec": {
        "unhealthyPodEvictionPolicy": ("AlwaysAllow", "IfHealthyBudget"),
    },
    "scheduling.v1.PriorityClass": {"preemptionPolicy": ("Never", "PreemptLowerPriority")},
    "storage.v1.StorageClass": {
        "reclaimPolicy": ("Delete", "Recycle", "Retain"),
        "volumeBindingMode": ("Immediate", "WaitForFirstConsumer"),
    },
    "networking.v1.NetworkPolicySpec": {"policyTypes[]": ("Egress", "Ingress")},
    "networking.v1.HTTPIngressPath": {"pathType": ("Exact", "ImplementationSpecific", "Prefix")},
}


@lru_cache(maxsize=1)
def _package_root():
    """The kubernetes-validate package folder, found without importing the package.

    ``importlib.resources.files("kubernetes_validate")`` imports it, and its ``__init__`` pulls in
    ``jsonschema`` (~50 ms); ``find_spec`` of a top-level package does not execute it.
    """
    spec = importlib.util.find_spec("kubernetes_validate")
    locations = list(spec.submodule_search_locations or []) if spec else []
    if locations and os.path.isdir(locations[0]):
        return Path(locations[0])
    return files("kubernetes_validate")  # e.g. a zipped install


def schema_dir(version: str = SCHEMA_VERSION):
    """The ``<version>-local-strict`` schema folder of the kubernetes-validate package."""
    return _package_root() / "kubernetes-json-schema" / f"{version}-local-strict"


class _Node:
    """A compiled schema: allowed JSON types (None = anything), object/array structure, checks."""

    __slots__ = ("types", "nullable", "props", "required", "addl", "forbid_extra", "items",
                 "fmt", "enum")

    def __init__(self) -> None:
        self.types: Optional[tuple[str, ...]] = None
        self.nullable = True
        self.props: Optional[dict[str, _Node]] = None
        self.required: tuple[str, ...] = ()
        self.addl: Optional[_Node] = None  # schema of additional properties (maps)
        self.forbid_extra = False  # additionalProperties: false
        self.items: Optional[_Node] = None
        self.fmt: Optional[str] = None
        self.enum: Optional[tuple[str, ...]] = None



class _Index:
    """Served kinds and lazily compiled definitions of one schema version."""

    def __init__(self, defs: dict) -> None:
        self.defs = defs
        self.nodes: dict[str, _Node] = {}
        self.kinds: dict[tuple[str, str, str], KindInfo] = {}
        for name, d in defs.items():
            gvks = d.get("x-kubernetes-group-version-kind")
            if not gvks or len(gvks) != 1:
                continue
            meta = (d.get("properties") or {}).get("metadata") or {}
            if not meta.get("$ref", "").endswith(_OBJECT_META):
                continue  # lists, Status, discovery documents
            g, v, k = gvks[0]["group"], gvks[0]["version"], gvks[0]["kind"]
            if (g, k) in SUBRESOURCE_ONLY:
                continue
            self.kinds[(g, v, k)] = KindInfo(g, v, k, is_namespaced(g, k), name)
        self.by_gv: dict[tuple[str, str], list[str]] = {}
        self.by_kind: dict[str, list[str]] = {}
        for (g, v, k) in sorted(self.kinds):
            self.by_gv.setdefault((g, v), []).append(k)
            self.by_kind.setdefault(k, []).append(join_api_version(g, v))

    def node(self, name: str) -> _Node:
        """The compiled node of definition ``name`` (compiled on first use, cycles allowed)."""
        got = self.nodes.get(name)
        if got is not None:
            return got
        n = _Node()
        self.nodes[name] = n  # register before filling: definitions may recurse
        self._fill(n, self.defs.get(name, {}), name)
        if name == _QUANTITY:
            n.fmt = "quantity"  # a string must parse as resource.Quantity (UnmarshalJSON)
        return n

    def _compile(self, s: dict, owner: str, prop: str) -> _Node:
        ref = s.get("$ref")
        if isinstance(ref, str):
            base = self.node(ref.rsplit("/", 1)[-1])
            enum = _enum_for(owner, prop)
            if enum is None:
                return base
            n = _Node()
            for slot in _Node.__slots__:
                setattr(n, slot, getattr(base, slot))
            n.enum = enum
            return n
        n = _Node()
        self._fill(n, s, owner, prop)
        return n

    def _fill(self, n: _Node, s: dict, owner: str, prop: str = "") -> None:
        types: list[str] = []
        if "oneOf" in s:
            for alt in s["oneOf"]:
                t = alt.get("type")
                types.extend([t] if isinstance(t, str) else (t or []))
        else:
            t = s.get("type")
            if t is not None:
                types = [t] if isinstance(t, str) else list(t)
        if types:
            n.nullable = "null" in types
            n.types = tuple(dict.fromkeys(x for x in types if x != "null"))
        n.fmt = s.get("format")
        schema_enum = s.get("enum")
        n.enum = tuple(schema_enum) if schema_enum else _enum_for(owner, prop)
        if "properties" in s:
            inner = owner + "." + prop if prop else owner  # enums are keyed by definition
            n.props = {p: self._compile(ps, inner, p) for p, ps in s["properties"].items()}
            n.required = tuple(s.get("required") or ())
        addl = s.get("additionalProperties")
        if addl is False:
            n.forbid_extra = True
        elif isinstance(addl, dict):
            n.addl = self._compile(addl, owner, prop + "{}")
        if isinstance(s.get("items"), dict):
            n.items = self._compile(s["items"], owner, prop + "[]")


def _enum_for(owner: str, prop: str) -> Optional[tuple[str, ...]]:
    if not prop or not owner.startswith("io.k8s.api."):
        return None
    return _ENUMS.get(owner[len("io.k8s.api."):], {}).get(prop)


def _load_defs(version: str) -> dict:
    with (schema_dir(version) / "_definitions.json").open("rb") as f:
        return json.load(f)["$defs"]


@lru_cache(maxsize=1)
def _index() -> _Index:
    return _Index(_load_defs(SCHEMA_VERSION))


@lru_cache(maxsize=1)
def _older_gvks() -> dict[tuple[str, str, str], int]:
    """(group, version, kind) -> last minor release (< 35) whose schemas have it. Error path only."""
    root = _package_root() / "kubernetes-json-schema"
    minors = sorted(int(m.group(1)) for p in root.iterdir()
                    if (m := re.fullmatch(r"v1\.(\d+)\.0-local-strict", p.name))
                    and int(m.group(1)) < _SERVED_MINOR)
    last: dict[tuple[str, str, str], int] = {}
    for minor in minors:
        for (g, v, k) in _Index(_load_defs(f"v1.{minor}.0")).kinds:
            last[(g, v, k)] = minor
    return last


def known_kinds() -> list[KindInfo]:
    """Every kind that v1.35 serves, sorted by (group, version, kind)."""
    idx = _index()
    return [idx.kinds[k] for k in sorted(idx.kinds)]


@lru_cache(maxsize=1)
def _older_file_names() -> frozenset[str]:
    """Names of the per-kind schema files of releases before v1.35 (``cronjob-batch-v1beta1.json``)."""
    root = _package_root() / "kubernetes-json-schema"
    names: set[str] = set()
    for p in root.iterdir():
        m = re.fullmatch(r"v1\.(\d+)\.0-local-strict", p.name)
        if m and int(m.group(1)) < _SERVED_MINOR:
            names.update(q.name for q in p.iterdir())
    return frozenset(names)


def _removed(group: str, version: str, kind: str) -> Optional[RemovedAPI]:
    r = removed_api(group, version, kind)
    if r is not None:
        return r
    # cheap pre-check on file names (``<kind>-<package>-<version>.json``) before loading old schemas
    head, tail = kind.lower() + "-", "-" + version + ".json"
    if not any(n.startswith(head) and n.endswith(tail) for n in _older_file_names()):
        return None
    last = _older_gvks().get((group, version, kind))
    if last is None:
        return None
    served = [gv for gv in _index().by_kind.get(kind, ()) if split_api_version(gv)[0] == group]
    return RemovedAPI(group, version, kind, f"v1.{last + 1}", _preferred(served))


def _preferred(api_versions: list[str]) -> Optional[str]:
    """The most stable of several group/versions (v1 > v1beta2 > v1beta1 > v1alpha1)."""
    def rank(gv: str) -> tuple:
        m = re.fullmatch(r"v(\d+)(?:(alpha|beta)(\d+))?", split_api_version(gv)[1])
        if not m:
            return (0, 0, 0)
        stage = {"alpha": 1, "beta": 2, None: 3}[m.group(2)]
        return (stage, int(m.group(1)), int(m.group(3) or 0))
    return max(api_versions, key=rank) if api_versions else None


def resolve_kind(api_version: str, kind: str) -> KindInfo | list[FieldError]:
    """The served kind for (apiVersion, kind), or errors worded like kubectl's RESTMapper."""
    idx = _index()
    group, version = split_api_version(api_version)
    info = idx.kinds.get((group, version, kind))
    if info is not None:
        return info
    msg = f'no matches for kind "{kind}" in version "{api_version}"'
    gone = _removed(group, version, kind)
    if gone is not None:
        return [FieldError(("apiVersion",), f"{msg}; {gone.hint()}")]
    elsewhere = idx.by_kind.get(kind, [])
    if (group, version) in idx.by_gv:
        hint = did_you_mean(kind, idx.by_gv[(group, version)])
        if not hint and elsewhere:
            hint = f"; {kind} is served in {', '.join(elsewhere)}"
        return [FieldError(("kind",), msg + hint)]
    if elsewhere:
        return [FieldError(("apiVersion",), f"{msg}; {kind} is served in {', '.join(elsewhere)}")]
    gvs = [join_api_version(g, v) for (g, v) in idx.by_gv]
    return [FieldError(("apiVersion",), msg + did_you_mean(api_version, gvs))]


def _short_json(obj: Any, limit: int = 200) -> str:
    try:
        text = json.dumps(obj, separators=(",", ":"), default=str, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        text = repr(obj)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def type_meta_errors(obj: Any) -> list[FieldError]:
    """Problems with a document's ``apiVersion``/``kind`` (apimachinery wording)."""
    if not isinstance(obj, dict):
        return [FieldError((), f"expected a Kubernetes object (a mapping), got {_jtype(obj)}")]
    errs: list[FieldError] = []
    for key, label in (("kind", "Kind"), ("apiVersion", "apiVersion")):
        val = obj.get(key)
        if val is None or val == "":
            errs.append(FieldError((key,), f"Object '{label}' is missing in '{_short_json(obj)}'"))
        elif not isinstance(val, str):
            errs.append(FieldError((key,), f"expected string, got {_jtype(val)}"))
    return errs


def validate_schema(obj: dict) -> list[FieldError]:
    """Every schema problem of one manifest: type meta, kind, unknown fields, types, enums, required."""
    errs = type_meta_errors(obj)
    if errs:
        return errs
    info = resolve_kind(obj["apiVersion"], obj["kind"])
    if isinstance(info, list):
        return info
    try:
        _walk(_index().node(info.schema_name), obj, (), errs)
    except RecursionError:  # a self-referencing YAML alias or absurd nesting: never a traceback
        errs.append(FieldError((), "object nesting too deep"))
    return errs


def _jtype(v: Any) -> str:
    """JSON type name of a YAML-loaded value (YAML timestamps and binaries are JSON strings)."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int):
        return "integer"
    if isinstance(v, float):
        return "number"
    if isinstance(v, (str, bytes, _dt.date)):
        return "string"
    if isinstance(v, dict):
        return "object"
    if isinstance(v, (list, tuple)):
        return "array"
    return type(v).__name__


def _fits(t: str, v: Any, types: tuple[str, ...]) -> bool:
    if t in types:
        return True
    if t == "integer":
        return "number" in types
    if t == "number" and "integer" in types:  # 3.0 is the integer 3 once YAML becomes JSON
        return math.isfinite(v) and float(v).is_integer()
    return False


def _walk(n: _Node, v: Any, path: tuple, errs: list[FieldError]) -> None:
    if v is None:
        if not n.nullable:
            errs.append(FieldError(path, "Required value"))
        return
    if n.types is None:
        return
    t = _jtype(v)
    if not _fits(t, v, n.types):
        msg = f"expected {' or '.join(n.types)}, got {t}"
        if "string" in n.types and (t == "boolean" or (t in ("integer", "number") and not (
                "integer" in n.types or "number" in n.types))):
            msg += "; quote the value"  # YAML read `yes`, `on`, `1.10` as bool/number, not text
        errs.append(FieldError(path, msg))
        return
    if t == "object":
        props = n.props
        for k, sub in v.items():
            key = k if isinstance(k, str) else str(k)
            if props is not None and key in props:
                _walk(props[key], sub, path + (key,), errs)
            elif n.addl is not None:
                _walk(n.addl, sub, path + (key,), errs)
            elif n.forbid_extra:
                errs.append(FieldError(path + (key,), f'unknown field "{key}"'
                                       + did_you_mean(key, props or ())))
        for r in n.required:
            if r not in v:
                errs.append(FieldError(path + (r,), "Required value"))
    elif t == "array":
        if n.items is not None:
            for i, item in enumerate(v):
                _walk(n.items, item, path + (i,), errs)
    elif t == "string":
        if not isinstance(v, str):
            return  # a YAML timestamp or binary: a valid string once converted to JSON
        if n.enum is not None and v != "" and v not in n.enum:
            allowed = ", ".join(json.dumps(e) for e in n.enum)
            errs.append(FieldError(path, f"Unsupported value: {json.dumps(v, ensure_ascii=False)}: "
                                         f"supported values: {allowed}"))
        if n.fmt is not None:
            _check_string_format(n.fmt, v, path, errs)
    elif t in ("integer", "number") and "integer" in n.types and "number" not in n.types \
            and "string" not in n.types:
        lo, hi = _INT_RANGES.get(n.fmt or "int64", _INT_RANGES["int64"])
        if not lo <= v <= hi:
            errs.append(FieldError(path, f"Invalid value: {int(v)}: out of range for {n.fmt or 'int64'}"))


def _check_string_format(fmt: str, v: str, path: tuple, errs: list[FieldError]) -> None:
    if fmt == "quantity":
        from k8ssim.api.quantity import QuantityError, parse_quantity

        try:
            parse_quantity(v.strip())  # UnmarshalJSON trims spaces before ParseQuantity
        except QuantityError as e:
            errs.append(FieldError(path, f"Invalid value: {_short_json(v, 60)}: {e}"))
    elif fmt == "byte":
        try:
            base64.b64decode(v.replace("\n", "").replace("\r", ""), validate=True)
        except (binascii.Error, ValueError):
            errs.append(FieldError(path, f"Invalid value: {_short_json(v, 60)}: illegal base64 data"))
    elif fmt == "date-time" and not _RFC3339.match(v):
        errs.append(FieldError(path, f"Invalid value: {_short_json(v, 60)}: must be an RFC 3339 date-time"))
