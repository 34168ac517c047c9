"""Tiny KubeObject types for the store tests (independent of k8ssim.api.core)."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import ClassVar, Optional

import pytest

from k8ssim.api.meta import KubeObject, ObjectMeta
from k8ssim.engine import Engine
from k8ssim.store import Store


@dataclass
class WidgetSpec:
    replicas: int = 1
    image: str = "nginx"


@dataclass
class WidgetStatus:
    ready: int = 0
    conditions: list = field(default_factory=list)


@dataclass(eq=True)
class Widget(KubeObject):
    kind: ClassVar[str] = "Widget"
    api_version: ClassVar[str] = "example.io/v1"
    resource: ClassVar[str] = "widgets"
    namespaced: ClassVar[bool] = True
    metadata: ObjectMeta = field(default_factory=ObjectMeta)
    spec: WidgetSpec = field(default_factory=WidgetSpec)
    status: WidgetStatus = field(default_factory=WidgetStatus)


@dataclass
class TPodSpec:
    node_name: str = ""
    termination_grace_period_seconds: Optional[int] = 30


@dataclass
class TPodStatus:
    phase: str = "Pending"


@dataclass
class TPod(KubeObject):
    kind: ClassVar[str] = "Pod"
    api_version: ClassVar[str] = "v1"
    resource: ClassVar[str] = "pods"
    metadata: ObjectMeta = field(default_factory=ObjectMeta)
    spec: TPodSpec = field(default_factory=TPodSpec)
    status: TPodStatus = field(default_factory=TPodStatus)


@dataclass
class TNode(KubeObject):
    kind: ClassVar[str] = "Node"
    api_version: ClassVar[str] = "v1"
    resource: ClassVar[str] = "nodes"
    namespaced: ClassVar[bool] = False
    metadata: ObjectMeta = field(default_factory=ObjectMeta)
    spec: dict = field(default_factory=dict)


@dataclass
class TService(KubeObject):
    kind: ClassVar[str] = "Service"
    api_version: ClassVar[str] = "v1"
    resource: ClassVar[str] = "services"
    metadata: ObjectMeta = field(default_factory=ObjectMeta)


def widget(name="w", namespace="", **labels) -> Widget:
    return Widget(metadata=ObjectMeta(name=name, namespace=namespace, labels=dict(labels)))


def pod(name="p", namespace="default", node="", grace=30, finalizers=()) -> TPod:
    return TPod(
        metadata=ObjectMeta(name=name, namespace=namespace, finalizers=list(finalizers)),
        spec=TPodSpec(node_name=node, termination_grace_period_seconds=grace),
    )


def with_spec(obj, **changes):
    """A writable copy whose spec is replaced (never mutate the shared spec)."""
    c = obj.copy()
    c.spec = dataclasses.replace(c.spec, **changes)
    return c


@pytest.fixture
def engine() -> Engine:
    return Engine(1)


@pytest.fixture
def store(engine) -> Store:
    return Store(engine)
