"""NodeAffinity: ``spec.nodeSelector`` and required/preferred node affinity (plus the profile's
``addedAffinity``).

Mirrors ``pkg/scheduler/framework/plugins/nodeaffinity/node_affinity.go`` and
``k8s.io/component-helpers/scheduling/corev1/nodeaffinity/nodeaffinity.go`` (v1.35): terms are
ORed, requirements in a term ANDed, an empty term or one with an invalid requirement matches
nothing, matchFields supports ``metadata.name`` In/NotIn with one value.
"""
from __future__ import annotations

import re
from typing import Optional

from k8ssim.api.core import Node, NodeAffinity, NodeSelectorRequirement, NodeSelectorTerm, Pod
from k8ssim.scheduler.framework import (
    MAX_NODE_SCORE,
    ClusterEvent,
    ClusterEventWithHint,
    CycleState,
    FrameworkError,
    PreFilterResult,
    Status,
    default_normalize_score,
)
from k8ssim.scheduler.nodeinfo import NodeInfo

NAME = "NodeAffinity"
PRE_FILTER_STATE_KEY = "PreFilter" + NAME
PRE_SCORE_STATE_KEY = "PreScore" + NAME
ERR_REASON_POD = "node(s) didn't match Pod's node affinity/selector"
ERR_REASON_ENFORCED = "node(s) didn't match scheduler-enforced node affinity"
ERR_REASON_CONFLICT = "pod affinity terms conflict"
OBJECT_NAME_FIELD = "metadata.name"
_INT64 = re.compile(r"^[+-]?[0-9]+$")


def _int64(v: str) -> Optional[int]:
    if not _INT64.match(v or ""):
        return None
    n = int(v)
    return n if -(1 << 63) <= n < (1 << 63) else None


def requirement_valid(r: NodeSelectorRequirement) -> bool:
    """``labels.NewRequirement`` value-count rules for node selector operators."""
    op = r.operator
    if op in ("In", "NotIn"):
        return len(r.values) > 0
    if op in ("Exists", "DoesNotExist"):
        return len(r.values) == 0
    if op in ("Gt", "Lt"):
        return len(r.values) == 1 and _int64(r.values[0]) is not None
    return False


def requirement_matches(r: NodeSelectorRequirement, labels: dict) -> bool:
    """``labels.Requirement.Matches`` for a valid requirement."""
    op = r.operator
    has = r.key in labels
    if op == "In":
        return has and labels[r.key] in r.values
    if op == "NotIn":
        return not has or labels[r.key] not in r.values
    if op == "Exists":
        return has
    if op == "DoesNotExist":
        return not has
    if op in ("Gt", "Lt"):
        if not has:
            return False
        lv = _int64(labels[r.key])
        if lv is None:
            return False
        rv = _int64(r.values[0])
        return lv > rv if op == "Gt" else lv < rv
    return False


def field_requirement_matches(r: NodeSelectorRequirement, node_name: str) -> Optional[bool]:
    """``metadata.name`` In/NotIn with exactly one value; None when the requirement is invalid."""
    if r.key != OBJECT_NAME_FIELD or len(r.values) != 1:
        return None
    if r.operator == "In":
        return node_name == r.values[0]
    if r.operator == "NotIn":
        return node_name != r.values[0]
    return None


def term_matches(term: NodeSelectorTerm, node: Node) -> bool:
    """``nodeSelectorTerm.match``: empty or invalid terms match nothing."""
    if not term.match_expressions and not term.match_fields:
        return False
    labels = node.metadata.labels
    for r in term.match_expressions:
        if not requirement_valid(r) or not requirement_matches(r, labels):
            return False
    for r in term.match_fields:
        m = field_requirement_matches(r, node.metadata.name)
        if not m:
            return False
    return True


def node_selector_terms_match(terms, node: Node) -> bool:
    """A NodeSelector: any term matches (no terms: nothing)."""
    return any(term_matches(t, node) for t in terms)


def preferred_score(preferred, node: Node) -> int:
    """``PreferredSchedulingTerms.Score``: Σ weights of matching terms (weight 0 ignored)."""
    total = 0
    for p in preferred:
        if p.weight == 0:
            continue
        if term_matches(p.preference, node):
            total += p.weight
    return total


class RequiredNodeAffinity:
    """``nodeaffinity.GetRequiredNodeAffinity(pod)``: nodeSelector AND required terms."""

    __slots__ = ("node_selector", "required")

    def __init__(self, pod: Pod):
        self.node_selector = dict(pod.spec.node_selector or {})
        aff = pod.spec.affinity
        na = aff.node_affinity if aff is not None else None
        self.required = na.required if na is not None else None

    def match(self, node: Node) -> bool:
        labels = node.metadata.labels
        for k, v in self.node_selector.items():
            if labels.get(k) != v:
                return False
        if self.required is not None:
            return node_selector_terms_match(self.required, node)
        return True

    def clone(self):
        return self


def _pod_required_terms(pod: Pod):
    aff = pod.spec.affinity
    if aff is None or aff.node_affinity is None:
        return None
    return aff.node_affinity.required


def _pod_preferred_terms(pod: Pod):
    aff = pod.spec.affinity
    if aff is None or aff.node_affinity is None or not aff.node_affinity.preferred:
        return None
    return aff.node_affinity.preferred


class NodeAffinityPlugin:
    """Args (``NodeAffinityArgs``): ``addedAffinity`` — a NodeAffinity (typed) or its v1 dict."""

    name = NAME

    def __init__(self, args: Optional[dict] = None, handle=None):
        added = (args or {}).get("addedAffinity")
        if isinstance(added, dict):
            from k8ssim.api import decode

            added = decode.node_affinity(added)
        if added is not None and not isinstance(added, NodeAffinity):
            raise FrameworkError("addedAffinity: must be a node affinity")
        self.added_required = added.required if added is not None else None
        self.added_preferred = tuple(added.preferred) if added is not None and added.preferred else None

    # PreFilter / Filter
    def pre_filter(self, state: CycleState, pod: Pod, nodes) -> tuple:
        required = _pod_required_terms(pod)
        no_node_affinity = required is None
        if no_node_affinity and self.added_required is None and not pod.spec.node_selector:
            return None, Status.skip()
        state.write(PRE_FILTER_STATE_KEY, RequiredNodeAffinity(pod))
        if no_node_affinity or len(required) == 0:
            return None, None
        node_names: Optional[set] = None
        for t in required:
            term_names: Optional[set] = None
            for r in t.match_fields:
                if r.key == OBJECT_NAME_FIELD and r.operator == "In":
                    s = set(r.values)
                    term_names = s if term_names is None else term_names & s
            if term_names is None:
                return None, None  # a term without a name constraint: every node is eligible
            node_names = term_names if node_names is None else node_names | term_names
        if node_names is not None and not node_names:
            return None, Status.unresolvable(ERR_REASON_CONFLICT)
        if node_names:
            return PreFilterResult(node_names), None
        return None, None

    def filter(self, state: CycleState, pod: Pod, node_info: NodeInfo) -> Optional[Status]:
        node = node_info.node
        if node is None:
            return Status.error("node not found")
        if self.added_required is not None and not node_selector_terms_match(self.added_required, node):
            return Status.unresolvable(ERR_REASON_ENFORCED)
        s = state.get(PRE_FILTER_STATE_KEY) or RequiredNodeAffinity(pod)
        if not s.match(node):
            return Status.unresolvable(ERR_REASON_POD)
        return None

    # PreScore / Score
    def pre_score(self, state: CycleState, pod: Pod, nodes) -> Optional[Status]:
        pref = _pod_preferred_terms(pod)
        if pref is None and self.added_preferred is None:
            return Status.skip()
        state.write(PRE_SCORE_STATE_KEY, pref)
        return None

    def score(self, state: CycleState, pod: Pod, node_info: NodeInfo) -> tuple:
        node = node_info.node
        count = 0
        if self.added_preferred is not None:
            count += preferred_score(self.added_preferred, node)
        pref = state.get(PRE_SCORE_STATE_KEY) if PRE_SCORE_STATE_KEY in state else _pod_preferred_terms(pod)
        if pref:
            count += preferred_score(pref, node)
        return count, None

    def normalize_score(self, state: CycleState, pod: Pod, scores: list) -> Optional[Status]:
        default_normalize_score(MAX_NODE_SCORE, False, scores)
        return None

    def events_to_register(self) -> list:
        return [ClusterEventWithHint(ClusterEvent("Node", "Add|UpdateNodeLabel"))]


