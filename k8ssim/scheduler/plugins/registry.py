"""Plugin registry, the default profile, and building a Framework from a
KubeSchedulerConfiguration-shaped profile.

Mirrors ``pkg/scheduler/framework/plugins/registry.go`` (name → factory),
``pkg/scheduler/apis/config/v1/default_plugins.go`` (``getDefaultPlugins``, ``mergePlugins``,
``mergePluginSet``), ``pkg/scheduler/apis/config/v1/defaults.go`` (plugin args defaults) and
``runtime/framework.go`` ``expandMultiPointPlugins`` (v1.35).

A plugin class is constructed as ``Class(args: dict | None, handle: Handle)``. A profile may name
a user plugin by dotted path ``"package.module:Class"``; it is imported, and its ``name`` attribute
becomes its name in the profile. Out-of-tree plugins may also be registered with :func:`register`
or through the ``k8ssim.scheduler_plugins`` entry-point group. A user plugin declaring numba kernels
(``fast_filter`` / ``fast_score`` / ``fast_args``, :mod:`k8ssim.scheduler.userkernels`) has them
validated here; it then runs on the scheduler's fast path.
"""
from __future__ import annotations

import copy
import importlib
from typing import Any, Optional

from k8ssim.scheduler.framework import EXTENSION_POINTS, Framework, FrameworkError, Handle, implements

# name → "module:Class" (lazy, so a missing module only matters when the plugin is used)
IN_TREE: dict = {
    "SchedulingGates": "k8ssim.scheduler.plugins.schedulinggates:SchedulingGates",
    "PrioritySort": "k8ssim.scheduler.plugins.queuesort:PrioritySort",
    "NodeUnschedulable": "k8ssim.scheduler.plugins.nodeunschedulable:NodeUnschedulable",
    "NodeName": "k8ssim.scheduler.plugins.nodename:NodeName",
    "TaintToleration": "k8ssim.scheduler.plugins.tainttoleration:TaintToleration",
    "NodeAffinity": "k8ssim.scheduler.plugins.nodeaffinity:NodeAffinityPlugin",
    "NodePorts": "k8ssim.scheduler.plugins.nodeports:NodePorts",
    "NodeResourcesFit": "k8ssim.scheduler.plugins.noderesources:Fit",
    "VolumeBinding": "k8ssim.scheduler.plugins.volumebinding:VolumeBinding",
    "PodTopologySpread": "k8ssim.scheduler.plugins.podtopologyspread:PodTopologySpread",
    "InterPodAffinity": "k8ssim.scheduler.plugins.interpodaffinity:InterPodAffinity",
    "DefaultPreemption": "k8ssim.scheduler.plugins.defaultpreemption:DefaultPreemption",
    "NodeResourcesBalancedAllocation": "k8ssim.scheduler.plugins.balancedallocation:BalancedAllocation",
    "ImageLocality": "k8ssim.scheduler.plugins.imagelocality:ImageLocality",
    "DefaultBinder": "k8ssim.scheduler.plugins.defaultbinder:DefaultBinder",
}

# getDefaultPlugins(): MultiPoint, in order, with score weights (0 = not a score plugin).
# VolumeRestrictions, NodeVolumeLimits and VolumeZone (upstream defaults) are not modelled: with no
# volumes they always pass; they are listed in UNMODELLED_DEFAULT_PLUGINS.
DEFAULT_PLUGINS: tuple = (
    ("SchedulingGates", 0),
    ("PrioritySort", 0),
    ("NodeUnschedulable", 0),
    ("NodeName", 0),
    ("TaintToleration", 3),
    ("NodeAffinity", 2),
    ("NodePorts", 0),
    ("NodeResourcesFit", 1),
    ("VolumeBinding", 0),
    ("PodTopologySpread", 2),
    ("InterPodAffinity", 2),
    ("DefaultPreemption", 0),
    ("NodeResourcesBalancedAllocation", 1),
    ("ImageLocality", 1),
    ("DefaultBinder", 0),
)
UNMODELLED_DEFAULT_PLUGINS = ("VolumeRestrictions", "NodeVolumeLimits", "VolumeZone")
DEFAULT_SCHEDULER_NAME = "default-scheduler"

_FAST_ATTRS = ("fast_filter", "fast_score", "fast_normalize", "fast_args")  # userkernels.FAST_ATTRS, without numba
_CONFIG_POINTS = ("multiPoint",) + tuple(EXTENSION_POINTS)
_registry: dict = dict(IN_TREE)


# ---------------------------------------------------------------------------------------------------
# registry
# ---------------------------------------------------------------------------------------------------


def register(name: str, target: Any) -> None:
    """Add an out-of-tree plugin (a class or ``"module:Class"``); duplicate names are an error."""
    if name in _registry:
        raise FrameworkError(f"a plugin named {name} already exists")
    _registry[name] = target


def unregister(name: str) -> None:
    if name not in _registry:
        raise FrameworkError(f"no plugin named {name} exists")
    del _registry[name]


def _entry_point_plugins() -> dict:
    try:
        from importlib.metadata import entry_points

        return {ep.name: ep.value for ep in entry_points(group="k8ssim.scheduler_plugins")}
    except Exception:  # metadata unavailable: no out-of-tree plugins
        return {}


def load_dotted(path: str) -> type:
    """Import ``"package.module:Class"`` (or ``package.module.Class``)."""
    if ":" in path:
        mod_name, _, attr = path.partition(":")
    else:
        mod_name, _, attr = path.rpartition(".")
    if not mod_name or not attr:
        raise FrameworkError(f'plugin path "{path}" must look like "package.module:Class"')
    try:
        mod = importlib.import_module(mod_name)
    except ImportError as e:
        raise FrameworkError(f'cannot import plugin module "{mod_name}": {e}') from None
    obj = mod
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise FrameworkError(f'module "{mod_name}" has no attribute "{attr}"')
        obj = getattr(obj, part)
    return obj


def plugin_class(name: str, overrides: Optional[dict] = None) -> type:
    """The class for a plugin name (``overrides``, in-tree, registered, entry point, or a dotted path)."""
    target = (overrides or {}).get(name) or _registry.get(name)
    if target is None:
        target = _entry_point_plugins().get(name)
    if target is None and (":" in name or "." in name):
        target = name
    if target is None:
        known = ", ".join(sorted(_registry))
        raise FrameworkError(f'plugin "{name}" does not exist (known: {known})')
    return load_dotted(target) if isinstance(target, str) else target


# ---------------------------------------------------------------------------------------------------
# args defaults (apis/config/v1/defaults.go)
# ---------------------------------------------------------------------------------------------------

_DEFAULT_RESOURCES = [{"name": "cpu", "weight": 1}, {"name": "memory", "weight": 1}]


def default_args(name: str, args: Optional[dict]) -> dict:
    """``SetDefaults_*Args`` for the in-tree plugins; other plugins get their args unchanged."""
    a = copy.deepcopy(args) if args else {}
    if name == "NodeResourcesFit":
        ss = a.setdefault("scoringStrategy", {})
        if ss is None:
            ss = a["scoringStrategy"] = {}
        ss.setdefault("type", "LeastAllocated")
        if not ss.get("resources"):
            ss["resources"] = copy.deepcopy(_DEFAULT_RESOURCES)
        if ss["type"] == "RequestedToCapacityRatio" and not ss.get("requestedToCapacityRatio"):
            ss["requestedToCapacityRatio"] = {"shape": [{"utilization": 0, "score": 10}, {"utilization": 100, "score": 0}]}
    elif name == "NodeResourcesBalancedAllocation":
        if not a.get("resources"):
            a["resources"] = copy.deepcopy(_DEFAULT_RESOURCES)
    elif name == "InterPodAffinity":
        a.setdefault("hardPodAffinityWeight", 1)
        a.setdefault("ignorePreferredTermsOfExistingPods", False)
    elif name == "PodTopologySpread":
        a.setdefault("defaultingType", "System")
    elif name == "DefaultPreemption":
        a.setdefault("minCandidateNodesPercentage", 10)
        a.setdefault("minCandidateNodesAbsolute", 100)
    elif name == "VolumeBinding":
        a.setdefault("bindTimeoutSeconds", 600)
    return a


# ---------------------------------------------------------------------------------------------------
# plugin sets (default_plugins.go mergePluginSet; framework.go expandMultiPointPlugins)
# ---------------------------------------------------------------------------------------------------


def _entries(lst) -> list:
    out = []
    for e in lst or ():
        if isinstance(e, str):
            out.append({"name": e, "weight": 0})
        elif isinstance(e, dict) and e.get("name"):
            out.append({"name": e["name"], "weight": int(e.get("weight") or 0)})
        else:
            raise FrameworkError(f"plugin entry {e!r} needs a name")
    return out


def merge_plugin_set(default_enabled: list, custom: Optional[dict]) -> tuple:
    """``mergePluginSet``: defaults minus custom.disabled ("*" disables all), replaced in place by a
    custom entry of the same name, then the remaining custom entries. Returns (enabled, disabled)."""
    custom = custom or {}
    c_enabled = _entries(custom.get("enabled"))
    c_disabled = _entries(custom.get("disabled"))
    disabled = {e["name"] for e in c_disabled}
    custom_by_name = {e["name"]: e for e in c_enabled}
    replaced = set()
    enabled = []
    if "*" not in disabled:
        for e in default_enabled:
            if e["name"] in disabled:
                continue
            if e["name"] in custom_by_name:
                enabled.append(custom_by_name[e["name"]])
                replaced.add(e["name"])
            else:
                enabled.append(e)
    for e in c_enabled:
        if e["name"] not in replaced:
            enabled.append(e)
    return enabled, c_disabled


def build_framework(
    profile: Optional[dict] = None,
    handle: Optional[Handle] = None,
    *,
    percentage_of_nodes_to_score: Optional[int] = None,
    registry: Optional[dict] = None,
) -> Framework:
    """A Framework for one ``KubeSchedulerConfiguration.profiles[]`` entry (``None``: the default
    profile). Keys: ``schedulerName``, ``plugins.<point>.{enabled,disabled}`` (point is
    ``multiPoint`` or an extension point), ``pluginConfig: [{name, args}]``,
    ``percentageOfNodesToScore``. ``registry`` maps names to classes ahead of the in-tree ones
    (``WithFrameworkOutOfTreeRegistry``)."""
    profile = profile or {}
    handle = handle if handle is not None else Handle()
    name = profile.get("schedulerName") or DEFAULT_SCHEDULER_NAME
    plugins_cfg = profile.get("plugins") or {}
    unknown = set(plugins_cfg) - set(_CONFIG_POINTS)
    if unknown:
        raise FrameworkError(f"plugins: unknown extension point(s) {sorted(unknown)}; known: {list(_CONFIG_POINTS)}")
    default_mp = [{"name": n, "weight": w} for n, w in DEFAULT_PLUGINS]
    multipoint, _ = merge_plugin_set(default_mp, plugins_cfg.get("multiPoint"))
    per_point = {p: merge_plugin_set([], plugins_cfg.get(p)) for p in EXTENSION_POINTS}

    plugin_config = {}
    for pc in profile.get("pluginConfig") or ():
        pname = pc.get("name")
        if not pname:
            raise FrameworkError("pluginConfig[].name: Required value")
        if pname in plugin_config:
            raise FrameworkError(f'pluginConfig: Duplicate value: "{pname}"')
        plugin_config[pname] = pc.get("args") or {}

    # instantiate every enabled plugin once
    needed = [e["name"] for e in multipoint]
    for p in EXTENSION_POINTS:
        needed += [e["name"] for e in per_point[p][0]]
    instances: dict = {}
    args_used: dict = {}
    for pname in needed:
        if pname in instances:
            continue
        cls = plugin_class(pname, registry)
        args = default_args(pname, plugin_config.get(pname))
        try:
            inst = cls(args, handle)
        except FrameworkError as e:
            raise FrameworkError(f"pluginConfig[{pname}].args: {e}") from None
        if not getattr(inst, "name", None):
            raise FrameworkError(f'plugin "{pname}" has no name')
        if any(hasattr(inst, a) for a in _FAST_ATTRS):  # numba kernels for the fast path
            from k8ssim.scheduler.userkernels import validate_plugin

            errs = validate_plugin(inst)
            if errs:
                raise FrameworkError(f'plugin "{pname}": ' + "; ".join(errs))
        instances[pname] = inst
        args_used[pname] = args
    for pname in plugin_config:
        if pname not in instances:
            raise FrameworkError(f'pluginConfig: plugin "{pname}" is not enabled in this profile')

    points: dict = {}
    weights: dict = {}
    for e in multipoint:
        if e["weight"]:
            weights[e["name"]] = e["weight"]
    for point in EXTENSION_POINTS:
        enabled, disabled = per_point[point]
        disabled_names = {d["name"] for d in disabled}
        explicit = [e["name"] for e in enabled]
        for e in enabled:
            if not implements(instances[e["name"]], point):
                raise FrameworkError(f'plugin "{e["name"]}" does not extend {point} plugin')
            if point == "score" and e["weight"]:
                weights[e["name"]] = e["weight"]
        mp_enabled, overrides = [], []
        if "*" not in disabled_names:
            for e in multipoint:
                n = e["name"]
                if not implements(instances[n], point) or n in disabled_names:
                    continue
                if n in explicit:
                    overrides.append(n)
                    continue
                if n in mp_enabled:
                    raise FrameworkError(f'plugin "{n}" already registered as "{point}"')
                mp_enabled.append(n)
        ordered = [n for n in explicit if n in overrides] + mp_enabled + [n for n in explicit if n not in overrides]
        if ordered:
            points[point] = [instances[n] for n in ordered]
    if len(points.get("queueSort", ())) != 1:
        raise FrameworkError(f'profile "{name}": exactly one queueSort plugin is required, got {len(points.get("queueSort", ()))}')
    if not points.get("bind"):
        raise FrameworkError(f'profile "{name}": at least one bind plugin is required')
    pct = profile.get("percentageOfNodesToScore", percentage_of_nodes_to_score)
    if pct is not None and (not isinstance(pct, int) or not 0 <= pct <= 100):
        raise FrameworkError("percentageOfNodesToScore: Invalid value: not in valid range [0-100]")
    # weights are configured by config name; the Framework keys plugins by their ``name``
    weights = {instances[k].name: w for k, w in weights.items() if k in instances}
    return Framework(
        name,
        points,
        weights,
        percentage_of_nodes_to_score=pct,
        handle=handle,
        plugins={inst.name: inst for inst in instances.values()},
        plugin_args={instances[k].name: a for k, a in args_used.items()},
    )
