"""The Scheduler component on a real Engine + Store: placements derived by hand from the filter rules,
preemption end to end, and the upstream FailedScheduling message format.

Expected placements are derived from the Filter rules alone wherever possible (only one feasible
node, or a count that the constraint forces), so they do not depend on scores or tie-breaks:

* TaintToleration: a NoSchedule taint keeps out pods without a matching toleration.
* NodeAffinity: required terms must match the node labels.
* InterPodAffinity: required anti-affinity on ``kubernetes.io/hostname`` allows one matching pod
  per node; a fourth pod on three nodes fits nowhere.
* PodTopologySpread (maxSkew 1, DoNotSchedule, zone): after each placement the zone counts differ by
  at most one, so 4 pods over 2 zones end 2/2 whatever the scores.
* Preemption: a higher-priority pod that fits only without a lower-priority pod nominates that node,
  the victim is deleted gracefully (DisruptionTarget condition), and once it is gone the preemptor
  binds there.
* FitError message: ``0/N nodes are available: <count> <reason>, ...`` with the count-prefixed
  reasons sorted as strings, then `` preemption: <the dry run's FitError>.`` — upstream appends the
  PostFilter message with the format " %v.", so real events end in "pod.." (as seen in
  ``kubectl describe`` output of real clusters).
"""
from __future__ import annotations

from k8ssim.api.core import (
    Affinity, Container, Node, NodeAffinity, NodeSelectorRequirement, NodeSelectorTerm, NodeSpec, NodeStatus, Pod,
    PodAffinity, PodAffinityTerm, PodSpec, Taint, Toleration, TopologySpreadConstraint,
)
from k8ssim.api.meta import LabelSelector, ObjectMeta
from k8ssim.api.policy import PriorityClass
from k8ssim.engine import Engine
from k8ssim.scheduler.admission import install_priority_admission
from k8ssim.scheduler.explain import COLUMNS
from k8ssim.scheduler.plugins.tainttoleration import ERR_REASON_NOT_MATCH
from k8ssim.scheduler.scheduler import Scheduler
from k8ssim.store import Store

GI = 1024**3
ZONE = "topology.kubernetes.io/zone"
HOST = "kubernetes.io/hostname"


def node(name, cpu=2000, zone="zone-a", labels=None, taints=()):
    lb = {HOST: name, ZONE: zone}
    lb.update(labels or {})
    alloc = {"cpu": cpu, "memory": 8 * GI, "pods": 110}
    return Node(metadata=ObjectMeta(name=name, labels=lb), spec=NodeSpec(taints=tuple(taints)),
                status=NodeStatus(capacity=dict(alloc), allocatable=dict(alloc)))


def pod(name, cpu=100, labels=None, **spec):
    c = Container(name="c", image="app", requests={"cpu": cpu, "memory": 100 * 1024**2})
    return Pod(metadata=ObjectMeta(name=name, namespace="default", labels=dict(labels or {})),
               spec=PodSpec(containers=[c], **spec))


class Cluster:
    def __init__(self, nodes, config=None, **kw):
        self.engine = Engine(7)
        self.store = Store(self.engine)
        install_priority_admission(self.store)
        for n in nodes:
            self.store.create(n)
        self.sched = Scheduler(self.engine, self.store, config, **kw).start()
        self.store.watch("pods", self._kubelet)

    def _kubelet(self, etype, p, old):
        """Stand-in kubelet: a terminating bound pod is removed when its grace period ends."""
        if etype == "MODIFIED" and p.metadata.deletion_timestamp is not None and p.spec.node_name and \
                (old is None or old.metadata.deletion_timestamp is None):
            self.engine.call_at(max(p.metadata.deletion_timestamp, self.engine.now), self._finalize, p)

    def _finalize(self, p):
        cur = self.store.try_get("pods", p.metadata.namespace, p.metadata.name)
        if cur is not None and cur.metadata.uid == p.metadata.uid:
            self.store.delete("pods", p.metadata.namespace, p.metadata.name, grace_period_seconds=0)

    def add(self, *pods, run=1.0):
        for p in pods:
            self.store.create(p)
        self.engine.run(until=self.engine.now + run)

    def node_of(self, name):
        return self.store.get("pods", "default", name).spec.node_name

    def events(self, kind, key=None):
        return [r for r in self.engine.log.rows() if r[2] == kind and (key is None or r[3] == key)]


def test_taints_and_tolerations():
    c = Cluster([node("n1", taints=[Taint("dedicated", "gpu", "NoSchedule")]),
                 node("n2", taints=[Taint("dedicated", "gpu", "NoSchedule")]), node("n3")])
    # n1, n2 carry an untolerated NoSchedule taint -> n3 is the only feasible node
    c.add(pod("plain"))
    assert c.node_of("plain") == "n3"
    # tolerates the taint, and is pinned to n1 by a nodeSelector
    c.add(pod("gpu", tolerations=(Toleration("dedicated", "Equal", "gpu", "NoSchedule"),), node_selector={HOST: "n1"}))
    assert c.node_of("gpu") == "n1"
    ev = c.events("Scheduled", "default/plain")
    assert ev and ev[0][4] == "Successfully assigned default/plain to n3" and ev[0][1] == "default-scheduler"
    cond = c.store.get("pods", "default", "plain").status.condition("PodScheduled")
    assert cond.status == "True"


def test_required_node_affinity():
    c = Cluster([node("n1"), node("n2", labels={"disk": "ssd"}), node("n3")])
    aff = Affinity(node_affinity=NodeAffinity(required=(
        NodeSelectorTerm(match_expressions=(NodeSelectorRequirement("disk", "In", ("ssd",)),)),)))
    c.add(pod("db", affinity=aff))
    assert c.node_of("db") == "n2"


def test_required_anti_affinity_one_per_node_then_unschedulable():
    c = Cluster([node("n1"), node("n2"), node("n3")])
    term = PodAffinityTerm(topology_key=HOST, label_selector=LabelSelector(match_labels={"app": "web"}))
    aff = Affinity(pod_anti_affinity=PodAffinity(required=[term]))
    for i in range(4):
        c.add(pod(f"web-{i}", labels={"app": "web"}, affinity=aff))
    placed = [c.node_of(f"web-{i}") for i in range(3)]
    assert sorted(placed) == ["n1", "n2", "n3"]
    assert c.node_of("web-3") == ""
    msg = ("0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules. "
           "preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod..")
    ev = c.events("FailedScheduling", "default/web-3")
    assert ev and ev[0][4] == msg


def test_topology_spread_over_zones():
    c = Cluster([node("a1", zone="zone-a"), node("b1", zone="zone-b"), node("a2", zone="zone-a"),
                 node("b2", zone="zone-b")])
    tsc = TopologySpreadConstraint(max_skew=1, topology_key=ZONE, when_unsatisfiable="DoNotSchedule",
                                   label_selector=LabelSelector(match_labels={"app": "spread"}))
    for i in range(4):
        c.add(pod(f"s-{i}", labels={"app": "spread"}, topology_spread_constraints=(tsc,)))
    zones = [c.node_of(f"s-{i}")[0] for i in range(4)]
    assert sorted(zones) == ["a", "a", "b", "b"]
    # after the first two placements the zones are balanced 1/1
    assert sorted(zones[:2]) == ["a", "b"]


def test_high_priority_pod_preempts():
    c = Cluster([node("n1", cpu=1000)])
    c.store.create(PriorityClass(metadata=ObjectMeta(name="low"), value=10))
    c.store.create(PriorityClass(metadata=ObjectMeta(name="high"), value=1000))
    c.add(pod("victim", cpu=800, priority_class_name="low"))
    assert c.node_of("victim") == "n1"
    t0 = c.engine.now
    c.add(pod("vip", cpu=500, priority_class_name="high"), run=0.5)
    vip = c.store.get("pods", "default", "vip")
    assert vip.spec.priority == 1000 and vip.spec.preemption_policy == "PreemptLowerPriority"
    # n1 fits vip only without the victim -> nominated, victim terminating with DisruptionTarget
    assert vip.spec.node_name == "" and vip.status.nominated_node_name == "n1"
    victim = c.store.get("pods", "default", "victim")
    assert victim.metadata.deletion_timestamp == t0 + 30  # terminationGracePeriodSeconds
    dt = victim.status.condition("DisruptionTarget")
    assert dt.status == "True" and dt.reason == "PreemptionByScheduler"
    pre = c.events("Preempted", "default/victim")
    assert pre and pre[0][4] == f"Preempted by pod {vip.metadata.uid} on node n1"
    fs = c.events("FailedScheduling", "default/vip")
    assert fs and fs[0][4] == "0/1 nodes are available: 1 Insufficient cpu."
    # the victim goes at the end of its grace period; its deletion requeues vip, which binds on n1
    c.engine.run(until=t0 + 45)
    assert c.store.try_get("pods", "default", "victim") is None
    assert c.node_of("vip") == "n1"


def test_unschedulable_message_and_status():
    # n1: untolerated taint (UnschedulableAndUnresolvable: preemption cannot help);
    # n2, n3: 600m of 1000m used by pods of equal priority -> Insufficient cpu, but no victims
    c = Cluster([node("n1", taints=[Taint("dedicated", "gpu", "NoSchedule")]), node("n2", cpu=1000),
                 node("n3", cpu=1000)])
    c.add(pod("fill-2", cpu=600, node_name="n2"), pod("fill-3", cpu=600, node_name="n3"))
    c.add(pod("big", cpu=500))
    msg = (f"0/3 nodes are available: 1 {ERR_REASON_NOT_MATCH}, 2 Insufficient cpu. "
           "preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, "
           "2 No preemption victims found for incoming pod..")
    ev = c.events("FailedScheduling", "default/big")
    assert ev and ev[0][4] == msg
    st = c.store.get("pods", "default", "big").status.condition("PodScheduled")
    assert (st.status, st.reason, st.message) == ("False", "Unschedulable", msg)
    # a node that fits arrives -> NodeAdd requeues the pod (NodeResourcesFit registered it)
    c.store.create(node("n4", cpu=4000))
    c.engine.run(until=c.engine.now + 15)
    assert c.node_of("big") == "n4"


def test_no_nodes_available():
    c = Cluster([])
    c.add(pod("lonely"))
    ev = c.events("FailedScheduling", "default/lonely")
    assert ev and ev[0][4] == "no nodes available to schedule pods"


def test_explain_records_filter_and_scores():
    c = Cluster([node("n1"), node("n2", taints=[Taint("k", "v", "NoSchedule")]), node("n3")], explain=True)
    c.add(pod("x"))
    rows = c.sched.explain_records()
    assert rows and all(len(r) == len(COLUMNS) for r in rows)
    filt = {r[4]: r for r in rows if r[3] == "filter"}
    assert filt["n2"][5] == "TaintToleration" and filt["n1"][9] == "Success"
    totals = {r[4]: r[8] for r in rows if r[3] == "total"}
    assert set(totals) == {"n1", "n3"}
    res = [r for r in rows if r[3] == "result"]
    assert res[-1][5] == "Scheduled" and res[-1][4] == c.node_of("x")
    assert totals[res[-1][4]] == max(totals.values())


def test_gated_pod_waits_for_gate_removal():
    c = Cluster([node("n1")])
    c.add(pod("g", scheduling_gates=("example.com/hold",)))
    assert c.node_of("g") == "" and not c.events("FailedScheduling", "default/g")
    c.store.patch("pods", "default", "g", _ungate)
    c.engine.run(until=c.engine.now + 1)
    assert c.node_of("g") == "n1"


def _ungate(p):
    import copy
    p.spec = copy.copy(p.spec)
    p.spec.scheduling_gates = ()


def test_same_seed_same_placements():
    def run():
        c = Cluster([node(f"n{i}", zone=f"z{i % 2}") for i in range(6)])
        for i in range(12):
            c.store.create(pod(f"p{i}", cpu=100))
        c.engine.run(until=5)
        return [c.node_of(f"p{i}") for i in range(12)], c.engine.fingerprint()
    assert run() == run()
