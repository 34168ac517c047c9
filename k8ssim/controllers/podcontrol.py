"""Creating pods from a template for a controller (``controller.RealPodControl`` /
``GetPodFromTemplate`` in ``pkg/controller/controller_utils.go``)."""
from __future__ import annotations

from typing import Optional

from k8ssim.api.core import Pod
from k8ssim.api.meta import ObjectMeta, OwnerReference


def owner_reference(owner) -> OwnerReference:
    """``metav1.NewControllerRef``."""
    return OwnerReference(api_version=owner.api_version, kind=owner.kind, name=owner.metadata.name,
                          uid=owner.metadata.uid, controller=True, block_owner_deletion=True)


def pod_from_template(template, owner, *, name: str = "", generate_name: Optional[str] = None,
                      extra_labels: Optional[dict] = None, spec=None) -> Pod:
    labels = dict(template.labels)
    if extra_labels:
        labels.update(extra_labels)
    prefix = generate_name if generate_name is not None else (f"{owner.metadata.name}-" if not name else "")
    return Pod(
        metadata=ObjectMeta(
            name=name,
            generate_name=prefix,
            namespace=owner.metadata.namespace,
            labels=labels,
            annotations=dict(template.annotations),
            owner_references=[owner_reference(owner)],
        ),
        spec=spec if spec is not None else template.spec,
    )
