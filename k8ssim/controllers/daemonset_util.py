"""DaemonSet node eligibility and the daemon pod's automatic tolerations and node affinity.

Mirrors ``pkg/controller/daemon/daemon_controller.go`` (``NodeShouldRunDaemonPod``, ``predicates``,
``NewPod``, ``podsShouldBeOnNode`` without the surge branch) and
``pkg/controller/daemon/util/daemonset_util.go`` (``AddOrUpdateDaemonPodTolerations``,
``ReplaceDaemonSetPodNodeNameNodeAffinity``), with ``v1helper.AddOrUpdateTolerationInPodSpec`` and the
required-node-affinity matcher of ``k8s.io/component-helpers/scheduling/corev1/nodeaffinity``.

Node-affinity matching is the scheduler's (``k8ssim.scheduler.plugins.nodeaffinity``: terms ORed,
expressions ANDed, an empty or invalid term matches nothing, ``matchFields`` only ``metadata.name``).
"""
from __future__ import annotations

import copy
import dataclasses
from typing import Iterable, Optional, Sequence

from k8ssim.api.apps import DaemonSet
from k8ssim.api.core import (
    Affinity,
    Node,
    NodeAffinity,
    NodeSelectorRequirement,
    NodeSelectorTerm,
    Pod,
    PodSpec,
    Toleration,
    find_untolerated_taint,
)
from k8ssim.scheduler.plugins import nodeaffinity as _na

TAINT_NODE_NOT_READY = "node.kubernetes.io/not-ready"
TAINT_NODE_UNREACHABLE = "node.kubernetes.io/unreachable"
TAINT_NODE_DISK_PRESSURE = "node.kubernetes.io/disk-pressure"
TAINT_NODE_MEMORY_PRESSURE = "node.kubernetes.io/memory-pressure"
TAINT_NODE_PID_PRESSURE = "node.kubernetes.io/pid-pressure"
TAINT_NODE_UNSCHEDULABLE = "node.kubernetes.io/unschedulable"
TAINT_NODE_NETWORK_UNAVAILABLE = "node.kubernetes.io/network-unavailable"
OBJECT_NAME_FIELD = "metadata.name"


def daemon_pod_tolerations(host_network: bool) -> tuple:
    """The tolerations ``AddOrUpdateDaemonPodTolerations`` adds, in upstream order."""
    out = [
        Toleration(key=TAINT_NODE_NOT_READY, operator="Exists", effect="NoExecute"),
        Toleration(key=TAINT_NODE_UNREACHABLE, operator="Exists", effect="NoExecute"),
        Toleration(key=TAINT_NODE_DISK_PRESSURE, operator="Exists", effect="NoSchedule"),
        Toleration(key=TAINT_NODE_MEMORY_PRESSURE, operator="Exists", effect="NoSchedule"),
        Toleration(key=TAINT_NODE_PID_PRESSURE, operator="Exists", effect="NoSchedule"),
        Toleration(key=TAINT_NODE_UNSCHEDULABLE, operator="Exists", effect="NoSchedule"),
    ]
    if host_network:
        out.append(Toleration(key=TAINT_NODE_NETWORK_UNAVAILABLE, operator="Exists", effect="NoSchedule"))
    return tuple(out)


def _match_toleration(a: Toleration, b: Toleration) -> bool:
    """``Toleration.MatchToleration``: same key, effect, operator and value."""
    return a.key == b.key and a.effect == b.effect and (a.operator or "Equal") == (b.operator or "Equal") and a.value == b.value


def add_or_update_toleration(tolerations: Sequence[Toleration], toleration: Toleration) -> tuple:
    """``AddOrUpdateTolerationInPodSpec``: replace a matching toleration (e.g. one with
    tolerationSeconds) by ``toleration``, or append it."""
    out = []
    updated = False
    for t in tolerations:
        if _match_toleration(toleration, t):
            if t == toleration:
                return tuple(tolerations)
            out.append(toleration)
            updated = True
            continue
        out.append(t)
    if not updated:
        out.append(toleration)
    return tuple(out)


def add_or_update_daemon_pod_tolerations(spec: PodSpec) -> tuple:
    """The pod spec's tolerations after ``AddOrUpdateDaemonPodTolerations``."""
    tols = tuple(spec.tolerations)
    for t in daemon_pod_tolerations(spec.host_network):
        tols = add_or_update_toleration(tols, t)
    return tols


# ----------------------------------------------------------------------------- node affinity


def node_matches_node_selector_term(term: NodeSelectorTerm, node: Node) -> bool:
    """One ``NodeSelectorTerm`` (the scheduler's NodeAffinity matcher): empty or invalid terms match nothing."""
    return _na.term_matches(term, node)


def node_matches_node_selector_terms(terms: Optional[Iterable[NodeSelectorTerm]], node: Node) -> bool:
    """A required NodeSelector: terms are ORed (no terms -> no match)."""
    return _na.node_selector_terms_match(tuple(terms or ()), node)


def pod_matches_node_selector_and_affinity(spec: PodSpec, node: Node) -> bool:
    """``nodeaffinity.GetRequiredNodeAffinity(pod).Match(node)``: spec.nodeSelector AND required terms."""
    labels = node.metadata.labels
    for k, v in spec.node_selector.items():
        if labels.get(k) != v:
            return False
    na = spec.affinity.node_affinity if spec.affinity is not None else None
    if na is not None and na.required is not None:
        return node_matches_node_selector_terms(na.required, node)
    return True


# ----------------------------------------------------------------------------- eligibility


def new_daemon_pod_spec(ds: DaemonSet, node_name: str) -> PodSpec:
    """``NewPod``'s spec: the template spec with nodeName set and the daemon tolerations added."""
    spec = copy.copy(ds.spec.template.spec)
    spec.node_name = node_name
    spec.tolerations = add_or_update_daemon_pod_tolerations(ds.spec.template.spec)
    return spec


def node_should_run_daemon_pod(node: Node, ds: DaemonSet) -> tuple:
    """``NodeShouldRunDaemonPod`` -> ``(should_run, should_continue_running)``. Resources, host ports,
    readiness and spec.unschedulable are not checked (the scheduler does that)."""
    template_node = ds.spec.template.spec.node_name
    if template_node and template_node != node.metadata.name:
        return False, False
    spec = new_daemon_pod_spec(ds, node.metadata.name)
    fits_node_name = not spec.node_name or spec.node_name == node.metadata.name
    fits_affinity = pod_matches_node_selector_and_affinity(spec, node)
    if not fits_node_name or not fits_affinity:
        return False, False
    taints = node.spec.taints
    if find_untolerated_taint(taints, spec.tolerations, ("NoSchedule", "NoExecute")) is not None:
        no_execute = find_untolerated_taint(taints, spec.tolerations, ("NoExecute",))
        return False, no_execute is None
    return True, True


def nodes_to_run(nodes: Iterable[Node], ds: DaemonSet) -> list:
    """Names of the nodes where ``should_run`` holds (where a fresh DaemonSet creates pods)."""
    return [n.metadata.name for n in nodes if node_should_run_daemon_pod(n, ds)[0]]


def pods_should_be_on_node(node: Node, ds: DaemonSet, daemon_pods: Sequence[Pod]) -> tuple:
    """``podsShouldBeOnNode`` (no-surge path) -> ``(needs_pod, pods_to_delete)``. Failed daemon pods are
    returned for deletion; upstream additionally rate-limits that with the failed-pods backoff
    (``flowcontrol.Backoff`` 1 s -> 15 min), which the caller applies. With surge allowed the caller keeps
    only the oldest running pod as well (simplification of the surge branch)."""
    should_run, should_continue = node_should_run_daemon_pod(node, ds)
    if should_run and not daemon_pods:
        return True, []
    to_delete: list = []
    if should_continue:
        running = []
        for p in daemon_pods:
            if p.metadata.deletion_timestamp is not None:
                continue
            if p.status.phase in ("Failed", "Succeeded"):
                to_delete.append(p)
            else:
                running.append(p)
        if len(running) > 1:
            running.sort(key=_pod_by_creation_and_phase_key)
            to_delete.extend(running[1:])
        return False, to_delete
    if daemon_pods:
        to_delete = [p for p in daemon_pods if p.metadata.deletion_timestamp is None]
    return False, to_delete


def _pod_by_creation_and_phase_key(p: Pod) -> tuple:
    """``podByCreationTimestampAndPhase``: Running before not running, then oldest, then name."""
    t = p.metadata.creation_timestamp
    return (0 if p.status.phase == "Running" else 1, float("-inf") if t is None else t, p.metadata.name)


def replace_daemon_set_pod_node_name_node_affinity(affinity: Optional[Affinity], node_name: str) -> Affinity:
    """``ReplaceDaemonSetPodNodeNameNodeAffinity``: the daemon pod's required node affinity becomes the
    single term ``matchFields metadata.name In [node]`` (other required terms are dropped; preferred
    terms and pod (anti-)affinity are kept). Returns a new Affinity; the input is not modified."""
    term = NodeSelectorTerm(
        match_fields=(NodeSelectorRequirement(key=OBJECT_NAME_FIELD, operator="In", values=(node_name,)),)
    )
    if affinity is None:
        return Affinity(node_affinity=NodeAffinity(required=(term,)))
    na = affinity.node_affinity
    new_na = NodeAffinity(required=(term,)) if na is None else dataclasses.replace(na, required=(term,))
    new = copy.copy(affinity)
    new.node_affinity = new_na
    return new
