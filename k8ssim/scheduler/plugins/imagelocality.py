"""ImageLocality: favour nodes that already hold the pod's images, scaled by how widely spread
each image is.

Mirrors ``pkg/scheduler/framework/plugins/imagelocality/image_locality.go`` (v1.35: threshold
1000 MB per container including init containers; no NormalizeScore)."""
from __future__ import annotations

from typing import Optional

from k8ssim.api.core import Pod
from k8ssim.scheduler.framework import MAX_NODE_SCORE, CycleState
from k8ssim.scheduler.nodeinfo import NodeInfo

NAME = "ImageLocality"
MB = 1024 * 1024
MIN_THRESHOLD = 23 * MB
MAX_CONTAINER_THRESHOLD = 1000 * MB


def normalized_image_name(name: str) -> str:
    """Append ``:latest`` when the name has no tag (``lastIndex(':') <= lastIndex('/')``)."""
    if name.rfind(":") <= name.rfind("/"):
        name = name + ":latest"
    return name


def scaled_image_score(size: int, num_nodes: int, total_num_nodes: int) -> int:
    return int(float(size) * (float(num_nodes) / float(total_num_nodes)))


def sum_image_scores(node_info: NodeInfo, pod: Pod, total_num_nodes: int) -> int:
    total = 0
    for c in list(pod.spec.init_containers) + list(pod.spec.containers):
        st = node_info.image_states.get(normalized_image_name(c.image))
        if st is not None:
            total += scaled_image_score(st.size, st.num_nodes, total_num_nodes)
    return total


def calculate_priority(sum_scores: int, num_containers: int) -> int:
    max_threshold = MAX_CONTAINER_THRESHOLD * num_containers
    if sum_scores < MIN_THRESHOLD:
        sum_scores = MIN_THRESHOLD
    elif sum_scores > max_threshold:
        sum_scores = max_threshold
    den = max_threshold - MIN_THRESHOLD
    q = abs(MAX_NODE_SCORE * (sum_scores - MIN_THRESHOLD)) // abs(den)
    return q if (sum_scores - MIN_THRESHOLD >= 0) == (den >= 0) else -q


class ImageLocality:
    name = NAME

    def __init__(self, args: Optional[dict] = None, handle=None):
        self.handle = handle

    def score(self, state: CycleState, pod: Pod, node_info: NodeInfo) -> tuple:
        total_nodes = self.handle.snapshot.num_nodes() if self.handle is not None else 1
        total_nodes = max(total_nodes, 1)
        s = sum_image_scores(node_info, pod, total_nodes)
        return calculate_priority(s, len(pod.spec.init_containers) + len(pod.spec.containers)), None
