"""Per-key exponential backoff and the kubelet's CrashLoopBackOff.

Mirrors ``staging/src/k8s.io/client-go/util/flowcontrol/backoff.go`` (``Backoff``: ``Get``, ``Next``,
``Reset``, ``IsInBackOffSince``, ``IsInBackOffSinceUpdate``, ``GC``, ``DeleteEntry``, no jitter as with
``NewBackOff``), ``pkg/kubelet/kubelet.go`` (``newCrashLoopBackOff`` and its constants; the kubelet
replaces ``HasExpiredFunc`` with a fixed 600 s reset) and ``pkg/kubelet/kuberuntime``
(``doBackOff``: the restart decision and its message).

The clock is explicit: every call that upstream makes against ``Clock.Now()`` takes ``now`` (simulated
seconds). Durations are seconds (float).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

#: ``MaxContainerBackOff`` (kubelet config v1beta1) = ``MaxCrashLoopBackOff``.
MAX_CRASH_LOOP_BACKOFF = 300.0
INITIAL_CRASH_LOOP_BACKOFF = 10.0
REDUCED_MAX_CRASH_LOOP_BACKOFF = 60.0
REDUCED_INITIAL_CRASH_LOOP_BACKOFF = 1.0
#: Image pull backoff (``imageBackOffPeriod`` / ``MaxImageBackOff``).
IMAGE_BACKOFF_PERIOD = 10.0
MAX_IMAGE_BACKOFF = 300.0
#: The kubelet's ``crashLoopBackOff.HasExpiredFunc``: reset after more than 600 s.
CRASH_LOOP_RESET_AFTER = 600.0

HasExpiredFunc = Callable[[float, float, float], bool]


@dataclass
class _Entry:
    backoff: float
    last_update: float


def default_has_expired(event_time: float, last_update: float, max_duration: float) -> bool:
    """flowcontrol's default: stable once more than ``2 * max`` passed since the last update."""
    return event_time - last_update > 2 * max_duration


def kubelet_crash_loop_has_expired(event_time: float, last_update: float, max_duration: float) -> bool:
    """The kubelet's override: reset when more than 600 s passed, whatever the maximum."""
    return event_time - last_update > CRASH_LOOP_RESET_AFTER


class Backoff:
    """``flowcontrol.Backoff`` (without jitter)."""

    def __init__(self, initial: float, max_duration: float, has_expired: Optional[HasExpiredFunc] = None):
        self.default_duration = float(initial)
        self.max_duration = float(max_duration)
        self.has_expired_func = has_expired
        self._entries: dict = {}

    def _expired(self, event_time: float, last_update: float) -> bool:
        f = self.has_expired_func or default_has_expired
        return f(event_time, last_update, self.max_duration)

    def get(self, key: str) -> float:
        """``Get``: the current backoff of ``key`` (0 when unknown)."""
        e = self._entries.get(key)
        return e.backoff if e is not None else 0.0

    def next(self, key: str, event_time: float, now: float) -> None:
        """``Next``: start at the initial duration (new or expired entry) or double, capped at max."""
        e = self._entries.get(key)
        if e is None or self._expired(event_time, e.last_update):
            e = _Entry(self.default_duration, now)
            self._entries[key] = e
        else:
            e.backoff = min(e.backoff * 2, self.max_duration)
        e.last_update = now

    def reset(self, key: str) -> None:
        """``Reset``."""
        self._entries.pop(key, None)

    delete_entry = reset

    def is_in_backoff_since(self, key: str, event_time: float, now: float) -> bool:
        """``IsInBackOffSince``: ``now - event_time < backoff`` unless the entry expired."""
        e = self._entries.get(key)
        if e is None or self._expired(event_time, e.last_update):
            return False
        return now - event_time < e.backoff

    def is_in_backoff_since_update(self, key: str, event_time: float) -> bool:
        """``IsInBackOffSinceUpdate``: ``event_time - last_update < backoff`` unless expired."""
        e = self._entries.get(key)
        if e is None or self._expired(event_time, e.last_update):
            return False
        return event_time - e.last_update < e.backoff

    def backoff_until(self, key: str, event_time: float) -> Optional[float]:
        """The instant from which ``is_in_backoff_since(key, event_time, now)`` is false
        (``event_time + backoff``), or None when not in backoff at all. For scheduling a retry."""
        e = self._entries.get(key)
        if e is None or self._expired(event_time, e.last_update):
            return None
        return event_time + e.backoff

    def gc(self, now: float) -> None:
        """``GC``: drop entries that expired relative to ``now``."""
        for key in [k for k, e in self._entries.items() if self._expired(now, e.last_update)]:
            del self._entries[key]

    def has_entry(self, key: str) -> bool:
        return key in self._entries


def crash_loop_backoff_params(feature_gates: Optional[dict] = None, max_container_restart_period: Optional[float] = None) -> tuple:
    """``newCrashLoopBackOff`` -> ``(initial, max)``: 10 s / 300 s; gate ReduceDefaultCrashLoopBackOffDecay
    -> 1 s / 60 s; gate KubeletCrashLoopBackOffMax with a configured maxContainerRestartPeriod -> that
    max, and the initial clamped to it."""
    gates = feature_gates or {}
    initial, mx = INITIAL_CRASH_LOOP_BACKOFF, MAX_CRASH_LOOP_BACKOFF
    if gates.get("ReduceDefaultCrashLoopBackOffDecay"):
        initial, mx = REDUCED_INITIAL_CRASH_LOOP_BACKOFF, REDUCED_MAX_CRASH_LOOP_BACKOFF
    if gates.get("KubeletCrashLoopBackOffMax") and max_container_restart_period is not None:
        mx = float(max_container_restart_period)
        initial = min(initial, mx)
    return initial, mx


def new_crash_loop_backoff(feature_gates: Optional[dict] = None, max_container_restart_period: Optional[float] = None) -> Backoff:
    """The kubelet's ``crashLoopBackOff``: ``flowcontrol.NewBackOff(initial, max)`` with the 600 s reset."""
    initial, mx = crash_loop_backoff_params(feature_gates, max_container_restart_period)
    return Backoff(initial, mx, has_expired=kubelet_crash_loop_has_expired)


def crash_loop_key(pod_name: str, namespace: str, pod_uid: str, container_name: str, container_hash: str = "") -> str:
    """The backoff key of a container (upstream hashes pod name/namespace/uid, container name, image and
    resources; any stable string identifying the same inputs works)."""
    return f"{pod_name}_{namespace}_{pod_uid}_{container_name}_{container_hash}"


def format_go_duration(seconds: float) -> str:
    """Go ``time.Duration.String`` for non-negative durations: ``10s``, ``1m20s``, ``5m0s``, ``1h0m0s``,
    ``1.5s``, ``500ms``, ``0s``."""
    ns = int(round(seconds * 1e9))
    if ns == 0:
        return "0s"
    neg = ns < 0
    ns = abs(ns)
    if ns < 1_000_000_000:
        for unit, div in (("ms", 1_000_000), ("µs", 1_000), ("ns", 1)):
            if ns >= div:
                return ("-" if neg else "") + _trim(ns / div) + unit
    h, rem = divmod(ns, 3_600_000_000_000)
    m, rem = divmod(rem, 60_000_000_000)
    s = _trim(rem / 1e9)
    out = f"{h}h{m}m{s}s" if h else (f"{m}m{s}s" if m else f"{s}s")
    return ("-" if neg else "") + out


def _trim(x: float) -> str:
    txt = f"{x:.9f}".rstrip("0").rstrip(".")
    return txt or "0"


@dataclass(frozen=True)
class RestartDecision:
    """``doBackOff``: ``start`` the container now, or wait (``CrashLoopBackOff``) until ``retry_at``."""

    start: bool
    retry_at: Optional[float] = None
    reason: str = ""
    message: str = ""


def do_backoff(
    backoff: Backoff,
    key: str,
    finished_at: Optional[float],
    now: float,
    container_name: str = "",
    pod_desc: str = "",
) -> RestartDecision:
    """The kubelet's restart decision for a container whose latest status is exited at ``finished_at``
    (None: it never exited -> start without touching the backoff). When allowed, ``Next`` is called (the
    backoff grows for the next crash). ``pod_desc`` is ``format.Pod``: ``name_namespace(uid)``."""
    if finished_at is None:
        return RestartDecision(True)
    if backoff.is_in_backoff_since(key, finished_at, now):
        d = backoff.get(key)
        msg = f"back-off {format_go_duration(d)} restarting failed container={container_name} pod={pod_desc}"
        return RestartDecision(False, retry_at=finished_at + d, reason="CrashLoopBackOff", message=msg)
    backoff.next(key, finished_at, now)
    return RestartDecision(True)


def crash_loop_timeline(run_durations: list, backoff: Backoff, sync_period: float = 1.0, key: str = "c") -> list:
    """Restart times of a container that runs ``run_durations[i]`` seconds on its i-th start (the first
    start at 0), with the kubelet syncing every ``sync_period`` seconds and containers starting
    instantly. One dict per crash: crash_at, restart_at, delay, backoff_in_message (seconds or None),
    backoff_after_restart."""
    out = []
    t = 0.0
    for run in run_durations:
        crash = t + run
        now = crash
        waited_msg = None
        while True:
            dec = do_backoff(backoff, key, crash, now)
            if dec.start:
                break
            waited_msg = backoff.get(key)
            # next sync tick at or after the moment the backoff ends
            now = max(now + sync_period, _ceil_to(dec.retry_at, sync_period))
        out.append(
            {
                "crash_at": crash,
                "restart_at": now,
                "delay": now - crash,
                "backoff_in_message": waited_msg,
                "backoff_after_restart": backoff.get(key),
            }
        )
        t = now
    return out


def _ceil_to(x: float, step: float) -> float:
    k = -(-x // step)
    return k * step
