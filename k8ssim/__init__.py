"""k8ssim: a discrete-event simulator of Kubernetes clusters (Kubernetes v1.35 semantics).

Public API::

    import k8ssim
    result = k8ssim.run("scenarios/quickstart.yaml", seed=1)
    result.pods          # pandas DataFrame

Imports are lazy so that ``k8ssim --help`` and ``k8ssim validate`` stay fast.
"""
from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["run", "__version__"]


def run(scenario, seed=None, overrides=None, **kwargs):
    """Run a scenario (path, YAML text or dict) and return a :class:`k8ssim.result.Result`."""
    from k8ssim.simulation import run as _run

    return _run(scenario, seed=seed, overrides=overrides, **kwargs)
