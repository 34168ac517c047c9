"""kube-scheduler: the scheduling queue, the framework and its plugins, the cache, preemption and
the Scheduler component (``Scheduler(engine, store, config).start()``)."""
from __future__ import annotations

__all__ = ["Scheduler", "SchedulingQueue", "Cache", "ExplainRecorder", "priority_admission",
           "install_priority_admission"]


def __getattr__(name):  # lazy, so importing a submodule does not pull in the whole component
    if name == "Scheduler":
        from k8ssim.scheduler.scheduler import Scheduler
        return Scheduler
    if name == "SchedulingQueue":
        from k8ssim.scheduler.queue import SchedulingQueue
        return SchedulingQueue
    if name == "Cache":
        from k8ssim.scheduler.cache import Cache
        return Cache
    if name == "ExplainRecorder":
        from k8ssim.scheduler.explain import ExplainRecorder
        return ExplainRecorder
    if name in ("priority_admission", "install_priority_admission"):
        from k8ssim.scheduler import admission
        return getattr(admission, name)
    raise AttributeError(name)
