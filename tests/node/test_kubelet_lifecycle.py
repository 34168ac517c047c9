"""Init containers, native sidecars, graceful termination, activeDeadlineSeconds, image pulls and the
runtime profiles (``pkg/kubelet/kuberuntime``, ``pkg/kubelet/kubelet_pods.go`` ``getPhase``)."""
import pytest

from k8ssim.node.runtime import PROFILES, resolve_profile
from tests.node.kubelet_harness import MI, Cluster, behavior, ctr, probe, status


def test_init_containers_run_in_order_before_the_app():
    # init-a runs 3 s, init-b 4 s (each must exit 0 first), then the app starts at 7
    c = Cluster(behaviors=[behavior(match={"container": "init-a"}, runtime={"fixed": "3s"}),
                           behavior(match={"container": "init-b"}, runtime={"fixed": "4s"})])
    c.pod("p", ctr(), init=[ctr("init-a", "init:1"), ctr("init-b", "init:1")])
    c.run(2)
    p = c.get("p")
    assert p.status.phase == "Pending" and status(p, "app").reason == "PodInitializing"
    assert p.status.condition("Initialized").status == "False"
    c.run(20)
    assert c.times("p", lambda q: status(q, "init-b").state == "running") == [3]
    assert c.times("p", lambda q: status(q, "app").state == "running") == [7]
    assert c.times("p", lambda q: q.status.phase == "Running") == [7]
    assert c.times("p", lambda q: q.status.condition("Initialized").status == "True") == [7]


def test_failing_init_container_fails_a_never_pod_and_backs_off_otherwise():
    rule = behavior(match={"container": "init"}, runtime={"fixed": "2s"}, failureProbability=1.0)
    c = Cluster(behaviors=[rule])
    c.pod("never", ctr(), init=[ctr("init", "init:1")], restart_policy="Never")
    c.pod("always", ctr(), init=[ctr("init", "init:1")])
    c.run(30)
    assert c.get("never").status.phase == "Failed"
    assert c.times("never", lambda q: q.status.phase == "Failed") == [2]
    # Always: init restarts 2 (at once), 4 -> +10 = 14, 16 -> +20 = 36; the pod stays Pending
    assert c.times("always", lambda q: status(q, "init").state == "running") == [0, 2, 14]
    assert c.get("always").status.phase == "Pending"
    assert status(c.get("always"), "app").state == "waiting"


def test_native_sidecar_startup_gates_the_app_and_stops_after_it():
    # sidecar (init, restartPolicy Always) with a startup probe (period 5) and app up at 7 s -> started
    # at 10 -> the app starts at 10, runs 5 s (restartPolicy Never) -> 15; the sidecar then gets
    # SIGTERM and exits 1 s later -> pod Succeeded at 16 (sidecar exit codes do not count)
    c = Cluster(behaviors=[behavior(match={"container": "side"}, startupTime={"fixed": "7s"}),
                           behavior(match={"container": "app"}, runtime={"fixed": "5s"})])
    c.pod("p", ctr(), init=[ctr("side", "side:1", restart_policy="Always", startup_probe=probe(period=5))],
          restart_policy="Never")
    c.run(12)
    p = c.get("p")
    assert status(p, "side").state == "running" and status(p, "app").state == "running"
    assert p.status.phase == "Running"
    c.run(30)
    assert c.times("p", lambda q: status(q, "app").state == "running") == [10]
    assert c.times("p", lambda q: q.status.phase == "Succeeded") == [16]
    assert status(c.get("p"), "side").state == "terminated"


def test_sidecar_restarts_even_in_a_never_pod():
    c = Cluster(behaviors=[behavior(match={"container": "side"}, runtime={"fixed": "5s"}, failureProbability=1.0),
                           behavior(match={"container": "app"}, runtime={"fixed": "1h"})])
    c.pod("p", ctr(), init=[ctr("side", "side:1", restart_policy="Always")], restart_policy="Never")
    c.run(30)
    assert c.times("p", lambda q: status(q, "side").state == "running") == [0, 5, 20]
    assert c.get("p").status.phase == "Running"


def test_graceful_deletion_prestop_then_sigterm():
    # preStop sleep 5 s + stop latency 1 s = 6 s < grace 30: the container exits 0 at 6, the kubelet
    # writes the terminal phase and deletes the object
    c = Cluster()
    c.pod("p", ctr(pre_stop_sleep_seconds=5))
    c.run(10)
    c.store.delete("pods", "default", "p")
    c.run(30)
    hist = c.history["p"]
    assert hist[-1][0] == 16 and hist[-1][1] == "DELETED"
    last = hist[-2][2]
    assert last.status.phase == "Succeeded" and status(last, "app").exit_code == 0


def test_grace_period_ends_with_sigkill():
    c = Cluster()
    c.pod("p", ctr(pre_stop_sleep_seconds=5), grace=3)
    c.run(10)
    c.store.delete("pods", "default", "p")
    c.run(30)
    hist = c.history["p"]
    assert hist[-1][0] == 13 and hist[-1][1] == "DELETED"
    last = hist[-2][2]
    assert last.status.phase == "Failed" and status(last, "app").exit_code == 137


def test_active_deadline_seconds():
    c = Cluster()
    c.pod("p", ctr(), active_deadline_seconds=20)
    c.run(40)
    p = c.get("p")
    assert p.status.phase == "Failed" and p.status.reason == "DeadlineExceeded"
    assert c.times("p", lambda q: q.status.phase == "Failed") == [21]  # SIGTERM at 20, exit at 21


def test_pod_ips_come_from_the_node_cidr_and_are_reused():
    c = Cluster()
    c.pod("a", ctr())
    c.pod("b", ctr())
    c.run(1)
    assert c.get("a").status.pod_ip == "10.244.0.2" and c.get("b").status.pod_ip == "10.244.0.3"
    c.store.delete("pods", "default", "a", grace_period_seconds=0)
    c.run(2)
    c.pod("c", ctr())
    c.run(3)
    assert c.get("c").status.pod_ip == "10.244.0.2"


def test_image_pulls_serialised_per_node_and_cached():
    # 100Mi images at 50Mi/s: 2 s each, one at a time; pod b waits for pod a's pull of the same image
    c = Cluster(images=(), image_pull_bandwidth=50 * MI, default_image_size=100 * MI)
    c.pod("a", ctr(image="x:1"))
    c.pod("b", ctr(image="y:1"))
    c.pod("c", ctr(image="x:1"))
    c.pod("n", ctr(image="z:1", image_pull_policy="Never"))
    c.run(10)
    run = lambda n: c.times(n, lambda q: status(q, "app").state == "running")  # noqa: E731
    assert run("a") == [2] and run("b") == [4] and run("c") == [2]
    assert status(c.get("n"), "app").reason == "ErrImageNeverPull"


def test_runtime_profiles():
    cd, crio = PROFILES["containerd"], PROFILES["cri-o"]
    assert cd.pod_start < crio.pod_start
    assert resolve_profile("containerd").pod_start == pytest.approx(0.6)
    fitted = resolve_profile("cri-o", 2.0)
    assert fitted.pod_start == pytest.approx(2.0) and fitted.container_latency == crio.container_latency
    tiny = resolve_profile("containerd", 0.1)
    assert tiny.pod_start == pytest.approx(0.1)
    with pytest.raises(ValueError, match="unsupported container runtime"):
        resolve_profile("docker")


def test_pod_start_uses_the_runtime_profile():
    c = Cluster(pod_start_latency=None, container_runtime="cri-o")
    c.pod("p", ctr())
    c.run(5)
    # sandbox 0.55 + create 0.07 + start 0.12
    assert c.times("p", lambda q: q.status.phase == "Running") == [pytest.approx(0.74)]
