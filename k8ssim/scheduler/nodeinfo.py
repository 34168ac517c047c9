"""PodInfo, NodeInfo, HostPortInfo, ImageStateSummary and the scheduling Snapshot.

Mirrors ``pkg/scheduler/framework/types.go`` (PodInfo, AffinityTerm, NodeInfo, HostPortInfo),
``pkg/scheduler/backend/cache/snapshot.go`` (Snapshot, image existence) and
``pkg/scheduler/backend/cache/node_tree.go`` (zones interleaved round-robin), v1.35.

Resource lists are ``dict[str, int]`` in canonical units (``cpu`` in millicores, ``memory`` and
``ephemeral-storage`` in bytes, ``pods`` a count, extended resources and hugepages as integers).
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Iterable, Optional

from k8ssim.api.core import Node, Pod
from k8ssim.api.meta import LabelSelector
from k8ssim.api.resources import NON_ZERO_DEFAULTS, pod_requests

__all__ = [
    "AffinityTerm",
    "WeightedAffinityTerm",
    "PodInfo",
    "HostPortInfo",
    "ImageStateSummary",
    "NodeInfo",
    "Snapshot",
    "pod_key",
    "zone_key",
    "node_tree_order",
    "DEFAULT_BIND_ALL_HOST_IP",
]

DEFAULT_BIND_ALL_HOST_IP = "0.0.0.0"

# ``nextGeneration``: a process-wide monotone counter, as upstream (only compared for change detection).
_generation = itertools.count(1)


def next_generation() -> int:
    return next(_generation)


def pod_key(pod: Pod) -> str:
    """Identity of a pod inside the cache: its UID, or ``namespace/name`` when it has none."""
    return pod.metadata.uid or f"{pod.metadata.namespace}/{pod.metadata.name}"


# ---------------------------------------------------------------------------------------------------
# affinity terms
# ---------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class AffinityTerm:
    """``framework.AffinityTerm``: a PodAffinityTerm with its namespace set resolved.

    ``selector`` None is ``labels.Nothing()`` (a nil labelSelector); ``namespace_selector`` None is
    Nothing, an empty one matches every namespace."""

    namespaces: frozenset
    selector: Optional[LabelSelector]
    topology_key: str
    namespace_selector: Optional[LabelSelector] = None

    def matches(self, pod: Pod, ns_labels: Optional[dict]) -> bool:
        """``AffinityTerm.Matches``: the pod's namespace is in the set (or its namespace's labels match
        the namespace selector) and the label selector matches the pod."""
        if pod.metadata.namespace in self.namespaces or (
            self.namespace_selector is not None and self.namespace_selector.matches(ns_labels or {})
        ):
            return self.selector is not None and self.selector.matches(pod.metadata.labels)
        return False


@dataclass(slots=True)
class WeightedAffinityTerm:
    term: AffinityTerm
    weight: int


def new_affinity_term(pod: Pod, term) -> AffinityTerm:
    """``newAffinityTerm``: namespaces default to the owner pod's namespace when both the list and the
    namespace selector are unset."""
    if not term.namespaces and term.namespace_selector is None:
        namespaces = frozenset((pod.metadata.namespace,))
    else:
        namespaces = frozenset(term.namespaces)
    return AffinityTerm(namespaces, term.label_selector, term.topology_key, term.namespace_selector)


_LABEL_VALUE_RE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
_LABEL_VALUE_MSG = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must "
    "start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for "
    "validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
)


def label_value_errors(value: str) -> list:
    """``validation.IsValidLabelValue``."""
    errs = []
    if len(value) > 63:
        errs.append("must be no more than 63 characters")
    if not _LABEL_VALUE_RE.match(value):
        errs.append(_LABEL_VALUE_MSG)
    return errs


def selector_parse_error(sel: Optional[LabelSelector]) -> Optional[str]:
    """The first error ``metav1.LabelSelectorAsSelector`` would report for ``sel`` (values only)."""
    if sel is None:
        return None
    for k, v in sel.match_labels.items():
        errs = label_value_errors(str(v))
        if errs:
            return f'values[0][{k}]: Invalid value: "{v}": ' + "; ".join(errs)
    for req in sel.match_expressions:
        for i, v in enumerate(req.values):
            errs = label_value_errors(str(v))
            if errs:
                return f'values[{i}][{req.key}]: Invalid value: "{v}": ' + "; ".join(errs)
    return None


def _terms_parse_error(terms, weighted: bool) -> Optional[str]:
    for t in terms or ():
        term = t.term if weighted else t
        err = selector_parse_error(term.label_selector) or selector_parse_error(term.namespace_selector)
        if err:
            return err
    return None


def _terms(pod: Pod, terms) -> list:
    return [new_affinity_term(pod, t) for t in terms or ()]


def _weighted_terms(pod: Pod, terms) -> list:
    return [WeightedAffinityTerm(new_affinity_term(pod, wt.term), wt.weight) for wt in terms or ()]


# ---------------------------------------------------------------------------------------------------
# PodInfo
# ---------------------------------------------------------------------------------------------------


class PodInfo:
    """``framework.PodInfo``: a pod plus what the scheduler precomputes once per pod update."""

    __slots__ = (
        "pod",
        "requests",
        "non_zero_requests",
        "required_affinity_terms",
        "required_anti_affinity_terms",
        "preferred_affinity_terms",
        "preferred_anti_affinity_terms",
        "key",
        "parse_error",
    )

    def __init__(self, pod: Pod):
        self.update(pod)

    def update(self, pod: Pod) -> None:
        """``PodInfo.Update``: recompute everything from ``pod``."""
        self.pod = pod
        spec = pod.spec
        self.key = pod_key(pod)
        self.requests: dict = pod_requests(spec)
        nz = pod_requests(spec, non_missing=NON_ZERO_DEFAULTS)
        self.non_zero_requests: dict = {"cpu": nz.get("cpu", 0), "memory": nz.get("memory", 0)}
        aff = spec.affinity
        pa = aff.pod_affinity if aff is not None else None
        paa = aff.pod_anti_affinity if aff is not None else None
        self.required_affinity_terms: list = _terms(pod, pa.required) if pa else []
        self.required_anti_affinity_terms: list = _terms(pod, paa.required) if paa else []
        self.preferred_affinity_terms: list = _weighted_terms(pod, pa.preferred) if pa else []
        self.preferred_anti_affinity_terms: list = _weighted_terms(pod, paa.preferred) if paa else []
        errs = []
        for label, terms, weighted in (
            ("requiredAffinityTerms", pa.required if pa else None, False),
            ("requiredAntiAffinityTerms", paa.required if paa else None, False),
            ("preferredAffinityTerms", pa.preferred if pa else None, True),
            ("preferredAntiAffinityTerms", paa.preferred if paa else None, True),
        ):
            e = _terms_parse_error(terms, weighted)
            if e:
                errs.append(f"{label}: {e}")
        self.parse_error: Optional[str] = None if not errs else (errs[0] if len(errs) == 1 else "[" + ", ".join(errs) + "]")
        """``NewPodInfo``'s error (invalid label values in affinity selectors), None when valid."""

    @property
    def has_affinity(self) -> bool:
        """``podWithAffinity``: the pod declares pod affinity or anti-affinity."""
        aff = self.pod.spec.affinity
        return aff is not None and (aff.pod_affinity is not None or aff.pod_anti_affinity is not None)

    def __repr__(self) -> str:
        return f"PodInfo({self.pod.metadata.namespace}/{self.pod.metadata.name})"


def as_pod_info(p) -> PodInfo:
    return p if isinstance(p, PodInfo) else PodInfo(p)


# ---------------------------------------------------------------------------------------------------
# host ports and images
# ---------------------------------------------------------------------------------------------------


class HostPortInfo:
    """``framework.HostPortInfo``: hostIP → set of (protocol, port). An empty IP is 0.0.0.0 and an
    empty protocol is TCP; 0.0.0.0 conflicts with every IP."""

    __slots__ = ("_ports",)

    def __init__(self):
        self._ports: dict[str, set] = {}

    @staticmethod
    def _sanitize(ip: str, protocol: str) -> tuple:
        return (ip or DEFAULT_BIND_ALL_HOST_IP, protocol or "TCP")

    def add(self, ip: str, protocol: str, port: int) -> None:
        if port <= 0:
            return
        ip, protocol = self._sanitize(ip, protocol)
        self._ports.setdefault(ip, set()).add((protocol, port))

    def remove(self, ip: str, protocol: str, port: int) -> None:
        if port <= 0:
            return
        ip, protocol = self._sanitize(ip, protocol)
        s = self._ports.get(ip)
        if s is not None:
            s.discard((protocol, port))
            if not s:
                del self._ports[ip]

    def __len__(self) -> int:
        return sum(len(s) for s in self._ports.values())

    def check_conflict(self, ip: str, protocol: str, port: int) -> bool:
        """``HostPortInfo.CheckConflict``."""
        if port <= 0:
            return False
        ip, protocol = self._sanitize(ip, protocol)
        pp = (protocol, port)
        if ip == DEFAULT_BIND_ALL_HOST_IP:
            return any(pp in s for s in self._ports.values())
        for key in (ip, DEFAULT_BIND_ALL_HOST_IP):
            s = self._ports.get(key)
            if s is not None and pp in s:
                return True
        return False

    def copy(self) -> "HostPortInfo":
        h = HostPortInfo()
        h._ports = {k: set(v) for k, v in self._ports.items()}
        return h


@dataclass(slots=True)
class ImageStateSummary:
    """``framework.ImageStateSummary``: image size and on how many nodes it is present."""

    size: int
    num_nodes: int


# ---------------------------------------------------------------------------------------------------
# NodeInfo
# ---------------------------------------------------------------------------------------------------


def _pod_host_ports(pod: Pod):
    for c in pod.spec.containers:
        for p in c.ports:
            if p.host_port > 0:
                yield p


class NodeInfo:
    """``framework.NodeInfo``: a node and the pods the scheduler believes are on it (assumed pods
    included), with aggregated requests."""

    __slots__ = (
        "node",
        "pods",
        "pods_with_affinity",
        "pods_with_required_anti_affinity",
        "used_ports",
        "requested",
        "non_zero_requested",
        "allocatable",
        "image_states",
        "pvc_ref_counts",
        "generation",
    )

    def __init__(self, node: Optional[Node] = None, pods: Iterable = ()):
        self.node: Optional[Node] = None
        self.pods: list = []
        self.pods_with_affinity: list = []
        self.pods_with_required_anti_affinity: list = []
        self.used_ports = HostPortInfo()
        self.requested: dict = {}
        self.non_zero_requested: dict = {"cpu": 0, "memory": 0}
        self.allocatable: dict = {}
        self.image_states: dict = {}
        self.pvc_ref_counts: dict = {}
        self.generation = next_generation()
        if node is not None:
            self.set_node(node)
        for p in pods:
            self.add_pod(p)

    # -- node -------------------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self.node.metadata.name if self.node is not None else ""

    def set_node(self, node: Node) -> None:
        """``NodeInfo.SetNode``."""
        self.node = node
        self.allocatable = dict(node.status.allocatable)
        self.generation = next_generation()

    def remove_node(self) -> None:
        self.node = None
        self.generation = next_generation()

    # -- pods -------------------------------------------------------------------------------------
    def add_pod(self, pod) -> PodInfo:
        """``NodeInfo.AddPodInfo`` (accepts a Pod or a PodInfo)."""
        pi = as_pod_info(pod)
        self.pods.append(pi)
        if pi.has_affinity:
            self.pods_with_affinity.append(pi)
        if pi.required_anti_affinity_terms:
            self.pods_with_required_anti_affinity.append(pi)
        self._update(pi, +1)
        return pi

    def remove_pod(self, pod) -> bool:
        """``NodeInfo.RemovePod``: remove by pod identity (UID, else namespace/name). False if absent."""
        key = pod.key if isinstance(pod, PodInfo) else pod_key(pod)
        for lst in (self.pods_with_affinity, self.pods_with_required_anti_affinity):
            for i, p in enumerate(lst):
                if p.key == key:
                    lst[i] = lst[-1]
                    lst.pop()
                    break
        for i, p in enumerate(self.pods):
            if p.key == key:
                self.pods[i] = self.pods[-1]
                self.pods.pop()
                self._update(p, -1)
                return True
        return False

    def _update(self, pi: PodInfo, sign: int) -> None:
        req = self.requested
        for k, v in pi.requests.items():
            req[k] = req.get(k, 0) + sign * v
        nz = self.non_zero_requested
        nz["cpu"] += sign * pi.non_zero_requests["cpu"]
        nz["memory"] += sign * pi.non_zero_requests["memory"]
        for p in _pod_host_ports(pi.pod):
            if sign > 0:
                self.used_ports.add(p.host_ip, p.protocol, p.host_port)
            else:
                self.used_ports.remove(p.host_ip, p.protocol, p.host_port)
        for v in pi.pod.spec.volumes:
            if v.claim_name:
                k = f"{pi.pod.metadata.namespace}/{v.claim_name}"
                n = self.pvc_ref_counts.get(k, 0) + sign
                if n > 0:
                    self.pvc_ref_counts[k] = n
                else:
                    self.pvc_ref_counts.pop(k, None)
        self.generation = next_generation()

    # -- copies -----------------------------------------------------------------------------------
    def snapshot(self) -> "NodeInfo":
        """``NodeInfo.Snapshot``: a copy whose lists and maps may be changed independently (PodInfos
        and the Node are shared, as upstream)."""
        c = NodeInfo.__new__(NodeInfo)
        c.node = self.node
        c.pods = list(self.pods)
        c.pods_with_affinity = list(self.pods_with_affinity)
        c.pods_with_required_anti_affinity = list(self.pods_with_required_anti_affinity)
        c.used_ports = self.used_ports.copy()
        c.requested = dict(self.requested)
        c.non_zero_requested = dict(self.non_zero_requested)
        c.allocatable = dict(self.allocatable)
        c.image_states = dict(self.image_states)
        c.pvc_ref_counts = dict(self.pvc_ref_counts)
        c.generation = self.generation
        return c

    clone = snapshot

    def __repr__(self) -> str:
        return f"NodeInfo({self.name}, pods={len(self.pods)})"


# ---------------------------------------------------------------------------------------------------
# node tree and snapshot
# ---------------------------------------------------------------------------------------------------

ZONE_LABELS = ("topology.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/zone")
REGION_LABELS = ("topology.kubernetes.io/region", "failure-domain.beta.kubernetes.io/region")


def zone_key(node: Node) -> str:
    """``utilnode.GetZoneKey``: ``region:\\x00:zone`` ("" when the node has neither label)."""
    labels = node.metadata.labels
    zone = next((labels[k] for k in ZONE_LABELS if k in labels), "")
    region = next((labels[k] for k in REGION_LABELS if k in labels), "")
    if not zone and not region:
        return ""
    return region + ":\x00:" + zone


def node_tree_order(nodes: Iterable[Node]) -> list:
    """``nodeTree.list``: zones in first-seen order, nodes within a zone in insertion order, taken
    one per zone round-robin (zone1-n1, zone2-n1, ..., zone1-n2, ...)."""
    zones: dict[str, list] = {}
    for n in nodes:
        zones.setdefault(zone_key(n), []).append(n)
    out: list = []
    longest = max((len(v) for v in zones.values()), default=0)
    for i in range(longest):
        for lst in zones.values():
            if i < len(lst):
                out.append(lst[i])
    return out


class Snapshot:
    """``cache.Snapshot``: the node infos one scheduling cycle sees, in node-tree order."""

    __slots__ = (
        "node_info_map",
        "node_info_list",
        "have_pods_with_affinity_list",
        "have_pods_with_required_anti_affinity_list",
        "used_pvc_set",
        "generation",
    )

    def __init__(self, node_infos: Iterable[NodeInfo] = (), generation: int = 0):
        self.node_info_list: list = list(node_infos)
        self.node_info_map: dict = {ni.name: ni for ni in self.node_info_list}
        self.generation = generation
        self.refresh_lists()

    def refresh_lists(self) -> None:
        """Rebuild the derived lists (``updateNodeInfoSnapshotList``)."""
        self.have_pods_with_affinity_list = [ni for ni in self.node_info_list if ni.pods_with_affinity]
        self.have_pods_with_required_anti_affinity_list = [
            ni for ni in self.node_info_list if ni.pods_with_required_anti_affinity
        ]
        self.used_pvc_set = set()
        for ni in self.node_info_list:
            self.used_pvc_set.update(ni.pvc_ref_counts)

    @classmethod
    def from_objects(cls, pods: Iterable[Pod], nodes: Iterable[Node]) -> "Snapshot":
        """``cache.NewSnapshot(pods, nodes)``: pods are placed on ``spec.node_name``; image states are
        filled with how many nodes hold each image. Nodes are listed in node-tree order."""
        nodes = list(nodes)
        infos: dict[str, NodeInfo] = {}
        for n in node_tree_order(nodes):
            infos[n.metadata.name] = NodeInfo(n)
        for p in pods:
            ni = infos.get(p.spec.node_name)
            if ni is not None:
                ni.add_pod(p)
        set_image_states(infos.values())
        return cls(infos.values())

    def get(self, name: str) -> Optional[NodeInfo]:
        return self.node_info_map.get(name)

    def list(self) -> list:
        return self.node_info_list

    def num_nodes(self) -> int:
        return len(self.node_info_list)

    def is_pvc_used_by_pods(self, key: str) -> bool:
        return key in self.used_pvc_set


def image_existence(nodes: Iterable[Node]) -> dict:
    """``createImageExistenceMap``: image name → set of node names holding it."""
    out: dict[str, set] = {}
    for n in nodes:
        for img in n.status.images:
            for name in img.names:
                out.setdefault(name, set()).add(n.metadata.name)
    return out


def set_image_states(node_infos: Iterable[NodeInfo]) -> None:
    """Fill ``NodeInfo.image_states`` from node status images and the cluster-wide existence counts."""
    node_infos = [ni for ni in node_infos if ni.node is not None]
    exist = image_existence(ni.node for ni in node_infos)
    for ni in node_infos:
        states = {}
        for img in ni.node.status.images:
            for name in img.names:
                states[name] = ImageStateSummary(img.size_bytes, len(exist.get(name, ())))
        ni.image_states = states
