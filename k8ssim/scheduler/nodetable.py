"""The scheduler's node table: the cache's NodeInfos as numpy arrays, kept incrementally.

This is the data the numba kernels (:mod:`k8ssim.scheduler.kernels`) read. It has no upstream
counterpart; it holds exactly what ``framework.NodeInfo`` (``pkg/scheduler/framework/types.go``)
holds, column-wise:

* resources: ``alloc[row, col]``, ``used[row, col]`` (the sum of pod requests), ``nz[row, 0:2]``
  (non-zero cpu/memory requests), ``npods[row]``; resource names map to columns (``res_col``);
* taints: ``taint_set[row]`` → an id of the node's distinct taint list; ``unsched[row]``;
* labels: ``lab[row, kcol]`` = value id of label key ``kcol`` (-1 when absent), ``nlabels[row]``;
  topology domains are label value ids;
* pods by label set: each distinct (namespace, labels, terminating) of the placed pods is a *label
  set*; a *group* is a pod predicate (a spread selector, an affinity term, ...) and
  ``gcount[gid, row]`` counts the pods of the group on the node. Adding a group folds in the label
  sets once; adding a pod touches the groups of its label set. Nothing scans all pods per cycle;
* terms carried by placed pods (inter-pod affinity symmetry): ``tcount[tid, row]`` counts the pods
  on the node carrying term ``tid`` (kind, namespaces, selector, topology key, weight);
* host ports: ``nports[row]`` (the rows to check for a pod with host ports).

Rows are assigned when the cache creates a NodeInfo and are not reused; ``order`` lists the rows of
the snapshot's node list (node-tree order). ``static_version`` changes when labels, taints,
unschedulable or the row set change (per-pod masks derived from them are cached on it).
"""
from __future__ import annotations

from typing import Callable, Optional

import numpy as np

__all__ = ["NodeTable", "selector_key", "TERM_REQ_ANTI", "TERM_REQ_AFF", "TERM_PREF_AFF", "TERM_PREF_ANTI"]

TERM_REQ_ANTI = 0
TERM_REQ_AFF = 1
TERM_PREF_AFF = 2
TERM_PREF_ANTI = 3
BASE_RESOURCES = ("cpu", "memory", "ephemeral-storage", "pods")


def selector_key(sel) -> Optional[tuple]:
    """A hashable, canonical form of a LabelSelector (None stays None: matches nothing)."""
    if sel is None:
        return None
    if isinstance(sel, dict):
        return (tuple(sorted(sel.items())), ())
    return (tuple(sorted(sel.match_labels.items())),
            tuple((r.key, r.operator, tuple(r.values)) for r in sel.match_expressions))


def _grow_rows(a: np.ndarray, cap: int, fill) -> np.ndarray:
    b = np.full((cap,) + a.shape[1:], fill, dtype=a.dtype)
    b[: a.shape[0]] = a
    return b


def _grow_cols(a: np.ndarray, ncols: int, fill) -> np.ndarray:
    b = np.full((a.shape[0], ncols), fill, dtype=a.dtype)
    b[:, : a.shape[1]] = a
    return b


class NodeTable:
    """Column store of the cache's nodes and pods (see the module docstring)."""

    def __init__(self, capacity: int = 64):
        cap = max(8, capacity)
        self.cap = cap
        self.nrows = 0
        self.row_of: dict = {}
        self.names: list = []
        self.res_col: dict = {r: i for i, r in enumerate(BASE_RESOURCES)}
        self.alloc = np.zeros((cap, 4), np.int64)
        self.inv = np.zeros((cap, 4), np.float64)
        """``1.0 / alloc`` (0 where alloc is 0): the kernels' quotients start from a product."""
        self.used = np.zeros((cap, 4), np.int64)
        self.nz = np.zeros((cap, 2), np.int64)
        self.npods = np.zeros(cap, np.int64)
        self.nports = np.zeros(cap, np.int64)
        self.unsched = np.zeros(cap, np.uint8)
        self.has_node = np.zeros(cap, np.uint8)
        self.taint_set = np.zeros(cap, np.int32)
        self.taint_sets: list = [()]
        self._taint_set_id: dict = {(): 0}
        self.label_col: dict = {}
        self.label_keys: list = []
        self.values: list = []  # per key col: {value: id}
        self.value_names: list = []  # per key col: [value]
        self.lab = np.full((cap, 4), -1, np.int32)
        self.nlabels = np.zeros(cap, np.int32)
        self.static_version = 0
        self.order = np.zeros(0, np.int64)
        # label sets and groups
        self.ls_id: dict = {}
        self.ls_keys: list = []
        self.ls_rows: list = []
        self.ls_gids: list = []
        self.groups: list = []  # predicates (ns, labels, terminating) -> bool
        self.group_id: dict = {}
        self.gcount = np.zeros((8, cap), np.int32)
        # terms carried by placed pods
        self.term_id: dict = {}
        self.terms: list = []  # (kind, namespaces|None, selector, topology_key, weight)
        self.tcount = np.zeros((8, cap), np.int32)
        self.ns_selector_pods = 0
        """Placed pods with a term using a non-empty namespaceSelector (not tracked: fast path off)."""

    # -- rows ----------------------------------------------------------------------------------
    def row(self, name: str) -> int:
        r = self.row_of.get(name)
        if r is None:
            r = self.nrows
            if r >= self.cap:
                self._grow(self.cap * 2)
            self.nrows += 1
            self.row_of[name] = r
            self.names.append(name)
            self.static_version += 1
        return r

    def _grow(self, cap: int) -> None:
        self.cap = cap
        for attr, fill in (("alloc", 0), ("inv", 0.0), ("used", 0), ("nz", 0), ("npods", 0), ("nports", 0), ("unsched", 0),
                           ("has_node", 0), ("taint_set", 0), ("lab", -1), ("nlabels", 0)):
            setattr(self, attr, _grow_rows(getattr(self, attr), cap, fill))
        self.gcount = _grow_cols(self.gcount, cap, 0)
        self.tcount = _grow_cols(self.tcount, cap, 0)

    def set_order(self, names: list) -> None:
        ro = self.row_of
        self.order = np.fromiter((ro[n] for n in names), np.int64, len(names))
        self.static_version += 1

    # -- columns -------------------------------------------------------------------------------
    def resource_col(self, name: str) -> int:
        c = self.res_col.get(name)
        if c is None:
            c = self.res_col[name] = len(self.res_col)
            self.alloc = _grow_cols(self.alloc, c + 1, 0)
            self.inv = _grow_cols(self.inv, c + 1, 0.0)
            self.used = _grow_cols(self.used, c + 1, 0)
        return c

    def key_col(self, key: str) -> int:
        c = self.label_col.get(key)
        if c is None:
            c = self.label_col[key] = len(self.label_keys)
            self.label_keys.append(key)
            self.values.append({})
            self.value_names.append([])
            if c >= self.lab.shape[1]:
                self.lab = _grow_cols(self.lab, max(c + 1, 2 * self.lab.shape[1]), -1)
        return c

    def value_id(self, kcol: int, value: str) -> int:
        d = self.values[kcol]
        v = d.get(value)
        if v is None:
            v = d[value] = len(self.value_names[kcol])
            self.value_names[kcol].append(value)
        return v

    # -- nodes ---------------------------------------------------------------------------------
    def set_node(self, row: int, node, old=None) -> None:
        """Node added or updated (``old``: the previous Node object, None when new)."""
        cols = [(self.resource_col(k), v) for k, v in node.status.allocatable.items()]
        alloc = self.alloc  # after any column growth
        alloc[row, :] = 0
        inv = self.inv
        inv[row, :] = 0.0
        for c, v in cols:
            alloc[row, c] = v
            if v > 0:
                inv[row, c] = 1.0 / v
        spec = node.spec
        labels = node.metadata.labels
        if (old is not None and self.has_node[row] and old.metadata.labels == labels and old.spec.taints == spec.taints
                and bool(old.spec.unschedulable) == bool(spec.unschedulable)):
            return
        self.has_node[row] = 1
        self.unsched[row] = 1 if spec.unschedulable else 0
        tkey = tuple((t.key, t.value, t.effect) for t in spec.taints)
        tid = self._taint_set_id.get(tkey)
        if tid is None:
            tid = self._taint_set_id[tkey] = len(self.taint_sets)
            self.taint_sets.append(tuple(spec.taints))
        self.taint_set[row] = tid
        cols = [(self.key_col(k), v) for k, v in labels.items()]
        lab = self.lab
        lab[row, :] = -1
        for c, v in cols:
            lab[row, c] = self.value_id(c, v)
        self.nlabels[row] = len(labels)
        self.static_version += 1

    def clear_node(self, row: int) -> None:
        """The Node is gone (the row may live on while pods remain)."""
        self.has_node[row] = 0
        self.alloc[row, :] = 0
        self.inv[row, :] = 0.0
        self.lab[row, :] = -1
        self.nlabels[row] = 0
        self.taint_set[row] = 0
        self.unsched[row] = 0
        self.static_version += 1

    # -- groups --------------------------------------------------------------------------------
    def _label_set(self, ns: str, labels: dict, terminating: bool) -> int:
        key = (ns, tuple(sorted(labels.items())), terminating)
        i = self.ls_id.get(key)
        if i is None:
            i = self.ls_id[key] = len(self.ls_keys)
            self.ls_keys.append((ns, dict(labels), terminating))
            self.ls_rows.append({})
            self.ls_gids.append([g for g, pred in enumerate(self.groups) if pred(ns, labels, terminating)])
        return i

    def group(self, key, pred: Callable) -> int:
        """The id of the pod group ``key`` with predicate ``pred(ns, labels, terminating)``; a new
        group's counts are folded in from the label sets present."""
        g = self.group_id.get(key)
        if g is not None:
            return g
        g = self.group_id[key] = len(self.groups)
        self.groups.append(pred)
        if g >= self.gcount.shape[0]:
            self.gcount = _grow_rows(self.gcount, 2 * self.gcount.shape[0], 0)
        gc = self.gcount[g]
        for i, (ns, labels, term) in enumerate(self.ls_keys):
            if pred(ns, labels, term):
                self.ls_gids[i].append(g)
                for row, c in self.ls_rows[i].items():
                    gc[row] += c
        return g

    def _term(self, kind: int, t, weight: int) -> int:
        sel = t.selector
        key = (kind, t.namespaces if t.namespace_selector is None else None, selector_key(sel), t.topology_key, weight)
        i = self.term_id.get(key)
        if i is None:
            i = self.term_id[key] = len(self.terms)
            self.terms.append((kind, key[1], sel, t.topology_key, weight))
            if i >= self.tcount.shape[0]:
                self.tcount = _grow_rows(self.tcount, 2 * self.tcount.shape[0], 0)
        return i

    # -- pods ----------------------------------------------------------------------------------
    def add_pod(self, row: int, pi, sign: int) -> None:
        """A PodInfo placed on (sign +1) or removed from (-1) the node of ``row``."""
        used = self.used
        rc = self.res_col
        for k, v in pi.requests.items():
            c = rc.get(k)
            if c is None:
                c = self.resource_col(k)
                used = self.used
            used[row, c] += sign * v
        nzr = pi.non_zero_requests
        self.nz[row, 0] += sign * nzr["cpu"]
        self.nz[row, 1] += sign * nzr["memory"]
        self.npods[row] += sign
        pod = pi.pod
        spec = pod.spec
        for c in spec.containers:
            for p in c.ports:
                if p.host_port > 0:
                    self.nports[row] += sign
        meta = pod.metadata
        ls = self._label_set(meta.namespace, meta.labels, meta.deletion_timestamp is not None)
        rows = self.ls_rows[ls]
        n = rows.get(row, 0) + sign
        if n:
            rows[row] = n
        else:
            rows.pop(row, None)
        gids = self.ls_gids[ls]
        if gids:
            gcount = self.gcount
            for g in gids:
                gcount[g, row] += sign
        if (pi.required_anti_affinity_terms or pi.required_affinity_terms or pi.preferred_affinity_terms
                or pi.preferred_anti_affinity_terms):
            self._add_terms(row, pi, sign)

    def _add_terms(self, row: int, pi, sign: int) -> None:
        all_terms = ([(TERM_REQ_ANTI, t, 0) for t in pi.required_anti_affinity_terms]
                     + [(TERM_REQ_AFF, t, 0) for t in pi.required_affinity_terms]
                     + [(TERM_PREF_AFF, w.term, w.weight) for w in pi.preferred_affinity_terms]
                     + [(TERM_PREF_ANTI, w.term, w.weight) for w in pi.preferred_anti_affinity_terms])
        if any(t.namespace_selector is not None and not t.namespace_selector.is_empty() for _, t, _ in all_terms):
            self.ns_selector_pods += sign
            return
        for kind, t, w in all_terms:
            tid = self._term(kind, t, w)
            self.tcount[tid, row] += sign
