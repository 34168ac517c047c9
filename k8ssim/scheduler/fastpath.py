"""The scheduler's fast path: one scheduling cycle's Filter + Score as a numba kernel call over the
node table, with the reference framework's placements.

``FastPath(fwk, cache).schedule(pod, pod_info, start, rng)`` returns ``(host, processed)`` when the
kernel decided, or None when the pod must take the reference path (``Framework`` plugins, see
``schedule_one.go``): a profile with a plugin or plugin argument the kernel does not model, a pod with
PersistentVolumeClaims, a nominated node, ``metadata.name`` node-affinity fields, affinity terms with
namespace selectors, or no feasible node at all (the reference path then builds the upstream FitError
diagnosis). The kernel (``k8ssim.scheduler.kernels``) evaluates what the reference plugins evaluate;
here the pod is compiled into its arguments: node-static masks (taints, node affinity, unschedulable,
host ports) computed per distinct pod shape and cached until the node table's labels/taints change,
resource vectors, spread constraints and affinity terms as group ids of the table.

User plugins (not in-tree) join when they declare numba kernels (:mod:`k8ssim.scheduler.userkernels`):
their filters are evaluated on every snapshot node and ANDed into the node-static mask before the
kernel's visiting loop (so the early stop counts nodes passing all filters, as upstream), their scores
are computed on the feasible rows and added to the kernel's totals after normalization and weighting.

Tie-break: ``selectHost`` draws ``rng.integers(k)`` for the k-th tied node; the draws for k = 2..m are
taken as one ``rng.integers(arange(2, m + 1))`` call, which consumes the generator exactly as the m-1
scalar calls do (same bounded-integer routine per element).
"""
from __future__ import annotations

from typing import Optional

import numpy as np

from k8ssim.scheduler.framework import num_feasible_nodes_to_find
from k8ssim.scheduler.nodetable import TERM_PREF_AFF, TERM_PREF_ANTI, TERM_REQ_AFF, TERM_REQ_ANTI, selector_key
from k8ssim.scheduler.plugins import (
    balancedallocation, imagelocality, interpodaffinity, nodeaffinity, nodename, nodeports, noderesources,
    nodeunschedulable, podtopologyspread, tainttoleration, volumebinding,
)
from k8ssim.scheduler.plugins.imagelocality import normalized_image_name, scaled_image_score
from k8ssim.scheduler.plugins.nodeaffinity import requirement_matches, requirement_valid
from k8ssim.scheduler.plugins.noderesources import (
    NATIVE, is_extended_resource_name, is_scalar_resource_name, pod_resource_request_list,
)
from k8ssim.scheduler.plugins.tainttoleration import (
    count_intolerable_taints_prefer_no_schedule, find_untolerated_taint, tolerations_tolerate_taint,
)

__all__ = ["FastPath", "profile_supported", "reservoir_pick"]

_I64 = np.zeros(0, np.int64)
_STATIC_OK = 1  # index of ``static_ok`` in the tuple ``_plan`` returns
_STRATEGY = {noderesources.LEAST_ALLOCATED: 0, noderesources.MOST_ALLOCATED: 1, noderesources.REQUESTED_TO_CAPACITY_RATIO: 2}

# in-tree class -> (uses preFilter with its filter, uses preScore with its score)
_KNOWN = {
    nodeunschedulable.NodeUnschedulable: (False, False),
    nodename.NodeName: (False, False),
    tainttoleration.TaintToleration: (False, True),
    nodeaffinity.NodeAffinityPlugin: (True, True),
    nodeports.NodePorts: (True, False),
    noderesources.Fit: (True, True),
    volumebinding.VolumeBinding: (True, False),
    podtopologyspread.PodTopologySpread: (True, True),
    interpodaffinity.InterPodAffinity: (True, True),
    balancedallocation.BalancedAllocation: (False, True),
    imagelocality.ImageLocality: (False, False),
}


_M32 = np.uint64(0xFFFFFFFF)
_S32 = np.uint64(32)
_TWO32 = np.uint64(1 << 32)


def reservoir_pick(rng, m: int) -> int:
    """``selectHost``'s reservoir over ``m`` tied nodes: the k-th (k = 2..m) replaces the pick when
    ``rng.integers(k) == 0``; returns the picked index. Consumes the generator exactly as the m-1
    scalar calls do. For PCG64 and many ties the draws are emulated in bulk: numpy's bounded
    integer for a range below 2**32 is Lemire's method on ``next_uint32`` (the low, then the high half
    of one 64-bit output, the spare half kept in ``has_uint32``/``uinteger``); when a draw would hit
    Lemire's rejection branch the state is restored and numpy draws them itself."""
    bg = rng.bit_generator
    if m < 64 or type(bg).__name__ != "PCG64":
        draws = rng.integers(np.arange(2, m + 1))
    else:
        saved = bg.state
        n = m - 1
        have = saved["has_uint32"]
        need = n - 1 if have else n
        raw = bg.random_raw((need + 1) // 2)
        halves = np.empty(2 * raw.shape[0], np.uint64)
        halves[0::2] = raw & _M32
        halves[1::2] = raw >> _S32
        seq = np.concatenate((np.array([saved["uinteger"]], np.uint64), halves[:need])) if have else halves[:need]
        ks = np.arange(2, m + 1, dtype=np.uint64)
        prod = seq * ks
        low = prod & _M32
        cand = low < ks  # Lemire's threshold (2**32 - k) % k is below k: only these can reject
        if cand.any() and np.any(low[cand] < (_TWO32 - ks[cand]) % ks[cand]):
            bg.state = saved
            draws = rng.integers(np.arange(2, m + 1))
        else:
            draws = prod >> _S32
            st = bg.state
            if need % 2:
                st["has_uint32"], st["uinteger"] = 1, int(halves[need])
            else:  # numpy leaves the last consumed spare half in ``uinteger``
                st["has_uint32"] = 0
                st["uinteger"] = int(halves[need - 1]) if need else saved["uinteger"]
            bg.state = st
    zeros = np.flatnonzero(draws == 0)
    return int(zeros[-1]) + 1 if zeros.size else 0


def profile_supported(fwk) -> Optional[str]:
    """None when the kernel models this profile's PreFilter/Filter/PreScore/Score plugins and args,
    else the reason it does not."""
    if not fwk.filter_plugins:
        return "no filter plugins"
    points = {"preFilter": fwk.pre_filter_plugins, "filter": fwk.filter_plugins,
              "preScore": fwk.pre_score_plugins, "score": fwk.score_plugins}
    names: dict = {}
    for point, lst in points.items():
        for p in lst:
            if type(p) not in _KNOWN:
                from k8ssim.scheduler.userkernels import unsupported_reason

                why = unsupported_reason(p, point)
                if why is not None:
                    return why
                continue
            names.setdefault(type(p), set()).add(point)
    for cls, pts in names.items():
        pre_f, pre_s = _KNOWN[cls]
        if pre_f and (("filter" in pts) != ("preFilter" in pts)):
            return f"{cls.__name__}: filter without its preFilter (or the reverse)"
        if pre_s and (("score" in pts) != ("preScore" in pts)):
            return f"{cls.__name__}: score without its preScore (or the reverse)"
    for p in fwk.filter_plugins + fwk.score_plugins:
        if isinstance(p, tainttoleration.TaintToleration) and p.comparison_operators:
            return "TaintToleration with the TaintTolerationComparisonOperators gate"
        if isinstance(p, interpodaffinity.InterPodAffinity) and p.ignore_preferred_terms_of_existing_pods:
            return "InterPodAffinity ignorePreferredTermsOfExistingPods"
    return None


def _find(lst, cls):
    for p in lst:
        if type(p) is cls:
            return p
    return None


def _term_ns(t):
    """The namespaces of an AffinityTerm for matching: None = every namespace (empty selector)."""
    if t.namespace_selector is not None:
        return None
    return t.namespaces


def _nonempty_ns_selector(t) -> bool:
    return t.namespace_selector is not None and not t.namespace_selector.is_empty()


def _match_term(nsset, sel, ns, labels) -> bool:
    return (nsset is None or ns in nsset) and sel is not None and sel.matches(labels)


class FastPath:
    """The kernel path for one Framework (profile) over one Cache."""

    def __init__(self, fwk, cache):
        from k8ssim.scheduler import kernels  # numba import deferred to first use

        self.kernel = kernels.schedule_kernel
        self.fwk = fwk
        self.cache = cache
        self.table = cache.table
        self.reason = profile_supported(fwk)
        self.enabled = self.reason is None
        f, s = fwk.filter_plugins, fwk.score_plugins
        w = fwk.score_plugin_weight
        self.f_unsched = _find(f, nodeunschedulable.NodeUnschedulable) is not None
        self.f_taint = _find(f, tainttoleration.TaintToleration) is not None
        self.p_naff = _find(f, nodeaffinity.NodeAffinityPlugin)
        self.f_ports = _find(f, nodeports.NodePorts) is not None
        self.p_fit = _find(f, noderesources.Fit)
        self.f_vol = _find(f + fwk.pre_filter_plugins, volumebinding.VolumeBinding) is not None
        self.p_pts = _find(f, podtopologyspread.PodTopologySpread)
        self.p_ipa = _find(f, interpodaffinity.InterPodAffinity)
        sp = {type(p): p for p in s}
        self.s_fit = sp.get(noderesources.Fit)
        self.s_bal = sp.get(balancedallocation.BalancedAllocation)
        self.s_taint = sp.get(tainttoleration.TaintToleration)
        self.s_naff = sp.get(nodeaffinity.NodeAffinityPlugin)
        self.s_img = sp.get(imagelocality.ImageLocality)
        self.s_pts = sp.get(podtopologyspread.PodTopologySpread)
        self.s_ipa = sp.get(interpodaffinity.InterPodAffinity)
        self.w = {cls: (w[p.name] if p is not None else 0) for cls, p in (
            ("fit", self.s_fit), ("bal", self.s_bal), ("taint", self.s_taint), ("naff", self.s_naff),
            ("img", self.s_img), ("pts", self.s_pts), ("ipa", self.s_ipa))}
        self.pct = fwk.percentage_of_nodes_to_score
        self.user = None
        """The profile's user plugins with fast kernels (:class:`~k8ssim.scheduler.userkernels.UserKernels`)."""
        if self.enabled:
            from k8ssim.scheduler.userkernels import UserKernels

            self.user = UserKernels(fwk, _KNOWN) or None
        self._static_cache: dict = {}
        self._static_version = -1
        self._taints: dict = {}
        self._images: dict = {}
        self._inc_terms: dict = {}
        self._plans: dict = {}
        self.selector_version = lambda: None
        """Version of the selectors behind ``selectors_for_pod`` (None: unknown, plans are not cached)."""
        self.calls = 0
        self.fallbacks = 0
        self.plan_hits = 0

    # -- eligibility ---------------------------------------------------------------------------
    def eligible(self, pod, pi) -> bool:
        """Per-pod: whether the kernel models everything this pod's cycle evaluates."""
        spec = pod.spec
        if spec.node_name or pod.status.nominated_node_name or pi.parse_error:
            return False
        if self.f_vol and any(v.claim_name for v in spec.volumes):
            return False
        aff = spec.affinity
        na = aff.node_affinity if aff is not None else None
        if na is not None:
            for t in na.required or ():
                if t.match_fields:
                    return False
            for p in na.preferred or ():
                if p.preference.match_fields:
                    return False
        if self.p_naff is not None and self.p_naff.added_required is not None:
            for t in self.p_naff.added_required:
                if t.match_fields:
                    return False
        if (self.p_ipa is not None or self.s_ipa is not None) and (
                self.table.ns_selector_pods > 0
                or any(_nonempty_ns_selector(t) for t in pi.required_affinity_terms)
                or any(_nonempty_ns_selector(t) for t in pi.required_anti_affinity_terms)
                or any(_nonempty_ns_selector(w.term) for w in pi.preferred_affinity_terms)
                or any(_nonempty_ns_selector(w.term) for w in pi.preferred_anti_affinity_terms)):
            return False
        return True

    # -- node-static masks ---------------------------------------------------------------------
    def _taint_arrays(self, tolerations) -> tuple:
        t = self.table
        key = tuple(tolerations)
        ent = self._taints.get(key)
        nsets = len(t.taint_sets)
        if ent is not None and ent[0].shape[0] == nsets:
            return ent
        ok = np.zeros(nsets, np.uint8)
        pref = np.zeros(nsets, np.int64)
        for i, taints in enumerate(t.taint_sets):
            taint, _ = find_untolerated_taint(taints, tolerations)
            ok[i] = taint is None
            pref[i] = count_intolerable_taints_prefer_no_schedule(taints, tolerations)
        ent = (ok, pref)
        if len(self._taints) > 4096:
            self._taints.clear()
        self._taints[key] = ent
        return ent

    def _requirement_mask(self, r) -> np.ndarray:
        t = self.table
        nr = t.nrows
        if not requirement_valid(r):
            return np.zeros(nr, bool)
        absent = requirement_matches(r, {})
        c = t.label_col.get(r.key)
        if c is None:
            return np.full(nr, absent, bool)
        names = t.value_names[c]
        lut = np.fromiter((requirement_matches(r, {r.key: v}) for v in names), bool, len(names))
        col = t.lab[:nr, c]
        present = col >= 0
        out = np.full(nr, absent, bool)
        if names:
            out[present] = lut[col[present]]
        return out

    def _term_mask(self, term) -> np.ndarray:
        nr = self.table.nrows
        if not term.match_expressions and not term.match_fields:
            return np.zeros(nr, bool)
        m = np.ones(nr, bool)
        for r in term.match_expressions:
            m &= self._requirement_mask(r)
        return m

    def _terms_mask(self, terms) -> np.ndarray:
        m = np.zeros(self.table.nrows, bool)
        for term in terms:
            m |= self._term_mask(term)
        return m

    def _selector_mask(self, node_selector: dict) -> np.ndarray:
        t = self.table
        nr = t.nrows
        m = np.ones(nr, bool)
        for k, v in node_selector.items():
            c = t.label_col.get(k)
            vid = t.values[c].get(v) if c is not None else None
            if vid is None:
                return np.zeros(nr, bool)
            m &= t.lab[:nr, c] == vid
        return m

    def _preferred_scores(self, preferred) -> np.ndarray:
        s = np.zeros(self.table.nrows, np.int64)
        for p in preferred:
            if p.weight == 0:
                continue
            s += np.where(self._term_mask(p.preference), p.weight, 0)
        return s

    def _static(self, pod) -> tuple:
        """(static_ok, aff_match, taint_ok_set, taint_pref_set, naff_pref) for the pod's shape."""
        t = self.table
        if self._static_version != t.static_version:
            self._static_cache.clear()
            self._taints.clear()
            self._static_version = t.static_version
        spec = pod.spec
        aff = spec.affinity
        na = aff.node_affinity if aff is not None else None
        tols = tuple(spec.tolerations)
        key = (tols, tuple(sorted((spec.node_selector or {}).items())), repr(na) if na is not None else None)
        ent = self._static_cache.get(key)
        if ent is not None:
            return ent
        ok_set, pref_set = self._taint_arrays(tols)
        nr = t.nrows
        cap = t.cap
        aff_match = np.ones(nr, bool)
        if spec.node_selector:
            aff_match &= self._selector_mask(spec.node_selector)
        if na is not None and na.required is not None:
            aff_match &= self._terms_mask(na.required)
        static = np.ones(nr, bool)
        if self.f_taint:
            static &= ok_set[t.taint_set[:nr]].astype(bool)
        if self.f_unsched and not tolerations_tolerate_taint(spec.tolerations, nodeunschedulable.UNSCHEDULABLE_TAINT):
            static &= t.unsched[:nr] == 0
        if self.p_naff is not None:
            static &= aff_match
            if self.p_naff.added_required is not None:
                static &= self._terms_mask(self.p_naff.added_required)
        naff = np.zeros(cap, np.int64)
        if self.s_naff is not None:
            pref = list(na.preferred) if na is not None and na.preferred else []
            if self.s_naff.added_preferred is not None:
                naff[:nr] += self._preferred_scores(self.s_naff.added_preferred)
            if pref:
                naff[:nr] += self._preferred_scores(pref)
        out_static = np.zeros(cap, np.uint8)
        out_static[:nr] = static
        out_aff = np.zeros(cap, np.uint8)
        out_aff[:nr] = aff_match
        res = (out_static, out_aff, ok_set, pref_set, naff)
        if len(self._static_cache) > 4096:
            self._static_cache.clear()
        self._static_cache[key] = res
        return res

    def _ports_mask(self, pod, static: np.ndarray) -> np.ndarray:
        want = nodeports.get_container_ports(pod)
        if not want or not self.f_ports:
            return static
        t = self.table
        rows = np.nonzero(t.nports[: t.nrows] > 0)[0]
        if rows.size == 0:
            return static
        out = static.copy()
        infos = self.cache.node_infos
        for r in rows:
            ni = infos.get(t.names[r])
            if ni is not None and not nodeports.fits_ports(want, ni):
                out[r] = 0
        return out

    def _image_sums(self, pod, total_nodes: int) -> tuple:
        spec = pod.spec
        containers = list(spec.init_containers) + list(spec.containers)
        t = self.table
        cache = self.cache
        acc = None
        for c in containers:
            name = normalized_image_name(c.image)
            ent = cache._images.get(name)
            if ent is None:
                continue
            key = (name, cache.image_version, total_nodes, t.nrows)
            got = self._images.get(name)
            if got is None or got[0] != key:
                summary, nodes = ent
                rows = np.fromiter((t.row_of[n] for n in nodes), np.int64, len(nodes))
                got = (key, rows, scaled_image_score(summary.size, summary.num_nodes, total_nodes))
                self._images[name] = got
            if acc is None:
                acc = np.zeros(t.cap, np.int64)
            acc[got[1]] += got[2]
        if acc is None:
            acc = np.zeros(t.cap, np.int64)
        return acc, len(containers)

    # -- groups --------------------------------------------------------------------------------
    def _spread_group(self, ns: str, sel) -> int:
        if sel is None or sel.is_empty():
            return -1
        return self.table.group(("spread", ns, selector_key(sel)),
                                lambda ns2, labels, term, ns=ns, sel=sel: ns2 == ns and not term and sel.matches(labels))

    def _term_group(self, terms) -> int:
        specs = tuple((_term_ns(t), t.selector) for t in terms)
        key = ("ipa", tuple((nsset, selector_key(sel)) for nsset, sel in specs))

        def pred(ns, labels, term, specs=specs):
            return all(_match_term(nsset, sel, ns, labels) for nsset, sel in specs)
        return self.table.group(key, pred)

    def _existing_terms(self, pod) -> tuple:
        """Terms carried by placed pods that match the incoming pod: lists of tid per kind."""
        t = self.table
        meta = pod.metadata
        key = (meta.namespace, tuple(sorted(meta.labels.items())))
        ent = self._inc_terms.get(key)
        if ent is None:
            ent = [0, ([], [], [], [])]
            if len(self._inc_terms) > 65536:
                self._inc_terms.clear()
            self._inc_terms[key] = ent
        if ent[0] < len(t.terms):
            for tid in range(ent[0], len(t.terms)):
                kind, nsset, sel, _tk, _w = t.terms[tid]
                if _match_term(nsset, sel, meta.namespace, meta.labels):
                    ent[1][kind].append(tid)
            ent[0] = len(t.terms)
        return ent[1]

    # -- the cycle -----------------------------------------------------------------------------
    def schedule(self, pod, pi, start: int, rng) -> Optional[tuple]:
        """``(host, processed)`` or None (take the reference path)."""
        t = self.table
        n = t.order.shape[0]
        if n == 0 or not self.eligible(pod, pi):
            self.fallbacks += 1
            return None
        r = self.evaluate(pod, pi, start, num_feasible_nodes_to_find(n, self.pct))
        if r is None:  # a user plugin declined the pod, or its score is out of range
            self.fallbacks += 1
            return None
        self.calls += 1
        feas, totals, processed = r
        nf = feas.shape[0]
        if nf == 0:
            return None
        if nf == 1:
            return t.names[feas[0]], processed
        best = totals.max()
        tied = np.flatnonzero(totals == best)
        sel = 0
        m = tied.shape[0]
        if m > 1:
            sel = reservoir_pick(rng, m)
        return t.names[feas[tied[sel]]], processed

    def evaluate(self, pod, pi, start: int, num_to_find: int, weights: Optional[dict] = None) -> Optional[tuple]:
        """One kernel call: ``(feasible rows in visiting order, weighted totals, processed)``.
        ``weights`` overrides the profile's score weights by key (fit, bal, taint, naff, img, pts,
        ipa; a user plugin by its name); 0 leaves a plugin out (used by the property tests to compare
        plugin by plugin). None only with user plugins: one declined the pod (``fast_args`` returned
        None) or returned a score outside [0, 100]."""
        user = self.user
        if user is None:
            return self._evaluate(pod, pi, start, num_to_find, weights, None)
        uargs = user.prepare(pod, self.table)
        if uargs is None:
            return None
        feas, totals, processed = self._evaluate(pod, pi, start, num_to_find, weights, uargs)
        if feas.shape[0] > 1 and user.scores:
            if not user.add_scores(uargs, pod, self.table, feas, totals, weights):
                return None
        return feas, totals, processed

    def _evaluate(self, pod, pi, start: int, num_to_find: int, weights: Optional[dict], uargs: Optional[dict]) -> tuple:
        t = self.table
        spec = pod.spec
        has_ports = self.f_ports and any(p.host_port > 0 for c in spec.containers for p in c.ports)
        sel_version = self.selector_version()
        key = parts = token = None
        if weights is None and not has_ports and sel_version is not None:
            meta = pod.metadata
            parts = (spec.containers, spec.init_containers, spec.affinity, spec.topology_spread_constraints,
                     spec.overhead, spec.resources_requests)
            # pods of one controller share their template's parts (by identity); admission may give
            # each pod its own tolerations / nodeSelector, so those are keyed by value
            key = (tuple(map(id, parts)), tuple(spec.tolerations), tuple(sorted(spec.node_selector.items())),
                   meta.namespace, tuple(sorted(meta.labels.items())))
            token = (t.static_version, len(t.terms), len(t.taint_sets), t.alloc.shape[1], self.cache.image_version,
                     sel_version)
            ent = self._plans.get(key)
            if ent is not None and ent[1] == token and all(a is b for a, b in zip(ent[0], parts)):
                self.plan_hits += 1
                return self.kernel(t.order, start, num_to_find, t.alloc, t.inv, t.used, t.nz, t.npods, t.lab, t.nlabels,
                                   t.taint_set, t.gcount, t.tcount, *self._with_user_filters(ent[2], uargs))
        args = self._plan(pod, pi, weights, has_ports)
        if key is not None:
            if len(self._plans) > 4096:
                self._plans.clear()
            self._plans[key] = (parts, token, args)
        args = self._with_user_filters(args, uargs)
        return self.kernel(t.order, start, num_to_find, t.alloc, t.inv, t.used, t.nz, t.npods, t.lab, t.nlabels,
                           t.taint_set, t.gcount, t.tcount, *args)

    def _with_user_filters(self, args: tuple, uargs: Optional[dict]) -> tuple:
        """``args`` with the user filters ANDed into ``static_ok`` (a new array: plans are cached)."""
        if uargs is None or not self.user.filters:
            return args
        static_ok = args[_STATIC_OK]
        mask = self.user.filter_mask(uargs, self.table, static_ok.shape[0])
        return args[:_STATIC_OK] + (static_ok & mask,) + args[_STATIC_OK + 1:]

    def _plan(self, pod, pi, weights: Optional[dict], has_ports: bool) -> tuple:
        """The pod-dependent kernel arguments (everything after the node table's arrays)."""
        W = dict(self.w)
        if weights is not None:
            W.update(weights)
        t = self.table
        n = t.order.shape[0]
        spec = pod.spec
        meta = pod.metadata
        ns = meta.namespace
        static_ok, aff_match, taint_ok_set, taint_pref_set, naff_pref = self._static(pod)
        if has_ports:
            static_ok = self._ports_mask(pod, static_ok)

        # NodeResourcesFit filter
        fit = self.p_fit
        if fit is not None:
            for k in pi.requests:
                if k not in t.res_col:
                    t.resource_col(k)
        ncols = t.alloc.shape[1]
        preq = np.zeros(ncols, np.int64)
        if fit is not None:
            ign, groups = fit.ignored_resources, fit.ignored_resource_groups
            for k, v in pi.requests.items():
                if k == "pods":
                    continue
                if k not in NATIVE and is_extended_resource_name(k):
                    if k in ign or (groups and k.split("/", 1)[0] in groups):
                        continue
                preq[t.res_col[k]] = v
        # scores: resources
        w_fit = W["fit"]
        sr = self._score_resources(pod, self.s_fit.resources, False) if w_fit else (_I64, _I64, _I64, _I64)
        strat = _STRATEGY[self.s_fit.strategy_type] if w_fit else 0
        shape_u = shape_s = _I64
        if w_fit and strat == 2:
            shape_u = np.array([u for u, _ in self.s_fit.shape], np.int64)
            shape_s = np.array([s for _, s in self.s_fit.shape], np.int64)
        w_bal = W["bal"]
        br_col = br_req = _I64
        if w_bal:
            reqs = pod_resource_request_list(pod, self.s_bal.resources, True)
            if all(r == 0 for r in reqs):
                w_bal = 0
            else:
                br_col, _nzc, br_req, _w = self._score_resources(pod, self.s_bal.resources, True, reqs)
        # node affinity score: skipped (0) when no preferred terms
        w_naff = W["naff"]
        # image locality
        w_img = W["img"]
        if w_img:
            img_sum, n_cont = self._image_sums(pod, max(n, 1))
        else:
            img_sum, n_cont = np.zeros(t.cap, np.int64), 1
        # PodTopologySpread
        sf = self._spread_filter(pod, ns) if self.p_pts is not None else None
        ss = self._spread_score(pod, ns) if self.s_pts is not None and W["pts"] else None
        w_pts = W["pts"] if ss is not None else 0
        # InterPodAffinity
        ipa_f = self._ipa_filter(pod, pi) if self.p_ipa is not None else None
        ipa_s = self._ipa_score(pod, pi) if self.s_ipa is not None and W["ipa"] else None
        w_ipa = W["ipa"] if ipa_s is not None else 0
        nvals = np.array([len(v) for v in t.value_names] or [0], np.int64)
        e = _I64
        if sf is None:
            sf = (e, e, e, e, e, e, e, e)
        if ss is None:
            ss = (e, e, e, e, e, e, e, False)
        if ipa_f is None:
            ipa_f = (e, e, -1, e, False, e, e)
        if ipa_s is None:
            ipa_s = (e, e, e, e)
        return (
            nvals,
            static_ok, aff_match, taint_ok_set, taint_pref_set, naff_pref, img_sum,
            fit is not None, preq, t.res_col["pods"],
            w_fit, strat, sr[0], sr[1], sr[2], sr[3], shape_u, shape_s,
            w_bal, br_col, br_req,
            W["taint"], w_naff, w_img, n_cont,
            *sf,
            w_pts, *ss,
            *ipa_f,
            w_ipa, *ipa_s,
        )

    def _score_resources(self, pod, resources, use_requested: bool, reqs=None) -> tuple:
        t = self.table
        if reqs is None:
            reqs = pod_resource_request_list(pod, resources, use_requested)
        k = len(resources)
        col = np.full(k, -1, np.int64)
        nzc = np.full(k, -1, np.int64)
        req = np.zeros(k, np.int64)
        wt = np.zeros(k, np.int64)
        for j, r in enumerate(resources):
            name = r["name"]
            q = reqs[j]
            req[j] = q
            wt[j] = r["weight"]
            if q == 0 and is_scalar_resource_name(name):
                continue
            if name in ("cpu", "memory"):
                col[j] = t.res_col[name]
                if not use_requested:
                    nzc[j] = 0 if name == "cpu" else 1
            elif name == "ephemeral-storage":
                col[j] = t.res_col[name]
            elif name != "pods" and name in t.res_col:
                col[j] = t.res_col[name]
        return col, nzc, req, wt

    def _spread_filter(self, pod, ns: str) -> Optional[tuple]:
        cs = self.p_pts.get_constraints(pod, "DoNotSchedule")
        if not cs:
            return None
        t = self.table
        k = len(cs)
        gid = np.empty(k, np.int64)
        key = np.empty(k, np.int64)
        skew = np.empty(k, np.int64)
        mindom = np.empty(k, np.int64)
        selfm = np.empty(k, np.int64)
        affh = np.empty(k, np.uint8)
        tainth = np.empty(k, np.uint8)
        empty = np.empty(k, np.int64)
        labels = pod.metadata.labels
        for i, c in enumerate(cs):
            gid[i] = self._spread_group(ns, c.selector)
            key[i] = kc = t.key_col(c.topology_key)
            skew[i] = c.max_skew
            mindom[i] = c.min_domains
            selfm[i] = 1 if c.selector_matches(labels) else 0
            affh[i] = c.node_affinity_policy == "Honor"
            tainth[i] = c.node_taints_policy == "Honor"
            empty[i] = t.values[kc].get("", -2)
        return gid, key, skew, mindom, selfm, affh, tainth, empty

    def _spread_score(self, pod, ns: str) -> Optional[tuple]:
        p = self.s_pts
        cs = p.get_constraints(pod, "ScheduleAnyway")
        if not cs:
            return None
        t = self.table
        k = len(cs)
        gid = np.empty(k, np.int64)
        key = np.empty(k, np.int64)
        skew = np.empty(k, np.int64)
        host = np.empty(k, np.uint8)
        affh = np.empty(k, np.uint8)
        tainth = np.empty(k, np.uint8)
        empty = np.empty(k, np.int64)
        for i, c in enumerate(cs):
            gid[i] = self._spread_group(ns, c.selector)
            key[i] = kc = t.key_col(c.topology_key)
            skew[i] = c.max_skew
            host[i] = c.topology_key == podtopologyspread.LABEL_HOSTNAME
            affh[i] = c.node_affinity_policy == "Honor"
            tainth[i] = c.node_taints_policy == "Honor"
            empty[i] = t.value_id(kc, "")
        require_all = bool(pod.spec.topology_spread_constraints) or not p.system_defaulted
        return gid, key, skew, host, affh, tainth, empty, require_all

    def _ipa_filter(self, pod, pi) -> Optional[tuple]:
        t = self.table
        kinds = self._existing_terms(pod)
        ea = kinds[TERM_REQ_ANTI]
        ea_tid = np.array(ea, np.int64)
        ea_key = np.array([t.key_col(t.terms[i][3]) for i in ea], np.int64)
        af_gid = -1
        af_keys = _I64
        af_selfall = False
        if pi.required_affinity_terms:
            af_gid = self._term_group(pi.required_affinity_terms)
            af_keys = np.array([t.key_col(x.topology_key) for x in pi.required_affinity_terms], np.int64)
            af_selfall = interpodaffinity.pod_matches_all_affinity_terms(pi.required_affinity_terms, pod)
        aa = pi.required_anti_affinity_terms
        aa_gid = np.array([self._term_group([x]) for x in aa], np.int64)
        aa_key = np.array([t.key_col(x.topology_key) for x in aa], np.int64)
        return ea_tid, ea_key, af_gid, af_keys, af_selfall, aa_gid, aa_key

    def _ipa_score(self, pod, pi) -> Optional[tuple]:
        t = self.table
        src, ids, keys, ws = [], [], [], []
        for wt in pi.preferred_affinity_terms:
            src.append(0), ids.append(self._term_group([wt.term])), keys.append(wt.term.topology_key), ws.append(wt.weight)
        for wt in pi.preferred_anti_affinity_terms:
            src.append(0), ids.append(self._term_group([wt.term])), keys.append(wt.term.topology_key), ws.append(-wt.weight)
        kinds = self._existing_terms(pod)
        hard = self.s_ipa.hard_pod_affinity_weight
        if hard > 0:
            for tid in kinds[TERM_REQ_AFF]:
                src.append(1), ids.append(tid), keys.append(t.terms[tid][3]), ws.append(hard)
        for tid in kinds[TERM_PREF_AFF]:
            src.append(1), ids.append(tid), keys.append(t.terms[tid][3]), ws.append(t.terms[tid][4])
        for tid in kinds[TERM_PREF_ANTI]:
            src.append(1), ids.append(tid), keys.append(t.terms[tid][3]), ws.append(-t.terms[tid][4])
        if not src:
            return None
        return (np.array(src, np.int64), np.array(ids, np.int64),
                np.array([t.key_col(k) for k in keys], np.int64), np.array(ws, np.int64))
