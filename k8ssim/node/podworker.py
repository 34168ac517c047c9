"""The life of one pod's containers on a node (``pkg/kubelet/kuberuntime/kuberuntime_manager.go``
``SyncPod``/``computePodActions``, ``pkg/kubelet/kuberuntime/kuberuntime_container.go`` ``killContainer``,
``pkg/kubelet/prober``): a mixin of :class:`k8ssim.node.kubelet.Kubelets`.

* Sandbox first (``RunPodSandbox``, the pod IP), then init containers one at a time: a regular init
  container must exit 0 before the next starts; a native sidecar (init container with
  ``restartPolicy: Always``) must be *started* (startup probe passed, or none) and keeps running. Then
  every regular container, one after the other: image pull (serialised per node), create, start.
* A container exits when its behaviour says (run time, exit code), when its memory crosses
  ``limits.memory`` (OOMKilled, 137), or when the kubelet kills it (liveness/startup probe, pod deletion,
  eviction, active deadline). Restarts follow ``restartPolicy`` through the CrashLoopBackOff of
  :mod:`k8ssim.node.backoff` (``doBackOff`` keyed by the container, measured from ``finishedAt``).
* Killing: preStop (sleep action), SIGTERM; the process exits ``stop_latency`` later (exit code 0), or
  is SIGKILLed at the end of the grace period (exit code 137).
* Runtime-side facts (a process exits, an OOM kill, a create completing) happen even while the node's
  kubelet is down; kubelet-side decisions (probes, restarts, status writes) wait for it.
"""
from __future__ import annotations

from typing import Optional

from k8ssim.node import probes
from k8ssim.node.backoff import crash_loop_key, do_backoff
from k8ssim.node.behavior import Run
from k8ssim.node.status import RUNNING, TERMINATED, WAITING, Ctr, Termination, should_restart

SOURCE = "kubelet"
SIGKILL_EXIT = 137
TIME_EPS = 1e-9


def _pod_desc(prt) -> str:
    """``format.Pod``: ``name_namespace(uid)``."""
    return f"{prt.name}_{prt.namespace}({prt.uid})"


class PodWorkers:
    """Container lifecycle; expects ``engine``, ``config``, ``profile``, ``behaviors``, ``nodes`` and the
    hooks ``_publish``, ``_memory_changed``, ``_pull``, ``_finish_kill`` from the host class."""

    # ---------------------------------------------------------------------------- sync / start
    def _sync(self, prt) -> None:
        """``computePodActions`` + start: the next init container, or all regular containers."""
        st = self.nodes.get(prt.node)
        if st is None or st.failed or prt.terminating or prt.terminal or not prt.sandbox or prt.gone:
            return
        if not prt.initialized:
            for c in prt.inits:
                if c.is_sidecar:
                    if c.state == RUNNING and c.started:
                        continue
                    if c.state == WAITING and c.last is None and not c.creating and c.instances == 0:
                        self._start_chain(prt, [c])
                    return
                if c.state == TERMINATED and c.term.exit_code == 0:
                    continue
                if c.state == WAITING and c.last is None and not c.creating and c.instances == 0:
                    self._start_chain(prt, [c])
                return
            prt.initialized = True
        todo = [c for c in prt.regular if c.instances == 0 and not c.creating and c.state == WAITING
                and c.reason != "ErrImageNeverPull"]
        if todo:
            self._start_chain(prt, todo)
        self._publish(prt)

    def _start_chain(self, prt, ctrs: list) -> None:
        """Start containers one after the other: pull (if needed), CreateContainer, StartContainer."""
        st = self.nodes[prt.node]
        t = self.engine.now
        for c in ctrs:
            ready = self._pull(st, prt, c, t)
            if ready is None:
                c.reason = "ErrImageNeverPull"
                c.message = (f'Container image "{c.spec.image}" is not present with pull policy of Never')
                continue
            t = ready + self.profile.container_latency
            c.creating = True
            c.timers.append(self.engine.call_at(t, self._container_running, prt, c))
        self._publish(prt)

    def _container_running(self, prt, c: Ctr) -> None:
        c.creating = False
        if prt.gone or prt.terminating:
            return
        now = self.engine.now
        st = self.nodes[prt.node]
        c.timers.clear()
        if c.state == TERMINATED and c.term is not None:
            c.last = c.term
        c.term = None
        c.state = RUNNING
        c.reason = c.message = ""
        c.started_at = now
        c.instances += 1
        c.restart_count = c.instances - 1
        default = None
        if c.is_init and not c.is_sidecar:
            default = self.config.default_init_run_duration
        elif not c.is_init and prt.restart_policy != "Always":
            default = self.config.default_run_duration
        run = self.behaviors.draw_run(c.rule, self._rng(st), default) if c.rule is not None else \
            Run(default, 0, 0.0, None, None, 0.0)
        c.run = run
        request = c.spec.requests.get("memory", 0)
        c.mem0 = run.memory if run.memory is not None else request
        c.growth = run.memory_growth
        self._memory_changed(st, c.mem0 - c.growth * now, c.growth)
        # runtime-side: the process exits by itself, or the kernel OOM-kills it
        ends = []
        if run.runtime is not None:
            ends.append((now + run.runtime, run.exit_code, "Completed" if run.exit_code == 0 else "Error"))
        limit = c.spec.limits.get("memory")
        if limit is not None and (run.memory is not None or c.growth > 0):
            if c.mem0 > limit:
                ends.append((now, SIGKILL_EXIT, "OOMKilled"))
            elif c.growth > 0:
                ends.append((now + (limit - c.mem0) / c.growth, SIGKILL_EXIT, "OOMKilled"))
        if ends:
            t, code, reason = min(ends, key=lambda e: e[0])
            c.timers.append(self.engine.call_at(t, self._container_exited, prt, c, code, reason))
        self.engine.log.record(now, SOURCE, "Started", prt.key, f"Started container {c.name}")
        c.started = c.spec.startup_probe is None
        c.ready = c.started and c.spec.readiness_probe is None
        if not st.failed:
            self._schedule_probes(prt, c, now)
        self._publish(prt)
        if c.is_sidecar and c.started:
            self._sync(prt)

    # ---------------------------------------------------------------------------------- probes
    def _schedule_probes(self, prt, c: Ctr, origin: float) -> None:
        """Schedule the moments the prober's results change for the running instance of ``c``."""
        c.cancel_probes()
        s = c.started_at
        run = c.run
        up = s + run.startup_time
        down = s + run.liveness_failure_after if run.liveness_failure_after is not None else probes.INF
        call = self.engine.call_at
        gate = s
        if c.spec.startup_probe is not None and not c.started:
            ok_at, fail_at = probes.startup_outcome(c.spec.startup_probe, s, up, down, origin)
            if fail_at is not None:
                c.probe_timers.append(call(fail_at, self._probe_kill, prt, c, "startup"))
                return
            gate = ok_at
            c.probe_timers.append(call(ok_at, self._probe_started, prt, c))
        elif c.started:
            gate = origin
        rp = c.spec.readiness_probe
        if rp is not None:
            ready_at, unready_at = probes.readiness_outcome(rp, s, gate, up, down, origin, ready_now=c.ready)
            if ready_at is not None:
                c.probe_timers.append(call(ready_at, self._probe_ready, prt, c, True))
            if unready_at is not None:
                c.probe_timers.append(call(unready_at, self._probe_ready, prt, c, False))
        lp = c.spec.liveness_probe
        if lp is not None:
            kill_at = probes.liveness_kill_at(lp, s, gate, up, down, origin)
            if kill_at is not None:
                c.probe_timers.append(call(kill_at, self._probe_kill, prt, c, "liveness"))

    def _probe_started(self, prt, c: Ctr) -> None:
        if c.state != RUNNING or prt.gone or self.nodes[prt.node].failed:
            return
        c.started = True
        if c.spec.readiness_probe is None:
            c.ready = True
        self._publish(prt)
        if c.is_sidecar:
            self._sync(prt)

    def _probe_ready(self, prt, c: Ctr, value: bool) -> None:
        if c.state != RUNNING or prt.gone or self.nodes[prt.node].failed:
            return
        if not value:
            self.engine.log.record(self.engine.now, SOURCE, "Unhealthy", prt.key,
                                   f"Readiness probe failed for container {c.name}")
        c.ready = value
        self._publish(prt)

    def _probe_kill(self, prt, c: Ctr, which: str) -> None:
        if c.state != RUNNING or prt.gone or prt.terminating or self.nodes[prt.node].failed:
            return
        now = self.engine.now
        self.engine.log.record(now, SOURCE, "Unhealthy", prt.key, f"{which.capitalize()} probe failed for container {c.name}")
        self.engine.log.record(now, SOURCE, "Killing", prt.key,
                               f"Container {c.name} failed {which} probe, will be restarted")
        probe = c.spec.liveness_probe if which == "liveness" else c.spec.startup_probe
        grace = probe.termination_grace_period_seconds
        if grace is None:
            grace = prt.pod.spec.termination_grace_period_seconds or 0
        c.ready = False
        self._publish(prt)
        self._kill(prt, c, now + float(grace), "probe")

    # ------------------------------------------------------------------------------ exits
    def _kill(self, prt, c: Ctr, deadline: float, cause: str, not_before: Optional[float] = None) -> float:
        """preStop + SIGTERM now (or at ``not_before``); the process exits after ``stop_latency``,
        SIGKILL at ``deadline``. Returns the exit time."""
        now = self.engine.now
        begin = max(now, not_before if not_before is not None else now)
        c.cancel_timers()
        c.killing = True
        c.kill_cause = cause
        pre = float(c.spec.pre_stop_sleep_seconds or 0)
        natural = begin + pre + self.config.stop_latency
        if natural <= deadline:
            t, code, reason = natural, 0, "Completed"
        else:
            t, code, reason = max(deadline, now), SIGKILL_EXIT, "Error"
        c.timers.append(self.engine.call_at(t, self._container_exited, prt, c, code, reason))
        return t

    def _container_exited(self, prt, c: Ctr, code: int, reason: str) -> None:
        """Runtime side: the process of ``c`` ended."""
        now = self.engine.now
        st = self.nodes.get(prt.node)
        if c.state != RUNNING:
            return
        c.cancel_timers()
        self._memory_changed(st, -(c.mem0 - c.growth * c.started_at), -c.growth)
        prev_finished = c.last.finished_at if c.last is not None else None
        c.state = TERMINATED
        c.term = Termination(code, reason, c.started_at, now)
        c.started = c.ready = False
        cause, c.killing, c.kill_cause = c.kill_cause, False, ""
        if prt.gone:
            return
        if cause == "pod" or prt.killing_then is not None:
            self._publish(prt)
            self._finish_kill(prt)
            return
        if st.failed:
            self._publish(prt)  # remembered, written on recovery
            return
        self._after_exit(prt, c, prev_finished if cause == "probe" else now, probe_kill=cause == "probe")

    def _after_exit(self, prt, c: Ctr, backoff_from: Optional[float], probe_kill: bool = False) -> None:
        """Kubelet side: what to do with an exited container (restart, next init container, pod done)."""
        code = c.term.exit_code
        policy = prt.restart_policy
        if c.is_init and not c.is_sidecar:
            if code == 0:
                self._publish(prt)
                self._sync(prt)
                return
            if policy == "Never":
                self._pod_terminal(prt)
                return
            self._restart(prt, c, backoff_from)
            return
        restart = (policy != "Never" or c.is_sidecar) if probe_kill else should_restart(policy, c, code)
        if restart and not (c.is_sidecar and prt.terminal):
            self._restart(prt, c, backoff_from)
            return
        self._publish(prt)
        if all(x.state == TERMINATED and not x.creating for x in prt.regular):
            self._pod_terminal(prt)

    def _restart(self, prt, c: Ctr, finished_at: Optional[float]) -> None:
        """``doBackOff``: start again now, or wait in CrashLoopBackOff until the backoff ends."""
        st = self.nodes[prt.node]
        now = self.engine.now
        key = crash_loop_key(prt.name, prt.namespace, prt.uid, c.name)
        # a retry scheduled at finishedAt + backoff must see the backoff as over (float sums)
        dec = do_backoff(st.backoff, key, finished_at, now + TIME_EPS, c.name, _pod_desc(prt))
        if dec.start:
            self._start_chain(prt, [c])
            return
        if c.state == TERMINATED:
            c.last = c.term
            c.term = None
        c.state = WAITING
        c.reason = "CrashLoopBackOff"
        c.message = dec.message
        self.engine.log.record(now, SOURCE, "BackOff", prt.key,
                               f"Back-off restarting failed container {c.name} in pod {_pod_desc(prt)}")
        c.timers.append(self.engine.call_at(dec.retry_at, self._retry, prt, c))
        self._publish(prt)

    def _retry(self, prt, c: Ctr) -> None:
        c.timers.clear()
        if prt.gone or prt.terminating or prt.terminal or self.nodes[prt.node].failed or c.state != WAITING:
            return
        self._restart(prt, c, c.last.finished_at if c.last is not None else None)

    def _pod_terminal(self, prt) -> None:
        """No container will run again (restartPolicy): stop the sidecars, then report the final phase."""
        if prt.terminal:
            return
        prt.terminal = True
        self._kill_pod(prt, float(prt.pod.spec.termination_grace_period_seconds or 0), self._terminal_done)

    def _terminal_done(self, prt) -> None:
        self._publish(prt)
        self._pod_finished(prt)

    def _kill_pod(self, prt, grace: float, then) -> None:
        """Stop every container: regular containers first, then sidecars in reverse order (each after the
        previous one exited), all within ``grace`` seconds; ``then(prt)`` once nothing runs."""
        now = self.engine.now
        deadline = now + grace
        prt.killing_then = then
        for c in prt.inits + prt.regular:
            if c.state != RUNNING:
                c.cancel_timers()
                c.creating = False
                if c.state == WAITING and c.reason == "CrashLoopBackOff":
                    c.reason = ""
        last = now
        for c in prt.regular:
            if c.state == RUNNING:
                last = max(last, self._kill(prt, c, deadline, "pod"))
        for c in reversed([x for x in prt.inits if x.is_sidecar]):
            if c.state == RUNNING:
                last = self._kill(prt, c, deadline, "pod", not_before=last)
        self._finish_kill(prt)
