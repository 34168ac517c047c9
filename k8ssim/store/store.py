"""An in-memory etcd + kube-apiserver: versioned objects, optimistic concurrency, graceful deletion,
finalizers, watches, indexers and admission.

Mirrors ``k8s.io/apiserver/pkg/registry/generic/registry/store.go`` (Create/Update/Delete,
``updateForGracefulDeletionAndFinalizers``, ``deletionFinalizersForGarbageCollection``,
``markAsDeleting``, ``ShouldDeleteDuringUpdate``), ``k8s.io/apiserver/pkg/registry/rest``
(``BeforeCreate``, ``BeforeUpdate``, ``BeforeDelete``), ``pkg/registry/core/pod/strategy.go``
(``CheckGracefulDelete``) and ``k8s.io/client-go/tools/cache`` (Indexer). Keys follow etcd's layout
(``k8s-algorithms.md`` §13).

**Contract: objects in the store are immutable.** ``create(obj)`` stores ``obj`` itself and ``update``
stores the object given; after a write the caller must not mutate it. To change an object, write a
copy: ``o = store.get(...).copy(); o.status.phase = "Running"; store.update_status(o)`` (or
``store.patch(...)``). Objects returned by ``get``/``list``/watch events must never be mutated.
"""
from __future__ import annotations

from typing import Any, Callable, Iterable, Optional

from k8ssim.store import errors as E
from k8ssim.store.deletion import REMOVE, plan_delete
from k8ssim.store.indexer import Index
from k8ssim.store.objects import (
    GENERATE_NAME_ATTEMPTS,
    NameGenerator,
    ResourceInfo,
    copy_meta,
    key_for,
    registry_prefix,
    shallow_copy,
)
from k8ssim.store.watch import ADDED, DELETED, MODIFIED, History, Watch

__all__ = ["Store", "key_for", "registry_prefix", "NAMESPACE_INDEX"]

NAMESPACE_INDEX = "namespace"
"""Name of the built-in namespace index (``cache.NamespaceIndex``)."""

class Store:
    """The cluster's kube-apiserver and etcd in one object.

    :param engine: the :class:`k8ssim.engine.Engine` (clock, RNG streams, event log).
    :param watch_latency: delay (s) between a write and the delivery of its watch events.
    :param history_limit: events kept per resource for ``watch(resource_version=R)`` replay.
    """

    def __init__(self, engine, *, watch_latency: float = 0.0, history_limit: int = 100_000):
        self.engine = engine
        self.watch_latency: float = float(watch_latency)
        self.history_limit: int = int(history_limit)
        self.available: bool = True
        """Set to False to make every call raise :class:`ServiceUnavailable` (apiserver outage)."""
        self._rev = 0
        self._objs: dict[str, dict[str, Any]] = {}
        self._info: dict[str, ResourceInfo] = {}
        self._ns: dict[str, dict[str, dict]] = {}  # resource -> namespace -> ordered set of keys
        self._indexes: dict[str, dict[str, Index]] = {}
        self._watchers: dict[str, tuple] = {}
        self._history: dict[str, History] = {}
        self._admission: dict[str, list] = {}
        self._sorted: dict[str, Optional[list]] = {}
        self._names = NameGenerator(engine.streams.stream("store.uid"), engine.streams.stream("store.generate_name"))
        self._new_uid = self._names.new_uid
        self._record = engine.log.record
        self._env = engine.env
        self.writes = 0
        """Number of writes (revisions) so far."""
        self.watch_events_delivered = 0

    # -- resources -----------------------------------------------------------------------------
    def register(self, cls) -> None:
        """Declare a KubeObject class (optional: done on first create); gives error messages their
        group-qualified resource (``deployments.apps``)."""
        if cls.resource not in self._info:
            self._info[cls.resource] = ResourceInfo(cls.resource, cls.kind, cls.api_version, cls.namespaced)
            self._objs.setdefault(cls.resource, {})
            self._ns.setdefault(cls.resource, {})
            self._history.setdefault(cls.resource, History(self.history_limit))

    def _info_of(self, resource: str) -> ResourceInfo:
        info = self._info.get(resource)
        return info if info is not None else ResourceInfo(resource, resource, "v1", True)

    def _key(self, resource: str, namespace: Optional[str], name: str) -> str:
        info = self._info.get(resource)
        p = info.prefix if info is not None else registry_prefix(resource)
        return f"{p}{namespace}/{name}" if namespace else p + name

    @property
    def revision(self) -> int:
        """The current global revision (resourceVersion of the last write; a list's RV)."""
        return self._rev

    # -- reads ---------------------------------------------------------------------------------
    def get(self, resource: str, namespace: Optional[str], name: str):
        """The stored object, or :class:`NotFound`."""
        if not self.available:
            raise E.ServiceUnavailable()
        objs = self._objs.get(resource)
        obj = objs.get(self._key(resource, namespace, name)) if objs is not None else None
        if obj is None:
            raise E.NotFound(self._info_of(resource).qualified, name)
        return obj

    def try_get(self, resource: str, namespace: Optional[str], name: str):
        """The stored object, or None if missing."""
        if not self.available:
            raise E.ServiceUnavailable()
        objs = self._objs.get(resource)
        return objs.get(self._key(resource, namespace, name)) if objs is not None else None

    def _sorted_keys(self, resource: str) -> list:
        keys = self._sorted.get(resource)
        if keys is None:
            keys = sorted(self._objs.get(resource, ()))
            self._sorted[resource] = keys
        return keys

    def list(self, resource: str, namespace: Optional[str] = None, label_selector=None) -> list:
        """Objects of a resource (in ``namespace`` if given), sorted by key; ``label_selector`` is a
        ``LabelSelector``, a ``{key: value}`` dict, or None (everything)."""
        if not self.available:
            raise E.ServiceUnavailable()
        objs = self._objs.get(resource)
        if not objs:
            return []
        if namespace:
            keys = sorted(self._ns[resource].get(namespace, ()))
        else:
            keys = self._sorted_keys(resource)
        out = [objs[k] for k in keys]
        if label_selector is None:
            return out
        if isinstance(label_selector, dict):
            items = label_selector.items()
            return [o for o in out if all(o.metadata.labels.get(k) == v for k, v in items)]
        return [o for o in out if label_selector.matches(o.metadata.labels)]

    def count(self, resource: str) -> int:
        """Number of stored objects of a resource."""
        objs = self._objs.get(resource)
        return len(objs) if objs else 0

    def resources(self) -> list[str]:
        """Resources that have been registered or written, sorted."""
        return sorted(self._objs)

    # -- indexers ------------------------------------------------------------------------------
    def add_index(self, resource: str, name: str, fn: Callable[[Any], Iterable[str]]) -> None:
        """Add an index ``name`` over ``resource``: ``fn(obj)`` returns the obj's index values
        (client-go ``IndexFunc``). Existing objects are indexed now; every write keeps it current."""
        if name == NAMESPACE_INDEX:
            raise ValueError(f"index {name!r} is built in")
        idx = self._indexes.setdefault(resource, {})
        if name in idx:
            raise ValueError(f"indexer conflict: {name}")  # cache.AddIndexers wording
        ix = idx[name] = Index(fn)
        for k, o in self._objs.get(resource, {}).items():
            ix.put(k, o)

    def by_index(self, resource: str, name: str, value: str) -> list:
        """Objects whose index ``name`` has ``value`` (``Indexer.ByIndex``), sorted by key. The built-in
        ``"namespace"`` index gives the objects of one namespace."""
        if not self.available:
            raise E.ServiceUnavailable()
        objs = self._objs.get(resource)
        if not objs:
            if name != NAMESPACE_INDEX and name not in self._indexes.get(resource, {}):
                raise KeyError(f"Index with name {name} does not exist")
            return []
        if name == NAMESPACE_INDEX:
            keys = self._ns[resource].get(value)
        else:
            ix = self._indexes.get(resource, {}).get(name)
            if ix is None:
                raise KeyError(f"Index with name {name} does not exist")  # cache.ByIndex wording
            keys = ix.keys.get(value)
        if not keys:
            return []
        return [objs[k] for k in sorted(keys)]

    def index_values(self, resource: str, name: str) -> list[str]:
        """All values of an index (``Indexer.ListIndexFuncValues``), sorted."""
        if name == NAMESPACE_INDEX:
            return sorted(v for v, s in self._ns.get(resource, {}).items() if s)
        return sorted(self._indexes[resource][name].keys)

    # -- admission -----------------------------------------------------------------------------
    def add_admission(self, resource: str, fn: Callable) -> None:
        """Add an admission function for ``resource``: ``fn(operation, obj, old)`` with operation
        ``"CREATE"`` (old None) or ``"UPDATE"``, called in order before the write. It may mutate ``obj``
        or return a replacement, and may raise :class:`Invalid`/:class:`Forbidden` to reject."""
        self._admission.setdefault(resource, []).append(fn)

    def _admit(self, fns: list, op: str, obj, old):
        for fn in fns:
            r = fn(op, obj, old)
            if r is not None:
                obj = r
        return obj

    # -- writes (shared tail) ------------------------------------------------------------------
    def _commit(self, resource: str, key: str, etype: str, obj, old) -> None:
        """Store ``obj`` (already carrying revision ``self._rev``) and publish the event."""
        rev = self._rev
        objs = self._objs[resource]
        if etype is DELETED:
            del objs[key]
            self._sorted[resource] = None
            s = self._ns[resource].get(obj.metadata.namespace)
            if s is not None:
                s.pop(key, None)
            ixs = self._indexes.get(resource)
            if ixs:
                for ix in ixs.values():
                    ix.remove(key)
        else:
            objs[key] = obj
            if etype is ADDED:
                self._sorted[resource] = None
                ns = self._ns[resource]
                s = ns.get(obj.metadata.namespace)
                if s is None:
                    s = ns[obj.metadata.namespace] = {}
                s[key] = None
            ixs = self._indexes.get(resource)
            if ixs:
                for ix in ixs.values():
                    ix.put(key, obj)
        self.writes += 1
        self._history[resource].append(rev, etype, obj, old)
        if self._watchers.get(resource):
            self.engine.call_later(self.watch_latency, self._deliver, resource, rev, etype, obj, old)
        self._record(self._env._now, "apiserver", etype, key, str(rev))

    def _deliver(self, resource: str, rev: int, etype: str, obj, old) -> None:
        ns = obj.metadata.namespace
        for w in self._watchers.get(resource, ()):
            if w.active and rev > w.start_rv and (w.namespace is None or w.namespace == ns):
                w.delivered += 1
                self.watch_events_delivered += 1
                w.handler(etype, obj, old)

    # -- create --------------------------------------------------------------------------------
    def generate_name(self, base: str) -> str:
        """``names.SimpleNameGenerator.GenerateName``: base (cut to 58 chars) + 5 random chars from
        the ``store.generate_name`` stream."""
        return self._names.generate_name(base)

    def create(self, obj):
        """Create ``obj`` (stored as given: do not mutate it afterwards). Sets uid, creationTimestamp,
        generation=1 and resourceVersion; ``generate_name`` gives a name; a namespaced object without a
        namespace goes to ``default``. Raises AlreadyExists, Invalid, Forbidden, ServiceUnavailable."""
        if not self.available:
            raise E.ServiceUnavailable()
        resource = obj.resource
        info = self._info.get(resource)
        if info is None:
            self.register(type(obj))
            info = self._info[resource]
        md = obj.metadata
        if md.resource_version:
            raise E.Invalid(
                info.kind, md.name,
                "metadata.resourceVersion: Invalid value: "
                f'"{md.resource_version}": resourceVersion should not be set on objects to be created',
            )
        if info.namespaced:
            if not md.namespace:
                md.namespace = "default"
        elif md.namespace:
            md.namespace = ""  # rest.BeforeCreate: cluster-scoped objects have no namespace
        generated = not md.name and bool(md.generate_name)
        if generated:
            md.name = self.generate_name(md.generate_name)
        # rest.FillObjectMetaSystemFields: the uid exists before the strategy/admission code that needs it
        # (e.g. the Job selector's controller-uid)
        md.uid = self._new_uid()
        fns = self._admission.get(resource)
        if fns:
            obj = self._admit(fns, "CREATE", obj, None)
            md = obj.metadata
        if not md.name:
            raise E.Invalid(info.kind, "", "metadata.name: Required value: name or generateName is required")
        objs = self._objs[resource]
        p = info.prefix
        key = f"{p}{md.namespace}/{md.name}" if info.namespaced else p + md.name
        if key in objs:
            attempts = 1
            while generated and key in objs and attempts < GENERATE_NAME_ATTEMPTS:
                md.name = self.generate_name(md.generate_name)
                key = f"{p}{md.namespace}/{md.name}" if info.namespaced else p + md.name
                attempts += 1
            if key in objs:
                raise E.AlreadyExists(info.qualified, md.name)
        md.creation_timestamp = self._env._now
        md.generation = 1
        md.deletion_timestamp = None
        md.deletion_grace_period_seconds = None
        self._rev += 1
        md.resource_version = self._rev
        self._commit(resource, key, ADDED, obj, None)
        return obj

    # -- update --------------------------------------------------------------------------------
    def _existing(self, obj):
        resource = obj.resource
        objs = self._objs.get(resource)
        md = obj.metadata
        key = self._key(resource, md.namespace if obj.namespaced else "", md.name)
        old = objs.get(key) if objs is not None else None
        if old is None:
            raise E.NotFound(self._info_of(resource).qualified, md.name)
        if old is obj or old.metadata is md:
            raise ValueError(
                f"{obj!r}: objects in the store are immutable; write a copy (obj.copy()), not the stored object"
            )
        rv = md.resource_version
        if rv != old.metadata.resource_version:
            if not rv:
                raise E.Invalid(
                    self._info[resource].kind, md.name,
                    "metadata.resourceVersion: Invalid value: 0: must be specified for an update",
                )
            raise E.Conflict(self._info[resource].qualified, md.name)
        return resource, key, old

    def update(self, obj):
        """Replace an object (optimistic concurrency: its resourceVersion must be the stored one, else
        Conflict). System fields (uid, creationTimestamp, deletion fields) are kept from the stored
        object; generation is bumped when ``spec`` changed. An update that changes nothing writes
        nothing and returns the stored object. Removing the last finalizer of an object marked for
        deletion with no grace period left deletes it."""
        if not self.available:
            raise E.ServiceUnavailable()
        resource, key, old = self._existing(obj)
        md = obj.metadata
        omd = old.metadata
        # rest.BeforeUpdate: requests cannot change these
        md.uid = omd.uid
        md.creation_timestamp = omd.creation_timestamp
        md.deletion_timestamp = omd.deletion_timestamp
        md.deletion_grace_period_seconds = omd.deletion_grace_period_seconds
        ospec = getattr(old, "spec", None)
        nspec = getattr(obj, "spec", None)
        md.generation = omd.generation + 1 if (ospec is not nspec and ospec != nspec) else omd.generation
        if omd.deletion_timestamp is not None and md.finalizers:
            added = [f for f in md.finalizers if f not in omd.finalizers]
            if added:
                raise E.Invalid(
                    self._info[resource].kind, md.name,
                    f"metadata.finalizers: Forbidden: no new finalizers can be added if the object is "
                    f"being deleted, found new finalizers {added!r}",
                )
        fns = self._admission.get(resource)
        if fns:
            obj = self._admit(fns, "UPDATE", obj, old)
            md = obj.metadata
        return self._write_update(resource, key, obj, old)

    def update_status(self, obj):
        """Replace the ``status`` of an object (the status subresource): spec and metadata stay as
        stored, generation does not change. Conflict on a stale resourceVersion."""
        if not self.available:
            raise E.ServiceUnavailable()
        resource, key, old = self._existing(obj)
        obj.metadata = copy_meta(old.metadata)  # ResetObjectMetaForStatus: metadata as stored
        if hasattr(old, "spec"):
            obj.spec = old.spec
        return self._write_update(resource, key, obj, old)

    def _write_update(self, resource: str, key: str, obj, old):
        if obj == old:
            return old  # etcd3 GuaranteedUpdate skips no-op writes: no revision, no event
        omd = old.metadata
        md = obj.metadata
        if (
            omd.deletion_timestamp is not None
            and not md.finalizers
            and omd.finalizers
            and not omd.deletion_grace_period_seconds
        ):
            # ShouldDeleteDuringUpdate: the last finalizer is gone -> delete
            self._rev += 1
            md.resource_version = self._rev
            self._commit(resource, key, DELETED, obj, old)
            return obj
        self._rev += 1
        md.resource_version = self._rev
        self._commit(resource, key, MODIFIED, obj, old)
        return obj

    def patch(self, resource: str, namespace: Optional[str], name: str, fn: Callable):
        """get → ``copy()`` → ``fn(copy)`` (mutates it or returns a replacement) → :meth:`update`."""
        c = self.get(resource, namespace, name).copy()
        r = fn(c)
        return self.update(c if r is None else r)

    def patch_status(self, resource: str, namespace: Optional[str], name: str, fn: Callable):
        """Like :meth:`patch`, through :meth:`update_status`."""
        c = self.get(resource, namespace, name).copy()
        r = fn(c)
        return self.update_status(c if r is None else r)

    # -- delete --------------------------------------------------------------------------------
    def delete(
        self,
        resource: str,
        namespace: Optional[str],
        name: str,
        *,
        grace_period_seconds: Optional[int] = None,
        propagation_policy: Optional[str] = None,
        uid_precondition: Optional[str] = None,
    ):
        """Delete an object (``registry.Store.Delete``). Returns the final object (DELETED) or the
        object as updated for graceful deletion/finalization (MODIFIED), or as is if a deletion is
        already pending.

        * pods (the only kind with a graceful strategy) get ``deletionTimestamp = now + grace`` and
          ``deletionGracePeriodSeconds = grace`` when grace > 0; grace is ``grace_period_seconds`` or
          ``spec.terminationGracePeriodSeconds``, 0 for unscheduled or finished pods, 1 if negative;
          a second delete may only shorten it; the kubelet deletes with grace 0 at the end;
        * objects with finalizers get ``deletionTimestamp = now`` and grace 0, and go when the last
          finalizer is removed;
        * ``propagation_policy`` ``"Foreground"`` adds the ``foregroundDeletion`` finalizer,
          ``"Orphan"`` adds ``orphan``, ``"Background"`` removes both (None keeps what is there);
        * the first deletion bumps ``generation``.
        """
        if not self.available:
            raise E.ServiceUnavailable()
        info = self._info_of(resource)
        objs = self._objs.get(resource)
        key = self._key(resource, namespace, name)
        old = objs.get(key) if objs is not None else None
        if old is None:
            raise E.NotFound(info.qualified, name)
        omd = old.metadata
        if propagation_policy not in (None, "Foreground", "Background", "Orphan"):
            raise E.Invalid(
                "DeleteOptions", "",
                f'propagationPolicy: Unsupported value: "{propagation_policy}": supported values: '
                '"Foreground", "Background", "Orphan", "nil"',
            )
        if uid_precondition is not None and uid_precondition != omd.uid:
            raise E.Conflict(
                info.group_kind, name,
                f"the UID in the precondition ({uid_precondition}) does not match the UID in record "
                f"({omd.uid}). The object might have been deleted and then recreated",
            )
        plan = plan_delete(resource, old, self._env._now, grace_period_seconds, propagation_policy)
        if plan is None:
            return old  # graceful deletion pending, or nothing to change: nothing written
        if plan is REMOVE:
            return self._remove(resource, key, old)
        new_ts, new_grace, new_gen, fins, graceful = plan
        new = shallow_copy(old)
        md = new.metadata = copy_meta(omd)
        md.deletion_timestamp = new_ts
        md.deletion_grace_period_seconds = new_grace
        md.generation = new_gen
        md.finalizers = list(fins)
        self._rev += 1
        md.resource_version = self._rev
        self._commit(resource, key, MODIFIED, new, old)
        if graceful and not fins and not new_grace:
            return self._remove(resource, key, new)  # graceful with grace 0: delete now
        return new

    def _remove(self, resource: str, key: str, old):
        """Remove the object: the DELETED event carries its last state at the deletion revision."""
        new = shallow_copy(old)
        new.metadata = copy_meta(old.metadata)
        self._rev += 1
        new.metadata.resource_version = self._rev
        self._commit(resource, key, DELETED, new, old)
        return new

    # -- watch ---------------------------------------------------------------------------------
    def watch(
        self,
        resource: str,
        handler: Callable,
        *,
        namespace: Optional[str] = None,
        resource_version: Optional[int] = None,
        send_initial_events: bool = False,
    ) -> Watch:
        """Watch ``resource`` (in ``namespace`` if given): ``handler(event_type, obj, old)`` is called as
        a simulation event for every write after now, in revision order.

        ``resource_version=R`` first replays the events after ``R`` from the history (:class:`Gone` if
        they were dropped). ``send_initial_events=True`` first delivers a synthetic ADDED for every
        existing object (sorted by key), like a list followed by a watch."""
        if not self.available:
            raise E.ServiceUnavailable()
        self._history.setdefault(resource, History(self.history_limit))
        self._objs.setdefault(resource, {})
        self._ns.setdefault(resource, {})
        current = self._rev
        replay: list = []
        if send_initial_events:
            for o in self.list(resource, namespace):
                replay.append((o.metadata.resource_version, ADDED, o, None))
        elif resource_version is not None:
            rv = int(resource_version)
            events = self._history[resource].since(rv, self._info_of(resource).qualified)
            ns = namespace or None
            replay = [e for e in events if ns is None or e[2].metadata.namespace == ns]
            current = max(current, rv)
        w = Watch(self, resource, handler, namespace, current)
        self._watchers[resource] = self._watchers.get(resource, ()) + (w,)
        if replay:
            self.engine.call_later(self.watch_latency, self._replay, w, replay)
        return w

    def _replay(self, w: Watch, events: list) -> None:
        for _rv, etype, obj, old in events:
            if not w.active:
                return
            w.delivered += 1
            self.watch_events_delivered += 1
            w.handler(etype, obj, old)

    def _remove_watch(self, w: Watch) -> None:
        ws = self._watchers.get(w.resource, ())
        self._watchers[w.resource] = tuple(x for x in ws if x is not w)

    def watchers(self, resource: str) -> int:
        """Number of active watches of a resource."""
        return len(self._watchers.get(resource, ()))

    def __repr__(self) -> str:
        return f"<Store rev={self._rev} objects={sum(len(v) for v in self._objs.values())}>"
