"""Vectors of ``kubelet_backoff.json`` against :mod:`k8ssim.node.backoff`: client-go
``flowcontrol.Backoff`` op sequences, the kubelet's CrashLoopBackOff timelines and
``newCrashLoopBackOff`` defaults."""
from __future__ import annotations

from k8ssim.conformance.runner import Mismatch, expect_equal
from k8ssim.node import backoff as bo


def _sequence(inp: dict, exp: dict) -> None:
    b = bo.Backoff(inp["initial_s"], inp["max_s"])
    key = "id"
    now = 0.0
    marks: dict = {}
    got: dict = {}
    for op in inp["ops"]:
        words = op.split()
        if words[0] == "step":
            now += float(words[1])
        elif words[0] == "next":
            b.next(key, now, now)
        elif words[0] == "get":
            got.setdefault("gets", []).append(b.get(key))
        elif words[0] == "reset":
            b.reset(key)
        elif words[0] == "gc":
            b.gc(now)
        elif words[0] == "has_entry":
            got.setdefault("has_entry", []).append(b.has_entry(key))
        elif words[0] == "mark":
            marks[words[1]] = now
        elif words[0] == "isInBackOffSince":
            t = now if words[1] == "now" else marks[words[1]]
            got.setdefault("isInBackOffSince", []).append(b.is_in_backoff_since(key, t, now))
        elif words[0] == "isInBackOffSinceUpdate":
            t = now if words[1] == "now" else marks[words[1]]
            got.setdefault("isInBackOffSinceUpdate", []).append(b.is_in_backoff_since_update(key, t))
        else:
            raise Mismatch(f"unknown op {op!r}")
    for k, want in exp.items():
        expect_equal(got.get(k, []), want, k)


def _timeline(inp: dict, exp: dict) -> None:
    b = bo.Backoff(inp["initial_s"], inp["max_s"], has_expired=bo.kubelet_crash_loop_has_expired)
    rows = bo.crash_loop_timeline(inp["run_durations_s"], b, sync_period=1.0)
    got = [
        {
            "crash_at_s": r["crash_at"],
            "restart_at_s": r["restart_at"],
            "delay_s": r["delay"],
            "backoff_in_message": None if r["backoff_in_message"] is None else bo.format_go_duration(r["backoff_in_message"]),
            "backoff_after_restart_s": r["backoff_after_restart"],
        }
        for r in rows
    ]
    want = exp["restarts"]
    expect_equal(len(got), len(want), "number of restarts")
    for i, (g, w) in enumerate(zip(got, want)):
        expect_equal(g, w, f"restart {i}")


def _config(inp: dict, exp: dict) -> None:
    initial, mx = bo.crash_loop_backoff_params(inp.get("feature_gates"), inp.get("maxContainerRestartPeriod_s"))
    expect_equal((initial, mx), (exp["initial_s"], exp["max_s"]), "(initial, max)")


_KINDS = {"Backoff.sequence": _sequence, "CrashLoopBackOff.timeline": _timeline, "newCrashLoopBackOff": _config}


def run(vector: dict, doc: dict) -> None:
    fn = _KINDS.get(vector.get("kind"))
    if fn is None:
        raise Mismatch(f"unknown kind {vector.get('kind')!r}")
    fn(vector.get("inputs", {}), vector.get("expected", {}))
