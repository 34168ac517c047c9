"""numba kernels of the scheduling cycle's Filter and Score over all nodes of the node table.

One call schedules one pod: the filter visits the nodes in the order of ``findNodesThatPassFilters``
(rotating start index, early stop at ``numFeasibleNodesToFind``), then every default score plugin is
computed over the feasible set, normalized and weighted as ``RunScorePlugins`` does. The arithmetic
mirrors the pure functions of the reference plugins (``k8ssim/scheduler/plugins/*.py``) operation by
operation (Go int64 truncating division, the same float expressions), so the totals are equal:

* NodeResourcesFit ``fitsRequest`` and LeastAllocated / MostAllocated / RequestedToCapacityRatio
  (``noderesources/{fit,least_allocated,most_allocated,requested_to_capacity_ratio}.go``);
* NodeResourcesBalancedAllocation (``balanced_allocation.go``, std-dev form);
* TaintToleration score with ``DefaultNormalizeScore(reverse)``; NodeAffinity preferred score with
  ``DefaultNormalizeScore``; ImageLocality ``calculatePriority``;
* PodTopologySpread filter (critical paths, minDomains, self match) and score (log-weighted counts,
  its own NormalizeScore) from per-node group counts aggregated per topology domain;
* InterPodAffinity filter (affinity, anti-affinity, existing pods' anti-affinity) and score (min-max
  normalization) from per-node group/term counts aggregated per topology domain.

Per-pod, node-static parts (taints, node affinity, unschedulable, ports) arrive as precomputed masks
(:mod:`k8ssim.scheduler.fastpath`). ``cache=True``, single-threaded.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = ["schedule_kernel", "LEAST", "MOST", "RTCR"]

LEAST = 0
MOST = 1
RTCR = 2
MAX_SCORE = 100
MAX_I32 = (1 << 31) - 1
MAX_I64 = (1 << 63) - 1
MIN_THRESHOLD = 23 * 1024 * 1024
MAX_CONTAINER_THRESHOLD = 1000 * 1024 * 1024


@njit(cache=True)
def _go_div(a, b):
    q = abs(a) // abs(b)
    if (a >= 0) == (b >= 0):
        return q
    return -q


@njit(cache=True)
def _udiv(x, a):
    """``x // a`` for 0 <= x, 0 < a, both < 2**53: a float quotient corrected to the exact integer
    (one multiply-compare), much cheaper than a 64-bit integer division."""
    q = np.int64(float(x) / float(a))
    if q * a > x:
        q -= 1
    elif (q + 1) * a <= x:
        q += 1
    return q


@njit(cache=True)
def _mdiv(x, a, inv):
    """``x // a`` for 0 <= x < 2**53, 0 < a, given ``inv = 1.0 / a``: the product's floor corrected
    to the exact integer quotient (no division at all)."""
    q = np.int64(float(x) * inv)
    if q * a > x:
        q -= 1
    elif (q + 1) * a <= x:
        q += 1
    return q


@njit(cache=True)
def _go_round(x):
    if x >= 0:
        return np.int64(math.floor(x + 0.5))
    return -np.int64(math.floor(-x + 0.5))


@njit(cache=True)
def _broken_linear(shape_u, shape_s, p):
    n = shape_u.shape[0]
    for i in range(n):
        if p <= shape_u[i]:
            if i == 0:
                return shape_s[0]
            return shape_s[i - 1] + _go_div((shape_s[i] - shape_s[i - 1]) * (p - shape_u[i - 1]), shape_u[i] - shape_u[i - 1])
    return shape_s[n - 1]


@njit(cache=True)
def _image_score(s, n_containers):
    max_threshold = MAX_CONTAINER_THRESHOLD * n_containers
    if s < MIN_THRESHOLD:
        s = MIN_THRESHOLD
    elif s > max_threshold:
        s = max_threshold
    return _go_div(MAX_SCORE * (s - MIN_THRESHOLD), max_threshold - MIN_THRESHOLD)


@njit(cache=True)
def _default_normalize(scores, n, reverse):
    mx = 0
    for i in range(n):
        if scores[i] > mx:
            mx = scores[i]
    if mx == 0:
        if reverse:
            for i in range(n):
                scores[i] = MAX_SCORE
        return
    for i in range(n):
        s = scores[i]
        if s >= 0:
            v = MAX_SCORE * s // mx
        else:
            v = -((MAX_SCORE * -s) // mx)
        scores[i] = MAX_SCORE - v if reverse else v


@njit(cache=True)
def _spread_node_counts(m, keys, need_all_keys, affinity_honored, taints_honored, lab, aff_match, taint_ok_set,
                        taint_set):
    """PodTopologySpread ``countPodsMatchSelector`` node eligibility: the node has every constraint
    topology key (when required), matches the pod's node affinity under nodeAffinityPolicy Honor, and
    has no untolerated taint under nodeTaintsPolicy Honor."""
    if need_all_keys:
        for j in range(keys.shape[0]):
            if lab[m, keys[j]] < 0:
                return False
    if affinity_honored and not aff_match[m]:
        return False
    if taints_honored and not taint_ok_set[taint_set[m]]:
        return False
    return True


@njit(cache=True)
def schedule_kernel(
    order, start, num_to_find,
    alloc, inv, used, nz, npods, lab, nlabels, taint_set, gcount, tcount, nvals,
    static_ok, aff_match, taint_ok_set, taint_pref_set, naff_pref, img_sum,
    fit_on, preq, pods_col,
    w_fit, strat, sr_col, sr_nzc, sr_req, sr_w, shape_u, shape_s,
    w_bal, br_col, br_req,
    w_taint, w_naff, w_img, n_containers,
    sf_gid, sf_key, sf_skew, sf_mindom, sf_self, sf_affh, sf_tainth, sf_empty,
    w_pts, ss_gid, ss_key, ss_skew, ss_host, ss_affh, ss_tainth, ss_empty, require_all,
    ea_tid, ea_key, af_gid, af_keys, af_selfall, aa_gid, aa_key,
    w_ipa, sc_src, sc_id, sc_key, sc_w,
):
    """Filter + score one pod. Returns ``(feasible_rows, totals, processed)``; rows are in visiting
    order, ``processed`` is how many nodes the filter visited."""
    n = order.shape[0]
    rq = np.flatnonzero(preq > 0)
    nrq = rq.shape[0]

    # ---- PreFilter: PodTopologySpread domain counts (DoNotSchedule) ---------------------------
    maxv = 1
    for i in range(nvals.shape[0]):
        if nvals[i] + 1 > maxv:
            maxv = nvals[i] + 1
    nsf = sf_gid.shape[0]
    sf_min = np.zeros(nsf, np.int64)
    sf_dc = np.zeros((nsf, maxv), np.int64)
    sf_has = np.zeros((nsf, maxv), np.uint8)
    dom_order = np.empty(maxv, np.int64)
    for i in range(nsf):
        k = sf_key[i]
        dc = sf_dc[i]
        has = sf_has[i]
        nd = 0
        g = sf_gid[i]
        for t in range(n):
            m = order[t]
            if not _spread_node_counts(m, sf_key, True, sf_affh[i], sf_tainth[i], lab, aff_match, taint_ok_set,
                                       taint_set):
                continue
            v = lab[m, k]
            if not has[v]:
                has[v] = 1
                dom_order[nd] = v
                nd += 1
            if g >= 0:
                dc[v] += gcount[g, m]
        # criticalPaths over the domains in first-seen order ("" is the initial placeholder value)
        p0v = sf_empty[i]
        p0n = MAX_I32
        p1v = sf_empty[i]
        p1n = MAX_I32
        for d in range(nd):
            v = dom_order[d]
            num = dc[v]
            if v == p0v:
                p0n = num
                if p0n > p1n:
                    p0v, p0n, p1v, p1n = p1v, p1n, p0v, p0n
            elif v == p1v:
                p1n = num
                if p0n > p1n:
                    p0v, p0n, p1v, p1n = p1v, p1n, p0v, p0n
            elif num < p0n:
                p1v, p1n = p0v, p0n
                p0v, p0n = v, num
            elif num < p1n:
                p1v, p1n = v, num
        sf_min[i] = 0 if nd < sf_mindom[i] else p0n

    # ---- PreFilter: InterPodAffinity domain counts -----------------------------------------------
    nea = ea_tid.shape[0]
    ea_block = np.zeros((nea, maxv), np.uint8)
    for i in range(nea):
        k = ea_key[i]
        b = ea_block[i]
        tid = ea_tid[i]
        for t in range(n):
            m = order[t]
            if tcount[tid, m] > 0 and lab[m, k] >= 0:
                b[lab[m, k]] = 1
    naf = af_keys.shape[0]
    af_dc = np.zeros((naf, maxv), np.int64)
    af_total = 0
    for i in range(naf):
        k = af_keys[i]
        dc = af_dc[i]
        if af_gid >= 0:
            for t in range(n):
                m = order[t]
                c = gcount[af_gid, m]
                if c > 0 and lab[m, k] >= 0:
                    dc[lab[m, k]] += c
                    af_total += c
    naa = aa_gid.shape[0]
    aa_dc = np.zeros((naa, maxv), np.int64)
    for i in range(naa):
        k = aa_key[i]
        dc = aa_dc[i]
        g = aa_gid[i]
        for t in range(n):
            m = order[t]
            c = gcount[g, m]
            if c > 0 and lab[m, k] >= 0:
                dc[lab[m, k]] += c

    # ---- Filter: visit from start until num_to_find feasible ------------------------------------
    feas = np.empty(min(n, num_to_find), np.int64)
    nf = 0
    processed = 0
    for t in range(n):
        idx = start + t
        if idx >= n:
            idx -= n
        m = order[idx]
        processed += 1
        if not static_ok[m]:
            continue
        if fit_on:
            if npods[m] + 1 > alloc[m, pods_col]:
                continue
            ok = True
            for j in range(nrq):
                c = rq[j]
                if preq[c] > alloc[m, c] - used[m, c]:
                    ok = False
                    break
            if not ok:
                continue
        ok = True
        for i in range(nsf):
            v = lab[m, sf_key[i]]
            if v < 0:
                ok = False
                break
            mn = sf_dc[i, v] if sf_has[i, v] else 0
            if mn + sf_self[i] - sf_min[i] > sf_skew[i]:
                ok = False
                break
        if not ok:
            continue
        if naf > 0:
            exist = True
            for i in range(naf):
                v = lab[m, af_keys[i]]
                if v < 0:
                    ok = False
                    break
                if af_dc[i, v] <= 0:
                    exist = False
            if not ok:
                continue
            if not exist and not (af_total == 0 and af_selfall):
                continue
        for i in range(naa):
            v = lab[m, aa_key[i]]
            if v >= 0 and aa_dc[i, v] > 0:
                ok = False
                break
        if not ok:
            continue
        for i in range(nea):
            v = lab[m, ea_key[i]]
            if v >= 0 and ea_block[i, v]:
                ok = False
                break
        if not ok:
            continue
        feas[nf] = m
        nf += 1
        if nf >= num_to_find:
            break
    feas = feas[:nf]
    totals = np.zeros(nf, np.int64)
    if nf <= 1:
        return feas, totals, processed

    # ---- Score ------------------------------------------------------------------------------------
    sc = np.empty(nf, np.int64)
    nsr = sr_col.shape[0]
    if w_fit > 0:
        for f in range(nf):
            m = feas[f]
            node_score = 0
            weight_sum = 0
            for j in range(nsr):
                c = sr_col[j]
                if c < 0:
                    continue
                a = alloc[m, c]
                if a == 0:
                    continue
                zc = sr_nzc[j]
                r = (nz[m, zc] if zc >= 0 else used[m, c]) + sr_req[j]
                w = sr_w[j]
                if strat == 0:
                    sj = 0 if r > a else _mdiv((a - r) * MAX_SCORE, a, inv[m, c])
                elif strat == 1:
                    sj = _mdiv((a if r > a else r) * MAX_SCORE, a, inv[m, c])
                else:
                    sj = _broken_linear(shape_u, shape_s, 100 if r > a else _udiv(r * 100, a))
                    if sj <= 0:
                        continue
                node_score += sj * w
                weight_sum += w
            if weight_sum > 0:
                if strat == 2:
                    totals[f] += w_fit * _go_round(node_score / weight_sum)
                elif weight_sum == 2:
                    totals[f] += w_fit * (node_score >> 1)
                else:
                    totals[f] += w_fit * _udiv(node_score, weight_sum)
    nbr = br_col.shape[0]
    if w_bal > 0:
        fr = np.empty(nbr, np.float64)
        for f in range(nf):
            m = feas[f]
            k = 0
            total = 0.0
            for j in range(nbr):
                c = br_col[j]
                if c < 0:
                    continue
                a = alloc[m, c]
                if a == 0:
                    continue
                fj = (used[m, c] + br_req[j]) / a
                if fj > 1:
                    fj = 1.0
                total += fj
                fr[k] = fj
                k += 1
            std = 0.0
            if k == 2:
                std = abs((fr[0] - fr[1]) / 2)
            elif k > 2:
                mean = total / k
                acc = 0.0
                for i in range(k):
                    acc += (fr[i] - mean) * (fr[i] - mean)
                std = math.sqrt(acc / k)
            totals[f] += w_bal * np.int64((1 - std) * MAX_SCORE)
    if w_taint > 0:
        for f in range(nf):
            sc[f] = taint_pref_set[taint_set[feas[f]]]
        _default_normalize(sc, nf, True)
        for f in range(nf):
            totals[f] += w_taint * sc[f]
    if w_naff > 0:
        for f in range(nf):
            sc[f] = naff_pref[feas[f]]
        _default_normalize(sc, nf, False)
        for f in range(nf):
            totals[f] += w_naff * sc[f]
    if w_img > 0:
        zero_img = w_img * _image_score(0, n_containers)
        for f in range(nf):
            s = img_sum[feas[f]]
            totals[f] += zero_img if s == 0 else w_img * _image_score(s, n_containers)
    nss = ss_gid.shape[0]
    if w_pts > 0 and nss > 0:
        ignored = np.zeros(nf, np.uint8)
        if require_all:
            for f in range(nf):
                m = feas[f]
                for i in range(nss):
                    if lab[m, ss_key[i]] < 0:
                        ignored[f] = 1
                        break
        n_ign = 0
        for f in range(nf):
            n_ign += ignored[f]
        fscore = np.zeros(nf, np.float64)
        for i in range(nss):
            k = ss_key[i]
            g = ss_gid[i]
            if ss_host[i]:
                size = nf - n_ign
                wt = math.log(float(size + 2))
                for f in range(nf):
                    m = feas[f]
                    if ignored[f] or lab[m, k] < 0:
                        continue
                    cnt = gcount[g, m] if g >= 0 else 0
                    fscore[f] += float(cnt) * wt + float(ss_skew[i] - 1)
                continue
            seen = np.zeros(nvals[k] + 1, np.uint8)
            size = 0
            for f in range(nf):
                if ignored[f]:
                    continue
                v = lab[feas[f], k]
                if v < 0:
                    v = ss_empty[i]
                if not seen[v]:
                    seen[v] = 1
                    size += 1
            wt = math.log(float(size + 2))
            dc = np.zeros(nvals[k] + 1, np.int64)
            if g >= 0:
                for t in range(n):
                    m = order[t]
                    if not _spread_node_counts(m, ss_key, require_all, ss_affh[i], ss_tainth[i], lab, aff_match,
                                               taint_ok_set, taint_set):
                        continue
                    v = lab[m, k]
                    if v < 0:
                        v = ss_empty[i]
                    dc[v] += gcount[g, m]
            for f in range(nf):
                m = feas[f]
                if ignored[f] or lab[m, k] < 0:
                    continue
                fscore[f] += float(dc[lab[m, k]]) * wt + float(ss_skew[i] - 1)
        mn = MAX_I64
        mx = 0
        for f in range(nf):
            if ignored[f]:
                continue
            s = _go_round(fscore[f])
            sc[f] = s
            if s < mn:
                mn = s
            if s > mx:
                mx = s
        for f in range(nf):
            if ignored[f]:
                s = 0
            elif mx == 0:
                s = MAX_SCORE
            else:
                s = MAX_SCORE * (mx + mn - sc[f]) // mx
            totals[f] += w_pts * s
    nsc = sc_src.shape[0]
    if w_ipa > 0 and nsc > 0:
        for f in range(nf):
            sc[f] = 0
        for i in range(nsc):
            k = sc_key[i]
            dc = np.zeros(nvals[k] + 1, np.int64)
            for t in range(n):
                m = order[t]
                if nlabels[m] == 0 or lab[m, k] < 0:
                    continue
                c = gcount[sc_id[i], m] if sc_src[i] == 0 else tcount[sc_id[i], m]
                if c != 0:
                    dc[lab[m, k]] += c * sc_w[i]
            for f in range(nf):
                v = lab[feas[f], k]
                if v >= 0:
                    sc[f] += dc[v]
        mn = sc[0]
        mx = sc[0]
        for f in range(nf):
            if sc[f] < mn:
                mn = sc[f]
            if sc[f] > mx:
                mx = sc[f]
        diff = mx - mn
        for f in range(nf):
            if diff > 0:
                s = np.int64(float(MAX_SCORE) * (float(sc[f] - mn) / float(diff)))
            else:
                s = 0
            totals[f] += w_ipa * s
    return feas, totals, processed
