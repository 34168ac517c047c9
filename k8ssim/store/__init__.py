"""kube-apiserver + etcd: versioned objects under ``/registry/...``, resourceVersion, optimistic
concurrency, graceful deletion and finalizers, watch streams, indexers and admission. The only way
components talk to each other. Objects in the store are immutable: write a copy."""
from __future__ import annotations

from k8ssim.store.errors import (
    AlreadyExists,
    Conflict,
    Forbidden,
    Gone,
    Invalid,
    NotFound,
    ServiceUnavailable,
    StoreError,
    TooManyRequests,
    is_already_exists,
    is_conflict,
    is_gone,
    is_not_found,
)
from k8ssim.store.store import NAMESPACE_INDEX, Store, key_for, registry_prefix
from k8ssim.store.watch import ADDED, DELETED, MODIFIED, Watch

__all__ = [
    "Store", "Watch", "key_for", "registry_prefix", "NAMESPACE_INDEX", "ADDED", "MODIFIED", "DELETED",
    "StoreError", "NotFound", "AlreadyExists", "Conflict", "Invalid", "Forbidden", "TooManyRequests",
    "Gone", "ServiceUnavailable", "is_not_found", "is_already_exists", "is_conflict", "is_gone",
]
