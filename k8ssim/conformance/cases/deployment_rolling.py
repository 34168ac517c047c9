"""Vectors of ``deployment_rolling.json`` against :mod:`k8ssim.controllers.deployment_util` and
:mod:`k8ssim.controllers.rolling` (``kind`` selects the function)."""
from __future__ import annotations

from k8ssim.conformance.cases import _ctrl_inputs as ci
from k8ssim.conformance.runner import Mismatch, expect_equal
from k8ssim.controllers import deployment_util as du
from k8ssim.controllers import rolling


def _dep(inp: dict, replicas_key: str = "deploymentReplicas", **kw):
    return ci.deployment(
        inp.get(replicas_key, inp.get("replicas", inp.get("desired", 1))),
        max_surge=inp.get("maxSurge"),
        max_unavailable=inp.get("maxUnavailable"),
        strategy=inp.get("strategy", "RollingUpdate"),
        **kw,
    )


def _fenceposts(inp, exp):
    try:
        got = du.resolve_fenceposts(inp.get("maxSurge"), inp.get("maxUnavailable"), inp["desired"])
    except du.DeploymentError as e:
        if exp.get("error"):
            return
        raise Mismatch(f"unexpected error {e}") from None
    if exp.get("error"):
        raise Mismatch(f"got {got}, want an error")
    expect_equal(got, (exp["surge"], exp["unavailable"]), "(surge, unavailable)")


def _max_unavailable(inp, exp):
    expect_equal(du.max_unavailable(_dep(inp, "replicas")), exp["maxUnavailable"], "MaxUnavailable")


def _new_rs_new_replicas(inp, exp):
    d = _dep(inp)
    all_rss = [ci.replica_set(f"rs{i}", r, created=float(i)) for i, r in enumerate(inp["allRSsReplicas"])]
    new_rs = ci.replica_set("new", inp["newRSReplicas"], created=100.0)
    expect_equal(du.new_rs_new_replicas(d, all_rss, new_rs), exp["newReplicas"], "NewRSNewReplicas")


def _old_new(inp):
    old = ci.replica_set("foo-v1", inp["oldRSReplicas"], inp.get("oldRSAvailable", 0), created=0.0)
    new = ci.replica_set("foo-v2", inp.get("newRSReplicas", 0), inp.get("newRSAvailable", 0), created=1.0)
    return old, new


def _reconcile_new(inp, exp):
    d = _dep(inp)
    old, new = _old_new(inp)
    scaled, size, _ = rolling.reconcile_new_replica_set([old, new], new, d)
    expect_equal(scaled, exp["scaled"], "scaled")
    expect_equal(size if scaled else new.spec.replicas, exp["newRSReplicas"], "newRS replicas")


def _reconcile_old(inp, exp):
    d = _dep(inp)
    old, new = _old_new(inp)
    scaled, actions = rolling.reconcile_old_replica_sets([old, new], [old], new, d)
    expect_equal(scaled, exp["scaled"], "scaled")
    size = {a.name: a.replicas for a in actions}.get(old.metadata.name, old.spec.replicas)
    expect_equal(size, exp["oldRSReplicas"], "oldRS replicas")


def _cleanup(inp, exp):
    d = _dep(inp)
    old = ci.replica_set("foo-v1", inp["oldRSReplicas"], inp["oldRSAvailable"])
    _, count = rolling.cleanup_unhealthy_replicas([old], d, inp["maxCleanupCount"])
    expect_equal(count, exp["cleanupCount"], "cleanupCount")


def _scale_down(inp, exp):
    d = _dep(inp)
    old = ci.replica_set("foo-v1", inp["oldRSReplicas"], inp["oldRSAvailable"])
    actions, total = rolling.scale_down_old_replica_sets_for_rolling_update([old], [old], d)
    expect_equal(total > 0, exp["scaled"], "scaled")
    size = {a.name: a.replicas for a in actions}.get(old.metadata.name, old.spec.replicas)
    expect_equal(size, exp["oldRSReplicas"], "oldRS replicas")


def _complete(inp, exp):
    d = _dep({"replicas": inp["desired"], "maxSurge": inp.get("maxSurge"), "maxUnavailable": inp.get("maxUnavailable")}, "replicas")
    st = ci.deployment_status(inp["status"])
    expect_equal(du.deployment_complete(d, st), exp["complete"], "DeploymentComplete")


def _progressing(inp, exp):
    d = ci.deployment(10, status=inp["oldStatus"])
    expect_equal(du.deployment_progressing(d, ci.deployment_status(inp["newStatus"])), exp["progressing"], "DeploymentProgressing")


def _timed_out(inp, exp):
    d = ci.deployment(1, progress_deadline_seconds=inp.get("progressDeadlineSeconds"))
    st = ci.deployment_status({})
    if inp.get("condition"):
        st.conditions = [ci.progressing_condition(inp["condition"])]
    expect_equal(du.deployment_timed_out(d, st, inp["now_s"]), exp["timedOut"], "DeploymentTimedOut")


_KINDS = {
    "ResolveFenceposts": _fenceposts,
    "MaxUnavailable": _max_unavailable,
    "NewRSNewReplicas": _new_rs_new_replicas,
    "reconcileNewReplicaSet": _reconcile_new,
    "reconcileOldReplicaSets": _reconcile_old,
    "cleanupUnhealthyReplicas": _cleanup,
    "scaleDownOldReplicaSetsForRollingUpdate": _scale_down,
    "DeploymentComplete": _complete,
    "DeploymentProgressing": _progressing,
    "DeploymentTimedOut": _timed_out,
}


def run(vector: dict, doc: dict) -> None:
    fn = _KINDS.get(vector.get("kind"))
    if fn is None:
        raise Mismatch(f"unknown kind {vector.get('kind')!r}")
    fn(vector.get("inputs", {}), vector.get("expected", {}))
