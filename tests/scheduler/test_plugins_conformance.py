"""Every vector of the 13 scheduler plugin vector files, table-driven with upstream case names."""
from __future__ import annotations

import json
import os

import pytest

from k8ssim.conformance.runner import handler_for, run_dir

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VECTORS = os.path.join(REPO, "..", "shared", "vectors")
FILES = [
    "scheduler_noderesources_least_allocated",
    "scheduler_noderesources_most_allocated",
    "scheduler_noderesources_balanced_allocation",
    "scheduler_noderesources_requested_to_capacity_ratio",
    "scheduler_noderesources_fit_filter",
    "scheduler_tainttoleration",
    "scheduler_tainttoleration_filter",
    "scheduler_nodeaffinity",
    "scheduler_interpodaffinity_score",
    "scheduler_interpodaffinity_filter",
    "scheduler_podtopologyspread",
    "scheduler_imagelocality",
    "scheduler_nodeports_filter",
]


def _cases():
    out = []
    for stem in FILES:
        with open(os.path.join(VECTORS, stem + ".json"), encoding="utf-8") as fh:
            doc = json.load(fh)
        for v in doc["vectors"]:
            name = v.get("upstream_case") or v.get("description") or ""
            out.append(pytest.param(stem, v, doc, id=f"{stem}:{v['id']}:{name}"))
    return out


@pytest.mark.parametrize("stem,vector,doc", _cases())
def test_vector(stem, vector, doc):
    handler_for(stem).run(vector, doc)


def test_conformance_runner_reports_all_plugin_files_clean(tmp_path):
    """The ``k8ssim conformance`` machinery over the same files: nothing fails."""
    for stem in FILES:
        os.symlink(os.path.join(VECTORS, stem + ".json"), tmp_path / (stem + ".json"))
    with open(tmp_path / "out.txt", "w") as out:
        rc = run_dir(str(tmp_path), only="scheduler_", out=out)
    text = (tmp_path / "out.txt").read_text()
    assert rc == 0, text
    assert text.strip().splitlines()[-1] == f"{len(_cases())} passed, 0 failed"
