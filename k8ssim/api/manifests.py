"""Reading real Kubernetes manifests, as ``kubectl apply -f`` + the apiserver would.

Pipeline per document: type meta (apiVersion/kind) → kind resolution against the v1.35 API
(:mod:`k8ssim.api.schema`; removed versions refused) → strict OpenAPI field validation → apiserver
defaulting (:mod:`k8ssim.api.defaults`) → apiserver validation (:mod:`k8ssim.api.validation`) → typed
object (:mod:`k8ssim.api.decode`). Kinds that v1.35 serves but the simulator does not model (RBAC,
ConfigMap, Ingress, ...) are validated and then listed as *ignored*, never silently dropped. Every
problem of every document is collected and located (``file:line:col``) before anything is raised.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Iterable, Optional

from k8ssim.api.errors import Diagnostic, FieldError, InputError, format_path


@dataclass(frozen=True)
class IgnoredObject:
    file: str
    line: int
    api_version: str
    kind: str
    namespace: str
    name: str


@dataclass
class ManifestSet:
    objects: list = field(default_factory=list)  # typed API objects, in file order
    ignored: list = field(default_factory=list)  # of IgnoredObject
    warnings: list = field(default_factory=list)  # of Diagnostic
    sources: dict = field(default_factory=dict)  # id(obj) -> (document, path prefix of the object in it)

    def extend(self, other: "ManifestSet") -> None:
        self.objects.extend(other.objects)
        self.ignored.extend(other.ignored)
        self.warnings.extend(other.warnings)
        self.sources.update(other.sources)

    def diagnostic(self, obj, path: tuple, message: str, severity: str = "error") -> Diagnostic:
        """A problem found later (at apply time, by a budget check) located in the object's manifest."""
        doc, prefix = self.sources.get(id(obj), (None, ()))
        if doc is None:
            return Diagnostic("<manifests>", 1, 1, format_path(path), message, severity)
        line, col = doc.locate(prefix + tuple(path))
        return Diagnostic(doc.file, line, col, format_path(path), message, severity)


def _diag(doc, prefix: tuple, err: FieldError) -> Diagnostic:
    path = prefix + tuple(err.path)
    line, col = doc.locate(path)
    return Diagnostic(doc.file, line, col, format_path(path) if path else "", err.message, err.severity)


def _split_list(doc, data: Any):
    """Yield (prefix, object dict) for a document, expanding ``kind: List`` / ``*List`` items."""
    if (isinstance(data, dict) and isinstance(data.get("kind"), str) and data["kind"].endswith("List")
            and isinstance(data.get("items"), list)):
        for i, item in enumerate(data.get("items") or []):
            yield ("items", i), item
    else:
        yield (), data


def process_document(doc, data: Any, prefix: tuple, out: ManifestSet, errors: list,
                     default_namespace: str = "default") -> None:
    from k8ssim.api import decode, defaults, schema, validation

    def report(errs: Iterable[FieldError]) -> bool:
        bad = False
        for e in errs:
            d = _diag(doc, prefix, e)
            if e.severity == "error":
                errors.append(d)
                bad = True
            else:
                out.warnings.append(d)
        return bad

    if report(schema.type_meta_errors(data)):
        return
    api_version, kind = data["apiVersion"], data["kind"]
    info = schema.resolve_kind(api_version, kind)
    if isinstance(info, list):
        report([FieldError(("kind",), e.message, e.severity) if not e.path else e for e in info])
        return
    if report(schema.validate_schema(data)):
        return
    md = data.get("metadata")
    if md is None:
        md = data["metadata"] = {}
    if info.namespaced and not md.get("namespace"):
        md["namespace"] = default_namespace
    if not decode.is_modelled(api_version, kind):
        line, _ = doc.locate(prefix)
        out.ignored.append(IgnoredObject(doc.file, line, api_version, kind, md.get("namespace", "") or "",
                                         md.get("name", "") or md.get("generateName", "")))
        return
    defaults.apply_defaults(data)
    if report(validation.validate(data)):
        return
    try:
        obj = decode.decode(data)
    except (ValueError, TypeError, KeyError) as e:  # defensive: validation should have caught it
        report([FieldError((), f"cannot decode {kind}: {e}")])
        return
    out.objects.append(obj)
    out.sources[id(obj)] = (doc, prefix)


def load_documents(docs: list, *, default_namespace: str = "default") -> ManifestSet:
    """Typed objects from parsed YAML documents; raises :class:`InputError` with every problem."""
    out = ManifestSet()
    errors: list = []
    for doc in docs:
        for prefix, data in _split_list(doc, doc.data):
            process_document(doc, data, prefix, out, errors, default_namespace)
    if errors:
        raise InputError(errors + [w for w in out.warnings])
    return out


def load_manifest_file(path: str, *, display_name: Optional[str] = None,
                       default_namespace: str = "default") -> ManifestSet:
    from k8ssim.api.yamlio import load_file

    docs = load_file(path, display_name=display_name)
    return load_documents(docs, default_namespace=default_namespace)


def load_manifest_string(text: str, *, filename: str = "<string>", default_namespace: str = "default") -> ManifestSet:
    from k8ssim.api.yamlio import load_string

    return load_documents(load_string(text, filename=filename), default_namespace=default_namespace)


def iter_manifest_files(path: str) -> list:
    """A file, or every ``*.yaml``/``*.yml``/``*.json`` below a directory (sorted, deterministic)."""
    if os.path.isdir(path):
        out = []
        for root, dirs, files in os.walk(path):
            dirs.sort()
            for f in sorted(files):
                if f.endswith((".yaml", ".yml", ".json")):
                    out.append(os.path.join(root, f))
        return out
    return [path]
