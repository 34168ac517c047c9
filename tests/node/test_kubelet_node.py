"""Node-level kubelet behaviour: the node Lease and a stopped/restarted kubelet, memory-pressure
eviction (``pkg/kubelet/eviction``), behaviour matching."""
from k8ssim.api.meta import ObjectMeta, OwnerReference
from k8ssim.api.apps import ReplicaSet
from k8ssim.node.behavior import Behaviors
from k8ssim.node.pressure import rank_memory_pressure
from tests.node.kubelet_harness import GI, MI, Cluster, behavior, ctr, status


def lease(c, name="n1"):
    return c.store.get("leases", "kube-node-lease", name)


def test_lease_created_at_registration():
    c = Cluster()
    c.run(1)  # the kubelet sees its Node (watch event at 0)
    ls = lease(c)
    assert ls.spec.holder_identity == "n1" and ls.spec.renew_time == 0.0
    assert ls.spec.renew_interval_seconds == 10 and ls.spec.lease_duration_seconds == 40
    assert ls.last_renewal(35.0) == 30.0


def test_failed_kubelet_freezes_status_and_restarts_then_recovers():
    # container crashes every 5 s: running 0, 5 (restart at once), crash 10 -> backoff until 20.
    # kubelet stops at 15: Lease renewTime = last renewal 10, interval 0; the backoff retry at 20 is not
    # done and no status is written. At 100 it comes back: Lease renewed from 100, the exited
    # container restarts at once (its backoff, measured from finishedAt 10, is over).
    c = Cluster(behaviors=[behavior(runtime={"fixed": "5s"}, failureProbability=1.0)])
    c.pod("p", ctr())
    c.run(15)
    c.kubelets.fail_node("n1")
    ls = lease(c)
    assert ls.spec.renew_time == 10.0 and ls.spec.renew_interval_seconds == 0
    assert ls.last_renewal(90.0) == 10.0
    writes = len(c.history["p"])
    c.run(100)
    assert len(c.history["p"]) == writes
    c.kubelets.recover_node("n1")
    ls = lease(c)
    assert ls.spec.renew_time == 100.0 and ls.spec.renew_interval_seconds == 10
    c.run(101)
    assert c.times("p", lambda q: status(q, "app").state == "running") == [0, 5, 100]


def test_containers_keep_running_while_the_kubelet_is_down():
    c = Cluster()
    c.pod("p", ctr())
    c.run(5)
    c.kubelets.fail_node("n1")
    c.run(50)
    c.kubelets.recover_node("n1")
    c.run(51)
    assert status(c.get("p"), "app").restart_count == 0 and c.get("p").is_ready()


def test_pods_deleted_or_bound_while_down_are_reconciled():
    c = Cluster()
    c.pod("gone", ctr())
    c.pod("term", ctr())
    c.run(5)
    ip = c.get("gone").status.pod_ip
    c.kubelets.fail_node("n1")
    c.store.delete("pods", "default", "gone", grace_period_seconds=0)  # force delete
    c.store.delete("pods", "default", "term")  # graceful: waits for the kubelet
    c.pod("new", ctr())
    c.run(60)
    assert c.get("term") is not None and c.get("new").status.phase == "Pending"
    c.kubelets.recover_node("n1")
    c.run(70)
    assert c.get("term") is None  # stopped (1 s) and removed after recovery
    assert c.times("new", lambda q: q.status.phase == "Running") == [60]
    assert c.get("new").status.pod_ip == ip  # the force-deleted pod's IP was released


def test_rank_memory_pressure_order():
    # (key, usage, request, priority): over-request first, then priority, then usage above request
    cands = [("within", 100, 200, 0), ("over-small", 300, 200, 0), ("over-big", 900, 200, 0),
             ("over-lowprio", 300, 200, -10)]
    assert [c[0] for c in rank_memory_pressure(cands)] == ["over-lowprio", "over-big", "over-small", "within"]


def test_memory_pressure_evicts_and_sets_the_condition():
    # node allocatable 1Gi. "hog" requests 100Mi, uses 300Mi + 10Mi/s; "steady" requests and uses 400Mi.
    # usage 700Mi at 0 crosses 1024Mi (memory.available < 100Mi) at 32.4 s -> eviction pass at 40
    # (passes every 10 s since registration at 0): hog exceeds its request -> Evicted (grace 1 s: exits
    # at 41). MemoryPressure True at 40, False at 40 + 300 = 340 (evictionPressureTransitionPeriod).
    c = Cluster(memory=1 * GI, behaviors=[behavior(match={"labels": {"app": "hog"}}, memory="300Mi",
                                                   memoryGrowth="10Mi")])
    c.pod("hog", ctr(requests={"memory": 100 * MI}), labels={"app": "hog"})
    c.pod("steady", ctr(requests={"memory": 400 * MI}))
    c.run(45)
    hog = c.get("hog")
    assert hog.status.phase == "Failed" and hog.status.reason == "Evicted"
    assert "low on resource: memory" in hog.status.message
    assert hog.status.condition("DisruptionTarget").reason == "TerminationByKubelet"
    assert c.times("hog", lambda q: q.status.phase == "Failed") == [41]
    assert c.get("steady").status.phase == "Running"

    def pressure():
        cond = c.store.get("nodes", None, "n1").status
        return next(x for x in cond.conditions if x.type == "MemoryPressure")

    p = pressure()
    assert p.status == "True" and p.last_transition_time == 40
    c.pod("besteffort", ctr(), node="n1")
    c.run(100)
    be = c.get("besteffort")
    assert be.status.phase == "Failed" and be.status.reason == "Evicted"
    assert be.status.message == "The node had condition: [MemoryPressure]. "
    c.run(400)
    p = pressure()
    assert p.status == "False" and p.last_transition_time == 340


def test_behaviour_matching_through_owners():
    c = Cluster()
    rs = ReplicaSet(metadata=ObjectMeta(name="web-abc", namespace="default",
                                        owner_references=[OwnerReference("apps/v1", "Deployment", "web", "u1", True)]))
    c.store.create(rs)
    from k8ssim.api.core import Pod, PodSpec
    pod = Pod(metadata=ObjectMeta(name="web-abc-1", namespace="default", labels={"tier": "fe"},
                                  owner_references=[OwnerReference("apps/v1", "ReplicaSet", "web-abc", rs.metadata.uid, True)]),
              spec=PodSpec(containers=[ctr("app"), ctr("log")]))
    rules = [behavior(match={"ownerKind": "Deployment", "ownerName": "web", "container": "log"}),
             behavior(match={"ownerKind": "Deployment", "ownerName": "other"}),
             behavior(match={"labels": {"tier": "fe"}, "namespace": "default"})]
    b = Behaviors(rules, c.store)
    assert b.rule_for(pod, "log") == 0
    assert b.rule_for(pod, "app") == 2
    assert Behaviors(rules[:2], c.store).rule_for(pod, "app") is None
