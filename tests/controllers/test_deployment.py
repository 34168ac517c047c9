"""deployment_util and rolling: upstream rules (deployment_util.go, rolling.go, sync.go) checked on
examples and on whole rollouts."""
from __future__ import annotations

import pytest

from k8ssim.api.apps import PodTemplateSpec
from k8ssim.api.core import Container, PodSpec
from k8ssim.conformance.cases import _ctrl_inputs as ci
from k8ssim.controllers import deployment_util as du
from k8ssim.controllers import rolling


@pytest.mark.parametrize("replicas,want", [(1, (1, 0)), (4, (1, 1)), (10, (3, 2)), (100, (25, 25))])
def test_default_fenceposts(replicas, want):
    # k8s-algorithms.md §7: surge rounds up, unavailable rounds down
    assert du.resolve_fenceposts("25%", "25%", replicas) == want


def test_max_unavailable_is_capped_at_replicas_and_zero_for_recreate():
    assert du.max_unavailable(ci.deployment(3, max_surge=0, max_unavailable=5)) == 3
    assert du.max_unavailable(ci.deployment(3, 1, 1, strategy="Recreate")) == 0
    assert du.max_surge(ci.deployment(3, 1, 1, strategy="Recreate")) == 0


def _template(image: str) -> PodTemplateSpec:
    return PodTemplateSpec(labels={"app": "web"}, spec=PodSpec(containers=[Container(name="c", image=image)]))


def test_pod_template_hash_is_stable_and_shaped_like_upstream():
    h1, h2 = du.compute_hash(_template("v1")), du.compute_hash(_template("v1"))
    assert h1 == h2 and 1 <= len(h1) <= 10 and set(h1) <= set("bcdfghjklmnpqrstvwxz2456789")
    assert du.compute_hash(_template("v2")) != h1
    assert du.compute_hash(_template("v1"), collision_count=1) != h1
    t = _template("v1")
    t.labels[du.DEFAULT_DEPLOYMENT_UNIQUE_LABEL_KEY] = h1
    assert du.equal_ignore_hash(t, _template("v1")) and du.compute_hash(t) == h1


def test_find_new_and_old_replica_sets():
    d = ci.deployment(3, 1, 0)
    d.spec.template = _template("v2")
    old = ci.replica_set("web-a", 3, 3, created=0.0)
    old.spec.template = _template("v1")
    new = ci.replica_set("web-b", 0, 0, created=5.0)
    new.spec.template = _template("v2")
    assert du.find_new_replica_set(d, [old, new]) is new
    required, all_old = du.find_old_replica_sets(d, [old, new])
    assert required == [old] and all_old == [old]


def test_revisions():
    rss = [ci.replica_set(n, 0) for n in "abc"]
    for rs, rev in zip(rss, ("1", "3", "2")):
        rs.metadata.annotations[du.REVISION_ANNOTATION] = rev
    assert du.max_revision(rss) == 3 and du.last_revision(rss) == 2
    assert [rs.metadata.name for rs in du.sort_by_revision(rss)] == ["a", "c", "b"]


def test_proportional_scaling_5_to_10():
    # sync_test.go TestScale "proportional scaling: 5 -> 10": newRS 2 + oldRS 3 -> 4 + 6
    d = ci.deployment(10, max_surge=0, max_unavailable=0)
    d.status.replicas = 5
    new = ci.replica_set("new", 2, 2, created=1.0)
    old = ci.replica_set("old", 3, 3, created=0.0)
    for rs in (new, old):
        du.set_replicas_annotations(rs, 5, 5)
    assert du.proportional_scale(d, new, [old]) == {"old": 6, "new": 4}


def test_proportional_scaling_single_active_rs_takes_full_count():
    d = ci.deployment(7, 1, 0)
    new = ci.replica_set("new", 3, 3, created=1.0)
    old = ci.replica_set("old", 0, 0, created=0.0)
    assert du.proportional_scale(d, new, [old]) == {"new": 7}


def test_timed_out_after_deadline():
    d = ci.deployment(1, progress_deadline_seconds=600)
    st = ci.deployment_status({})
    st.conditions = [ci.progressing_condition({"reason": "ReplicaSetUpdated", "lastUpdate_s": 100})]
    assert not du.deployment_timed_out(d, st, 700.0)
    assert du.deployment_timed_out(d, st, 700.5)
    assert du.progress_deadline_at(d, st) == 700
    st.conditions = [ci.progressing_condition({"reason": du.NEW_RS_AVAILABLE_REASON, "lastUpdate_s": 0})]
    assert not du.deployment_timed_out(d, st, 1e6)


def _apply(actions, rss):
    by = {a.name: a.updated for a in actions}
    return [by.get(rs.metadata.name, rs) for rs in rss]


@pytest.mark.parametrize("replicas,surge,unavail", [(10, "25%", "25%"), (4, 1, 0), (3, 0, 1), (1, "25%", "25%"), (5, "100%", 0)])
def test_rollout_respects_surge_and_availability_and_completes(replicas, surge, unavail):
    """A whole rollout with pods becoming available at once: total spec never exceeds
    replicas + maxSurge, availability never drops below replicas - maxUnavailable, old RS ends at 0."""
    d = ci.deployment(replicas, max_surge=surge, max_unavailable=unavail)
    s, u = du.max_surge(d), du.max_unavailable(d)
    old = ci.replica_set("v1", replicas, replicas, created=0.0)
    new = ci.replica_set("v2", 0, 0, created=1.0)
    for _ in range(100):
        step = rolling.rollout_rolling_step(d, new, [old])
        if not step.actions:
            break
        old, new = _apply(step.actions, [old, new])
        assert old.spec.replicas + new.spec.replicas <= replicas + s
        # scale-downs remove available pods first only within the budget; pods then become available
        for rs in (old, new):
            rs.status.available_replicas = rs.spec.replicas
            rs.status.replicas = rs.spec.replicas
        assert old.status.available_replicas + new.status.available_replicas >= replicas - u
    assert (old.spec.replicas, new.spec.replicas) == (0, replicas)


def test_scale_action_sets_replica_annotations_and_leaves_input_alone():
    d = ci.deployment(10, 2, 0)
    rs = ci.replica_set("v2", 0)
    a = rolling.scale_replica_set(rs, 2, d)
    assert rs.spec.replicas == 0 and a.updated.spec.replicas == 2 and a.direction == "up"
    assert a.updated.metadata.annotations[du.DESIRED_REPLICAS_ANNOTATION] == "10"
    assert a.updated.metadata.annotations[du.MAX_REPLICAS_ANNOTATION] == "12"


def test_cleanup_candidates_beyond_history_limit():
    d = ci.deployment(1)
    d.spec.revision_history_limit = 1
    rss = []
    for i in range(3):
        rs = ci.replica_set(f"r{i}", 0, created=float(i))
        rs.status.replicas = 0
        rs.metadata.annotations[du.REVISION_ANNOTATION] = str(i + 1)
        rss.append(rs)
    rss[1].spec.replicas = 1  # still has replicas: kept
    assert [rs.metadata.name for rs in du.old_rss_to_clean_up(d, rss)] == ["r0"]
