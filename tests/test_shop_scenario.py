"""The shop scenario (``scenarios/shop.yaml``): an Online Boutique-shaped app on 6 nodes in 3 zones.

It must validate cleanly through the CLI, and a run must bring every Deployment to all replicas Ready
with no pod left Pending: 18 pods that request 2.72 CPU and 2.06 GiB fit six 8-vCPU/32-GiB nodes
many times over, so anything else is a bug in the simulator, not a property of the scenario.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
SCENARIO = REPO / "scenarios" / "shop.yaml"
MANIFESTS = REPO / "scenarios" / "manifests" / "shop"


def _manifest_docs() -> list[dict]:
    """The shop's manifests read with plain PyYAML: the test's own, independent view of the input."""
    docs = []
    for f in sorted(MANIFESTS.glob("*.yaml")):
        docs.extend(d for d in yaml.safe_load_all(f.read_text()) if d)
    return docs


def _expected_replicas() -> dict[str, int]:
    return {d["metadata"]["name"]: d["spec"].get("replicas", 1) for d in _manifest_docs() if d["kind"] == "Deployment"}


def test_shop_has_the_intended_shape():
    """The scenario is what it claims to be (guards the scenario file, not the simulator)."""
    scen = yaml.safe_load(SCENARIO.read_text())["spec"]
    assert scen["seed"] == 7 and scen["duration"] == "30m"
    (pool,) = scen["cluster"]["nodePools"]
    assert (pool["instanceType"], pool["count"], len(pool["zones"])) == ("m5.2xlarge", 6, 3)
    docs = _manifest_docs()
    kinds = [d["kind"] for d in docs]
    deployments = [d for d in docs if d["kind"] == "Deployment"]
    services = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Service"}
    assert len(deployments) == 11 and "loadgenerator" not in _expected_replicas()
    assert kinds.count("PodDisruptionBudget") == 1 and kinds.count("ServiceAccount") == 1
    assert sum(1 for n in _expected_replicas().values() if n > 1) >= 3
    for d in deployments:
        name = d["metadata"]["name"]
        assert services[name]["spec"].get("type", "ClusterIP") == "ClusterIP", name
        for c in d["spec"]["template"]["spec"]["containers"]:
            assert ":" in c["image"].rsplit("/", 1)[-1], f"{name}: image without a tag"
            assert {"cpu", "memory"} <= set(c["resources"]["requests"]), name
            assert {"cpu", "memory"} <= set(c["resources"]["limits"]), name
            assert "readinessProbe" in c and "livenessProbe" in c, name
            assert c["ports"], name


def test_shop_validates_through_the_cli(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "k8ssim", "validate", str(SCENARIO), str(MANIFESTS)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert " error: " not in proc.stderr
    assert proc.stdout.split()[0] == str(1 + len(list(MANIFESTS.glob("*.yaml"))))  # every file was checked


def test_shop_loads_with_the_service_account_listed_as_ignored():
    from k8ssim.scenario.loader import load_scenario

    loaded = load_scenario(str(SCENARIO))
    kinds = sorted(o.kind for o in loaded.manifests.objects)
    assert kinds.count("Deployment") == 11
    assert kinds.count("PodDisruptionBudget") == 1
    assert [(i.kind, i.name) for i in loaded.manifests.ignored] == [("ServiceAccount", "shop")]


@pytest.fixture(scope="module")
def shop_result():
    import k8ssim

    return k8ssim.run(str(SCENARIO))


def test_shop_run_every_deployment_fully_ready(shop_result):
    want = _expected_replicas()
    wl = shop_result.workloads
    last = wl[(wl["kind"] == "Deployment") & (wl["time"] == wl["time"].max())]
    got = {r.name: (r.desired, r.ready, r.available) for r in last.itertuples()}
    assert got == {name: (n, n, n) for name, n in want.items()}


def test_shop_run_no_pending_pods(shop_result):
    pods = shop_result.pods
    live = pods[pods["deleted"].isna()]
    assert len(live) == sum(_expected_replicas().values())
    assert not (live["phase"] == "Pending").any(), live[live["phase"] == "Pending"][["name", "reason"]]
    assert (live["node"] != "").all()
    assert live["ready"].notna().all()
    # every pod ran on a node of the scenario, and the nodes are spread over the three zones
    nodes = shop_result.nodes
    assert set(live["node"]) <= set(nodes["name"])
    assert sorted(nodes.groupby("zone").size().tolist()) == [2, 2, 2]
