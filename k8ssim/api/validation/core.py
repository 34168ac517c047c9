"""core/v1 validation: pod spec and pod templates, resources, tolerations, affinity, spread constraints.

Mirrors ``pkg/apis/core/validation/validation.go`` (``ValidatePodSpec``, ``validateContainers``,
``ValidateResourceRequirements``, ``ValidateTolerations``, ``ValidateNodeSelector``, ``validateAffinity``,
``validateTopologySpreadConstraints``, ``validateProbe``, ...) for the fields the simulator models.
Resource lists, quantities and the remaining core kinds are in :mod:`.core_objects`.
"""
from __future__ import annotations

import re
from typing import Any

from .names import (
    ErrorList, Path, as_dict, as_list, as_str, duplicate, forbidden, invalid, is_dns1123_label,
    is_dns1123_subdomain, is_int, is_qualified_name, is_valid_label_value, is_valid_port_name,
    is_valid_port_num, not_found, not_supported, required, validate_annotations, validate_label_name,
    validate_label_selector, validate_labels, validate_nonnegative, validate_port_num_or_name,
)
from .resources import validate_resource_requirements

RESTART_POLICIES = ["Always", "OnFailure", "Never"]
DNS_POLICIES = ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"]
PROTOCOLS = ["SCTP", "TCP", "UDP"]
TAINT_EFFECTS = ["NoExecute", "NoSchedule", "PreferNoSchedule"]
PULL_POLICIES = ["Always", "IfNotPresent", "Never"]
TERMINATION_MESSAGE_POLICIES = ["File", "FallbackToLogsOnError"]
WHEN_UNSATISFIABLE = ["DoNotSchedule", "ScheduleAnyway"]
NODE_INCLUSION_POLICIES = ["Honor", "Ignore"]
_HANDLERS = ("exec", "httpGet", "tcpSocket", "grpc")


# ---------------------------------------------------------------------------------------------
# containers
# ---------------------------------------------------------------------------------------------

def _validate_handler(h: dict, path: Path, probe: bool) -> ErrorList:
    errs: ErrorList = []
    kinds = [k for k in (_HANDLERS if probe else ("exec", "httpGet", "tcpSocket", "sleep")) if h.get(k) is not None]
    if not kinds:
        errs.append(required(path, "must specify a handler type"))
    for k in kinds[1:]:
        errs.append(forbidden(path + (k,), "may not specify more than 1 handler type"))
    hg = as_dict(h.get("httpGet"))
    if h.get("httpGet") is not None:
        errs += validate_port_num_or_name(hg.get("port"), path + ("httpGet", "port"))
        scheme = hg.get("scheme")
        if scheme not in (None, "HTTP", "HTTPS"):
            errs.append(not_supported(path + ("httpGet", "scheme"), scheme, ["HTTP", "HTTPS"]))
    if h.get("tcpSocket") is not None:
        errs += validate_port_num_or_name(as_dict(h.get("tcpSocket")).get("port"), path + ("tcpSocket", "port"))
    if h.get("grpc") is not None:
        port = as_dict(h.get("grpc")).get("port")
        if is_int(port):
            errs += [invalid(path + ("grpc", "port"), port, m) for m in is_valid_port_num(port)]
    if h.get("exec") is not None and not as_list(as_dict(h.get("exec")).get("command")):
        errs.append(required(path + ("exec", "command"), ""))
    return errs


def validate_probe(p: Any, path: Path, kind: str) -> ErrorList:
    """``validateProbe`` + the liveness/startup ``successThreshold`` must be 1 rule."""
    if p is None:
        return []
    p = as_dict(p)
    errs = _validate_handler(p, path, probe=True)
    for k in ("initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold"):
        errs += validate_nonnegative(p.get(k), path + (k,))
    tgp = p.get("terminationGracePeriodSeconds")
    if is_int(tgp) and tgp <= 0:
        errs.append(invalid(path + ("terminationGracePeriodSeconds",), tgp, "must be greater than 0"))
    st = p.get("successThreshold")
    if kind in ("livenessProbe", "startupProbe") and is_int(st) and st != 1:
        errs.append(invalid(path + ("successThreshold",), st, "must be 1"))
    return errs


def _validate_ports(ports: Any, path: Path) -> ErrorList:
    errs: ErrorList = []
    names: set = set()
    for i, p in enumerate(as_list(ports)):
        p, ip = as_dict(p), path + (i,)
        name = p.get("name")
        if isinstance(name, str) and name:
            errs += [invalid(ip + ("name",), name, m) for m in is_valid_port_name(name)]
            if name in names:
                errs.append(duplicate(ip + ("name",), name))
            names.add(name)
        cp = p.get("containerPort")
        if cp is None or cp == 0:
            errs.append(required(ip + ("containerPort",), ""))
        elif is_int(cp):
            errs += [invalid(ip + ("containerPort",), cp, m) for m in is_valid_port_num(cp)]
        hp = p.get("hostPort")
        if is_int(hp) and hp != 0:
            errs += [invalid(ip + ("hostPort",), hp, m) for m in is_valid_port_num(hp)]
        proto = p.get("protocol")
        if proto in (None, ""):
            errs.append(required(ip + ("protocol",), ""))
        elif proto not in PROTOCOLS:
            errs.append(not_supported(ip + ("protocol",), proto, PROTOCOLS))
    return errs


def _validate_container(c: Any, path: Path, volumes: set, kind: str) -> ErrorList:
    c = as_dict(c)
    errs: ErrorList = []
    name = c.get("name")
    if not name:
        errs.append(required(path + ("name",), ""))
    elif isinstance(name, str):
        errs += [invalid(path + ("name",), name, m) for m in is_dns1123_label(name)]
    image = c.get("image")
    if not image or (isinstance(image, str) and not image.strip()):
        errs.append(required(path + ("image",), ""))
    elif isinstance(image, str) and image != image.strip():
        errs.append(invalid(path + ("image",), image, "must not have leading or trailing whitespace"))
    ipp = c.get("imagePullPolicy")
    if ipp is not None and ipp not in PULL_POLICIES:
        errs.append(not_supported(path + ("imagePullPolicy",), ipp, PULL_POLICIES))
    tmp = c.get("terminationMessagePolicy")
    if tmp is not None and tmp not in TERMINATION_MESSAGE_POLICIES:
        errs.append(not_supported(path + ("terminationMessagePolicy",), tmp, TERMINATION_MESSAGE_POLICIES))
    errs += _validate_ports(c.get("ports"), path + ("ports",))
    for i, e in enumerate(as_list(c.get("env"))):
        en = as_dict(e).get("name")
        if not en:
            errs.append(required(path + ("env", i, "name"), ""))
    mounts: set = set()
    for i, m in enumerate(as_list(c.get("volumeMounts"))):
        m, mp = as_dict(m), path + ("volumeMounts", i)
        vn = m.get("name")
        if not vn:
            errs.append(required(mp + ("name",), ""))
        elif vn not in volumes:
            errs.append(not_found(mp + ("name",), vn))
        mpath = m.get("mountPath")
        if not mpath:
            errs.append(required(mp + ("mountPath",), ""))
        elif mpath in mounts:
            errs.append(invalid(mp + ("mountPath",), mpath, "must be unique"))
        else:
            mounts.add(mpath)
    if kind == "initContainers":
        restartable = c.get("restartPolicy") == "Always"
        for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
            if c.get(probe) is not None and not restartable:
                errs.append(forbidden(path + (probe,), "may not be set for init containers without restartPolicy=Always"))
        rp = c.get("restartPolicy")
        if rp is not None and rp != "Always":
            errs.append(not_supported(path + ("restartPolicy",), rp, ["Always"]))
    elif c.get("restartPolicy") is not None and kind == "containers":
        pass  # container-level restartPolicy for regular containers is gated (alpha); schema allows it
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        errs += validate_probe(c.get(probe), path + (probe,), probe)
    if c.get("readinessProbe") is not None and kind == "initContainers" and c.get("restartPolicy") != "Always":
        pass
    lc = c.get("lifecycle")
    if lc is not None:
        for h in ("postStart", "preStop"):
            if as_dict(lc).get(h) is not None:
                errs += _validate_handler(as_dict(as_dict(lc).get(h)), path + ("lifecycle", h), probe=False)
    errs += validate_resource_requirements(c.get("resources"), path + ("resources",))
    return errs


def _validate_containers(spec: dict, path: Path, volumes: set) -> ErrorList:
    errs: ErrorList = []
    names: set = set()
    if not as_list(spec.get("containers")):
        errs.append(required(path + ("containers",), ""))
    host_ports: set = set()
    for kind in ("initContainers", "containers"):
        for i, c in enumerate(as_list(spec.get(kind))):
            cp = path + (kind, i)
            errs += _validate_container(c, cp, volumes, kind)
            name = as_dict(c).get("name")
            if isinstance(name, str) and name:
                if name in names:
                    errs.append(duplicate(cp + ("name",), name))
                names.add(name)
            for j, p in enumerate(as_list(as_dict(c).get("ports"))):  # AccumulateUniqueHostPorts
                p = as_dict(p)
                hp = p.get("hostPort")
                if is_int(hp) and hp != 0:
                    key = f"{hp}/{p.get('protocol') or 'TCP'}"
                    if key in host_ports:
                        errs.append(duplicate(cp + ("ports", j, "hostPort"), key))
                    host_ports.add(key)
    return errs


# ---------------------------------------------------------------------------------------------
# scheduling constraints
# ---------------------------------------------------------------------------------------------

def validate_taint_effect(effect: Any, allow_empty: bool, path: Path) -> ErrorList:
    if not effect:
        return [] if allow_empty else [required(path, "")]
    if effect not in TAINT_EFFECTS:
        return [not_supported(path, effect, TAINT_EFFECTS)]
    return []


def validate_tolerations(tols: Any, path: Path) -> ErrorList:
    """``ValidateTolerations``."""
    errs: ErrorList = []
    for i, t in enumerate(as_list(tols)):
        t, ip = as_dict(t), path + (i,)
        key, op, value, effect = t.get("key") or "", t.get("operator") or "", t.get("value") or "", t.get("effect") or ""
        if key:
            errs += validate_label_name(key, ip + ("key",))
        if not key and op != "Exists":
            errs.append(invalid(ip + ("operator",), op,
                                "operator must be Exists when `key` is empty, which means \"match all values and all keys\""))
        if t.get("tolerationSeconds") is not None and effect != "NoExecute":
            errs.append(invalid(ip + ("effect",), effect, "effect must be 'NoExecute' when `tolerationSeconds` is set"))
        if op in ("Equal", ""):
            if isinstance(value, str):
                msgs = is_valid_label_value(value)
                if msgs:
                    errs.append(invalid(ip + ("operator",), value, ";".join(msgs)))
        elif op == "Exists":
            if value:
                errs.append(invalid(ip + ("operator",), t, "value must be empty when `operator` is 'Exists'"))
        elif op in ("Gt", "Lt"):
            # TaintTolerationComparisonOperators (alpha in v1.35) treated as enabled: the manifests we
            # must accept use it; the value has to be an integer.
            if not (isinstance(value, str) and re.fullmatch(r"[+-]?[0-9]+", value)):
                errs.append(invalid(ip + ("value",), value, "value must be a valid integer for numeric comparison operators"))
        else:
            errs.append(not_supported(ip + ("operator",), op, ["Equal", "Exists", "Gt", "Lt"]))
        if effect:
            errs += validate_taint_effect(effect, True, ip + ("effect",))
    return errs


def _validate_node_selector_requirement(req: Any, path: Path) -> ErrorList:
    req = as_dict(req)
    errs: ErrorList = []
    op, values = req.get("operator"), as_list(req.get("values"))
    if op in ("In", "NotIn"):
        if not values:
            errs.append(required(path + ("values",), "must be specified when `operator` is 'In' or 'NotIn'"))
    elif op in ("Exists", "DoesNotExist"):
        if values:
            errs.append(forbidden(path + ("values",), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"))
    elif op in ("Gt", "Lt"):
        if len(values) != 1:
            errs.append(required(path + ("values",), "must be specified single value when `operator` is 'Lt' or 'Gt'"))
    else:
        errs.append(invalid(path + ("operator",), op, "not a valid selector operator"))
    errs += validate_label_name(req.get("key", ""), path + ("key",))
    return errs


def _validate_node_field_selector_requirement(req: Any, path: Path) -> ErrorList:
    req = as_dict(req)
    errs: ErrorList = []
    op, values = req.get("operator"), as_list(req.get("values"))
    if op in ("In", "NotIn"):
        if len(values) != 1:
            errs.append(required(path + ("values",), "must be only one value when `operator` is 'In' or 'NotIn' for node field selector"))
    else:
        errs.append(invalid(path + ("operator",), op, "not a valid selector operator"))
    if req.get("key") != "metadata.name":
        errs.append(invalid(path + ("key",), req.get("key"), "not a valid field selector key"))
    return errs


def _validate_node_selector_term(term: Any, path: Path) -> ErrorList:
    term = as_dict(term)
    errs: ErrorList = []
    for j, r in enumerate(as_list(term.get("matchExpressions"))):
        errs += _validate_node_selector_requirement(r, path + ("matchExpressions", j))
    for j, r in enumerate(as_list(term.get("matchFields"))):
        errs += _validate_node_field_selector_requirement(r, path + ("matchFields", j))
    return errs


def validate_node_selector(ns: Any, path: Path) -> ErrorList:
    """``ValidateNodeSelector`` (required node affinity / PV node affinity)."""
    terms = as_list(as_dict(ns).get("nodeSelectorTerms"))
    if not terms:
        return [required(path + ("nodeSelectorTerms",), "must have at least one node selector term")]
    errs: ErrorList = []
    for i, t in enumerate(terms):
        errs += _validate_node_selector_term(t, path + ("nodeSelectorTerms", i))
    return errs


def _weight(w: Any, path: Path) -> ErrorList:
    if is_int(w) and not (1 <= w <= 100):
        return [invalid(path, w, "must be in the range 1-100")]
    return []


def _validate_pod_affinity_term(term: Any, path: Path) -> ErrorList:
    term = as_dict(term)
    errs = validate_label_selector(term.get("labelSelector"), path + ("labelSelector",))
    errs += validate_label_selector(term.get("namespaceSelector"), path + ("namespaceSelector",))
    for i, ns in enumerate(as_list(term.get("namespaces"))):
        if isinstance(ns, str):
            errs += [invalid(path + ("namespaces", i), ns, m) for m in is_dns1123_label(ns)]
    tk = term.get("topologyKey")
    if not tk:
        errs.append(required(path + ("topologyKey",), "can not be empty"))
    else:
        errs += validate_label_name(tk, path + ("topologyKey",))
    return errs


def validate_affinity(aff: Any, path: Path) -> ErrorList:
    aff = as_dict(aff)
    errs: ErrorList = []
    na = as_dict(aff.get("nodeAffinity"))
    req = na.get("requiredDuringSchedulingIgnoredDuringExecution")
    if req is not None:
        errs += validate_node_selector(req, path + ("nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution"))
    for i, p in enumerate(as_list(na.get("preferredDuringSchedulingIgnoredDuringExecution"))):
        pp = path + ("nodeAffinity", "preferredDuringSchedulingIgnoredDuringExecution", i)
        errs += _weight(as_dict(p).get("weight"), pp + ("weight",))
        errs += _validate_node_selector_term(as_dict(p).get("preference"), pp + ("preference",))
    for kind in ("podAffinity", "podAntiAffinity"):
        pa = as_dict(aff.get(kind))
        for i, t in enumerate(as_list(pa.get("requiredDuringSchedulingIgnoredDuringExecution"))):
            errs += _validate_pod_affinity_term(t, path + (kind, "requiredDuringSchedulingIgnoredDuringExecution", i))
        for i, w in enumerate(as_list(pa.get("preferredDuringSchedulingIgnoredDuringExecution"))):
            wp = path + (kind, "preferredDuringSchedulingIgnoredDuringExecution", i)
            errs += _weight(as_dict(w).get("weight"), wp + ("weight",))
            errs += _validate_pod_affinity_term(as_dict(w).get("podAffinityTerm"), wp + ("podAffinityTerm",))
    return errs


def validate_topology_spread_constraints(tscs: Any, path: Path) -> ErrorList:
    """``validateTopologySpreadConstraints``."""
    errs: ErrorList = []
    items = [as_dict(c) for c in as_list(tscs)]
    for i, c in enumerate(items):
        ip = path + (i,)
        ms = c.get("maxSkew")
        if is_int(ms) and ms <= 0:
            errs.append(invalid(ip + ("maxSkew",), ms, "must be greater than zero"))
        tk = c.get("topologyKey")
        if not tk:
            errs.append(required(ip + ("topologyKey",), "can not be empty"))
        elif isinstance(tk, str):
            errs += [invalid(ip + ("topologyKey",), tk, m) for m in is_qualified_name(tk)]
        wu = c.get("whenUnsatisfiable")
        if wu not in WHEN_UNSATISFIABLE:
            errs.append(not_supported(ip + ("whenUnsatisfiable",), wu or "", WHEN_UNSATISFIABLE))
        for other in items[i + 1:]:
            if other.get("topologyKey") == tk and other.get("whenUnsatisfiable") == wu:
                errs.append(duplicate(ip + ("{topologyKey, whenUnsatisfiable}",), f"{{{tk}, {wu}}}"))
                break
        md = c.get("minDomains")
        if md is not None:
            if is_int(md) and md <= 0:
                errs.append(invalid(ip + ("minDomains",), md, "must be greater than zero"))
            if wu != "DoNotSchedule":
                errs.append(invalid(ip + ("minDomains",), md,
                                    f"can only use minDomains if whenUnsatisfiable=DoNotSchedule, not {wu}"))
        for k in ("nodeAffinityPolicy", "nodeTaintsPolicy"):
            v = c.get(k)
            if v is not None and v not in NODE_INCLUSION_POLICIES:
                errs.append(not_supported(ip + (k,), v, NODE_INCLUSION_POLICIES))
        errs += validate_label_selector(c.get("labelSelector"), ip + ("labelSelector",))
        sel_keys = set(as_dict(as_dict(c.get("labelSelector")).get("matchLabels")))
        sel_keys |= {as_dict(e).get("key") for e in as_list(as_dict(c.get("labelSelector")).get("matchExpressions"))}
        for j, k in enumerate(as_list(c.get("matchLabelKeys"))):
            kp = ip + ("matchLabelKeys", j)
            errs += validate_label_name(k, kp)
            if k in sel_keys:
                errs.append(invalid(kp, k, "exists in both matchLabelKeys and labelSelector"))
    return errs


# ---------------------------------------------------------------------------------------------
# pod spec
# ---------------------------------------------------------------------------------------------

def _validate_volumes(vols: Any, path: Path) -> tuple[ErrorList, set]:
    errs: ErrorList = []
    names: set = set()
    for i, v in enumerate(as_list(vols)):
        name = as_dict(v).get("name")
        if not name:
            errs.append(required(path + (i, "name"), ""))
        elif isinstance(name, str):
            errs += [invalid(path + (i, "name"), name, m) for m in is_dns1123_label(name)]
            if name in names:
                errs.append(duplicate(path + (i, "name"), name))
            names.add(name)
    return errs, names


def validate_pod_spec(spec: Any, path: Path, extra_volumes: tuple = ()) -> ErrorList:
    """``ValidatePodSpec`` for the modelled fields (``extra_volumes``: StatefulSet claim template names)."""
    spec = as_dict(spec)
    errs, volumes = _validate_volumes(spec.get("volumes"), path + ("volumes",))
    volumes |= {v for v in extra_volumes if isinstance(v, str)}
    errs += _validate_containers(spec, path, volumes)
    rp = spec.get("restartPolicy")
    if rp in (None, ""):
        errs.append(required(path + ("restartPolicy",), ""))
    elif rp not in RESTART_POLICIES:
        errs.append(not_supported(path + ("restartPolicy",), rp, RESTART_POLICIES))
    dp = spec.get("dnsPolicy")
    if dp not in (None, "") and dp not in DNS_POLICIES:
        errs.append(not_supported(path + ("dnsPolicy",), dp, DNS_POLICIES))
    errs += validate_labels(spec.get("nodeSelector"), path + ("nodeSelector",))
    sa = spec.get("serviceAccountName")
    if isinstance(sa, str) and sa:
        errs += [invalid(path + ("serviceAccountName",), sa, m) for m in is_dns1123_subdomain(sa)]
    nn = spec.get("nodeName")
    if isinstance(nn, str) and nn:
        errs += [invalid(path + ("nodeName",), nn, m) for m in is_dns1123_subdomain(nn)]
    ads = spec.get("activeDeadlineSeconds")
    if is_int(ads) and not (1 <= ads <= 2**31 - 1):
        errs.append(invalid(path + ("activeDeadlineSeconds",), ads, "must be between 1 and 2147483647, inclusive"))
    errs += validate_nonnegative(spec.get("terminationGracePeriodSeconds"), path + ("terminationGracePeriodSeconds",))
    if spec.get("affinity") is not None:
        errs += validate_affinity(spec.get("affinity"), path + ("affinity",))
    errs += validate_tolerations(spec.get("tolerations"), path + ("tolerations",))
    errs += validate_topology_spread_constraints(spec.get("topologySpreadConstraints"), path + ("topologySpreadConstraints",))
    pcn = spec.get("priorityClassName")
    if isinstance(pcn, str) and pcn:
        errs += [invalid(path + ("priorityClassName",), pcn, m) for m in is_dns1123_subdomain(pcn)]
    sn = spec.get("schedulerName")
    if isinstance(sn, str) and sn:
        errs += [invalid(path + ("schedulerName",), sn, m) for m in is_dns1123_subdomain(sn)]
    hn = spec.get("hostname")
    if isinstance(hn, str) and hn:
        errs += [invalid(path + ("hostname",), hn, m) for m in is_dns1123_label(hn)]
    sd = spec.get("subdomain")
    if isinstance(sd, str) and sd:
        errs += [invalid(path + ("subdomain",), sd, m) for m in is_dns1123_label(sd)]
    gates: set = set()
    for i, g in enumerate(as_list(spec.get("schedulingGates"))):
        gn = as_dict(g).get("name")
        if isinstance(gn, str):
            errs += [invalid(path + ("schedulingGates", i, "name"), gn, m) for m in is_qualified_name(gn)]
            if gn in gates:
                errs.append(duplicate(path + ("schedulingGates", i, "name"), gn))
            gates.add(gn)
    if spec.get("hostNetwork") is True:
        for kind in ("initContainers", "containers"):
            for i, c in enumerate(as_list(spec.get(kind))):
                for j, p in enumerate(as_list(as_dict(c).get("ports"))):
                    p = as_dict(p)
                    if is_int(p.get("hostPort")) and p.get("hostPort") not in (0, p.get("containerPort")):
                        errs.append(invalid(path + (kind, i, "ports", j, "containerPort"), p.get("containerPort"),
                                            "must match `hostPort` when `hostNetwork` is true"))
    errs += validate_resource_requirements(spec.get("resources"), path + ("resources",), pod_level=True)
    return errs


def validate_pod_template_spec(tpl: Any, path: Path, extra_volumes: tuple = ()) -> ErrorList:
    """``ValidatePodTemplateSpec``: template labels/annotations and the pod spec."""
    if tpl is None:
        return [required(path, "")]
    tpl = as_dict(tpl)
    md = as_dict(tpl.get("metadata"))
    errs = validate_labels(md.get("labels"), path + ("metadata", "labels"))
    errs += validate_annotations(md.get("annotations"), path + ("metadata", "annotations"))
    errs += validate_pod_spec(tpl.get("spec"), path + ("spec",), extra_volumes)
    return errs


def validate_pod(obj: dict) -> ErrorList:
    return validate_pod_spec(obj.get("spec"), ("spec",))


def validate_pod_template(obj: dict) -> ErrorList:
    return validate_pod_template_spec(obj.get("template"), ("template",))


__all__ = [
    "validate_pod", "validate_pod_spec", "validate_pod_template_spec", "validate_pod_template",
    "validate_tolerations", "validate_affinity", "validate_node_selector", "validate_taint_effect",
    "validate_topology_spread_constraints", "validate_probe", "as_str",
]
