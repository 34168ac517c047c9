"""The scheduling framework: Status/Code, CycleState, extension-point protocols and the Framework
that runs a profile's plugins.

Mirrors ``staging/src/k8s.io/kube-scheduler/framework/interface.go`` (Code, Status, plugin
interfaces, PreFilterResult), ``pkg/scheduler/framework/cycle_state.go``,
``pkg/scheduler/framework/runtime/framework.go`` (Run*Plugins), ``pkg/scheduler/schedule_one.go``
(``numFeasibleNodesToFind``, ``findNodesThatPassFilters``, ``selectHost``) and
``pkg/scheduler/framework/plugins/helper/normalize_score.go``, v1.35.

A plugin is any object with a ``name`` and some of the extension-point methods below (duck typing:
``filter`` makes it a Filter plugin, ``score`` a Score plugin, ...). The Protocol classes document the
signatures; in-tree plugins inherit them for readability, user plugins need not.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any, Callable, Iterable, Optional, Protocol, runtime_checkable

from k8ssim.api.core import Pod
from k8ssim.scheduler.nodeinfo import NodeInfo, PodInfo, Snapshot

__all__ = [
    "Code", "Status", "CycleState", "PreFilterResult", "PostFilterResult", "NodeScore",
    "PluginScore", "NodePluginScores", "ClusterEvent", "ClusterEventWithHint", "QueueingHint",
    "MAX_NODE_SCORE", "MIN_NODE_SCORE", "MAX_TOTAL_SCORE", "Handle", "Framework",
    "PreEnqueuePlugin", "QueueSortPlugin", "PreFilterPlugin", "FilterPlugin", "PostFilterPlugin",
    "PreScorePlugin", "ScorePlugin", "ReservePlugin", "PermitPlugin", "PreBindPlugin", "BindPlugin",
    "PostBindPlugin", "EnqueueExtensions", "EXTENSION_POINTS", "implements",
    "default_normalize_score", "num_feasible_nodes_to_find", "find_nodes_that_fit", "select_host",
    "FrameworkError",
]

MAX_NODE_SCORE = 100
MIN_NODE_SCORE = 0
MAX_TOTAL_SCORE = (1 << 63) - 1
MIN_FEASIBLE_NODES_TO_FIND = 100
MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5
NUMBER_OF_HIGHEST_SCORED_NODES_TO_REPORT = 3


class FrameworkError(Exception):
    """A profile that cannot be built (unknown plugin, missing QueueSort/Bind, bad args)."""


# ---------------------------------------------------------------------------------------------------
# Code / Status
# ---------------------------------------------------------------------------------------------------


class Code(IntEnum):
    """``framework.Code``. ``str(code)`` is the upstream name (``"UnschedulableAndUnresolvable"``)."""

    SUCCESS = 0
    """Success (a missing Status is also Success)."""
    ERROR = 1
    """Internal plugin error, unexpected input; the pod is retried with backoff."""
    UNSCHEDULABLE = 2
    """The pod does not fit now; preemption may help."""
    UNSCHEDULABLE_AND_UNRESOLVABLE = 3
    """The pod does not fit and preemption on this node cannot help."""
    WAIT = 4
    """A Permit plugin asks to wait."""
    SKIP = 5
    """PreFilter/PreScore: skip this plugin's Filter/Score; Bind: let the next binder bind."""
    PENDING = 6
    """The pod waits for something outside the scheduler (e.g. a DRA claim); not an error."""

    def __str__(self) -> str:
        return _CODE_NAMES[self]

    @classmethod
    def from_name(cls, name: str) -> "Code":
        return _CODE_BY_NAME[name]


_CODE_NAMES = {
    Code.SUCCESS: "Success", Code.ERROR: "Error", Code.UNSCHEDULABLE: "Unschedulable",
    Code.UNSCHEDULABLE_AND_UNRESOLVABLE: "UnschedulableAndUnresolvable", Code.WAIT: "Wait",
    Code.SKIP: "Skip", Code.PENDING: "Pending",
}
_CODE_BY_NAME = {v: k for k, v in _CODE_NAMES.items()}


class Status:
    """``framework.Status``: a code, reasons (user-visible), the plugin that produced it, and for
    Error an exception. ``None`` where a Status is expected means Success."""

    __slots__ = ("code", "reasons", "plugin", "err")

    def __init__(self, code: Code = Code.SUCCESS, reasons: Any = (), plugin: str = "", err: Optional[BaseException] = None):
        self.code = Code(code)
        self.reasons: list = [reasons] if isinstance(reasons, str) else list(reasons)
        self.plugin = plugin
        self.err = err

    # constructors
    @classmethod
    def success(cls) -> "Status":
        return cls(Code.SUCCESS)

    @classmethod
    def unschedulable(cls, *reasons: str) -> "Status":
        return cls(Code.UNSCHEDULABLE, reasons)

    @classmethod
    def unresolvable(cls, *reasons: str) -> "Status":
        return cls(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, reasons)

    @classmethod
    def skip(cls) -> "Status":
        return cls(Code.SKIP)

    @classmethod
    def error(cls, err: Any) -> "Status":
        e = err if isinstance(err, BaseException) else FrameworkError(str(err))
        return cls(Code.ERROR, (), err=e)

    # predicates
    def is_success(self) -> bool:
        return self.code == Code.SUCCESS

    def is_wait(self) -> bool:
        return self.code == Code.WAIT

    def is_skip(self) -> bool:
        return self.code == Code.SKIP

    def is_rejected(self) -> bool:
        """Unschedulable, UnschedulableAndUnresolvable or Pending."""
        return self.code in (Code.UNSCHEDULABLE, Code.UNSCHEDULABLE_AND_UNRESOLVABLE, Code.PENDING)

    def message(self) -> str:
        """Reasons joined by ", " (upstream ``Status.Message``); the error text when there are none."""
        if not self.reasons and self.err is not None:
            return str(self.err)
        return ", ".join(self.reasons)

    def with_plugin(self, plugin: str) -> "Status":
        self.plugin = plugin
        return self

    def __eq__(self, other) -> bool:
        if other is None:
            return self.code == Code.SUCCESS
        if not isinstance(other, Status):
            return NotImplemented
        return self.code == other.code and self.reasons == other.reasons

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        p = f" plugin={self.plugin}" if self.plugin else ""
        return f"Status({self.code}{p}: {self.message()!r})"


def as_status(s: Optional[Status]) -> Status:
    return Status() if s is None else s


def is_success(s: Optional[Status]) -> bool:
    return s is None or s.code == Code.SUCCESS


# ---------------------------------------------------------------------------------------------------
# CycleState and result types
# ---------------------------------------------------------------------------------------------------


class CycleState:
    """``framework.CycleState``: per-cycle plugin data (key → object with optional ``clone()``), and
    the sets of plugins whose Filter/Score are skipped in this cycle."""

    __slots__ = ("_storage", "skip_filter_plugins", "skip_score_plugins", "skip_pre_bind_plugins", "record_plugin_metrics")

    def __init__(self):
        self._storage: dict = {}
        self.skip_filter_plugins: set = set()
        self.skip_score_plugins: set = set()
        self.skip_pre_bind_plugins: set = set()
        self.record_plugin_metrics = False

    def read(self, key: str) -> Any:
        """``CycleState.Read``; raises KeyError (upstream ErrNotFound) if absent."""
        return self._storage[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self._storage.get(key, default)

    def write(self, key: str, value: Any) -> None:
        self._storage[key] = value

    def delete(self, key: str) -> None:
        self._storage.pop(key, None)

    def __contains__(self, key: str) -> bool:
        return key in self._storage

    def __getitem__(self, key: str) -> Any:
        return self._storage[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self._storage[key] = value

    def clone(self) -> "CycleState":
        """``CycleState.Clone``: values with a ``clone()`` method are cloned, others shared."""
        c = CycleState()
        for k, v in self._storage.items():
            cl = getattr(v, "clone", None)
            c._storage[k] = cl() if callable(cl) else v
        c.skip_filter_plugins = set(self.skip_filter_plugins)
        c.skip_score_plugins = set(self.skip_score_plugins)
        c.skip_pre_bind_plugins = set(self.skip_pre_bind_plugins)
        c.record_plugin_metrics = self.record_plugin_metrics
        return c


@dataclass(slots=True)
class PreFilterResult:
    """``framework.PreFilterResult``: ``node_names`` None means all nodes are eligible."""

    node_names: Optional[set] = None

    def all_nodes(self) -> bool:
        return self.node_names is None

    def merge(self, other: Optional["PreFilterResult"]) -> Optional["PreFilterResult"]:
        """``PreFilterResult.Merge``: intersection; None/all-nodes is the identity."""
        if (other is None or other.all_nodes()) and self.all_nodes():
            return None
        if self.all_nodes():
            return PreFilterResult(set(other.node_names))  # type: ignore[union-attr]
        if other is None or other.all_nodes():
            return PreFilterResult(set(self.node_names))  # type: ignore[arg-type]
        return PreFilterResult(self.node_names & other.node_names)


@dataclass(slots=True)
class PostFilterResult:
    """``framework.PostFilterResult``: the nominating info (node name) after preemption."""

    nominated_node_name: str = ""
    mode: str = "ModeOverride"


@dataclass(slots=True)
class NodeScore:
    name: str
    score: int


@dataclass(slots=True)
class PluginScore:
    """One plugin's contribution to a node: ``score`` is weighted (as upstream); ``raw`` and
    ``normalized`` are kept for ``k8ssim explain``."""

    name: str
    score: int
    raw: int = 0
    normalized: int = 0


@dataclass(slots=True)
class NodePluginScores:
    name: str
    scores: list = field(default_factory=list)  # of PluginScore
    total_score: int = 0


@dataclass(slots=True, frozen=True)
class ClusterEvent:
    """``fwk.ClusterEvent``: resource (Pod, Node, PersistentVolumeClaim, ...) and action type
    (Add, Delete, UpdateNodeLabel, UpdateNodeTaint, UpdateNodeAllocatable, UpdatePodLabel, ..., All)."""

    resource: str
    action: str
    label: str = ""


class QueueingHint(IntEnum):
    QUEUE_SKIP = 0
    QUEUE = 1


@dataclass(slots=True)
class ClusterEventWithHint:
    event: ClusterEvent
    hint_fn: Optional[Callable] = None  # (pod, old_obj, new_obj) -> QueueingHint


# ---------------------------------------------------------------------------------------------------
# extension points (Protocols; duck-typed)
# ---------------------------------------------------------------------------------------------------


@runtime_checkable
class Plugin(Protocol):
    name: str


class PreEnqueuePlugin(Protocol):
    def pre_enqueue(self, pod: Pod) -> Optional[Status]: ...


class QueueSortPlugin(Protocol):
    def less(self, a: Any, b: Any) -> bool: ...


class PreFilterPlugin(Protocol):
    """``pre_filter`` returns ``(PreFilterResult | None, Status | None)``. Optional
    ``add_pod(state, pod_to_schedule, pod_info_to_add, node_info)`` / ``remove_pod(...)`` are the
    PreFilterExtensions (used with nominated pods and preemption)."""

    def pre_filter(self, state: CycleState, pod: Pod, nodes: list) -> tuple: ...


class FilterPlugin(Protocol):
    def filter(self, state: CycleState, pod: Pod, node_info: NodeInfo) -> Optional[Status]: ...


class PostFilterPlugin(Protocol):
    def post_filter(self, state: CycleState, pod: Pod, filtered_node_status: dict) -> tuple: ...


class PreScorePlugin(Protocol):
    def pre_score(self, state: CycleState, pod: Pod, nodes: list) -> Optional[Status]: ...


class ScorePlugin(Protocol):
    """``score`` returns ``(int, Status | None)``; optional ``normalize_score(state, pod, scores)``
    rewrites the list of NodeScore in place and returns a Status (ScoreExtensions)."""

    def score(self, state: CycleState, pod: Pod, node_info: NodeInfo) -> tuple: ...


class ReservePlugin(Protocol):
    def reserve(self, state: CycleState, pod: Pod, node_name: str) -> Optional[Status]: ...

    def unreserve(self, state: CycleState, pod: Pod, node_name: str) -> None: ...


class PermitPlugin(Protocol):
    """``permit`` returns ``(Status | None, timeout_seconds)``."""

    def permit(self, state: CycleState, pod: Pod, node_name: str) -> tuple: ...


class PreBindPlugin(Protocol):
    def pre_bind(self, state: CycleState, pod: Pod, node_name: str) -> Optional[Status]: ...


class BindPlugin(Protocol):
    def bind(self, state: CycleState, pod: Pod, node_name: str) -> Optional[Status]: ...


class PostBindPlugin(Protocol):
    def post_bind(self, state: CycleState, pod: Pod, node_name: str) -> None: ...


class EnqueueExtensions(Protocol):
    def events_to_register(self) -> list: ...


# config-field name (KubeSchedulerConfiguration ``plugins.<point>``) → method that marks it
EXTENSION_POINTS: dict = {
    "preEnqueue": "pre_enqueue",
    "queueSort": "less",
    "preFilter": "pre_filter",
    "filter": "filter",
    "postFilter": "post_filter",
    "preScore": "pre_score",
    "score": "score",
    "reserve": "reserve",
    "permit": "permit",
    "preBind": "pre_bind",
    "bind": "bind",
    "postBind": "post_bind",
}


def implements(plugin: Any, point: str) -> bool:
    """Whether ``plugin`` implements the extension point ``point`` (a key of EXTENSION_POINTS)."""
    return callable(getattr(plugin, EXTENSION_POINTS[point], None))


# ---------------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------------


def default_normalize_score(max_priority: int, reverse: bool, scores: list) -> None:
    """``helper.DefaultNormalizeScore``: scale to [0, max_priority] by the maximum (Go integer
    division); ``reverse`` flips. All-zero scores become max_priority when reversed."""
    max_count = 0
    for s in scores:
        if s.score > max_count:
            max_count = s.score
    if max_count == 0:
        if reverse:
            for s in scores:
                s.score = max_priority
        return
    for s in scores:
        v = max_priority * s.score // max_count if s.score >= 0 else -((max_priority * -s.score) // max_count)
        s.score = max_priority - v if reverse else v


def num_feasible_nodes_to_find(num_all_nodes: int, percentage: Optional[int] = None) -> int:
    """``numFeasibleNodesToFind`` (schedule_one.go): adaptive ``50 - n/125`` percent, at least 5%
    and at least 100 nodes."""
    if num_all_nodes < MIN_FEASIBLE_NODES_TO_FIND:
        return num_all_nodes
    pct = percentage or 0
    if pct == 0:
        pct = 50 - num_all_nodes // 125
        if pct < MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND:
            pct = MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND
    num = num_all_nodes * pct // 100
    return max(num, MIN_FEASIBLE_NODES_TO_FIND)


def select_host(scores: list, rng: Any, count: int = NUMBER_OF_HIGHEST_SCORED_NODES_TO_REPORT) -> tuple:
    """``selectHost`` (v1.27–v1.35): the highest total wins; ties are broken by reservoir sampling,
    the k-th tied node replacing the pick when ``rng.integers(k) == 0`` (Go ``rand.Intn(k)``).
    Returns ``(node_name, top)`` where ``top`` holds up to ``count`` NodePluginScores, winner first.
    Candidates are visited in descending score, ties in input order (deterministic)."""
    if not scores:
        raise FrameworkError("empty priorityList")
    order = sorted(scores, key=lambda s: -s.total_score)
    best = order[0].total_score
    top = [order[0]]
    cnt = 1
    selected = 0
    for ns in order[1:]:
        if ns.total_score != best and len(top) >= count:
            break
        if ns.total_score == best:
            cnt += 1
            if int(rng.integers(cnt)) == 0:
                selected = cnt - 1
        top.append(ns)
    if selected:
        top[0], top[selected] = top[selected], top[0]
    return top[0].name, top[:count]


# ---------------------------------------------------------------------------------------------------
# Handle: what plugins may ask of the scheduler
# ---------------------------------------------------------------------------------------------------


@dataclass
class Handle:
    """``framework.Handle`` (the parts plugins use): the current snapshot and listers backed by the
    store. Each callable is replaceable; the defaults describe an empty cluster."""

    snapshot: Snapshot = field(default_factory=Snapshot)
    namespace_labels: Callable[[str], Optional[dict]] = lambda ns: None
    """Labels of a namespace, None if it does not exist."""
    list_namespaces: Callable[[], list] = lambda: []
    """All namespaces as (name, labels) pairs."""
    selectors_for_pod: Callable[[Pod], list] = lambda pod: []
    """LabelSelectors of the Services, ReplicationControllers, ReplicaSets and StatefulSets selecting
    the pod (PodTopologySpread system defaults; ``helper.DefaultSelector``)."""
    get_pvc: Callable[[str, str], Any] = lambda ns, name: None
    """PersistentVolumeClaim by namespace/name, None if absent."""
    bind_fn: Optional[Callable[[Pod, str], Optional[Status]]] = None
    """Writes the binding (DefaultBinder); set by the Scheduler component."""
    parallelism: int = 16
    extras: dict = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------------
# Framework
# ---------------------------------------------------------------------------------------------------


class Framework:
    """``frameworkImpl``: one profile's plugins per extension point, in order, with score weights.

    Build it with :func:`k8ssim.scheduler.plugins.registry.build_framework` from a profile config, or
    directly from plugin instances: ``Framework("p", {"filter": [a, b], "score": [c]}, {"C": 2})``.
    """

    def __init__(
        self,
        profile_name: str,
        points: dict,
        score_weights: Optional[dict] = None,
        *,
        percentage_of_nodes_to_score: Optional[int] = None,
        handle: Optional[Handle] = None,
        plugins: Optional[dict] = None,
        plugin_args: Optional[dict] = None,
    ):
        self.profile_name = profile_name
        self.handle = handle if handle is not None else Handle()
        unknown = set(points) - set(EXTENSION_POINTS)
        if unknown:
            raise FrameworkError(f"unknown extension point(s): {sorted(unknown)}")
        for point, lst in points.items():
            for p in lst:
                if not implements(p, point):
                    raise FrameworkError(f"plugin {getattr(p, 'name', p)!r} does not extend {point}")
        self.pre_enqueue_plugins: list = list(points.get("preEnqueue", ()))
        self.queue_sort_plugins: list = list(points.get("queueSort", ()))
        self.pre_filter_plugins: list = list(points.get("preFilter", ()))
        self.filter_plugins: list = list(points.get("filter", ()))
        self.post_filter_plugins: list = list(points.get("postFilter", ()))
        self.pre_score_plugins: list = list(points.get("preScore", ()))
        self.score_plugins: list = list(points.get("score", ()))
        self.reserve_plugins: list = list(points.get("reserve", ()))
        self.permit_plugins: list = list(points.get("permit", ()))
        self.pre_bind_plugins: list = list(points.get("preBind", ()))
        self.bind_plugins: list = list(points.get("bind", ()))
        self.post_bind_plugins: list = list(points.get("postBind", ()))
        weights = dict(score_weights or {})
        self.score_plugin_weight: dict = {p.name: (weights.get(p.name) or 1) for p in self.score_plugins}
        self.percentage_of_nodes_to_score = percentage_of_nodes_to_score
        self.plugins: dict = dict(plugins or {})
        for lst in points.values():
            for p in lst:
                self.plugins.setdefault(p.name, p)
        self.plugin_args: dict = dict(plugin_args or {})
        self.recorder: Optional[Callable] = None
        """Called as ``recorder(pod, node_plugin_scores)`` after each run_score_plugins (explain)."""
        total = sum(self.score_plugin_weight.values()) * MAX_NODE_SCORE
        if total > MAX_TOTAL_SCORE:
            raise FrameworkError("total score of Score plugins could overflow")

    # -- introspection ------------------------------------------------------------------------------
    def has_filter_plugins(self) -> bool:
        return bool(self.filter_plugins)

    def has_post_filter_plugins(self) -> bool:
        return bool(self.post_filter_plugins)

    def has_score_plugins(self) -> bool:
        return bool(self.score_plugins)

    def list_plugins(self) -> dict:
        """Extension point → [(name, weight)] as ``ListPlugins`` (weights for score only)."""
        out = {}
        for point in EXTENSION_POINTS:
            lst = self._list(point)
            if lst:
                out[point] = [(p.name, self.score_plugin_weight.get(p.name, 0) if point == "score" else 0) for p in lst]
        return out

    def _list(self, point: str) -> list:
        return {
            "preEnqueue": self.pre_enqueue_plugins, "queueSort": self.queue_sort_plugins,
            "preFilter": self.pre_filter_plugins, "filter": self.filter_plugins,
            "postFilter": self.post_filter_plugins, "preScore": self.pre_score_plugins,
            "score": self.score_plugins, "reserve": self.reserve_plugins, "permit": self.permit_plugins,
            "preBind": self.pre_bind_plugins, "bind": self.bind_plugins, "postBind": self.post_bind_plugins,
        }[point]

    def events_to_register(self) -> list:
        """Union of the ClusterEventWithHint lists of the plugins implementing EnqueueExtensions, as
        (plugin name, ClusterEventWithHint) pairs."""
        out = []
        for name, p in self.plugins.items():
            f = getattr(p, "events_to_register", None)
            if callable(f):
                for ev in f() or ():
                    out.append((name, ev))
        return out

    def queue_sort_less(self, a: Any, b: Any) -> bool:
        return self.queue_sort_plugins[0].less(a, b)

    # -- PreEnqueue ---------------------------------------------------------------------------------
    def run_pre_enqueue_plugins(self, pod: Pod) -> Status:
        for p in self.pre_enqueue_plugins:
            s = p.pre_enqueue(pod)
            if not is_success(s):
                return s.with_plugin(p.name)
        return Status()

    # -- PreFilter ----------------------------------------------------------------------------------
    def run_pre_filter_plugins(self, state: CycleState, pod: Pod, nodes: Optional[list] = None) -> tuple:
        """``RunPreFilterPlugins`` → ``(PreFilterResult | None, Status, unschedulable_plugins)``.

        Skip marks the plugin's Filter skipped for this cycle; the first rejecting or erroring plugin
        ends the run; results are intersected and an empty intersection is UnschedulableAndUnresolvable."""
        nodes = self.handle.snapshot.node_info_list if nodes is None else nodes
        result: Optional[PreFilterResult] = None
        plugins_with_nodes: list = []
        unschedulable_plugins: set = set()
        skipped = state.skip_filter_plugins
        for p in self.pre_filter_plugins:
            r, s = p.pre_filter(state, pod, nodes)
            if s is not None and s.is_skip():
                skipped.add(p.name)
                continue
            if not is_success(s):
                s.plugin = p.name
                if s.is_rejected():
                    unschedulable_plugins.add(p.name)
                    return None, s, unschedulable_plugins
                s = Status(Code.ERROR, [f'running PreFilter plugin "{p.name}": {s.message()}'], p.name, s.err)
                return None, s, unschedulable_plugins
            if r is not None and not r.all_nodes():
                plugins_with_nodes.append(p.name)
            result = r if result is None else result.merge(r)
            if result is not None and not result.all_nodes() and not result.node_names:
                msg = f"node(s) didn't satisfy plugin(s) {plugins_with_nodes} simultaneously"
                if len(plugins_with_nodes) == 1:
                    msg = f"node(s) didn't satisfy plugin {plugins_with_nodes[0]}"
                unschedulable_plugins.update(plugins_with_nodes)
                return result, Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, [msg], plugins_with_nodes[0]), unschedulable_plugins
        return result, Status(), unschedulable_plugins

    def run_pre_filter_extension_add_pod(self, state: CycleState, pod: Pod, pod_info_to_add: PodInfo, node_info: NodeInfo) -> Status:
        for p in self.pre_filter_plugins:
            f = getattr(p, "add_pod", None)
            if f is None or p.name in state.skip_filter_plugins:
                continue
            s = f(state, pod, pod_info_to_add, node_info)
            if not is_success(s):
                return Status(Code.ERROR, [f"running AddPod on PreFilter plugin {p.name}: {s.message()}"], p.name)
        return Status()

    def run_pre_filter_extension_remove_pod(self, state: CycleState, pod: Pod, pod_info_to_remove: PodInfo, node_info: NodeInfo) -> Status:
        for p in self.pre_filter_plugins:
            f = getattr(p, "remove_pod", None)
            if f is None or p.name in state.skip_filter_plugins:
                continue
            s = f(state, pod, pod_info_to_remove, node_info)
            if not is_success(s):
                return Status(Code.ERROR, [f"running RemovePod on PreFilter plugin {p.name}: {s.message()}"], p.name)
        return Status()

    # -- Filter -------------------------------------------------------------------------------------
    def run_filter_plugins(self, state: CycleState, pod: Pod, node_info: NodeInfo) -> Status:
        """``RunFilterPlugins``: stop at the first non-success; the Status names the plugin. An Error
        from a plugin is returned as Error."""
        skipped = state.skip_filter_plugins
        for p in self.filter_plugins:
            if p.name in skipped:
                continue
            s = p.filter(state, pod, node_info)
            if s is not None and s.code != Code.SUCCESS:
                if not s.is_rejected():
                    return Status(Code.ERROR, [f'running "{p.name}" filter plugin: {s.message()}'], p.name, s.err)
                s.plugin = p.name
                return s
        return Status()

    def run_filter_plugins_with_nominated_pods(self, state: CycleState, pod: Pod, node_info: NodeInfo, nominated: Iterable = ()) -> Status:
        """``RunFilterPluginsWithNominatedPods``: ``nominated`` are the PodInfos nominated to this
        node with priority ≥ the pod's (the caller filters them). With any, filters run twice: with
        them added (state cloned, PreFilter extensions AddPod), then as is; both must pass."""
        own = _key(pod)
        nominated = [pi for pi in nominated if pi.key != own]
        status = Status()
        pods_added = False
        for i in range(2):
            state_to_use, info_to_use = state, node_info
            if i == 0:
                if nominated:
                    state_to_use = state.clone()
                    info_to_use = node_info.snapshot()
                    for pi in nominated:
                        info_to_use.add_pod(pi)
                        s = self.run_pre_filter_extension_add_pod(state_to_use, pod, pi, info_to_use)
                        if not s.is_success():
                            return s
                    pods_added = True
            elif not pods_added or not status.is_success():
                break
            status = self.run_filter_plugins(state_to_use, pod, info_to_use)
            if not status.is_success() and not status.is_rejected():
                return status
        return status

    # -- PostFilter ---------------------------------------------------------------------------------
    def run_post_filter_plugins(self, state: CycleState, pod: Pod, filtered_node_status: dict) -> tuple:
        """``RunPostFilterPlugins``: the first Success (or Error) ends the run; otherwise the
        reasons are collected. Returns ``(PostFilterResult | None, Status)``."""
        reasons: list = []
        rejector = ""
        result = None
        for p in self.post_filter_plugins:
            r, s = p.post_filter(state, pod, filtered_node_status)
            if is_success(s):
                return r, Status()
            if s.code == Code.UNSCHEDULABLE_AND_UNRESOLVABLE:
                return r, Status(s.code, s.reasons, p.name)
            if not s.is_rejected():
                return None, Status(Code.ERROR, s.reasons, p.name, s.err)
            if r is not None and r.nominated_node_name == "" and result is None:
                result = r
            reasons.extend(s.reasons)
            rejector = rejector or p.name
        return result, Status(Code.UNSCHEDULABLE, reasons, rejector)

    # -- PreScore / Score ---------------------------------------------------------------------------
    def run_pre_score_plugins(self, state: CycleState, pod: Pod, nodes: list) -> Status:
        skipped = state.skip_score_plugins
        for p in self.pre_score_plugins:
            s = p.pre_score(state, pod, nodes)
            if s is not None and s.is_skip():
                skipped.add(p.name)
                continue
            if not is_success(s):
                return Status(Code.ERROR, [f'running PreScore plugin "{p.name}": {s.message()}'], p.name, s.err)
        return Status()

    def run_score_plugins(self, state: CycleState, pod: Pod, nodes: list) -> tuple:
        """``RunScorePlugins`` → ``(list[NodePluginScores], Status)``: score every node with every
        non-skipped plugin, normalize, check [0, 100], multiply by the weight and sum."""
        plugins = [p for p in self.score_plugins if p.name not in state.skip_score_plugins]
        result = [NodePluginScores(ni.name) for ni in nodes]
        if not plugins:
            return result, Status()
        for p in plugins:
            raw_list = []
            for ni in nodes:
                sc, s = p.score(state, pod, ni)
                if not is_success(s):
                    return [], Status(Code.ERROR, [f'plugin "{p.name}" failed with: {s.message()}'], p.name, s.err)
                raw_list.append(NodeScore(ni.name, int(sc)))
            raws = [ns.score for ns in raw_list]
            norm = getattr(p, "normalize_score", None)
            if callable(norm):
                s = norm(state, pod, raw_list)
                if not is_success(s):
                    return [], Status(Code.ERROR, [f'plugin "{p.name}" failed with: {s.message()}'], p.name, s.err)
            w = self.score_plugin_weight[p.name]
            for i, ns in enumerate(raw_list):
                if ns.score > MAX_NODE_SCORE or ns.score < MIN_NODE_SCORE:
                    msg = (f"plugin {p.name!r} returns an invalid score {ns.score}, it should in the range of "
                           f"[{MIN_NODE_SCORE}, {MAX_NODE_SCORE}] after normalizing")
                    return [], Status(Code.ERROR, [msg], p.name)
                weighted = ns.score * w
                nps = result[i]
                nps.scores.append(PluginScore(p.name, weighted, raws[i], ns.score))
                nps.total_score += weighted
        if self.recorder is not None:
            self.recorder(pod, result)
        return result, Status()

    # -- Reserve / Permit / Bind --------------------------------------------------------------------
    def run_reserve_plugins_reserve(self, state: CycleState, pod: Pod, node_name: str) -> Status:
        for p in self.reserve_plugins:
            s = p.reserve(state, pod, node_name)
            if not is_success(s):
                if s.is_rejected():
                    return Status(s.code, s.reasons, p.name)
                return Status(Code.ERROR, [f'running Reserve plugin "{p.name}": {s.message()}'], p.name, s.err)
        return Status()

    def run_reserve_plugins_unreserve(self, state: CycleState, pod: Pod, node_name: str) -> None:
        """Unreserve in reverse order of Reserve (idempotent plugins)."""
        for p in reversed(self.reserve_plugins):
            p.unreserve(state, pod, node_name)

    def run_permit_plugins(self, state: CycleState, pod: Pod, node_name: str) -> tuple:
        """``RunPermitPlugins`` → ``(Status, timeout_seconds)``: Wait if any plugin waits (the
        smallest timeout wins, upstream caps each at 15 min)."""
        timeout = None
        for p in self.permit_plugins:
            s, t = p.permit(state, pod, node_name)
            if is_success(s):
                continue
            if s.is_rejected():
                return Status(s.code, s.reasons, p.name), 0.0
            if s.is_wait():
                t = min(float(t or 0.0), 15 * 60.0)
                timeout = t if timeout is None else min(timeout, t)
                continue
            return Status(Code.ERROR, [f'running Permit plugin "{p.name}": {s.message()}'], p.name, s.err), 0.0
        if timeout is not None:
            return Status(Code.WAIT, [f'one or more plugins asked to wait and no plugin rejected pod "{pod.metadata.name}"']), timeout
        return Status(), 0.0

    def run_pre_bind_plugins(self, state: CycleState, pod: Pod, node_name: str) -> Status:
        for p in self.pre_bind_plugins:
            if p.name in state.skip_pre_bind_plugins:
                continue
            s = p.pre_bind(state, pod, node_name)
            if not is_success(s):
                if s.is_rejected():
                    return Status(s.code, s.reasons, p.name)
                return Status(Code.ERROR, [f'running PreBind plugin "{p.name}": {s.message()}'], p.name, s.err)
        return Status()

    def run_bind_plugins(self, state: CycleState, pod: Pod, node_name: str) -> Status:
        """The first binder that does not return Skip binds."""
        if not self.bind_plugins:
            return Status(Code.SKIP)
        s: Optional[Status] = None
        for p in self.bind_plugins:
            s = p.bind(state, pod, node_name)
            if s is not None and s.is_skip():
                continue
            if not is_success(s):
                if s.is_rejected():
                    return Status(s.code, s.reasons, p.name)
                return Status(Code.ERROR, [f'running Bind plugin "{p.name}": {s.message()}'], p.name, s.err)
            return Status()
        return as_status(s)

    def run_post_bind_plugins(self, state: CycleState, pod: Pod, node_name: str) -> None:
        for p in self.post_bind_plugins:
            p.post_bind(state, pod, node_name)


def _key(pod: Pod) -> str:
    return pod.metadata.uid or f"{pod.metadata.namespace}/{pod.metadata.name}"


# ---------------------------------------------------------------------------------------------------
# the filter loop of the scheduling cycle
# ---------------------------------------------------------------------------------------------------


def find_nodes_that_fit(
    fwk: Framework,
    state: CycleState,
    pod: Pod,
    nodes: list,
    start_index: int = 0,
    num_to_find: Optional[int] = None,
    nominated_for: Optional[Callable[[str], list]] = None,
) -> tuple:
    """``findNodesThatPassFilters`` (sequential, same visiting order as upstream's index math):
    visit ``nodes`` round-robin from ``start_index`` until ``num_to_find`` feasible nodes are found.

    Returns ``(feasible: list[NodeInfo], node_status: dict[name, Status], processed: int)``; the
    caller advances ``next_start_node_index = (start_index + processed) % len(nodes)``.
    ``nominated_for(node_name)`` gives the nominated PodInfos to add (RunFilterPluginsWithNominatedPods).
    """
    n = len(nodes)
    if num_to_find is None:
        num_to_find = num_feasible_nodes_to_find(n, fwk.percentage_of_nodes_to_score) if fwk.has_filter_plugins() else n
    feasible: list = []
    statuses: dict = {}
    if not fwk.has_filter_plugins():
        for i in range(min(num_to_find, n)):
            feasible.append(nodes[(start_index + i) % n])
        return feasible, statuses, len(feasible)
    processed = 0
    for i in range(n):
        ni = nodes[(start_index + i) % n]
        processed += 1
        if nominated_for is not None:
            s = fwk.run_filter_plugins_with_nominated_pods(state, pod, ni, nominated_for(ni.name))
        else:
            s = fwk.run_filter_plugins(state, pod, ni)
        if s.code == Code.ERROR:
            statuses[ni.name] = s
            return feasible, statuses, processed
        if s.is_success():
            feasible.append(ni)
            if len(feasible) >= num_to_find:
                break
        else:
            statuses[ni.name] = s
    return feasible, statuses, processed
