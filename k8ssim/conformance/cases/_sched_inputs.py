"""Decode the scheduler vector encoding (``shared/vectors/README.md``) into typed Pods, Nodes,
NodeInfos and Snapshots.

Resources: ``{cpu_milli, memory_bytes, ephemeral_storage_bytes, pods, scalar{}}`` → canonical dict.
A node: ``{name, allocatable, labels, taints, images, unschedulable?}``. A pod: ``{name?, namespace?,
labels?, node?, containers[], init_containers[]?, overhead?, nodeSelector?, affinity?, tolerations?,
topologySpreadConstraints?, terminating?, priority?}``; affinity follows the v1 API with
``required``/``preferred`` abbreviating the ``...DuringSchedulingIgnoredDuringExecution`` names.
"""
from __future__ import annotations

from typing import Iterable, Optional

from k8ssim.api import decode
from k8ssim.api.core import (
    Container,
    ContainerImage,
    ContainerPort,
    Node,
    NodeSpec,
    NodeStatus,
    Pod,
    PodSpec,
)
from k8ssim.api.meta import LabelSelector, ObjectMeta
from k8ssim.scheduler.nodeinfo import NodeInfo, Snapshot, set_image_states

_UNITS = {"cpu_milli": "cpu", "memory_bytes": "memory", "ephemeral_storage_bytes": "ephemeral-storage", "pods": "pods"}
_REQ = "requiredDuringSchedulingIgnoredDuringExecution"
_PREF = "preferredDuringSchedulingIgnoredDuringExecution"


def resources(d: Optional[dict]) -> dict:
    """Vector resource encoding → ``{"cpu": milli, "memory": bytes, ...}`` (missing keys stay unset)."""
    out: dict = {}
    for k, v in (d or {}).items():
        if k == "scalar":
            for sk, sv in (v or {}).items():
                out[sk] = int(sv)
        elif k in _UNITS:
            out[_UNITS[k]] = int(v)
        else:
            out[k] = int(v)
    return out


def expand_affinity(d):
    """Rename the ``required``/``preferred`` abbreviations to the v1 field names (recursively under
    nodeAffinity / podAffinity / podAntiAffinity)."""
    if not isinstance(d, dict):
        return d
    out = {}
    for k, v in d.items():
        if k in ("nodeAffinity", "podAffinity", "podAntiAffinity") and isinstance(v, dict):
            v = {(_REQ if kk == "required" else _PREF if kk == "preferred" else kk): vv for kk, vv in v.items()}
        out[k] = v
    return out


def node_affinity(d: Optional[dict]):
    """A NodeAffinity from ``{required: {nodeSelectorTerms}, preferred: [...]}`` (addedAffinity too)."""
    if d is None:
        return None
    return decode.node_affinity(expand_affinity({"nodeAffinity": d})["nodeAffinity"])


def label_selector(d) -> Optional[LabelSelector]:
    return decode.label_selector(d)


def container(d: dict, i: int, prefix: str = "c") -> Container:
    ports = tuple(
        ContainerPort(
            container_port=int(p.get("containerPort", 0) or 0),
            host_port=int(p.get("hostPort", 0) or 0),
            protocol=p.get("protocol", "") or "",
            host_ip=p.get("hostIP", "") or "",
        )
        for p in d.get("ports") or ()
    )
    return Container(
        name=d.get("name") or f"{prefix}{i}",
        image=d.get("image", "") or "",
        requests=resources(d.get("requests")),
        limits=resources(d.get("limits")),
        ports=ports,
        restart_policy=d.get("restartPolicy") or d.get("restart_policy"),
    )


def pod(d: Optional[dict], default_name: str = "pod", default_namespace: str = "") -> Pod:
    """A typed Pod from the vector encoding. Pods without a name get ``default_name``; the UID is
    ``namespace/name`` so NodeInfo identity is stable."""
    d = d or {}
    name = d.get("name") or default_name
    ns = d.get("namespace", default_namespace)
    ns = "" if ns is None else ns
    meta = ObjectMeta(name=name, namespace=ns, uid=d.get("uid") or f"{ns}/{name}", labels=dict(d.get("labels") or {}))
    if d.get("terminating"):
        meta.deletion_timestamp = 0.0
    spec = PodSpec(
        containers=[container(c, i) for i, c in enumerate(d.get("containers") or ())],
        init_containers=[container(c, i, "init") for i, c in enumerate(d.get("init_containers") or ())],
        node_name=d.get("node", "") or d.get("nodeName", "") or "",
        node_selector=dict(d.get("nodeSelector") or {}),
        affinity=decode.affinity(expand_affinity(d.get("affinity"))) if d.get("affinity") else None,
        tolerations=tuple(decode.toleration(t) for t in d.get("tolerations") or ()),
        topology_spread_constraints=tuple(
            decode.topology_spread_constraint(c) for c in d.get("topologySpreadConstraints") or ()
        ),
        overhead=resources(d.get("overhead")),
        priority=d.get("priority"),
        scheduling_gates=tuple(d.get("schedulingGates") or ()),
    )
    return Pod(metadata=meta, spec=spec)


def node(d: dict) -> Node:
    meta = ObjectMeta(name=d.get("name", "") or "", labels=dict(d.get("labels") or {}))
    spec = NodeSpec(
        unschedulable=bool(d.get("unschedulable", False)),
        taints=tuple(decode.taint(t) for t in d.get("taints") or ()),
    )
    status = NodeStatus(
        allocatable=resources(d.get("allocatable")),
        images=[ContainerImage(tuple(i.get("names") or ()), int(i.get("size_bytes", 0))) for i in d.get("images") or ()],
    )
    status.capacity = dict(status.allocatable)
    return Node(metadata=meta, spec=spec, status=status)


def pods(items: Optional[Iterable[dict]], prefix: str = "existing", default_namespace: str = "") -> list:
    return [pod(p, f"{prefix}-{i}", default_namespace) for i, p in enumerate(items or ())]


def node_infos(nodes: Iterable[Node], existing: Iterable[Pod] = ()) -> list:
    """NodeInfos in the given node order with the existing pods placed by ``spec.node_name`` and
    image states filled (upstream tests build them with ``NewNodeInfo`` in list order)."""
    infos = {n.metadata.name: NodeInfo(n) for n in nodes}
    for p in existing:
        ni = infos.get(p.spec.node_name)
        if ni is not None:
            ni.add_pod(p)
    set_image_states(infos.values())
    return list(infos.values())


def snapshot(nodes: Iterable[Node], existing: Iterable[Pod] = ()) -> Snapshot:
    """A Snapshot keeping the vector's node order (so per-node expectations line up)."""
    return Snapshot(node_infos(nodes, existing))


def namespace_lookup(namespaces: Optional[Iterable[dict]]):
    """``(namespace_labels, list_namespaces)`` callables from a vector file's ``namespaces`` list."""
    table = {ns["name"]: dict(ns.get("labels") or {}) for ns in namespaces or ()}
    return (lambda name: table.get(name)), (lambda: list(table.items()))


# ---------------------------------------------------------------------------------------------------
# running one plugin through the Framework
# ---------------------------------------------------------------------------------------------------


def framework_for(plugin, handle=None, weight: int = 1):
    """A Framework holding only ``plugin`` at every extension point it implements."""
    from k8ssim.scheduler.framework import EXTENSION_POINTS, Framework, implements

    points = {p: [plugin] for p in EXTENSION_POINTS if implements(plugin, p)}
    return Framework("conformance", points, {plugin.name: weight}, handle=handle)


def run_score(plugin, pod_obj: Pod, nodes: list, handle=None) -> tuple:
    """PreScore → Score → NormalizeScore of one plugin over ``nodes`` (NodeInfos).

    Returns ``(prescore_code_name, {node: normalized score}, {node: raw score})``. When PreScore
    returns Skip the scores are all 0, as the plugin then contributes nothing."""
    from k8ssim.scheduler.framework import CycleState

    fwk = framework_for(plugin, handle)
    state = CycleState()
    s = fwk.run_pre_score_plugins(state, pod_obj, nodes)
    if not s.is_success():
        raise AssertionError(f"PreScore failed: {s}")
    if plugin.name in state.skip_score_plugins:
        return "Skip", {ni.name: 0 for ni in nodes}, {}
    res, s = fwk.run_score_plugins(state, pod_obj, nodes)
    if not s.is_success():
        raise AssertionError(f"Score failed: {s}")
    norm = {r.name: r.total_score for r in res}
    raw = {r.name: r.scores[0].raw for r in res if r.scores}
    return "Success", norm, raw


def run_filter(plugin, pod_obj: Pod, node_info, handle=None) -> tuple:
    """PreFilter (over the handle's snapshot, else just this node) then Filter of one plugin on one
    node → ``(prefilter Status, PreFilterResult,
    filter Status or None when PreFilter rejected)``. A PreFilter Skip means Filter is not run
    (Success)."""
    from k8ssim.scheduler.framework import CycleState, Status

    fwk = framework_for(plugin, handle)
    state = CycleState()
    nodes = handle.snapshot.node_info_list if handle is not None and handle.snapshot.node_info_list else [node_info]
    result, pre, _ = fwk.run_pre_filter_plugins(state, pod_obj, nodes)
    if not pre.is_success():
        return pre, result, None
    if plugin.name in state.skip_filter_plugins:
        return Status.skip(), result, Status()
    return pre, result, fwk.run_filter_plugins(state, pod_obj, node_info)


def run_scores(plugin, vector: dict) -> None:
    """Score every node with ``plugin`` (PreScore then Score, no normalization: these plugins have
    none) and compare with ``expected.scores`` and, when given, ``expected.status``."""
    from k8ssim.conformance.runner import expect_equal
    from k8ssim.scheduler.framework import CycleState

    inp = vector["inputs"]
    infos = node_infos([node(n) for n in inp["nodes"]], pods(inp.get("existing_pods")))
    the_pod = pod(inp.get("pod"), "incoming")
    state = CycleState()
    pre = plugin.pre_score(state, the_pod, infos)
    if pre is not None and pre.is_skip():
        got_scores = {ni.name: 0 for ni in infos}
        got_status = "Skip"
    else:
        got_scores, codes = {}, set()
        for ni in infos:
            sc, st = plugin.score(state, the_pod, ni)
            got_scores[ni.name] = 0 if (st is not None and not st.is_success()) else sc
            codes.add("Success" if st is None else str(st.code))
        got_status = "Error" if "Error" in codes else "Success"
    exp = vector["expected"]
    if "status" in exp:
        expect_equal(got_status, exp["status"], "status")
    if "prescore_status" in exp:
        expect_equal(got_status, exp["prescore_status"], "prescore_status")
    expect_equal(got_scores, exp["scores"], "scores")
