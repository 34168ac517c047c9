"""TaintToleration: Filter on NoSchedule/NoExecute taints, Score on PreferNoSchedule taints.

Mirrors ``pkg/scheduler/framework/plugins/tainttoleration/taint_toleration.go`` (v1.35; the reason
text ``node(s) had untolerated taint(s)`` of PR #134740) and ``v1.Toleration.ToleratesTaint`` with the
alpha ``TaintTolerationComparisonOperators`` gate (Gt/Lt) off by default.
"""
from __future__ import annotations

import re
from typing import Optional

from k8ssim.api.core import Pod, Taint, Toleration
from k8ssim.scheduler.framework import (
    MAX_NODE_SCORE,
    ClusterEvent,
    ClusterEventWithHint,
    Code,
    CycleState,
    Status,
    default_normalize_score,
)
from k8ssim.scheduler.nodeinfo import NodeInfo

NAME = "TaintToleration"
PRE_SCORE_STATE_KEY = "PreScore" + NAME
ERR_REASON_NOT_MATCH = "node(s) had untolerated taint(s)"
DO_NOT_SCHEDULE_EFFECTS = ("NoSchedule", "NoExecute")
_CANONICAL_INT = re.compile(r"^(0|-?[1-9][0-9]*)$")


class TaintValueError(ValueError):
    pass


def _parse_int64(v: str, what: str) -> int:
    if not _CANONICAL_INT.match(v) or not -(1 << 63) <= int(v) < (1 << 63):
        raise TaintValueError(f'failed to parse {what} value "{v}" as int64: must be a valid decimal integer in canonical form')
    return int(v)


def tolerates(tol: Toleration, taint: Taint, comparison_operators: bool = False) -> bool:
    """``Toleration.ToleratesTaint``. Gt/Lt only with ``comparison_operators`` (the alpha gate);
    raises TaintValueError when a Gt/Lt toleration meets a non-integer taint value."""
    if tol.effect and tol.effect != taint.effect:
        return False
    if tol.key and tol.key != taint.key:
        return False
    op = tol.operator or "Equal"
    if op == "Exists":
        return True
    if op == "Equal":
        return tol.value == taint.value
    if op in ("Gt", "Lt") and comparison_operators:
        tv = _parse_int64(taint.value, "taint")
        v = _parse_int64(tol.value, "toleration")
        return tv > v if op == "Gt" else tv < v
    return False


def tolerations_tolerate_taint(tolerations, taint: Taint, comparison_operators: bool = False) -> bool:
    return any(tolerates(t, taint, comparison_operators) for t in tolerations)


def find_untolerated_taint(taints, tolerations, effects=DO_NOT_SCHEDULE_EFFECTS, comparison_operators: bool = False) -> tuple:
    """``v1helper.FindMatchingUntoleratedTaint`` → ``(taint | None, error | None)``: the first taint
    (in node order) with an effect in ``effects`` that no toleration tolerates."""
    for taint in taints:
        if taint.effect not in effects:
            continue
        err = None
        ok = False
        for t in tolerations:
            try:
                if tolerates(t, taint, comparison_operators):
                    ok = True
                    break
            except TaintValueError as e:
                err = err or e
        if not ok:
            return taint, err
    return None, None


def count_intolerable_taints_prefer_no_schedule(taints, tolerations, comparison_operators: bool = False) -> int:
    """``countIntolerableTaintsPreferNoSchedule``: PreferNoSchedule taints not tolerated by the
    tolerations with effect PreferNoSchedule or empty."""
    tols = [t for t in tolerations if t.effect in ("", "PreferNoSchedule")]
    n = 0
    for taint in taints:
        if taint.effect != "PreferNoSchedule":
            continue
        try:
            if not tolerations_tolerate_taint(tols, taint, comparison_operators):
                n += 1
        except TaintValueError:
            n += 1
    return n


class _PreScoreState:
    __slots__ = ("tolerations",)

    def __init__(self, tolerations):
        self.tolerations = tolerations

    def clone(self):
        return self


class TaintToleration:
    """Args: ``{"featureGates": {"TaintTolerationComparisonOperators": bool}}`` (default off)."""

    name = NAME

    def __init__(self, args: Optional[dict] = None, handle=None):
        gates = (args or {}).get("featureGates") or {}
        self.comparison_operators = bool(gates.get("TaintTolerationComparisonOperators", False))

    def filter(self, state: CycleState, pod: Pod, node_info: NodeInfo) -> Optional[Status]:
        node = node_info.node
        if node is None:
            return Status.error("invalid nodeInfo")
        taint, err = find_untolerated_taint(node.spec.taints, pod.spec.tolerations, DO_NOT_SCHEDULE_EFFECTS, self.comparison_operators)
        if taint is None:
            return None
        if err is not None:
            return Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, (), err=err)
        return Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, [ERR_REASON_NOT_MATCH])

    def pre_score(self, state: CycleState, pod: Pod, nodes) -> Optional[Status]:
        tols = [t for t in pod.spec.tolerations if t.effect in ("", "PreferNoSchedule")]
        state.write(PRE_SCORE_STATE_KEY, _PreScoreState(tols))
        return None

    def score(self, state: CycleState, pod: Pod, node_info: NodeInfo) -> tuple:
        s = state.get(PRE_SCORE_STATE_KEY)
        tols = s.tolerations if s is not None else pod.spec.tolerations
        return count_intolerable_taints_prefer_no_schedule(node_info.node.spec.taints, tols, self.comparison_operators), None

    def normalize_score(self, state: CycleState, pod: Pod, scores: list) -> Optional[Status]:
        default_normalize_score(MAX_NODE_SCORE, True, scores)
        return None

    def events_to_register(self) -> list:
        return [ClusterEventWithHint(ClusterEvent("Node", "Add|UpdateNodeTaint")), ClusterEventWithHint(ClusterEvent("Pod", "UpdatePodToleration"))]
