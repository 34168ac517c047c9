"""The simulation engine: one SimPy environment, the clock, named RNG streams and the event log.

The ground floor of k8ssim (imports no component). Everything that happens is a SimPy event, so the
event queue is the single serialization point (SimGrid's maestro, ``validation.md`` §1.1). Events at the
same time run in scheduling order (SimPy's ``(time, priority, eid)`` key, ``validation.md`` §1.6).

Helpers favour the cheapest SimPy pattern measured in ``performance.md`` B1: a callback on an event,
no generator per call (``call_at``/``call_later``/``every``). Components that want to ``yield`` use
``engine.env`` and :meth:`Engine.process` as ordinary SimPy.

Times are simulated seconds (float). ``run(until=T)`` processes the events *before* ``T`` and leaves the
clock at ``T``, as ``simpy.Environment.run(until=T)`` does.
"""
from __future__ import annotations

import math
from heapq import heappop, heappush
from typing import Any, Callable, Generator, Optional

import simpy
from simpy.events import NORMAL, Event

from k8ssim.engine.eventlog import EventLog
from k8ssim.engine.rng import RandomStreams

__all__ = ["Engine", "Call", "Periodic"]


def _noop(*_args: Any) -> None:
    return None


def _fire(ev: "Call") -> None:
    ev.fn(*ev.args)


class Call(Event):
    """A scheduled callback (returned by :meth:`Engine.call_at`/:meth:`Engine.call_later`).

    It is a SimPy event (a process may ``yield`` it; it succeeds with ``None`` when it fires).
    :meth:`cancel` makes the callback a no-op (the entry stays in the queue until its time).
    """

    __slots__ = ("fn", "args")
    # Already triggered when created (like simpy.Timeout): class-level defaults save two stores per call.
    _ok = True
    _value = None

    def cancel(self) -> None:
        """Do not call the function when the time comes."""
        self.fn = _noop
        self.args = ()

    @property
    def cancelled(self) -> bool:
        return self.fn is _noop


class Periodic:
    """A periodic callback (from :meth:`Engine.every`): calls ``fn(*args)`` at ``start + k*period``.

    Only one pending event exists at a time; the next is scheduled when the current one fires. Times are
    ``start + k * period`` (multiplication, not repeated addition, so they do not drift).
    """

    __slots__ = ("engine", "period", "start", "fn", "args", "k", "_pending", "active")

    def __init__(self, engine: "Engine", period: float, start: float, fn: Callable, args: tuple):
        self.engine = engine
        self.period = float(period)
        self.start = float(start)
        self.fn = fn
        self.args = args
        self.active = True
        now = engine.env._now
        k = 0
        if self.start < now:
            k = math.ceil((now - self.start) / self.period)
            while self.start + k * self.period < now:  # guard float rounding
                k += 1
        self.k = k
        self._pending = engine.call_at(self.start + k * self.period, self._tick)

    @property
    def next_time(self) -> Optional[float]:
        """Time of the next call, or ``None`` once cancelled."""
        return self.start + self.k * self.period if self.active else None

    def _tick(self) -> None:
        if not self.active:
            return
        self.k += 1
        self._pending = self.engine.call_at(self.start + self.k * self.period, self._tick)
        self.fn(*self.args)

    def cancel(self) -> None:
        """Stop calling (the pending event becomes a no-op)."""
        self.active = False
        self._pending.cancel()


class Engine:
    """Simulated time, randomness and the event log of one simulation run.

    :param seed: root seed of every random stream (:class:`RandomStreams`).
    :param keep_events: keep the event records for the events table (the fingerprint is kept anyway).
    """

    def __init__(self, seed: int, *, keep_events: bool = True, replication: Optional[int] = None):
        self.env: simpy.Environment = simpy.Environment(initial_time=0.0)
        """The SimPy environment (for components that ``yield env.timeout(...)``)."""
        self.streams: RandomStreams = RandomStreams(seed, replication)
        """Named random streams: ``engine.streams.stream("scheduler.tiebreak")``."""
        self.log: EventLog = EventLog(keep=keep_events)
        """The canonical event log and fingerprint."""
        self.seed: int = self.streams.seed
        self.events_processed: int = 0
        """Number of SimPy events processed by :meth:`run` so far."""
        self._stop = False
        self.stopped: bool = False
        """True when the last :meth:`run` returned because :meth:`stop` was called."""
        # bind hot-path objects once
        self._queue = self.env._queue
        self._eid = self.env._eid

    # -- time ----------------------------------------------------------------------------------
    @property
    def now(self) -> float:
        """The current simulated time (seconds)."""
        return self.env._now

    def rng(self, name: str):
        """Shortcut for ``engine.streams.stream(name)``."""
        return self.streams.stream(name)

    # -- scheduling ----------------------------------------------------------------------------
    def call_at(self, t: float, fn: Callable, *args: Any) -> Call:
        """Call ``fn(*args)`` at simulated time ``t`` (``t >= now``); same-time calls run in order."""
        env = self.env
        if t < env._now:
            raise ValueError(f"call_at({t}) is in the past (now={env._now})")
        ev = Call.__new__(Call)
        ev.env = env
        ev.callbacks = [_fire]
        ev.fn = fn
        ev.args = args
        heappush(self._queue, (t, NORMAL, next(self._eid), ev))
        return ev

    def call_later(self, delay: float, fn: Callable, *args: Any) -> Call:
        """Call ``fn(*args)`` after ``delay`` seconds (``delay >= 0``)."""
        if delay < 0:
            raise ValueError(f"negative delay {delay}")
        env = self.env
        ev = Call.__new__(Call)
        ev.env = env
        ev.callbacks = [_fire]
        ev.fn = fn
        ev.args = args
        heappush(self._queue, (env._now + delay, NORMAL, next(self._eid), ev))
        return ev

    def process(self, generator: Generator) -> simpy.Process:
        """Start a SimPy process (``yield engine.env.timeout(d)`` inside)."""
        return self.env.process(generator)

    def timeout(self, delay: float, value: Any = None) -> simpy.Timeout:
        """``env.timeout(delay, value)``, for processes."""
        return self.env.timeout(delay, value)

    def every(self, period: float, fn: Callable, *args: Any, start: float = 0.0) -> Periodic:
        """Call ``fn(*args)`` at ``start, start+period, start+2*period, ...`` (ticks before ``now`` are
        skipped). Returns a :class:`Periodic` with ``cancel()``."""
        if not period > 0 or math.isinf(period):
            raise ValueError(f"period must be a positive finite number, got {period!r}")
        return Periodic(self, period, start, fn, args)

    def peek(self) -> float:
        """Time of the next scheduled event (``inf`` if none)."""
        q = self._queue
        return q[0][0] if q else math.inf

    @property
    def pending(self) -> int:
        """Number of scheduled (not yet processed) events, cancelled ones included."""
        return len(self._queue)

    # -- running -------------------------------------------------------------------------------
    def stop(self) -> None:
        """Ask :meth:`run` to return after the event being processed (the clock stays there)."""
        self._stop = True

    def run(self, until: Optional[float] = None) -> float:
        """Process events with time ``< until`` (all events if ``until`` is None), then set the clock to
        ``until``. Returns the time reached. Returns early, at the current event's time, if :meth:`stop`
        is called. An exception in a callback, or a failed event nobody handled, propagates.
        """
        env = self.env
        queue = self._queue
        limit = math.inf if until is None else float(until)
        if limit < env._now:
            raise ValueError(f"until ({until}) must not be earlier than now ({env._now})")
        self._stop = False
        self.stopped = False
        n = 0
        try:
            # Inlined simpy.Environment.step(): pop, run callbacks, crash on unhandled failures.
            while queue and queue[0][0] < limit:
                env._now, _, _, event = heappop(queue)
                callbacks, event.callbacks = event.callbacks, None
                n += 1
                for callback in callbacks:
                    callback(event)
                if not event._ok and not hasattr(event, "_defused"):
                    exc = type(event._value)(*event._value.args)
                    exc.__cause__ = event._value
                    raise exc
                if self._stop:
                    self.stopped = True
                    return env._now
        finally:
            self.events_processed += n
            self._stop = False
        if until is not None:
            env._now = limit
        return env._now

    def fingerprint(self) -> str:
        """Fingerprint of the event log so far."""
        return self.log.fingerprint()

    def __repr__(self) -> str:
        return f"<Engine seed={self.seed} now={self.now} pending={self.pending}>"
