"""Storage validation: PersistentVolume, PersistentVolumeClaim (core/v1) and StorageClass (storage/v1).

Mirrors ``pkg/apis/core/validation/validation.go`` (``ValidatePersistentVolumeSpec``,
``ValidatePersistentVolumeClaimSpec``) and ``pkg/apis/storage/validation/validation.go``
(``ValidateStorageClass``, ``validateProvisioner``, ``validateReclaimPolicy``, ``validateVolumeBindingMode``).
"""
from __future__ import annotations

from typing import Any

from .core import validate_node_selector
from .names import (
    ErrorList, Path, as_dict, as_list, forbidden, invalid, is_dns1123_subdomain, is_qualified_name,
    not_supported, required, too_long, validate_label_selector,
)
from .resources import validate_resource_list

ACCESS_MODES = ["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"]
VOLUME_MODES = ["Block", "Filesystem"]
PV_RECLAIM_POLICIES = ["Delete", "Recycle", "Retain"]
SC_RECLAIM_POLICIES = ["Delete", "Retain"]
BINDING_MODES = ["Immediate", "WaitForFirstConsumer"]
PV_SOURCES = (
    "gcePersistentDisk", "awsElasticBlockStore", "hostPath", "glusterfs", "nfs", "rbd", "iscsi", "cinder",
    "cephfs", "fc", "flocker", "flexVolume", "azureFile", "vsphereVolume", "quobyte", "azureDisk",
    "photonPersistentDisk", "portworxVolume", "scaleIO", "local", "storageos", "csi",
)


def _access_modes(modes: Any, path: Path, detail: str) -> ErrorList:
    errs: ErrorList = []
    modes = as_list(modes)
    if not modes:
        errs.append(required(path, detail))
    for m in modes:
        if m not in ACCESS_MODES:
            errs.append(not_supported(path, m, ACCESS_MODES))
    if "ReadWriteOncePod" in modes and len(modes) > 1:
        errs.append(forbidden(path, "may not use ReadWriteOncePod with other access modes"))
    return errs


def _storage_class_name(v: Any, path: Path) -> ErrorList:
    if isinstance(v, str) and v:
        return [invalid(path, v, m) for m in is_dns1123_subdomain(v)]
    return []


def validate_pv(obj: dict) -> ErrorList:
    spec, sp = as_dict(obj.get("spec")), ("spec",)
    errs = _access_modes(spec.get("accessModes"), sp + ("accessModes",), "")
    cap = spec.get("capacity")
    if not as_dict(cap):
        errs.append(required(sp + ("capacity",), ""))
    else:
        if "storage" not in cap or len(cap) > 1:
            errs.append(not_supported(sp + ("capacity",), cap, ["storage"]))
        errs += validate_resource_list(cap, sp + ("capacity",)).pop(None)
    rp = spec.get("persistentVolumeReclaimPolicy")
    if rp not in (None, "") and rp not in PV_RECLAIM_POLICIES:
        errs.append(not_supported(sp + ("persistentVolumeReclaimPolicy",), rp, PV_RECLAIM_POLICIES))
    vm = spec.get("volumeMode")
    if vm is not None and vm not in VOLUME_MODES:
        errs.append(not_supported(sp + ("volumeMode",), vm, VOLUME_MODES))
    errs += _storage_class_name(spec.get("storageClassName"), sp + ("storageClassName",))
    sources = [k for k in PV_SOURCES if spec.get(k) is not None]
    if not sources:
        errs.append(required(sp, "must specify a volume type"))
    for k in sources[1:]:
        errs.append(forbidden(sp + (k,), "may not specify more than 1 volume type"))
    hp = spec.get("hostPath")
    if hp is not None and not as_dict(hp).get("path"):
        errs.append(required(sp + ("hostPath", "path"), ""))
    na = as_dict(spec.get("nodeAffinity"))
    if na.get("required") is not None:
        errs += validate_node_selector(na.get("required"), sp + ("nodeAffinity", "required"))
    if spec.get("local") is not None and spec.get("nodeAffinity") is None:
        errs.append(required(sp + ("nodeAffinity",), "Local volume requires node affinity"))
    return errs


def validate_pvc_spec(spec: Any, sp: Path) -> ErrorList:
    """``ValidatePersistentVolumeClaimSpec``."""
    spec = as_dict(spec)
    errs = _access_modes(spec.get("accessModes"), sp + ("accessModes",), "at least 1 access mode is required")
    errs += validate_label_selector(spec.get("selector"), sp + ("selector",))
    res = as_dict(spec.get("resources"))
    reqs = as_dict(res.get("requests"))
    has_source = spec.get("dataSource") is not None or spec.get("dataSourceRef") is not None
    if "storage" not in reqs and not has_source:
        errs.append(required(sp + ("resources", "requests", "storage"), ""))
    r = validate_resource_list(reqs, sp + ("resources", "requests"))
    errs += r.pop(None)
    q = r.get("storage")
    if q is not None and q.sign() <= 0 and not errs:
        errs.append(invalid(sp + ("resources", "requests", "storage"), q.canonical(), "must be greater than zero"))
    errs += validate_resource_list(res.get("limits"), sp + ("resources", "limits")).pop(None)
    vm = spec.get("volumeMode")
    if vm is not None and vm not in VOLUME_MODES:
        errs.append(not_supported(sp + ("volumeMode",), vm, VOLUME_MODES))
    errs += _storage_class_name(spec.get("storageClassName"), sp + ("storageClassName",))
    return errs


def validate_pvc(obj: dict) -> ErrorList:
    return validate_pvc_spec(obj.get("spec"), ("spec",))


def validate_storage_class(obj: dict) -> ErrorList:
    errs: ErrorList = []
    prov = obj.get("provisioner")
    if not prov:
        errs.append(required(("provisioner",), ""))
    elif isinstance(prov, str):
        if len(prov) > 63:
            errs.append(too_long(("provisioner",), 63))
        errs += [invalid(("provisioner",), prov, m) for m in is_qualified_name(prov.lower())]
    rp = obj.get("reclaimPolicy")
    if rp not in (None, "") and rp not in SC_RECLAIM_POLICIES:
        errs.append(not_supported(("reclaimPolicy",), rp, SC_RECLAIM_POLICIES))
    bm = obj.get("volumeBindingMode")
    if bm in (None, ""):
        errs.append(required(("volumeBindingMode",), ""))
    elif bm not in BINDING_MODES:
        errs.append(not_supported(("volumeBindingMode",), bm, BINDING_MODES))
    total = sum(len(str(k)) + len(str(v)) for k, v in as_dict(obj.get("parameters")).items())
    if total > 256 * 1024:
        errs.append(invalid(("parameters",), "", "must have at most 262144 bytes"))
    for i, term in enumerate(as_list(obj.get("allowedTopologies"))):
        if not as_list(as_dict(term).get("matchLabelExpressions")):
            errs.append(required(("allowedTopologies", i, "matchLabelExpressions"), "must have at least one label expression"))
    return errs
