"""controller_utils, daemonset_util and job_backoff: upstream rules on small examples."""
from __future__ import annotations

import pytest

from k8ssim.api.core import (
    Affinity, ContainerStatus, Container, NodeAffinity, NodeSelectorRequirement, NodeSelectorTerm, Pod, PodCondition,
    PodSpec, PodStatus, Toleration,
)
from k8ssim.api.meta import ObjectMeta
from k8ssim.conformance.cases import _ctrl_inputs as ci
from k8ssim.controllers import controller_utils as cu
from k8ssim.controllers import daemonset_util as dsu
from k8ssim.controllers import job_backoff as jb

# ---------------------------------------------------------------- controller_utils


@pytest.mark.parametrize("count,batches", [(0, []), (1, [1]), (3, [1, 2]), (10, [1, 2, 4, 3]), (500, [1, 2, 4, 8, 16, 32, 64, 128, 245])])
def test_slow_start_batches(count, batches):
    assert cu.slow_start_batches(count) == batches and sum(batches) == count


def test_burst_replicas_caps_one_sync():
    assert cu.replicas_to_manage(0, 800) == -500 and cu.replicas_to_manage(900, 100) == 500


@pytest.mark.parametrize("value,cost", [("10", 10), ("-5", -5), ("0", 0), ("+10", 0), ("008", 0), ("abc", 0), ("2147483648", 0), ("", 0)])
def test_deletion_cost_annotation(value, cost):
    assert cu.get_deletion_cost({cu.POD_DELETION_COST_ANNOTATION: value}) == cost


def test_is_pod_available_needs_min_ready_seconds_strictly_elapsed():
    p = ci.pod({"name": "p", "node": "n", "ready": True, "readySince_ago_s": 10})
    assert cu.is_pod_available(p, 0, ci.NOW)
    assert cu.is_pod_available(p, 9, ci.NOW)
    assert not cu.is_pod_available(p, 10, ci.NOW)
    assert cu.pod_available_at(p, 10) == ci.NOW
    assert not cu.is_pod_available(ci.pod({"name": "q", "node": "n"}), 0, ci.NOW)


def test_get_pods_to_delete_prefers_not_ready_then_doubled_up():
    pods = [
        ci.pod({"name": "ready-n1", "node": "n1", "ready": True, "readySince_ago_s": 100}),
        ci.pod({"name": "ready-n2a", "node": "n2", "ready": True, "readySince_ago_s": 100}),
        ci.pod({"name": "ready-n2b", "node": "n2", "ready": True, "readySince_ago_s": 100}),
        ci.pod({"name": "notready", "node": "n3"}),
    ]
    got = [p.metadata.name for p in cu.get_pods_to_delete(pods, None, 3, ci.NOW)]
    assert got == ["notready", "ready-n2a", "ready-n2b"]


def test_terminal_and_deleting_pods_are_not_active():
    assert not cu.is_pod_active(ci.pod({"name": "a", "phase": "Succeeded"}))
    assert not cu.is_pod_active(ci.pod({"name": "b", "deleting": True}))
    assert [p.metadata.name for p in cu.filter_active_pods([ci.pod({"name": "c"}), ci.pod({"name": "d", "phase": "Failed"})])] == ["c"]


# ---------------------------------------------------------------- daemonset_util


def test_daemon_tolerations_replace_a_matching_one_with_seconds():
    spec = PodSpec(tolerations=(Toleration("node.kubernetes.io/not-ready", "Exists", "", "NoExecute", 300),))
    tols = dsu.add_or_update_daemon_pod_tolerations(spec)
    keys = [(t.key, t.effect) for t in tols]
    assert keys.count(("node.kubernetes.io/not-ready", "NoExecute")) == 1
    nr = [t for t in tols if t.key == "node.kubernetes.io/not-ready"][0]
    assert nr.toleration_seconds is None  # tolerated forever
    assert ("node.kubernetes.io/network-unavailable", "NoSchedule") not in keys
    spec.host_network = True
    assert ("node.kubernetes.io/network-unavailable", "NoSchedule") in [(t.key, t.effect) for t in dsu.add_or_update_daemon_pod_tolerations(spec)]


def test_host_network_daemon_tolerates_network_unavailable():
    node = ci.node({"name": "n", "taints": [{"key": "node.kubernetes.io/network-unavailable", "effect": "NoSchedule"}]})
    assert dsu.node_should_run_daemon_pod(node, ci.daemonset({"hostNetwork": True})) == (True, True)
    assert dsu.node_should_run_daemon_pod(node, ci.daemonset({})) == (False, True)


@pytest.mark.parametrize(
    "expr,ok",
    [
        ({"key": "gpu", "operator": "Gt", "values": ["3"]}, True),
        ({"key": "gpu", "operator": "Lt", "values": ["3"]}, False),
        ({"key": "zone", "operator": "NotIn", "values": ["a"]}, True),
        ({"key": "zone", "operator": "DoesNotExist"}, True),
        ({"key": "gpu", "operator": "Exists"}, True),
    ],
)
def test_node_affinity_operators(expr, ok):
    node = ci.node({"name": "n", "labels": {"gpu": "4"}})
    tmpl = {"affinity": {"nodeAffinity": {"required": {"nodeSelectorTerms": [{"matchExpressions": [expr]}]}}}}
    assert dsu.node_should_run_daemon_pod(node, ci.daemonset(tmpl))[0] is ok


def test_empty_term_and_match_fields():
    node = ci.node({"name": "n1"})
    assert not dsu.node_matches_node_selector_terms([NodeSelectorTerm()], node)
    t = NodeSelectorTerm(match_fields=(NodeSelectorRequirement("metadata.name", "In", ("n1",)),))
    assert dsu.node_matches_node_selector_terms([t], node)
    assert not dsu.node_matches_node_selector_terms([t], ci.node({"name": "n2"}))


def test_replace_node_name_affinity_keeps_preferred_drops_required():
    pref = ()
    aff = Affinity(node_affinity=NodeAffinity(required=(NodeSelectorTerm(match_expressions=(NodeSelectorRequirement("a", "Exists"),)),), preferred=pref))
    new = dsu.replace_daemon_set_pod_node_name_node_affinity(aff, "node-1")
    (term,) = new.node_affinity.required
    assert term.match_fields[0].values == ("node-1",) and not term.match_expressions
    assert aff.node_affinity.required[0].match_expressions  # input untouched
    assert dsu.replace_daemon_set_pod_node_name_node_affinity(None, "x").node_affinity.required[0].match_fields[0].values == ("x",)


def test_pods_should_be_on_node_deletes_extra_and_failed():
    node = ci.node({"name": "n", "conditions": {"Ready": "True"}})
    ds = ci.daemonset({})
    a = ci.pod({"name": "a", "node": "n", "created_ago_s": 100})
    b = ci.pod({"name": "b", "node": "n", "created_ago_s": 50})
    f = ci.pod({"name": "f", "node": "n", "phase": "Failed"})
    needs, delete = dsu.pods_should_be_on_node(node, ds, [a, b, f])
    assert not needs and [p.metadata.name for p in delete] == ["f", "b"]


# ---------------------------------------------------------------- job_backoff


def test_production_backoff_sequence():
    got = [jb.backoff_duration(n, jb.DEFAULT_JOB_POD_FAILURE_BACKOFF, jb.MAX_JOB_POD_FAILURE_BACKOFF) for n in range(0, 9)]
    assert got == [0, 10, 20, 40, 80, 160, 320, 600, 600]


def test_finish_time_counts_sidecars_and_falls_back_to_ready_false():
    sidecar = Container(name="side", restart_policy="Always")
    p = Pod(
        metadata=ObjectMeta(name="p", creation_timestamp=1.0),
        spec=PodSpec(init_containers=[sidecar]),
        status=PodStatus(
            container_statuses=[ContainerStatus(name="main", state="terminated", finished_at=10.0)],
            init_container_statuses=[ContainerStatus(name="side", state="terminated", finished_at=12.0)],
        ),
    )
    assert jb.get_finished_time(p) == 12.0
    p.status.container_statuses = [ContainerStatus(name="main", state="running")]
    p.status.conditions = [PodCondition("Ready", "False", 7.0)]
    assert jb.get_finished_time(p) == 7.0


def test_record_counts_only_failures_after_the_last_success():
    def pod(t, phase):
        return Pod(status=PodStatus(phase=phase, container_statuses=[ContainerStatus("c", state="terminated", finished_at=t)]))

    rec = jb.new_backoff_record(jb.BackoffRecord("j", 5, 1.0), [pod(10, "Succeeded")], [pod(5, "Failed"), pod(11, "Failed"), pod(12, "Failed")])
    assert (rec.failures_after_last_success, rec.last_failure_time) == (2, 12)
    assert jb.get_remaining_time(rec, 12.0) == 20.0 and jb.get_remaining_time(rec, 40.0) == 0.0


def test_per_index_uses_failure_count_annotation():
    p = Pod(
        metadata=ObjectMeta(name="p", annotations={jb.JOB_INDEX_FAILURE_COUNT_ANNOTATION: "2"}),
        status=PodStatus(phase="Failed", container_statuses=[ContainerStatus("c", state="terminated", finished_at=100.0)]),
    )
    assert jb.get_remaining_time_per_index(p, 105.0) == 35.0  # 3 failures -> 40 s
