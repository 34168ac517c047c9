"""The kubelet's eviction manager for ``memory.available`` (``pkg/kubelet/eviction/eviction_manager.go``):
a mixin of :class:`k8ssim.node.kubelet.Kubelets`. Passes are scheduled only when they can change
something (the predicted threshold crossing, every 10 s while under pressure, the end of the
transition period); the rules and figures are in :mod:`k8ssim.node.pressure`."""
from __future__ import annotations

from typing import TYPE_CHECKING

from k8ssim.api.core import NodeCondition
from k8ssim.api.resources import pod_requests
from k8ssim.node import pressure as P
from k8ssim.node.podworker import SOURCE
from k8ssim.node.status import RUNNING

if TYPE_CHECKING:  # the host module imports this one
    from k8ssim.node.kubelet import NodeState


class EvictionManager:
    """Expects ``engine``, ``store``, ``config``, ``nodes``, ``_write`` and ``_kill_pod`` from the host."""

    def _memory_changed(self, st: NodeState, dc: float, dg: float) -> None:
        st.mem_c += dc
        st.mem_g += dg
        if self.config.memory_eviction:
            self._pressure_reschedule(st)

    def _pressure_reschedule(self, st: NodeState) -> None:
        """(Re)schedule the next eviction-manager pass that can change anything."""
        if st.failed or not self.config.memory_eviction:
            return
        now = self.engine.now
        if st.pressure:
            want = P.next_tick(now, st.origin) if st.pressure_at is None else st.pressure_at
        else:
            cross = P.crossing_time(now, st.memory_usage(now), st.mem_g, st.allocatable_memory)
            want = None if cross is None else P.next_tick(cross, st.origin)
        if want == st.pressure_at:
            return
        if st.pressure_call is not None:
            st.pressure_call.cancel()
        st.pressure_at = want
        st.pressure_call = None if want is None else self.engine.call_at(want, self._eviction_pass, st)

    def _eviction_pass(self, st: NodeState) -> None:
        """One ``synchronize`` of the eviction manager (memory.available only)."""
        st.pressure_call = st.pressure_at = None
        if st.failed or st.name not in self.nodes:
            return
        now = self.engine.now
        usage = st.memory_usage(now)
        if usage > st.allocatable_memory:
            st.last_observed = now
            if not st.pressure:
                st.pressure = True
                self._node_condition(st, True)
            self._evict_one(st, now, usage)
        elif st.pressure and now - st.last_observed >= P.PRESSURE_TRANSITION_PERIOD:
            st.pressure = False
            self._node_condition(st, False)
        if st.pressure:
            nxt = now + P.MONITORING_INTERVAL
            st.pressure_at = nxt
            st.pressure_call = self.engine.call_at(nxt, self._eviction_pass, st)
        else:
            self._pressure_reschedule(st)

    def _node_condition(self, st: NodeState, on: bool) -> None:
        node = self.store.try_get("nodes", None, st.name)
        if node is None:
            return
        now = self.engine.now
        if on:
            cond = NodeCondition("MemoryPressure", "True", now, now, "KubeletHasInsufficientMemory",
                                 "kubelet has insufficient memory available")
        else:
            cond = NodeCondition("MemoryPressure", "False", now, now, "KubeletHasSufficientMemory",
                                 "kubelet has sufficient memory available")
        cur = node.copy()
        cur.status.conditions = [c for c in node.status.conditions if c.type != "MemoryPressure"] + [cond]
        self._write(lambda: self.store.update_status(cur))

    def _evict_one(self, st: NodeState, now: float, node_usage: float) -> None:
        cands = []
        for prt in st.pods.values():
            if prt.terminating or prt.terminal or prt.gone or prt.killing_then is not None:
                continue
            if (prt.pod.spec.priority or 0) >= P.SYSTEM_CRITICAL_PRIORITY:
                continue
            ctrs = [c for c in prt.inits + prt.regular if c.state == RUNNING]
            if not ctrs:
                continue
            usage = sum(c.memory_at(now) for c in ctrs)
            cands.append((prt.uid, usage, pod_requests(prt.pod.spec).get("memory", 0), prt.pod.spec.priority or 0))
        ranked = P.rank_memory_pressure(cands)
        if not ranked:
            return
        uid, usage, request, _prio = ranked[0]
        prt = st.pods[uid]
        top = max((c for c in prt.inits + prt.regular if c.state == RUNNING), key=lambda c: c.memory_at(now))
        msg = P.eviction_message(P.memory_available(st.allocatable_memory, node_usage), top.name,
                                 top.memory_at(now), top.spec.requests.get("memory", 0))
        self.engine.log.record(now, SOURCE, "Evicted", prt.key, msg)
        prt.terminal = True
        prt.phase, prt.reason, prt.message = "Failed", P.REASON, msg
        prt.disruption = ("TerminationByKubelet", msg)
        self._kill_pod(prt, P.IMMEDIATE_EVICTION_GRACE, self._terminal_done)
