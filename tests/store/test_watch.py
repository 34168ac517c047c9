"""Watch: asynchronous at-time delivery, revision order, fan-out, namespace filter, replay and Gone."""
import pytest

from k8ssim.engine import Engine
from k8ssim.store import Gone, Store

from .conftest import widget


def _recorder(engine, out, tag=""):
    def handler(etype, obj, old):
        out.append((tag, engine.now, etype, obj.name, obj.metadata.resource_version,
                    None if old is None else old.metadata.resource_version))
    return handler


def test_events_are_delivered_later_never_inside_the_write(store, engine):
    out = []
    store.watch("widgets", _recorder(engine, out))
    store.create(widget("a"))
    assert out == []  # not synchronous
    engine.run(until=1)
    assert out == [("", 0.0, "ADDED", "a", 1, None)]


def test_revision_order_and_old_objects(store, engine):
    out = []
    store.watch("widgets", _recorder(engine, out))
    store.create(widget("a"))
    store.create(widget("b"))
    store.patch("widgets", "default", "a", lambda w: setattr(w.metadata, "labels", {"x": "1"}))
    store.delete("widgets", "default", "b")
    engine.run(until=1)
    assert out == [
        ("", 0.0, "ADDED", "a", 1, None),
        ("", 0.0, "ADDED", "b", 2, None),
        ("", 0.0, "MODIFIED", "a", 3, 1),
        ("", 0.0, "DELETED", "b", 4, 2),  # the deleted object carries the deletion revision
    ]


def test_watch_latency_delivers_at_write_time_plus_latency():
    engine = Engine(0)
    store = Store(engine, watch_latency=0.25)
    out = []
    store.watch("widgets", _recorder(engine, out))
    engine.call_at(1.0, store.create, widget("a"))
    engine.call_at(2.0, store.create, widget("b"))
    engine.run(until=10)
    assert [(t, n) for _, t, _, n, _, _ in out] == [(1.25, "a"), (2.25, "b")]


def test_one_delivery_per_write_fans_out_and_no_watchers_schedule_nothing(store, engine):
    store.create(widget("quiet"))
    assert engine.pending == 0  # nobody watches: nothing scheduled
    out = []
    for tag in ("w1", "w2", "w3"):
        store.watch("widgets", _recorder(engine, out, tag))
    store.watch("other", _recorder(engine, out, "x"))
    store.create(widget("a"))
    assert engine.pending == 1
    engine.run(until=1)
    assert [o[0] for o in out] == ["w1", "w2", "w3"]


def test_delivery_interleaves_with_other_events_in_order(store, engine):
    out = []
    store.watch("widgets", lambda t, o, old: out.append(("watch", o.name)))

    def write_then_mark():
        store.create(widget("a"))
        engine.call_later(0, out.append, ("after-write", ""))

    engine.call_at(1, write_then_mark)
    engine.run(until=2)
    assert out == [("watch", "a"), ("after-write", "")]


def test_namespace_filter(store, engine):
    out = []
    store.watch("widgets", _recorder(engine, out), namespace="ns1")
    store.create(widget("a", "ns1"))
    store.create(widget("b", "ns2"))
    engine.run(until=1)
    assert [o[3] for o in out] == ["a"]


def test_stop_drops_undelivered_events(store, engine):
    out = []
    w = store.watch("widgets", _recorder(engine, out))
    store.create(widget("a"))
    w.stop()
    engine.run(until=1)
    assert out == [] and store.watchers("widgets") == 0


def test_watch_started_after_write_does_not_see_it(store, engine):
    store.watch("widgets", lambda *a: None)
    store.create(widget("a"))  # delivery pending
    out = []
    store.watch("widgets", _recorder(engine, out))
    engine.run(until=1)
    assert out == []


def test_handlers_writing_produce_later_events(store, engine):
    out = []

    def handler(etype, obj, old):
        out.append((etype, obj.name))
        if obj.name == "a" and etype == "ADDED":
            store.create(widget("b"))

    store.watch("widgets", handler)
    store.create(widget("a"))
    engine.run(until=1)
    assert out == [("ADDED", "a"), ("ADDED", "b")]


def test_replay_from_resource_version(store, engine):
    store.create(widget("a"))  # rv 1
    store.create(widget("b"))  # rv 2
    store.delete("widgets", "default", "a")  # rv 3
    out = []
    store.watch("widgets", _recorder(engine, out), resource_version=1)
    store.create(widget("c"))  # rv 4
    engine.run(until=1)
    assert [(o[2], o[3], o[4]) for o in out] == [("ADDED", "b", 2), ("DELETED", "a", 3), ("ADDED", "c", 4)]


def test_replay_filters_by_namespace(store, engine):
    store.create(widget("a", "ns1"))
    store.create(widget("b", "ns2"))
    out = []
    store.watch("widgets", _recorder(engine, out), namespace="ns2", resource_version=0)
    engine.run(until=1)
    assert [o[3] for o in out] == ["b"]


def test_send_initial_events(store, engine):
    store.create(widget("b"))
    store.create(widget("a"))
    out = []
    store.watch("widgets", _recorder(engine, out), send_initial_events=True)
    store.create(widget("c"))
    engine.run(until=1)
    assert [(o[2], o[3]) for o in out] == [("ADDED", "a"), ("ADDED", "b"), ("ADDED", "c")]


def test_too_old_resource_version_is_gone():
    engine = Engine(0)
    store = Store(engine, history_limit=3)
    for i in range(5):
        store.create(widget(f"w{i}"))  # rv 1..5; history keeps 3..5
    with pytest.raises(Gone) as ei:
        store.watch("widgets", lambda *a: None, resource_version=1)
    assert ei.value.code == 410
    assert str(ei.value) == "too old resource version: 1 (3)"
    out = []
    store.watch("widgets", _recorder(engine, out), resource_version=2)  # needs 3..5: still there
    engine.run(until=1)
    assert [o[4] for o in out] == [3, 4, 5]


def test_watch_from_current_revision_replays_nothing(store, engine):
    store.create(widget("a"))
    out = []
    store.watch("widgets", _recorder(engine, out), resource_version=store.revision)
    engine.run(until=1)
    assert out == [] and engine.pending == 0
