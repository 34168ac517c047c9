"""Vectors of ``replicaset_deletion_rank.json`` against :mod:`k8ssim.controllers.controller_utils`
(``getPodsToDelete``, ``ActivePodsWithRanks.Less``, ``ActivePods.Less``)."""
from __future__ import annotations

from k8ssim.conformance.cases import _ctrl_inputs as ci
from k8ssim.conformance.runner import Mismatch, expect_equal
from k8ssim.controllers import controller_utils as cu


def _catalog(doc: dict, inp: dict) -> dict:
    cat = dict(doc.get("pod_catalog") or {})
    cat.update(inp.get("pod_catalog_extra") or {})
    return cat


def _pods_to_delete(vector: dict, doc: dict) -> None:
    inp, exp = vector["inputs"], vector["expected"]
    cat = _catalog(doc, inp)
    objs = {name: ci.pod(d) for name, d in cat.items()}
    missing = [n for n in inp["pods"] + (inp.get("related_pods") or []) if n not in objs]
    if missing:
        raise Mismatch(f"pods {missing} not in pod_catalog")
    pods = [objs[n] for n in inp["pods"]]
    related = None if "related_pods" not in inp else [objs[n] for n in inp["related_pods"]]
    got = cu.get_pods_to_delete(pods, related, inp["diff"], ci.NOW, inp.get("feature_gates"))
    expect_equal([p.metadata.name for p in got], exp["podsToDelete"], "podsToDelete")


def _less(vector: dict, doc: dict) -> None:
    inp, exp = vector["inputs"], vector["expected"]
    p1, p2 = ci.pod(inp["p1"]), ci.pod(inp["p2"])
    gates = inp.get("feature_gates")
    if vector.get("kind") == "ActivePods.Less":
        l12, l21 = cu.active_pods_less(p1, p2), cu.active_pods_less(p2, p1)
    else:
        r1, r2 = inp.get("rank1", 0), inp.get("rank2", 0)
        l12 = cu.active_pods_with_ranks_less(p1, p2, r1, r2, ci.NOW, gates)
        l21 = cu.active_pods_with_ranks_less(p2, p1, r2, r1, ci.NOW, gates)
    expect_equal(l12, exp["less_p1_p2"], "Less(p1, p2)")
    expect_equal(l21, exp["less_p2_p1"], "Less(p2, p1)")


def _sorted(vector: dict, doc: dict) -> None:
    inp, exp = vector["inputs"], vector["expected"]
    pods = [ci.pod(d) for d in inp["pods"]]
    got = cu.sort_active_pods(pods)
    want = exp.get("order", exp.get("sorted"))
    expect_equal([p.metadata.name for p in got], want, "sorted order")


_KINDS = {
    "getPodsToDelete": _pods_to_delete,
    "ActivePodsWithRanks.Less": _less,
    "ActivePods.Less": _less,
    "ActivePods": _sorted,
}


def run(vector: dict, doc: dict) -> None:
    fn = _KINDS.get(vector.get("kind"))
    if fn is None:
        raise Mismatch(f"unknown kind {vector.get('kind')!r}")
    fn(vector, doc)
