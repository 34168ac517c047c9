"""An example user plugin module (enabled by dotted path, e.g. ``userplugin_example:GPUFree``): each
plugin has its reference method(s), run by the pure-Python framework, and numba kernels that let it
join the scheduler's fast path (protocol: :mod:`k8ssim.scheduler.userkernels`,
``docs/user-plugins.md``).

* ``GPUFree`` (Filter): a pod requesting GPUs needs that many free GPUs on the node, and a node with
  no GPU in use when it carries the label ``gpu.example.com/exclusive: "true"``; with
  ``reserveGPUNodes: true`` a pod requesting no GPU does not fit a node that has GPUs.
* ``PreferLabel`` (Score): the score of the node's value of label ``key`` in ``scores`` (0 when absent
  or not listed), normalized by ``DefaultNormalizeScore`` (``reverse`` flips it) — ``fast_normalize``.
* ``FewestPods`` (Score): the number of pods on the node, normalized by a reversed
  ``DefaultNormalizeScore`` in Python only (no ``fast_normalize``: the fast path calls
  ``normalize_score`` on the kernel's raw scores).
"""
from __future__ import annotations

import numpy as np
from numba import njit

from k8ssim.api.resources import pod_requests
from k8ssim.scheduler.framework import MAX_NODE_SCORE, Status, default_normalize_score
from k8ssim.scheduler.userkernels import default_normalize, default_normalize_reverse

GPU = "nvidia.com/gpu"
EXCLUSIVE_LABEL = "gpu.example.com/exclusive"
ERR_INSUFFICIENT = "Insufficient free GPUs"
ERR_IN_USE = "node(s) had GPUs in use"
ERR_RESERVED = "node(s) reserved for GPU pods"


@njit(cache=True)
def gpu_free_kernel(rows, alloc, used, want, exclusive, reserve):
    out = np.empty(rows.shape[0], np.bool_)
    for i in range(rows.shape[0]):
        r = rows[i]
        if want > 0:
            out[i] = alloc[r] - used[r] >= want and not (exclusive and used[r] > 0)
        else:
            out[i] = not (reserve and alloc[r] > 0)
    return out


class GPUFree:
    name = "GPUFree"

    def __init__(self, args, handle):
        args = args or {}
        self.resource = args.get("resource", GPU)
        self.reserve = bool(args.get("reserveGPUNodes", False))

    def _pod(self, pod) -> tuple:
        want = pod_requests(pod.spec).get(self.resource, 0)
        return want, pod.metadata.labels.get(EXCLUSIVE_LABEL) == "true"

    # reference
    def filter(self, state, pod, node_info):
        want, exclusive = self._pod(pod)
        alloc = node_info.allocatable.get(self.resource, 0)
        used = node_info.requested.get(self.resource, 0)
        if want > 0:
            if alloc - used < want:
                return Status.unschedulable(ERR_INSUFFICIENT)
            if exclusive and used > 0:
                return Status.unschedulable(ERR_IN_USE)
        elif self.reserve and alloc > 0:
            return Status.unresolvable(ERR_RESERVED)
        return None

    # fast path
    fast_filter = gpu_free_kernel

    def fast_args(self, pod, view):
        want, exclusive = self._pod(pod)
        return (view.allocatable(self.resource), view.requested(self.resource), want, exclusive, self.reserve)


@njit(cache=True)
def label_score_kernel(rows, lab, lut):
    out = np.zeros(rows.shape[0], np.int64)
    for i in range(rows.shape[0]):
        v = lab[rows[i]]
        if v >= 0:
            out[i] = lut[v]
    return out


class PreferLabel:
    name = "PreferLabel"

    def __init__(self, args, handle):
        args = args or {}
        self.key = args.get("key", "disktype")
        self.scores = {str(k): int(v) for k, v in (args.get("scores") or {}).items()}
        self.reverse = bool(args.get("reverse", False))
        # per instance: the normalization follows the args
        self.fast_normalize = default_normalize_reverse if self.reverse else default_normalize

    # reference
    def score(self, state, pod, node_info):
        v = node_info.node.metadata.labels.get(self.key)
        return (self.scores.get(v, 0) if v is not None else 0), None

    def normalize_score(self, state, pod, scores):
        default_normalize_score(MAX_NODE_SCORE, self.reverse, scores)
        return None

    # fast path
    fast_score = label_score_kernel

    def fast_args(self, pod, view):
        return view.label_ids(self.key), view.label_value_lut(self.key, lambda v: self.scores.get(v, 0))


@njit(cache=True)
def pod_count_kernel(rows, npods):
    out = np.empty(rows.shape[0], np.int64)
    for i in range(rows.shape[0]):
        out[i] = npods[rows[i]]
    return out


class FewestPods:
    name = "FewestPods"

    def __init__(self, args, handle):
        pass

    # reference
    def score(self, state, pod, node_info):
        return len(node_info.pods), None

    def normalize_score(self, state, pod, scores):
        default_normalize_score(MAX_NODE_SCORE, True, scores)
        return None

    # fast path (normalize_score is called in Python on the kernel's raw scores)
    fast_score = pod_count_kernel

    @staticmethod
    def fast_args(pod, view):
        return (view.pod_count(),)
