"""`k8ssim conformance` over ../shared/vectors: every file whose component k8ssim models passes in
full; the files of components not built yet (HPA, cluster-autoscaler, kube-proxy) are named here so
that adding one forces this list to change."""
import os
import subprocess
import sys

import pytest

from k8ssim.conformance.runner import handler_for, run_file

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VECTORS = os.path.join(REPO, "..", "shared", "vectors")
FILES = sorted(f for f in os.listdir(VECTORS) if f.endswith(".json"))
NOT_YET_MODELLED = {"hpa_replica_calculator.json", "hpa_behavior.json", "cluster_autoscaler.json", "kube_proxy.json"}


def test_every_vector_file_is_accounted_for():
    assert len(FILES) >= 27
    without = {f for f in FILES if handler_for(f[:-5]) is None}
    assert without == NOT_YET_MODELLED


@pytest.mark.parametrize("name", [f for f in FILES if f not in NOT_YET_MODELLED])
def test_vector_file_passes_in_full(name):
    res = run_file(os.path.join(VECTORS, name))
    assert res.failed == 0 and res.passed > 0, res.failures[:10]


def test_cli_prints_one_line_per_file_and_a_total(tmp_path):
    # a copy of two files in their own directory: the runner dispatches on file name, any vectors
    for f in ("scheduler_core.json", "quantity_parsing.json"):
        (tmp_path / f).write_bytes(open(os.path.join(VECTORS, f), "rb").read())
    r = subprocess.run([sys.executable, "-m", "k8ssim", "conformance", str(tmp_path)], capture_output=True,
                       text=True, cwd=REPO)
    lines = r.stdout.strip().splitlines()
    assert r.returncode == 0
    assert len(lines) == 3 and lines[-1] == "40 passed, 0 failed"


def test_cli_fails_when_a_vector_disagrees(tmp_path):
    import json

    doc = json.load(open(os.path.join(VECTORS, "scheduler_core.json")))
    v = next(v for v in doc["vectors"] if v.get("kind") == "numFeasibleNodesToFind")
    bad = json.loads(json.dumps(v))
    bad["id"] = "broken-1"
    exp = bad["expected"]
    key = next(iter(exp)) if isinstance(exp, dict) else None
    if key is not None:
        exp[key] = exp[key] + 1
    else:
        bad["expected"] = exp + 1
    doc["vectors"] = [v, bad]
    (tmp_path / "scheduler_core.json").write_text(json.dumps(doc))
    r = subprocess.run([sys.executable, "-m", "k8ssim", "conformance", str(tmp_path)], capture_output=True,
                       text=True, cwd=REPO)
    assert r.returncode == 1
    assert r.stdout.strip().splitlines()[-1] == "1 passed, 1 failed"
