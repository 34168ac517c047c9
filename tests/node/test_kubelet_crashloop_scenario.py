"""scenarios/crashloop.yaml: its pod behaviours, run by the kubelets on pods made from its workloads'
templates (bound by hand, so this does not depend on the scheduler), give the failure modes the
scenario's header promises."""
import os

from k8ssim.api.core import Pod
from k8ssim.api.meta import ObjectMeta, OwnerReference
from k8ssim.scenario.loader import load_scenario
from tests.node.kubelet_harness import Cluster, status

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_crashloop_scenario_failure_modes():
    loaded = load_scenario(os.path.join(REPO, "scenarios", "crashloop.yaml"))
    c = Cluster(behaviors=loaded.spec.podBehaviors, images=(), pod_start_latency=1.0)
    for obj in loaded.manifests.objects:
        tpl = obj.spec.template
        owner = [OwnerReference("batch/v1", "Job", obj.metadata.name, "job-uid", True)] if obj.kind == "Job" else []
        c.store.create(Pod(metadata=ObjectMeta(name=f"{obj.metadata.name}-0", namespace="default",
                                               labels=dict(tpl.labels), owner_references=owner),
                           spec=_bound(tpl.spec)))
    c.run(600)
    flaky = status(c.get("flaky-0"), "server")
    # runs of 15-25 s, restarts after 0, 10, 20, 40, 80, 160 s: 6-7 restarts in 10 minutes
    assert flaky.last_terminated_reason == "Error" and 5 <= flaky.restart_count <= 8
    leaky = status(c.get("leaky-0"), "worker")
    # 300Mi + 2Mi/s reaches 512Mi after 106 s: OOMKilled
    assert leaky.last_terminated_reason == "OOMKilled" and leaky.restart_count >= 2
    slow = c.get("slowstart-0")
    assert slow.is_ready() and status(slow, "app").restart_count == 0
    assert status(slow, "migrate").reason == "Completed"
    assert c.get("report-0").status.phase in ("Succeeded", "Failed")


def _bound(spec):
    import copy

    s = copy.copy(spec)
    s.node_name = "n1"
    return s
