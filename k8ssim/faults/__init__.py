"""Faults injected from outside the cluster (``spec.faults``): the fault injector is the one piece that
may act on components directly (it stands for the operator or the cloud pulling a plug)."""
from k8ssim.faults.node import FaultInjector

__all__ = ["FaultInjector"]
