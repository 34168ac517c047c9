"""ObjectMeta, OwnerReference, LabelSelector and IntOrString.

Mirrors ``k8s.io/apimachinery/pkg/apis/meta/v1`` (types.go, helpers.go) and
``k8s.io/apimachinery/pkg/util/intstr``. Times are simulated seconds (float); a resourceVersion is the
store's integer revision (opaque to clients, as upstream says).
"""
from __future__ import annotations

import copy as _copy
import math
from dataclasses import dataclass, field
from typing import ClassVar, Optional, Union

IntOrString = Union[int, str]


@dataclass(slots=True)
class OwnerReference:
    api_version: str
    kind: str
    name: str
    uid: str
    controller: bool = False
    block_owner_deletion: bool = False


@dataclass(slots=True)
class ObjectMeta:
    name: str = ""
    namespace: str = ""  # "" for cluster-scoped objects
    generate_name: str = ""
    uid: str = ""
    labels: dict = field(default_factory=dict)
    annotations: dict = field(default_factory=dict)
    resource_version: int = 0
    generation: int = 0
    creation_timestamp: Optional[float] = None
    deletion_timestamp: Optional[float] = None
    deletion_grace_period_seconds: Optional[int] = None
    finalizers: list = field(default_factory=list)
    owner_references: list = field(default_factory=list)

    def controller_ref(self) -> Optional[OwnerReference]:
        """``metav1.GetControllerOf``: the owner reference with controller=true."""
        for ref in self.owner_references:
            if ref.controller:
                return ref
        return None


@dataclass(slots=True)
class LabelSelectorRequirement:
    key: str
    operator: str  # In | NotIn | Exists | DoesNotExist
    values: tuple = ()


@dataclass(slots=True)
class LabelSelector:
    """``metav1.LabelSelector``. ``matches`` follows ``LabelSelectorAsSelector``: an empty selector
    (no labels, no expressions) matches everything; a *nil* selector is represented by ``None`` at the
    use site and matches nothing."""

    match_labels: dict = field(default_factory=dict)
    match_expressions: list = field(default_factory=list)

    def is_empty(self) -> bool:
        return not self.match_labels and not self.match_expressions

    def matches(self, labels: dict) -> bool:
        for k, v in self.match_labels.items():
            if labels.get(k) != v:
                return False
        for req in self.match_expressions:
            op = req.operator
            if op == "In":
                if req.key not in labels or labels[req.key] not in req.values:
                    return False
            elif op == "NotIn":
                if req.key in labels and labels[req.key] in req.values:
                    return False
            elif op == "Exists":
                if req.key not in labels:
                    return False
            elif op == "DoesNotExist":
                if req.key in labels:
                    return False
            else:
                return False
        return True


def selector_matches(selector: Optional[LabelSelector], labels: dict) -> bool:
    """A nil selector matches nothing; an empty one matches everything."""
    return selector is not None and selector.matches(labels)


def get_scaled_value_from_int_or_percent(value: Optional[IntOrString], total: int, round_up: bool) -> int:
    """``intstr.GetScaledValueFromIntOrPercent``: an int as is, ``"N%"`` scaled by total."""
    if value is None:
        return 0
    if isinstance(value, bool):
        raise ValueError(f"invalid value for IntOrString: {value!r}")
    if isinstance(value, int):
        return value
    s = str(value)
    if not s.endswith("%"):
        raise ValueError(f'invalid value for IntOrString: invalid type: string is not a percentage: "{s}"')
    try:
        pct = int(s[:-1])
    except ValueError:
        raise ValueError(f'invalid value "{s}": must be an integer percentage') from None
    if round_up:
        return int(math.ceil(pct * total / 100)) if (pct * total) % 100 else pct * total // 100
    return (pct * total) // 100


_new = object.__new__
_COPIERS: dict = {}


def _shallow_copier(cls):
    """A generated copier for a (slots) dataclass: fields copied, list and dict values copied one level
    deep (status conditions, container statuses...). About 10x faster than ``copy.copy`` + loops."""
    fn = _COPIERS.get(cls)
    if fn is not None:
        return fn
    names = list(getattr(cls, "__dataclass_fields__", {}))
    if not names:
        fn = _copy.copy
    else:
        body = "".join(
            f"    v = o.{n}\n    t = type(v)\n    n.{n} = list(v) if t is list else (dict(v) if t is dict else v)\n"
            for n in names
        )
        src = f"def copier(o):\n    n = _new(C)\n{body}    return n\n"
        ns = {"C": cls, "_new": _new}
        exec(src, ns)  # noqa: S102 - built from dataclass field names only
        fn = ns["copier"]
    _COPIERS[cls] = fn
    return fn


def _copy_meta(m: "ObjectMeta") -> "ObjectMeta":
    return _shallow_copier(ObjectMeta)(m)


class KubeObject:
    """Base of every API object: ``kind``/``api_version`` class attributes, ``metadata``, and the
    ``raw`` manifest dict (after defaulting) that keeps the fields the simulator does not model."""

    kind: ClassVar[str] = ""
    api_version: ClassVar[str] = ""
    resource: ClassVar[str] = ""  # plural, as in /registry/<resource>/...
    namespaced: ClassVar[bool] = True

    metadata: ObjectMeta

    @property
    def name(self) -> str:
        return self.metadata.name

    @property
    def namespace(self) -> str:
        return self.metadata.namespace

    @property
    def uid(self) -> str:
        return self.metadata.uid

    def copy(self):
        """A copy that may be modified and written back: new object, metadata and status; the spec
        (and everything else) is shared, so replace a spec field rather than mutating it in place
        (``obj.spec = copy.copy(obj.spec)`` first), or use :meth:`deepcopy`."""
        new = _new(type(self))
        new.__dict__.update(self.__dict__)
        new.metadata = _copy_meta(self.metadata)
        st = self.__dict__.get("status")
        if st is not None:
            new.status = _shallow_copier(type(st))(st)
        return new

    def deepcopy(self):
        return _copy.deepcopy(self)

    def key(self) -> str:
        """``namespace/name`` or ``name`` (cache.MetaNamespaceKeyFunc)."""
        if self.metadata.namespace:
            return f"{self.metadata.namespace}/{self.metadata.name}"
        return self.metadata.name

    def __repr__(self) -> str:  # short and stable
        return f"<{self.kind} {self.key()} rv={self.metadata.resource_version}>"
