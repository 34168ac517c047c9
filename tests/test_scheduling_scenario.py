"""The scheduling scenario (``scenarios/scheduling.yaml``): the default scheduler's rules in one cluster.

Every expectation below is derived by hand from the upstream rules (k8s-algorithms.md §2-§3), not from
a run. The cluster (nodes ``<pool>-<i>``, zones dealt round-robin from the pool's list):

  general-0/1/2  4 CPU  zone-a/b/c  tier=general
  ssd-0/1/2      4 CPU  zone-a/b/c  tier=general, disk=ssd
  batch-0/1      4 CPU  zone-a/b    tier=batch, taint dedicated=batch:NoSchedule
  prio-0/1/2     2 CPU  zone-a/b/c  tier=critical

Filters run in the default profile's order (NodeUnschedulable, NodeName, TaintToleration,
NodeAffinity, NodePorts, NodeResourcesFit, ..., PodTopologySpread, InterPodAffinity) and a node's
status is that of the first plugin that rejects it. The FitError message is
``0/N nodes are available: <count> <reason>, ...`` with the reasons sorted as strings, then
`` preemption: <PostFilter message>.`` — DefaultPreemption's message already ends in ".", hence "..".
Since v1.35 (PR #134740, cherry-picked to v1.34) the TaintToleration reason no longer names the taint:
``node(s) had untolerated taint(s)``.

Where a tie-break is random (selectHost's reservoir sampling), the tests assert the set of allowed
nodes, and ``test_other_seeds_follow_the_same_rules`` replays the seed-independent checks with two
other seeds.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
SCENARIO = REPO / "scenarios" / "scheduling.yaml"
MANIFESTS = REPO / "scenarios" / "manifests" / "scheduling"

GENERAL = {"general-0", "general-1", "general-2"}
SSD = {"ssd-0", "ssd-1", "ssd-2"}
BATCH = {"batch-0", "batch-1"}
PRIO = {"prio-0", "prio-1", "prio-2"}
TIER_GENERAL = GENERAL | SSD
ZONE_OF = {"general-0": "zone-a", "general-1": "zone-b", "general-2": "zone-c",
           "ssd-0": "zone-a", "ssd-1": "zone-b", "ssd-2": "zone-c",
           "batch-0": "zone-a", "batch-1": "zone-b",
           "prio-0": "zone-a", "prio-1": "zone-b", "prio-2": "zone-c"}

APPLY_AT = 120.0  # timeline: apply critical.yaml at 2m
PRE_STOP = 10.0  # fillers' preStop sleep
GRACE = 30.0  # fillers' terminationGracePeriodSeconds

TAINT = "node(s) had untolerated taint(s)"
AFFINITY = "node(s) didn't match Pod's node affinity/selector"
ANTI = "node(s) didn't match pod anti-affinity rules"
NOT_HELPFUL = "Preemption is not helpful for scheduling"
NO_VICTIMS = "No preemption victims found for incoming pod"

# --- messages, worked out node by node (11 nodes) -------------------------------------------------
# gpu-trainer / reporter select tier=batch: the 2 batch nodes fail TaintToleration (gpu-trainer
# tolerates dedicated=gpu, a different value under operator Equal; reporter tolerates nothing), the
# 9 others fail NodeAffinity. Both are UnschedulableAndUnresolvable, so preemption cannot help anywhere.
MSG_BATCH = (f"0/11 nodes are available: 2 {TAINT}, 9 {AFFINITY}. "
             f"preemption: 0/11 nodes are available: 11 {NOT_HELPFUL}..")
# web's seventh replica: batch 2 (taint), prio 3 (node affinity), and the 6 tier=general nodes each
# hold a web pod (anti-affinity, Unschedulable: a candidate for preemption, but every web pod has the
# same priority 0, so no victims).
MSG_WEB = (f"0/11 nodes are available: 2 {TAINT}, 3 {AFFINITY}, 6 {ANTI}. "
           f"preemption: 0/11 nodes are available: 5 {NOT_HELPFUL}, 6 {NO_VICTIMS}..")
# critical at 2m: batch 2 (taint), tier=general 6 (node affinity), prio 3 with 200m free of 2000m
# (Insufficient cpu). Preemption succeeds, so the PostFilter message is empty: no suffix.
MSG_CRITICAL = f"0/11 nodes are available: 2 {TAINT}, 3 Insufficient cpu, 6 {AFFINITY}."
# nightly-report (preemptionPolicy Never): the same filter results, and DefaultPreemption's
# PodEligibleToPreemptOthers refuses it.
MSG_NEVER = (f"0/11 nodes are available: 2 {TAINT}, 3 Insufficient cpu, 6 {AFFINITY}. "
             "preemption: not eligible due to preemptionPolicy=Never..")
# a filler's replacement, pinned by hostname: its own node lacks cpu (only pods of higher or equal
# priority remain there, so no victims), batch 2 (taint), the other 8 (node affinity).
MSG_FILLER = (f"0/11 nodes are available: 1 Insufficient cpu, 2 {TAINT}, 8 {AFFINITY}. "
              f"preemption: 0/11 nodes are available: 1 {NO_VICTIMS}, 10 {NOT_HELPFUL}..")


def _docs() -> list[dict]:
    docs = []
    for f in sorted(MANIFESTS.glob("*.yaml")):
        docs.extend(d for d in yaml.safe_load_all(f.read_text()) if d)
    return docs


def _deployments() -> dict[str, dict]:
    return {d["metadata"]["name"]: d for d in _docs() if d["kind"] == "Deployment"}


def _cpu_m(q: str) -> int:
    return int(q[:-1]) if q.endswith("m") else int(float(q) * 1000)


# --------------------------------------------------------------------------- the scenario itself
def test_scenario_has_the_intended_shape():
    """Guards the input the expectations were derived from (not the simulator)."""
    spec = yaml.safe_load(SCENARIO.read_text())["spec"]
    pools = {p["name"]: p for p in spec["cluster"]["nodePools"]}
    assert {n: p["count"] for n, p in pools.items()} == {"general": 3, "ssd": 3, "batch": 2, "prio": 3}
    assert pools["batch"]["taints"] == [{"key": "dedicated", "value": "batch", "effect": "NoSchedule"}]
    assert pools["prio"]["capacity"]["cpu"] == "2"
    assert [(e["at"], e["apply"]["path"]) for e in spec["timeline"]] == [("2m", "manifests/scheduling/critical.yaml")]
    classes = {d["metadata"]["name"]: d for d in _docs() if d["kind"] == "PriorityClass"}
    assert {n: c["value"] for n, c in classes.items()} == {
        "low": 100, "standard": 1000, "critical": 1000000, "high-priority-nonpreempting": 500000}
    assert classes["high-priority-nonpreempting"]["preemptionPolicy"] == "Never"
    deps = _deployments()
    req = {n: _cpu_m(d["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"]["cpu"])
           for n, d in deps.items()}
    # the prio pool before 2m: 2 x 900 | 1800 | 1800 of 2000m each -> 200m free on every node
    assert (deps["filler-a"]["spec"]["replicas"], req["filler-a"], req["filler-b"], req["filler-c"]) == (2, 900, 1800, 1800)
    assert (deps["critical"]["spec"]["replicas"], req["critical"], req["nightly-report"]) == (2, 1500, 400)
    # every workload outside the prio pool is small enough that resources never decide a placement
    others = ("batch-worker", "db", "cache", "web", "spread")
    assert all(req[n] <= 500 for n in others)


def test_scenario_validates_through_the_cli(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "k8ssim", "validate", str(SCENARIO), str(MANIFESTS)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr and " error: " not in proc.stderr


# --------------------------------------------------------------------------------------- the run
@pytest.fixture(scope="module")
def result():
    import k8ssim

    return k8ssim.run(str(SCENARIO))


def _app(name: str) -> str:
    """The Deployment a pod belongs to: pod names are <deployment>-<pod-template-hash>-<suffix>."""
    return name.rsplit("-", 2)[0]


def _pods(res, app: str):
    p = res.pods
    return p[p["name"].map(_app) == app]


def _live(res, app: str):
    p = _pods(res, app)
    return p[p["deleted"].isna()]


def _events(res, reason: str, pod_name: str | None = None):
    e = res.events
    e = e[e["reason"] == reason]
    if pod_name is not None:
        e = e[e["object"] == f"default/{pod_name}"]
    return e


def _last_failed_message(res, pod_name: str) -> str:
    ev = _events(res, "FailedScheduling", pod_name)
    assert len(ev), f"no FailedScheduling event for {pod_name}"
    return ev.sort_values("time", kind="stable")["message"].iloc[-1]


def test_nodes_are_dealt_over_the_zones(result):
    nodes = result.nodes
    assert dict(zip(nodes["name"], nodes["zone"])) == ZONE_OF
    alloc = dict(zip(nodes["name"], nodes["cpu_allocatable_m"]))
    assert {n: alloc[n] for n in PRIO} == {n: 2000 for n in PRIO}


# (1) taints and tolerations
def check_tolerations(res):
    bw = _live(res, "batch-worker")
    # tolerates dedicated=batch and selects tier=batch: only batch-0/1 pass both filters
    assert len(bw) == 2 and (bw["phase"] == "Running").all() and set(bw["node"]) <= BATCH
    for app in ("gpu-trainer", "reporter"):
        p = _live(res, app)
        assert len(p) == 1 and (p["phase"] == "Pending").all() and (p["node"] == "").all()
        assert _last_failed_message(res, p["name"].iloc[0]) == MSG_BATCH
    # nothing without the toleration ever ran on the tainted pool
    on_batch = res.pods[res.pods["node"].isin(BATCH)]
    assert set(on_batch["name"].map(_app)) == {"batch-worker"}


def test_tolerations(result):
    check_tolerations(result)


# (2) required and preferred node affinity
def check_node_affinity(res):
    db = _live(res, "db")
    assert len(db) == 3 and (db["phase"] == "Running").all() and set(db["node"]) <= SSD  # required disk In [ssd]
    # cache (preferred disk In [ssd], weight 100, among the 6 tier=general nodes): NodeAffinity adds
    # 2 x 100 = 200 to an ssd node. For each replica the ssd node of a zone without a cache pod also
    # has the top PodTopologySpread score (system defaults, ScheduleAnyway: hostname maxSkew 3 with
    # weight ln(6+2), zone maxSkew 5 with weight ln(3+2); raw = (0 + 2) + (0 + 4) = 6 for an empty
    # node in an empty zone, the minimum, which normalizes to 100), so only the LeastAllocated and
    # BalancedAllocation differences (a few points at <= 1.75 of 4 CPU requested) could speak
    # against it: far less than 200. An ssd node that already holds a cache pod has raw
    # round(2.08 + 2 + 1.61 + 4) = 10 against 6, i.e. 60 instead of 100 (x2: 80 points behind the
    # other ssd nodes): one cache pod per ssd node.
    cache = _live(res, "cache")
    assert len(cache) == 3 and (cache["phase"] == "Running").all()
    assert sorted(cache["node"]) == sorted(SSD)


def test_node_affinity(result):
    check_node_affinity(result)


# (3) required pod anti-affinity on the hostname
def check_anti_affinity(res):
    web = _live(res, "web")
    running = web[web["node"] != ""]
    pending = web[web["node"] == ""]
    # 6 feasible nodes (tier=general), at most one web pod on each: 6 run, one per node; 1 Pending
    assert len(web) == 7
    assert sorted(running["node"]) == sorted(TIER_GENERAL) and (running["phase"] == "Running").all()
    assert len(pending) == 1 and (pending["phase"] == "Pending").all()
    assert _last_failed_message(res, pending["name"].iloc[0]) == MSG_WEB
    # the rejection is the same on every attempt: a web pod fails only once all 6 nodes hold one
    assert set(_events(res, "FailedScheduling", pending["name"].iloc[0])["message"]) == {MSG_WEB}


def test_anti_affinity_one_per_node_and_the_surplus_pending(result):
    check_anti_affinity(result)


# (4) topology spread over zones
def check_spread(res):
    sp = _live(res, "spread")
    assert len(sp) == 6 and (sp["phase"] == "Running").all() and set(sp["node"]) <= TIER_GENERAL
    # maxSkew 1, DoNotSchedule: after every placement max - min of the zone counts is <= 1, so
    # 6 pods over the 3 zones of the tier=general nodes end exactly 2 / 2 / 2
    counts = sp["node"].map(ZONE_OF).value_counts().to_dict()
    assert counts == {"zone-a": 2, "zone-b": 2, "zone-c": 2}


def test_topology_spread_two_per_zone(result):
    check_spread(result)


# (5) priority and preemption
def _victims(res):
    """The original filler pods (created at 0) that were deleted."""
    out = {}
    for app in ("filler-a", "filler-b", "filler-c"):
        p = _pods(res, app)
        out[app] = p[(p["created"] < APPLY_AT) & p["deleted"].notna()]
    return out


def check_preemption(res):
    pods = res.pods
    crit = _live(res, "critical")
    assert len(crit) == 2 and (crit["phase"] == "Running").all() and (crit["priority"] == 1000000).all()
    assert (crit["created"] >= APPLY_AT).all()
    # Dry run for the first preemptor (1500m; candidates: the 3 prio nodes, Insufficient cpu is
    # Unschedulable; every other node is UnschedulableAndUnresolvable):
    #   prio-0: both filler-a (900m, prio 100) must go    -> victims {100, 100}
    #   prio-1: filler-b (1800m, prio 100)                -> victims {100}
    #   prio-2: filler-c (1800m, prio 1000)               -> victims {1000}
    # pickOneNodeForPreemption: no PDBs; lowest highest-victim priority keeps prio-0 and prio-1; the
    # smallest sum of (priority + MaxInt32 + 1) -- in effect the fewest victims -- picks prio-1.
    # Second preemptor: prio-1 now carries the first one as a nominated pod of equal priority
    # (filters run with nominated pods of >= priority), so removing filler-b leaves 500m: not a
    # candidate. prio-0 (highest victim 100) beats prio-2 (highest victim 1000) although it costs two
    # victims: the lowest priority wins before the fewest victims.
    pre = _events(res, "Preempted").sort_values("time", kind="stable")
    by_uid = dict(zip(pods["uid"], pods["name"]))
    uid_of = dict(zip(pods["name"], pods["uid"]))
    victims = _victims(res)
    assert len(victims["filler-a"]) == 2 and len(victims["filler-b"]) == 1 and len(victims["filler-c"]) == 0
    victim_names = set(victims["filler-a"]["name"]) | set(victims["filler-b"]["name"])
    assert {o.split("/", 1)[1] for o in pre["object"]} == victim_names and len(pre) == 3
    # the message names the preemptor's uid and the node it is nominated to
    nominated = {}
    for row in pre.itertuples():
        head, node = row.message.rsplit(" on node ", 1)
        assert head.startswith("Preempted by pod ")
        preemptor = by_uid[head[len("Preempted by pod "):]]
        victim = row.object.split("/", 1)[1]
        assert _app(preemptor) == "critical"
        assert pods.loc[pods["name"] == victim, "node"].iloc[0] == node  # the victim was on that node
        nominated.setdefault(preemptor, set()).add(node)
    assert all(len(v) == 1 for v in nominated.values()) and len(nominated) == 2
    nominated = {k: v.pop() for k, v in nominated.items()}
    assert sorted(nominated.values()) == ["prio-0", "prio-1"]
    first = pre.iloc[0]
    assert first["object"] == f"default/{victims['filler-b']['name'].iloc[0]}" and first["message"].endswith("prio-1")
    # filler-c (priority 1000) survives on prio-2
    fc = _live(res, "filler-c")
    assert len(fc) == 1 and fc["node"].iloc[0] == "prio-2" and fc["phase"].iloc[0] == "Running"

    # victims: deleted gracefully -- terminating when the first preemptor's cycle ran, gone after
    # the 10 s preStop sleep and within the 30 s grace period
    for v in (victims["filler-a"], victims["filler-b"]):
        assert (v["terminating"] >= APPLY_AT).all() and (v["terminating"] < APPLY_AT + 5).all()
        gone = v["deleted"] - v["terminating"]
        assert (gone >= PRE_STOP).all() and (gone <= GRACE).all()

    # each preemptor: FailedScheduling (no "preemption:" suffix: PostFilter succeeded), nominated,
    # then Scheduled on exactly the nominated node once its victims are gone. Its backoff (1 s after
    # one failure) ran out long before, so the victims' deletion moves it straight to activeQ.
    for row in crit.itertuples():
        name = row.name
        fs = _events(res, "FailedScheduling", name)
        sc = _events(res, "Scheduled", name)
        assert fs["message"].iloc[0] == MSG_CRITICAL
        assert len(sc) == 1 and sc["message"].iloc[0] == f"Successfully assigned default/{name} to {nominated[name]}"
        assert fs["time"].min() < sc["time"].iloc[0]
        assert row.node == nominated[name]
        node_victims = pods[pods["name"].isin(victim_names) & (pods["node"] == row.node)]
        assert row.scheduled >= node_victims["deleted"].max()
        assert row.scheduled - node_victims["deleted"].max() < 2.0
        assert uid_of[name] in " ".join(pre["message"])

    # preemptionPolicy Never: rejected with the upstream reason, never preempts, and waits until
    # the victims are gone. Its filters count nominated pods of >= priority (critical, 1000000), so
    # it cannot take the space freed for a preemptor: afterwards prio-0 and prio-1 hold one critical
    # pod (500m free, room for 400m), prio-2 keeps 200m free.
    nr = _live(res, "nightly-report")
    assert len(nr) == 1 and nr["phase"].iloc[0] == "Running" and nr["priority"].iloc[0] == 500000
    nr_name = nr["name"].iloc[0]
    assert _events(res, "FailedScheduling", nr_name)["message"].iloc[0] == MSG_NEVER
    assert uid_of[nr_name] not in " ".join(pre["message"])
    assert nr["node"].iloc[0] in {"prio-0", "prio-1"}
    assert nr["scheduled"].iloc[0] >= min(v["deleted"].min() for v in (victims["filler-a"], victims["filler-b"]))

    # the fillers' replacements (created when their pods started terminating) stay Pending:
    # 900m or 1800m never fit the 500m or 100m left on their own node
    for app, n in (("filler-a", 2), ("filler-b", 1)):
        rep = _live(res, app)
        assert len(rep) == n and (rep["phase"] == "Pending").all() and (rep["node"] == "").all()
        assert (rep["created"] >= APPLY_AT).all()
        for name in rep["name"]:
            assert _last_failed_message(res, name) == MSG_FILLER

    # never more requested than allocatable on a prio node (sampled usage)
    u = res.node_usage
    u = u[u["node"].isin(PRIO)]
    assert (u["cpu_requested_m"] <= u["cpu_allocatable_m"]).all()
    last = u[u["time"] == u["time"].max()].set_index("node")["cpu_requested_m"].to_dict()
    on = nr["node"].iloc[0]
    assert last == {n: (1500 + (400 if n == on else 0) if n != "prio-2" else 1800) for n in PRIO}


def test_preemption_and_the_non_preempting_class(result):
    check_preemption(result)


def check_pending_set(res):
    """Exactly these pods are Pending at the end, and every other live pod is Running."""
    pods = res.pods
    live = pods[pods["deleted"].isna()]
    pending = live[live["phase"] == "Pending"]
    assert sorted(pending["name"].map(_app)) == sorted(
        ["web", "gpu-trainer", "reporter", "filler-a", "filler-a", "filler-b"])
    assert (live[live["phase"] != "Pending"]["phase"] == "Running").all()
    # nothing but the priority workloads on the prio pool
    on_prio = pods[pods["node"].isin(PRIO)]
    assert set(on_prio["name"].map(_app)) <= {"filler-a", "filler-b", "filler-c", "critical", "nightly-report"}


def test_exactly_these_pods_are_pending(result):
    check_pending_set(result)


def test_initial_workloads_are_placed_before_the_apply(result):
    p = result.pods
    early = p[(p["created"] < APPLY_AT) & (p["node"] != "")]
    assert len(early) == 2 + 3 + 3 + 6 + 6 + 2 + 1 + 1  # batch-worker db cache web spread filler-a/b/c
    assert (early["scheduled"] < APPLY_AT).all()
    assert early["started"].notna().all()


@pytest.mark.parametrize("seed", [11, 2024])
def test_other_seeds_follow_the_same_rules(seed):
    """Other tie-breaks, the same outcome: the checks above hold whatever the random choices."""
    import k8ssim

    res = k8ssim.run(str(SCENARIO), seed=seed)
    check_tolerations(res)
    check_node_affinity(res)
    check_anti_affinity(res)
    check_spread(res)
    check_preemption(res)
    check_pending_set(res)
