"""Create/get/list/update: keys, revisions, uids, generateName, optimistic concurrency, generation."""
import re
import uuid

import pytest

from k8ssim.api.meta import LabelSelector, ObjectMeta
from k8ssim.engine import Engine
from k8ssim.store import (
    AlreadyExists,
    Conflict,
    Invalid,
    NotFound,
    ServiceUnavailable,
    Store,
    key_for,
)

from .conftest import TNode, TService, Widget, pod, widget, with_spec


def test_etcd_keys_follow_upstream_layout(store):
    w = store.create(widget("a", "ns1"))
    n = store.create(TNode(metadata=ObjectMeta(name="node-1")))
    s = store.create(TService(metadata=ObjectMeta(name="web")))
    p = store.create(pod("p1"))
    assert key_for(w) == "/registry/widgets/ns1/a"
    assert key_for(n) == "/registry/minions/node-1"
    assert key_for(s) == "/registry/services/specs/default/web"
    assert key_for(p) == "/registry/pods/default/p1"


def test_create_sets_system_fields_and_one_global_revision(store, engine):
    engine.run(until=12.5)
    a = store.create(widget("a"))
    b = store.create(widget("b"))
    assert a.metadata.namespace == "default"  # namespaced objects default to "default"
    assert (a.metadata.resource_version, b.metadata.resource_version) == (1, 2)
    assert store.revision == 2
    assert a.metadata.generation == 1
    assert a.metadata.creation_timestamp == 12.5
    u = uuid.UUID(a.metadata.uid)
    assert u.version == 4 and u.variant == uuid.RFC_4122
    assert a.metadata.uid != b.metadata.uid
    n = store.create(TNode(metadata=ObjectMeta(name="n", namespace="oops")))
    assert n.metadata.namespace == ""  # cluster-scoped


def test_uids_and_generated_names_are_deterministic():
    def names(seed):
        s = Store(Engine(seed))
        out = []
        for _ in range(3):
            o = s.create(Widget(metadata=ObjectMeta(generate_name="web-")))
            out.append((o.metadata.name, o.metadata.uid))
        return out

    a, b = names(1), names(1)
    assert a == b
    assert a != names(2)
    for name, _ in a:
        assert re.fullmatch(r"web-[bcdfghjklmnpqrstvwxz2456789]{5}", name)


def test_generate_name_base_is_cut_to_58_chars(store):
    o = store.create(Widget(metadata=ObjectMeta(generate_name="x" * 70)))
    assert len(o.metadata.name) == 63 and o.metadata.name.startswith("x" * 58)


def test_name_required(store):
    with pytest.raises(Invalid) as ei:
        store.create(Widget())
    assert ei.value.code == 422
    assert str(ei.value) == 'Widget "" is invalid: metadata.name: Required value: name or generateName is required'


def test_already_exists(store):
    store.create(widget("a"))
    with pytest.raises(AlreadyExists) as ei:
        store.create(widget("a"))
    assert ei.value.code == 409
    assert str(ei.value) == 'widgets.example.io "a" already exists'
    store.create(widget("a", "other"))  # same name, other namespace: fine


def test_create_rejects_a_stored_object(store):
    a = store.create(widget("a"))
    with pytest.raises(Invalid):
        store.create(a)


def test_get_try_get_not_found(store):
    store.create(pod("web-1"))
    assert store.get("pods", "default", "web-1").name == "web-1"
    assert store.try_get("pods", "default", "nope") is None
    with pytest.raises(NotFound) as ei:
        store.get("pods", "default", "web-2")
    assert ei.value.code == 404 and str(ei.value) == 'pods "web-2" not found'


def test_list_sorted_by_key_namespace_and_labels(store):
    for name, ns, app in [("c", "b", "x"), ("a", "b", "y"), ("b", "a", "x")]:
        store.create(widget(name, ns, app=app))
    assert [o.key() for o in store.list("widgets")] == ["a/b", "b/a", "b/c"]
    assert [o.key() for o in store.list("widgets", "b")] == ["b/a", "b/c"]
    assert [o.key() for o in store.list("widgets", label_selector={"app": "x"})] == ["a/b", "b/c"]
    sel = LabelSelector(match_labels={"app": "y"})
    assert [o.key() for o in store.list("widgets", label_selector=sel)] == ["b/a"]
    assert store.list("nothing") == []
    assert store.count("widgets") == 3 and store.count("nothing") == 0


def test_stale_resource_version_conflicts(store):
    store.create(widget("x"))
    first = store.get("widgets", "default", "x").copy()
    second = store.get("widgets", "default", "x").copy()
    first.metadata.labels = {"a": "1"}
    store.update(first)
    second.metadata.labels = {"b": "2"}
    with pytest.raises(Conflict) as ei:
        store.update(second)
    assert ei.value.code == 409
    assert str(ei.value) == (
        'Operation cannot be fulfilled on widgets.example.io "x": the object has been modified; '
        "please apply your changes to the latest version and try again"
    )


def test_update_without_resource_version_is_invalid(store):
    store.create(widget("x"))
    c = store.get("widgets", "default", "x").copy()
    c.metadata.resource_version = 0
    with pytest.raises(Invalid):
        store.update(c)


def test_update_not_found_and_in_place_mutation_rejected(store):
    with pytest.raises(NotFound):
        store.update(widget("ghost"))
    stored = store.create(widget("x"))
    with pytest.raises(ValueError):
        store.update(stored)  # the stored object itself: the immutability contract


def test_generation_bumps_only_on_spec_change(store):
    store.create(widget("x"))
    o = store.get("widgets", "default", "x")
    c = o.copy()
    c.metadata.labels = {"l": "1"}  # metadata only
    o = store.update(c)
    assert o.metadata.generation == 1 and o.metadata.resource_version == 2
    o = store.update(with_spec(o, replicas=1))  # new spec object, equal value: no bump
    assert o.metadata.generation == 1
    o = store.update(with_spec(o, replicas=3))
    assert o.metadata.generation == 2
    c = o.copy()
    c.status.ready = 3
    o = store.update_status(c)
    assert o.metadata.generation == 2


def test_update_keeps_system_fields(store, engine):
    orig = store.create(widget("x"))
    engine.run(until=5)
    c = orig.copy()
    c.metadata.uid = ""
    c.metadata.creation_timestamp = 99.0
    c.metadata.generation = 42
    c.metadata.labels = {"changed": "yes"}
    o = store.update(c)
    assert o.metadata.uid == orig.metadata.uid
    assert o.metadata.creation_timestamp == 0.0
    assert o.metadata.generation == 1


def test_update_status_replaces_status_only(store):
    store.create(widget("x"))
    c = with_spec(store.get("widgets", "default", "x"), replicas=9)
    c.metadata.labels = {"sneaky": "1"}
    c.status.ready = 2
    o = store.update_status(c)
    assert o.status.ready == 2
    assert o.spec.replicas == 1 and o.metadata.labels == {}
    assert o.metadata.resource_version == 2


def test_noop_update_writes_nothing(store, engine):
    store.create(widget("x"))
    o = store.get("widgets", "default", "x")
    got = store.update(o.copy())
    assert got is o and store.revision == 1 and engine.log.count == 1


def test_patch(store):
    store.create(widget("x"))

    def scale(w):
        w.spec = type(w.spec)(replicas=5)

    o = store.patch("widgets", "default", "x", scale)
    assert o.spec.replicas == 5 and o.metadata.generation == 2
    o = store.patch_status("widgets", "default", "x", lambda w: setattr(w.status, "ready", 5))
    assert o.status.ready == 5 and o.metadata.generation == 2


def test_every_write_is_logged(store, engine):
    store.create(widget("x"))
    store.patch("widgets", "default", "x", lambda w: setattr(w.metadata, "labels", {"a": "b"}))
    store.delete("widgets", "default", "x")
    assert engine.log.rows() == [
        (0.0, "apiserver", "ADDED", "/registry/widgets/default/x", "1"),
        (0.0, "apiserver", "MODIFIED", "/registry/widgets/default/x", "2"),
        (0.0, "apiserver", "DELETED", "/registry/widgets/default/x", "3"),
    ]


def test_unavailable_store_raises_503(store):
    store.create(widget("x"))
    store.available = False
    calls = [
        lambda: store.get("widgets", "default", "x"),
        lambda: store.try_get("widgets", "default", "x"),
        lambda: store.list("widgets"),
        lambda: store.create(widget("y")),
        lambda: store.delete("widgets", "default", "x"),
        lambda: store.watch("widgets", lambda *a: None),
        lambda: store.by_index("widgets", "namespace", "default"),
    ]
    for call in calls:
        with pytest.raises(ServiceUnavailable) as ei:
            call()
        assert ei.value.code == 503
    store.available = True
    assert store.get("widgets", "default", "x")


def test_admission_mutates_and_rejects(store):
    from k8ssim.store import Forbidden

    seen = []

    def add_label(op, obj, old):
        seen.append((op, obj.name, old is not None))
        obj.metadata.labels = {**obj.metadata.labels, "admitted": "true"}

    def deny_big(op, obj, old):
        if obj.spec.replicas > 10:
            raise Forbidden("widgets.example.io", obj.name, "exceeded quota")

    store.add_admission("widgets", add_label)
    store.add_admission("widgets", deny_big)
    o = store.create(widget("x"))
    assert o.metadata.labels == {"admitted": "true"}
    with pytest.raises(Forbidden) as ei:
        store.update(with_spec(o, replicas=11))
    assert ei.value.code == 403
    assert str(ei.value) == 'widgets.example.io "x" is forbidden: exceeded quota'
    assert store.get("widgets", "default", "x").spec.replicas == 1
    assert seen == [("CREATE", "x", False), ("UPDATE", "x", True)]
