"""autoscaling validation: HorizontalPodAutoscaler (autoscaling/v2 and v1).

Mirrors ``pkg/apis/autoscaling/validation/validation.go`` (``ValidateHorizontalPodAutoscalerSpec``,
``ValidateCrossVersionObjectReference``, ``validateMetrics``/``validateMetricSpec``, ``validateMetricTarget``,
``validateBehavior``/``validateScalingRules``/``validateScalingPolicy``), with the HPAScaleToZero gate off
(minReplicas >= 1).
"""
from __future__ import annotations

from typing import Any

from ..quantity import QuantityError, parse_quantity
from .names import (
    ErrorList, Path, as_dict, as_list, forbidden, invalid, is_int, not_supported, required,
    validate_label_selector, validate_path_segment_name,
)
from .resources import validate_container_resource_name

MAX_PERIOD_SECONDS = 1800
MAX_STABILIZATION_WINDOW_SECONDS = 3600
MIN_REPLICAS_LOWER_BOUND = 1
METRIC_SOURCE_TYPES = ["ContainerResource", "External", "Object", "Pods", "Resource"]
_SOURCE_FIELD = {"Object": "object", "Pods": "pods", "Resource": "resource", "ContainerResource": "containerResource",
                 "External": "external"}
SELECT_POLICIES = ["Disabled", "Max", "Min"]
POLICY_TYPES = ["Percent", "Pods"]


def validate_cross_version_object_reference(ref: Any, path: Path) -> ErrorList:
    ref = as_dict(ref)
    errs: ErrorList = []
    kind, name = ref.get("kind"), ref.get("name")
    if not kind:
        errs.append(required(path + ("kind",), ""))
    elif isinstance(kind, str):
        errs += [invalid(path + ("kind",), kind, m) for m in validate_path_segment_name(kind)]
    if not name:
        errs.append(required(path + ("name",), ""))
    elif isinstance(name, str):
        errs += [invalid(path + ("name",), name, m) for m in validate_path_segment_name(name)]
    av = ref.get("apiVersion")
    if isinstance(av, str) and av.count("/") > 1:
        errs.append(invalid(path + ("apiVersion",), av, f"unexpected GroupVersion string: {av}"))
    return errs


def _quantity_sign(v: Any) -> int | None:
    try:
        return parse_quantity(v).sign()
    except QuantityError:
        return None


def _validate_metric_target(t: Any, path: Path) -> ErrorList:
    t = as_dict(t)
    errs: ErrorList = []
    typ = t.get("type")
    if not typ:
        errs.append(required(path + ("type",), "must specify a metric target type"))
    if typ not in ("Utilization", "Value", "AverageValue"):
        errs.append(invalid(path + ("type",), typ or "", "must be either Utilization, Value, or AverageValue"))
    for k in ("value", "averageValue"):
        if t.get(k) is not None:
            s = _quantity_sign(t.get(k))
            if s is None:
                errs.append(invalid(path + (k,), t.get(k), "quantities must match the regular expression "
                                    "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"))
            elif s != 1:
                errs.append(invalid(path + (k,), t.get(k), "must be positive"))
    au = t.get("averageUtilization")
    if is_int(au) and au < 1:
        errs.append(invalid(path + ("averageUtilization",), au, "must be greater than 0"))
    return errs


def _validate_metric_identifier(mid: Any, path: Path) -> ErrorList:
    mid = as_dict(mid)
    errs: ErrorList = []
    if not mid.get("name"):
        errs.append(required(path + ("name",), "must specify a metric name"))
    elif isinstance(mid.get("name"), str):
        errs += [invalid(path + ("name",), mid["name"], m) for m in validate_path_segment_name(mid["name"])]
    if mid.get("selector") is not None:
        errs += validate_label_selector(mid.get("selector"), path + ("selector",))
    return errs


def _validate_metric_spec(m: Any, path: Path) -> ErrorList:
    m = as_dict(m)
    errs: ErrorList = []
    typ = m.get("type")
    if not typ:
        errs.append(required(path + ("type",), "must specify a metric source type"))
    populated = [t for t, f in _SOURCE_FIELD.items() if m.get(f) is not None]
    for t in populated:
        if t != typ:
            errs.append(forbidden(path + (_SOURCE_FIELD[t],), "must populate the given metric source only"))
    if typ and typ not in METRIC_SOURCE_TYPES:
        errs.append(not_supported(path + ("type",), typ, METRIC_SOURCE_TYPES))
        return errs
    if not typ:
        return errs
    f = _SOURCE_FIELD[typ]
    src = m.get(f)
    if src is None:
        errs.append(required(path + (f,), "must populate information for the given metric source"))
        return errs
    src, sp = as_dict(src), path + (f,)
    target = as_dict(src.get("target"))
    errs += _validate_metric_target(target, sp + ("target",))
    if typ in ("Resource", "ContainerResource"):
        if not src.get("name"):
            errs.append(required(sp + ("name",), "must specify a resource name"))
        elif isinstance(src.get("name"), str):
            errs += validate_container_resource_name(src["name"], sp + ("name",))
        if typ == "ContainerResource" and not src.get("container"):
            errs.append(required(sp + ("container",), "must specify a container"))
        if target.get("averageUtilization") is None and target.get("averageValue") is None:
            errs.append(required(sp + ("target", "averageUtilization"), "must set either a target raw value or a target utilization"))
        if target.get("averageUtilization") is not None and target.get("averageValue") is not None:
            errs.append(forbidden(sp + ("target", "averageValue"), "may not set both a target raw value and a target utilization"))
    elif typ == "Pods":
        errs += _validate_metric_identifier(src.get("metric"), sp + ("metric",))
        if target.get("averageValue") is None:
            errs.append(required(sp + ("target", "averageValue"), "must specify a positive target averageValue"))
    elif typ == "Object":
        errs += validate_cross_version_object_reference(src.get("describedObject"), sp + ("describedObject",))
        errs += _validate_metric_identifier(src.get("metric"), sp + ("metric",))
        if target.get("value") is None and target.get("averageValue") is None:
            errs.append(required(sp + ("target", "value"), "must set either a target value or averageValue"))
    elif typ == "External":
        errs += _validate_metric_identifier(src.get("metric"), sp + ("metric",))
        if target.get("value") is None and target.get("averageValue") is None:
            errs.append(required(sp + ("target", "value"), "must set either a target value for metric or a per-pod target"))
        if target.get("value") is not None and target.get("averageValue") is not None:
            errs.append(forbidden(sp + ("target", "value"), "may not set both a target value for metric and a per-pod target"))
    return errs


def _validate_scaling_rules(rules: Any, path: Path) -> ErrorList:
    if rules is None:
        return []
    rules = as_dict(rules)
    errs: ErrorList = []
    sw = rules.get("stabilizationWindowSeconds")
    if is_int(sw) and sw < 0:
        errs.append(invalid(path + ("stabilizationWindowSeconds",), sw, "must be greater than or equal to zero"))
    if is_int(sw) and sw > MAX_STABILIZATION_WINDOW_SECONDS:
        errs.append(invalid(path + ("stabilizationWindowSeconds",), sw,
                            f"must be less than or equal to {MAX_STABILIZATION_WINDOW_SECONDS}"))
    spol = rules.get("selectPolicy")
    if spol is not None and spol not in SELECT_POLICIES:
        errs.append(not_supported(path + ("selectPolicy",), spol, SELECT_POLICIES))
    pols = as_list(rules.get("policies"))
    if not pols:
        errs.append(required(path + ("policies",), "must specify at least one Policy"))
    for i, p in enumerate(pols):
        p, pp = as_dict(p), path + ("policies", i)
        if p.get("type") not in POLICY_TYPES:
            errs.append(not_supported(pp + ("type",), p.get("type") or "", POLICY_TYPES))
        v, per = p.get("value"), p.get("periodSeconds")
        if is_int(v) and v <= 0:
            errs.append(invalid(pp + ("value",), v, "must be greater than zero"))
        if is_int(per) and per <= 0:
            errs.append(invalid(pp + ("periodSeconds",), per, "must be greater than zero"))
        if is_int(per) and per > MAX_PERIOD_SECONDS:
            errs.append(invalid(pp + ("periodSeconds",), per, f"must be less than or equal to {MAX_PERIOD_SECONDS}"))
    tol = rules.get("tolerance")
    if tol is not None and _quantity_sign(tol) == -1:
        errs.append(invalid(path + ("tolerance",), tol, "must be greater than or equal to zero"))
    return errs


def validate_hpa(obj: dict) -> ErrorList:
    spec, sp = as_dict(obj.get("spec")), ("spec",)
    errs = validate_cross_version_object_reference(spec.get("scaleTargetRef"), sp + ("scaleTargetRef",))
    mn, mx = spec.get("minReplicas"), spec.get("maxReplicas")
    if is_int(mn) and mn < MIN_REPLICAS_LOWER_BOUND:
        errs.append(invalid(sp + ("minReplicas",), mn, f"must be greater than or equal to {MIN_REPLICAS_LOWER_BOUND}"))
    if is_int(mx):
        if mx < 1:
            errs.append(invalid(sp + ("maxReplicas",), mx, "must be greater than 0"))
        if is_int(mn) and mx < mn:
            errs.append(invalid(sp + ("maxReplicas",), mx, "must be greater than or equal to `minReplicas`"))
    if str(obj.get("apiVersion", "")) == "autoscaling/v1":
        t = spec.get("targetCPUUtilizationPercentage")
        if is_int(t) and t < 1:
            errs.append(invalid(sp + ("targetCPUUtilizationPercentage",), t, "must be greater than 0"))
        return errs
    for i, m in enumerate(as_list(spec.get("metrics"))):
        errs += _validate_metric_spec(m, sp + ("metrics", i))
    beh = spec.get("behavior")
    if beh is not None:
        errs += _validate_scaling_rules(as_dict(beh).get("scaleUp"), sp + ("behavior", "scaleUp"))
        errs += _validate_scaling_rules(as_dict(beh).get("scaleDown"), sp + ("behavior", "scaleDown"))
    return errs
