"""A kubelet stand-in with fixed timing, shared by the StatefulSet and DaemonSet controller tests."""


class FakeKubelet:
    """A kubelet stand-in with fixed, explicit timing (the real kubelet is tested in tests/node): a pod bound
    to a reachable node turns Running ``START`` s later and Ready ``initialDelaySeconds`` of its readiness
    probe after that (at start without one); a pod marked for deletion is removed ``STOP`` s later (at most
    its grace period). Nodes in ``down`` are unreachable: nothing happens to their pods."""

    START = 1.0
    STOP = 1.0

    def __init__(self, engine, store):
        self.engine, self.store = engine, store
        self.down: set = set()
        self._seen: set = set()

    def start(self) -> None:
        self.store.watch("pods", self._on_pod)

    def _on_pod(self, etype, pod, old) -> None:
        node, uid = pod.spec.node_name, pod.metadata.uid
        if etype == "DELETED" or not node or node in self.down:
            return
        if pod.metadata.deletion_timestamp is not None:
            if ("stop", uid) not in self._seen:
                self._seen.add(("stop", uid))
                grace = pod.metadata.deletion_grace_period_seconds or 0
                self.engine.call_later(min(self.STOP, grace), self._remove, pod)
        elif ("start", uid) not in self._seen and pod.status.phase == "Pending":
            self._seen.add(("start", uid))
            self.engine.call_later(self.START, self._run, pod)

    def _current(self, pod):
        p = self.store.try_get("pods", pod.metadata.namespace, pod.metadata.name)
        ok = p is not None and p.metadata.uid == pod.metadata.uid and p.spec.node_name not in self.down
        return p if ok else None

    def _run(self, pod) -> None:
        p = self._current(pod)
        if p is None or p.metadata.deletion_timestamp is not None or p.status.phase != "Pending":
            return
        now = self.engine.now
        q = p.copy()
        q.status.phase = "Running"
        q.status.start_time = now
        delay = max((c.readiness_probe.initial_delay_seconds for c in p.spec.containers if c.readiness_probe),
                    default=0)
        q.status.set_condition("Ready", "True" if delay == 0 else "False", now)
        self.store.update_status(q)
        if delay:
            self.engine.call_later(delay, self._ready, pod)

    def _ready(self, pod) -> None:
        p = self._current(pod)
        if p is None or p.metadata.deletion_timestamp is not None or p.status.phase != "Running":
            return
        q = p.copy()
        q.status.set_condition("Ready", "True", self.engine.now)
        self.store.update_status(q)

    def _remove(self, pod) -> None:
        if self._current(pod) is not None:
            self.store.delete("pods", pod.metadata.namespace, pod.metadata.name, grace_period_seconds=0,
                              uid_precondition=pod.metadata.uid)
