"""The scenario timeline: actions at simulated times, carried out through the store as a user with
kubectl would (``kubectl scale``, ``set image``, ``rollout undo|pause|resume``, ``apply``, ``delete``,
``cordon``, ``uncordon``, ``drain``).

``drain`` is ``kubectl drain``: cordon, then evict every pod on the node through the Eviction API
(skipping DaemonSet pods and mirror pods, ``--ignore-daemonsets``), retrying refused evictions every
5 s (kubectl's retry interval) until they succeed or ``timeout`` passes.
"""
from __future__ import annotations

import copy
import os

from k8ssim.api.errors import InputError

SOURCE = "kubectl"
DRAIN_RETRY_SECONDS = 5.0
RESOURCES = {"Deployment": "deployments", "StatefulSet": "statefulsets", "DaemonSet": "daemonsets",
             "ReplicaSet": "replicasets", "Job": "jobs", "CronJob": "cronjobs"}


class Timeline:
    def __init__(self, engine, store, loaded):
        self.engine = engine
        self.store = store
        self.loaded = loaded
        self.entries = list(loaded.spec.timeline)

    def start(self) -> None:
        for i, entry in enumerate(self.entries):
            name, action = entry.action
            self.engine.call_at(entry.at, self._do, i, name, action)

    # ----------------------------------------------------------------------------------- helpers
    def _log(self, reason: str, key: str, detail: str) -> None:
        self.engine.log.record(self.engine.now, SOURCE, reason, key, detail)

    def _do(self, i: int, name: str, action) -> None:
        from k8ssim.store.errors import StoreError

        try:
            getattr(self, f"_{name}")(action)
        except StoreError as e:  # e.g. the object is gone by then: kubectl prints the error and goes on
            self._log("Error", f"timeline[{i}]", f"{name}: {e}")

    def _workload(self, ref):
        kind, name = ref.kind_name
        return RESOURCES[kind], self.store.get(RESOURCES[kind], ref.namespace, name)

    # ----------------------------------------------------------------------------------- actions
    def _scale(self, a) -> None:
        resource, obj = self._workload(a)
        new = obj.copy()
        new.spec = copy.copy(obj.spec)
        new.spec.replicas = a.replicas
        self.store.update(new)
        self._log("Scale", obj.key(), f"{obj.kind}/{obj.metadata.name} scaled to {a.replicas}")

    def _template_holder(self, obj):
        return obj.spec.job_template.spec if obj.kind == "CronJob" else obj.spec

    def _setImage(self, a) -> None:
        resource, obj = self._workload(a)
        new = obj.copy()
        new.spec = copy.copy(obj.spec)
        holder = new.spec
        if obj.kind == "CronJob":
            holder.job_template = copy.copy(holder.job_template)
            holder.job_template.spec = copy.copy(holder.job_template.spec)
            holder = holder.job_template.spec
        tmpl = copy.copy(holder.template)
        tmpl.spec = copy.copy(tmpl.spec)
        found = False
        for attr in ("containers", "init_containers"):
            cs = []
            for c in getattr(tmpl.spec, attr):
                if c.name == a.container:
                    c = copy.copy(c)
                    c.image = a.image
                    found = True
                cs.append(c)
            setattr(tmpl.spec, attr, cs)
        if not found:
            self._log("Error", obj.key(), f'unable to find container named "{a.container}"')
            return
        holder.template = tmpl
        self.store.update(new)
        self._log("SetImage", obj.key(), f"{a.container}={a.image}")

    def _rollback(self, a) -> None:
        """``kubectl rollout undo``: copy the template of the ReplicaSet at ``toRevision`` (0: the
        previous one) back into the Deployment."""
        from k8ssim.controllers import deployment_util as du

        resource, d = self._workload(a)
        if d.kind != "Deployment":
            self._log("Error", d.key(), "rollback is supported for Deployments")
            return
        rss = [rs for rs in self.store.list("replicasets", namespace=d.metadata.namespace)
               if (ref := rs.metadata.controller_ref()) is not None and ref.uid == d.metadata.uid]
        by_rev = sorted(rss, key=du.revision)
        target = None
        if a.toRevision:
            target = next((rs for rs in by_rev if du.revision(rs) == a.toRevision), None)
        elif len(by_rev) >= 2:
            target = by_rev[-2]
        if target is None:
            self._log("Error", d.key(), "no rollout history found" if not a.toRevision
                      else f"unable to find specified revision {a.toRevision} in history")
            return
        tmpl = copy.copy(target.spec.template)
        tmpl.labels = {k: v for k, v in tmpl.labels.items() if k != du.DEFAULT_DEPLOYMENT_UNIQUE_LABEL_KEY}
        new = d.copy()
        new.spec = copy.copy(d.spec)
        new.spec.template = tmpl
        self.store.update(new)
        self._log("Rollback", d.key(), f"rolled back to revision {du.revision(target)}")

    def _set_paused(self, a, paused: bool) -> None:
        resource, obj = self._workload(a)
        new = obj.copy()
        new.spec = copy.copy(obj.spec)
        new.spec.paused = paused
        self.store.update(new)
        self._log("Pause" if paused else "Resume", obj.key(), "")

    def _pause(self, a) -> None:
        self._set_paused(a, True)

    def _resume(self, a) -> None:
        self._set_paused(a, False)

    def _apply(self, a) -> None:
        """Create the objects of a manifest (or replace a workload's spec when it exists, as apply does)."""
        from k8ssim.api.manifests import load_documents
        from k8ssim.api.yamlio import load_file
        from k8ssim.scenario.loader import _SubDocument

        if a.path is not None:
            path = a.path if os.path.isabs(a.path) else os.path.join(self.loaded.base_dir, a.path)
            docs = load_file(path)
        else:
            docs = [_SubDocument(self.loaded.document, ("spec", "timeline"), item)
                    for item in (a.inline if isinstance(a.inline, list) else [a.inline])]
        try:
            ms = load_documents(docs)
        except InputError as e:  # validated at load time; a file changed since is reported, not raised
            self._log("Error", "apply", e.format())
            return
        for obj in ms.objects:
            cur = self.store.try_get(obj.resource, obj.metadata.namespace or None, obj.metadata.name)
            if cur is None:
                self.store.create(obj)
                self._log("Apply", obj.key(), f"{obj.kind}/{obj.metadata.name} created")
            else:
                new = cur.copy()
                new.spec = obj.spec
                self.store.update(new)
                self._log("Apply", obj.key(), f"{obj.kind}/{obj.metadata.name} configured")

    def _delete(self, a) -> None:
        from k8ssim.api.kinds import plural

        resource = plural(a.kind)
        obj = self.store.get(resource, a.namespace if self._namespaced(resource) else None, a.name)
        self.store.delete(resource, obj.metadata.namespace or None, a.name,
                          grace_period_seconds=a.gracePeriodSeconds, propagation_policy=a.propagationPolicy)
        self._log("Delete", obj.key(), f"{a.kind}/{a.name} deleted ({a.propagationPolicy})")

    @staticmethod
    def _namespaced(resource: str) -> bool:
        return resource not in ("nodes", "namespaces", "persistentvolumes", "storageclasses", "priorityclasses")

    def _set_unschedulable(self, node_name: str, value: bool) -> None:
        node = self.store.get("nodes", None, node_name)
        if node.spec.unschedulable == value:
            return
        new = node.copy()
        new.spec = copy.copy(node.spec)
        new.spec.unschedulable = value
        self.store.update(new)
        self._log("Cordon" if value else "Uncordon", node_name, "")

    def _cordon(self, a) -> None:
        self._set_unschedulable(a.node, True)

    def _uncordon(self, a) -> None:
        self._set_unschedulable(a.node, False)

    def _drain(self, a) -> None:
        self._set_unschedulable(a.node, True)
        deadline = self.engine.now + a.timeout if a.timeout is not None else None
        self._log("Drain", a.node, "evicting pods")
        self._evict_round(a, deadline)

    def _evict_round(self, a, deadline) -> None:
        from k8ssim.eviction import evict
        from k8ssim.store.errors import NotFound, StoreError

        pending = []
        for pod in self.store.list("pods"):
            if pod.spec.node_name != a.node or pod.metadata.deletion_timestamp is not None:
                continue
            if pod.status.phase in ("Succeeded", "Failed"):
                continue
            ref = pod.metadata.controller_ref()
            if ref is not None and ref.kind == "DaemonSet" and a.ignoreDaemonSets:
                continue
            try:
                evict(self.store, self.engine, pod.metadata.namespace, pod.metadata.name,
                      grace_period_seconds=a.gracePeriodSeconds)
            except NotFound:
                continue
            except StoreError as e:
                pending.append(pod.key())
                self._log("EvictionRefused", pod.key(), str(e))
        if not pending:
            self._log("Drained", a.node, "node drained")
            return
        if deadline is not None and self.engine.now + DRAIN_RETRY_SECONDS > deadline:
            self._log("DrainTimeout", a.node, f"drain did not complete within the timeout; {len(pending)} pods left")
            return
        self.engine.call_later(DRAIN_RETRY_SECONDS, self._evict_round, a, deadline)
