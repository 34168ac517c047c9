"""core/v1 validation of Service, Node, LimitRange, ResourceQuota, ReplicationController, PodTemplate.

Mirrors ``pkg/apis/core/validation/validation.go`` (``ValidateService``, ``ValidateNode`` /
``validateNodeTaints``, ``ValidateLimitRange``, ``ValidateResourceQuota``, ``ValidateReplicationControllerSpec``).
"""
from __future__ import annotations

import ipaddress
from typing import Any

from .core import PROTOCOLS, validate_pod_template_spec, validate_taint_effect
from .names import (
    StrMap,
    ErrorList, as_dict, as_list, duplicate, forbidden, invalid, is_dns1123_label, is_dns1123_subdomain,
    is_int, is_valid_label_value, is_valid_port_num, not_supported, required, selector_matches,
    validate_label_name, validate_labels, validate_nonnegative, validate_port_num_or_name,
)
from ..quantity import parse_quantity
from .resources import validate_resource_list

_ONE = parse_quantity("1")

SERVICE_TYPES = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"]
SESSION_AFFINITY = ["ClientIP", "None"]
TRAFFIC_POLICIES = ["Cluster", "Local"]
LIMIT_TYPES = ["Container", "PersistentVolumeClaim", "Pod"]
IP_FORMAT_MSG = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"


def _is_ip(s: str) -> bool:
    try:
        ipaddress.ip_address(s)
        return True
    except ValueError:
        return False


def validate_service(obj: dict) -> ErrorList:
    spec = as_dict(obj.get("spec"))
    sp = ("spec",)
    errs: ErrorList = []
    stype = spec.get("type") or ""
    if stype not in SERVICE_TYPES:
        errs.append(not_supported(sp + ("type",), stype, SERVICE_TYPES))
    ports = as_list(spec.get("ports"))
    if stype != "ExternalName" and not ports and spec.get("clusterIP") != "None":
        errs.append(required(sp + ("ports",), ""))
    if stype == "ExternalName":
        en = spec.get("externalName")
        if not en:
            errs.append(required(sp + ("externalName",), ""))
        elif isinstance(en, str):
            errs += [invalid(sp + ("externalName",), en, m) for m in is_dns1123_subdomain(en.rstrip("."))]
    names: set = set()
    seen: set = set()
    for i, p in enumerate(ports):
        p, pp = as_dict(p), sp + ("ports", i)
        name = p.get("name")
        if len(ports) > 1 and not name:
            errs.append(required(pp + ("name",), ""))
        elif isinstance(name, str) and name:
            errs += [invalid(pp + ("name",), name, m) for m in is_dns1123_label(name)]
            if name in names:
                errs.append(duplicate(pp + ("name",), name))
            names.add(name)
        port = p.get("port")
        if is_int(port):
            errs += [invalid(pp + ("port",), port, m) for m in is_valid_port_num(port)]
        proto = p.get("protocol")
        if proto in (None, ""):
            errs.append(required(pp + ("protocol",), ""))
        elif proto not in PROTOCOLS:
            errs.append(not_supported(pp + ("protocol",), proto, PROTOCOLS))
        if p.get("targetPort") is not None:
            errs += validate_port_num_or_name(p.get("targetPort"), pp + ("targetPort",))
        np_ = p.get("nodePort")
        if is_int(np_) and np_ != 0:
            if stype in ("ClusterIP", "ExternalName"):
                errs.append(forbidden(pp + ("nodePort",), f"may not be used when `type` is '{stype}'"))
            else:
                errs += [invalid(pp + ("nodePort",), np_, m) for m in is_valid_port_num(np_)]
        key = (port, proto)
        if key in seen:
            errs.append(duplicate(pp, p))
        seen.add(key)
    errs += validate_labels(spec.get("selector"), sp + ("selector",))
    sa = spec.get("sessionAffinity")
    if sa not in (None, "") and sa not in SESSION_AFFINITY:
        errs.append(not_supported(sp + ("sessionAffinity",), sa, SESSION_AFFINITY))
    timeout = as_dict(as_dict(spec.get("sessionAffinityConfig")).get("clientIP")).get("timeoutSeconds")
    if sa == "ClientIP" and is_int(timeout) and not (0 < timeout <= 86400):
        errs.append(invalid(sp + ("sessionAffinityConfig", "clientIP", "timeoutSeconds"), timeout,
                            "must be greater than 0 and less than 86400"))
    cip = spec.get("clusterIP")
    if isinstance(cip, str) and cip not in ("", "None"):
        if not _is_ip(cip):
            errs.append(invalid(sp + ("clusterIP",), cip, IP_FORMAT_MSG))
    if cip == "None" and stype in ("LoadBalancer", "NodePort"):
        errs.append(invalid(sp + ("clusterIP",), cip, f"may not be set to 'None' for {stype} services"))
    for i, ip in enumerate(as_list(spec.get("externalIPs"))):
        if isinstance(ip, str) and not _is_ip(ip):
            errs.append(invalid(sp + ("externalIPs", i), ip, IP_FORMAT_MSG))
    for k in ("externalTrafficPolicy", "internalTrafficPolicy"):
        v = spec.get(k)
        if v not in (None, "") and v not in TRAFFIC_POLICIES:
            errs.append(not_supported(sp + (k,), v, TRAFFIC_POLICIES))
    etp = spec.get("externalTrafficPolicy")
    externally = stype in ("LoadBalancer", "NodePort") or bool(spec.get("externalIPs"))
    if etp not in (None, "") and not externally:
        errs.append(invalid(sp + ("externalTrafficPolicy",), etp,
                            "may only be set for externally-accessible services"))
    return errs


def validate_node(obj: dict) -> ErrorList:
    """``ValidateNode``: taints (key, value, effect, unique by key+effect) and status resources."""
    spec = as_dict(obj.get("spec"))
    errs: ErrorList = []
    seen: set = set()
    for i, t in enumerate(as_list(spec.get("taints"))):
        t, ip = as_dict(t), ("spec", "taints", i)
        key = t.get("key") or ""
        errs += validate_label_name(key, ip + ("key",))
        value = t.get("value") or ""
        if isinstance(value, str):
            msgs = is_valid_label_value(value)
            if msgs:
                errs.append(invalid(ip + ("value",), value, ";".join(msgs)))
        errs += validate_taint_effect(t.get("effect"), False, ip + ("effect",))
        if (key, t.get("effect")) in seen:
            errs.append(duplicate(ip, t, "taints must be unique by key and effect pair"))
            continue
        seen.add((key, t.get("effect")))
    status = as_dict(obj.get("status"))
    for k in ("capacity", "allocatable"):
        errs += validate_resource_list(status.get(k), ("status", k)).pop(None)
    pc = spec.get("podCIDR")
    if isinstance(pc, str) and pc:
        try:
            ipaddress.ip_network(pc, strict=False)
        except ValueError:
            errs.append(invalid(("spec", "podCIDR"), pc, "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"))
    return errs


def validate_limit_range(obj: dict) -> ErrorList:
    """``ValidateLimitRange``: types, quantities and min <= defaultRequest <= default <= max."""
    errs: ErrorList = []
    for i, item in enumerate(as_list(as_dict(obj.get("spec")).get("limits"))):
        item, ip = as_dict(item), ("spec", "limits", i)
        typ = item.get("type")
        if typ not in LIMIT_TYPES:
            errs.append(not_supported(ip + ("type",), typ or "", LIMIT_TYPES))
        lists = {}
        for k in ("max", "min", "default", "defaultRequest", "maxLimitRequestRatio"):
            r = validate_resource_list(item.get(k), ip + (k,))
            errs += r.pop(None)
            lists[k] = r
        if typ == "Pod":
            for k in ("default", "defaultRequest"):
                if as_dict(item.get(k)):
                    errs.append(forbidden(ip + (k,), "may not be specified when `type` is 'Pod'"))
        mx, mn, df, dr = lists["max"], lists["min"], lists["default"], lists["defaultRequest"]
        for k in set(mx) | set(mn) | set(df) | set(dr):
            a, b, c, d = mn.get(k), mx.get(k), dr.get(k), df.get(k)
            s = lambda q: q.canonical()  # noqa: E731
            if a and b and a > b:
                errs.append(invalid(ip + ("min", k), s(a), f"min value {s(a)} is greater than max value {s(b)}"))
            if c and a and a > c:
                errs.append(invalid(ip + ("defaultRequest", k), s(c), f"min value {s(a)} is greater than default request value {s(c)}"))
            if c and b and c > b:
                errs.append(invalid(ip + ("defaultRequest", k), s(c), f"default request value {s(c)} is greater than max value {s(b)}"))
            if c and d and c > d:
                errs.append(invalid(ip + ("defaultRequest", k), s(c), f"default request value {s(c)} is greater than default limit value {s(d)}"))
            if d and a and a > d:
                errs.append(invalid(ip + ("default", k), s(a), f"min value {s(a)} is greater than default value {s(d)}"))
            if d and b and d > b:
                errs.append(invalid(ip + ("default", k), s(b), f"default value {s(d)} is greater than max value {s(b)}"))
        for k, q in lists["maxLimitRequestRatio"].items():
            if q.cmp(_ONE) < 0:
                errs.append(invalid(ip + ("maxLimitRequestRatio", k), q.canonical(), "ratio must be greater than or equal to 1"))
    return errs


RESOURCE_QUOTA_SCOPES = ["BestEffort", "CrossNamespacePodAffinity", "NotBestEffort", "NotTerminating",
                         "PriorityClass", "Terminating", "VolumeAttributesClass"]


def validate_resource_quota(obj: dict) -> ErrorList:
    spec = as_dict(obj.get("spec"))
    errs = validate_resource_list(spec.get("hard"), ("spec", "hard")).pop(None)
    for i, s in enumerate(as_list(spec.get("scopes"))):
        if s not in RESOURCE_QUOTA_SCOPES:
            errs.append(not_supported(("spec", "scopes", i), s, RESOURCE_QUOTA_SCOPES))
    return errs


def validate_replication_controller(obj: dict) -> ErrorList:
    spec = as_dict(obj.get("spec"))
    sp = ("spec",)
    errs = validate_nonnegative(spec.get("replicas"), sp + ("replicas",))
    errs += validate_nonnegative(spec.get("minReadySeconds"), sp + ("minReadySeconds",))
    sel = as_dict(spec.get("selector"))
    if not sel:
        errs.append(required(sp + ("selector",), ""))
    errs += validate_labels(sel, sp + ("selector",))
    tpl = spec.get("template")
    if tpl is None:
        errs.append(required(sp + ("template",), ""))
        return errs
    labels = as_dict(as_dict(as_dict(tpl).get("metadata")).get("labels"))
    if sel and not selector_matches({"matchLabels": sel}, labels):
        errs.append(invalid(sp + ("template", "metadata", "labels"), StrMap(labels), "`selector` does not match template `labels`"))
    errs += validate_pod_template_spec(tpl, sp + ("template",))
    rp = as_dict(as_dict(tpl).get("spec")).get("restartPolicy")
    if rp not in (None, "", "Always"):
        errs.append(not_supported(sp + ("template", "spec", "restartPolicy"), rp, ["Always"]))
    return errs


def validate_namespace(obj: dict) -> ErrorList:
    return []  # name (DNS label) is checked with the metadata; finalizers need no model
