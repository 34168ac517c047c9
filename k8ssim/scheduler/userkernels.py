"""User plugins on the scheduler's fast path: the protocol of a numba-compiled Filter/Score plugin,
its validation, and the glue :mod:`k8ssim.scheduler.fastpath` calls.

No upstream counterpart (kube-scheduler plugins are Go code compiled into the binary); the semantics
kept are those of ``pkg/scheduler/framework/runtime/framework.go`` (``RunFilterPlugins``: all filters
must pass, ``RunScorePlugins``: score, ``NormalizeScore``, range check [0, 100], weight, sum) and
``schedule_one.go`` (``findNodesThatPassFilters`` stops after ``numFeasibleNodesToFind`` nodes that
pass *every* filter). See ``docs/user-plugins.md`` for the user's guide.

A user plugin (any class with a ``name`` and reference ``filter`` / ``score`` methods) joins the fast
path by declaring, besides its reference methods:

* ``fast_args(pod, view: NodeView) -> tuple | None``: the per-pod kernel arguments, built in Python
  from the pod and read-only node-table columns (:class:`NodeView`); ``None`` sends this pod to the
  reference path;
* ``fast_filter(rows, *args) -> bool[:]`` (numba ``@njit``): for each table row in ``rows``, whether
  the node passes (the reference ``filter`` returns success);
* ``fast_score(rows, *args) -> int64[:]`` (numba ``@njit``): the raw score of each row (the reference
  ``score``);
* ``fast_normalize(scores)`` (numba ``@njit``, optional): normalizes the int64 scores in place as the
  reference ``normalize_score`` does (:data:`default_normalize` / :data:`default_normalize_reverse`
  are ``DefaultNormalizeScore``). A plugin with ``normalize_score`` and no ``fast_normalize`` gets its
  Python ``normalize_score`` called on the kernel's raw scores (exact; a fresh CycleState is passed).

Composition (exact, see the module docstring of ``fastpath``): the user filters are evaluated on every
node of the snapshot and ANDed into the in-tree kernel's node-static mask *before* its visiting loop, so
the early stop counts nodes that pass all filters, as upstream. A filter is a pure function of (pod,
node) in one cycle, so evaluating it on nodes the loop never visits is unobservable. User scores are
computed on the feasible rows (visiting order), normalized, range-checked and weighted, then added to
the in-tree totals; any score outside [0, 100] sends the pod to the reference path, which reports the
upstream error.
"""
from __future__ import annotations

from typing import Any, Callable, Optional

import numpy as np
from numba import njit

from k8ssim.scheduler.framework import MAX_NODE_SCORE, MIN_NODE_SCORE, CycleState, FrameworkError, NodeScore, is_success
from k8ssim.scheduler.kernels import _default_normalize

__all__ = [
    "FAST_ATTRS", "NodeView", "UserKernels", "default_normalize", "default_normalize_reverse",
    "fast_kernels", "has_fast_kernels", "unsupported_reason", "validate_plugin",
]

FAST_ATTRS = ("fast_filter", "fast_score", "fast_normalize", "fast_args")
ABSENT = -1
"""Label value id of a node without the label key."""
UNKNOWN_VALUE = -2
"""What :meth:`NodeView.label_value_id` returns for a value no node carries (matches no row)."""


@njit(cache=True)
def default_normalize(scores):
    """``helper.DefaultNormalizeScore(MaxNodeScore, false, scores)`` in place (int64[:])."""
    _default_normalize(scores, scores.shape[0], False)


@njit(cache=True)
def default_normalize_reverse(scores):
    """``helper.DefaultNormalizeScore(MaxNodeScore, true, scores)`` in place (int64[:])."""
    _default_normalize(scores, scores.shape[0], True)


# ---------------------------------------------------------------------------------------------------
# what a plugin's fast_args may read
# ---------------------------------------------------------------------------------------------------


def _ro(a: np.ndarray) -> np.ndarray:
    v = a.view()
    v.setflags(write=False)
    return v


class NodeView:
    """Read-only access to the node table (:mod:`k8ssim.scheduler.nodetable`) for ``fast_args``.

    Every array is indexed by table *row* (the ``rows`` a kernel receives), has at least as many
    entries as there are rows, and is a read-only view valid for the current cycle only (do not keep
    it across cycles: columns are reallocated when the table grows). Nothing here changes the table.
    """

    __slots__ = ("_t",)

    def __init__(self, table):
        self._t = table

    # -- rows ----------------------------------------------------------------------------------
    @property
    def rows(self) -> np.ndarray:
        """The rows of the snapshot's nodes, in node-tree order (int64)."""
        return _ro(self._t.order)

    def node_name(self, row: int) -> str:
        return self._t.names[row]

    def row_of(self, node_name: str) -> int:
        """The row of a node, -1 if the table has none."""
        return self._t.row_of.get(node_name, -1)

    # -- resources -----------------------------------------------------------------------------
    def _res(self, a: np.ndarray, resource: str) -> np.ndarray:
        c = self._t.res_col.get(resource)
        if c is None:
            return np.zeros(a.shape[0], np.int64)
        return _ro(a[:, c])

    def allocatable(self, resource: str) -> np.ndarray:
        """``NodeInfo.allocatable[resource]`` per row (int64; 0 when no node has the resource).
        cpu in millicores, memory/ephemeral-storage in bytes, extended resources in units."""
        return self._res(self._t.alloc, resource)

    def requested(self, resource: str) -> np.ndarray:
        """``NodeInfo.requested[resource]`` per row: the sum of the requests of the pods on the node
        (assumed pods included), int64."""
        return self._res(self._t.used, resource)

    def non_zero_requested(self, resource: str) -> np.ndarray:
        """``NodeInfo.non_zero_requested`` for ``cpu`` or ``memory`` per row (int64)."""
        if resource not in ("cpu", "memory"):
            raise FrameworkError(f'non_zero_requested: resource must be "cpu" or "memory", not "{resource}"')
        return _ro(self._t.nz[:, 0 if resource == "cpu" else 1])

    def pod_count(self) -> np.ndarray:
        """Number of pods on the node per row (int64)."""
        return _ro(self._t.npods)

    def unschedulable(self) -> np.ndarray:
        """``node.spec.unschedulable`` per row (uint8)."""
        return _ro(self._t.unsched)

    # -- labels --------------------------------------------------------------------------------
    def label_ids(self, key: str) -> np.ndarray:
        """The value id of label ``key`` per row (int32), ``-1`` (:data:`ABSENT`) where the node has
        no such label. Compare with :meth:`label_value_id` / :meth:`label_value_lut`."""
        t = self._t
        c = t.label_col.get(key)
        if c is None:
            return np.full(t.lab.shape[0], ABSENT, np.int32)
        return _ro(t.lab[:, c])

    def label_value_id(self, key: str, value: str) -> int:
        """The id of ``value`` for label ``key``; :data:`UNKNOWN_VALUE` (-2) when no node has it."""
        t = self._t
        c = t.label_col.get(key)
        if c is None:
            return UNKNOWN_VALUE
        return t.values[c].get(value, UNKNOWN_VALUE)

    def label_values(self, key: str) -> list:
        """The values of label ``key`` by id (``label_values(key)[id]``)."""
        t = self._t
        c = t.label_col.get(key)
        return [] if c is None else list(t.value_names[c])

    def label_value_lut(self, key: str, fn: Callable[[str], Any], dtype=np.int64) -> np.ndarray:
        """``lut[id] = fn(value)`` for every value id of label ``key`` (length >= 1; index it only
        with ids >= 0)."""
        vals = self.label_values(key)
        out = np.zeros(max(1, len(vals)), dtype)
        for i, v in enumerate(vals):
            out[i] = fn(v)
        return out

    def label_count(self) -> np.ndarray:
        """Number of labels of the node per row (int32)."""
        return _ro(self._t.nlabels)

    # -- taints --------------------------------------------------------------------------------
    def taint_set_ids(self) -> np.ndarray:
        """The id of the node's taint list per row (int32); nodes with equal taints share an id."""
        return _ro(self._t.taint_set)

    def taint_sets(self) -> list:
        """The taint lists by id (``taint_sets()[id]`` is a tuple of ``Taint``)."""
        return list(self._t.taint_sets)

    def taint_set_lut(self, fn: Callable[[tuple], Any], dtype=np.uint8) -> np.ndarray:
        """``lut[id] = fn(taints)`` for every taint list id."""
        sets = self._t.taint_sets
        out = np.zeros(len(sets), dtype)
        for i, ts in enumerate(sets):
            out[i] = fn(ts)
        return out


# ---------------------------------------------------------------------------------------------------
# protocol and validation
# ---------------------------------------------------------------------------------------------------


def _attr(plugin, name: str):
    """A fast attribute looked up on the instance, then the class (a numba dispatcher stored on a
    class would otherwise bind ``self`` as its first argument)."""
    d = getattr(plugin, "__dict__", None)
    if d and name in d:
        return d[name]
    for klass in type(plugin).__mro__:
        if name in klass.__dict__:
            v = klass.__dict__[name]
            if isinstance(v, (staticmethod, classmethod)):
                return getattr(plugin, name)
            if name == "fast_args":
                return getattr(plugin, name)
            return v
    return None


def has_fast_kernels(plugin) -> bool:
    """Whether the plugin declares any part of the fast protocol."""
    return any(_attr(plugin, a) is not None for a in FAST_ATTRS)


def _is_numba(k) -> bool:
    return callable(k) and hasattr(k, "py_func") and hasattr(k, "signatures")


def validate_plugin(plugin) -> list:
    """Problems with a plugin's fast declarations (empty when none or when they are consistent)."""
    if not has_fast_kernels(plugin):
        return []
    name = getattr(plugin, "name", type(plugin).__name__)
    errs = []
    f, s, nrm, args = (_attr(plugin, a) for a in FAST_ATTRS)
    for attr, k in (("fast_filter", f), ("fast_score", s), ("fast_normalize", nrm)):
        if k is not None and not _is_numba(k):
            errs.append(f"{name}.{attr} must be a numba-compiled function (numba.njit), got {type(k).__name__}")
    if f is not None and not callable(getattr(plugin, "filter", None)):
        errs.append(f"{name}.fast_filter needs the reference filter method")
    if s is not None and not callable(getattr(plugin, "score", None)):
        errs.append(f"{name}.fast_score needs the reference score method")
    if nrm is not None and s is None:
        errs.append(f"{name}.fast_normalize needs fast_score")
    if nrm is not None and not callable(getattr(plugin, "normalize_score", None)):
        errs.append(f"{name}.fast_normalize needs the reference normalize_score method")
    if (f is not None or s is not None) and not callable(args):
        errs.append(f"{name}.fast_args(pod, view) is required with fast_filter/fast_score")
    if args is not None and f is None and s is None:
        errs.append(f"{name}.fast_args without fast_filter or fast_score")
    return errs


def fast_kernels(plugin) -> tuple:
    """``(fast_filter, fast_score, fast_normalize, fast_args)`` of a plugin (None where absent)."""
    return tuple(_attr(plugin, a) for a in FAST_ATTRS)


def unsupported_reason(plugin, point: str) -> Optional[str]:
    """None when the fast path can run this (non in-tree) plugin at ``point`` (preFilter, filter,
    preScore or score), else why not."""
    label = f"plugin {plugin.name} ({type(plugin).__name__})"
    if validate_plugin(plugin):
        return f"{label}: " + "; ".join(validate_plugin(plugin))
    f, s, _n, _a = fast_kernels(plugin)
    if point == "filter":
        return None if f is not None else f"{label} is not modelled by the kernel (no fast_filter)"
    if point == "score":
        return None if s is not None else f"{label} is not modelled by the kernel (no fast_score)"
    return f"{label} has a {point} extension: user plugins on the fast path implement only filter/score"


# ---------------------------------------------------------------------------------------------------
# glue
# ---------------------------------------------------------------------------------------------------


class UserKernels:
    """The user plugins of one profile that run on the fast path (``known``: the in-tree classes)."""

    def __init__(self, fwk, known):
        self.filters: list = []  # (plugin, fast_filter)
        self.scores: list = []  # (plugin, fast_score, fast_normalize, weight)
        users: list = []  # (plugin, fast_args)
        for p in fwk.filter_plugins:
            if type(p) not in known:
                f, _s, _n, a = fast_kernels(p)
                self.filters.append((p, f))
                users.append((p, a))
        for p in fwk.score_plugins:
            if type(p) not in known:
                _f, s, nrm, a = fast_kernels(p)
                self.scores.append((p, s, nrm, fwk.score_plugin_weight[p.name]))
                if all(q is not p for q, _ in users):
                    users.append((p, a))
        self.plugins = users

    def __bool__(self) -> bool:
        return bool(self.plugins)

    def prepare(self, pod, table) -> Optional[dict]:
        """``{plugin name: args}`` for this pod, or None when a plugin declines (reference path)."""
        view = NodeView(table)
        out = {}
        for p, fast_args in self.plugins:
            a = fast_args(pod, view)
            if a is None:
                return None
            out[p.name] = tuple(a)
        return out

    def filter_mask(self, args: dict, table, size: int) -> Optional[np.ndarray]:
        """Row-indexed mask (length ``size``) of the snapshot's nodes passing every user filter;
        None when there are no user filters."""
        if not self.filters:
            return None
        rows = table.order
        ok = np.ones(rows.shape[0], bool)
        for p, k in self.filters:
            res = np.asarray(k(rows, *args[p.name]))
            if res.shape != rows.shape:
                raise FrameworkError(f"plugin {p.name}: fast_filter returned shape {res.shape}, want {rows.shape}")
            ok &= res.astype(bool, copy=False)
        mask = np.zeros(size, bool)
        mask[rows] = ok
        return mask

    def add_scores(self, args: dict, pod, table, feas: np.ndarray, totals: np.ndarray,
                   weights: Optional[dict] = None) -> bool:
        """Adds each user scorer's normalized, weighted scores of the feasible rows to ``totals``
        (``RunScorePlugins``). False when a score falls outside [0, 100] (the reference path then
        reports the error). ``weights`` overrides weights by plugin name."""
        for p, k, nrm, w in self.scores:
            if weights is not None:
                w = weights.get(p.name, w)
            if not w:
                continue
            sc = np.array(k(feas, *args[p.name]), dtype=np.int64)
            if sc.shape != feas.shape:
                raise FrameworkError(f"plugin {p.name}: fast_score returned shape {sc.shape}, want {feas.shape}")
            if nrm is not None:
                nrm(sc)
            else:
                norm = getattr(p, "normalize_score", None)
                if callable(norm):
                    names = table.names
                    lst = [NodeScore(names[r], int(v)) for r, v in zip(feas.tolist(), sc.tolist())]
                    if not is_success(norm(CycleState(), pod, lst)):
                        return False
                    sc = np.fromiter((x.score for x in lst), np.int64, len(lst))
            if sc.size and (sc.max() > MAX_NODE_SCORE or sc.min() < MIN_NODE_SCORE):
                return False
            totals += w * sc
        return True
