"""Vectors of ``node_lifecycle.json`` against :mod:`k8ssim.controllers.nodelifecycle_util`
(``ComputeZoneState``, eviction-rate selection, ``getMinTolerationTime`` and the taint eviction
controller's ``processPodOnNode``)."""
from __future__ import annotations

from k8ssim.api import decode
from k8ssim.api.core import Toleration
from k8ssim.conformance.runner import Mismatch, expect_equal
from k8ssim.controllers import nodelifecycle_util as nl


def _zone_state(inp: dict, exp: dict) -> None:
    n, st = nl.compute_zone_state(inp["ready_condition_statuses"], inp.get("unhealthyZoneThreshold", nl.UNHEALTHY_ZONE_THRESHOLD))
    expect_equal((n, st), (exp["notReadyNodes"], exp["state"]), "(notReadyNodes, state)")


def _rates(inp: dict, exp: dict) -> None:
    cfg = nl.EvictionRateConfig(
        eviction_limiter_qps=inp.get("evictionLimiterQPS", nl.NODE_EVICTION_RATE),
        secondary_eviction_limiter_qps=inp.get("secondaryEvictionLimiterQPS", nl.SECONDARY_NODE_EVICTION_RATE),
        large_cluster_threshold=inp.get("largeClusterSizeThreshold", nl.LARGE_CLUSTER_SIZE_THRESHOLD),
    )
    zones = [(z["zone"], z["size"], z["state"]) for z in inp["zones"]]
    got = nl.eviction_rates(zones, cfg)
    expect_equal(got, exp["qps_per_zone"], "qps_per_zone")


def _min_time(inp: dict, exp: dict) -> None:
    tols = [Toleration(key="k", operator="Exists", effect="NoExecute", toleration_seconds=s) for s in inp["tolerationSeconds"]]
    expect_equal(nl.get_min_toleration_time(tols), exp["seconds"], "getMinTolerationTime")


def _decide(d: dict, now: float, queued=None):
    tols = [decode.toleration(t) for t in d.get("pod_tolerations") or []]
    taints = [decode.taint(t) for t in d.get("node_taints") or []]
    return nl.process_pod_on_node(tols, taints, now, queued)


def _decision(inp: dict, exp: dict) -> None:
    dec = _decide(inp, 0.0)
    if exp["action"] == "none":
        expect_equal(dec.action, "cancel", "action")
        return
    expect_equal(dec.action, exp["action"], "action")
    expect_equal(dec.fire_at, exp["after_s"], "after_s")


def _reschedule(inp: dict, exp: dict) -> None:
    first = inp["first"]
    dec = _decide(first, first["at_s"])
    if dec.action != "evict":
        raise Mismatch(f"first update: got {dec.action}, want evict")
    queued_at, fire_at = dec.created_at, dec.fire_at
    upd = inp["update"]
    dec2 = _decide(upd, upd["at_s"], queued_at)
    if dec2.action == "evict":
        fire_at = dec2.fire_at
    elif dec2.action == "cancel":
        fire_at = None
    action = "none" if fire_at is None else "evict"
    expect_equal(action, exp["action"], "action")
    if "at_s" in exp:
        expect_equal(fire_at, exp["at_s"], "at_s")


_KINDS = {
    "ComputeZoneState": _zone_state,
    "evictionRate": _rates,
    "getMinTolerationTime": _min_time,
    "taintEvictionDecision": _decision,
    "taintEvictionReschedule": _reschedule,
}


def run(vector: dict, doc: dict) -> None:
    fn = _KINDS.get(vector.get("kind"))
    if fn is None:
        raise Mismatch(f"unknown kind {vector.get('kind')!r}")
    fn(vector.get("inputs", {}), vector.get("expected", {}))
