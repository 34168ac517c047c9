"""apiserver validation of manifest dicts: ``validate(obj) -> list[FieldError]``.

Dispatches on ``apiVersion``/``kind`` to the mirrors of upstream ``pkg/apis/<group>/validation/validation.go``
(one module per group: :mod:`.core`/:mod:`.core_objects`, :mod:`.apps`, :mod:`.batch`, :mod:`.autoscaling`,
:mod:`.policy`, :mod:`.scheduling`, :mod:`.storage`), after ``ValidateObjectMeta`` with the kind's name
rule (:mod:`.names`). Run it on *defaulted* objects (:func:`k8ssim.api.defaults.apply_defaults`), as the
apiserver does. Kinds that are not modelled validate to ``[]``; JSON types and unknown fields are the
schema checker's job, and a value of an unexpected type is skipped here, never a crash.
"""
from __future__ import annotations

from typing import Any, Callable

from ..errors import FieldError
from . import apps, autoscaling, batch, core, core_objects, policy, scheduling, storage
from .names import (
    is_dns1035_label, is_dns1123_label, is_dns1123_subdomain, validate_object_meta, validate_path_segment_name,
)

__all__ = ["validate", "FieldError", "VALIDATORS"]

# (group, kind) -> (namespaced, name rule, spec validator)
VALIDATORS: dict = {
    ("", "Pod"): (True, is_dns1123_subdomain, core.validate_pod),
    ("", "PodTemplate"): (True, is_dns1123_subdomain, core.validate_pod_template),
    ("", "ReplicationController"): (True, is_dns1123_subdomain, core_objects.validate_replication_controller),
    ("", "Service"): (True, is_dns1035_label, core_objects.validate_service),
    ("", "Node"): (False, is_dns1123_subdomain, core_objects.validate_node),
    ("", "Namespace"): (False, is_dns1123_label, core_objects.validate_namespace),
    ("", "LimitRange"): (True, is_dns1123_subdomain, core_objects.validate_limit_range),
    ("", "ResourceQuota"): (True, is_dns1123_subdomain, core_objects.validate_resource_quota),
    ("", "PersistentVolume"): (False, validate_path_segment_name, storage.validate_pv),
    ("", "PersistentVolumeClaim"): (True, validate_path_segment_name, storage.validate_pvc),
    ("apps", "Deployment"): (True, is_dns1123_subdomain, apps.validate_deployment),
    ("apps", "ReplicaSet"): (True, is_dns1123_subdomain, apps.validate_replica_set),
    ("apps", "StatefulSet"): (True, is_dns1123_subdomain, apps.validate_stateful_set),
    ("apps", "DaemonSet"): (True, is_dns1123_subdomain, apps.validate_daemon_set),
    ("batch", "Job"): (True, is_dns1123_subdomain, batch.validate_job),
    ("batch", "CronJob"): (True, is_dns1123_subdomain, batch.validate_cron_job),
    ("autoscaling", "HorizontalPodAutoscaler"): (True, validate_path_segment_name, autoscaling.validate_hpa),
    ("policy", "PodDisruptionBudget"): (True, is_dns1123_subdomain, policy.validate_pdb),
    ("scheduling.k8s.io", "PriorityClass"): (False, is_dns1123_subdomain, scheduling.validate_priority_class),
    ("storage.k8s.io", "StorageClass"): (False, is_dns1123_subdomain, storage.validate_storage_class),
}


def _group(api_version: Any) -> str:
    if not isinstance(api_version, str) or "/" not in api_version:
        return ""
    return api_version.split("/", 1)[0]


def validate(obj: dict) -> list:
    """All validation errors of one (defaulted) manifest dict, as :class:`FieldError` s."""
    if not isinstance(obj, dict):
        return [FieldError((), "Invalid value: must be an object")]
    kind = obj.get("kind") if isinstance(obj.get("kind"), str) else ""
    entry = VALIDATORS.get((_group(obj.get("apiVersion")), kind))
    if entry is None:
        return []
    namespaced, name_fn, fn = entry
    errs = validate_object_meta(obj.get("metadata"), namespaced, name_fn)
    errs += fn(obj)
    return errs


def validator_for(api_version: str, kind: str) -> Callable | None:
    entry = VALIDATORS.get((_group(api_version), kind))
    return entry[2] if entry else None
