"""ControllerRevisions: the revision history of StatefulSets and DaemonSets.

Mirrors ``pkg/controller/history/controller_history.go`` (``NewControllerRevision``,
``HashControllerRevision``, ``ControllerRevisionName``, ``SortControllerRevisions``,
``EqualRevision``, ``FindEqualRevisions``, ``CreateControllerRevision`` with its collision loop) and the
revision helpers of ``pkg/controller/statefulset/stateful_set_utils.go`` (``nextRevision``).

A revision is modelled minimally: ``data`` holds the pod template (a :class:`PodTemplateSpec`) rather
than a strategic-merge patch, and equality of two revisions is equality of the canonical JSON of their
templates. Hashes use upstream's FNV-32a + collision count + ``rand.SafeEncodeString`` steps over that
canonical JSON (like the Deployment's pod-template-hash, see :mod:`k8ssim.controllers.deployment_util`),
so names have upstream's shape (``web-6c9f8d7b5``) but are not byte-equal to a real cluster's.
"""
from __future__ import annotations

import json
import struct
from typing import Iterable, Optional

from k8ssim.api.apps import ControllerRevision, PodTemplateSpec
from k8ssim.api.meta import ObjectMeta
from k8ssim.controllers.base import controller_owner_uid
from k8ssim.controllers.deployment_util import canonical, fnv32a, safe_encode_string
from k8ssim.controllers.podcontrol import owner_reference
from k8ssim.store import errors as E

#: ``history.ControllerRevisionHashLabel``.
CONTROLLER_REVISION_HASH_LABEL = "controller.kubernetes.io/hash"
#: ``apps.ControllerRevisionHashLabelKey`` (= ``StatefulSetRevisionLabel`` = ``DefaultDaemonSetUniqueLabelKey``).
CONTROLLER_REVISION_HASH_LABEL_KEY = "controller-revision-hash"
REVISION_OWNER_INDEX = "controller-uid"
_MAX_PREFIX = 223  # 253 - 1 - 29 (ControllerRevisionName keeps room for the hash)


def template_data(template: PodTemplateSpec) -> str:
    """The canonical JSON of a pod template: what a revision records and compares."""
    body = {"labels": dict(template.labels), "annotations": dict(template.annotations),
            "spec": canonical(template.spec)}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)


def hash_controller_revision(data: str, probe: Optional[int] = None) -> str:
    """``HashControllerRevision``: FNV-32a of the data (then of the collision count), SafeEncodeString'd."""
    h = fnv32a(data.encode())
    if probe is not None:
        h = fnv32a(struct.pack("<I", probe & 0xFFFFFFFF), h)
    return safe_encode_string(str(h))


def controller_revision_name(prefix: str, hash_: str) -> str:
    """``ControllerRevisionName``: ``<prefix>-<hash>`` with the prefix cut to 223 characters."""
    if len(prefix) > _MAX_PREFIX:
        prefix = prefix[:_MAX_PREFIX]
    return f"{prefix}-{hash_}"


def new_controller_revision(parent, template_labels: dict, template: PodTemplateSpec, revision: int,
                            collision_count: Optional[int]) -> ControllerRevision:
    """``NewControllerRevision``: labels = template labels + the hash label, owned by ``parent``."""
    data = template_data(template)
    h = hash_controller_revision(data, collision_count)
    labels = dict(template_labels)
    labels[CONTROLLER_REVISION_HASH_LABEL] = h
    cr = ControllerRevision(
        metadata=ObjectMeta(name=controller_revision_name(parent.metadata.name, h), namespace=parent.metadata.namespace,
                            labels=labels, annotations=dict(parent.metadata.annotations),
                            owner_references=[owner_reference(parent)]),
        data=template,
        revision=revision,
    )
    return cr


def revision_data(cr: ControllerRevision) -> str:
    return template_data(cr.data) if isinstance(cr.data, PodTemplateSpec) else json.dumps(cr.data, sort_keys=True,
                                                                                          default=str)


def equal_revision(a: Optional[ControllerRevision], b: Optional[ControllerRevision]) -> bool:
    """``EqualRevision``: both nil, or equal hash labels (when both have one) and equal data."""
    if a is None or b is None:
        return a is None and b is None
    ha = a.metadata.labels.get(CONTROLLER_REVISION_HASH_LABEL)
    hb = b.metadata.labels.get(CONTROLLER_REVISION_HASH_LABEL)
    if ha is not None and hb is not None and ha != hb:
        return False
    return revision_data(a) == revision_data(b)


def find_equal_revisions(revisions: Iterable[ControllerRevision], needle: ControllerRevision) -> list:
    """``FindEqualRevisions``."""
    return [r for r in revisions if equal_revision(r, needle)]


def sort_controller_revisions(revisions: Iterable[ControllerRevision]) -> list:
    """``SortControllerRevisions``: by revision, then creation timestamp, then name."""
    return sorted(revisions, key=lambda r: (r.revision, r.metadata.creation_timestamp or 0.0, r.metadata.name))


def next_revision(sorted_revisions: list) -> int:
    """``nextRevision``: 1 + the largest revision (1 when there is none)."""
    return sorted_revisions[-1].revision + 1 if sorted_revisions else 1


def _owner_index(obj) -> list:
    uid = controller_owner_uid(obj)
    return [uid] if uid else []


def ensure_revision_index(store) -> None:
    """Index ControllerRevisions by their controller's uid (idempotent; shared by the controllers)."""
    if not getattr(store, "_k8ssim_revision_index", False):
        store.add_index("controllerrevisions", REVISION_OWNER_INDEX, _owner_index)
        store._k8ssim_revision_index = True


def list_controller_revisions(store, parent) -> list:
    """The revisions owned by ``parent`` (``ListControllerRevisions`` restricted to owned ones)."""
    return list(store.by_index("controllerrevisions", REVISION_OWNER_INDEX, parent.metadata.uid))


def create_controller_revision(store, parent, revision: ControllerRevision, collision_count: int) -> tuple:
    """``CreateControllerRevision``: create ``revision``; on a name clash with a different revision,
    bump the collision count and re-hash. Returns ``(created_or_existing, collision_count)``."""
    template_labels = {k: v for k, v in revision.metadata.labels.items() if k != CONTROLLER_REVISION_HASH_LABEL}
    while True:
        h = hash_controller_revision(revision_data(revision), collision_count)
        cr = ControllerRevision(
            metadata=ObjectMeta(name=controller_revision_name(parent.metadata.name, h),
                                namespace=parent.metadata.namespace,
                                labels={**template_labels, CONTROLLER_REVISION_HASH_LABEL: h},
                                annotations=dict(revision.metadata.annotations),
                                owner_references=list(revision.metadata.owner_references)),
            data=revision.data,
            revision=revision.revision,
        )
        try:
            return store.create(cr), collision_count
        except E.AlreadyExists:
            existing = store.get("controllerrevisions", cr.metadata.namespace, cr.metadata.name)
            if equal_revision(existing, cr):
                return existing, collision_count
            collision_count += 1


def update_controller_revision(store, revision: ControllerRevision, new_revision: int) -> ControllerRevision:
    """``UpdateControllerRevision``: set the revision number (a roll back to an earlier template)."""
    if revision.revision == new_revision:
        return revision
    upd = revision.copy()
    upd.revision = new_revision
    return store.update(upd)
