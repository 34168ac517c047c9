"""Garbage collector: ownerReferences cascades (background, foreground, orphan).

Mirrors ``pkg/controller/garbagecollector/`` (``graph_builder.go``: a uid graph of owners and
dependents fed by watches of every modelled resource, ``processGraphChanges``; ``garbagecollector.go``:
``attemptToDeleteItem``, ``classifyReferences`` into solid / dangling / waitingForDependentsDeletion,
``processDeletingDependentsItem``, ``attemptToOrphanWorker``, ``orphanDependents``, ``removeFinalizer``).

* background: when an owner is gone (or the object named in the reference has another uid — "owner
  not found"), its dependents are deleted with the policy their own finalizers ask for;
* foreground: an owner marked with the ``foregroundDeletion`` finalizer stays until its blocking
  dependents (``blockOwnerDeletion: true``) are gone; dependents that themselves have dependents are
  deleted in the foreground too, after their references to waiting owners are unblocked (upstream's
  deadlock breaker, PR 32628), so ownership cycles terminate;
* orphan: an owner with the ``orphan`` finalizer has its dependents' references to it removed, then the
  finalizer.

Every event costs O(references + dependents of the object); nothing scans the whole store. A new
reference that closes an ownership cycle is reported once as a Warning event ``OwnershipCycle``
("ownership cycle: a -> b -> a").
"""
from __future__ import annotations

from dataclasses import replace
from typing import Optional

from k8ssim.api.kinds import is_namespaced, plural, split_api_version
from k8ssim.controllers.base import WorkQueue
from k8ssim.store.deletion import FINALIZER_FOREGROUND, FINALIZER_ORPHAN
from k8ssim.store.errors import StoreError

__all__ = ["GarbageCollector", "new_controller", "WATCHED_RESOURCES"]

SOURCE = "garbage-collector-controller"

WATCHED_RESOURCES = (
    "pods", "replicasets", "deployments", "statefulsets", "daemonsets", "controllerrevisions", "jobs",
    "cronjobs", "services", "endpoints", "endpointslices", "persistentvolumeclaims", "persistentvolumes",
    "poddisruptionbudgets", "horizontalpodautoscalers", "configmaps", "secrets", "serviceaccounts",
    "limitranges", "resourcequotas", "nodes", "namespaces",
)
"""The resources the graph builder watches (the modelled ones; a watch on a resource nobody writes costs
nothing)."""


class _Node:
    __slots__ = ("uid", "resource", "namespace", "name", "owners", "dependents", "deleting_dependents",
                 "being_deleted")

    def __init__(self, uid: str, resource: str, namespace: str, name: str):
        self.uid = uid
        self.resource = resource
        self.namespace = namespace
        self.name = name
        self.owners: tuple = ()
        self.dependents: dict = {}  # uid -> None (ordered set)
        self.deleting_dependents = False
        self.being_deleted = False

    def key(self) -> str:
        return f"{self.namespace}/{self.name}" if self.namespace else self.name


class GarbageCollector:
    """The garbage collector of kube-controller-manager."""

    name = SOURCE

    def __init__(self, engine, store, resources=WATCHED_RESOURCES):
        self.engine = engine
        self.store = store
        self.resources = tuple(resources)
        self.graph: dict = {}  # uid -> _Node
        self.attempt_to_delete = WorkQueue(engine, self._attempt_to_delete, name="garbage-collector-delete")
        self.attempt_to_orphan = WorkQueue(engine, self._attempt_to_orphan, name="garbage-collector-orphan")
        self.cycles_reported: set = set()
        self._waiting_for_owner: dict = {}  # owner uid not (yet) in the graph -> {dependent uid: None}
        self.deletes = 0
        """Number of DELETE requests issued."""

    def start(self) -> None:
        for r in self.resources:
            self.store.watch(r, lambda et, obj, old, _r=r: self._on_event(_r, et, obj, old))

    # ------------------------------------------------------------------------ graph builder
    def _on_event(self, resource: str, etype: str, obj, old) -> None:
        """``processGraphChanges``."""
        md = obj.metadata
        uid = md.uid
        if etype == "DELETED":
            node = self.graph.pop(uid, None)
            if node is None:
                return
            for ref in node.owners:
                w = self._waiting_for_owner.get(ref.uid)
                if w is not None:
                    w.pop(uid, None)
                    if not w:
                        del self._waiting_for_owner[ref.uid]
            for ref in node.owners:
                owner = self.graph.get(ref.uid)
                if owner is not None:
                    owner.dependents.pop(uid, None)
                    if owner.deleting_dependents:
                        self.attempt_to_delete.add(owner.uid)
            for dep in node.dependents:
                self.attempt_to_delete.add(dep)
            return
        node = self.graph.get(uid)
        if node is None:
            node = self.graph[uid] = _Node(uid, resource, md.namespace, md.name)
        old_refs = node.owners
        new_refs = tuple(md.owner_references)
        if old_refs != new_refs:
            old_uids = {r.uid: r for r in old_refs}
            new_uids = {r.uid: r for r in new_refs}
            for u, r in old_uids.items():
                owner = self.graph.get(u)
                if owner is None:
                    continue
                if u not in new_uids:
                    owner.dependents.pop(uid, None)
                if owner.deleting_dependents and (u not in new_uids or new_uids[u] != r):
                    self.attempt_to_delete.add(u)  # a blocking reference may be gone
            node.owners = new_refs
            added = [u for u in new_uids if u not in old_uids]
            for u in added:
                owner = self.graph.get(u)
                if owner is not None:
                    owner.dependents[uid] = None
                else:  # a virtual owner: verify that it exists
                    self._waiting_for_owner.setdefault(u, {})[uid] = None
                    self.attempt_to_delete.add(uid)
            if added:
                self._check_cycle(node)
        deleting = md.deletion_timestamp is not None
        if deleting and not node.being_deleted:
            node.being_deleted = True
        if deleting and FINALIZER_ORPHAN in md.finalizers:
            self.attempt_to_orphan.add(uid)
        if deleting and FINALIZER_FOREGROUND in md.finalizers:
            if not node.deleting_dependents:
                node.deleting_dependents = True
                for dep in node.dependents:
                    self.attempt_to_delete.add(dep)
            self.attempt_to_delete.add(uid)
        # pick up dependents that referenced this uid before it was seen
        if etype == "ADDED":
            self._adopt_waiting_dependents(node)

    def _adopt_waiting_dependents(self, node: _Node) -> None:
        pending = self._waiting_for_owner.pop(node.uid, None)
        for dep in pending or ():
            d = self.graph.get(dep)
            if d is not None and any(r.uid == node.uid for r in d.owners):
                node.dependents[dep] = None

    def _check_cycle(self, node: _Node) -> None:
        """Warn (once) when following owner references from ``node`` leads back to it."""
        start = node.uid
        stack = [(r.uid, (start,)) for r in node.owners]
        seen: set = set()
        while stack:
            u, path = stack.pop()
            if u == start:
                cycle = path + (start,)
                sig = frozenset(cycle)
                if sig in self.cycles_reported:
                    return
                self.cycles_reported.add(sig)
                names = " -> ".join(self.graph[x].key() if x in self.graph else x for x in cycle)
                self.engine.log.record(self.engine.now, SOURCE, "OwnershipCycle", node.key(),
                                       f"Warning: ownership cycle: {names}")
                return
            if u in seen:
                continue
            seen.add(u)
            n = self.graph.get(u)
            if n is not None:
                stack.extend((r.uid, path + (u,)) for r in n.owners)

    # ------------------------------------------------------------------------------ helpers
    def _live(self, node: _Node):
        obj = self.store.try_get(node.resource, node.namespace or None, node.name)
        if obj is None or obj.metadata.uid != node.uid:
            return None
        return obj

    def _owner_state(self, obj, ref) -> Optional[str]:
        """``classifyReferences`` for one reference: "solid", "dangling", "waiting" or None (an owner
        kind this cluster does not model: left alone, as upstream does when it cannot map it)."""
        group, _ = split_api_version(ref.api_version)
        resource = plural(ref.kind)
        if resource not in self.resources and resource not in self.store.resources():
            return None
        ns = obj.metadata.namespace if is_namespaced(group, ref.kind) else None
        owner = self.store.try_get(resource, ns, ref.name)
        if owner is None or owner.metadata.uid != ref.uid:
            return "dangling"  # owner not found (or a different object of that name)
        if owner.metadata.deletion_timestamp is not None and FINALIZER_FOREGROUND in owner.metadata.finalizers:
            return "waiting"
        return "solid"

    def _patch_refs(self, obj, fn) -> bool:
        c = obj.copy()
        c.metadata.owner_references = fn(list(c.metadata.owner_references))
        try:
            self.store.update(c)
        except StoreError:
            return False
        return True

    def _remove_finalizer(self, obj, finalizer: str) -> None:
        if finalizer not in obj.metadata.finalizers:
            return
        c = obj.copy()
        c.metadata.finalizers = [f for f in c.metadata.finalizers if f != finalizer]
        try:
            self.store.update(c)
        except StoreError:
            self.attempt_to_delete.add_after(obj.metadata.uid, 1.0)

    def _delete(self, node: _Node, obj, policy: str) -> None:
        try:
            self.store.delete(node.resource, node.namespace or None, node.name, propagation_policy=policy,
                              uid_precondition=node.uid)
        except StoreError:
            return
        self.deletes += 1

    # ------------------------------------------------------------------------------ workers
    def _attempt_to_delete(self, uid: str) -> None:
        """``attemptToDeleteItem``."""
        node = self.graph.get(uid)
        if node is None:
            return
        obj = self._live(node)
        if obj is None:
            return
        md = obj.metadata
        if md.deletion_timestamp is not None and FINALIZER_FOREGROUND not in md.finalizers:
            return  # being deleted, not waiting for dependents
        if md.deletion_timestamp is not None and FINALIZER_FOREGROUND in md.finalizers:
            self._process_deleting_dependents(node, obj)
            return
        refs = md.owner_references
        if not refs:
            return
        solid, dangling, waiting = [], [], []
        for ref in refs:
            s = self._owner_state(obj, ref)
            if s == "solid" or s is None:
                solid.append(ref)
            elif s == "dangling":
                dangling.append(ref)
            else:
                waiting.append(ref)
        if solid:
            if dangling or waiting:
                gone = {r.uid for r in dangling + waiting}
                self._patch_refs(obj, lambda rs: [r for r in rs if r.uid not in gone])
            return
        if waiting and node.dependents:
            # unblock our references to owners that wait for us, then delete in the foreground
            wait_uids = {r.uid for r in waiting}
            if any(r.block_owner_deletion for r in waiting):
                self._patch_refs(obj, lambda rs: [replace(r, block_owner_deletion=False) if r.uid in wait_uids
                                                  else r for r in rs])
                obj = self._live(node)
                if obj is None:
                    return
            self._delete(node, obj, "Foreground")
            return
        if FINALIZER_ORPHAN in md.finalizers:
            policy = "Orphan"
        elif FINALIZER_FOREGROUND in md.finalizers:
            policy = "Foreground"
        else:
            policy = "Background"
        self._delete(node, obj, policy)

    def _process_deleting_dependents(self, node: _Node, obj) -> None:
        """``processDeletingDependentsItem``."""
        blocking = []
        for dep_uid in node.dependents:
            dep = self.graph.get(dep_uid)
            if dep is None:
                continue
            if any(r.uid == node.uid and r.block_owner_deletion for r in dep.owners):
                blocking.append(dep)
        if not blocking:
            self._remove_finalizer(obj, FINALIZER_FOREGROUND)
            return
        for dep in blocking:
            if not dep.deleting_dependents:
                self.attempt_to_delete.add(dep.uid)

    def _attempt_to_orphan(self, uid: str) -> None:
        """``attemptToOrphanWorker``: drop the dependents' references to the owner, then the finalizer."""
        node = self.graph.get(uid)
        if node is None:
            return
        for dep_uid in list(node.dependents):
            dep = self.graph.get(dep_uid)
            if dep is None:
                continue
            dobj = self._live(dep)
            if dobj is None or not any(r.uid == uid for r in dobj.metadata.owner_references):
                continue
            self._patch_refs(dobj, lambda rs: [r for r in rs if r.uid != uid])
        obj = self._live(node)
        if obj is not None:
            self._remove_finalizer(obj, FINALIZER_ORPHAN)


def new_controller(engine, store, spec=None) -> GarbageCollector:
    return GarbageCollector(engine, store)
