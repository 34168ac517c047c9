"""Container runtime latency profiles (the CRI calls the kubelet makes to start a pod).

Upstream ``pkg/kubelet/kuberuntime/kuberuntime_manager.go`` ``SyncPod``: ``RunPodSandbox`` (pause
container + CNI network set-up) once per pod, then for every container ``EnsureImageExists`` (image
pull, see :mod:`k8ssim.node.kubelet`), ``CreateContainer`` and ``StartContainer``, one after the other.

Figures (seconds), chosen as follows — they are order-of-magnitude values, not a measurement of
ours:

* The Kubernetes pod-startup SLO (``sig-scalability/slos/pod_startup_latency.md``) is p99 ≤ 5 s for
  stateless pods *excluding image pulls*, and the kubelet's ``kubelet_pod_start_sli_duration_seconds``
  in the scalability jobs sits around 1–2 s at p50 including status reporting; sandbox + one
  container must therefore fit well inside 1 s on an idle node.
* Sandbox creation dominates: network namespace + CNI ADD + pause container, a few hundred ms
  (containerd CRI ``RunPodSandbox``); container create/start with runc is ~50–160 ms (Red Hat's crun
  write-up measures ``runc run`` ≈ 160 ms, crun far less).
* Espe et al., "Performance Evaluation of Container Runtimes" (CLOSER 2020, TouchStone over the
  CRI): containerd is faster than CRI-O on runtime (lifecycle) operations with runc, so the CRI-O
  profile is ~20 % slower.

``podStartLatency`` in the scenario, when given, is the time from admission (images present) to the
first container running: the sandbox time is then ``podStartLatency − create − start`` (the profile's
container figures are kept), or every figure is scaled down when ``podStartLatency`` is smaller than
the container figures alone.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Optional


@dataclass(frozen=True)
class RuntimeProfile:
    name: str
    sandbox_create: float  # RunPodSandbox (pause container, network namespace, CNI ADD)
    container_create: float  # CreateContainer
    container_start: float  # StartContainer

    @property
    def container_latency(self) -> float:
        """CreateContainer + StartContainer (what a restart costs, image present)."""
        return self.container_create + self.container_start

    @property
    def pod_start(self) -> float:
        """Sandbox + the first container, images present."""
        return self.sandbox_create + self.container_latency


PROFILES: dict[str, RuntimeProfile] = {
    "containerd": RuntimeProfile("containerd", sandbox_create=0.45, container_create=0.05, container_start=0.10),
    "cri-o": RuntimeProfile("cri-o", sandbox_create=0.55, container_create=0.07, container_start=0.12),
}


def resolve_profile(name: str = "containerd", pod_start_latency: Optional[float] = None) -> RuntimeProfile:
    """The profile of runtime ``name``, fitted to ``pod_start_latency`` when one is given."""
    try:
        base = PROFILES[name]
    except KeyError:
        raise ValueError(f'unsupported container runtime "{name}": supported values: '
                         + ", ".join(f'"{k}"' for k in PROFILES)) from None
    if pod_start_latency is None:
        return base
    total = float(pod_start_latency)
    if total >= base.container_latency:
        return replace(base, sandbox_create=total - base.container_latency)
    f = total / base.pod_start if base.pod_start > 0 else 0.0
    return replace(base, sandbox_create=base.sandbox_create * f, container_create=base.container_create * f,
                   container_start=base.container_start * f)
