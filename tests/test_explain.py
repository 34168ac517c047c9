"""`k8ssim explain`: per-attempt scheduling decisions recorded in a run and printed for one pod."""
import os
import subprocess
import sys

import k8ssim

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SCENARIO = {
    "apiVersion": "k8ssim.io/v1alpha1", "kind": "Scenario", "metadata": {"name": "explain"},
    "spec": {
        "duration": "1m",
        "cluster": {"nodePools": [
            {"name": "small", "capacity": {"cpu": "1", "memory": "4Gi"}, "count": 1},
            {"name": "big", "capacity": {"cpu": "8", "memory": "32Gi"}, "count": 1,
             "taints": [{"key": "dedicated", "value": "batch", "effect": "NoSchedule"}]},
        ]},
        "manifests": [{"inline": {
            "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
            "spec": {"containers": [{"name": "c", "image": "nginx:1.27",
                                     "resources": {"requests": {"cpu": "2"}}}]}}}],
    },
}


def test_unschedulable_pod_is_explained_per_node(tmp_path):
    res = k8ssim.run(SCENARIO, record_explain=True)
    df = res.explain
    first = df[(df.pod == "default/p") & (df.attempt == 1)]
    f = first[first.kind == "filter"].set_index("node")
    # small-0 has 1 cpu (< 2 requested): NodeResourcesFit; big-0 has an untolerated taint: TaintToleration
    # (filters run in the default profile order, TaintToleration before NodeResourcesFit)
    assert f.loc["small-0"].plugin == "NodeResourcesFit" and "Insufficient cpu" in f.loc["small-0"].detail
    assert f.loc["big-0"].plugin == "TaintToleration" and "untolerated taint" in f.loc["big-0"].detail
    result = first[first.kind == "result"].iloc[0]
    assert result.plugin == "Unschedulable"
    assert result.detail.startswith("0/2 nodes are available: ")
    out = res.write(str(tmp_path / "run"))
    r = subprocess.run([sys.executable, "-m", "k8ssim", "explain", out, "p"], capture_output=True, text=True,
                       cwd=REPO)
    assert r.returncode == 0, r.stderr
    assert "NodeResourcesFit" in r.stdout and "TaintToleration" in r.stdout and "Unschedulable" in r.stdout


def test_explain_needs_a_recorded_run(tmp_path):
    out = k8ssim.run(SCENARIO).write(str(tmp_path / "plain"))
    r = subprocess.run([sys.executable, "-m", "k8ssim", "explain", out, "p"], capture_output=True, text=True,
                       cwd=REPO)
    assert r.returncode == 2 and "--explain" in r.stderr
