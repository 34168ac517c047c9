"""Engine helpers: call_at/call_later/every/process/run/stop, ordering and fingerprints."""
import pytest

from k8ssim.engine import Engine


def test_same_time_events_run_in_insertion_order():
    e = Engine(0)
    out = []
    for i in range(5):
        e.call_at(2.0, out.append, i)
    e.call_later(2.0, out.append, "later")
    e.call_at(1.0, out.append, "first")
    e.run()
    assert out == ["first", 0, 1, 2, 3, 4, "later"]


def test_run_until_excludes_events_at_until_and_sets_clock():
    e = Engine(0)
    out = []
    e.call_at(5.0, out.append, "at5")
    assert e.run(until=5.0) == 5.0
    assert out == [] and e.now == 5.0
    e.run(until=6.0)
    assert out == ["at5"] and e.now == 6.0


def test_run_until_in_the_past_is_an_error():
    e = Engine(0)
    e.run(until=3)
    with pytest.raises(ValueError):
        e.run(until=2)


def test_call_at_past_and_negative_delay_rejected():
    e = Engine(0)
    e.run(until=1)
    with pytest.raises(ValueError):
        e.call_at(0.5, print)
    with pytest.raises(ValueError):
        e.call_later(-1, print)


def test_cancel():
    e = Engine(0)
    out = []
    h = e.call_later(1, out.append, "x")
    h.cancel()
    e.run()
    assert out == [] and h.cancelled


def test_every_ticks_without_drift_and_cancels():
    e = Engine(0)
    ticks = []
    p = e.every(0.1, lambda: ticks.append(e.now), start=0.0)
    e.run(until=1.0)
    assert len(ticks) == 10
    assert ticks[-1] == 0.0 + 9 * 0.1  # start + k*period, not a sum of 0.1s
    assert e.pending == 1  # one pending event at a time
    p.cancel()
    e.run(until=2.0)
    assert len(ticks) == 10 and p.next_time is None


def test_every_start_in_the_past_keeps_phase():
    e = Engine(0)
    e.run(until=10.25)
    ticks = []
    e.every(1.0, lambda: ticks.append(e.now), start=0.5)
    e.run(until=13.0)
    assert ticks == [10.5, 11.5, 12.5]


def test_process_and_callbacks_interleave():
    e = Engine(0)
    out = []

    def proc():
        yield e.timeout(1)
        out.append(("proc", e.now))
        yield e.call_later(1, out.append, "cb")  # a Call is a SimPy event
        out.append(("resumed", e.now))

    e.process(proc())
    e.run()
    assert out == [("proc", 1.0), "cb", ("resumed", 2.0)]


def test_stop_returns_at_current_event():
    e = Engine(0)
    out = []
    e.call_at(1, out.append, 1)
    e.call_at(2, e.stop)
    e.call_at(3, out.append, 3)
    t = e.run(until=10)
    assert t == 2.0 and e.stopped and out == [1]
    e.run(until=10)
    assert out == [1, 3] and not e.stopped and e.now == 10.0


def test_exceptions_in_callbacks_and_processes_propagate():
    e = Engine(0)

    def boom():
        raise KeyError("x")

    e.call_at(1, boom)
    with pytest.raises(KeyError):
        e.run()

    e2 = Engine(0)

    def bad():
        yield e2.timeout(1)
        raise ValueError("crash")

    e2.process(bad())
    with pytest.raises(ValueError):
        e2.run()


def _run(seed):
    e = Engine(seed)
    rng = e.rng("jobs")

    def job(i):
        e.log.record(e.now, "job", "done", f"j{i}", "")
        if i < 200:
            e.call_later(float(rng.exponential(1.0)), job, i + 1)

    e.call_at(0, job, 0)
    e.run()
    return e.fingerprint(), e.log.count


def test_fingerprint_equal_for_identical_runs_and_differs_across_seeds():
    a, b, c = _run(1), _run(1), _run(2)
    assert a == b
    assert a[0] != c[0]
