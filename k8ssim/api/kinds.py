"""Kinds, resources, scopes and removed API versions of Kubernetes v1.35.

Mirrors what the apiserver's discovery tells a client (``kubectl api-resources``): the plural
resource name of a kind (``k8s.io/apimachinery/pkg/api/meta/restmapper.go``,
``UnsafeGuessKindToResource``), whether it is namespaced, and the API versions that are no longer
served (https://kubernetes.io/docs/reference/using-api/deprecation-guide/). The set of kinds v1.35
serves is read from the OpenAPI schemas by :mod:`k8ssim.api.schema`; this module holds the facts
that the schemas do not carry.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

__all__ = [
    "KindInfo",
    "RemovedAPI",
    "REMOVED_APIS",
    "CLUSTER_SCOPED",
    "SUBRESOURCE_ONLY",
    "plural",
    "resource_name",
    "is_namespaced",
    "removed_api",
    "split_api_version",
    "join_api_version",
]


def split_api_version(api_version: str) -> tuple[str, str]:
    """``"apps/v1"`` -> ``("apps", "v1")``; ``"v1"`` -> ``("", "v1")`` (the core group)."""
    if "/" in api_version:
        group, _, version = api_version.partition("/")
        return group, version
    return "", api_version


def join_api_version(group: str, version: str) -> str:
    """Inverse of :func:`split_api_version`."""
    return f"{group}/{version}" if group else version


# Irregular plurals: kinds whose resource name is not what UnsafeGuessKindToResource would guess.
# Upstream registers these explicitly (core/v1 ``endpoints`` is both singular and plural).
_IRREGULAR_PLURALS: dict[str, str] = {
    "endpoints": "endpoints",
}


def plural(kind: str) -> str:
    """Resource name of a kind: lowercase + the apimachinery pluralisation rules.

    ``UnsafeGuessKindToResource``: ``...s`` -> ``...ses``, ``...y`` -> ``...ies``, else ``+s``;
    irregular names (``Endpoints`` -> ``endpoints``) come from a table. Examples, as served by
    v1.35: ingresses, networkpolicies, storageclasses, priorityclasses, horizontalpodautoscalers,
    poddisruptionbudgets, ipaddresses, componentstatuses.
    """
    singular = kind.lower()
    if not singular:
        return singular
    if singular in _IRREGULAR_PLURALS:
        return _IRREGULAR_PLURALS[singular]
    if singular.endswith("s"):
        return singular + "es"
    if singular.endswith("y"):
        return singular[:-1] + "ies"
    return singular + "s"


# (group, kind) of every cluster-scoped kind the v1.35 apiserver serves (``kubectl api-resources
# --namespaced=false`` on a v1.35 cluster with all API groups enabled). Every other served kind is
# namespaced. The scope of a kind is a property of its resource, not of the OpenAPI schema.
CLUSTER_SCOPED: frozenset[tuple[str, str]] = frozenset(
    {
        # core
        ("", "ComponentStatus"),
        ("", "Namespace"),
        ("", "Node"),
        ("", "PersistentVolume"),
        # admissionregistration.k8s.io
        ("admissionregistration.k8s.io", "MutatingWebhookConfiguration"),
        ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"),
        ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"),
        ("admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding"),
        ("admissionregistration.k8s.io", "MutatingAdmissionPolicy"),
        ("admissionregistration.k8s.io", "MutatingAdmissionPolicyBinding"),
        # apiextensions / apiregistration
        ("apiextensions.k8s.io", "CustomResourceDefinition"),
        ("apiregistration.k8s.io", "APIService"),
        # authentication / authorization (create-only review resources)
        ("authentication.k8s.io", "SelfSubjectReview"),
        ("authentication.k8s.io", "TokenReview"),
        ("authorization.k8s.io", "SelfSubjectAccessReview"),
        ("authorization.k8s.io", "SelfSubjectRulesReview"),
        ("authorization.k8s.io", "SubjectAccessReview"),
        # certificates.k8s.io
        ("certificates.k8s.io", "CertificateSigningRequest"),
        ("certificates.k8s.io", "ClusterTrustBundle"),
        # flowcontrol.apiserver.k8s.io
        ("flowcontrol.apiserver.k8s.io", "FlowSchema"),
        ("flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration"),
        # internal.apiserver.k8s.io
        ("internal.apiserver.k8s.io", "StorageVersion"),
        # networking.k8s.io
        ("networking.k8s.io", "IngressClass"),
        ("networking.k8s.io", "IPAddress"),
        ("networking.k8s.io", "ServiceCIDR"),
        # node.k8s.io
        ("node.k8s.io", "RuntimeClass"),
        # policy (removed in v1.25, kept so an old manifest still gets the right scope)
        ("policy", "PodSecurityPolicy"),
        # rbac.authorization.k8s.io
        ("rbac.authorization.k8s.io", "ClusterRole"),
        ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
        # resource.k8s.io
        ("resource.k8s.io", "DeviceClass"),
        ("resource.k8s.io", "DeviceTaintRule"),
        ("resource.k8s.io", "ResourceSlice"),
        # scheduling.k8s.io
        ("scheduling.k8s.io", "PriorityClass"),
        # storage.k8s.io
        ("storage.k8s.io", "CSIDriver"),
        ("storage.k8s.io", "CSINode"),
        ("storage.k8s.io", "StorageClass"),
        ("storage.k8s.io", "VolumeAttachment"),
        ("storage.k8s.io", "VolumeAttributesClass"),
        # storagemigration.k8s.io
        ("storagemigration.k8s.io", "StorageVersionMigration"),
    }
)

# Kinds that have a schema with ObjectMeta but are served only as subresources (pods/eviction,
# */scale, serviceaccounts/token): a manifest of one of them is not a resource the RESTMapper knows.
SUBRESOURCE_ONLY: frozenset[tuple[str, str]] = frozenset(
    {
        ("autoscaling", "Scale"),
        ("policy", "Eviction"),
        ("authentication.k8s.io", "TokenRequest"),
    }
)


def is_namespaced(group: str, kind: str) -> bool:
    """True unless (group, kind) is in :data:`CLUSTER_SCOPED`."""
    return (group, kind) not in CLUSTER_SCOPED


def resource_name(group: str, version: str, kind: str) -> str:
    """Plural resource of a (group, version, kind), e.g. ``("apps","v1","Deployment")`` -> ``deployments``.

    The resource name does not depend on the version for any built-in kind.
    """
    del group, version
    return plural(kind)


@dataclass(frozen=True)
class KindInfo:
    """A kind that v1.35 serves, as the RESTMapper knows it."""

    group: str
    version: str
    kind: str
    namespaced: bool
    schema_name: str  # OpenAPI definition, e.g. "io.k8s.api.apps.v1.Deployment"

    @property
    def api_version(self) -> str:
        return join_api_version(self.group, self.version)

    @property
    def resource(self) -> str:
        return resource_name(self.group, self.version, self.kind)


@dataclass(frozen=True)
class RemovedAPI:
    """A (group, version, kind) that is no longer served, and what to use instead."""

    group: str
    version: str
    kind: str
    removed_in: str  # Kubernetes release that stopped serving it, e.g. "v1.25"
    replacement: Optional[str]  # group/version serving the kind in v1.35, or None

    @property
    def api_version(self) -> str:
        return join_api_version(self.group, self.version)

    def hint(self) -> str:
        """``CronJob was removed in v1.25: use batch/v1``."""
        if self.replacement:
            return f"{self.kind} was removed in {self.removed_in}: use {self.replacement}"
        return f"{self.kind} was removed in {self.removed_in}: no replacement API"


def _removed(removed_in: str, api_version: str, kinds: str, replacement: Optional[str]) -> list[RemovedAPI]:
    group, version = split_api_version(api_version)
    return [RemovedAPI(group, version, k, removed_in, replacement) for k in kinds.split()]


# The deprecation guide (https://kubernetes.io/docs/reference/using-api/deprecation-guide/), one
# row per removed (group/version, kind). Checked against the schemas in kubernetes-validate: every
# entry removed after v1.25 is present in the schemas of the release before and absent from those
# of its release; every entry removed up to v1.25 is absent from v1.25.0 (tests/api/test_schema.py).
# Replacements point at what v1.35 serves (flowcontrol v1beta3 moved on to v1 in v1.29).
REMOVED_APIS: dict[tuple[str, str, str], RemovedAPI] = {
    (r.group, r.version, r.kind): r
    for r in [
        # v1.16
        *_removed("v1.16", "extensions/v1beta1", "DaemonSet Deployment ReplicaSet", "apps/v1"),
        *_removed("v1.16", "extensions/v1beta1", "NetworkPolicy", "networking.k8s.io/v1"),
        *_removed("v1.16", "extensions/v1beta1", "PodSecurityPolicy", None),
        *_removed("v1.16", "apps/v1beta1", "Deployment StatefulSet ControllerRevision", "apps/v1"),
        *_removed("v1.16", "apps/v1beta2",
                  "DaemonSet Deployment ReplicaSet StatefulSet ControllerRevision", "apps/v1"),
        # v1.22
        *_removed("v1.22", "admissionregistration.k8s.io/v1beta1",
                  "MutatingWebhookConfiguration ValidatingWebhookConfiguration",
                  "admissionregistration.k8s.io/v1"),
        *_removed("v1.22", "apiextensions.k8s.io/v1beta1", "CustomResourceDefinition",
                  "apiextensions.k8s.io/v1"),
        *_removed("v1.22", "apiregistration.k8s.io/v1beta1", "APIService", "apiregistration.k8s.io/v1"),
        *_removed("v1.22", "authentication.k8s.io/v1beta1", "TokenReview", "authentication.k8s.io/v1"),
        *_removed("v1.22", "authorization.k8s.io/v1beta1",
                  "SubjectAccessReview LocalSubjectAccessReview SelfSubjectAccessReview "
                  "SelfSubjectRulesReview", "authorization.k8s.io/v1"),
        *_removed("v1.22", "certificates.k8s.io/v1beta1", "CertificateSigningRequest",
                  "certificates.k8s.io/v1"),
        *_removed("v1.22", "coordination.k8s.io/v1beta1", "Lease", "coordination.k8s.io/v1"),
        *_removed("v1.22", "extensions/v1beta1", "Ingress", "networking.k8s.io/v1"),
        *_removed("v1.22", "networking.k8s.io/v1beta1", "Ingress IngressClass", "networking.k8s.io/v1"),
        *_removed("v1.22", "rbac.authorization.k8s.io/v1beta1",
                  "ClusterRole ClusterRoleBinding Role RoleBinding", "rbac.authorization.k8s.io/v1"),
        *_removed("v1.22", "scheduling.k8s.io/v1beta1", "PriorityClass", "scheduling.k8s.io/v1"),
        *_removed("v1.22", "storage.k8s.io/v1beta1", "CSIDriver CSINode StorageClass VolumeAttachment",
                  "storage.k8s.io/v1"),
        # v1.25
        *_removed("v1.25", "batch/v1beta1", "CronJob", "batch/v1"),
        *_removed("v1.25", "discovery.k8s.io/v1beta1", "EndpointSlice", "discovery.k8s.io/v1"),
        *_removed("v1.25", "events.k8s.io/v1beta1", "Event", "events.k8s.io/v1"),
        *_removed("v1.25", "autoscaling/v2beta1", "HorizontalPodAutoscaler", "autoscaling/v2"),
        *_removed("v1.25", "policy/v1beta1", "PodDisruptionBudget", "policy/v1"),
        *_removed("v1.25", "policy/v1beta1", "PodSecurityPolicy", None),
        *_removed("v1.25", "node.k8s.io/v1beta1", "RuntimeClass", "node.k8s.io/v1"),
        # v1.26
        *_removed("v1.26", "flowcontrol.apiserver.k8s.io/v1beta1",
                  "FlowSchema PriorityLevelConfiguration", "flowcontrol.apiserver.k8s.io/v1"),
        *_removed("v1.26", "autoscaling/v2beta2", "HorizontalPodAutoscaler", "autoscaling/v2"),
        # v1.27
        *_removed("v1.27", "storage.k8s.io/v1beta1", "CSIStorageCapacity", "storage.k8s.io/v1"),
        # v1.29
        *_removed("v1.29", "flowcontrol.apiserver.k8s.io/v1beta2",
                  "FlowSchema PriorityLevelConfiguration", "flowcontrol.apiserver.k8s.io/v1"),
        # v1.32
        *_removed("v1.32", "flowcontrol.apiserver.k8s.io/v1beta3",
                  "FlowSchema PriorityLevelConfiguration", "flowcontrol.apiserver.k8s.io/v1"),
    ]
}


def removed_api(group: str, version: str, kind: str) -> Optional[RemovedAPI]:
    """The deprecation-guide entry for (group, version, kind), if it is a removed API."""
    return REMOVED_APIS.get((group, version, kind))
