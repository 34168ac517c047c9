"""Admission plugins on typed pods (plugin/pkg/admission/defaulttolerationseconds, NamespaceLifecycle)."""
import pytest

from k8ssim.admission import DefaultTolerationSeconds, NamespaceExists
from k8ssim.api.core import Container, Pod, PodSpec, Toleration
from k8ssim.api.meta import ObjectMeta
from k8ssim.engine import Engine
from k8ssim.store import Store
from k8ssim.store import errors as E

NR, UR = "node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"


def _pod(*tols):
    return Pod(metadata=ObjectMeta(name="p", namespace="default"),
               spec=PodSpec(containers=[Container("c", "x:1")], tolerations=tuple(tols)))


def test_default_toleration_seconds_added():
    pod = _pod()
    DefaultTolerationSeconds()("CREATE", pod, None)
    assert pod.spec.tolerations == (Toleration(NR, "Exists", "", "NoExecute", 300),
                                    Toleration(UR, "Exists", "", "NoExecute", 300))


def test_existing_toleration_is_kept_and_the_other_added():
    pod = _pod(Toleration(NR, "Exists", "", "NoExecute", 60))
    DefaultTolerationSeconds()("CREATE", pod, None)
    assert [(t.key, t.toleration_seconds) for t in pod.spec.tolerations] == [(NR, 60), (UR, 300)]


def test_tolerate_everything_needs_nothing():
    pod = _pod(Toleration("", "Exists"))
    DefaultTolerationSeconds()("CREATE", pod, None)
    assert pod.spec.tolerations == (Toleration("", "Exists"),)


def test_pods_of_one_template_share_the_admitted_spec():
    adm = DefaultTolerationSeconds()
    spec = PodSpec(containers=[Container("c", "x:1")])
    a = Pod(metadata=ObjectMeta(name="a"), spec=spec)
    b = Pod(metadata=ObjectMeta(name="b"), spec=spec)
    adm("CREATE", a, None)
    adm("CREATE", b, None)
    assert a.spec is b.spec and spec.tolerations == ()  # the template's spec itself is not mutated


def test_namespace_must_exist():
    store = Store(Engine(1))
    store.add_admission("pods", NamespaceExists(store))
    with pytest.raises(E.NotFound, match='namespaces "nowhere" not found'):
        p = _pod()
        p.metadata.namespace = "nowhere"
        store.create(p)
