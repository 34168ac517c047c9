"""Manifest dict (defaulted and validated) -> typed API object.

The reverse of the JSON encoding in ``k8s.io/api``: camelCase fields become the snake_case dataclasses
of :mod:`k8ssim.api.core`, :mod:`k8ssim.api.apps`, :mod:`k8ssim.api.batch` and :mod:`k8ssim.api.policy`.
Quantities become canonical integers. The defaulted manifest is kept in ``obj.raw``.
Input is assumed schema-valid (see :mod:`k8ssim.api.schema`); missing optional fields are tolerated.
"""
from __future__ import annotations

from typing import Any, Callable, Optional

from k8ssim.api import apps, batch, core, policy
from k8ssim.api.meta import LabelSelector, LabelSelectorRequirement, ObjectMeta, OwnerReference


def _q(resource: str, v) -> int:
    from k8ssim.api.quantity import parse_quantity, to_canonical_units

    return to_canonical_units(resource, parse_quantity(v))


def resource_list(d: Optional[dict]) -> dict:
    return {k: _q(k, v) for k, v in (d or {}).items()}


def _milli(v) -> int:
    from k8ssim.api.quantity import parse_quantity

    return parse_quantity(v).milli_value()


# ------------------------------------------------------------------------------------------- meta


def object_meta(d: Optional[dict]) -> ObjectMeta:
    d = d or {}
    return ObjectMeta(
        name=d.get("name", "") or "",
        namespace=d.get("namespace", "") or "",
        generate_name=d.get("generateName", "") or "",
        labels={str(k): str(v) for k, v in (d.get("labels") or {}).items()},
        annotations={str(k): str(v) for k, v in (d.get("annotations") or {}).items()},
        finalizers=list(d.get("finalizers") or []),
        owner_references=[
            OwnerReference(
                api_version=r.get("apiVersion", ""),
                kind=r.get("kind", ""),
                name=r.get("name", ""),
                uid=r.get("uid", ""),
                controller=bool(r.get("controller", False)),
                block_owner_deletion=bool(r.get("blockOwnerDeletion", False)),
            )
            for r in (d.get("ownerReferences") or [])
        ],
    )


def label_selector(d: Optional[dict]) -> Optional[LabelSelector]:
    if d is None:
        return None
    return LabelSelector(
        match_labels={str(k): str(v) for k, v in (d.get("matchLabels") or {}).items()},
        match_expressions=[
            LabelSelectorRequirement(e.get("key", ""), e.get("operator", ""), tuple(e.get("values") or ()))
            for e in (d.get("matchExpressions") or [])
        ],
    )


# ------------------------------------------------------------------------------- scheduling parts


def taint(d: dict) -> core.Taint:
    return core.Taint(key=d.get("key", ""), value=str(d.get("value", "") or ""), effect=d.get("effect", ""))


def toleration(d: dict) -> core.Toleration:
    return core.Toleration(
        key=d.get("key", "") or "",
        operator=d.get("operator", "") or "Equal",
        value=str(d.get("value", "") or ""),
        effect=d.get("effect", "") or "",
        toleration_seconds=d.get("tolerationSeconds"),
    )


def _node_selector_requirements(items) -> tuple:
    return tuple(
        core.NodeSelectorRequirement(e.get("key", ""), e.get("operator", ""), tuple(str(v) for v in (e.get("values") or ())))
        for e in (items or [])
    )


def node_selector_term(d: Optional[dict]) -> core.NodeSelectorTerm:
    d = d or {}
    return core.NodeSelectorTerm(
        match_expressions=_node_selector_requirements(d.get("matchExpressions")),
        match_fields=_node_selector_requirements(d.get("matchFields")),
    )


def node_affinity(d: Optional[dict]) -> Optional[core.NodeAffinity]:
    if d is None:
        return None
    req = d.get("requiredDuringSchedulingIgnoredDuringExecution")
    return core.NodeAffinity(
        required=None if req is None else tuple(node_selector_term(t) for t in (req.get("nodeSelectorTerms") or [])),
        preferred=tuple(
            core.PreferredSchedulingTerm(int(p.get("weight", 0)), node_selector_term(p.get("preference")))
            for p in (d.get("preferredDuringSchedulingIgnoredDuringExecution") or [])
        ),
    )


def pod_affinity_term(d: dict) -> core.PodAffinityTerm:
    return core.PodAffinityTerm(
        topology_key=d.get("topologyKey", ""),
        label_selector=label_selector(d.get("labelSelector")),
        namespaces=tuple(d.get("namespaces") or ()),
        namespace_selector=label_selector(d.get("namespaceSelector")),
        match_label_keys=tuple(d.get("matchLabelKeys") or ()),
        mismatch_label_keys=tuple(d.get("mismatchLabelKeys") or ()),
    )


def pod_affinity(d: Optional[dict]) -> Optional[core.PodAffinity]:
    if d is None:
        return None
    return core.PodAffinity(
        required=[pod_affinity_term(t) for t in (d.get("requiredDuringSchedulingIgnoredDuringExecution") or [])],
        preferred=[
            core.WeightedPodAffinityTerm(int(w.get("weight", 0)), pod_affinity_term(w.get("podAffinityTerm") or {}))
            for w in (d.get("preferredDuringSchedulingIgnoredDuringExecution") or [])
        ],
    )


def affinity(d: Optional[dict]) -> Optional[core.Affinity]:
    if not d:
        return None
    return core.Affinity(
        node_affinity=node_affinity(d.get("nodeAffinity")),
        pod_affinity=pod_affinity(d.get("podAffinity")),
        pod_anti_affinity=pod_affinity(d.get("podAntiAffinity")),
    )


def topology_spread_constraint(d: dict) -> core.TopologySpreadConstraint:
    return core.TopologySpreadConstraint(
        max_skew=int(d.get("maxSkew", 1)),
        topology_key=d.get("topologyKey", ""),
        when_unsatisfiable=d.get("whenUnsatisfiable", "DoNotSchedule"),
        label_selector=label_selector(d.get("labelSelector")),
        min_domains=d.get("minDomains"),
        node_affinity_policy=d.get("nodeAffinityPolicy"),
        node_taints_policy=d.get("nodeTaintsPolicy"),
        match_label_keys=tuple(d.get("matchLabelKeys") or ()),
    )


# ------------------------------------------------------------------------------------- containers


def probe(d: Optional[dict]) -> Optional[core.Probe]:
    if d is None:
        return None
    kind = next((k for k in ("exec", "httpGet", "tcpSocket", "grpc") if k in d), "exec")
    return core.Probe(
        kind=kind,
        initial_delay_seconds=int(d.get("initialDelaySeconds", 0) or 0),
        period_seconds=int(d.get("periodSeconds", 10) or 10),
        timeout_seconds=int(d.get("timeoutSeconds", 1) or 1),
        success_threshold=int(d.get("successThreshold", 1) or 1),
        failure_threshold=int(d.get("failureThreshold", 3) or 3),
        termination_grace_period_seconds=d.get("terminationGracePeriodSeconds"),
    )


def container(d: dict) -> core.Container:
    res = d.get("resources") or {}
    lifecycle = d.get("lifecycle") or {}
    pre_stop = lifecycle.get("preStop")
    sleep = (pre_stop or {}).get("sleep") if isinstance(pre_stop, dict) else None
    return core.Container(
        name=d.get("name", ""),
        image=d.get("image", "") or "",
        image_pull_policy=d.get("imagePullPolicy", "IfNotPresent") or "IfNotPresent",
        requests=resource_list(res.get("requests")),
        limits=resource_list(res.get("limits")),
        ports=tuple(
            core.ContainerPort(
                container_port=int(p.get("containerPort", 0)),
                host_port=int(p.get("hostPort", 0) or 0),
                protocol=p.get("protocol", "TCP") or "TCP",
                host_ip=p.get("hostIP", "") or "",
                name=p.get("name", "") or "",
            )
            for p in (d.get("ports") or [])
        ),
        startup_probe=probe(d.get("startupProbe")),
        readiness_probe=probe(d.get("readinessProbe")),
        liveness_probe=probe(d.get("livenessProbe")),
        restart_policy=d.get("restartPolicy"),
        pre_stop=pre_stop is not None,
        pre_stop_sleep_seconds=(sleep or {}).get("seconds") if sleep else None,
        command=tuple(d.get("command") or ()),
        args=tuple(str(a) for a in (d.get("args") or ())),
    )


def volume(d: dict) -> core.Volume:
    src = next((k for k in d if k != "name"), "")
    body = d.get(src) if src else None
    claim = body.get("claimName", "") if src == "persistentVolumeClaim" and isinstance(body, dict) else ""
    medium = body.get("medium", "") if src == "emptyDir" and isinstance(body, dict) else ""
    ro = bool(body.get("readOnly", False)) if isinstance(body, dict) else False
    return core.Volume(name=d.get("name", ""), source=src, claim_name=claim, read_only=ro, medium=medium or "")


def pod_spec(d: Optional[dict]) -> core.PodSpec:
    d = d or {}
    res = d.get("resources") or {}
    return core.PodSpec(
        containers=[container(c) for c in (d.get("containers") or [])],
        init_containers=[container(c) for c in (d.get("initContainers") or [])],
        node_name=d.get("nodeName", "") or "",
        node_selector={str(k): str(v) for k, v in (d.get("nodeSelector") or {}).items()},
        affinity=affinity(d.get("affinity")),
        tolerations=tuple(toleration(t) for t in (d.get("tolerations") or [])),
        topology_spread_constraints=tuple(
            topology_spread_constraint(c) for c in (d.get("topologySpreadConstraints") or [])
        ),
        scheduler_name=d.get("schedulerName", "default-scheduler") or "default-scheduler",
        priority_class_name=d.get("priorityClassName", "") or "",
        priority=d.get("priority"),
        preemption_policy=d.get("preemptionPolicy"),
        restart_policy=d.get("restartPolicy", "Always") or "Always",
        termination_grace_period_seconds=d.get("terminationGracePeriodSeconds", 30),
        active_deadline_seconds=d.get("activeDeadlineSeconds"),
        overhead=resource_list(d.get("overhead")),
        resources_requests=resource_list(res["requests"]) if res.get("requests") else None,
        resources_limits=resource_list(res["limits"]) if res.get("limits") else None,
        scheduling_gates=tuple(g.get("name", "") for g in (d.get("schedulingGates") or [])),
        host_network=bool(d.get("hostNetwork", False)),
        hostname=d.get("hostname", "") or "",
        subdomain=d.get("subdomain", "") or "",
        volumes=tuple(volume(v) for v in (d.get("volumes") or [])),
        service_account_name=d.get("serviceAccountName", "") or "",
        runtime_class_name=d.get("runtimeClassName", "") or "",
    )


def pod_template(d: Optional[dict]) -> apps.PodTemplateSpec:
    d = d or {}
    md = d.get("metadata") or {}
    return apps.PodTemplateSpec(
        labels={str(k): str(v) for k, v in (md.get("labels") or {}).items()},
        annotations={str(k): str(v) for k, v in (md.get("annotations") or {}).items()},
        spec=pod_spec(d.get("spec")),
        raw=d,
    )


# ----------------------------------------------------------------------------------------- kinds


def _pod(d: dict) -> core.Pod:
    st = d.get("status") or {}
    pod = core.Pod(metadata=object_meta(d.get("metadata")), spec=pod_spec(d.get("spec")), raw=d)
    if st.get("nominatedNodeName"):
        pod.status.nominated_node_name = st["nominatedNodeName"]
    return pod


def _node(d: dict) -> core.Node:
    spec = d.get("spec") or {}
    st = d.get("status") or {}
    capacity = resource_list(st.get("capacity"))
    allocatable = resource_list(st.get("allocatable")) or dict(capacity)
    return core.Node(
        metadata=object_meta(d.get("metadata")),
        spec=core.NodeSpec(
            unschedulable=bool(spec.get("unschedulable", False)),
            taints=tuple(taint(t) for t in (spec.get("taints") or [])),
            pod_cidr=spec.get("podCIDR", "") or "",
            provider_id=spec.get("providerID", "") or "",
        ),
        status=core.NodeStatus(
            capacity=capacity,
            allocatable=allocatable,
            images=[
                core.ContainerImage(tuple(i.get("names") or ()), int(i.get("sizeBytes", 0) or 0))
                for i in (st.get("images") or [])
            ],
        ),
        raw=d,
    )


def _service(d: dict) -> core.Service:
    spec = d.get("spec") or {}
    sac = ((spec.get("sessionAffinityConfig") or {}).get("clientIP") or {}).get("timeoutSeconds", 10800)
    return core.Service(
        metadata=object_meta(d.get("metadata")),
        spec=core.ServiceSpec(
            type=spec.get("type", "ClusterIP") or "ClusterIP",
            selector=None if spec.get("selector") is None else {str(k): str(v) for k, v in spec["selector"].items()},
            ports=tuple(
                core.ServicePort(
                    port=int(p.get("port", 0)),
                    target_port=p.get("targetPort", p.get("port")),
                    protocol=p.get("protocol", "TCP") or "TCP",
                    name=p.get("name", "") or "",
                    node_port=int(p.get("nodePort", 0) or 0),
                )
                for p in (spec.get("ports") or [])
            ),
            cluster_ip=spec.get("clusterIP", "") or "",
            session_affinity=spec.get("sessionAffinity", "None") or "None",
            session_affinity_timeout_seconds=int(sac),
            internal_traffic_policy=spec.get("internalTrafficPolicy", "Cluster") or "Cluster",
            external_traffic_policy=spec.get("externalTrafficPolicy", "") or "",
            traffic_distribution=spec.get("trafficDistribution", "") or "",
            publish_not_ready_addresses=bool(spec.get("publishNotReadyAddresses", False)),
        ),
        raw=d,
    )


def _namespace(d: dict) -> core.Namespace:
    return core.Namespace(metadata=object_meta(d.get("metadata")), raw=d)


def _pv(d: dict) -> core.PersistentVolume:
    spec = d.get("spec") or {}
    na = (spec.get("nodeAffinity") or {}).get("required")
    src = next(
        (k for k in spec if k not in ("capacity", "accessModes", "storageClassName", "persistentVolumeReclaimPolicy",
                                      "volumeMode", "claimRef", "nodeAffinity", "mountOptions",
                                      "volumeAttributesClassName")),
        "",
    )
    cref = spec.get("claimRef")
    return core.PersistentVolume(
        metadata=object_meta(d.get("metadata")),
        spec=core.PersistentVolumeSpec(
            capacity=resource_list(spec.get("capacity")),
            access_modes=tuple(spec.get("accessModes") or ()),
            storage_class_name=spec.get("storageClassName", "") or "",
            reclaim_policy=spec.get("persistentVolumeReclaimPolicy", "Retain") or "Retain",
            volume_mode=spec.get("volumeMode", "Filesystem") or "Filesystem",
            claim_ref=(cref.get("namespace", ""), cref.get("name", ""), cref.get("uid", "")) if cref else None,
            node_affinity=None if na is None else core.NodeAffinity(
                required=tuple(node_selector_term(t) for t in (na.get("nodeSelectorTerms") or []))
            ),
            source=src,
        ),
        raw=d,
    )


def pvc_spec(spec: Optional[dict]) -> core.PersistentVolumeClaimSpec:
    spec = spec or {}
    return core.PersistentVolumeClaimSpec(
        access_modes=tuple(spec.get("accessModes") or ()),
        requests=resource_list((spec.get("resources") or {}).get("requests")),
        storage_class_name=spec.get("storageClassName"),
        volume_name=spec.get("volumeName", "") or "",
        volume_mode=spec.get("volumeMode", "Filesystem") or "Filesystem",
        selector=label_selector(spec.get("selector")),
    )


def _pvc(d: dict) -> core.PersistentVolumeClaim:
    return core.PersistentVolumeClaim(metadata=object_meta(d.get("metadata")), spec=pvc_spec(d.get("spec")), raw=d)


def _limit_range(d: dict) -> core.LimitRange:
    items = []
    for it in ((d.get("spec") or {}).get("limits") or []):
        items.append(
            core.LimitRangeItem(
                type=it.get("type", ""),
                max=resource_list(it.get("max")),
                min=resource_list(it.get("min")),
                default=resource_list(it.get("default")),
                default_request=resource_list(it.get("defaultRequest")),
                max_limit_request_ratio=resource_list(it.get("maxLimitRequestRatio")),
            )
        )
    return core.LimitRange(metadata=object_meta(d.get("metadata")), spec=core.LimitRangeSpec(tuple(items)), raw=d)


def _quota_resource(name: str, v) -> int:
    base = name.split(".", 1)[1] if name.startswith(("requests.", "limits.")) else name
    return _q(base, v)


def _resource_quota(d: dict) -> core.ResourceQuota:
    spec = d.get("spec") or {}
    return core.ResourceQuota(
        metadata=object_meta(d.get("metadata")),
        spec=core.ResourceQuotaSpec(
            hard={k: _quota_resource(k, v) for k, v in (spec.get("hard") or {}).items()},
            scopes=tuple(spec.get("scopes") or ()),
        ),
        raw=d,
    )


def _deployment(d: dict) -> apps.Deployment:
    spec = d.get("spec") or {}
    strat = spec.get("strategy") or {}
    ru = strat.get("rollingUpdate")
    stype = strat.get("type", "RollingUpdate") or "RollingUpdate"
    return apps.Deployment(
        metadata=object_meta(d.get("metadata")),
        spec=apps.DeploymentSpec(
            replicas=int(spec.get("replicas", 1)),
            selector=label_selector(spec.get("selector")),
            template=pod_template(spec.get("template")),
            strategy=apps.DeploymentStrategy(
                type=stype,
                rolling_update=None if stype != "RollingUpdate" else apps.RollingUpdateDeployment(
                    max_unavailable=(ru or {}).get("maxUnavailable", "25%"),
                    max_surge=(ru or {}).get("maxSurge", "25%"),
                ),
            ),
            min_ready_seconds=int(spec.get("minReadySeconds", 0) or 0),
            revision_history_limit=int(spec.get("revisionHistoryLimit", 10)),
            paused=bool(spec.get("paused", False)),
            progress_deadline_seconds=spec.get("progressDeadlineSeconds", 600),
        ),
        raw=d,
    )


def _replicaset(d: dict) -> apps.ReplicaSet:
    spec = d.get("spec") or {}
    return apps.ReplicaSet(
        metadata=object_meta(d.get("metadata")),
        spec=apps.ReplicaSetSpec(
            replicas=int(spec.get("replicas", 1)),
            selector=label_selector(spec.get("selector")),
            template=pod_template(spec.get("template")),
            min_ready_seconds=int(spec.get("minReadySeconds", 0) or 0),
        ),
        raw=d,
    )


def _statefulset(d: dict) -> apps.StatefulSet:
    spec = d.get("spec") or {}
    us = spec.get("updateStrategy") or {}
    ru = us.get("rollingUpdate") or {}
    ret = spec.get("persistentVolumeClaimRetentionPolicy") or {}
    return apps.StatefulSet(
        metadata=object_meta(d.get("metadata")),
        spec=apps.StatefulSetSpec(
            replicas=int(spec.get("replicas", 1)),
            selector=label_selector(spec.get("selector")),
            template=pod_template(spec.get("template")),
            service_name=spec.get("serviceName", "") or "",
            pod_management_policy=spec.get("podManagementPolicy", "OrderedReady") or "OrderedReady",
            update_strategy=apps.StatefulSetUpdateStrategy(
                type=us.get("type", "RollingUpdate") or "RollingUpdate",
                partition=int(ru.get("partition", 0) or 0),
                max_unavailable=ru.get("maxUnavailable"),
            ),
            volume_claim_templates=[
                core.PersistentVolumeClaim(metadata=object_meta(t.get("metadata")), spec=pvc_spec(t.get("spec")), raw=t)
                for t in (spec.get("volumeClaimTemplates") or [])
            ],
            min_ready_seconds=int(spec.get("minReadySeconds", 0) or 0),
            revision_history_limit=int(spec.get("revisionHistoryLimit", 10)),
            pvc_retention_when_deleted=ret.get("whenDeleted", "Retain") or "Retain",
            pvc_retention_when_scaled=ret.get("whenScaled", "Retain") or "Retain",
            ordinals_start=int((spec.get("ordinals") or {}).get("start", 0) or 0),
        ),
        raw=d,
    )


def _daemonset(d: dict) -> apps.DaemonSet:
    spec = d.get("spec") or {}
    us = spec.get("updateStrategy") or {}
    ru = us.get("rollingUpdate") or {}
    return apps.DaemonSet(
        metadata=object_meta(d.get("metadata")),
        spec=apps.DaemonSetSpec(
            selector=label_selector(spec.get("selector")),
            template=pod_template(spec.get("template")),
            update_strategy=apps.DaemonSetUpdateStrategy(
                type=us.get("type", "RollingUpdate") or "RollingUpdate",
                max_unavailable=ru.get("maxUnavailable", 1),
                max_surge=ru.get("maxSurge", 0),
            ),
            min_ready_seconds=int(spec.get("minReadySeconds", 0) or 0),
            revision_history_limit=int(spec.get("revisionHistoryLimit", 10)),
        ),
        raw=d,
    )


def job_spec(spec: Optional[dict]) -> batch.JobSpec:
    spec = spec or {}
    return batch.JobSpec(
        parallelism=spec.get("parallelism", 1),
        completions=spec.get("completions"),
        completion_mode=spec.get("completionMode", "NonIndexed") or "NonIndexed",
        backoff_limit=spec.get("backoffLimit", 6),
        backoff_limit_per_index=spec.get("backoffLimitPerIndex"),
        max_failed_indexes=spec.get("maxFailedIndexes"),
        active_deadline_seconds=spec.get("activeDeadlineSeconds"),
        ttl_seconds_after_finished=spec.get("ttlSecondsAfterFinished"),
        suspend=bool(spec.get("suspend", False)),
        selector=label_selector(spec.get("selector")),
        manual_selector=bool(spec.get("manualSelector", False)),
        template=pod_template(spec.get("template")),
        pod_failure_policy=spec.get("podFailurePolicy"),
        pod_replacement_policy=spec.get("podReplacementPolicy", "TerminatingOrFailed") or "TerminatingOrFailed",
    )


def _job(d: dict) -> batch.Job:
    return batch.Job(metadata=object_meta(d.get("metadata")), spec=job_spec(d.get("spec")), raw=d)


def _cronjob(d: dict) -> batch.CronJob:
    spec = d.get("spec") or {}
    jt = spec.get("jobTemplate") or {}
    jmd = jt.get("metadata") or {}
    return batch.CronJob(
        metadata=object_meta(d.get("metadata")),
        spec=batch.CronJobSpec(
            schedule=spec.get("schedule", ""),
            time_zone=spec.get("timeZone"),
            starting_deadline_seconds=spec.get("startingDeadlineSeconds"),
            concurrency_policy=spec.get("concurrencyPolicy", "Allow") or "Allow",
            suspend=bool(spec.get("suspend", False)),
            job_template=batch.JobTemplateSpec(
                labels=dict(jmd.get("labels") or {}), annotations=dict(jmd.get("annotations") or {}),
                spec=job_spec(jt.get("spec")),
            ),
            successful_jobs_history_limit=int(spec.get("successfulJobsHistoryLimit", 3)),
            failed_jobs_history_limit=int(spec.get("failedJobsHistoryLimit", 1)),
        ),
        raw=d,
    )


def _metric_target(d: Optional[dict]) -> Optional[policy.MetricTarget]:
    if d is None:
        return None
    return policy.MetricTarget(
        type=d.get("type", ""),
        average_utilization=d.get("averageUtilization"),
        average_value=_milli(d["averageValue"]) if d.get("averageValue") is not None else None,
        value=_milli(d["value"]) if d.get("value") is not None else None,
    )


def _metric_spec(d: dict) -> policy.MetricSpec:
    t = d.get("type", "")
    if t == "Resource":
        r = d.get("resource") or {}
        return policy.MetricSpec(type=t, name=r.get("name", ""), target=_metric_target(r.get("target")))
    if t == "ContainerResource":
        r = d.get("containerResource") or {}
        return policy.MetricSpec(type=t, name=r.get("name", ""), container=r.get("container", ""),
                                 target=_metric_target(r.get("target")))
    body = d.get({"Pods": "pods", "Object": "object", "External": "external"}.get(t, "")) or {}
    metric = body.get("metric") or {}
    obj = body.get("describedObject")
    return policy.MetricSpec(
        type=t, name=metric.get("name", ""), target=_metric_target(body.get("target")),
        selector=metric.get("selector"),
        described_object=(obj.get("apiVersion", ""), obj.get("kind", ""), obj.get("name", "")) if obj else None,
    )


def _scaling_rules(d: Optional[dict]) -> Optional[policy.HPAScalingRules]:
    if d is None:
        return None
    return policy.HPAScalingRules(
        stabilization_window_seconds=d.get("stabilizationWindowSeconds"),
        select_policy=d.get("selectPolicy", "Max") or "Max",
        policies=tuple(
            policy.HPAScalingPolicy(p.get("type", ""), int(p.get("value", 0)), int(p.get("periodSeconds", 0)))
            for p in (d.get("policies") or [])
        ),
        tolerance=float(d["tolerance"]) if d.get("tolerance") is not None else None,
    )


def _hpa(d: dict) -> policy.HorizontalPodAutoscaler:
    spec = d.get("spec") or {}
    ref = spec.get("scaleTargetRef") or {}
    beh = spec.get("behavior")
    return policy.HorizontalPodAutoscaler(
        metadata=object_meta(d.get("metadata")),
        spec=policy.HorizontalPodAutoscalerSpec(
            scale_target_ref=(ref.get("apiVersion", ""), ref.get("kind", ""), ref.get("name", "")),
            min_replicas=int(spec.get("minReplicas", 1) if spec.get("minReplicas") is not None else 1),
            max_replicas=int(spec.get("maxReplicas", 1)),
            metrics=tuple(_metric_spec(m) for m in (spec.get("metrics") or [])),
            behavior=None if beh is None else policy.HPABehavior(
                scale_up=_scaling_rules(beh.get("scaleUp")), scale_down=_scaling_rules(beh.get("scaleDown"))
            ),
        ),
        raw=d,
    )


def _pdb(d: dict) -> policy.PodDisruptionBudget:
    spec = d.get("spec") or {}
    return policy.PodDisruptionBudget(
        metadata=object_meta(d.get("metadata")),
        spec=policy.PodDisruptionBudgetSpec(
            min_available=spec.get("minAvailable"),
            max_unavailable=spec.get("maxUnavailable"),
            selector=label_selector(spec.get("selector")),
            unhealthy_pod_eviction_policy=spec.get("unhealthyPodEvictionPolicy"),
        ),
        raw=d,
    )


def _priority_class(d: dict) -> policy.PriorityClass:
    return policy.PriorityClass(
        metadata=object_meta(d.get("metadata")),
        value=int(d.get("value", 0)),
        global_default=bool(d.get("globalDefault", False)),
        preemption_policy=d.get("preemptionPolicy", "PreemptLowerPriority") or "PreemptLowerPriority",
        description=d.get("description", "") or "",
        raw=d,
    )


def _storage_class(d: dict) -> policy.StorageClass:
    return policy.StorageClass(
        metadata=object_meta(d.get("metadata")),
        provisioner=d.get("provisioner", ""),
        parameters={str(k): str(v) for k, v in (d.get("parameters") or {}).items()},
        reclaim_policy=d.get("reclaimPolicy", "Delete") or "Delete",
        volume_binding_mode=d.get("volumeBindingMode", "Immediate") or "Immediate",
        allow_volume_expansion=bool(d.get("allowVolumeExpansion", False)),
        allowed_topologies=tuple(
            core.NodeSelectorTerm(match_expressions=tuple(
                core.NodeSelectorRequirement(e.get("key", ""), "In", tuple(e.get("values") or ()))
                for e in (t.get("matchLabelExpressions") or [])
            ))
            for t in (d.get("allowedTopologies") or [])
        ),
        raw=d,
    )


#: (group, kind) -> decoder, for every kind the simulator models
DECODERS: dict[tuple[str, str], Callable[[dict], Any]] = {
    ("", "Pod"): _pod,
    ("", "Node"): _node,
    ("", "Service"): _service,
    ("", "Namespace"): _namespace,
    ("", "PersistentVolume"): _pv,
    ("", "PersistentVolumeClaim"): _pvc,
    ("", "LimitRange"): _limit_range,
    ("", "ResourceQuota"): _resource_quota,
    ("apps", "Deployment"): _deployment,
    ("apps", "ReplicaSet"): _replicaset,
    ("apps", "StatefulSet"): _statefulset,
    ("apps", "DaemonSet"): _daemonset,
    ("batch", "Job"): _job,
    ("batch", "CronJob"): _cronjob,
    ("autoscaling", "HorizontalPodAutoscaler"): _hpa,
    ("policy", "PodDisruptionBudget"): _pdb,
    ("scheduling.k8s.io", "PriorityClass"): _priority_class,
    ("storage.k8s.io", "StorageClass"): _storage_class,
}


def group_of(api_version: str) -> str:
    return api_version.split("/", 1)[0] if "/" in api_version else ""


def is_modelled(api_version: str, kind: str) -> bool:
    return (group_of(api_version), kind) in DECODERS


def decode(obj: dict):
    """Typed object for a defaulted, validated manifest dict of a modelled kind."""
    return DECODERS[(group_of(obj.get("apiVersion", "")), obj.get("kind", ""))](obj)
