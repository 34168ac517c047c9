"""apply_defaults against the upstream SetDefaults_* values (core/v1, apps/v1, batch/v1, autoscaling/v2,
storage/v1, scheduling/v1 defaults.go) and the DefaultTolerationSeconds admission plugin."""
from __future__ import annotations

import copy

import pytest

from k8ssim.api.defaults import apply_defaults, image_tag


def pod(**spec):
    spec.setdefault("containers", [{"name": "c", "image": "nginx:1.25"}])
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": spec}


def tpl(**spec):
    spec.setdefault("containers", [{"name": "c", "image": "nginx:1.25"}])
    return {"metadata": {"labels": {"app": "a"}}, "spec": spec}


def defaulted(obj):
    obj = copy.deepcopy(obj)
    apply_defaults(obj)
    return obj


# ---- SetDefaults_PodSpec / SetDefaults_Container / SetDefaults_Probe ----
def test_pod_spec_defaults():
    s = defaulted(pod())["spec"]
    assert s["dnsPolicy"] == "ClusterFirst"
    assert s["restartPolicy"] == "Always"
    assert s["schedulerName"] == "default-scheduler"
    assert s["terminationGracePeriodSeconds"] == 30
    assert s["securityContext"] == {}
    assert s["enableServiceLinks"] is True  # SetDefaults_Pod
    c = s["containers"][0]
    assert c["terminationMessagePath"] == "/dev/termination-log"
    assert c["terminationMessagePolicy"] == "File"


@pytest.mark.parametrize("image,policy", [
    ("nginx", "Always"), ("nginx:latest", "Always"), ("nginx:1.25", "IfNotPresent"),
    ("registry:5000/team/app", "Always"), ("registry:5000/team/app:v1", "IfNotPresent"),
    ("nginx@sha256:" + "a" * 64, "IfNotPresent"),
])
def test_image_pull_policy(image, policy):
    s = defaulted(pod(containers=[{"name": "c", "image": image}]))["spec"]
    assert s["containers"][0]["imagePullPolicy"] == policy


def test_image_tag():
    assert image_tag("busybox") == "latest"
    assert image_tag("gcr.io/x/y:1.0") == "1.0"


def test_explicit_values_kept():
    s = defaulted(pod(restartPolicy="Never", terminationGracePeriodSeconds=0,
                      containers=[{"name": "c", "image": "x", "imagePullPolicy": "Never"}]))["spec"]
    assert s["restartPolicy"] == "Never"
    assert s["terminationGracePeriodSeconds"] == 0
    assert s["containers"][0]["imagePullPolicy"] == "Never"


def test_probe_and_port_defaults():
    c = {"name": "c", "image": "x:1", "ports": [{"containerPort": 80}],
         "livenessProbe": {"httpGet": {"port": 80}}, "readinessProbe": {"tcpSocket": {"port": 80}, "periodSeconds": 5}}
    s = defaulted(pod(containers=[c]))["spec"]
    c = s["containers"][0]
    assert c["ports"][0]["protocol"] == "TCP"
    lp = c["livenessProbe"]
    assert (lp["timeoutSeconds"], lp["periodSeconds"], lp["successThreshold"], lp["failureThreshold"]) == (1, 10, 1, 3)
    assert lp["httpGet"]["path"] == "/" and lp["httpGet"]["scheme"] == "HTTP"
    assert c["readinessProbe"]["periodSeconds"] == 5


def test_requests_default_to_limits_on_pods_only():
    c = {"name": "c", "image": "x:1", "resources": {"limits": {"cpu": "1", "memory": "1Gi"}, "requests": {"cpu": "500m"}}}
    s = defaulted(pod(containers=[c]))["spec"]
    assert s["containers"][0]["resources"]["requests"] == {"cpu": "500m", "memory": "1Gi"}
    d = defaulted({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
                   "spec": {"template": tpl(containers=[copy.deepcopy(c)])}})
    ts = d["spec"]["template"]["spec"]
    assert ts["containers"][0]["resources"]["requests"] == {"cpu": "500m"}  # SetDefaults_Pod is Pod-only
    assert "enableServiceLinks" not in ts
    assert ts["restartPolicy"] == "Always" and ts["dnsPolicy"] == "ClusterFirst"


def test_resource_list_rounded_up_to_milli():
    c = {"name": "c", "image": "x:1", "resources": {"requests": {"cpu": "0.0001", "memory": "1Gi"}}}
    s = defaulted(pod(containers=[c]))["spec"]
    assert s["containers"][0]["resources"]["requests"] == {"cpu": "1m", "memory": "1Gi"}


def test_host_network_ports():
    c = {"name": "c", "image": "x:1", "ports": [{"containerPort": 8080}]}
    s = defaulted(pod(hostNetwork=True, containers=[c]))["spec"]
    assert s["containers"][0]["ports"][0]["hostPort"] == 8080


def test_volume_defaults():
    s = defaulted(pod(volumes=[{"name": "a"}, {"name": "b", "secret": {"secretName": "s"}},
                               {"name": "c", "configMap": {"name": "m"}}, {"name": "d", "hostPath": {"path": "/x"}}]))["spec"]
    v = s["volumes"]
    assert v[0]["emptyDir"] == {}
    assert v[1]["secret"]["defaultMode"] == 420 and v[2]["configMap"]["defaultMode"] == 420
    assert v[3]["hostPath"]["type"] == ""


# ---- apps/v1 ----
def test_deployment_defaults():
    d = defaulted({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"template": tpl()}})
    s = d["spec"]
    assert s["replicas"] == 1
    assert s["strategy"] == {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}}
    assert s["revisionHistoryLimit"] == 10
    assert s["progressDeadlineSeconds"] == 600


def test_deployment_recreate_has_no_rolling_update():
    d = defaulted({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
                   "spec": {"strategy": {"type": "Recreate"}, "template": tpl()}})
    assert d["spec"]["strategy"] == {"type": "Recreate"}


def test_replicaset_defaults():
    assert defaulted({"apiVersion": "apps/v1", "kind": "ReplicaSet", "spec": {}})["spec"]["replicas"] == 1


def test_statefulset_defaults():
    s = defaulted({"apiVersion": "apps/v1", "kind": "StatefulSet", "spec": {
        "template": tpl(), "volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": {}}]}})["spec"]
    assert s["podManagementPolicy"] == "OrderedReady"
    assert s["updateStrategy"] == {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}
    assert s["persistentVolumeClaimRetentionPolicy"] == {"whenDeleted": "Retain", "whenScaled": "Retain"}
    assert s["replicas"] == 1 and s["revisionHistoryLimit"] == 10
    assert s["volumeClaimTemplates"][0]["spec"]["volumeMode"] == "Filesystem"
    assert s["volumeClaimTemplates"][0]["status"]["phase"] == "Pending"


def test_daemonset_defaults():
    s = defaulted({"apiVersion": "apps/v1", "kind": "DaemonSet", "spec": {"template": tpl()}})["spec"]
    assert s["updateStrategy"] == {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}}
    assert s["revisionHistoryLimit"] == 10


# ---- batch/v1 ----
def test_job_defaults():
    j = defaulted({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j"},
                   "spec": {"template": tpl(restartPolicy="Never")}})
    s = j["spec"]
    assert (s["parallelism"], s["completions"], s["backoffLimit"]) == (1, 1, 6)
    assert s["completionMode"] == "NonIndexed" and s["suspend"] is False
    assert s["podReplacementPolicy"] == "TerminatingOrFailed" and s["manualSelector"] is False
    assert j["metadata"]["labels"] == {"app": "a"}  # job labels default to template labels


def test_job_work_queue_and_per_index():
    s = defaulted({"apiVersion": "batch/v1", "kind": "Job", "spec": {"parallelism": 3, "template": tpl()}})["spec"]
    assert s["parallelism"] == 3 and "completions" not in s  # work-queue: completions stays unset
    s = defaulted({"apiVersion": "batch/v1", "kind": "Job", "spec": {
        "backoffLimitPerIndex": 1, "completionMode": "Indexed", "completions": 3, "template": tpl()}})["spec"]
    assert s["backoffLimit"] == 2**31 - 1
    s = defaulted({"apiVersion": "batch/v1", "kind": "Job", "spec": {
        "podFailurePolicy": {"rules": [{"action": "Ignore", "onPodConditions": [{"type": "DisruptionTarget"}]}]},
        "template": tpl()}})["spec"]
    assert s["podReplacementPolicy"] == "Failed"
    assert s["podFailurePolicy"]["rules"][0]["onPodConditions"][0]["status"] == "True"


def test_job_template_restart_policy_defaults_to_always():
    # SetDefaults_PodSpec applies to every pod template; Job validation then rejects Always
    s = defaulted({"apiVersion": "batch/v1", "kind": "Job", "spec": {"template": tpl()}})["spec"]
    assert s["template"]["spec"]["restartPolicy"] == "Always"


def test_cronjob_defaults():
    s = defaulted({"apiVersion": "batch/v1", "kind": "CronJob", "spec": {
        "schedule": "* * * * *", "jobTemplate": {"spec": {"template": tpl(restartPolicy="OnFailure")}}}})["spec"]
    assert s["concurrencyPolicy"] == "Allow" and s["suspend"] is False
    assert s["successfulJobsHistoryLimit"] == 3 and s["failedJobsHistoryLimit"] == 1
    js = s["jobTemplate"]["spec"]
    assert "backoffLimit" not in js  # SetDefaults_Job does not run on a JobTemplateSpec
    assert js["template"]["spec"]["dnsPolicy"] == "ClusterFirst"


# ---- core/v1 Service, PV, PVC, Namespace, Node, LimitRange ----
def test_service_defaults():
    s = defaulted({"apiVersion": "v1", "kind": "Service", "spec": {"ports": [{"port": 80}]}})["spec"]
    assert s["type"] == "ClusterIP" and s["sessionAffinity"] == "None"
    assert s["ports"][0] == {"port": 80, "protocol": "TCP", "targetPort": 80}
    assert s["internalTrafficPolicy"] == "Cluster"
    assert "externalTrafficPolicy" not in s
    lb = defaulted({"apiVersion": "v1", "kind": "Service", "spec": {"type": "LoadBalancer", "ports": [{"port": 80, "targetPort": "http"}],
                                                                  "sessionAffinity": "ClientIP"}})["spec"]
    assert lb["externalTrafficPolicy"] == "Cluster" and lb["allocateLoadBalancerNodePorts"] is True
    assert lb["sessionAffinityConfig"] == {"clientIP": {"timeoutSeconds": 10800}}
    assert lb["ports"][0]["targetPort"] == "http"


def test_pv_pvc_defaults():
    pv = defaulted({"apiVersion": "v1", "kind": "PersistentVolume", "spec": {"hostPath": {"path": "/d"}}})
    assert pv["spec"]["persistentVolumeReclaimPolicy"] == "Retain" and pv["spec"]["volumeMode"] == "Filesystem"
    assert pv["status"]["phase"] == "Pending"
    pvc = defaulted({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "spec": {}})
    assert pvc["spec"]["volumeMode"] == "Filesystem" and pvc["status"]["phase"] == "Pending"


def test_namespace_and_node_defaults():
    ns = defaulted({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-a"}})
    assert ns["metadata"]["labels"]["kubernetes.io/metadata.name"] == "team-a"
    assert ns["status"]["phase"] == "Active"
    node = defaulted({"apiVersion": "v1", "kind": "Node", "status": {"capacity": {"cpu": "4"}}})
    assert node["status"]["allocatable"] == {"cpu": "4"}


def test_limit_range_item_defaults():
    lr = defaulted({"apiVersion": "v1", "kind": "LimitRange", "spec": {"limits": [
        {"type": "Container", "max": {"cpu": "2"}, "min": {"memory": "64Mi"}, "default": {"memory": "512Mi"}}]}})
    item = lr["spec"]["limits"][0]
    assert item["default"] == {"memory": "512Mi", "cpu": "2"}           # default limit <- max
    assert item["defaultRequest"] == {"memory": "512Mi", "cpu": "2"}    # default request <- default limit (then min)


# ---- autoscaling, storage, scheduling ----
def test_hpa_v2_defaults():
    h = defaulted({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "spec": {"maxReplicas": 5}})
    s = h["spec"]
    assert s["minReplicas"] == 1
    assert s["metrics"] == [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}}]
    assert "behavior" not in s  # behavior is defaulted only when set


def test_hpa_behavior_defaults():
    s = defaulted({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
                   "spec": {"maxReplicas": 5, "behavior": {"scaleDown": {"stabilizationWindowSeconds": 60}}}})["spec"]
    assert s["behavior"]["scaleUp"] == {"stabilizationWindowSeconds": 0, "selectPolicy": "Max", "policies": [
        {"type": "Pods", "value": 4, "periodSeconds": 15}, {"type": "Percent", "value": 100, "periodSeconds": 15}]}
    assert s["behavior"]["scaleDown"] == {"stabilizationWindowSeconds": 60, "selectPolicy": "Max",
                                          "policies": [{"type": "Percent", "value": 100, "periodSeconds": 15}]}


def test_storage_class_and_priority_class():
    sc = defaulted({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "provisioner": "x"})
    assert sc["reclaimPolicy"] == "Delete" and sc["volumeBindingMode"] == "Immediate"
    pc = defaulted({"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "value": 10})
    assert pc["preemptionPolicy"] == "PreemptLowerPriority"


def test_odd_input_never_crashes():
    for obj in [None, [], {"kind": "Pod"}, {"apiVersion": "v1", "kind": "Pod", "spec": "x"},
                {"apiVersion": "v1", "kind": "Pod", "spec": {"containers": ["x", None, {"resources": 3}]}},
                {"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"strategy": 5, "template": []}},
                {"apiVersion": "v1", "kind": "Service", "spec": {"ports": [1, {"port": "x"}]}}]:
        apply_defaults(obj)
