"""DefaultPreemption: the PostFilter plugin that preempts lower-priority pods.

Mirrors ``pkg/scheduler/framework/plugins/defaultpreemption/default_preemption.go`` (v1.35); the
algorithm is in :mod:`k8ssim.scheduler.preemption`. What it needs from the running scheduler comes
through ``handle.extras`` (set by the Scheduler component; tests may set them too):

* ``framework``: the profile's Framework (required);
* ``nominated_pods``: ``node_name -> [PodInfo]``;  ``pdbs``: ``() -> [PodDisruptionBudget]``;
* ``rng``: numpy Generator for the dry-run offset;  ``now``: ``() -> float``;
* ``preempt_commit``: ``(preemptor, Candidate) -> Status | None`` (evict victims);
* ``get_pod``: ``pod -> latest pod | None``.
"""
from __future__ import annotations

from typing import Optional

from k8ssim.scheduler.framework import CycleState, FrameworkError, Handle, Status
from k8ssim.scheduler.preemption import Evaluator, NodeToStatus

NAME = "DefaultPreemption"


def validate_args(args: dict) -> None:
    """``ValidateDefaultPreemptionArgs``."""
    pct = args.get("minCandidateNodesPercentage", 10)
    ab = args.get("minCandidateNodesAbsolute", 100)
    if not isinstance(pct, int) or not 0 <= pct <= 100:
        raise FrameworkError(f"minCandidateNodesPercentage: Invalid value: {pct}: not in valid range [0, 100]")
    if not isinstance(ab, int) or ab < 0:
        raise FrameworkError(f"minCandidateNodesAbsolute: Invalid value: {ab}: not in valid range [0, inf)")
    if pct == 0 and ab == 0:
        raise FrameworkError("minCandidateNodesPercentage: Invalid value: 0: cannot be zero at the same time "
                             "as minCandidateNodesAbsolute")


class DefaultPreemption:
    name = NAME

    def __init__(self, args: Optional[dict] = None, handle: Optional[Handle] = None):
        a = dict(args or {})
        validate_args(a)
        self.min_pct = int(a.get("minCandidateNodesPercentage", 10))
        self.min_abs = int(a.get("minCandidateNodesAbsolute", 100))
        self.handle = handle if handle is not None else Handle()
        self._evaluator: Optional[Evaluator] = None

    @property
    def evaluator(self) -> Evaluator:
        if self._evaluator is None:
            x = self.handle.extras
            fwk = x.get("framework")
            if fwk is None:
                raise FrameworkError("DefaultPreemption: handle.extras['framework'] is not set")
            h = self.handle
            self._evaluator = Evaluator(
                fwk,
                snapshot=lambda: h.snapshot,
                nominated_pods=x.get("nominated_pods", lambda n: []),
                pdbs=x.get("pdbs", lambda: []),
                rng=x.get("rng"),
                now=x.get("now", lambda: 0.0),
                commit=x.get("preempt_commit"),
                get_pod=x.get("get_pod"),
                min_candidate_nodes_percentage=self.min_pct,
                min_candidate_nodes_absolute=self.min_abs,
            )
        return self._evaluator

    def post_filter(self, state: CycleState, pod, filtered_node_status) -> tuple:
        """``PostFilter``: run the evaluator; a non-empty message gets the ``preemption: `` prefix."""
        m = filtered_node_status if isinstance(filtered_node_status, NodeToStatus) else NodeToStatus(filtered_node_status or {})
        result, status = self.evaluator.preempt(state, pod, m)
        msg = status.message()
        if msg:
            return result, Status(status.code, [f"preemption: {msg}"], err=status.err)
        return result, status

    def events_to_register(self) -> list:
        # async preemption's PreEnqueue gate is not modelled (the API calls are instantaneous), so the
        # plugin never rejects a pod by itself and registers no events.
        return []
