"""Garbage collector: background / foreground / orphan cascades, owner-uid mismatch ("owner not
found"), ownership cycles (terminate with an "ownership cycle" warning), following
``pkg/controller/garbagecollector``."""
from __future__ import annotations

from k8ssim.api.apps import ReplicaSet, ReplicaSetSpec
from k8ssim.api.meta import LabelSelector, ObjectMeta, OwnerReference
from k8ssim.controllers import garbagecollector as gc_mod
from k8ssim.engine import Engine
from k8ssim.store import Store

from .test_job import Cluster, make_job


def ref(obj, block=True, controller=False) -> OwnerReference:
    return OwnerReference(api_version=obj.api_version, kind=obj.kind, name=obj.metadata.name,
                          uid=obj.metadata.uid, controller=controller, block_owner_deletion=block)


def rs(name, owners=()) -> ReplicaSet:
    # replicas 0 and no ReplicaSet controller here: plain objects with ownerReferences
    return ReplicaSet(metadata=ObjectMeta(name=name, namespace="default", owner_references=list(owners)),
                      spec=ReplicaSetSpec(replicas=0, selector=LabelSelector(match_labels={"a": name})))


class World:
    def __init__(self):
        self.engine = Engine(3)
        self.store = Store(self.engine)
        self.gc = gc_mod.new_controller(self.engine, self.store)
        self.gc.start()

    def names(self):
        return sorted(o.metadata.name for o in self.store.list("replicasets"))

    def run(self, t):
        self.engine.run(until=t)


def test_background_deletes_dependents_after_owner():
    w = World()
    a = w.store.create(rs("a"))
    b = w.store.create(rs("b", [ref(a)]))
    w.store.create(rs("c", [ref(b)]))
    w.run(1)
    w.store.delete("replicasets", "default", "a", propagation_policy="Background")
    assert w.names() == ["b", "c"]  # owner first
    w.run(2)
    assert w.names() == []  # then the dependents, transitively


def test_foreground_owner_waits_for_blocking_dependents():
    w = World()
    a = w.store.create(rs("a"))
    w.store.create(rs("b", [ref(a, block=True)]))
    w.store.create(rs("c", [ref(a, block=False)]))
    w.run(1)
    w.store.delete("replicasets", "default", "a", propagation_policy="Foreground")
    a2 = w.store.get("replicasets", "default", "a")
    assert a2.metadata.deletion_timestamp == 1 and a2.metadata.finalizers == ["foregroundDeletion"]
    w.run(2)
    assert w.names() == []  # b (blocking) and c deleted, then a's finalizer removed and a gone


def test_foreground_waits_for_terminating_pods():
    # a Job deleted in the foreground keeps its deletionTimestamp until its pod is gone: the pod
    # (running 100 s) is deleted at 5, stops 1 s later (FakeKubelet STOP) -> the Job is gone at 6.
    cl = Cluster(outcome=lambda pod: (100.0, 0))
    cl.store.create(make_job())
    cl.run(5)
    cl.store.delete("jobs", "default", "pi", propagation_policy="Foreground")
    cl.run(5.5)
    assert cl.job() is not None and cl.job().metadata.finalizers == ["foregroundDeletion"]
    assert cl.pods()[0].metadata.deletion_timestamp == 5 + 30  # now + terminationGracePeriodSeconds
    cl.run(10)
    assert cl.job() is None and cl.pods() == []


def test_orphan_removes_owner_references_then_finalizer():
    w = World()
    a = w.store.create(rs("a"))
    w.store.create(rs("b", [ref(a)]))
    w.run(1)
    w.store.delete("replicasets", "default", "a", propagation_policy="Orphan")
    w.run(2)
    assert w.names() == ["b"]
    assert w.store.get("replicasets", "default", "b").metadata.owner_references == []


def test_owner_uid_mismatch_counts_as_owner_not_found():
    w = World()
    a = w.store.create(rs("a"))
    stale = ref(a)
    w.store.delete("replicasets", "default", "a")
    w.store.create(rs("a"))  # same name, new uid
    w.store.create(rs("b", [stale]))
    w.run(1)
    assert w.names() == ["a"]


def test_solid_owner_keeps_dependent_and_drops_dangling_reference():
    w = World()
    a = w.store.create(rs("a"))
    gone = w.store.create(rs("gone"))
    dangling = ref(gone)
    w.store.delete("replicasets", "default", "gone")
    w.store.create(rs("b", [ref(a), dangling]))
    w.run(1)
    assert w.names() == ["a", "b"]
    assert [r.name for r in w.store.get("replicasets", "default", "b").metadata.owner_references] == ["a"]


def test_ownership_cycle_terminates_with_warning():
    w = World()
    a = w.store.create(rs("a"))
    b = w.store.create(rs("b", [ref(a)]))
    w.store.patch("replicasets", "default", "a", lambda o: o.metadata.owner_references.append(ref(b)))
    w.run(1)
    warnings = [(k, d) for t, s, kind, k, d in w.engine.log.rows() if kind == "OwnershipCycle"]
    assert len(warnings) == 1 and "ownership cycle" in warnings[0][1]
    w.store.delete("replicasets", "default", "a", propagation_policy="Foreground")
    w.run(10)  # the foreground deadlock is broken (references unblocked) and both go
    assert w.names() == []
    assert w.engine.peek() == float("inf")  # nothing left looping


def test_background_cycle_terminates():
    w = World()
    a = w.store.create(rs("a"))
    b = w.store.create(rs("b", [ref(a)]))
    w.store.patch("replicasets", "default", "a", lambda o: o.metadata.owner_references.append(ref(b)))
    w.run(1)
    w.store.delete("replicasets", "default", "b")
    w.run(5)
    assert w.names() == [] and w.engine.peek() == float("inf")


def test_job_deletion_cascades_to_pods():
    cl = Cluster(outcome=lambda pod: (100.0, 0))
    cl.store.create(make_job(parallelism=3, completions=3))
    cl.run(5)
    assert len(cl.pods()) == 3
    cl.store.delete("jobs", "default", "pi", propagation_policy="Background")
    cl.run(10)
    # pods deleted by the GC at 5, stopped at 6; their tracking finalizers removed by the Job
    # controller's orphan-pod handling, so they are gone
    assert cl.pods() == []


def test_graph_is_indexed_by_uid_not_scanned():
    w = World()
    owners = [w.store.create(rs(f"o{i}")) for i in range(50)]
    for i, o in enumerate(owners):
        w.store.create(rs(f"d{i}", [ref(o)]))
    w.run(1)
    assert len(w.gc.graph) == 100
    assert all(len(w.gc.graph[o.metadata.uid].dependents) == 1 for o in owners)
