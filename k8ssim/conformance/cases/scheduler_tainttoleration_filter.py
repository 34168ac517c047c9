"""Vectors: TaintToleration Filter, complete table (upstream TestTaintTolerationFilter and
TestTaintTolerationFilterWithFeatureGate)."""
from __future__ import annotations

from k8ssim.conformance.cases.scheduler_tainttoleration import run  # noqa: F401 - same encoding
