"""validate() against the rules of upstream pkg/apis/*/validation/validation.go, one case per rule, with
the exact field path and ``field.ErrorList`` wording; plus every real manifest under ../shared/manifests
(except rejected-by-1.35/) validating clean after apply_defaults.

Case ids name the rule (upstream's validation_test.go tables are keyed the same way, e.g. "invalid
toleration operator"); they are not claimed to be copies of upstream table rows.
"""
from __future__ import annotations

import copy
import glob
import os

import pytest
import yaml

from k8ssim.api.defaults import apply_defaults
from k8ssim.api.validation import validate
from k8ssim.api.validation.batch import parse_cron_schedule

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MANIFESTS = os.path.join(REPO, "..", "shared", "manifests")

SUBDOMAIN_MSG = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
                 "and must start and end with an alphanumeric character (e.g. 'example.com', regex used for "
                 "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")
LABEL_MSG = ("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start "
             "and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
             "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')")
QTY_RE = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"


def container(**kw):
    c = {"name": "app", "image": "nginx:1.25"}
    c.update(kw)
    return c


def pod(**spec):
    spec.setdefault("containers", [container()])
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": "default"}, "spec": spec}


def template(**spec):
    spec.setdefault("containers", [container()])
    return {"metadata": {"labels": {"app": "web"}}, "spec": spec}


def deployment(**spec):
    s = {"selector": {"matchLabels": {"app": "web"}}, "template": template()}
    s.update(spec)
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}, "spec": s}


def kind(api, k, name="x", **body):
    o = {"apiVersion": api, "kind": k, "metadata": {"name": name}}
    o.update(body)
    return o


def errors_of(obj):
    obj = copy.deepcopy(obj)
    apply_defaults(obj)
    return [str(e) for e in validate(obj)]


# (id, object, expected "path: message" -- exact match against one of the errors)
CASES = [
    # --- metadata (apimachinery objectmeta.go) ---
    ("name not a DNS subdomain", dict(pod(), metadata={"name": "My_App"}),
     f'metadata.name: Invalid value: "My_App": {SUBDOMAIN_MSG}'),
    ("name required", dict(pod(), metadata={}), "metadata.name: Required value: name or generateName is required"),
    ("name too long", dict(pod(), metadata={"name": "a" * 254}),
     f'metadata.name: Invalid value: "{"a" * 254}": must be no more than 253 characters'),
    ("namespace not a DNS label", dict(pod(), metadata={"name": "a", "namespace": "Prod"}),
     f'metadata.namespace: Invalid value: "Prod": {LABEL_MSG}'),
    ("service name is DNS-1035", kind("v1", "Service", "1web", spec={"ports": [{"port": 80}]}),
     'metadata.name: Invalid value: "1web": a DNS-1035 label must consist of lower case alphanumeric characters '
     "or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or "
     "'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"),
    ("label key invalid", dict(pod(), metadata={"name": "a", "labels": {"-bad": "x"}}),
     "metadata.labels: Invalid value: \"-bad\": name part must consist of alphanumeric characters, '-', '_' or '.', "
     "and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex "
     "used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"),
    ("label value too long", dict(pod(), metadata={"name": "a", "labels": {"k": "v" * 64}}),
     f'metadata.labels: Invalid value: "{"v" * 64}": must be no more than 63 characters'),
    ("annotations too large", dict(pod(), metadata={"name": "a", "annotations": {"k": "v" * (256 * 1024)}}),
     "metadata.annotations: Too long: must have at most 262144 bytes"),
    ("namespace on cluster-scoped kind", kind("v1", "Node", metadata={"name": "n", "namespace": "x"}),
     "metadata.namespace: Forbidden: not allowed on this type"),
    # --- pod spec: containers ---
    ("containers required", pod(containers=[]), "spec.containers: Required value"),
    ("container name not a DNS label", pod(containers=[container(name="App")]),
     f'spec.containers[0].name: Invalid value: "App": {LABEL_MSG}'),
    ("duplicate container name", pod(containers=[container(), container()]),
     'spec.containers[1].name: Duplicate value: "app"'),
    ("image required", pod(containers=[{"name": "app"}]), "spec.containers[0].image: Required value"),
    ("container port out of range", pod(containers=[container(ports=[{"containerPort": 70000}])]),
     "spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive"),
    ("host port out of range", pod(containers=[container(ports=[{"containerPort": 80, "hostPort": 65536}])]),
     "spec.containers[0].ports[0].hostPort: Invalid value: 65536: must be between 1 and 65535, inclusive"),
    ("port protocol unsupported", pod(containers=[container(ports=[{"containerPort": 80, "protocol": "HTTP"}])]),
     'spec.containers[0].ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"'),
    ("duplicate host port", pod(containers=[container(ports=[{"containerPort": 80, "hostPort": 8080}]),
                                            container(name="b", ports=[{"containerPort": 81, "hostPort": 8080}])]),
     'spec.containers[1].ports[0].hostPort: Duplicate value: "8080/TCP"'),
    ("volume mount of unknown volume", pod(containers=[container(volumeMounts=[{"name": "data", "mountPath": "/d"}])]),
     'spec.containers[0].volumeMounts[0].name: Not found: "data"'),
    # --- resources (ValidateResourceRequirements) ---
    ("negative cpu request", pod(containers=[container(resources={"requests": {"cpu": "-1"}})]),
     'spec.containers[0].resources.requests.cpu: Invalid value: "-1": must be greater than or equal to 0'),
    ("request above limit", pod(containers=[container(resources={"requests": {"cpu": "2"}, "limits": {"cpu": "1"}})]),
     'spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1'),
    ("quantity syntax", pod(containers=[container(resources={"requests": {"cpu": "abc"}})]),
     f'spec.containers[0].resources.requests.cpu: Invalid value: "abc": {QTY_RE}'),
    ("quantity 1.5.5", pod(containers=[container(resources={"limits": {"memory": "1.5.5Gi"}})]),
     f'spec.containers[0].resources.limits.memory: Invalid value: "1.5.5Gi": {QTY_RE}'),
    ("unknown container resource", pod(containers=[container(resources={"requests": {"gpu": "1"}})]),
     'spec.containers[0].resources.requests.gpu: Invalid value: "gpu": must be a standard resource type or fully qualified'),
    ("extended resource must be integer", pod(containers=[container(resources={"limits": {"example.com/foo": "500m"}})]),
     "spec.containers[0].resources.limits['example.com/foo']: Invalid value: \"500m\": must be an integer"),
    ("extended resource request must equal limit",
     pod(containers=[container(resources={"requests": {"example.com/foo": "1"}, "limits": {"example.com/foo": "2"}})]),
     'spec.containers[0].resources.requests: Invalid value: "1": must be equal to example.com/foo limit of 2'),
    # --- probes ---
    ("probe without handler", pod(containers=[container(livenessProbe={"periodSeconds": 5})]),
     "spec.containers[0].livenessProbe: Required value: must specify a handler type"),
    ("liveness successThreshold must be 1",
     pod(containers=[container(livenessProbe={"tcpSocket": {"port": 80}, "successThreshold": 2})]),
     "spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1"),
    ("probe negative period", pod(containers=[container(readinessProbe={"tcpSocket": {"port": 80}, "periodSeconds": -1})]),
     "spec.containers[0].readinessProbe.periodSeconds: Invalid value: -1: must be greater than or equal to 0"),
    ("probe bad named port", pod(containers=[container(readinessProbe={"httpGet": {"port": "Http_Port"}})]),
     'spec.containers[0].readinessProbe.httpGet.port: Invalid value: "Http_Port": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)'),
    # --- pod spec fields ---
    ("restartPolicy unsupported", pod(restartPolicy="Sometimes"),
     'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"'),
    ("dnsPolicy unsupported", pod(dnsPolicy="Cluster"),
     'spec.dnsPolicy: Unsupported value: "Cluster": supported values: "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"'),
    ("negative terminationGracePeriodSeconds", pod(terminationGracePeriodSeconds=-1),
     "spec.terminationGracePeriodSeconds: Invalid value: -1: must be greater than or equal to 0"),
    ("activeDeadlineSeconds zero", pod(activeDeadlineSeconds=0),
     "spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, inclusive"),
    ("priorityClassName invalid", pod(priorityClassName="High_Prio"),
     f'spec.priorityClassName: Invalid value: "High_Prio": {SUBDOMAIN_MSG}'),
    ("duplicate scheduling gate", pod(schedulingGates=[{"name": "example.com/g"}, {"name": "example.com/g"}]),
     'spec.schedulingGates[1].name: Duplicate value: "example.com/g"'),
    # --- tolerations (ValidateTolerations) ---
    ("toleration effect unsupported", pod(tolerations=[{"key": "k", "operator": "Exists", "effect": "NoExecut"}]),
     'spec.tolerations[0].effect: Unsupported value: "NoExecut": supported values: "NoExecute", "NoSchedule", "PreferNoSchedule"'),
    ("toleration empty key needs Exists", pod(tolerations=[{"operator": "Equal", "value": "v"}]),
     'spec.tolerations[0].operator: Invalid value: "Equal": operator must be Exists when `key` is empty, which means "match all values and all keys"'),
    ("tolerationSeconds only with NoExecute",
     pod(tolerations=[{"key": "k", "operator": "Exists", "effect": "NoSchedule", "tolerationSeconds": 5}]),
     "spec.tolerations[0].effect: Invalid value: \"NoSchedule\": effect must be 'NoExecute' when `tolerationSeconds` is set"),
    ("toleration Exists with value", pod(tolerations=[{"key": "k", "operator": "Exists", "value": "v"}]),
     None),  # checked by the substring test below
    ("toleration operator unsupported", pod(tolerations=[{"key": "k", "operator": "In"}]),
     'spec.tolerations[0].operator: Unsupported value: "In": supported values: "Equal", "Exists", "Gt", "Lt"'),
    # --- node affinity (ValidateNodeSelector) ---
    ("node selector terms required",
     pod(affinity={"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": []}}}),
     "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms: Required value: must have at least one node selector term"),
    ("node selector In needs values",
     pod(affinity={"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
         {"matchExpressions": [{"key": "zone", "operator": "In", "values": []}]}]}}}),
     "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values: "
     "Required value: must be specified when `operator` is 'In' or 'NotIn'"),
    ("node selector Gt needs one value",
     pod(affinity={"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
         {"matchExpressions": [{"key": "cores", "operator": "Gt", "values": ["1", "2"]}]}]}}}),
     "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values: "
     "Required value: must be specified single value when `operator` is 'Lt' or 'Gt'"),
    ("node selector Exists forbids values",
     pod(affinity={"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
         {"matchExpressions": [{"key": "zone", "operator": "Exists", "values": ["a"]}]}]}}}),
     "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values: "
     "Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'"),
    ("node selector bad operator",
     pod(affinity={"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
         {"matchExpressions": [{"key": "zone", "operator": "Near", "values": ["a"]}]}]}}}),
     "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].operator: "
     'Invalid value: "Near": not a valid selector operator'),
    ("preferred weight out of range",
     pod(affinity={"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
         {"weight": 101, "preference": {"matchExpressions": [{"key": "z", "operator": "Exists"}]}}]}}),
     "spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight: Invalid value: 101: must be in the range 1-100"),
    # --- pod (anti-)affinity ---
    ("pod affinity topologyKey required",
     pod(affinity={"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
         {"labelSelector": {"matchLabels": {"app": "web"}}}]}}),
     "spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey: Required value: can not be empty"),
    ("pod affinity weight zero",
     pod(affinity={"podAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
         {"weight": 0, "podAffinityTerm": {"topologyKey": "zone"}}]}}),
     "spec.affinity.podAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight: Invalid value: 0: must be in the range 1-100"),
    # --- topology spread (validateTopologySpreadConstraints) ---
    ("maxSkew must be positive",
     pod(topologySpreadConstraints=[{"maxSkew": 0, "topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule"}]),
     "spec.topologySpreadConstraints[0].maxSkew: Invalid value: 0: must be greater than zero"),
    ("whenUnsatisfiable unsupported",
     pod(topologySpreadConstraints=[{"maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "Never"}]),
     'spec.topologySpreadConstraints[0].whenUnsatisfiable: Unsupported value: "Never": supported values: "DoNotSchedule", "ScheduleAnyway"'),
    ("minDomains only with DoNotSchedule",
     pod(topologySpreadConstraints=[{"maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "ScheduleAnyway", "minDomains": 2}]),
     "spec.topologySpreadConstraints[0].minDomains: Invalid value: 2: can only use minDomains if whenUnsatisfiable=DoNotSchedule, not ScheduleAnyway"),
    ("minDomains positive",
     pod(topologySpreadConstraints=[{"maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule", "minDomains": 0}]),
     "spec.topologySpreadConstraints[0].minDomains: Invalid value: 0: must be greater than zero"),
    ("duplicate spread constraint",
     pod(topologySpreadConstraints=[{"maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule"},
                                    {"maxSkew": 2, "topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule"}]),
     "spec.topologySpreadConstraints[0]['{topologyKey, whenUnsatisfiable}']: Duplicate value: \"{zone, DoNotSchedule}\""),
    ("spread topologyKey required",
     pod(topologySpreadConstraints=[{"maxSkew": 1, "whenUnsatisfiable": "DoNotSchedule"}]),
     "spec.topologySpreadConstraints[0].topologyKey: Required value: can not be empty"),
    # --- apps: Deployment ---
    ("replicas negative", deployment(replicas=-1), "spec.replicas: Invalid value: -1: must be greater than or equal to 0"),
    ("selector required", deployment(selector=None), "spec.selector: Required value"),
    ("empty selector", deployment(selector={}), "spec.selector: Invalid value: {}: empty selector is invalid for deployment"),
    ("selector does not match template labels", deployment(selector={"matchLabels": {"app": "api"}}),
     'spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`'),
    ("template restartPolicy must be Always", deployment(template=template(restartPolicy="Never")),
     'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"'),
    ("maxUnavailable 0 with maxSurge 0",
     deployment(strategy={"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 0}}),
     "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0"),
    ("maxUnavailable over 100%",
     deployment(strategy={"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "101%"}}),
     "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 101%: must not be greater than 100%"),
    ("maxSurge not a percent",
     deployment(strategy={"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25"}}),
     "spec.strategy.rollingUpdate.maxSurge: Invalid value: 25: a valid percent string must be a numeric string followed by "
     "an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"),
    ("maxSurge negative", deployment(strategy={"type": "RollingUpdate", "rollingUpdate": {"maxSurge": -1}}),
     "spec.strategy.rollingUpdate.maxSurge: Invalid value: -1: must be greater than or equal to 0"),
    ("strategy type unsupported", deployment(strategy={"type": "BlueGreen"}),
     'spec.strategy: Unsupported value: {"type":"BlueGreen"}: supported values: "Recreate", "RollingUpdate"'),
    ("minReadySeconds negative", deployment(minReadySeconds=-1),
     "spec.minReadySeconds: Invalid value: -1: must be greater than or equal to 0"),
    ("revisionHistoryLimit negative", deployment(revisionHistoryLimit=-1),
     "spec.revisionHistoryLimit: Invalid value: -1: must be greater than or equal to 0"),
    ("progressDeadlineSeconds not above minReadySeconds", deployment(minReadySeconds=30, progressDeadlineSeconds=30),
     "spec.progressDeadlineSeconds: Invalid value: 30: must be greater than minReadySeconds"),
    ("activeDeadlineSeconds in ReplicaSet template",
     dict(deployment(), kind="ReplicaSet", spec={"selector": {"matchLabels": {"app": "web"}},
                                                "template": template(activeDeadlineSeconds=10)}),
     "spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in ReplicaSet is not Supported"),
    # --- apps: StatefulSet ---
    ("statefulset podManagementPolicy", kind("apps/v1", "StatefulSet", spec={
        "serviceName": "web", "podManagementPolicy": "Random", "selector": {"matchLabels": {"app": "web"}}, "template": template()}),
     "spec.podManagementPolicy: Invalid value: \"Random\": must be 'OrderedReady' or 'Parallel'"),
    ("statefulset partition negative", kind("apps/v1", "StatefulSet", spec={
        "selector": {"matchLabels": {"app": "web"}}, "template": template(),
        "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": -1}}}),
     "spec.updateStrategy.rollingUpdate.partition: Invalid value: -1: must be greater than or equal to 0"),
    ("statefulset empty selector", kind("apps/v1", "StatefulSet", spec={"selector": {}, "template": template()}),
     "spec.selector: Invalid value: {}: empty selector is invalid for statefulset"),
    ("statefulset template restartPolicy", kind("apps/v1", "StatefulSet", spec={
        "selector": {"matchLabels": {"app": "web"}}, "template": template(restartPolicy="OnFailure")}),
     'spec.template.spec.restartPolicy: Unsupported value: "OnFailure": supported values: "Always"'),
    ("statefulset activeDeadlineSeconds", kind("apps/v1", "StatefulSet", spec={
        "selector": {"matchLabels": {"app": "web"}}, "template": template(activeDeadlineSeconds=5)}),
     "spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in StatefulSet is not Supported"),
    # --- apps: DaemonSet ---
    ("daemonset both maxSurge and maxUnavailable", kind("apps/v1", "DaemonSet", spec={
        "selector": {"matchLabels": {"app": "web"}}, "template": template(),
        "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 1}}}),
     "spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: 1: may not be set when maxUnavailable is non-zero"),
    ("daemonset both zero", kind("apps/v1", "DaemonSet", spec={
        "selector": {"matchLabels": {"app": "web"}}, "template": template(),
        "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 0}}}),
     "spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when maxSurge is 0"),
    ("daemonset update strategy type", kind("apps/v1", "DaemonSet", spec={
        "selector": {"matchLabels": {"app": "web"}}, "template": template(), "updateStrategy": {"type": "Rolling"}}),
     'spec.updateStrategy.type: Unsupported value: "Rolling": supported values: "OnDelete", "RollingUpdate"'),
    # --- batch: Job / CronJob ---
    ("job restartPolicy defaulted Always is rejected", kind("batch/v1", "Job", spec={"template": template()}),
     'spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"'),
    ("job parallelism negative", kind("batch/v1", "Job", spec={"parallelism": -1, "template": template(restartPolicy="Never")}),
     "spec.parallelism: Invalid value: -1: must be greater than or equal to 0"),
    ("job backoffLimit negative", kind("batch/v1", "Job", spec={"backoffLimit": -1, "template": template(restartPolicy="Never")}),
     "spec.backoffLimit: Invalid value: -1: must be greater than or equal to 0"),
    ("job completionMode unsupported", kind("batch/v1", "Job", spec={"completionMode": "Ordered", "template": template(restartPolicy="Never")}),
     'spec.completionMode: Unsupported value: "Ordered": supported values: "NonIndexed", "Indexed"'),
    ("indexed job needs completions", kind("batch/v1", "Job", spec={
        "completionMode": "Indexed", "parallelism": 2, "template": template(restartPolicy="Never")}),
     "spec.completions: Required value: when completion mode is Indexed"),
    ("cronjob schedule fields", kind("batch/v1", "CronJob", spec={
        "schedule": "* * * *", "jobTemplate": {"spec": {"template": template(restartPolicy="Never")}}}),
     'spec.schedule: Invalid value: "* * * *": expected exactly 5 fields, found 4: * * * *'),
    ("cronjob schedule range", kind("batch/v1", "CronJob", spec={
        "schedule": "61 * * * *", "jobTemplate": {"spec": {"template": template(restartPolicy="Never")}}}),
     'spec.schedule: Invalid value: "61 * * * *": end of range (61) above maximum (59): 61'),
    ("cronjob descriptor", kind("batch/v1", "CronJob", spec={
        "schedule": "@fortnightly", "jobTemplate": {"spec": {"template": template(restartPolicy="Never")}}}),
     'spec.schedule: Invalid value: "@fortnightly": unrecognized descriptor: @fortnightly'),
    ("cronjob concurrencyPolicy", kind("batch/v1", "CronJob", spec={
        "schedule": "@hourly", "concurrencyPolicy": "Queue", "jobTemplate": {"spec": {"template": template(restartPolicy="Never")}}}),
     'spec.concurrencyPolicy: Unsupported value: "Queue": supported values: "Allow", "Forbid", "Replace"'),
    ("cronjob name too long", kind("batch/v1", "CronJob", "c" * 53, spec={
        "schedule": "@hourly", "jobTemplate": {"spec": {"template": template(restartPolicy="Never")}}}),
     f'metadata.name: Invalid value: "{"c" * 53}": must be no more than 52 characters'),
    # --- Service ---
    ("service type unsupported", kind("v1", "Service", "web", spec={"type": "Internal", "ports": [{"port": 80}]}),
     'spec.type: Unsupported value: "Internal": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"'),
    ("service ports required", kind("v1", "Service", "web", spec={"selector": {"app": "web"}}), "spec.ports: Required value"),
    ("service port range", kind("v1", "Service", "web", spec={"ports": [{"port": 0, "targetPort": 80}]}),
     "spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive"),
    ("service multi-port names required", kind("v1", "Service", "web", spec={"ports": [{"port": 80}, {"port": 81}]}),
     "spec.ports[0].name: Required value"),
    ("service clusterIP", kind("v1", "Service", "web", spec={"clusterIP": "10.0.0.300", "ports": [{"port": 80}]}),
     'spec.clusterIP: Invalid value: "10.0.0.300": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'),
    ("service nodePort on ClusterIP", kind("v1", "Service", "web", spec={"ports": [{"port": 80, "nodePort": 30080}]}),
     "spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"),
    # --- HPA ---
    ("hpa minReplicas zero", kind("autoscaling/v2", "HorizontalPodAutoscaler", spec={
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}, "minReplicas": 0, "maxReplicas": 3}),
     "spec.minReplicas: Invalid value: 0: must be greater than or equal to 1"),
    ("hpa maxReplicas below min", kind("autoscaling/v2", "HorizontalPodAutoscaler", spec={
        "scaleTargetRef": {"kind": "Deployment", "name": "web"}, "minReplicas": 5, "maxReplicas": 3}),
     "spec.maxReplicas: Invalid value: 3: must be greater than or equal to `minReplicas`"),
    ("hpa scaleTargetRef name", kind("autoscaling/v2", "HorizontalPodAutoscaler", spec={
        "scaleTargetRef": {"kind": "Deployment"}, "maxReplicas": 3}),
     "spec.scaleTargetRef.name: Required value"),
    ("hpa target type", kind("autoscaling/v2", "HorizontalPodAutoscaler", spec={
        "scaleTargetRef": {"kind": "Deployment", "name": "web"}, "maxReplicas": 3,
        "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Percent", "averageUtilization": 50}}}]}),
     'spec.metrics[0].resource.target.type: Invalid value: "Percent": must be either Utilization, Value, or AverageValue'),
    ("hpa metric type", kind("autoscaling/v2", "HorizontalPodAutoscaler", spec={
        "scaleTargetRef": {"kind": "Deployment", "name": "web"}, "maxReplicas": 3, "metrics": [{"type": "Custom"}]}),
     'spec.metrics[0].type: Unsupported value: "Custom": supported values: "ContainerResource", "External", "Object", "Pods", "Resource"'),
    ("hpa policy period too long", kind("autoscaling/v2", "HorizontalPodAutoscaler", spec={
        "scaleTargetRef": {"kind": "Deployment", "name": "web"}, "maxReplicas": 3,
        "behavior": {"scaleUp": {"policies": [{"type": "Pods", "value": 1, "periodSeconds": 1801}]}}}),
     "spec.behavior.scaleUp.policies[0].periodSeconds: Invalid value: 1801: must be less than or equal to 1800"),
    ("hpa stabilization window too long", kind("autoscaling/v2", "HorizontalPodAutoscaler", spec={
        "scaleTargetRef": {"kind": "Deployment", "name": "web"}, "maxReplicas": 3,
        "behavior": {"scaleDown": {"stabilizationWindowSeconds": 3601}}}),
     "spec.behavior.scaleDown.stabilizationWindowSeconds: Invalid value: 3601: must be less than or equal to 3600"),
    # --- PDB ---
    ("pdb minAvailable and maxUnavailable", kind("policy/v1", "PodDisruptionBudget", spec={
        "minAvailable": 1, "maxUnavailable": 1, "selector": {"matchLabels": {"app": "web"}}}),
     'spec: Invalid value: {"maxUnavailable":1,"minAvailable":1,"selector":{"matchLabels":{"app":"web"}}}: minAvailable and maxUnavailable cannot be both set'),
    ("pdb negative minAvailable", kind("policy/v1", "PodDisruptionBudget", spec={"minAvailable": -1}),
     "spec.minAvailable: Invalid value: -1: must be greater than or equal to 0"),
    ("pdb percent over 100", kind("policy/v1", "PodDisruptionBudget", spec={"maxUnavailable": "150%"}),
     "spec.maxUnavailable: Invalid value: 150%: must not be greater than 100%"),
    # --- PriorityClass ---
    ("priority class value too high", kind("scheduling.k8s.io/v1", "PriorityClass", "high", value=1_000_000_001),
     "value: Forbidden: maximum allowed value of a user defined priority is 1000000000"),
    ("system- prefix reserved", kind("scheduling.k8s.io/v1", "PriorityClass", "system-mine", value=1),
     "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: system-mine is not a known system priority class"),
    ("preemptionPolicy unsupported", kind("scheduling.k8s.io/v1", "PriorityClass", "p", value=1, preemptionPolicy="Always"),
     'preemptionPolicy: Unsupported value: "Always": supported values: "Never", "PreemptLowerPriority"'),
    # --- storage ---
    ("pv access mode", kind("v1", "PersistentVolume", spec={"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteSome"],
                                                             "hostPath": {"path": "/d"}}),
     'spec.accessModes: Unsupported value: "ReadWriteSome": supported values: "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"'),
    ("pv reclaim policy", kind("v1", "PersistentVolume", spec={"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"],
                                                                "hostPath": {"path": "/d"}, "persistentVolumeReclaimPolicy": "Keep"}),
     'spec.persistentVolumeReclaimPolicy: Unsupported value: "Keep": supported values: "Delete", "Recycle", "Retain"'),
    ("pv capacity required", kind("v1", "PersistentVolume", spec={"accessModes": ["ReadWriteOnce"], "hostPath": {"path": "/d"}}),
     "spec.capacity: Required value"),
    ("pvc access modes required", kind("v1", "PersistentVolumeClaim", spec={"resources": {"requests": {"storage": "1Gi"}}}),
     "spec.accessModes: Required value: at least 1 access mode is required"),
    ("pvc storage request required", kind("v1", "PersistentVolumeClaim", spec={"accessModes": ["ReadWriteOnce"]}),
     "spec.resources.requests.storage: Required value"),
    ("storage class binding mode", kind("storage.k8s.io/v1", "StorageClass", provisioner="example.com/x", volumeBindingMode="Later"),
     'volumeBindingMode: Unsupported value: "Later": supported values: "Immediate", "WaitForFirstConsumer"'),
    ("storage class reclaim policy", kind("storage.k8s.io/v1", "StorageClass", provisioner="example.com/x", reclaimPolicy="Recycle"),
     'reclaimPolicy: Unsupported value: "Recycle": supported values: "Delete", "Retain"'),
    ("storage class provisioner required", kind("storage.k8s.io/v1", "StorageClass"), "provisioner: Required value"),
    # --- Node taints ---
    ("taint effect required", kind("v1", "Node", spec={"taints": [{"key": "k"}]}), "spec.taints[0].effect: Required value"),
    ("duplicate taint", kind("v1", "Node", spec={"taints": [{"key": "k", "effect": "NoSchedule"}, {"key": "k", "value": "v", "effect": "NoSchedule"}]}),
     None),
    # --- LimitRange / ResourceQuota ---
    ("limitrange min above max", kind("v1", "LimitRange", spec={"limits": [{"type": "Container", "min": {"cpu": "2"}, "max": {"cpu": "1"}}]}),
     'spec.limits[0].min.cpu: Invalid value: "2": min value 2 is greater than max value 1'),
    ("limitrange type", kind("v1", "LimitRange", spec={"limits": [{"type": "Node"}]}),
     'spec.limits[0].type: Unsupported value: "Node": supported values: "Container", "PersistentVolumeClaim", "Pod"'),
    ("resourcequota negative", kind("v1", "ResourceQuota", spec={"hard": {"pods": "-1"}}),
     'spec.hard.pods: Invalid value: "-1": must be greater than or equal to 0'),
    ("resourcequota integer", kind("v1", "ResourceQuota", spec={"hard": {"pods": "1.5"}}),
     'spec.hard.pods: Invalid value: "1500m": must be an integer'),
]


@pytest.mark.parametrize("obj,want", [(c[1], c[2]) for c in CASES if c[2]], ids=[c[0] for c in CASES if c[2]])
def test_rule(obj, want):
    errs = errors_of(obj)
    assert want in errs, "\n".join(errs)


def test_toleration_exists_with_value():
    errs = errors_of(pod(tolerations=[{"key": "k", "operator": "Exists", "value": "v"}]))
    assert any(e.startswith("spec.tolerations[0].operator: Invalid value:")
               and e.endswith("value must be empty when `operator` is 'Exists'") for e in errs), errs


def test_duplicate_taint_key_effect():
    errs = errors_of(kind("v1", "Node", spec={"taints": [{"key": "k", "effect": "NoSchedule"},
                                                         {"key": "k", "value": "v", "effect": "NoSchedule"}]}))
    assert any(e.startswith("spec.taints[1]: Duplicate value:") and e.endswith("taints must be unique by key and effect pair")
               for e in errs), errs


@pytest.mark.parametrize("obj", [
    pod(), deployment(), pod(tolerations=[{"key": "k", "operator": "Gt", "value": "900", "effect": "NoSchedule"}]),
    kind("batch/v1", "CronJob", spec={"schedule": "*/5 0-23 1,15 jan-dec mon-fri",
                                      "jobTemplate": {"spec": {"template": template(restartPolicy="OnFailure")}}}),
    kind("v1", "Service", "web", spec={"ports": [{"port": 80}], "selector": {"app": "web"}}),
    kind("policy/v1", "PodDisruptionBudget", spec={"minAvailable": "50%", "selector": {"matchLabels": {"app": "web"}}}),
    kind("scheduling.k8s.io/v1", "PriorityClass", "system-node-critical", value=2000001000),
    kind("autoscaling/v2", "HorizontalPodAutoscaler", spec={"scaleTargetRef": {"kind": "Deployment", "name": "web"}, "maxReplicas": 3,
                                                            "behavior": {"scaleDown": {"stabilizationWindowSeconds": 300}}}),
    kind("v1", "ConfigMap", data={"a": "b"}),  # not modelled: accepted as is
], ids=["pod", "deployment", "numeric toleration", "cronjob", "service", "pdb", "system priority class", "hpa", "configmap"])
def test_valid_objects(obj):
    assert errors_of(obj) == []


@pytest.mark.parametrize("spec", ["@hourly", "@every 1h30m", "0 0 * * 0", "5 4 * * sun", "0 */2 * * *", "0 0 1 1 *"])
def test_cron_schedules_parse(spec):
    parse_cron_schedule(spec)


def test_odd_input_never_crashes():
    for obj in [None, {}, {"apiVersion": "v1", "kind": "Pod"}, {"apiVersion": "v1", "kind": "Pod", "spec": 5},
                {"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"selector": [], "template": "x", "replicas": "3"}},
                {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": 5, "labels": ["x"]},
                 "spec": {"containers": [None, 3, {"resources": {"requests": {"cpu": None, "memory": [1]}}}],
                          "tolerations": "x", "affinity": {"nodeAffinity": 3}}},
                {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "spec": {"metrics": [None, {"type": 3}]}}]:
        if isinstance(obj, dict):
            apply_defaults(obj)
        assert isinstance(validate(obj), list)


def _manifest_docs():
    files = sorted(glob.glob(os.path.join(MANIFESTS, "**", "*.y*ml"), recursive=True))
    out = []
    for f in files:
        rel = os.path.relpath(f, MANIFESTS)
        if rel.startswith("rejected-by-1.35"):
            continue
        with open(f, encoding="utf-8") as fh:
            for i, d in enumerate(yaml.safe_load_all(fh)):
                if isinstance(d, dict):
                    out.append((f"{rel}#{i}", d))
    return out


MANIFEST_DOCS = _manifest_docs()


def test_manifest_corpus_present():
    assert len(MANIFEST_DOCS) >= 150


@pytest.mark.parametrize("doc", [d for _, d in MANIFEST_DOCS], ids=[n for n, _ in MANIFEST_DOCS])
def test_real_manifest_validates_clean(doc):
    doc = copy.deepcopy(doc)
    apply_defaults(doc)
    assert [str(e) for e in validate(doc)] == []


def test_statefulset_mounts_may_name_claim_templates():
    sts = kind("apps/v1", "StatefulSet", spec={
        "serviceName": "web", "selector": {"matchLabels": {"app": "web"}},
        "template": template(containers=[container(volumeMounts=[{"name": "data", "mountPath": "/data"}])]),
        "volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": {
            "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}]})
    assert errors_of(sts) == []
