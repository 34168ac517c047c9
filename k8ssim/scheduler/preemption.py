"""Preemption (the DefaultPreemption PostFilter) and the scheduler's FitError.

Mirrors ``pkg/scheduler/framework/preemption/preemption.go`` (Evaluator.Preempt, findCandidates,
DryRunPreemption, SelectCandidate, pickOneNodeForPreemption, prepareCandidate),
``pkg/scheduler/framework/plugins/defaultpreemption/default_preemption.go`` (SelectVictimsOnNode,
PodEligibleToPreemptOthers, calculateNumCandidates, filterPodsWithPDBViolation),
``pkg/scheduler/util/utils.go`` (MoreImportantPod, GetEarliestPodStartTime) and ``FitError.Error``
of ``pkg/scheduler/framework/types.go``, v1.35.

Deterministic where upstream is not: the dry run visits nodes sequentially from the random offset
(upstream runs 16 workers and stops early; the candidate set is the same when every node is tried),
potential nodes are taken in snapshot order (upstream: map order), victims are sorted stably, and
complete ties in ``pickOneNodeForPreemption`` go to the first candidate in dry-run order (upstream:
map iteration order). The API calls of ``prepareCandidate`` are done by a ``commit`` callback (the
Scheduler component writes to the store; async preemption does not change which node or victims).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Optional

from k8ssim.scheduler.framework import Code, CycleState, PostFilterResult, Status
from k8ssim.scheduler.nodeinfo import NodeInfo

__all__ = [
    "FitError", "NodeToStatus", "Candidate", "Evaluator", "calculate_num_candidates",
    "pick_one_node_for_preemption", "more_important_key", "filter_pods_with_pdb_violation",
    "pod_terminating_by_preemption", "REASON_NOT_HELPFUL", "REASON_NO_VICTIMS",
]

MAX_INT32_PLUS_1 = 2**31
REASON_NOT_HELPFUL = "Preemption is not helpful for scheduling"
REASON_NO_VICTIMS = "No preemption victims found for incoming pod"
NO_NODE_AVAILABLE_MSG = "0/{} nodes are available"
DISRUPTION_TARGET = "DisruptionTarget"
REASON_PREEMPTION_BY_SCHEDULER = "PreemptionByScheduler"


def _prio(pod) -> int:
    p = pod.spec.priority
    return 0 if p is None else p


# -------------------------------------------------------------------------------------- FitError


class NodeToStatus(dict):
    """``framework.NodeToStatus``: node name → Status, plus the status of nodes absent from the map
    (``absent``; upstream's default is UnschedulableAndUnresolvable with no reason)."""

    __slots__ = ("absent",)

    def __init__(self, *a, absent: Optional[Status] = None):
        super().__init__(*a)
        self.absent = absent if absent is not None else Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE)

    def status_of(self, name: str) -> Status:
        s = self.get(name)
        return s if s is not None else self.absent

    def nodes_for_status_code(self, node_infos: list, code: Code) -> list:
        """``NodesForStatusCode`` (in node list order)."""
        if self.absent.code == code:
            return [ni for ni in node_infos if self.status_of(ni.name).code == code]
        return [ni for ni in node_infos if ni.name in self and self[ni.name].code == code]


@dataclass
class FitError(Exception):
    """``framework.FitError``: why a pod fits no node. ``str()`` is upstream's message."""

    num_all_nodes: int
    node_to_status: NodeToStatus = field(default_factory=NodeToStatus)
    unschedulable_plugins: set = field(default_factory=set)
    pending_plugins: set = field(default_factory=set)
    pre_filter_msg: str = ""
    post_filter_msg: str = ""

    def __str__(self) -> str:
        msg = NO_NODE_AVAILABLE_MSG.format(self.num_all_nodes) + ":"
        if self.pre_filter_msg:
            msg += f" {self.pre_filter_msg}."
        else:
            reasons: dict = {}
            for st in self.node_to_status.values():
                for r in st.reasons:
                    reasons[r] = reasons.get(r, 0) + 1
            absent = self.num_all_nodes - len(self.node_to_status)
            if absent > 0:
                for r in self.node_to_status.absent.reasons:
                    reasons[r] = reasons.get(r, 0) + absent
            hist = sorted(f"{v} {k}" for k, v in reasons.items())
            if hist:
                msg += f" {', '.join(hist)}."
        if self.post_filter_msg:
            # appended as " %v." after a message that ends with "." itself: real events read "pod.."
            msg += f" {self.post_filter_msg}."
        return msg

    def error(self) -> str:
        return str(self)


# ----------------------------------------------------------------------------------- helpers


def pod_start_time(pod, now: float) -> float:
    """``GetPodStartTime``: status.startTime, or now for pods that have not started."""
    t = pod.status.start_time
    return now if t is None else t


def more_important_key(pod, now: float) -> tuple:
    """Sort key for ``MoreImportantPod``: higher priority first, then earlier start time."""
    return (-_prio(pod), pod_start_time(pod, now))


def pod_terminating_by_preemption(pod) -> bool:
    """``podTerminatingByPreemption``: being deleted with DisruptionTarget=True/PreemptionByScheduler."""
    if pod.metadata.deletion_timestamp is None:
        return False
    for c in pod.status.conditions:
        if c.type == DISRUPTION_TARGET:
            return c.status == "True" and c.reason == REASON_PREEMPTION_BY_SCHEDULER
    return False


def calculate_num_candidates(num_nodes: int, min_pct: int = 10, min_abs: int = 100) -> int:
    """``calculateNumCandidates``: max(n×pct/100, abs), capped at n."""
    n = num_nodes * min_pct // 100
    if n < min_abs:
        n = min_abs
    if n > num_nodes:
        n = num_nodes
    return n


def filter_pods_with_pdb_violation(pod_infos: list, pdbs: list) -> tuple:
    """``filterPodsWithPDBViolation``: split (order kept) into PDB-violating and the rest."""
    allowed = [p.status.disruptions_allowed for p in pdbs]
    violating, non_violating = [], []
    for pi in pod_infos:
        pod = pi.pod
        violated = False
        if pod.metadata.labels:
            for i, pdb in enumerate(pdbs):
                if pdb.metadata.namespace != pod.metadata.namespace:
                    continue
                sel = pdb.spec.selector
                if sel is None or sel.is_empty() or not sel.matches(pod.metadata.labels):
                    continue
                if pod.metadata.name in (pdb.status.disrupted_pods or {}):
                    continue
                allowed[i] -= 1
                if allowed[i] < 0:
                    violated = True
        (violating if violated else non_violating).append(pi)
    return violating, non_violating


@dataclass
class Candidate:
    """A node where preemption makes the pod fit: victims (Pods, most important first)."""

    name: str
    victims: list
    num_pdb_violations: int = 0


def _earliest_start_of_highest(victims: list, now: float) -> float:
    """``GetEarliestPodStartTime``: earliest start among the victims of the highest priority."""
    best_t = pod_start_time(victims[0], now)
    max_p = _prio(victims[0])
    for p in victims:
        pp = _prio(p)
        if pp == max_p:
            t = pod_start_time(p, now)
            if t < best_t:
                best_t = t
        elif pp > max_p:
            max_p = pp
            best_t = pod_start_time(p, now)
    return best_t


def pick_one_node_for_preemption(nodes_to_victims: dict, now: float = 0.0) -> str:
    """``pickOneNodeForPreemption``: ``nodes_to_victims`` is name → (victim pods sorted by importance,
    num PDB violations), in candidate order. Score functions in order, keeping the max each time."""
    if not nodes_to_victims:
        return ""
    cands = list(nodes_to_victims)

    def f_pdb(n):
        return -nodes_to_victims[n][1]

    def f_highest(n):
        return -_prio(nodes_to_victims[n][0][0])

    def f_sum(n):
        return -sum(_prio(p) + MAX_INT32_PLUS_1 for p in nodes_to_victims[n][0])

    def f_count(n):
        return -len(nodes_to_victims[n][0])

    def f_latest_start(n):
        return _earliest_start_of_highest(nodes_to_victims[n][0], now)

    for f in (f_pdb, f_highest, f_sum, f_count, f_latest_start):
        best = None
        sel = []
        for n in cands:
            s = f(n)
            if best is None or s > best:
                best, sel = s, [n]
            elif s == best:
                sel.append(n)
        if len(sel) == 1:
            return sel[0]
        cands = sel
    return cands[0]


# ------------------------------------------------------------------------------------- Evaluator


class Evaluator:
    """``preemption.Evaluator`` with the DefaultPreemption policy.

    :param fwk: the profile's Framework (Filter / PreFilter extensions).
    :param snapshot: ``() -> Snapshot`` (``node_info_list`` in node-tree order and ``get(name)``).
    :param nominated_pods: ``node_name -> [PodInfo]`` of pods nominated there (the nominator).
    :param pdbs: ``() -> [PodDisruptionBudget]``.
    :param rng: a numpy Generator (``integers``) for the dry-run offset.
    :param now: ``() -> float``, the current time (start time of pods that have not started).
    :param commit: ``(preemptor, Candidate) -> Status | None``: evict the victims and clear
        lower-priority nominations (``prepareCandidate``); None means nothing to do.
    :param get_pod: ``pod -> pod | None``: the latest version of the preemptor (lister).
    """

    def __init__(self, fwk, *, snapshot: Callable, nominated_pods: Callable[[str], list] = lambda n: [],
                 pdbs: Callable[[], list] = lambda: [], rng=None, now: Callable[[], float] = lambda: 0.0,
                 commit: Optional[Callable] = None, get_pod: Optional[Callable] = None,
                 min_candidate_nodes_percentage: int = 10, min_candidate_nodes_absolute: int = 100):
        self.fwk = fwk
        self.snapshot = snapshot
        self.nominated_pods = nominated_pods
        self.pdbs = pdbs
        self.rng = rng
        self.now = now
        self.commit = commit
        self.get_pod = get_pod
        self.min_pct = min_candidate_nodes_percentage
        self.min_abs = min_candidate_nodes_absolute
        self.last_candidate: Optional[Candidate] = None
        """The candidate chosen by the last successful :meth:`preempt` (for explain)."""

    # -- eligibility ----------------------------------------------------------------------------
    def _nominated_ge(self, pod, node_name: str) -> list:
        p = _prio(pod)
        return [pi for pi in self.nominated_pods(node_name) if _prio(pi.pod) >= p]

    def pod_eligible_to_preempt_others(self, pod, nominated_node_status: Optional[Status]) -> tuple:
        """``PodEligibleToPreemptOthers`` → (eligible, message)."""
        if pod.spec.preemption_policy == "Never":
            return False, "not eligible due to preemptionPolicy=Never."
        nnn = pod.status.nominated_node_name
        if nnn:
            if nominated_node_status is not None and nominated_node_status.code == Code.UNSCHEDULABLE_AND_UNRESOLVABLE:
                return True, ""
            ni = self.snapshot().get(nnn)
            if ni is not None:
                pp = _prio(pod)
                for pi in ni.pods:
                    if _prio(pi.pod) < pp and pod_terminating_by_preemption(pi.pod):
                        return False, "not eligible due to a terminating pod on the nominated node."
        return True, ""

    # -- victims --------------------------------------------------------------------------------
    def select_victims_on_node(self, state: CycleState, pod, node_info: NodeInfo, pdbs: list) -> tuple:
        """``SelectVictimsOnNode`` on a copy of ``node_info`` and ``state`` (the caller copies)
        → (victim pods most important first, number of PDB violations, Status)."""
        fwk = self.fwk
        pp = _prio(pod)
        potential = [pi for pi in node_info.pods if _prio(pi.pod) < pp]
        for pi in potential:
            node_info.remove_pod(pi)
            s = fwk.run_pre_filter_extension_remove_pod(state, pod, pi, node_info)
            if not s.is_success():
                return [], 0, s
        if not potential:
            return [], 0, Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, [REASON_NO_VICTIMS])
        nominated = self._nominated_ge(pod, node_info.name)
        s = fwk.run_filter_plugins_with_nominated_pods(state, pod, node_info, nominated)
        if not s.is_success():
            return [], 0, s
        now = self.now()
        potential.sort(key=lambda pi: more_important_key(pi.pod, now))
        violating, non_violating = filter_pods_with_pdb_violation(potential, pdbs)
        victims: list = []

        def reprieve(pi) -> bool:
            node_info.add_pod(pi)
            st = fwk.run_pre_filter_extension_add_pod(state, pod, pi, node_info)
            if not st.is_success():
                raise _Abort(st)
            fits = fwk.run_filter_plugins_with_nominated_pods(state, pod, node_info, nominated).is_success()
            if not fits:
                node_info.remove_pod(pi)
                st = fwk.run_pre_filter_extension_remove_pod(state, pod, pi, node_info)
                if not st.is_success():
                    raise _Abort(st)
                victims.append(pi)
            return fits

        violations = 0
        try:
            for pi in violating:
                if not reprieve(pi):
                    violations += 1
            for pi in non_violating:
                reprieve(pi)
        except _Abort as a:
            return [], 0, a.status
        if violating and non_violating:
            victims.sort(key=lambda pi: more_important_key(pi.pod, now))
        return [pi.pod for pi in victims], violations, Status()

    def dry_run_preemption(self, state: CycleState, pod, potential: list, pdbs: list, offset: int,
                           num_candidates: int) -> tuple:
        """``DryRunPreemption`` → (candidates: non-violating first, NodeToStatus of the rest)."""
        non_violating: list = []
        violating: list = []
        statuses = NodeToStatus()
        n = len(potential)
        for i in range(n):
            ni = potential[(offset + i) % n]
            victims, nviol, s = self.select_victims_on_node(state.clone(), pod, ni.snapshot(), pdbs)
            if s.is_success() and victims:
                c = Candidate(ni.name, victims, nviol)
                (non_violating if nviol == 0 else violating).append(c)
                if non_violating and len(non_violating) + len(violating) >= num_candidates:
                    break
                continue
            if s.is_success():
                s = Status.error(f'expected at least one victim pod on node "{ni.name}"')
            statuses[ni.name] = s
        return non_violating + violating, statuses

    def find_candidates(self, state: CycleState, pod, m: NodeToStatus) -> tuple:
        """``findCandidates`` → (candidates, NodeToStatus)."""
        all_nodes = self.snapshot().node_info_list
        potential = m.nodes_for_status_code(all_nodes, Code.UNSCHEDULABLE)
        if not potential:
            return [], NodeToStatus()
        pdbs = self.pdbs()
        n = len(potential)
        offset = int(self.rng.integers(n)) if self.rng is not None else 0
        k = calculate_num_candidates(n, self.min_pct, self.min_abs)
        return self.dry_run_preemption(state, pod, potential, pdbs, offset, k)

    def select_candidate(self, candidates: list) -> Optional[Candidate]:
        """``SelectCandidate``."""
        if not candidates:
            return None
        if len(candidates) == 1:
            return candidates[0]
        m = {c.name: (c.victims, c.num_pdb_violations) for c in candidates}
        name = pick_one_node_for_preemption(m, self.now())
        for c in candidates:
            if c.name == name:
                return c
        return candidates[0]

    # -- the whole PostFilter -------------------------------------------------------------------
    def preempt(self, state: CycleState, pod, m: NodeToStatus) -> tuple:
        """``Evaluator.Preempt`` → (PostFilterResult | None, Status)."""
        self.last_candidate = None
        if self.get_pod is not None:
            latest = self.get_pod(pod)
            if latest is None:
                return None, Status.error(f'pods "{pod.metadata.name}" not found')
            pod = latest
        ok, msg = self.pod_eligible_to_preempt_others(pod, m.status_of(pod.status.nominated_node_name))
        if not ok:
            return None, Status(Code.UNSCHEDULABLE, [msg])
        all_nodes = self.snapshot().node_info_list
        if not all_nodes:
            return None, Status.error("no nodes available")
        candidates, statuses = self.find_candidates(state, pod, m)
        if not candidates:
            errs = [s for s in statuses.values() if s.code == Code.ERROR]
            if errs:
                return None, errs[0]
            statuses.absent = Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, [REASON_NOT_HELPFUL])
            fe = FitError(len(all_nodes), statuses)
            return PostFilterResult(""), Status(Code.UNSCHEDULABLE, [str(fe)])
        best = self.select_candidate(candidates)
        if best is None or not best.name:
            return None, Status(Code.UNSCHEDULABLE, ["no candidate node for preemption"])
        if self.commit is not None:
            s = self.commit(pod, best)
            if s is not None and not s.is_success():
                return None, s
        self.last_candidate = best
        return PostFilterResult(best.name), Status()


class _Abort(Exception):
    def __init__(self, status: Status):
        super().__init__(status.message())
        self.status = status
