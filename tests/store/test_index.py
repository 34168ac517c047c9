"""Indexers (client-go cache.Indexer semantics) and the built-in namespace index."""
import pytest

from .conftest import pod, widget


def _node_index(p):
    return [p.spec.node_name] if p.spec.node_name else []


def test_index_maintained_on_every_write(store):
    store.add_index("pods", "node", _node_index)
    store.create(pod("a", node="n1"))
    store.create(pod("b", node="n2"))
    store.create(pod("c"))
    assert [p.name for p in store.by_index("pods", "node", "n1")] == ["a"]
    # rebinding (a new spec) moves the pod between index values
    import dataclasses

    c = store.get("pods", "default", "b").copy()
    c.spec = dataclasses.replace(c.spec, node_name="n1")
    store.update(c)
    assert [p.name for p in store.by_index("pods", "node", "n1")] == ["a", "b"]
    assert store.by_index("pods", "node", "n2") == []
    # the objects returned are the current ones
    assert store.by_index("pods", "node", "n1")[1] is store.get("pods", "default", "b")
    store.delete("pods", "default", "a", grace_period_seconds=0)
    assert [p.name for p in store.by_index("pods", "node", "n1")] == ["b"]
    assert store.index_values("pods", "node") == ["n1"]


def test_index_added_late_covers_existing_objects(store):
    store.create(widget("a", app="x"))
    store.create(widget("b", app="y"))
    store.add_index("widgets", "app", lambda w: [w.metadata.labels["app"]])
    assert [w.name for w in store.by_index("widgets", "app", "y")] == ["b"]


def test_multi_valued_index(store):
    store.add_index("widgets", "labels", lambda w: [f"{k}={v}" for k, v in w.metadata.labels.items()])
    store.create(widget("a", app="x", tier="fe"))
    store.create(widget("b", app="x"))
    assert [w.name for w in store.by_index("widgets", "labels", "app=x")] == ["a", "b"]
    assert [w.name for w in store.by_index("widgets", "labels", "tier=fe")] == ["a"]


def test_namespace_index_builtin(store):
    store.create(widget("b", "ns1"))
    store.create(widget("a", "ns1"))
    store.create(widget("c", "ns2"))
    assert [w.name for w in store.by_index("widgets", "namespace", "ns1")] == ["a", "b"]
    store.delete("widgets", "ns1", "a")
    assert [w.name for w in store.by_index("widgets", "namespace", "ns1")] == ["b"]


def test_unknown_and_duplicate_index(store):
    store.create(widget("a"))
    with pytest.raises(KeyError):
        store.by_index("widgets", "nope", "x")
    store.add_index("widgets", "i", lambda w: [])
    with pytest.raises(ValueError):
        store.add_index("widgets", "i", lambda w: [])
    with pytest.raises(ValueError):
        store.add_index("widgets", "namespace", lambda w: [])
