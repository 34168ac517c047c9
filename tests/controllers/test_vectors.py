"""Every controller vector file in ../shared/vectors through its conformance case module, one test
per vector named by the vector id and the upstream case."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from k8ssim.conformance.runner import handler_for, run_dir

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "vectors"
FILES = [
    "deployment_rolling",
    "replicaset_deletion_rank",
    "daemonset_eligibility",
    "job_backoff",
    "disruption_pdb",
    "node_lifecycle",
]


def _cases():
    for stem in FILES:
        with open(SHARED / f"{stem}.json", encoding="utf-8") as fh:
            doc = json.load(fh)
        for v in doc["vectors"]:
            name = v.get("upstream_case") or v.get("upstream_func") or v.get("notes", "")[:40]
            yield pytest.param(stem, v, doc, id=f"{v['id']}:{name}")


@pytest.mark.parametrize("stem,vector,doc", list(_cases()))
def test_vector(stem, vector, doc):
    handler_for(stem).run(vector, doc)


def test_runner_reports_all_files_passing():
    import io

    out = io.StringIO()
    for stem in FILES:
        assert run_dir(os.fspath(SHARED), only=stem, out=out) == 0, out.getvalue()
