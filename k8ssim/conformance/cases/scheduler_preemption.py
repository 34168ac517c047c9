"""Vectors: DefaultPreemption (default_preemption_test.go TestDryRunPreemption, TestSelectBestCandidate,
TestPodEligibleToPreemptOthers, TestPreempt, TestPostFilter) and pickOneNodeForPreemption.

The filter plugins named by ``filter_plugins`` run through a Framework (PreFilter, then Filter with
the PreFilter extensions during the reprieve), as upstream's test framework does. The dry run starts
at offset 0 (upstream tests fix ``getOffsetRand``); vectors that depend on the offset were not taken.
"""
from __future__ import annotations

from k8ssim.api.core import PodCondition
from k8ssim.api.meta import ObjectMeta
from k8ssim.api.policy import PodDisruptionBudget, PodDisruptionBudgetSpec, PodDisruptionBudgetStatus
from k8ssim.conformance.cases import _sched_inputs as si
from k8ssim.conformance.runner import Mismatch, expect_equal
from k8ssim.scheduler.framework import Code, CycleState, Framework, Handle, Status, implements
from k8ssim.scheduler.plugins.defaultpreemption import DefaultPreemption
from k8ssim.scheduler.plugins.registry import default_args, plugin_class
from k8ssim.scheduler.preemption import Evaluator, NodeToStatus, calculate_num_candidates, pick_one_node_for_preemption

NOW = 1e9  # "time.Now()" for pods without a start time: later than every vector start time


class _ZeroRng:
    def integers(self, n):
        return 0


def _pod(d: dict, default_ns: str = ""):
    p = si.pod(d, d.get("name") or "pod", default_ns)
    if d.get("preemptionPolicy"):
        p.spec.preemption_policy = d["preemptionPolicy"]
    if d.get("nominatedNodeName"):
        p.status.nominated_node_name = d["nominatedNodeName"]
    if "start_time_unix_ns" in d:
        p.status.start_time = d["start_time_unix_ns"] * 1e-9
    for c in d.get("conditions") or ():
        p.status.conditions.append(PodCondition(c["type"], c.get("status", "True"), None, c.get("reason", ""),
                                                c.get("message", "")))
    return p


def _pdb(d: dict, i: int) -> PodDisruptionBudget:
    return PodDisruptionBudget(
        metadata=ObjectMeta(name=d.get("name") or f"pdb-{i}", namespace=d.get("namespace", "") or ""),
        spec=PodDisruptionBudgetSpec(selector=si.label_selector(d.get("selector"))),
        status=PodDisruptionBudgetStatus(disruptions_allowed=int(d.get("disruptionsAllowed", 0)),
                                         disrupted_pods={n: 0.0 for n in d.get("disruptedPods") or ()}),
    )


class _Setup:
    """Snapshot, Framework with the named filter plugins, and an Evaluator over them."""

    def __init__(self, inp: dict):
        default_ns = inp.get("preemptor", {}).get("namespace", "") or ""
        self.nodes = [si.node(n) for n in inp.get("nodes") or ()]
        self.existing = [_pod(p) for p in inp.get("existing_pods") or ()]
        self.snap = si.snapshot(self.nodes, self.existing)
        self.preemptor = _pod(inp.get("preemptor") or {}, default_ns)
        self.pdbs = [_pdb(d, i) for i, d in enumerate(inp.get("pdbs") or ())]
        self.handle = Handle(snapshot=self.snap)
        plugins = []
        for name in inp.get("filter_plugins") or ():
            plugins.append(plugin_class(name)(default_args(name, None), self.handle))
        points = {pt: [p for p in plugins if implements(p, pt)] for pt in ("preFilter", "filter")}
        self.fwk = Framework("conformance", {k: v for k, v in points.items() if v}, {}, handle=self.handle)
        self.deleted: list = []
        self.evaluator = Evaluator(self.fwk, snapshot=lambda: self.snap, pdbs=lambda: self.pdbs, rng=_ZeroRng(),
                                   now=lambda: NOW, commit=self._commit)
        self.handle.extras.update(framework=self.fwk, pdbs=lambda: self.pdbs, rng=_ZeroRng(), now=lambda: NOW,
                                  preempt_commit=self._commit)

    def _commit(self, pod, cand):
        self.deleted.extend(v.metadata.name for v in cand.victims)
        return None

    def prefilter(self) -> CycleState:
        state = CycleState()
        _, s, _ = self.fwk.run_pre_filter_plugins(state, self.preemptor, self.snap.node_info_list)
        if not s.is_success():
            raise Mismatch(f"PreFilter failed: {s}")
        return state

    def dry_run_all(self) -> list:
        state = self.prefilter()
        nodes = self.snap.node_info_list
        cands, _ = self.evaluator.dry_run_preemption(state, self.preemptor, nodes, self.pdbs, 0,
                                                     calculate_num_candidates(len(nodes)))
        return cands


def run(vector: dict, doc: dict) -> None:
    kind, inp, exp = vector["kind"], vector["inputs"], vector["expected"]
    if kind == "pickOneNodeForPreemption":
        m = {}
        for node, v in inp["nodes_to_victims"].items():
            m[node] = ([_pod(p) for p in v["pods"]], int(v.get("numPDBViolations", 0)))
        got = pick_one_node_for_preemption(m, NOW)
        if got not in exp["selected_node_one_of"]:
            raise Mismatch(f"selected {got!r}, want one of {exp['selected_node_one_of']}")
        return
    st = _Setup(inp)
    if kind == "SelectVictimsOnNode":
        got = sorted(({"node": c.name, "victims": sorted(p.metadata.name for p in c.victims),
                       "numPDBViolations": c.num_pdb_violations} for c in st.dry_run_all()), key=lambda c: c["node"])
        want = sorted(({"node": c["node"], "victims": sorted(c["victims"]), "numPDBViolations": c["numPDBViolations"]}
                       for c in exp["candidates"]), key=lambda c: c["node"])
        expect_equal(got, want, "candidates")
    elif kind == "SelectCandidate":
        best = st.evaluator.select_candidate(st.dry_run_all())
        got = best.name if best is not None else None
        if got not in exp["selected_node_one_of"]:
            raise Mismatch(f"selected {got!r}, want one of {exp['selected_node_one_of']}")
    elif kind == "PodEligibleToPreemptOthers":
        nst = inp.get("nominated_node_status")
        status = None if nst is None else Status(Code.from_name(nst["code"]), nst.get("reasons") or ())
        ok, msg = st.evaluator.pod_eligible_to_preempt_others(st.preemptor, status)
        expect_equal(ok, exp["eligible"], "eligible")
        expect_equal(msg, exp.get("message", ""), "message")
    elif kind == "Preempt":
        state = st.prefilter()
        m = NodeToStatus(absent=Status(Code.UNSCHEDULABLE))
        result, status = st.evaluator.preempt(state, st.preemptor, m)
        nominated = result.nominated_node_name if result is not None and status.is_success() else None
        if "result" in exp and exp["result"] is None:
            expect_equal(result, None, "result")
        expect_equal(nominated, exp.get("nominated_node"), "nominated_node")
        expect_equal(sorted(st.deleted), sorted(exp.get("deleted_pods") or []), "deleted_pods")
    elif kind == "PostFilter":
        state = st.prefilter()
        m = NodeToStatus({n: Status(Code.from_name(c)) for n, c in (inp.get("filtered_node_statuses") or {}).items()})
        plugin = DefaultPreemption(default_args("DefaultPreemption", None), st.handle)
        result, status = plugin.post_filter(state, st.preemptor, m)
        expect_equal(str(status.code), exp["status"], "status")
        if "message" in exp:
            expect_equal(status.message(), exp["message"], "message")
        if "nominated_node" in exp:
            got = None if result is None else result.nominated_node_name
            expect_equal(got, exp["nominated_node"], "nominated_node")
    else:
        raise Mismatch(f"unknown vector kind {kind!r}")

