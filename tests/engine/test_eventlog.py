"""EventLog: canonical lines, incremental fingerprint, keep/no-keep equivalence (validation.md §1.3)."""
import hashlib

import pytest

from k8ssim.engine import EventLog
from k8ssim.engine.eventlog import _CHUNK


def _fill(log, n):
    for i in range(n):
        log.record(i * 0.1, "apiserver", "ADDED", f"/registry/pods/default/p{i}", str(i + 1))


def test_fingerprint_is_blake2b_over_canonical_lines():
    log = EventLog()
    log.record(0, "apiserver", "ADDED", "/registry/pods/default/a", "1")
    log.record(1.5, "kubelet", "Started", "default/a")
    h = hashlib.blake2b(digest_size=32, person=b"k8ssim.eventlog")
    h.update(b"0.0\tapiserver\tADDED\t/registry/pods/default/a\t1\n")  # int time written as repr(float)
    h.update(b"1.5\tkubelet\tStarted\tdefault/a\t\n")
    assert log.fingerprint() == h.hexdigest()


def test_identical_logs_identical_fingerprint_and_order_matters():
    a, b, c = EventLog(), EventLog(), EventLog()
    _fill(a, 10)
    _fill(b, 10)
    c.record(0.1, "apiserver", "ADDED", "/registry/pods/default/p1", "2")
    c.record(0.0, "apiserver", "ADDED", "/registry/pods/default/p0", "1")
    _fill_rest = [(i * 0.1, "apiserver", "ADDED", f"/registry/pods/default/p{i}", str(i + 1)) for i in range(2, 10)]
    for r in _fill_rest:
        c.record(*r)
    assert a.fingerprint() == b.fingerprint()
    assert a.fingerprint() != c.fingerprint()


@pytest.mark.parametrize("n", [0, 1, _CHUNK - 1, _CHUNK, 2 * _CHUNK + 17])
def test_keep_and_no_keep_agree_across_chunks(n):
    kept, dropped = EventLog(keep=True), EventLog(keep=False)
    for log in (kept, dropped):
        for i in range(n):  # store writes with a component event every 7th record
            src = "kubelet" if i % 7 == 0 else "apiserver"
            log.record(i * 0.1, src, "ADDED", f"/registry/pods/default/p{i}", str(i + 1))
    assert kept.count == dropped.count == n
    assert kept.fingerprint() == dropped.fingerprint()
    assert len(kept.rows()) == n
    # keep=False drops the store's write records and keeps the components' events
    assert len(dropped.rows()) == (n + 6) // 7
    assert dropped.rows() == [r for r in kept.rows() if r[1] != EventLog.STORE_SOURCE]


def test_fingerprint_is_incremental():
    a, b = EventLog(), EventLog()
    _fill(a, 5)
    a.fingerprint()  # reading the fingerprint does not disturb it
    a.record(9.0, "x", "y", "z")
    _fill(b, 5)
    b.record(9.0, "x", "y", "z")
    assert a.fingerprint() == b.fingerprint()


def test_rows_are_tuples_with_float_time():
    log = EventLog()
    log.record(3, "s", "k", "key", "d")
    assert log.rows() == [(3.0, "s", "k", "key", "d")]
    assert isinstance(log.rows()[0][0], float)
