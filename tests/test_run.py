"""End to end: `k8ssim run` on the quickstart scenario — pods really run, tables are written, and a run
is a pure function of (scenario, seed)."""
import json
import os
import subprocess
import sys

import pytest

import k8ssim

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
QUICKSTART = os.path.join(REPO, "scenarios", "quickstart.yaml")


@pytest.fixture(scope="module")
def quick():
    return k8ssim.run(QUICKSTART)


def test_quickstart_pods_run_and_become_ready(quick):
    pods = quick.pods
    live = pods[pods.deleted.isna()]
    assert len(live) == 8  # web 6 + cache 2
    assert set(live.phase) == {"Running"}
    assert live.node.str.startswith("general-").all()
    # every pod: created <= scheduled <= started <= ready
    assert (live.created <= live.scheduled).all() and (live.scheduled <= live.started).all()
    assert (live.started <= live.ready).all()
    web = live[live.owner_name.str.startswith("web-")]
    # readinessProbe initialDelaySeconds 5, periodSeconds 5 => first success exactly 5 s after start
    assert ((web.ready - web.started) == 5.0).all()
    cache = live[live.owner_name.str.startswith("cache-")]
    assert ((cache.ready - cache.started) == 0.0).all()  # no readiness probe: Ready at start
    assert (web.cpu_request_m == 250).all() and (web.memory_request_bytes == 256 * 1024**2).all()


def test_image_pulls_are_cached_and_serialised_per_node(quick):
    ev, pods = quick.events, quick.pods
    node_of = dict(zip(pods.namespace + "/" + pods.name, pods.node))
    pulls = ev[ev.reason == "Pulling"].copy()
    pulls["node"] = pulls.object.map(node_of)
    pulls["image"] = pulls.message.str.extract(r'"(.*)"', expand=False)
    # the node's image cache: each image is pulled once per node, whatever the number of pods using it
    assert not pulls.duplicated(["node", "image"]).any()
    assert set(pulls.node) == {"general-0", "general-1", "general-2"}
    # serializeImagePulls: on a node pulling both images the second pull starts when the first ends,
    # 100Mi (defaultImageSize) at 50Mi/s (imagePullBandwidth) = 2 s later
    for node, g in pulls.groupby("node"):
        times = sorted(g.time)
        assert all(b - a == pytest.approx(2.0) for a, b in zip(times, times[1:]))
    assert (pulls.groupby("node").size() == 2).any()


def test_summary_and_ignored_kinds(quick):
    s = quick.summary_text
    assert "Deployment" in s and "web" in s and "6/6" in s and "2/2" in s
    assert "ServiceAccount" in s  # not simulated, listed as ignored
    assert quick.meta["ignored_objects"] == ["ServiceAccount/web -n default"]


def test_node_usage_matches_requests(quick):
    nu = quick.node_usage
    last = nu[nu.time == nu.time.max()]
    assert last.cpu_requested_m.sum() == 6 * 250 + 2 * 500
    assert last.memory_requested_bytes.sum() == 6 * 256 * 1024**2 + 2 * 1024**3
    assert (last.cpu_requested_m <= last.cpu_allocatable_m).all()


def test_workloads_table_samples_every_interval(quick):
    wl = quick.workloads
    deps = wl[(wl.kind == "Deployment") & (wl.name == "web")]
    times = sorted(deps.time.unique())
    assert times[0] == 0.0 and times[1] == 15.0 and times[-1] == 600.0
    assert deps[deps.time == 600.0].available.iloc[0] == 6


def _run_cli(args, env_extra=None, cwd=None):
    env = dict(os.environ)
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "k8ssim", *args], capture_output=True, text=True, env=env,
                          cwd=cwd or REPO, timeout=300)


def test_cli_run_writes_tables_and_metadata(tmp_path):
    out = tmp_path / "q"
    r = _run_cli(["run", QUICKSTART, "-o", str(out), "--no-progress"])
    assert r.returncode == 0, r.stderr
    for t in ("pods", "nodes", "events", "node_usage", "workloads"):
        assert (out / f"{t}.parquet").exists()
    meta = json.loads((out / "run.json").read_text())
    for key in ("k8ssim_version", "scenario_hash", "seed", "overrides", "fingerprint", "wall_seconds",
                "simulated_seconds"):
        assert key in meta
    assert meta["simulated_seconds"] == 600.0
    import pandas as pd

    assert len(pd.read_parquet(out / "pods.parquet")) == 8


def test_same_seed_same_fingerprint_across_hash_seeds(tmp_path):
    fps = []
    for i, hs in enumerate(("0", "12345")):
        out = tmp_path / f"r{i}"
        r = _run_cli(["run", QUICKSTART, "-o", str(out), "-q", "--no-progress"], {"PYTHONHASHSEED": hs})
        assert r.returncode == 0, r.stderr
        fps.append(json.loads((out / "run.json").read_text())["fingerprint"])
    assert fps[0] == fps[1]
    import pandas as pd

    for t in ("pods", "nodes", "events", "node_usage", "workloads"):
        a, b = pd.read_parquet(tmp_path / "r0" / f"{t}.parquet"), pd.read_parquet(tmp_path / "r1" / f"{t}.parquet")
        pd.testing.assert_frame_equal(a, b)


def test_different_seed_changes_the_fingerprint(quick):
    other = k8ssim.run(QUICKSTART, seed=2)
    assert other.fingerprint != quick.fingerprint
    again = k8ssim.run(QUICKSTART, seed=1)
    assert again.fingerprint == quick.fingerprint


def test_overrides_apply_and_are_recorded():
    res = k8ssim.run(QUICKSTART, overrides=["spec.cluster.nodePools[0].count=5", "spec.duration=2m"])
    assert len(res.nodes) == 5
    assert res.meta["simulated_seconds"] == 120.0
    assert "spec.cluster.nodePools[0].count=5" in res.meta["overrides"]


def test_help_does_not_import_heavy_libraries():
    code = ("import sys; from k8ssim.cli import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('numpy','pandas','matplotlib','numba','simpy') if m in sys.modules))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert r.stdout.strip().splitlines()[-1] == "[]"


def test_simulation_path_does_not_import_pandas_or_matplotlib():
    code = ("import sys, k8ssim\n"
            "from k8ssim.scenario.loader import load_scenario\nfrom k8ssim.simulation import Simulation\n"
            f"s = Simulation(load_scenario({QUICKSTART!r}))\n"
            "s._bootstrap(); s.engine.run(until=60)\n"
            "print(sorted(m for m in ('pandas','matplotlib') if m in sys.modules))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().splitlines()[-1] == "[]"
