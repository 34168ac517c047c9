"""API defaulting of manifest dicts, as the kube-apiserver applies it on create.

Mirrors the ``SetDefaults_*`` functions (and the declarative ``+default`` markers the generated
``zz_generated.defaults.go`` applies) of:

* ``pkg/apis/core/v1/defaults.go`` -- Pod, PodSpec, Container, Probe, HTTPGetAction, volumes,
  Service, PersistentVolume(Claim), Namespace, Node, LimitRangeItem, ResourceList, ReplicationController
* ``pkg/apis/apps/v1/defaults.go`` -- Deployment, ReplicaSet, StatefulSet, DaemonSet
* ``pkg/apis/batch/v1/defaults.go`` -- Job, CronJob
* ``pkg/apis/autoscaling/v2/defaults.go`` (and ``v1``) -- HorizontalPodAutoscaler
* ``pkg/apis/storage/v1/defaults.go`` -- StorageClass
* ``pkg/apis/scheduling/v1/defaults.go`` -- PriorityClass
* (the DefaultTolerationSeconds admission plugin acts on typed pods: :mod:`k8ssim.admission`)

Everything works on plain camelCase dicts and never raises on odd input: a field of the wrong type is
left alone for validation to report. As upstream, ``SetDefaults_Pod`` parts (requests from limits,
``enableServiceLinks``, host-network ports) apply to Pods only, not to pod templates, and a Job
template's ``restartPolicy`` defaults to ``Always`` (which Job validation then rejects).
"""
from __future__ import annotations

from typing import Any

from .quantity import QuantityError, parse_quantity

__all__ = ["apply_defaults", "default_pod_spec", "image_tag"]

DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 30
DEFAULT_SCHEDULER_NAME = "default-scheduler"
TERMINATION_MESSAGE_PATH_DEFAULT = "/dev/termination-log"
DEFAULT_CLIENT_IP_SERVICE_AFFINITY_SECONDS = 10800
DEFAULT_CPU_UTILIZATION = 80
VOLUME_DEFAULT_MODE = 0o644  # Secret/ConfigMap/DownwardAPI/Projected DefaultMode (420)


def _d(v: Any) -> dict | None:
    return v if isinstance(v, dict) else None


def _l(v: Any) -> list:
    return v if isinstance(v, list) else []


def _sub(obj: dict, key: str) -> dict | None:
    """``obj[key]`` when it is a dict, else None (never creates)."""
    return _d(obj.get(key))


def _ensure(obj: dict, key: str) -> dict | None:
    """``obj[key]``, created as ``{}`` when missing/None; None when it is of a wrong type."""
    v = obj.get(key)
    if v is None:
        v = obj[key] = {}
    return _d(v)


def _setdefault(obj: dict, key: str, value: Any) -> None:
    """Set when missing, None or "" (the Go zero value of an optional string/pointer)."""
    if obj.get(key) in (None, ""):
        obj[key] = value


# ---------------------------------------------------------------------------------------------
# core/v1
# ---------------------------------------------------------------------------------------------

def image_tag(image: str) -> str:
    """The tag ``parsers.ParseImageName`` finds: ``latest`` when neither tag nor digest is given."""
    if not isinstance(image, str):
        return ""
    name, _, digest = image.partition("@")
    last = name.rsplit("/", 1)[-1]
    tag = last.rsplit(":", 1)[1] if ":" in last else ""
    if not tag and not digest:
        return "latest"
    return tag


def default_resource_list(rl: Any) -> None:
    """``SetDefaults_ResourceList``: round every quantity up to milli precision (``0.1m`` -> ``1m``)."""
    rl = _d(rl)
    if not rl:
        return
    for k, v in list(rl.items()):
        try:
            q = parse_quantity(v)
        except QuantityError:
            continue
        if q.unscaled and q.exponent < -3:
            rl[k] = _milli_string(q)


def _milli_string(q) -> str:
    from .quantity import Quantity

    milli = q.milli_value()
    return Quantity(milli, -3, q.format if q.format != "BinarySI" else "DecimalSI").canonical()


def _default_probe(p: Any) -> None:
    p = _d(p)
    if p is None:
        return
    for k, v in (("timeoutSeconds", 1), ("periodSeconds", 10), ("successThreshold", 1), ("failureThreshold", 3)):
        if p.get(k) in (None, 0):
            p[k] = v
    _default_handler(p)


def _default_handler(h: Any) -> None:
    h = _d(h)
    if h is None:
        return
    hg = _sub(h, "httpGet")
    if hg is not None:
        _setdefault(hg, "path", "/")
        _setdefault(hg, "scheme", "HTTP")


def _default_container(c: Any) -> None:
    c = _d(c)
    if c is None:
        return
    if c.get("imagePullPolicy") in (None, ""):
        c["imagePullPolicy"] = "Always" if image_tag(c.get("image", "")) == "latest" else "IfNotPresent"
    _setdefault(c, "terminationMessagePath", TERMINATION_MESSAGE_PATH_DEFAULT)
    _setdefault(c, "terminationMessagePolicy", "File")
    for p in _l(c.get("ports")):
        if isinstance(p, dict):
            _setdefault(p, "protocol", "TCP")
    for k in ("livenessProbe", "readinessProbe", "startupProbe"):
        _default_probe(c.get(k))
    lc = _sub(c, "lifecycle")
    if lc is not None:
        _default_handler(lc.get("postStart"))
        _default_handler(lc.get("preStop"))
    for e in _l(c.get("env")):
        vf = _sub(e, "valueFrom") if isinstance(e, dict) else None
        fr = _sub(vf, "fieldRef") if vf else None
        if fr is not None:
            _setdefault(fr, "apiVersion", "v1")
    res = _sub(c, "resources")
    if res is not None:
        default_resource_list(res.get("limits"))
        default_resource_list(res.get("requests"))


_VOLUME_SOURCES = (
    "hostPath", "emptyDir", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "secret", "nfs",
    "iscsi", "glusterfs", "persistentVolumeClaim", "rbd", "flexVolume", "cinder", "cephfs", "flocker",
    "downwardAPI", "fc", "azureFile", "configMap", "vsphereVolume", "quobyte", "azureDisk",
    "photonPersistentDisk", "projected", "portworxVolume", "scaleIO", "storageos", "csi", "ephemeral", "image",
)


def _default_volume(v: Any) -> None:
    v = _d(v)
    if v is None:
        return
    if not any(v.get(s) is not None for s in _VOLUME_SOURCES):
        v["emptyDir"] = {}
    for src in ("secret", "configMap", "downwardAPI", "projected"):
        s = _sub(v, src)
        if s is not None and s.get("defaultMode") is None:
            s["defaultMode"] = VOLUME_DEFAULT_MODE
    hp = _sub(v, "hostPath")
    if hp is not None and hp.get("type") is None:
        hp["type"] = ""
    pj = _sub(v, "projected")
    if pj is not None:
        for src in _l(pj.get("sources")):
            sat = _sub(src, "serviceAccountToken") if isinstance(src, dict) else None
            if sat is not None and sat.get("expirationSeconds") is None:
                sat["expirationSeconds"] = 3600
    img = _sub(v, "image")
    if img is not None and img.get("pullPolicy") in (None, ""):
        img["pullPolicy"] = "Always" if image_tag(img.get("reference", "")) == "latest" else "IfNotPresent"
    eph = _sub(v, "ephemeral")
    vct = _sub(eph, "volumeClaimTemplate") if eph else None
    if vct is not None:
        _default_pvc_spec(vct.get("spec"))


def default_pod_spec(spec: Any) -> None:
    """``SetDefaults_PodSpec`` plus the per-field defaults the generated defaulter applies inside it."""
    spec = _d(spec)
    if spec is None:
        return
    _setdefault(spec, "dnsPolicy", "ClusterFirst")
    _setdefault(spec, "restartPolicy", "Always")
    if spec.get("securityContext") is None:
        spec["securityContext"] = {}
    if spec.get("terminationGracePeriodSeconds") is None:
        spec["terminationGracePeriodSeconds"] = DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS
    _setdefault(spec, "schedulerName", DEFAULT_SCHEDULER_NAME)
    for key in ("initContainers", "containers", "ephemeralContainers"):
        for c in _l(spec.get(key)):
            _default_container(c)
    for v in _l(spec.get("volumes")):
        _default_volume(v)
    res = _sub(spec, "resources")
    if res is not None:
        default_resource_list(res.get("limits"))
        default_resource_list(res.get("requests"))
    ov = spec.get("overhead")
    default_resource_list(ov)


def _default_pod(obj: dict) -> None:
    """``SetDefaults_Pod`` + PodSpec defaults."""
    spec = _sub(obj, "spec")
    if spec is None:
        return
    default_pod_spec(spec)
    for key in ("containers", "initContainers"):
        for c in _l(spec.get(key)):
            if not isinstance(c, dict):
                continue
            res = _sub(c, "resources")
            lim = _sub(res, "limits") if res else None
            if lim:  # requests default to limits for each resource with a limit and no request
                req = res.get("requests")
                if req is None:
                    req = res["requests"] = {}
                if isinstance(req, dict):
                    for k, v in lim.items():
                        req.setdefault(k, v)
    if spec.get("enableServiceLinks") is None:
        spec["enableServiceLinks"] = True
    if spec.get("hostNetwork") is True:
        for key in ("containers", "initContainers"):
            for c in _l(spec.get(key)):
                for p in _l(c.get("ports")) if isinstance(c, dict) else []:
                    if isinstance(p, dict) and p.get("hostPort") in (None, 0):
                        p["hostPort"] = p.get("containerPort")


def _default_pod_template(tpl: Any) -> None:
    tpl = _d(tpl)
    if tpl is not None:
        default_pod_spec(tpl.get("spec"))


def _default_pvc_spec(spec: Any) -> None:
    spec = _d(spec)
    if spec is None:
        return
    if spec.get("volumeMode") is None:
        spec["volumeMode"] = "Filesystem"
    res = _sub(spec, "resources")
    if res is not None:
        default_resource_list(res.get("requests"))
        default_resource_list(res.get("limits"))


def _default_pvc(obj: dict) -> None:
    status = _ensure(obj, "status")
    if status is not None:
        _setdefault(status, "phase", "Pending")
    _default_pvc_spec(obj.get("spec"))


def _default_pv(obj: dict) -> None:
    status = _ensure(obj, "status")
    if status is not None:
        _setdefault(status, "phase", "Pending")
    spec = _sub(obj, "spec")
    if spec is None:
        return
    _setdefault(spec, "persistentVolumeReclaimPolicy", "Retain")
    if spec.get("volumeMode") is None:
        spec["volumeMode"] = "Filesystem"
    hp = _sub(spec, "hostPath")
    if hp is not None and hp.get("type") is None:
        hp["type"] = ""
    default_resource_list(spec.get("capacity"))


def _externally_accessible(spec: dict) -> bool:
    t = spec.get("type")
    return t in ("LoadBalancer", "NodePort") or (t == "ClusterIP" and bool(spec.get("externalIPs")))


def _default_service(obj: dict) -> None:
    spec = _sub(obj, "spec")
    if spec is None:
        return
    _setdefault(spec, "sessionAffinity", "None")
    if spec.get("sessionAffinity") == "None":
        spec.pop("sessionAffinityConfig", None)
    if spec.get("sessionAffinity") == "ClientIP":
        sac = _d(spec.get("sessionAffinityConfig"))
        cip = _d(sac.get("clientIP")) if sac else None
        if cip is None or cip.get("timeoutSeconds") is None:
            spec["sessionAffinityConfig"] = {"clientIP": {"timeoutSeconds": DEFAULT_CLIENT_IP_SERVICE_AFFINITY_SECONDS}}
    _setdefault(spec, "type", "ClusterIP")
    for p in _l(spec.get("ports")):
        if not isinstance(p, dict):
            continue
        _setdefault(p, "protocol", "TCP")
        if p.get("targetPort") in (None, 0, ""):
            p["targetPort"] = p.get("port")
    if _externally_accessible(spec):
        _setdefault(spec, "externalTrafficPolicy", "Cluster")
    if spec.get("internalTrafficPolicy") is None and spec.get("type") in ("NodePort", "LoadBalancer", "ClusterIP"):
        spec["internalTrafficPolicy"] = "Cluster"
    if spec.get("type") == "LoadBalancer" and spec.get("allocateLoadBalancerNodePorts") is None:
        spec["allocateLoadBalancerNodePorts"] = True


def _default_namespace(obj: dict) -> None:
    md = _sub(obj, "metadata")
    name = md.get("name") if md else None
    if isinstance(name, str) and name:
        labels = _ensure(md, "labels")
        if labels is not None:
            labels["kubernetes.io/metadata.name"] = name
    status = _ensure(obj, "status")
    if status is not None:
        _setdefault(status, "phase", "Active")


def _default_node(obj: dict) -> None:
    status = _sub(obj, "status")
    if status is None:
        return
    default_resource_list(status.get("capacity"))
    default_resource_list(status.get("allocatable"))
    if status.get("allocatable") is None and isinstance(status.get("capacity"), dict):
        status["allocatable"] = dict(status["capacity"])


def _default_limit_range(obj: dict) -> None:
    spec = _sub(obj, "spec")
    for item in _l(spec.get("limits")) if spec else []:
        if not isinstance(item, dict):
            continue
        for k in ("max", "min", "default", "defaultRequest", "maxLimitRequestRatio"):
            default_resource_list(item.get(k))
        if item.get("type") != "Container":
            continue
        dflt = _ensure(item, "default")
        dreq = _ensure(item, "defaultRequest")
        if dflt is None or dreq is None:
            continue
        for k, v in (_d(item.get("max")) or {}).items():  # default limit <- max
            dflt.setdefault(k, v)
        for k, v in dflt.items():  # default request <- default limit
            dreq.setdefault(k, v)
        for k, v in (_d(item.get("min")) or {}).items():  # default request <- min
            dreq.setdefault(k, v)


def _default_resource_quota(obj: dict) -> None:
    spec = _sub(obj, "spec")
    if spec is not None:
        default_resource_list(spec.get("hard"))


def _default_replication_controller(obj: dict) -> None:
    spec = _sub(obj, "spec")
    if spec is None:
        return
    tpl = _sub(spec, "template")
    md = _sub(tpl, "metadata") if tpl else None
    labels = _d(md.get("labels")) if md else None
    if labels is not None:
        if not spec.get("selector"):
            spec["selector"] = dict(labels)
        meta = _ensure(obj, "metadata")
        if meta is not None and not meta.get("labels"):
            meta["labels"] = dict(labels)
    if spec.get("replicas") is None:
        spec["replicas"] = 1
    _default_pod_template(tpl)


# ---------------------------------------------------------------------------------------------
# apps/v1
# ---------------------------------------------------------------------------------------------

def _default_deployment(obj: dict) -> None:
    spec = _sub(obj, "spec")
    if spec is None:
        return
    if spec.get("replicas") is None:
        spec["replicas"] = 1
    strategy = _ensure(spec, "strategy")
    if strategy is not None:
        _setdefault(strategy, "type", "RollingUpdate")
        if strategy.get("type") == "RollingUpdate":
            ru = _ensure(strategy, "rollingUpdate")
            if ru is not None:
                if ru.get("maxUnavailable") is None:
                    ru["maxUnavailable"] = "25%"
                if ru.get("maxSurge") is None:
                    ru["maxSurge"] = "25%"
    if spec.get("revisionHistoryLimit") is None:
        spec["revisionHistoryLimit"] = 10
    if spec.get("progressDeadlineSeconds") is None:
        spec["progressDeadlineSeconds"] = 600
    _default_pod_template(spec.get("template"))


def _default_replica_set(obj: dict) -> None:
    spec = _sub(obj, "spec")
    if spec is None:
        return
    if spec.get("replicas") is None:
        spec["replicas"] = 1
    _default_pod_template(spec.get("template"))


def _default_stateful_set(obj: dict) -> None:
    spec = _sub(obj, "spec")
    if spec is None:
        return
    _setdefault(spec, "podManagementPolicy", "OrderedReady")
    us = _ensure(spec, "updateStrategy")
    if us is not None:
        _setdefault(us, "type", "RollingUpdate")
        if us.get("type") == "RollingUpdate":
            ru = _ensure(us, "rollingUpdate")
            if ru is not None and ru.get("partition") is None:
                ru["partition"] = 0
    pol = _ensure(spec, "persistentVolumeClaimRetentionPolicy")
    if pol is not None:
        _setdefault(pol, "whenDeleted", "Retain")
        _setdefault(pol, "whenScaled", "Retain")
    if spec.get("replicas") is None:
        spec["replicas"] = 1
    if spec.get("revisionHistoryLimit") is None:
        spec["revisionHistoryLimit"] = 10
    _default_pod_template(spec.get("template"))
    for pvc in _l(spec.get("volumeClaimTemplates")):
        if isinstance(pvc, dict):
            _default_pvc(pvc)


def _default_daemon_set(obj: dict) -> None:
    spec = _sub(obj, "spec")
    if spec is None:
        return
    us = _ensure(spec, "updateStrategy")
    if us is not None:
        _setdefault(us, "type", "RollingUpdate")
        if us.get("type") == "RollingUpdate":
            ru = _ensure(us, "rollingUpdate")
            if ru is not None:
                if ru.get("maxUnavailable") is None:
                    ru["maxUnavailable"] = 1
                if ru.get("maxSurge") is None:
                    ru["maxSurge"] = 0
    if spec.get("revisionHistoryLimit") is None:
        spec["revisionHistoryLimit"] = 10
    _default_pod_template(spec.get("template"))


# ---------------------------------------------------------------------------------------------
# batch/v1
# ---------------------------------------------------------------------------------------------

def _default_job(obj: dict) -> None:
    spec = _sub(obj, "spec")
    if spec is None:
        return
    if spec.get("completions") is None and spec.get("parallelism") is None:
        spec["completions"] = 1
        spec["parallelism"] = 1
    if spec.get("parallelism") is None:
        spec["parallelism"] = 1
    if spec.get("backoffLimit") is None:
        spec["backoffLimit"] = 2**31 - 1 if spec.get("backoffLimitPerIndex") is not None else 6
    tpl = _sub(spec, "template")
    tmd = _sub(tpl, "metadata") if tpl else None
    tlabels = _d(tmd.get("labels")) if tmd else None
    if tlabels is not None:
        meta = _ensure(obj, "metadata")
        if meta is not None and not meta.get("labels"):
            meta["labels"] = dict(tlabels)
    _setdefault(spec, "completionMode", "NonIndexed")
    if spec.get("suspend") is None:
        spec["suspend"] = False
    pfp = _sub(spec, "podFailurePolicy")
    for rule in _l(pfp.get("rules")) if pfp else []:
        for pat in _l(rule.get("onPodConditions")) if isinstance(rule, dict) else []:
            if isinstance(pat, dict):
                _setdefault(pat, "status", "True")
    if spec.get("podReplacementPolicy") is None:
        spec["podReplacementPolicy"] = "Failed" if pfp is not None else "TerminatingOrFailed"
    if spec.get("manualSelector") is None:
        spec["manualSelector"] = False
    _default_pod_template(tpl)


def _default_cron_job(obj: dict) -> None:
    spec = _sub(obj, "spec")
    if spec is None:
        return
    _setdefault(spec, "concurrencyPolicy", "Allow")
    if spec.get("suspend") is None:
        spec["suspend"] = False
    if spec.get("successfulJobsHistoryLimit") is None:
        spec["successfulJobsHistoryLimit"] = 3
    if spec.get("failedJobsHistoryLimit") is None:
        spec["failedJobsHistoryLimit"] = 1
    jt = _sub(spec, "jobTemplate")
    js = _sub(jt, "spec") if jt else None
    if js is not None:  # JobTemplateSpec: only the pod template is defaulted, not SetDefaults_Job
        _default_pod_template(js.get("template"))


# ---------------------------------------------------------------------------------------------
# autoscaling, policy, scheduling, storage
# ---------------------------------------------------------------------------------------------

def _scaling_rules(user: Any, default: dict) -> Any:
    """``copyHPAScalingRules``: non-nil user fields over the defaults."""
    if user is None:
        return default
    if not isinstance(user, dict):
        return user
    out = dict(default)
    for k, v in user.items():
        if v is not None:
            out[k] = v
    return out


def _default_hpa(obj: dict) -> None:
    spec = _sub(obj, "spec")
    if spec is None:
        return
    if spec.get("minReplicas") is None:
        spec["minReplicas"] = 1
    if str(obj.get("apiVersion", "")) == "autoscaling/v1":
        return
    if not spec.get("metrics"):
        spec["metrics"] = [{"type": "Resource", "resource": {
            "name": "cpu", "target": {"type": "Utilization", "averageUtilization": DEFAULT_CPU_UTILIZATION}}}]
    beh = _sub(spec, "behavior")
    if beh is not None:
        beh["scaleUp"] = _scaling_rules(beh.get("scaleUp"), {
            "stabilizationWindowSeconds": 0, "selectPolicy": "Max",
            "policies": [{"type": "Pods", "value": 4, "periodSeconds": 15},
                         {"type": "Percent", "value": 100, "periodSeconds": 15}]})
        beh["scaleDown"] = _scaling_rules(beh.get("scaleDown"), {
            "selectPolicy": "Max", "policies": [{"type": "Percent", "value": 100, "periodSeconds": 15}]})


def _default_storage_class(obj: dict) -> None:
    _setdefault(obj, "reclaimPolicy", "Delete")
    _setdefault(obj, "volumeBindingMode", "Immediate")


def _default_priority_class(obj: dict) -> None:
    _setdefault(obj, "preemptionPolicy", "PreemptLowerPriority")


def _default_pod_template_kind(obj: dict) -> None:
    _default_pod_template(obj.get("template"))


_BY_KIND = {
    ("", "Pod"): _default_pod,
    ("", "PodTemplate"): _default_pod_template_kind,
    ("", "ReplicationController"): _default_replication_controller,
    ("", "Service"): _default_service,
    ("", "PersistentVolume"): _default_pv,
    ("", "PersistentVolumeClaim"): _default_pvc,
    ("", "Namespace"): _default_namespace,
    ("", "Node"): _default_node,
    ("", "LimitRange"): _default_limit_range,
    ("", "ResourceQuota"): _default_resource_quota,
    ("apps", "Deployment"): _default_deployment,
    ("apps", "ReplicaSet"): _default_replica_set,
    ("apps", "StatefulSet"): _default_stateful_set,
    ("apps", "DaemonSet"): _default_daemon_set,
    ("batch", "Job"): _default_job,
    ("batch", "CronJob"): _default_cron_job,
    ("autoscaling", "HorizontalPodAutoscaler"): _default_hpa,
    ("storage.k8s.io", "StorageClass"): _default_storage_class,
    ("scheduling.k8s.io", "PriorityClass"): _default_priority_class,
}


def _group(api_version: Any) -> str:
    if not isinstance(api_version, str) or "/" not in api_version:
        return ""
    return api_version.split("/", 1)[0]


def apply_defaults(obj: dict) -> None:
    """Default ``obj`` in place according to its ``apiVersion``/``kind``; unknown kinds are untouched."""
    if not isinstance(obj, dict):
        return
    fn = _BY_KIND.get((_group(obj.get("apiVersion")), obj.get("kind") if isinstance(obj.get("kind"), str) else ""))
    if fn is not None:
        fn(obj)
