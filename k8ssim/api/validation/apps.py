"""apps/v1 validation: Deployment, ReplicaSet, StatefulSet, DaemonSet.

Mirrors ``pkg/apis/apps/validation/validation.go`` (``ValidateDeploymentSpec``,
``ValidateDeploymentStrategy``, ``ValidateRollingUpdateDeployment``, ``ValidatePositiveIntOrPercent``,
``IsNotMoreThan100Percent``, ``ValidateReplicaSetSpec``, ``ValidatePodTemplateSpecForReplicaSet``,
``ValidateStatefulSetSpec``, ``ValidateDaemonSetSpec``, ``ValidateRollingUpdateDaemonSet``).
"""
from __future__ import annotations

from typing import Any

from .core import validate_pod_template_spec
from .storage import validate_pvc_spec
from .names import (
    StrMap,
    ErrorList, IntOrStr, Path, as_dict, as_list, forbidden, invalid, is_dns1123_subdomain,
    is_int, is_valid_percent, not_supported, required, selector_is_empty, selector_matches,
    validate_label_selector, validate_nonnegative,
)


def int_or_percent_value(v: Any) -> int | None:
    """``getIntOrPercentValue``: the int, or the number before '%' (None when not parseable)."""
    if is_int(v):
        return v
    if isinstance(v, str) and v.endswith("%"):
        try:
            return int(v[:-1])
        except ValueError:
            return None
    return None


def validate_positive_int_or_percent(v: Any, path: Path) -> ErrorList:
    """``ValidatePositiveIntOrPercent``."""
    if v is None:
        return []
    if isinstance(v, str):
        return [invalid(path, IntOrStr(v), m) for m in is_valid_percent(v)]
    if is_int(v):
        return validate_nonnegative(v, path)
    return [invalid(path, v, "must be an integer or percentage (e.g '5%')")]


def is_not_more_than_100_percent(v: Any, path: Path) -> ErrorList:
    """``IsNotMoreThan100Percent``."""
    if isinstance(v, str) and not is_valid_percent(v):
        n = int_or_percent_value(v)
        if n is not None and n > 100:
            return [invalid(path, IntOrStr(v), "must not be greater than 100%")]
    return []


def _validate_selector(spec: dict, path: Path, what: str) -> ErrorList:
    sel = spec.get("selector")
    if sel is None:
        return [required(path + ("selector",), "")]
    errs = validate_label_selector(sel, path + ("selector",))
    if selector_is_empty(sel):
        errs.append(invalid(path + ("selector",), sel, f"empty selector is invalid for {what}"))
    return errs


def validate_pod_template_for_replica_set(spec: dict, path: Path, kind: str = "ReplicaSet",
                                          extra_volumes: tuple = ()) -> ErrorList:
    """``ValidatePodTemplateSpecForReplicaSet``: labels match, restartPolicy Always, no activeDeadlineSeconds
    (with the StatefulSet and DaemonSet variants of the last message)."""
    tpl = spec.get("template")
    tp = path + ("template",)
    if tpl is None:
        return [required(tp, "")]
    tpl = as_dict(tpl)
    errs: ErrorList = []
    sel = spec.get("selector")
    labels = as_dict(as_dict(tpl.get("metadata")).get("labels"))
    if sel is not None and not selector_is_empty(sel) and not selector_matches(sel, labels):
        errs.append(invalid(tp + ("metadata", "labels"), StrMap(labels), "`selector` does not match template `labels`"))
    errs += validate_pod_template_spec(tpl, tp, extra_volumes)
    pspec = as_dict(tpl.get("spec"))
    rp = pspec.get("restartPolicy")
    if rp not in (None, "", "Always"):
        errs.append(not_supported(tp + ("spec", "restartPolicy"), rp, ["Always"]))
    ads = pspec.get("activeDeadlineSeconds")
    if ads is not None:
        if kind == "DaemonSet":
            errs.append(invalid(tp + ("spec", "activeDeadlineSeconds"), ads, "activeDeadlineSeconds must be nil for DaemonSets"))
        else:
            errs.append(forbidden(tp + ("spec", "activeDeadlineSeconds"), f"activeDeadlineSeconds in {kind} is not Supported"))
    return errs


def _validate_rolling_update_deployment(ru: dict, path: Path) -> ErrorList:
    mu, ms = ru.get("maxUnavailable"), ru.get("maxSurge")
    errs = validate_positive_int_or_percent(mu, path + ("maxUnavailable",))
    errs += validate_positive_int_or_percent(ms, path + ("maxSurge",))
    if int_or_percent_value(mu) == 0 and int_or_percent_value(ms) == 0:
        errs.append(invalid(path + ("maxUnavailable",), IntOrStr(mu), "may not be 0 when `maxSurge` is 0"))
    errs += is_not_more_than_100_percent(mu, path + ("maxUnavailable",))
    return errs


def validate_deployment(obj: dict) -> ErrorList:
    spec, sp = as_dict(obj.get("spec")), ("spec",)
    errs = validate_nonnegative(spec.get("replicas"), sp + ("replicas",))
    errs += _validate_selector(spec, sp, "deployment")
    errs += validate_pod_template_for_replica_set(spec, sp)
    strategy = as_dict(spec.get("strategy"))
    st = strategy.get("type")
    if st == "Recreate":
        if strategy.get("rollingUpdate") is not None:
            errs.append(forbidden(sp + ("strategy", "rollingUpdate"), "may not be specified when strategy `type` is 'Recreate'"))
    elif st == "RollingUpdate":
        ru = strategy.get("rollingUpdate")
        if ru is None:
            errs.append(required(sp + ("strategy", "rollingUpdate"), "this should be defaulted and never be nil"))
        else:
            errs += _validate_rolling_update_deployment(as_dict(ru), sp + ("strategy", "rollingUpdate"))
    else:
        errs.append(not_supported(sp + ("strategy",), strategy, ["Recreate", "RollingUpdate"]))
    errs += validate_nonnegative(spec.get("minReadySeconds"), sp + ("minReadySeconds",))
    errs += validate_nonnegative(spec.get("revisionHistoryLimit"), sp + ("revisionHistoryLimit",))
    pds = spec.get("progressDeadlineSeconds")
    if is_int(pds):
        errs += validate_nonnegative(pds, sp + ("progressDeadlineSeconds",))
        mrs = spec.get("minReadySeconds", 0)
        if is_int(mrs) and pds <= mrs:
            errs.append(invalid(sp + ("progressDeadlineSeconds",), pds, "must be greater than minReadySeconds"))
    return errs


def validate_replica_set(obj: dict) -> ErrorList:
    spec, sp = as_dict(obj.get("spec")), ("spec",)
    errs = validate_nonnegative(spec.get("replicas"), sp + ("replicas",))
    errs += validate_nonnegative(spec.get("minReadySeconds"), sp + ("minReadySeconds",))
    errs += _validate_selector(spec, sp, "deployment")  # upstream says "deployment" here too
    errs += validate_pod_template_for_replica_set(spec, sp)
    return errs


def validate_stateful_set(obj: dict) -> ErrorList:
    spec, sp = as_dict(obj.get("spec")), ("spec",)
    errs: ErrorList = []
    pmp = spec.get("podManagementPolicy")
    if pmp in (None, ""):
        errs.append(required(sp + ("podManagementPolicy",), ""))
    elif pmp not in ("OrderedReady", "Parallel"):
        errs.append(invalid(sp + ("podManagementPolicy",), pmp,
                            "must be 'OrderedReady' or 'Parallel'"))
    us = as_dict(spec.get("updateStrategy"))
    ut = us.get("type")
    if ut in (None, ""):
        errs.append(required(sp + ("updateStrategy",), ""))
    elif ut == "OnDelete":
        if us.get("rollingUpdate") is not None:
            errs.append(invalid(sp + ("updateStrategy", "rollingUpdate"), us.get("rollingUpdate"),
                                "only allowed for updateStrategy 'RollingUpdate'"))
    elif ut == "RollingUpdate":
        ru = as_dict(us.get("rollingUpdate"))
        errs += validate_nonnegative(ru.get("partition"), sp + ("updateStrategy", "rollingUpdate", "partition"))
        mu = ru.get("maxUnavailable")
        if mu is not None:
            up = sp + ("updateStrategy", "rollingUpdate", "maxUnavailable")
            errs += validate_positive_int_or_percent(mu, up)
            if int_or_percent_value(mu) == 0:
                errs.append(invalid(up, IntOrStr(mu), "must be greater than 0"))
            errs += is_not_more_than_100_percent(mu, up)
    else:
        errs.append(invalid(sp + ("updateStrategy",), ut,
                            "must be 'RollingUpdate' or 'OnDelete'"))
    pol = as_dict(spec.get("persistentVolumeClaimRetentionPolicy"))
    for k in ("whenDeleted", "whenScaled"):
        v = pol.get(k)
        if v is not None and v not in ("Retain", "Delete"):
            errs.append(not_supported(sp + ("persistentVolumeClaimRetentionPolicy", k), v, ["Retain", "Delete"]))
    errs += validate_nonnegative(spec.get("replicas"), sp + ("replicas",))
    errs += validate_nonnegative(spec.get("minReadySeconds"), sp + ("minReadySeconds",))
    errs += validate_nonnegative(as_dict(spec.get("ordinals")).get("start"), sp + ("ordinals", "start"))
    # serviceName: optional and not format-checked by upstream ValidateStatefulSetSpec
    errs += _validate_selector(spec, sp, "statefulset")
    claims = tuple(as_dict(as_dict(p).get("metadata")).get("name") for p in as_list(spec.get("volumeClaimTemplates")))
    errs += validate_pod_template_for_replica_set(spec, sp, "StatefulSet", claims)
    for i, pvc in enumerate(as_list(spec.get("volumeClaimTemplates"))):
        name = as_dict(as_dict(pvc).get("metadata")).get("name")
        if isinstance(name, str) and name:
            errs += [invalid(sp + ("volumeClaimTemplates", i, "metadata", "name"), name, m) for m in is_dns1123_subdomain(name)]
        errs += validate_pvc_spec(as_dict(pvc).get("spec"), sp + ("volumeClaimTemplates", i, "spec"))
    return errs


def validate_daemon_set(obj: dict) -> ErrorList:
    spec, sp = as_dict(obj.get("spec")), ("spec",)
    errs = _validate_selector(spec, sp, "daemonset")
    errs += validate_pod_template_for_replica_set(spec, sp, "DaemonSet")
    us = as_dict(spec.get("updateStrategy"))
    ut, up = us.get("type"), sp + ("updateStrategy",)
    if ut in (None, ""):
        errs.append(required(up + ("type",), ""))
    elif ut == "RollingUpdate":
        ru = us.get("rollingUpdate")
        if ru is None:
            errs.append(required(up + ("rollingUpdate",), ""))
        else:
            ru, rp = as_dict(ru), up + ("rollingUpdate",)
            mu, ms = ru.get("maxUnavailable"), ru.get("maxSurge")
            errs += validate_positive_int_or_percent(mu, rp + ("maxUnavailable",))
            errs += validate_positive_int_or_percent(ms, rp + ("maxSurge",))
            errs += is_not_more_than_100_percent(mu, rp + ("maxUnavailable",))
            errs += is_not_more_than_100_percent(ms, rp + ("maxSurge",))
            has_u, has_s = int_or_percent_value(mu) not in (0, None), int_or_percent_value(ms) not in (0, None)
            if has_u and has_s:
                errs.append(invalid(rp + ("maxSurge",), IntOrStr(ms), "may not be set when maxUnavailable is non-zero"))
            elif not has_u and not has_s:
                errs.append(required(rp + ("maxUnavailable",), "cannot be 0 when maxSurge is 0"))
    elif ut != "OnDelete":
        errs.append(not_supported(up + ("type",), ut, ["OnDelete", "RollingUpdate"]))
    errs += validate_nonnegative(spec.get("minReadySeconds"), sp + ("minReadySeconds",))
    errs += validate_nonnegative(spec.get("revisionHistoryLimit"), sp + ("revisionHistoryLimit",))
    return errs
