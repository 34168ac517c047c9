"""Admission plugins of kube-apiserver that act on typed objects at create time.

- ``DefaultTolerationSeconds`` (``plugin/pkg/admission/defaulttolerationseconds``): pods that do not
  tolerate ``node.kubernetes.io/not-ready:NoExecute`` / ``unreachable:NoExecute`` get an ``Exists``
  toleration for 300 s each.
- ``NamespaceLifecycle`` / ``NamespaceExists``: objects in a namespace that does not exist are refused.

Pod specs are shared between the pods of one template, so a pod whose spec needs new tolerations gets a
copy — memoised per template spec, so 10,000 replicas still share one admitted spec.
"""
from __future__ import annotations

import copy

from k8ssim.api.core import Toleration
from k8ssim.store import errors as E

NOT_READY = "node.kubernetes.io/not-ready"
UNREACHABLE = "node.kubernetes.io/unreachable"
DEFAULT_NOT_READY_TOLERATION_SECONDS = 300
DEFAULT_UNREACHABLE_TOLERATION_SECONDS = 300


def _tolerates_key(tolerations, key: str) -> bool:
    for t in tolerations:
        if (t.key == key or not t.key) and (t.effect == "NoExecute" or not t.effect):
            return True
    return False


class DefaultTolerationSeconds:
    def __init__(self, not_ready_seconds: int = DEFAULT_NOT_READY_TOLERATION_SECONDS,
                 unreachable_seconds: int = DEFAULT_UNREACHABLE_TOLERATION_SECONDS):
        self.not_ready = not_ready_seconds
        self.unreachable = unreachable_seconds
        self._memo: dict = {}  # id(spec) -> (spec, admitted spec)

    def admitted_spec(self, spec):
        hit = self._memo.get(id(spec))
        if hit is not None and hit[0] is spec:
            return hit[1]
        add = []
        if not _tolerates_key(spec.tolerations, NOT_READY):
            add.append(Toleration(NOT_READY, "Exists", "", "NoExecute", self.not_ready))
        if not _tolerates_key(spec.tolerations, UNREACHABLE):
            add.append(Toleration(UNREACHABLE, "Exists", "", "NoExecute", self.unreachable))
        out = spec
        if add:
            out = copy.copy(spec)
            out.tolerations = tuple(spec.tolerations) + tuple(add)
        self._memo[id(spec)] = (spec, out)
        return out

    def __call__(self, op: str, pod, old):
        if op != "CREATE":
            return None
        pod.spec = self.admitted_spec(pod.spec)
        return None


class NamespaceExists:
    """Refuse namespaced objects in a namespace that does not exist (or is terminating)."""

    def __init__(self, store):
        self.store = store

    def __call__(self, op: str, obj, old):
        if op != "CREATE" or not obj.namespaced:
            return None
        ns = self.store.try_get("namespaces", None, obj.metadata.namespace)
        if ns is None:
            raise E.NotFound("namespaces", obj.metadata.namespace)
        if ns.metadata.deletion_timestamp is not None:
            raise E.Forbidden(obj.resource, obj.metadata.name,
                              f"unable to create new content in namespace {obj.metadata.namespace} because it is "
                              "being terminated")
        return None
