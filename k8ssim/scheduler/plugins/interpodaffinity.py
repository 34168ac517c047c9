"""InterPodAffinity: required pod (anti-)affinity as a Filter, preferred terms as a Score.

Mirrors ``pkg/scheduler/framework/plugins/interpodaffinity/{plugin.go, filtering.go, scoring.go}``
(v1.35). Counts are kept per topology pair ``(key, value)``; namespace selectors of the incoming
pod's terms are merged into their namespace sets in PreFilter/PreScore, as upstream.
"""
from __future__ import annotations

import copy
from typing import Optional

from k8ssim.api.core import Node, Pod
from k8ssim.scheduler.framework import (
    MAX_NODE_SCORE,
    ClusterEvent,
    ClusterEventWithHint,
    Code,
    CycleState,
    FrameworkError,
    Handle,
    Status,
)
from k8ssim.scheduler.nodeinfo import AffinityTerm, NodeInfo, PodInfo

NAME = "InterPodAffinity"
PRE_FILTER_STATE_KEY = "PreFilter" + NAME
PRE_SCORE_STATE_KEY = "PreScore" + NAME
ERR_REASON_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules"
ERR_REASON_AFFINITY = "node(s) didn't match pod affinity rules"
ERR_REASON_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules"


# ---------------------------------------------------------------------------------------------------
# topology pair counts
# ---------------------------------------------------------------------------------------------------


def _update(m: dict, node: Node, key: str, value: int) -> None:
    tv = node.metadata.labels.get(key)
    if tv is None:
        return
    pair = (key, tv)
    n = m.get(pair, 0) + value
    if n == 0:
        m.pop(pair, None)
    else:
        m[pair] = n


def pod_matches_all_affinity_terms(terms, pod: Pod) -> bool:
    """``podMatchesAllAffinityTerms``: no terms matches nothing."""
    if not terms:
        return False
    return all(t.matches(pod, None) for t in terms)


def update_with_affinity_terms(m: dict, terms, pod: Pod, node: Node, value: int) -> None:
    if pod_matches_all_affinity_terms(terms, pod):
        for t in terms:
            _update(m, node, t.topology_key, value)


def update_with_anti_affinity_terms(m: dict, terms, pod: Pod, ns_labels: Optional[dict], node: Node, value: int) -> None:
    for t in terms:
        if t.matches(pod, ns_labels):
            _update(m, node, t.topology_key, value)


class PreFilterState:
    __slots__ = ("existing_anti_affinity_counts", "affinity_counts", "anti_affinity_counts", "pod_info", "namespace_labels")

    def __init__(self, pod_info: PodInfo, namespace_labels: Optional[dict]):
        self.pod_info = pod_info
        self.namespace_labels = namespace_labels
        self.existing_anti_affinity_counts: dict = {}
        self.affinity_counts: dict = {}
        self.anti_affinity_counts: dict = {}

    def clone(self) -> "PreFilterState":
        c = PreFilterState(self.pod_info, self.namespace_labels)
        c.existing_anti_affinity_counts = dict(self.existing_anti_affinity_counts)
        c.affinity_counts = dict(self.affinity_counts)
        c.anti_affinity_counts = dict(self.anti_affinity_counts)
        return c

    def update_with_pod(self, pi: PodInfo, node: Node, multiplier: int) -> None:
        """``preFilterState.updateWithPod`` (AddPod/RemovePod)."""
        update_with_anti_affinity_terms(
            self.existing_anti_affinity_counts, pi.required_anti_affinity_terms, self.pod_info.pod, self.namespace_labels, node, multiplier
        )
        update_with_affinity_terms(self.affinity_counts, self.pod_info.required_affinity_terms, pi.pod, node, multiplier)
        update_with_anti_affinity_terms(self.anti_affinity_counts, self.pod_info.required_anti_affinity_terms, pi.pod, None, node, multiplier)


def satisfy_pod_affinity(state: PreFilterState, node: Node) -> bool:
    pods_exist = True
    labels = node.metadata.labels
    for term in state.pod_info.required_affinity_terms:
        tv = labels.get(term.topology_key)
        if tv is None:
            return False  # every topology label must exist on the node
        if state.affinity_counts.get((term.topology_key, tv), 0) <= 0:
            pods_exist = False
    if not pods_exist:
        # the first pod of a group with affinity to itself
        return not state.affinity_counts and pod_matches_all_affinity_terms(state.pod_info.required_affinity_terms, state.pod_info.pod)
    return True


def satisfy_pod_anti_affinity(state: PreFilterState, node: Node) -> bool:
    if state.anti_affinity_counts:
        labels = node.metadata.labels
        for term in state.pod_info.required_anti_affinity_terms:
            tv = labels.get(term.topology_key)
            if tv is not None and state.anti_affinity_counts.get((term.topology_key, tv), 0) > 0:
                return False
    return True


def satisfy_existing_pods_anti_affinity(state: PreFilterState, node: Node) -> bool:
    if state.existing_anti_affinity_counts:
        for kv in node.metadata.labels.items():
            if state.existing_anti_affinity_counts.get(kv, 0) > 0:
                return False
    return True


# ---------------------------------------------------------------------------------------------------
# scoring
# ---------------------------------------------------------------------------------------------------


def _process_term(m: dict, term: AffinityTerm, weight: int, pod: Pod, ns_labels, node: Node, multiplier: int) -> None:
    if term.matches(pod, ns_labels):
        tv = node.metadata.labels.get(term.topology_key)
        if tv is not None:
            d = m.setdefault(term.topology_key, {})
            d[tv] = d.get(tv, 0) + weight * multiplier


def _process_terms(m: dict, terms, pod: Pod, ns_labels, node: Node, multiplier: int) -> None:
    for wt in terms:
        _process_term(m, wt.term, wt.weight, pod, ns_labels, node, multiplier)


class PreScoreState:
    __slots__ = ("topology_score", "pod_info", "namespace_labels")

    def __init__(self, pod_info: PodInfo, namespace_labels):
        self.topology_score: dict = {}
        self.pod_info = pod_info
        self.namespace_labels = namespace_labels

    def clone(self):
        return self


def normalize_min_max(scores: list) -> None:
    """InterPodAffinity ``NormalizeScore``: ``int64(100 × (s − min) / (max − min))`` (float, truncated);
    all 0 when max == min."""
    if not scores:
        return
    mn = min(s.score for s in scores)
    mx = max(s.score for s in scores)
    diff = mx - mn
    for s in scores:
        f = float(MAX_NODE_SCORE) * (float(s.score - mn) / float(diff)) if diff > 0 else 0.0
        s.score = int(f)


class InterPodAffinity:
    """Args (``InterPodAffinityArgs``): ``hardPodAffinityWeight`` (default 1, 0..100),
    ``ignorePreferredTermsOfExistingPods`` (default false)."""

    name = NAME

    def __init__(self, args: Optional[dict] = None, handle: Optional[Handle] = None):
        args = args or {}
        w = args.get("hardPodAffinityWeight", 1)
        if not isinstance(w, int) or isinstance(w, bool) or not 0 <= w <= 100:
            raise FrameworkError("hardPodAffinityWeight: Invalid value: not in valid range [0, 100]")
        self.hard_pod_affinity_weight = w
        self.ignore_preferred_terms_of_existing_pods = bool(args.get("ignorePreferredTermsOfExistingPods", False))
        self.handle = handle if handle is not None else Handle()

    # -- helpers ------------------------------------------------------------------------------------
    def _merge_namespaces(self, term: AffinityTerm) -> AffinityTerm:
        """``mergeAffinityTermNamespacesIfNotEmpty``: a non-empty namespace selector becomes the set
        of matching namespaces (merged into ``namespaces``) and the selector becomes Nothing."""
        sel = term.namespace_selector
        if sel is None or sel.is_empty():
            return term
        names = set(term.namespaces)
        for name, labels in self.handle.list_namespaces():
            if sel.matches(labels or {}):
                names.add(name)
        return AffinityTerm(frozenset(names), term.selector, term.topology_key, None)

    def _pod_info(self, pod: Pod, required: bool) -> PodInfo:
        pi = PodInfo(pod)
        # private copy: the merged terms must not leak into a cached PodInfo
        pi = copy.copy(pi)
        if required:
            pi.required_affinity_terms = [self._merge_namespaces(t) for t in pi.required_affinity_terms]
            pi.required_anti_affinity_terms = [self._merge_namespaces(t) for t in pi.required_anti_affinity_terms]
        else:
            pi.preferred_affinity_terms = [type(w)(self._merge_namespaces(w.term), w.weight) for w in pi.preferred_affinity_terms]
            pi.preferred_anti_affinity_terms = [type(w)(self._merge_namespaces(w.term), w.weight) for w in pi.preferred_anti_affinity_terms]
        return pi

    # -- PreFilter / Filter -------------------------------------------------------------------------
    def pre_filter(self, state: CycleState, pod: Pod, nodes) -> tuple:
        snap = self.handle.snapshot
        pi = PodInfo(pod)
        if pi.parse_error:
            return None, Status.unresolvable(f"parsing pod: {pi.parse_error}")
        pi = self._pod_info(pod, True)
        s = PreFilterState(pi, self.handle.namespace_labels(pod.metadata.namespace))
        for ni in snap.have_pods_with_required_anti_affinity_list:
            for existing in ni.pods_with_required_anti_affinity:
                update_with_anti_affinity_terms(s.existing_anti_affinity_counts, existing.required_anti_affinity_terms, pod, s.namespace_labels, ni.node, 1)
        if pi.required_affinity_terms or pi.required_anti_affinity_terms:
            for ni in snap.node_info_list:
                for existing in ni.pods:
                    update_with_affinity_terms(s.affinity_counts, pi.required_affinity_terms, existing.pod, ni.node, 1)
                    update_with_anti_affinity_terms(s.anti_affinity_counts, pi.required_anti_affinity_terms, existing.pod, None, ni.node, 1)
        if not s.existing_anti_affinity_counts and not pi.required_affinity_terms and not pi.required_anti_affinity_terms:
            return None, Status.skip()
        state.write(PRE_FILTER_STATE_KEY, s)
        return None, None

    def add_pod(self, state: CycleState, pod_to_schedule: Pod, pod_info_to_add: PodInfo, node_info: NodeInfo) -> Optional[Status]:
        s = state.get(PRE_FILTER_STATE_KEY)
        if s is None:
            return Status.error(f'reading "{PRE_FILTER_STATE_KEY}" from cycleState: not found')
        s.update_with_pod(pod_info_to_add, node_info.node, 1)
        return None

    def remove_pod(self, state: CycleState, pod_to_schedule: Pod, pod_info_to_remove: PodInfo, node_info: NodeInfo) -> Optional[Status]:
        s = state.get(PRE_FILTER_STATE_KEY)
        if s is None:
            return Status.error(f'reading "{PRE_FILTER_STATE_KEY}" from cycleState: not found')
        s.update_with_pod(pod_info_to_remove, node_info.node, -1)
        return None

    def filter(self, state: CycleState, pod: Pod, node_info: NodeInfo) -> Optional[Status]:
        s = state.get(PRE_FILTER_STATE_KEY)
        if s is None:
            return Status.error(f'reading "{PRE_FILTER_STATE_KEY}" from cycleState: not found')
        node = node_info.node
        if not satisfy_pod_affinity(s, node):
            return Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, [ERR_REASON_AFFINITY])
        if not satisfy_pod_anti_affinity(s, node):
            return Status(Code.UNSCHEDULABLE, [ERR_REASON_ANTI_AFFINITY])
        if not satisfy_existing_pods_anti_affinity(s, node):
            return Status(Code.UNSCHEDULABLE, [ERR_REASON_EXISTING_ANTI_AFFINITY])
        return None

    # -- PreScore / Score ---------------------------------------------------------------------------
    def _process_existing_pod(self, s: PreScoreState, existing: PodInfo, node: Node, incoming: Pod) -> None:
        if not node.metadata.labels:
            return
        m = s.topology_score
        _process_terms(m, s.pod_info.preferred_affinity_terms, existing.pod, None, node, 1)
        _process_terms(m, s.pod_info.preferred_anti_affinity_terms, existing.pod, None, node, -1)
        if self.hard_pod_affinity_weight > 0:
            for t in existing.required_affinity_terms:
                _process_term(m, t, self.hard_pod_affinity_weight, incoming, s.namespace_labels, node, 1)
        _process_terms(m, existing.preferred_affinity_terms, incoming, s.namespace_labels, node, 1)
        _process_terms(m, existing.preferred_anti_affinity_terms, incoming, s.namespace_labels, node, -1)

    def pre_score(self, state: CycleState, pod: Pod, nodes) -> Optional[Status]:
        if not nodes:
            return Status.skip()  # "No nodes to score"
        aff = pod.spec.affinity
        has_constraints = aff is not None and (
            (aff.pod_affinity is not None and bool(aff.pod_affinity.preferred))
            or (aff.pod_anti_affinity is not None and bool(aff.pod_anti_affinity.preferred))
        )
        if self.ignore_preferred_terms_of_existing_pods and not has_constraints:
            return Status.skip()
        snap = self.handle.snapshot
        all_nodes = snap.node_info_list if has_constraints else snap.have_pods_with_affinity_list
        if PodInfo(pod).parse_error:
            return Status.error(f"failed to parse pod: {PodInfo(pod).parse_error}")
        s = PreScoreState(self._pod_info(pod, False), self.handle.namespace_labels(pod.metadata.namespace))
        for ni in all_nodes:
            for existing in (ni.pods if has_constraints else ni.pods_with_affinity):
                self._process_existing_pod(s, existing, ni.node, pod)
        if not s.topology_score:
            return Status.skip()
        state.write(PRE_SCORE_STATE_KEY, s)
        return None

    def score(self, state: CycleState, pod: Pod, node_info: NodeInfo) -> tuple:
        s = state.get(PRE_SCORE_STATE_KEY)
        if s is None:
            return 0, Status.error(f'reading "{PRE_SCORE_STATE_KEY}" from cycleState: not found')
        labels = node_info.node.metadata.labels
        total = 0
        for key, values in s.topology_score.items():
            v = labels.get(key)
            if v is not None:
                total += values.get(v, 0)
        return total, None

    def normalize_score(self, state: CycleState, pod: Pod, scores: list) -> Optional[Status]:
        s = state.get(PRE_SCORE_STATE_KEY)
        if s is None or not s.topology_score:
            return None
        normalize_min_max(scores)
        return None

    def events_to_register(self) -> list:
        return [
            ClusterEventWithHint(ClusterEvent("Pod", "Add|UpdatePodLabel|Delete")),
            ClusterEventWithHint(ClusterEvent("Node", "Add|UpdateNodeLabel")),
        ]
