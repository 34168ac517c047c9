"""`k8ssim run --check-invariants`: a run whose scheduler profile disables NodeResourcesFit (allowed
by KubeSchedulerConfiguration) overcommits a node; the checker stops it with exit code 3, naming the
seed and the event index. Paused Deployments still scale (deployment_controller.go: paused -> sync)."""
import os
import subprocess
import sys
import textwrap

import k8ssim

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

OVERCOMMIT = textwrap.dedent("""\
    apiVersion: k8ssim.io/v1alpha1
    kind: Scenario
    metadata: {name: overcommit}
    spec:
      seed: 5
      duration: 2m
      cluster:
        nodePools:
          - {name: tiny, capacity: {cpu: "1", memory: 2Gi}, count: 1}
        scheduler:
          profiles:
            - schedulerName: default-scheduler
              plugins:
                filter:
                  disabled: [{name: NodeResourcesFit}]
      manifests:
        - inline:
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: big}
            spec:
              replicas: 3
              selector: {matchLabels: {app: big}}
              template:
                metadata: {labels: {app: big}}
                spec:
                  containers:
                    - {name: c, image: "x:1", resources: {requests: {cpu: 600m}}}
    """)


def _run(path, *extra):
    return subprocess.run([sys.executable, "-m", "k8ssim", "run", str(path), "--no-progress", "-q", *extra],
                          capture_output=True, text=True, cwd=REPO, timeout=300)


def test_overcommit_is_caught_with_exit_3(tmp_path):
    p = tmp_path / "s.yaml"
    p.write_text(OVERCOMMIT)
    out = tmp_path / "out"
    r = _run(p, "-o", str(out), "--check-invariants")
    assert r.returncode == 3, r.stderr
    assert "invariant I1" in r.stderr and "seed 5" in r.stderr and "event #" in r.stderr
    assert not out.exists()
    # without the checker the same run completes (the simulator does what the profile says)
    r2 = _run(p, "-o", str(tmp_path / "out2"))
    assert r2.returncode == 0, r2.stderr


def test_paused_deployment_is_still_scaled():
    sc = {"apiVersion": "k8ssim.io/v1alpha1", "kind": "Scenario", "metadata": {"name": "paused"},
          "spec": {"duration": "2m",
                   "cluster": {"nodePools": [{"name": "a", "instanceType": "m5.xlarge", "count": 2}]},
                   "manifests": [{"inline": {
                       "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
                       "spec": {"replicas": 4, "selector": {"matchLabels": {"app": "web"}},
                                "template": {"metadata": {"labels": {"app": "web"}},
                                             "spec": {"containers": [{"name": "c", "image": "x:1"}]}}}}}],
                   "timeline": [{"at": "30s", "pause": {"deployment": "web"}},
                                {"at": "40s", "scale": {"deployment": "web", "replicas": 1}}]}}
    res = k8ssim.run(sc, check_invariants=True)
    pods = res.pods
    assert (pods.terminating.isna()).sum() == 1
    wl = res.workloads
    last = wl[(wl.kind == "Deployment") & (wl.time == wl.time.max())].iloc[0]
    assert (last.desired, last.current) == (1, 1)
