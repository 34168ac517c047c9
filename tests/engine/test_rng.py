"""Named RNG streams: independence, stability across processes and PYTHONHASHSEED (validation.md §7a
D2, D5; ns-3's Stream lesson)."""
import os
import subprocess
import sys

import numpy as np
import pytest

from k8ssim.engine import RandomStreams, spawn_key_for

SNIPPET = (
    "from k8ssim.engine import RandomStreams\n"
    "rs = RandomStreams(42)\n"
    "print(rs.stream('arrivals').integers(0, 2**62, size=4).tolist(), "
    "rs.stream('store.uid').random(2).tolist())\n"
)


def test_same_seed_same_name_same_draws():
    a = RandomStreams(7).stream("arrivals").random(100)
    b = RandomStreams(7).stream("arrivals").random(100)
    assert np.array_equal(a, b)


def test_streams_are_cached():
    rs = RandomStreams(7)
    assert rs.stream("x") is rs.stream("x")
    assert rs.names() == ["x"]


def test_adding_a_stream_does_not_shift_another():
    only = RandomStreams(3)
    ref = only.stream("arrivals").random(50)

    busy = RandomStreams(3)
    busy.stream("faults").random(1000)  # a new component draws first
    busy.stream("zzz").integers(0, 10, 77)
    got = busy.stream("arrivals").random(50)
    assert np.array_equal(ref, got)


def test_different_names_and_seeds_differ():
    rs = RandomStreams(1)
    assert not np.array_equal(rs.stream("a").random(10), rs.stream("b").random(10))
    assert not np.array_equal(RandomStreams(1).stream("a").random(10), RandomStreams(2).stream("a").random(10))


def test_replications_are_independent_children():
    r0 = RandomStreams(5, replication=0).stream("a").random(10)
    r1 = RandomStreams(5, replication=1).stream("a").random(10)
    base = RandomStreams(5).stream("a").random(10)
    assert not np.array_equal(r0, r1)
    assert not np.array_equal(r0, base)
    assert np.array_equal(r1, RandomStreams(5, replication=1).stream("a").random(10))


def test_spawn_key_is_stable_and_uses_blake2b():
    # A fixed value: the key must never depend on the process (no hash()).
    k = spawn_key_for("arrivals")
    assert len(k) == 4 and all(0 <= w < 2**32 for w in k)
    assert spawn_key_for("arrivals") == k
    assert spawn_key_for("arrivals2") != k


@pytest.mark.parametrize("bad", [-1, 1.5, "7", None, True])
def test_bad_seed_rejected(bad):
    with pytest.raises(ValueError):
        RandomStreams(bad)


def test_equal_across_pythonhashseed_subprocesses():
    outs = set()
    for hs in ("0", "1", "random"):
        env = dict(os.environ, PYTHONHASHSEED=hs)
        r = subprocess.run([sys.executable, "-c", SNIPPET], env=env, capture_output=True, text=True, check=True)
        outs.add(r.stdout)
    assert len(outs) == 1, outs
    here = RandomStreams(42)
    expected = (
        f"{here.stream('arrivals').integers(0, 2**62, size=4).tolist()} "
        f"{here.stream('store.uid').random(2).tolist()}\n"
    )
    assert outs == {expected}
