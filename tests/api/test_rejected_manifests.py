"""Published manifests that a v1.35 apiserver rejects (``shared/manifests/rejected-by-1.35/``).

Each file is inspected and its specific reason asserted: the located path and the message that
names the problem (a removed API version per the deprecation guide, or a schema error as published).
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from k8ssim.api.schema import validate_schema

REPO = Path(__file__).resolve().parents[2]
REJECTED = Path(os.path.join(REPO, "..", "shared", "manifests", "rejected-by-1.35"))

# file -> {document index: [(path, message)]}; documents not listed must validate cleanly.
EXPECTED = {
    # CronJob written for batch/v1beta1, no longer served since v1.25 (deprecation guide).
    "website/application/job/cronjob.yaml": {
        0: [(("apiVersion",),
             'no matches for kind "CronJob" in version "batch/v1beta1"; '
             "CronJob was removed in v1.25: use batch/v1")],
    },
    # Service x2, PodDisruptionBudget (policy/v1beta1, removed in v1.25), StatefulSet: only the PDB fails.
    "k8s-examples/_archived/cockroachdb/cockroachdb-statefulset.yaml": {
        2: [(("apiVersion",),
             'no matches for kind "PodDisruptionBudget" in version "policy/v1beta1"; '
             "PodDisruptionBudget was removed in v1.25: use policy/v1")],
    },
    # requiredDuringSchedulingIgnoredDuringExecution is a NodeSelector object, written as published
    # as a list of weighted preferences (the shape of the preferred... field).
    "website/pods/pod-with-node-affinity.yaml": {
        0: [(("spec", "affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution"),
             "expected object, got array")],
    },
}


def test_every_rejected_file_has_an_expectation():
    files = sorted(str(p.relative_to(REJECTED)) for p in REJECTED.rglob("*")
                   if p.suffix in (".yaml", ".yml"))
    assert files == sorted(EXPECTED)


@pytest.mark.parametrize("relpath", sorted(EXPECTED))
def test_rejected_manifest_names_the_problem(relpath):
    with open(REJECTED / relpath, encoding="utf-8") as f:
        docs = [d for d in yaml.safe_load_all(f) if d is not None]
    got = {i: [(e.path, e.message) for e in validate_schema(d)] for i, d in enumerate(docs)}
    assert {i: errs for i, errs in got.items() if errs} == EXPECTED[relpath]
