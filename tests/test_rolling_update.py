"""A rolling update of the shop's frontend, checked against upstream RollingUpdate semantics
(``pkg/controller/deployment/rolling.go``): frontend has 3 replicas and the default strategy
maxSurge 25% (ceil(0.75) = 1) / maxUnavailable 25% (floor(0.75) = 0), so during the rollout there are never
more than 3 + 1 = 4 frontend pods, never fewer than 3 - 0 = 3 available, old pods are removed one at a
time only after a new one is available, and the rollout ends with 3 new pods and the old ReplicaSet at 0."""
import os

import pytest

import k8ssim

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHOP = os.path.join(REPO, "scenarios", "shop.yaml")


@pytest.fixture(scope="module")
def shop():
    return k8ssim.run(SHOP)


def _frontend_pods(res):
    p = res.pods
    return p[p.owner_name.str.startswith("frontend-")]


def test_rollout_replaces_every_frontend_pod(shop):
    pods = _frontend_pods(shop)
    rss = sorted(pods.owner_name.unique())
    assert len(rss) == 2  # the original ReplicaSet and the one for v1.9.0
    old = pods[pods.created < 600]
    new = pods[pods.created >= 600]
    assert len(old) == 3 and len(new) == 3
    assert old.deleted.notna().all() and new.deleted.isna().all()
    assert new.ready.notna().all()


def test_rollout_bounds_hold_at_every_instant(shop):
    pods = _frontend_pods(shop)
    times = sorted(set(pods.created) | set(pods.terminating.dropna()) | set(pods.ready.dropna()))
    # a pod counts from its creation until its deletion is requested (deletionTimestamp): terminating pods
    # are not active pods for the ReplicaSet (controller.FilterActivePods)
    for t in times:
        if t < 600:
            continue
        active = pods[(pods.created <= t) & (pods.terminating.isna() | (pods.terminating > t))]
        assert len(active) <= 4, f"more than replicas + maxSurge pods at t={t}"
        available = active[active.ready.notna() & (active.ready <= t)]
        assert len(available) >= 3 - 0, f"fewer than replicas - maxUnavailable available at t={t}"


def test_old_pods_go_one_at_a_time_after_a_new_one_is_ready(shop):
    pods = _frontend_pods(shop)
    new = pods[pods.created >= 600].sort_values("ready")
    old_gone = sorted(pods[pods.created < 600].terminating)
    # the k-th old pod is deleted only once k new pods are Ready (maxUnavailable 0)
    for k, t in enumerate(old_gone, start=1):
        assert (new.ready <= t).sum() >= k


def test_deployment_reports_the_new_revision(shop):
    wl = shop.workloads
    last = wl[(wl.kind == "Deployment") & (wl.name == "frontend") & (wl.time == wl.time.max())].iloc[0]
    assert (last.desired, last.updated, last.available) == (3, 3, 3)
