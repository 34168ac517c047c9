"""Object plumbing of the store: etcd keys, resource information, uids and generated names, and fast
shallow copies.

Keys follow ``k8s-algorithms.md`` §13 (``/registry/<resource>/<namespace>/<name>``, nodes under
``/registry/minions/``, services under ``/registry/services/specs/``). Names follow
``k8s.io/apiserver/pkg/storage/names`` (``SimpleNameGenerator``) and ``k8s.io/apimachinery/pkg/util/rand``
(``String``); uids are UUID4-formatted draws from the ``store.uid`` stream.
"""
from __future__ import annotations

import copy as _copy
import dataclasses

from k8ssim.api.meta import ObjectMeta

__all__ = [
    "registry_prefix", "key_for", "ResourceInfo", "NameGenerator", "shallow_copy", "copy_meta",
    "GENERATE_NAME_ATTEMPTS",
]

ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789"
"""``utilrand.String``'s alphabet: alphanumerics without vowels and confusable characters."""
GENERATED_SUFFIX = 5  # names.randomLength
MAX_GENERATED_BASE = 63 - GENERATED_SUFFIX  # names.maxGeneratedNameLength
GENERATE_NAME_ATTEMPTS = 8  # the first try plus RetryGenerateName's retries

_PREFIX_EXCEPTIONS = {
    "nodes": "/registry/minions/",
    "services": "/registry/services/specs/",
    "endpoints": "/registry/services/endpoints/",
}


def registry_prefix(resource: str) -> str:
    """The etcd key prefix of a resource (``/registry/pods/``, ``/registry/minions/``, ...)."""
    return _PREFIX_EXCEPTIONS.get(resource) or f"/registry/{resource}/"


def key_for(obj) -> str:
    """The etcd key of an object: ``/registry/<resource>/<namespace>/<name>`` or, for cluster-scoped
    objects, ``/registry/<resource>/<name>``."""
    md = obj.metadata
    p = registry_prefix(obj.resource)
    return f"{p}{md.namespace}/{md.name}" if obj.namespaced else p + md.name


class ResourceInfo:
    """What the store knows of a resource type (from its KubeObject class)."""

    __slots__ = ("resource", "kind", "qualified", "group_kind", "namespaced", "prefix")

    def __init__(self, resource: str, kind: str, api_version: str, namespaced: bool):
        group = api_version.rpartition("/")[0] if "/" in api_version else ""
        self.resource = resource
        self.kind = kind or resource
        self.qualified = f"{resource}.{group}" if group else resource
        """Group-qualified resource as upstream errors print it: ``pods``, ``deployments.apps``."""
        self.group_kind = f"{self.kind}.{group}" if group else self.kind
        self.namespaced = namespaced
        self.prefix = registry_prefix(resource)


class NameGenerator:
    """Deterministic uids and generated names from two named RNG streams (drawn in batches)."""

    __slots__ = ("_uid_rng", "_name_rng", "_uids", "_chars")

    def __init__(self, uid_rng, name_rng):
        self._uid_rng = uid_rng
        self._name_rng = name_rng
        self._uids: list[str] = []
        self._chars: list[int] = []

    def new_uid(self) -> str:
        """A UUID4-formatted uid (version nibble 4, RFC 4122 variant)."""
        buf = self._uids
        if not buf:
            raw = self._uid_rng.bytes(16 * 256).hex()
            for i in range(len(raw) - 32, -1, -32):  # reversed so that pop() yields them in order
                h = raw[i : i + 32]
                v = "89ab"[int(h[16], 16) & 3]
                buf.append(f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{v}{h[17:20]}-{h[20:32]}")
        return buf.pop()

    def random_string(self, n: int) -> str:
        """``utilrand.String(n)``."""
        buf = self._chars
        if len(buf) < n:
            fresh = self._name_rng.integers(0, len(ALPHANUMS), size=4096).tolist()
            fresh.reverse()
            buf[:0] = fresh  # older draws stay at the end and are used first
        return "".join([ALPHANUMS[buf.pop()] for _ in range(n)])

    def generate_name(self, base: str) -> str:
        """``SimpleNameGenerator.GenerateName``: base cut to 58 characters + 5 random characters."""
        if len(base) > MAX_GENERATED_BASE:
            base = base[:MAX_GENERATED_BASE]
        return base + self.random_string(GENERATED_SUFFIX)


def shallow_copy(obj):
    """A shallow copy (faster than ``copy.copy`` for plain dataclasses)."""
    d = getattr(obj, "__dict__", None)
    if d is None or hasattr(type(obj), "__slots__"):
        return _copy.copy(obj)
    new = object.__new__(type(obj))
    new.__dict__.update(d)
    return new


def _make_meta_copier():
    """``copy.copy`` for ObjectMeta without the ``__reduce_ex__`` round trip, generated from its
    dataclass fields (so it follows the class)."""
    names = [f.name for f in dataclasses.fields(ObjectMeta)]
    body = "".join(f"    n.{f} = m.{f}\n" for f in names)
    src = f"def copy_meta(m):\n    if type(m) is not C:\n        return _copy(m)\n    n = _new(C)\n{body}    return n\n"
    ns = {"C": ObjectMeta, "_new": object.__new__, "_copy": _copy.copy}
    exec(src, ns)  # noqa: S102 - the source is built from dataclass field names only
    return ns["copy_meta"]


copy_meta = _make_meta_copier()
copy_meta.__doc__ = "A shallow copy of an ObjectMeta (dicts and lists shared)."
