"""Deletion: graceful pods, finalizers, propagation policies, preconditions (registry/store.go,
rest/delete.go, pod strategy CheckGracefulDelete)."""
import pytest

from k8ssim.store import Conflict, Invalid, NotFound

from .conftest import pod, widget


def _types(engine):
    return [(r[2], r[3]) for r in engine.log.rows()]


def test_plain_delete_removes(store, engine):
    store.create(widget("x"))
    gone = store.delete("widgets", "default", "x")
    assert store.try_get("widgets", "default", "x") is None
    assert gone.metadata.resource_version == 2 == store.revision
    with pytest.raises(NotFound):
        store.delete("widgets", "default", "x")


def test_finalizers_block_deletion_until_removed(store, engine):
    w = widget("x")
    w.metadata.finalizers = ["example.io/cleanup"]
    store.create(w)
    engine.run(until=3)
    marked = store.delete("widgets", "default", "x")
    assert marked.metadata.deletion_timestamp == 3.0
    assert marked.metadata.deletion_grace_period_seconds == 0
    assert marked.metadata.generation == 2  # markAsDeleting bumps generation
    assert store.get("widgets", "default", "x") is marked
    # a second delete changes nothing and writes nothing
    rev = store.revision
    assert store.delete("widgets", "default", "x") is marked and store.revision == rev
    # adding a finalizer while deleting is forbidden
    c = marked.copy()
    c.metadata.finalizers.append("another")
    with pytest.raises(Invalid):
        store.update(c)
    # removing the last finalizer deletes the object
    c = marked.copy()
    c.metadata.finalizers = []
    store.update(c)
    assert store.try_get("widgets", "default", "x") is None
    assert _types(engine)[-2:] == [("MODIFIED", "/registry/widgets/default/x"), ("DELETED", "/registry/widgets/default/x")]


def test_update_cannot_clear_deletion_timestamp(store):
    w = widget("x")
    w.metadata.finalizers = ["f1", "f2"]
    store.create(w)
    store.delete("widgets", "default", "x")
    c = store.get("widgets", "default", "x").copy()
    c.metadata.deletion_timestamp = None
    c.metadata.finalizers = ["f2"]
    o = store.update(c)
    assert o.metadata.deletion_timestamp == 0.0 and o.metadata.finalizers == ["f2"]


def test_scheduled_pod_gets_deletion_timestamp_then_kubelet_deletes(store, engine):
    store.create(pod("web-1", node="n1", grace=30))
    engine.run(until=10)
    p = store.delete("pods", "default", "web-1")
    assert p.metadata.deletion_timestamp == 40.0
    assert p.metadata.deletion_grace_period_seconds == 30
    assert p.metadata.generation == 2
    assert store.get("pods", "default", "web-1") is p
    # a longer or equal grace period changes nothing
    assert store.delete("pods", "default", "web-1", grace_period_seconds=60) is p
    # a shorter one moves the deadline
    p = store.delete("pods", "default", "web-1", grace_period_seconds=5)
    assert (p.metadata.deletion_timestamp, p.metadata.deletion_grace_period_seconds) == (15.0, 5)
    # the kubelet's final delete (grace 0) removes it
    store.delete("pods", "default", "web-1", grace_period_seconds=0)
    assert store.try_get("pods", "default", "web-1") is None


def test_explicit_grace_period_overrides_spec(store):
    store.create(pod("p", node="n1", grace=30))
    p = store.delete("pods", "default", "p", grace_period_seconds=2)
    assert p.metadata.deletion_grace_period_seconds == 2


@pytest.mark.parametrize(
    "node,phase,grace,param",
    [
        ("", "Pending", 30, None),  # not scheduled
        ("n1", "Succeeded", 30, None),  # terminated
        ("n1", "Failed", 30, None),
        ("n1", "Running", 0, None),  # spec grace 0
        ("n1", "Running", 30, 0),  # force
    ],
)
def test_pods_deleted_immediately(store, engine, node, phase, grace, param):
    p = pod("p", node=node, grace=grace)
    p.status.phase = phase
    store.create(p)
    store.delete("pods", "default", "p", grace_period_seconds=param)
    assert store.try_get("pods", "default", "p") is None
    # upstream writes the deletion timestamp, then deletes
    assert [t for t, _ in _types(engine)] == ["ADDED", "MODIFIED", "DELETED"]


def test_negative_grace_is_one_second(store):
    store.create(pod("p", node="n1"))
    p = store.delete("pods", "default", "p", grace_period_seconds=-5)
    assert p.metadata.deletion_grace_period_seconds == 1


def test_graceful_pod_with_finalizer(store):
    store.create(pod("p", node="n1", finalizers=["keep"]))
    store.delete("pods", "default", "p")
    # grace not over yet: removing the finalizer does not delete
    c = store.get("pods", "default", "p").copy()
    c.metadata.finalizers = []
    store.update(c)
    assert store.try_get("pods", "default", "p") is not None
    store.delete("pods", "default", "p", grace_period_seconds=0)
    assert store.try_get("pods", "default", "p") is None


def test_graceful_pod_finalizer_removed_after_grace_zero(store):
    store.create(pod("p", node="n1", finalizers=["keep"]))
    store.delete("pods", "default", "p")
    p = store.delete("pods", "default", "p", grace_period_seconds=0)
    assert p.metadata.deletion_grace_period_seconds == 0  # kept: a finalizer remains
    c = p.copy()
    c.metadata.finalizers = []
    store.update(c)
    assert store.try_get("pods", "default", "p") is None


@pytest.mark.parametrize(
    "policy,existing,want",
    [
        ("Foreground", [], ["foregroundDeletion"]),
        ("Orphan", [], ["orphan"]),
        ("Orphan", ["x", "foregroundDeletion"], ["x", "orphan"]),
        ("Foreground", ["orphan"], ["foregroundDeletion"]),
    ],
)
def test_propagation_policy_finalizers(store, policy, existing, want):
    w = widget("x")
    w.metadata.finalizers = list(existing)
    store.create(w)
    o = store.delete("widgets", "default", "x", propagation_policy=policy)
    assert o.metadata.finalizers == want
    assert o.metadata.deletion_timestamp is not None


def test_background_policy_removes_gc_finalizers_and_deletes(store):
    w = widget("x")
    w.metadata.finalizers = ["orphan"]
    store.create(w)
    store.delete("widgets", "default", "x", propagation_policy="Background")
    assert store.try_get("widgets", "default", "x") is None


def test_bad_propagation_policy(store):
    store.create(widget("x"))
    with pytest.raises(Invalid):
        store.delete("widgets", "default", "x", propagation_policy="Sideways")


def test_uid_precondition(store):
    o = store.create(widget("x"))
    with pytest.raises(Conflict) as ei:
        store.delete("widgets", "default", "x", uid_precondition="other-uid")
    assert "the UID in the precondition (other-uid) does not match the UID in record" in str(ei.value)
    store.delete("widgets", "default", "x", uid_precondition=o.metadata.uid)
    assert store.count("widgets") == 0
