"""The scheduling queue against the rules of pkg/scheduler/backend/queue (v1.35, QueueingHints and
SchedulerPopFromBackoffQ on): PrioritySort order, PreEnqueue gating, backoff 1,2,4,8,10 s aligned to
1 s windows, requeue on cluster events, the 5-minute leftover flush and the nominator."""
from __future__ import annotations

import pytest

from k8ssim.api.core import Node, NodeSpec, NodeStatus, Pod, PodSpec, Taint
from k8ssim.api.meta import ObjectMeta
from k8ssim.engine import Engine
from k8ssim.scheduler.queue import (
    ACTIVE_Q, BACKOFF_Q, UNSCHEDULABLE_PODS, ActionType, ClusterEvent, EventRegistration, QUEUE_SKIP,
    SchedulingQueue, backoff_duration, node_scheduling_properties_change,
)


def pod(name, prio=None, gates=(), ns="default"):
    return Pod(metadata=ObjectMeta(name=name, namespace=ns),
               spec=PodSpec(priority=prio, scheduling_gates=tuple(gates)))


def node(name, labels=None, taints=(), alloc=None):
    return Node(metadata=ObjectMeta(name=name, labels=dict(labels or {})),
                spec=NodeSpec(taints=tuple(taints)), status=NodeStatus(allocatable=dict(alloc or {"cpu": 1000})))


class _Status:
    def __init__(self, ok):
        self.ok = ok

    def is_success(self):
        return self.ok


class Gates:
    """A SchedulingGates PreEnqueue plugin."""
    name = "SchedulingGates"

    def pre_enqueue(self, p):
        return _Status(not p.spec.scheduling_gates)


NODE_ADD = ClusterEvent("Node", ActionType.Add, "NodeAdd")
REGS = {"default-scheduler": [
    EventRegistration(ClusterEvent("Node", ActionType.Add | ActionType.UpdateNodeAllocatable), "NodeResourcesFit"),
    EventRegistration(ClusterEvent("Pod", ActionType.Delete), "NodeResourcesFit"),
    EventRegistration(ClusterEvent("Node", ActionType.Add | ActionType.UpdateNodeTaint), "TaintToleration",
                      hint=lambda p, old, new: QUEUE_SKIP if new.spec.taints else "Queue"),
    EventRegistration(ClusterEvent("UnscheduledPod", ActionType.UpdatePodSchedulingGatesEliminated), "SchedulingGates"),
]}


def make(engine=None, **kw):
    engine = engine or Engine(1)
    q = SchedulingQueue(engine, pre_enqueue={"default-scheduler": [Gates()]}, registrations=REGS, **kw)
    return engine, q


def fail(q, qpi, *plugins):
    qpi.unschedulable_plugins = set(plugins)
    return q.add_unschedulable_if_not_present(qpi, q.scheduling_cycle)


# ------------------------------------------------------------------------------------------- order

def test_priority_sort_then_enqueue_time():
    # PrioritySort.Less: higher priority first; equal priority -> earlier timestamp first.
    eng, q = make()
    q.add(pod("low", 0))
    eng.run(until=1.0)
    q.add(pod("high", 100))
    q.add(pod("mid-early", 50))
    eng.run(until=2.0)
    q.add(pod("mid-late", 50))
    q.add(pod("none"))  # unset priority counts as 0, later than "low"
    assert [q.pop().key for _ in range(5)] == [
        "default/high", "default/mid-early", "default/mid-late", "default/low", "default/none"]
    assert q.pop() is None


def test_pop_counts_attempts_and_cycles():
    _, q = make()
    q.add(pod("a"))
    qpi = q.pop()
    assert qpi.attempts == 1 and q.scheduling_cycle == 1


# ------------------------------------------------------------------------------------------- gates

def test_scheduling_gates_keep_pod_out_until_removed():
    eng, q = make()
    gated = pod("g", gates=("example.com/wait",))
    q.add(gated)
    assert q.pending_pods()[UNSCHEDULABLE_PODS] == ["default/g"]
    assert q.pop() is None
    # a node event does not release a gated pod
    q.move_all_to_active_or_backoff(NODE_ADD, None, node("n1"))
    assert q.pop() is None
    ungated = pod("g")
    q.update(gated, ungated)  # gates eliminated -> SchedulingGates hint Queue -> activeQ (no backoff)
    assert q.pending_pods()[ACTIVE_Q] == ["default/g"]
    assert q.pop().pod is ungated


# ----------------------------------------------------------------------------------------- backoff

@pytest.mark.parametrize("count,want", [(0, 0), (1, 1), (2, 2), (3, 4), (4, 8), (5, 10), (6, 10), (30, 10)])
def test_backoff_duration_doubles_to_max(count, want):
    assert backoff_duration(count, 1, 10) == want


def test_backoff_expiry_is_aligned_to_whole_seconds():
    # Failure at t=0.3 with count 1: expiry = truncate(0.3 + 1 s) = 1.0; the pod is backing off while
    # expiry >= truncate(now), so the 1 s flush at t=2.0 is the first to release it.
    eng, q = make()
    q.add(pod("a"))
    eng.run(until=0.3)
    qpi = q.pop()
    # an event during the attempt makes the pod worth retrying -> backoffQ instead of unschedulablePods
    q.move_all_to_active_or_backoff(NODE_ADD, None, node("n1"))
    assert fail(q, qpi, "NodeResourcesFit") == BACKOFF_Q
    assert q.backoff_time(qpi) == 1.0
    eng.run(until=1.99)
    assert q.pending_pods()[BACKOFF_Q] == ["default/a"]
    eng.run(until=2.01)
    assert q.pending_pods()[ACTIVE_Q] == ["default/a"]


def test_pop_from_backoff_q_when_active_q_is_empty():
    eng, q = make()  # SchedulerPopFromBackoffQ (beta, default on)
    q.add(pod("a"))
    qpi = q.pop()
    q.move_all_to_active_or_backoff(NODE_ADD, None, node("n1"))
    assert fail(q, qpi, "NodeResourcesFit") == BACKOFF_Q
    q.add(pod("b"))
    assert q.pop().key == "default/b"  # activeQ first
    assert q.pop() is qpi  # then the backoffQ head, although still backing off


def test_backoff_grows_with_unschedulable_attempts():
    # each failed attempt doubles the backoff: 1, 2, 4, 8, then capped at 10 s
    eng, q = make()
    q.add(pod("a"))
    waits = []
    for _ in range(6):
        qpi = q.pop()
        assert qpi is not None
        t0 = eng.now
        q.move_all_to_active_or_backoff(NODE_ADD, None, node("n"))
        assert fail(q, qpi, "NodeResourcesFit") == BACKOFF_Q
        bt = q.backoff_time(qpi)
        waits.append(round(bt - t0))
        eng.run(until=bt + 1.0 + 1e-6)  # the aligned flush at bt + 1 s moves it back
        assert q.pending_pods()[ACTIVE_Q] == ["default/a"]
    assert waits == [1, 2, 4, 8, 10, 10]


# ------------------------------------------------------------------------------- unschedulablePods

def test_unschedulable_pod_waits_for_a_registered_event():
    eng, q = make()
    q.add(pod("a"))
    qpi = q.pop()
    assert fail(q, qpi, "NodeResourcesFit") == UNSCHEDULABLE_PODS
    # an event no rejecting plugin registered for does nothing
    q.move_all_to_active_or_backoff(ClusterEvent("Node", ActionType.UpdateNodeLabel), node("n"), node("n"))
    assert q.pending_pods()[UNSCHEDULABLE_PODS] == ["default/a"]
    eng.run(until=5.0)  # backoff (1 s) over by now -> straight to activeQ
    q.move_all_to_active_or_backoff(NODE_ADD, None, node("n1"))
    assert q.pending_pods()[ACTIVE_Q] == ["default/a"]


def test_queueing_hint_skip_keeps_pod_unschedulable():
    eng, q = make()
    q.add(pod("a"))
    qpi = q.pop()
    fail(q, qpi, "TaintToleration")
    eng.run(until=5.0)
    q.move_all_to_active_or_backoff(NODE_ADD, None, node("t", taints=[Taint("k", "v")]))
    assert q.pending_pods()[UNSCHEDULABLE_PODS] == ["default/a"]
    q.move_all_to_active_or_backoff(NODE_ADD, None, node("clean"))
    assert q.pending_pods()[ACTIVE_Q] == ["default/a"]


def test_event_within_backoff_goes_to_backoff_q():
    eng, q = make()
    q.add(pod("a"))
    qpi = q.pop()
    fail(q, qpi, "NodeResourcesFit")
    eng.run(until=0.5)
    q.move_all_to_active_or_backoff(NODE_ADD, None, node("n1"))
    assert q.pending_pods()[BACKOFF_Q] == ["default/a"]


def test_leftover_flush_after_five_minutes():
    # flushUnschedulablePodsLeftover runs every 30 s and moves pods whose timestamp is more than
    # 300 s old. Failure at t=0.5: at t=300 it has waited 299.5 s (stays), at t=330 it goes.
    eng, q = make()
    eng.run(until=0.5)
    q.add(pod("a"))
    qpi = q.pop()
    fail(q, qpi, "NodeResourcesFit")
    eng.run(until=300.01)
    assert q.pending_pods()[UNSCHEDULABLE_PODS] == ["default/a"]
    eng.run(until=330.01)
    assert q.pending_pods()[ACTIVE_Q] == ["default/a"]


def test_error_without_plugins_goes_to_backoff():
    eng, q = make(pop_from_backoff_q=False)
    q.add(pod("a"))
    qpi = q.pop()
    assert q.add_unschedulable_if_not_present(qpi, q.scheduling_cycle, error=True) == BACKOFF_Q
    eng.run(until=2.5)
    assert q.pop() is qpi


def test_delete_removes_from_every_queue():
    _, q = make()
    q.add(pod("a"))
    q.add(pod("b"))
    q.delete(pod("a"))
    assert q.pop().key == "default/b"
    assert q.pop() is None and len(q) == 0


def test_node_update_classification_ignores_heartbeats():
    a = node("n", labels={"x": "1"})
    b = node("n", labels={"x": "1"})
    assert node_scheduling_properties_change(b, a) == []
    c = node("n", labels={"x": "2"}, taints=[Taint("k")])
    acts = {e.action for e in node_scheduling_properties_change(c, a)}
    assert acts == {ActionType.UpdateNodeLabel, ActionType.UpdateNodeTaint}


# ---------------------------------------------------------------------------------------- nominator

def test_nominator_tracks_nominations_per_node():
    _, q = make()
    p = pod("p", 10)
    p.status.nominated_node_name = "n1"
    q.add(p)
    assert q.nominator.nominated_keys_for_node("n1") == ["default/p"]
    q.delete(p)
    assert q.nominator.nominated_keys_for_node("n1") == []
