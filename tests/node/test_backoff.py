"""k8ssim.node.backoff against client-go flowcontrol backoff_test.go (via kubelet_backoff.json) and
the kubelet's CrashLoopBackOff rules (10 s doubling to 300 s, reset after more than 600 s)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from k8ssim.conformance.runner import handler_for
from k8ssim.node import backoff as bo

VECTORS = Path(__file__).resolve().parents[2].parent / "shared" / "vectors" / "kubelet_backoff.json"
DOC = json.loads(VECTORS.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    "vector", DOC["vectors"], ids=[f"{v['id']}:{v.get('upstream_func') or v['kind']}" for v in DOC["vectors"]]
)
def test_vector(vector):
    handler_for("kubelet_backoff").run(vector, DOC)


def test_crash_loop_waits_double_to_the_cap():
    b = bo.new_crash_loop_backoff()
    rows = bo.crash_loop_timeline([0] * 9, b)
    assert [r["delay"] for r in rows] == [0, 10, 20, 40, 80, 160, 300, 300, 300]


def test_exactly_600s_of_running_does_not_reset():
    b = bo.new_crash_loop_backoff()
    rows = bo.crash_loop_timeline([0, 0, 0, 600, 0], b)
    # after the 3rd restart the backoff is 40 s; a 600 s run keeps doubling (80 s), 601 s would reset
    assert rows[3]["delay"] == 40
    assert rows[4]["delay"] == 80


def test_run_longer_than_600s_resets_even_with_reduced_max():
    b = bo.new_crash_loop_backoff({"ReduceDefaultCrashLoopBackOffDecay": True})
    assert (b.default_duration, b.max_duration) == (1.0, 60.0)
    rows = bo.crash_loop_timeline([0, 0, 0, 200, 0], b)
    # the kubelet's HasExpiredFunc is a fixed 600 s, not 2 * max (= 120 s): 200 s does not reset
    assert rows[3]["delay"] == 4 and rows[4]["delay"] == 8


def test_do_backoff_message_and_retry_time():
    b = bo.new_crash_loop_backoff()
    assert bo.do_backoff(b, "k", None, 0).start  # never exited: start without touching the backoff
    assert not b.has_entry("k")
    assert bo.do_backoff(b, "k", 5.0, 5.0).start  # first exit: immediate restart, backoff 10 s
    dec = bo.do_backoff(b, "k", 7.0, 8.0, container_name="app", pod_desc="web_default(u1)")
    assert not dec.start and dec.reason == "CrashLoopBackOff" and dec.retry_at == 17.0
    assert dec.message == "back-off 10s restarting failed container=app pod=web_default(u1)"
    assert bo.do_backoff(b, "k", 7.0, 17.0).start


def test_is_in_backoff_since_update_and_gc():
    b = bo.Backoff(1, 5)
    b.next("x", 0, 0)
    assert b.is_in_backoff_since_update("x", 0.5)
    assert not b.is_in_backoff_since_update("x", 1.0)
    b.gc(10.0)
    assert b.has_entry("x")  # 10 s is not more than 2 * max
    b.gc(10.5)
    assert not b.has_entry("x")


@pytest.mark.parametrize(
    "secs,text",
    [(0, "0s"), (10, "10s"), (80, "1m20s"), (300, "5m0s"), (60, "1m0s"), (3600, "1h0m0s"), (1.5, "1.5s"), (0.5, "500ms")],
)
def test_go_duration_format(secs, text):
    assert bo.format_go_duration(secs) == text
