"""The scheduler cache: NodeInfos kept incrementally from store watch events, plus assumed pods.

Mirrors ``pkg/scheduler/backend/cache/cache.go`` (AssumePod / FinishBinding / ForgetPod / AddPod /
UpdatePod / RemovePod / AddNode / UpdateNode / RemoveNode, image states) and ``node_tree.go``
(zones interleaved round-robin), v1.35.

Upstream copies changed NodeInfos into a Snapshot at the start of every cycle because informers run
concurrently with the cycle. In the simulation a cycle runs inside one simulation event, so nothing
changes under it: the :class:`~k8ssim.scheduler.nodeinfo.Snapshot` handed to the framework holds the
cache's own NodeInfo objects, and :meth:`Cache.update_snapshot` only rebuilds the derived lists (node
order, nodes with affinity pods) when their membership changed. Per-pod work is O(1) in the number of
nodes; per-node-change work is O(nodes).

Assumed pods never expire (``durationToExpireAssumedPod = 0`` since v1.27); a failed bind forgets them.
"""
from __future__ import annotations

from typing import Optional

from k8ssim.scheduler.nodeinfo import ImageStateSummary, NodeInfo, PodInfo, Snapshot, next_generation, zone_key
from k8ssim.scheduler.nodetable import NodeTable

__all__ = ["Cache", "is_terminal"]


def _same_scheduling_view(a, b) -> bool:
    """Whether two versions of a pod give the same PodInfo and node-table entry (same spec parts by
    identity, same labels, namespace and deletion state)."""
    sa, sb = a.spec, b.spec
    ma, mb = a.metadata, b.metadata
    if sa is not sb:
        for f in ("containers", "init_containers", "affinity", "volumes", "overhead", "resources_requests"):
            if getattr(sa, f, None) is not getattr(sb, f, None):
                return False
    return (ma.namespace == mb.namespace and ma.deletion_timestamp == mb.deletion_timestamp
            and (ma.labels is mb.labels or ma.labels == mb.labels))


def is_terminal(pod) -> bool:
    """The scheduler's pod informer excludes Succeeded/Failed pods (field selector)."""
    return pod.status.phase in ("Succeeded", "Failed")


class _PodState:
    __slots__ = ("pod_info", "node", "assumed", "binding_finished")

    def __init__(self, pod_info: PodInfo, node: str, assumed: bool):
        self.pod_info = pod_info
        self.node = node
        self.assumed = assumed
        self.binding_finished = False


class Cache:
    """``cacheImpl`` for one scheduler. Pods are keyed by ``PodInfo.key`` (the UID)."""

    def __init__(self):
        self.node_infos: dict[str, NodeInfo] = {}  # every node name with a node or pods ("ghost" nodes)
        self.pod_states: dict[str, _PodState] = {}
        self.assumed: set = set()
        self._zones: dict[str, list] = {}  # zone key -> node names, insertion order (nodeTree)
        self._zone_of: dict[str, str] = {}
        self._images: dict[str, tuple] = {}  # image name -> (ImageStateSummary, set of nodes)
        self._affinity_nodes: set = set()
        self._anti_affinity_nodes: set = set()
        self._pvc_refs: dict[str, int] = {}
        self._order_dirty = True
        self._lists_dirty = True
        self.snapshot = Snapshot()
        self.snapshot.used_pvc_set = self._pvc_refs  # shared counter dict: ``key in`` works
        self.table = NodeTable()
        """The same nodes and pods as numpy columns (:mod:`k8ssim.scheduler.nodetable`), for the fast path."""
        self.image_version = 0

    # -- nodes ---------------------------------------------------------------------------------
    def add_node(self, node) -> NodeInfo:
        """``AddNode`` (also used for updates: ``UpdateNode``)."""
        name = node.metadata.name
        ni = self.node_infos.get(name)
        if ni is None:
            ni = self.node_infos[name] = NodeInfo()
        old = ni.node
        if old is not None:
            self._remove_node_images(old)
        ni.set_node(node)
        self._add_node_images(ni, node)
        if (node.status.images or (old is not None and old.status.images)) and (
                old is None or old.status.images != node.status.images):
            self.image_version += 1
        self.table.set_node(self.table.row(name), node, old)
        zk = zone_key(node)
        if self._zone_of.get(name) != zk:
            self._tree_remove(name)
            self._zones.setdefault(zk, []).append(name)
            self._zone_of[name] = zk
            self._order_dirty = True
        elif old is None:
            self._order_dirty = True
        return ni

    update_node = add_node

    def remove_node(self, node) -> None:
        """``RemoveNode``: a node with pods left stays as a ghost (no Node) until they go."""
        name = node.metadata.name
        ni = self.node_infos.get(name)
        if ni is None:
            return
        if ni.node is not None:
            self._remove_node_images(ni.node)
            if ni.node.status.images:
                self.image_version += 1
        if ni.pods:
            ni.remove_node()
        else:
            del self.node_infos[name]
        self.table.clear_node(self.table.row(name))
        self._tree_remove(name)
        self._order_dirty = True

    def _tree_remove(self, name: str) -> None:
        zk = self._zone_of.pop(name, None)
        if zk is None:
            return
        lst = self._zones.get(zk)
        if lst is not None:
            lst.remove(name)
            if not lst:
                del self._zones[zk]

    def _add_node_images(self, ni: NodeInfo, node) -> None:
        states = {}
        name = node.metadata.name
        for img in node.status.images:
            for iname in img.names:
                ent = self._images.get(iname)
                if ent is None:
                    ent = self._images[iname] = (ImageStateSummary(img.size_bytes, 0), set())
                summary, nodes = ent
                if name not in nodes:
                    nodes.add(name)
                    summary.num_nodes = len(nodes)
                states[iname] = summary
        ni.image_states = states

    def _remove_node_images(self, node) -> None:
        name = node.metadata.name
        for img in node.status.images:
            for iname in img.names:
                ent = self._images.get(iname)
                if ent is None:
                    continue
                summary, nodes = ent
                nodes.discard(name)
                summary.num_nodes = len(nodes)
                if not nodes:
                    del self._images[iname]

    # -- pods ----------------------------------------------------------------------------------
    def _place(self, pi: PodInfo, node_name: str) -> None:
        ni = self.node_infos.get(node_name)
        if ni is None:
            ni = self.node_infos[node_name] = NodeInfo()
        had_aff, had_anti = bool(ni.pods_with_affinity), bool(ni.pods_with_required_anti_affinity)
        ni.add_pod(pi)
        self.table.add_pod(self.table.row(node_name), pi, +1)
        self._pvc_ref(pi, +1)
        self._track_affinity(node_name, ni, had_aff, had_anti)

    def _unplace(self, pi: PodInfo, node_name: str) -> None:
        ni = self.node_infos.get(node_name)
        if ni is None:
            return
        had_aff, had_anti = bool(ni.pods_with_affinity), bool(ni.pods_with_required_anti_affinity)
        if ni.remove_pod(pi):
            self.table.add_pod(self.table.row(node_name), pi, -1)
            self._pvc_ref(pi, -1)
        self._track_affinity(node_name, ni, had_aff, had_anti)
        if ni.node is None and not ni.pods:
            del self.node_infos[node_name]

    def _track_affinity(self, name: str, ni: NodeInfo, had_aff: bool, had_anti: bool) -> None:
        if bool(ni.pods_with_affinity) != had_aff:
            (self._affinity_nodes.add if not had_aff else self._affinity_nodes.discard)(name)
            self._lists_dirty = True
        if bool(ni.pods_with_required_anti_affinity) != had_anti:
            (self._anti_affinity_nodes.add if not had_anti else self._anti_affinity_nodes.discard)(name)
            self._lists_dirty = True

    def _pvc_ref(self, pi: PodInfo, sign: int) -> None:
        for v in pi.pod.spec.volumes:
            if v.claim_name:
                k = f"{pi.pod.metadata.namespace}/{v.claim_name}"
                n = self._pvc_refs.get(k, 0) + sign
                if n > 0:
                    self._pvc_refs[k] = n
                else:
                    self._pvc_refs.pop(k, None)

    def assume_pod(self, pi: PodInfo, node_name: str) -> None:
        """``AssumePod``: ``pi.pod`` must already carry ``spec.node_name = node_name``."""
        if pi.key in self.pod_states:
            raise ValueError(f"pod {pi.key} is in the cache, so can't be assumed")
        self._place(pi, node_name)
        self.pod_states[pi.key] = _PodState(pi, node_name, True)
        self.assumed.add(pi.key)

    def finish_binding(self, key: str) -> None:
        ps = self.pod_states.get(key)
        if ps is not None and ps.assumed:
            ps.binding_finished = True

    def forget_pod(self, key: str) -> None:
        """``ForgetPod``: undo an assumption (bind failed)."""
        ps = self.pod_states.get(key)
        if ps is None or not ps.assumed:
            return
        self._unplace(ps.pod_info, ps.node)
        del self.pod_states[key]
        self.assumed.discard(key)

    def is_assumed(self, key: str) -> bool:
        return key in self.assumed

    def add_pod(self, pod, pod_info: Optional[PodInfo] = None) -> None:
        """``AddPod``: an assigned pod seen in the store (confirms an assumed pod)."""
        if pod_info is None:
            ps = self.pod_states.get(pod.metadata.uid or f"{pod.metadata.namespace}/{pod.metadata.name}")
            if ps is not None and ps.node == pod.spec.node_name and _same_scheduling_view(ps.pod_info.pod, pod):
                self._replace_in_place(ps, pod)
                return
        pi = pod_info if pod_info is not None else PodInfo(pod)
        ps = self.pod_states.get(pi.key)
        if ps is not None:
            self._unplace(ps.pod_info, ps.node)
            self.assumed.discard(pi.key)
        self._place(pi, pod.spec.node_name)
        self.pod_states[pi.key] = _PodState(pi, pod.spec.node_name, False)

    def _replace_in_place(self, ps: _PodState, pod) -> None:
        """Remove + add of a pod whose PodInfo would be unchanged (a status update, the bind of an
        assumed pod): the same effect on the NodeInfo (list positions, generation) without
        recomputing the PodInfo or the node table."""
        key = ps.pod_info.key
        pi = ps.pod_info
        ni = self.node_infos.get(ps.node)
        pi.pod = pod
        if ni is not None:
            for lst in (ni.pods_with_affinity, ni.pods_with_required_anti_affinity, ni.pods):
                for i, p in enumerate(lst):
                    if p is pi:
                        lst[i] = lst[-1]
                        lst[-1] = pi
                        break
            ni.generation = next_generation()
        self.pod_states[key] = _PodState(pi, ps.node, False)
        self.assumed.discard(key)

    def update_pod(self, old, new) -> None:
        """``UpdatePod``: replace the pod's info (labels, resources may have changed)."""
        self.add_pod(new)

    def remove_pod(self, pod) -> None:
        k = pod.metadata.uid or f"{pod.metadata.namespace}/{pod.metadata.name}"  # nodeinfo.pod_key
        ps = self.pod_states.pop(k, None)
        if ps is None:
            return
        self.assumed.discard(k)
        self._unplace(ps.pod_info, ps.node)

    def pod_node(self, key: str) -> str:
        ps = self.pod_states.get(key)
        return ps.node if ps is not None else ""

    # -- snapshot ------------------------------------------------------------------------------
    def update_snapshot(self, lists: bool = True) -> Snapshot:
        """``UpdateSnapshot``: bring the snapshot's derived lists up to date (O(1) when nothing
        structural changed). ``lists=False`` updates only the node order (and the node table's);
        the lists of nodes with affinity pods stay stale until the next full update (the fast path
        does not read them)."""
        snap = self.snapshot
        if self._order_dirty:
            order = self._tree_order()
            snap.node_info_list = [self.node_infos[n] for n in order]
            snap.node_info_map = {n: self.node_infos[n] for n in order}
            self.table.set_order(order)
            self._order_dirty = False
            self._lists_dirty = True
        if self._lists_dirty and lists:
            snap.have_pods_with_affinity_list = [
                ni for ni in snap.node_info_list if ni.name in self._affinity_nodes]
            snap.have_pods_with_required_anti_affinity_list = [
                ni for ni in snap.node_info_list if ni.name in self._anti_affinity_nodes]
            self._lists_dirty = False
        return snap

    def _tree_order(self) -> list:
        """``nodeTree.list``: one node per zone in turn, zones in first-seen order."""
        zones = list(self._zones.values())
        out: list = []
        longest = max((len(z) for z in zones), default=0)
        for i in range(longest):
            for z in zones:
                if i < len(z):
                    out.append(z[i])
        return out

    def num_nodes(self) -> int:
        return len(self._zone_of)

    def dump(self) -> dict:
        """Node name -> sorted pod keys (for tests and debugging)."""
        return {n: sorted(p.key for p in ni.pods) for n, ni in sorted(self.node_infos.items())}
