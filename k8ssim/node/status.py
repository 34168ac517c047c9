"""Container state as the runtime knows it, the API ``ContainerStatus`` made from it, and the pod phase
(``pkg/kubelet/kubelet_pods.go``: ``convertToAPIContainerStatuses``, ``getPhase``; conditions from
``pkg/kubelet/status/generate.go``)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from k8ssim.api.core import ContainerStatus

WAITING, RUNNING, TERMINATED = "waiting", "running", "terminated"


@dataclass
class Termination:
    exit_code: int
    reason: str  # Completed | Error | OOMKilled
    started_at: Optional[float]
    finished_at: float


@dataclass
class Ctr:
    """One container of a pod on a node (its latest instance, plus the previous termination)."""

    spec: object  # api Container
    is_init: bool = False
    state: str = WAITING
    reason: str = ""  # waiting reason (ContainerCreating, PodInitializing, CrashLoopBackOff, ...)
    message: str = ""
    started_at: Optional[float] = None
    term: Optional[Termination] = None  # set while state == TERMINATED
    last: Optional[Termination] = None  # lastState.terminated
    restart_count: int = 0
    started: bool = False  # startup probe passed (or none)
    ready: bool = False
    instances: int = 0  # containers created so far
    timers: list = field(default_factory=list)  # pending runtime Calls (create, exit, OOM, backoff retry)
    probe_timers: list = field(default_factory=list)  # pending prober outcomes (kubelet-side)
    run: object = None  # behaviour draws of the running instance (behavior.Run)
    rule: Optional[int] = None  # PodBehavior rule index
    mem0: int = 0  # memory at start (bytes) and growth (bytes/s) of the running instance
    growth: float = 0.0
    creating: bool = False  # a create/start is in flight
    killing: bool = False  # SIGTERM sent, exit pending
    kill_cause: str = ""  # "probe" (restart after) or "pod" (the pod is being stopped)

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def is_sidecar(self) -> bool:
        return self.is_init and self.spec.restart_policy == "Always"

    def cancel_timers(self) -> None:
        for t in self.timers:
            t.cancel()
        self.timers.clear()
        self.cancel_probes()

    def cancel_probes(self) -> None:
        for t in self.probe_timers:
            t.cancel()
        self.probe_timers.clear()

    def memory_at(self, now: float) -> int:
        """Working set at ``now`` (0 unless running)."""
        if self.state != RUNNING or self.started_at is None:
            return 0
        return int(self.mem0 + self.growth * max(0.0, now - self.started_at))

    def api_status(self) -> ContainerStatus:
        t = self.term
        if self.state == TERMINATED and t is not None:
            return ContainerStatus(
                name=self.name, image=self.spec.image, ready=False, started=False,
                restart_count=self.restart_count, state=TERMINATED, reason=t.reason, exit_code=t.exit_code,
                started_at=t.started_at, finished_at=t.finished_at,
                last_terminated_reason=self.last.reason if self.last else "")
        if self.state == RUNNING:
            return ContainerStatus(
                name=self.name, image=self.spec.image, ready=self.ready, started=self.started,
                restart_count=self.restart_count, state=RUNNING, started_at=self.started_at,
                last_terminated_reason=self.last.reason if self.last else "")
        last = self.last
        return ContainerStatus(
            name=self.name, image=self.spec.image, ready=False, started=False, restart_count=self.restart_count,
            state=WAITING, reason=self.reason,
            exit_code=last.exit_code if last else None,
            started_at=last.started_at if last else None, finished_at=last.finished_at if last else None,
            last_terminated_reason=last.reason if last else "")


def get_phase(restart_policy: str, inits: list, regular: list, pod_is_terminal: bool,
              has_initialized: bool) -> str:
    """``getPhase`` (ContainerRestartRules gate off) over runtime containers."""
    pending_sidecars = pending_init = failed_init = 0
    for c in inits:
        if c.is_sidecar:
            continue
        if c.state == RUNNING:
            pending_init += 1
        elif c.state == TERMINATED:
            if c.term.exit_code != 0:
                failed_init += 1
        elif c.last is not None:  # waiting after a termination
            if c.last.exit_code != 0:
                failed_init += 1
        else:
            pending_init += 1
    unknown = running = waiting = stopped = succeeded = 0
    for c in inits:
        if not c.is_sidecar:
            continue
        if c.state == RUNNING:
            if not c.started:
                pending_sidecars += 1
            running += 1
        elif c.state == WAITING and c.last is None:
            pending_sidecars += 1
            waiting += 1
    for c in regular:
        if c.state == RUNNING:
            running += 1
        elif c.state == TERMINATED:
            stopped += 1
            if c.term.exit_code == 0:
                succeeded += 1
        elif c.last is not None:
            stopped += 1
        else:
            waiting += 1
    if failed_init > 0 and restart_policy == "Never":
        return "Failed"
    if pending_init > 0 or (pending_sidecars > 0 and not has_initialized) or waiting > 0:
        return "Pending"
    if running > 0 and unknown == 0:
        return "Running"
    if running == 0 and stopped > 0 and unknown == 0:
        if pod_is_terminal:
            return "Succeeded" if stopped == succeeded else "Failed"
        if restart_policy == "Always":
            return "Running"
        if stopped == succeeded:
            return "Succeeded"
        if restart_policy == "Never":
            return "Failed"
        return "Running"
    return "Pending"


def should_restart(restart_policy: str, ctr: Ctr, exit_code: int) -> bool:
    """``ContainerShouldRestart`` without per-container rules: sidecars always restart."""
    if ctr.is_sidecar or restart_policy == "Always":
        return True
    return restart_policy == "OnFailure" and exit_code != 0
