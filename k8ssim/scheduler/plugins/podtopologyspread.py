"""PodTopologySpread: hard spread constraints (DoNotSchedule) as a Filter, soft ones
(ScheduleAnyway) as a Score; system default constraints for pods without any.

Mirrors ``pkg/scheduler/framework/plugins/podtopologyspread/{plugin.go, common.go, filtering.go,
scoring.go}`` and ``plugins/helper/spread.go`` (v1.35; NodeInclusionPolicy and matchLabelKeys on).
A null selector matches nothing; an empty one counts no pods (``countPodsMatchSelector``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Optional

from k8ssim.api.core import Node, Pod, TopologySpreadConstraint
from k8ssim.api.meta import LabelSelector, LabelSelectorRequirement
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
from k8ssim.scheduler.nodeinfo import NodeInfo, PodInfo
from k8ssim.scheduler.plugins.nodeaffinity import RequiredNodeAffinity
from k8ssim.scheduler.plugins.tainttoleration import find_untolerated_taint

NAME = "PodTopologySpread"
PRE_FILTER_STATE_KEY = "PreFilter" + NAME
PRE_SCORE_STATE_KEY = "PreScore" + NAME
ERR_REASON_CONSTRAINTS_NOT_MATCH = "node(s) didn't match pod topology spread constraints"
ERR_REASON_NODE_LABEL_NOT_MATCH = ERR_REASON_CONSTRAINTS_NOT_MATCH + " (missing required label)"
LABEL_HOSTNAME = "kubernetes.io/hostname"
LABEL_ZONE = "topology.kubernetes.io/zone"
SYSTEM_DEFAULTING = "System"
LIST_DEFAULTING = "List"
SYSTEM_DEFAULT_CONSTRAINTS = (
    TopologySpreadConstraint(max_skew=3, topology_key=LABEL_HOSTNAME, when_unsatisfiable="ScheduleAnyway"),
    TopologySpreadConstraint(max_skew=5, topology_key=LABEL_ZONE, when_unsatisfiable="ScheduleAnyway"),
)
_MAX_INT32 = (1 << 31) - 1


@dataclass(slots=True)
class Constraint:
    """``topologySpreadConstraint``: selector None is ``labels.Nothing()``."""

    max_skew: int
    topology_key: str
    selector: Optional[LabelSelector]
    min_domains: int = 1
    node_affinity_policy: str = "Honor"
    node_taints_policy: str = "Ignore"

    def selector_matches(self, labels: dict) -> bool:
        return self.selector is not None and self.selector.matches(labels)

    def selector_empty(self) -> bool:
        """``labels.Selector.Empty()``: true for Everything, false for Nothing."""
        return self.selector is not None and self.selector.is_empty()

    def match_node_inclusion_policies(self, pod: Pod, node: Node, required: RequiredNodeAffinity) -> bool:
        if self.node_affinity_policy == "Honor" and not required.match(node):
            return False
        if self.node_taints_policy == "Honor":
            taint, _ = find_untolerated_taint(node.spec.taints, pod.spec.tolerations)
            if taint is not None:
                return False
        return True


def merge_label_set_with_selector(match_labels: dict, selector: Optional[LabelSelector]) -> Optional[LabelSelector]:
    """``mergeLabelSetWithSelector``: AND the pod's matchLabelKeys values into the selector."""
    if selector is None:
        return None  # Nothing stays Nothing
    return LabelSelector(
        match_labels=dict(selector.match_labels),
        match_expressions=list(selector.match_expressions)
        + [LabelSelectorRequirement(k, "In", (v,)) for k, v in sorted(match_labels.items())],
    )


def filter_constraints(constraints, pod_labels: dict, action: str) -> list:
    """``filterTopologySpreadConstraints``: the constraints with ``whenUnsatisfiable == action``,
    with defaults (minDomains 1, nodeAffinityPolicy Honor, nodeTaintsPolicy Ignore)."""
    out = []
    for c in constraints:
        if c.when_unsatisfiable != action:
            continue
        sel = c.label_selector
        if c.match_label_keys:
            ml = {k: pod_labels[k] for k in c.match_label_keys if k in pod_labels}
            if ml:
                sel = merge_label_set_with_selector(ml, sel)
        out.append(
            Constraint(
                c.max_skew,
                c.topology_key,
                sel,
                c.min_domains if c.min_domains is not None else 1,
                c.node_affinity_policy or "Honor",
                c.node_taints_policy or "Ignore",
            )
        )
    return out


def node_labels_match_spread_constraints(labels: dict, constraints) -> bool:
    return all(c.topology_key in labels for c in constraints)


def count_pods_match_selector(pod_infos, c: Constraint, ns: str) -> int:
    """``countPodsMatchSelector``: non-terminating pods of namespace ``ns`` matching the selector
    (0 for an empty selector)."""
    if c.selector is None or c.selector.is_empty():
        return 0
    n = 0
    for pi in pod_infos:
        p = pi.pod
        if p.metadata.deletion_timestamp is not None or p.metadata.namespace != ns:
            continue
        if c.selector.matches(p.metadata.labels):
            n += 1
    return n


def default_selector(selectors) -> LabelSelector:
    """``helper.DefaultSelector``: the AND of the selectors of the Services/RCs/RSs/StatefulSets
    selecting the pod (empty when none)."""
    ml: dict = {}
    exprs: list = []
    for s in selectors:
        if s is None:
            continue
        if isinstance(s, dict):
            ml.update(s)
            continue
        ml.update(s.match_labels)
        exprs.extend(s.match_expressions)
    return LabelSelector(match_labels=ml, match_expressions=exprs)


def topology_normalizing_weight(size: int) -> float:
    return math.log(float(size + 2))


def score_for_count(cnt: int, max_skew: int, tp_weight: float) -> float:
    return float(cnt) * tp_weight + float(max_skew - 1)


def go_round(x: float) -> int:
    return int(math.floor(x + 0.5)) if x >= 0 else -int(math.floor(-x + 0.5))


class CriticalPaths:
    """``criticalPaths``: the two smallest (value, matchNum) pairs, updated incrementally."""

    __slots__ = ("p",)

    def __init__(self):
        self.p = [["", _MAX_INT32], ["", _MAX_INT32]]

    def update(self, tp_val: str, num: int) -> None:
        p = self.p
        i = 0 if tp_val == p[0][0] else 1 if tp_val == p[1][0] else -1
        if i >= 0:
            p[i][1] = num
            if p[0][1] > p[1][1]:
                p[0], p[1] = p[1], p[0]
        elif num < p[0][1]:
            p[1] = p[0]
            p[0] = [tp_val, num]
        elif num < p[1][1]:
            p[1] = [tp_val, num]

    def clone(self) -> "CriticalPaths":
        c = CriticalPaths()
        c.p = [list(self.p[0]), list(self.p[1])]
        return c


class PreFilterState:
    __slots__ = ("constraints", "critical_paths", "tp_value_to_match_num")

    def __init__(self, constraints=()):
        self.constraints: list = list(constraints)
        self.critical_paths: list = [CriticalPaths() for _ in self.constraints]
        self.tp_value_to_match_num: list = [{} for _ in self.constraints]

    def min_match_num(self, i: int, min_domains: int) -> int:
        m = self.critical_paths[i].p[0][1]
        if len(self.tp_value_to_match_num[i]) < min_domains:
            m = 0
        return m

    def clone(self) -> "PreFilterState":
        c = PreFilterState.__new__(PreFilterState)
        c.constraints = self.constraints
        c.critical_paths = [cp.clone() for cp in self.critical_paths]
        c.tp_value_to_match_num = [dict(m) for m in self.tp_value_to_match_num]
        return c

    def update_with_pod(self, pi: PodInfo, preemptor: Pod, node: Optional[Node], delta: int) -> None:
        if pi.pod.metadata.namespace != preemptor.metadata.namespace or node is None:
            return
        if not node_labels_match_spread_constraints(node.metadata.labels, self.constraints):
            return
        required = RequiredNodeAffinity(preemptor)
        for i, c in enumerate(self.constraints):
            if not c.selector_matches(pi.pod.metadata.labels):
                continue
            if not c.match_node_inclusion_policies(preemptor, node, required):
                continue
            v = node.metadata.labels[c.topology_key]
            m = self.tp_value_to_match_num[i]
            m[v] = m.get(v, 0) + delta
            self.critical_paths[i].update(v, m[v])


class PreScoreState:
    __slots__ = ("constraints", "ignored_nodes", "topology_value_to_pod_counts", "topology_normalizing_weight")

    def __init__(self):
        self.constraints: list = []
        self.ignored_nodes: set = set()
        self.topology_value_to_pod_counts: list = []
        self.topology_normalizing_weight: list = []

    def clone(self):
        return self


def _parse_default_constraints(items) -> tuple:
    out = []
    for c in items or ():
        if isinstance(c, TopologySpreadConstraint):
            out.append(c)
            continue
        if c.get("labelSelector") is not None:
            raise FrameworkError("defaultConstraints[].labelSelector: Forbidden: constraint must not define a selector, as they deduced for each pod")
        out.append(
            TopologySpreadConstraint(
                max_skew=int(c.get("maxSkew", 1)),
                topology_key=c.get("topologyKey", ""),
                when_unsatisfiable=c.get("whenUnsatisfiable", "DoNotSchedule"),
            )
        )
    return tuple(out)


class PodTopologySpread:
    """Args (``PodTopologySpreadArgs``): ``defaultConstraints`` (v1 constraints without selector),
    ``defaultingType`` System (default) | List. The handle's ``selectors_for_pod`` gives the
    selectors of the Services/RCs/RSs/StatefulSets selecting a pod (system default constraints)."""

    name = NAME

    def __init__(self, args: Optional[dict] = None, handle: Optional[Handle] = None):
        args = args or {}
        self.handle = handle if handle is not None else Handle()
        defaulting = args.get("defaultingType") or SYSTEM_DEFAULTING
        if defaulting not in (SYSTEM_DEFAULTING, LIST_DEFAULTING):
            raise FrameworkError(f'defaultingType: Unsupported value: "{defaulting}": supported values: "List", "System"')
        constraints = _parse_default_constraints(args.get("defaultConstraints"))
        if defaulting == SYSTEM_DEFAULTING:
            if constraints:
                raise FrameworkError("defaultConstraints: Invalid value: when .defaultingType is \"System\", .defaultConstraints must be empty")
            constraints = SYSTEM_DEFAULT_CONSTRAINTS
        self.default_constraints = constraints
        self.system_defaulted = defaulting == SYSTEM_DEFAULTING

    # -- constraints --------------------------------------------------------------------------------
    def _selectors_for(self, pod: Pod) -> list:
        f: Callable = self.handle.selectors_for_pod
        return list(f(pod) or ())

    def build_default_constraints(self, pod: Pod, action: str) -> list:
        constraints = filter_constraints(self.default_constraints, pod.metadata.labels, action)
        if not constraints:
            return []
        sel = default_selector(self._selectors_for(pod))
        if sel.is_empty():
            return []
        for c in constraints:
            c.selector = sel
        return constraints

    def get_constraints(self, pod: Pod, action: str) -> list:
        if pod.spec.topology_spread_constraints:
            return filter_constraints(pod.spec.topology_spread_constraints, pod.metadata.labels, action)
        return self.build_default_constraints(pod, action)

    # -- PreFilter / Filter -------------------------------------------------------------------------
    def cal_pre_filter_state(self, pod: Pod, all_nodes) -> PreFilterState:
        constraints = self.get_constraints(pod, "DoNotSchedule")
        if not constraints:
            return PreFilterState()
        s = PreFilterState(constraints)
        required = RequiredNodeAffinity(pod)
        ns = pod.metadata.namespace
        for ni in all_nodes:
            node = ni.node
            if node is None or not node_labels_match_spread_constraints(node.metadata.labels, constraints):
                continue
            for i, c in enumerate(constraints):
                if not c.match_node_inclusion_policies(pod, node, required):
                    continue
                v = node.metadata.labels[c.topology_key]
                m = s.tp_value_to_match_num[i]
                m[v] = m.get(v, 0) + count_pods_match_selector(ni.pods, c, ns)
        for i in range(len(constraints)):
            for v, num in s.tp_value_to_match_num[i].items():
                s.critical_paths[i].update(v, num)
        return s

    def pre_filter(self, state: CycleState, pod: Pod, nodes) -> tuple:
        all_nodes = nodes if nodes is not None else self.handle.snapshot.node_info_list
        s = self.cal_pre_filter_state(pod, all_nodes)
        if not s.constraints:
            return None, Status.skip()
        state.write(PRE_FILTER_STATE_KEY, s)
        return None, None

    def add_pod(self, state: CycleState, pod_to_schedule: Pod, pod_info_to_add: PodInfo, node_info: NodeInfo) -> Optional[Status]:
        s = state.get(PRE_FILTER_STATE_KEY)
        if s is not None:
            s.update_with_pod(pod_info_to_add, pod_to_schedule, node_info.node, 1)
        return None

    def remove_pod(self, state: CycleState, pod_to_schedule: Pod, pod_info_to_remove: PodInfo, node_info: NodeInfo) -> Optional[Status]:
        s = state.get(PRE_FILTER_STATE_KEY)
        if s is not None:
            s.update_with_pod(pod_info_to_remove, pod_to_schedule, node_info.node, -1)
        return None

    def filter(self, state: CycleState, pod: Pod, node_info: NodeInfo) -> Optional[Status]:
        s = state.get(PRE_FILTER_STATE_KEY)
        if s is None:
            return Status.error(f'reading "{PRE_FILTER_STATE_KEY}" from cycleState: not found')
        if not s.constraints:
            return None
        labels = node_info.node.metadata.labels
        for i, c in enumerate(s.constraints):
            tp_val = labels.get(c.topology_key)
            if tp_val is None:
                return Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, [ERR_REASON_NODE_LABEL_NOT_MATCH])
            min_match = s.min_match_num(i, c.min_domains)
            self_match = 1 if c.selector_matches(pod.metadata.labels) else 0
            match_num = s.tp_value_to_match_num[i].get(tp_val, 0)
            if match_num + self_match - min_match > c.max_skew:
                return Status(Code.UNSCHEDULABLE, [ERR_REASON_CONSTRAINTS_NOT_MATCH])
        return None

    # -- PreScore / Score ---------------------------------------------------------------------------
    def pre_score(self, state: CycleState, pod: Pod, nodes) -> Optional[Status]:
        all_nodes = self.handle.snapshot.node_info_list
        if not nodes or not all_nodes:
            return Status.skip()
        s = PreScoreState()
        require_all = bool(pod.spec.topology_spread_constraints) or not self.system_defaulted
        s.constraints = self.get_constraints(pod, "ScheduleAnyway")
        if not s.constraints:
            return Status.skip()
        n_c = len(s.constraints)
        s.topology_value_to_pod_counts = [{} for _ in range(n_c)]
        topo_size = [0] * n_c
        for ni in nodes:
            labels = ni.node.metadata.labels
            if require_all and not node_labels_match_spread_constraints(labels, s.constraints):
                s.ignored_nodes.add(ni.name)
                continue
            for i, c in enumerate(s.constraints):
                if c.topology_key == LABEL_HOSTNAME:
                    continue
                v = labels.get(c.topology_key, "")
                if v not in s.topology_value_to_pod_counts[i]:
                    s.topology_value_to_pod_counts[i][v] = 0
                    topo_size[i] += 1
        for i, c in enumerate(s.constraints):
            sz = topo_size[i]
            if c.topology_key == LABEL_HOSTNAME:
                sz = len(nodes) - len(s.ignored_nodes)
            s.topology_normalizing_weight.append(topology_normalizing_weight(sz))
        required = RequiredNodeAffinity(pod)
        ns = pod.metadata.namespace
        for ni in all_nodes:
            node = ni.node
            if require_all and not node_labels_match_spread_constraints(node.metadata.labels, s.constraints):
                continue
            for i, c in enumerate(s.constraints):
                if not c.match_node_inclusion_policies(pod, node, required):
                    continue
                v = node.metadata.labels.get(c.topology_key, "")
                counts = s.topology_value_to_pod_counts[i]
                if v not in counts:
                    continue
                counts[v] += count_pods_match_selector(ni.pods, c, ns)
        state.write(PRE_SCORE_STATE_KEY, s)
        return None

    def score(self, state: CycleState, pod: Pod, node_info: NodeInfo) -> tuple:
        s = state.get(PRE_SCORE_STATE_KEY)
        if s is None:
            return 0, Status.error(f'reading "{PRE_SCORE_STATE_KEY}" from cycleState: not found')
        if node_info.name in s.ignored_nodes:
            return 0, None
        labels = node_info.node.metadata.labels
        score = 0.0
        for i, c in enumerate(s.constraints):
            tp_val = labels.get(c.topology_key)
            if tp_val is None:
                continue
            if c.topology_key == LABEL_HOSTNAME:
                cnt = count_pods_match_selector(node_info.pods, c, pod.metadata.namespace)
            else:
                cnt = s.topology_value_to_pod_counts[i].get(tp_val, 0)
            score += score_for_count(cnt, c.max_skew, s.topology_normalizing_weight[i])
        return go_round(score), None

    def normalize_score(self, state: CycleState, pod: Pod, scores: list) -> Optional[Status]:
        s = state.get(PRE_SCORE_STATE_KEY)
        if s is None:
            return None
        min_score = (1 << 63) - 1
        max_score = 0
        for ns in scores:
            if ns.name in s.ignored_nodes:
                continue
            min_score = min(min_score, ns.score)
            max_score = max(max_score, ns.score)
        for ns in scores:
            if ns.name in s.ignored_nodes:
                ns.score = 0
            elif max_score == 0:
                ns.score = MAX_NODE_SCORE
            else:
                ns.score = MAX_NODE_SCORE * (max_score + min_score - ns.score) // max_score
        return None

    def events_to_register(self) -> list:
        return [
            ClusterEventWithHint(ClusterEvent("Pod", "Add|UpdatePodLabel|Delete")),
            ClusterEventWithHint(ClusterEvent("Node", "Add|Delete|UpdateNodeLabel|UpdateNodeTaint")),
        ]
