"""Load a scenario: YAML → ``--set`` overrides → schema (pydantic) → manifests resolved and loaded.

Every problem in the scenario and in every manifest it references is collected and raised as one
:class:`~k8ssim.api.errors.InputError` of located diagnostics; nothing is simulated or written then.
"""
from __future__ import annotations

import copy
import hashlib
import json
import os
from dataclasses import dataclass, field
from typing import Any, Optional

from k8ssim.api.errors import Diagnostic, InputError, did_you_mean, format_path
from k8ssim.api.manifests import ManifestSet, iter_manifest_files, load_documents
from k8ssim.api.yamlio import Document, load_file, load_string


@dataclass
class LoadedScenario:
    model: Any  # k8ssim.scenario.schema.Scenario
    raw: dict  # the scenario document after overrides
    source: str  # display name
    base_dir: str
    digest: str  # sha256 over the scenario document and every manifest's bytes, after overrides
    overrides: list = field(default_factory=list)
    manifests: ManifestSet = field(default_factory=ManifestSet)
    warnings: list = field(default_factory=list)
    document: Any = None  # the scenario's yamlio Document, to locate problems found later

    @property
    def spec(self):
        return self.model.spec

    def diagnostic(self, path: tuple, message: str, severity: str = "error") -> Diagnostic:
        line, col = self.document.locate(path) if self.document is not None else (1, 1)
        return Diagnostic(self.source, line, col, format_path(path), message, severity)


class _DictDocument(Document):
    """A scenario given as a Python dict: positions are unknown, so every error points at 1:1."""


class _SubDocument:
    """A manifest written inline in the scenario: located through the scenario document."""

    def __init__(self, parent: Document, prefix: tuple, data: Any):
        self.parent, self.prefix, self.data = parent, prefix, data
        self.file, self.index, self.line = parent.file, 0, parent.locate(prefix)[0]

    def locate(self, path) -> tuple:
        return self.parent.locate(self.prefix + tuple(path))


def _pydantic_diagnostics(doc: Document, exc) -> list:
    from k8ssim.scenario import schema

    out = []
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        msg = err["msg"]
        if msg.startswith("Value error, "):
            msg = msg[len("Value error, "):]
        if err["type"] == "extra_forbidden":
            allowed = _allowed_fields(schema.Scenario, loc[:-1], doc.data)
            msg = f'unknown field "{loc[-1]}"{did_you_mean(str(loc[-1]), allowed)}'
        elif err["type"] == "missing":
            msg = "Required value"
        elif err["type"] == "literal_error":
            expected = str((err.get("ctx") or {}).get("expected", "")).replace("'", '"').replace(" or ", ", ")
            msg = f"Unsupported value: {json.dumps(err.get('input'))}: supported values: {expected}"
        line, col = doc.locate(loc)
        out.append(Diagnostic(doc.file, line, col, format_path(loc), msg))
    return out


def _allowed_fields(model, loc: tuple, data: Any) -> list:
    """Field names of the pydantic model reached by following ``loc`` from the root model."""
    import typing

    cur = model
    for part in loc:
        if isinstance(part, int) or cur is None:
            continue
        f = getattr(cur, "model_fields", {}).get(part)
        if f is None:
            return []
        ann = f.annotation
        nxt = None
        for cand in [ann, *typing.get_args(ann)] + [a for t in typing.get_args(ann) for a in typing.get_args(t)]:
            if isinstance(cand, type) and hasattr(cand, "model_fields"):
                nxt = cand
                break
        cur = nxt
    return list(getattr(cur, "model_fields", {}) or [])


def _read_scenario_docs(source, filename: Optional[str]) -> tuple[Document, str, str]:
    """(document, display name, base dir) for a path, YAML text or dict."""
    if isinstance(source, dict):
        doc = _DictDocument(data=copy.deepcopy(source), file=filename or "<dict>", index=0, line=1)
        return doc, doc.file, os.getcwd()
    if isinstance(source, (str, os.PathLike)) and (not isinstance(source, str) or "\n" not in source) \
            and os.path.exists(str(source)):
        path = str(source)
        docs = load_file(path, display_name=filename or path)
        base = os.path.dirname(os.path.abspath(path))
        name = filename or path
    elif isinstance(source, str) and "\n" in source:
        docs = load_string(source, filename=filename or "<string>")
        base = os.getcwd()
        name = filename or "<string>"
    else:
        raise InputError([Diagnostic(str(source), 0, 0, "", f"cannot read {source}: No such file or directory")])
    if not docs:
        raise InputError([Diagnostic(name, 1, 1, "", "scenario is empty")])
    if len(docs) > 1:
        d = docs[1]
        raise InputError([Diagnostic(name, d.line, 1, "", "a scenario file holds exactly one document")])
    return docs[0], name, base


def _declared_pods(obj) -> int:
    """Pods a workload object asks for at once (what the controllers will create)."""
    kind = obj.kind
    if kind in ("Deployment", "ReplicaSet", "StatefulSet"):
        return obj.spec.replicas
    if kind == "Job":
        return obj.spec.parallelism or 0
    if kind == "Pod":
        return 1
    return 0


def _object_budget(spec, manifests: ManifestSet) -> list:
    """``spec.maxObjects`` (validation.md §7e row 44): a scenario whose nodes and declared pods exceed the
    cap is refused up front, located at the largest workload, instead of exhausting memory."""
    nodes = sum(p.count for p in spec.cluster.nodePools)
    sized = [(_declared_pods(o), o) for o in manifests.objects]
    total = nodes + sum(n for n, _ in sized)
    if total <= spec.maxObjects:
        return []
    n, biggest = max(sized, key=lambda t: t[0], default=(0, None))
    msg = (f"{nodes} nodes + {total - nodes} pods exceed spec.maxObjects ({spec.maxObjects}); raise "
           "spec.maxObjects to simulate a cluster this large")
    if biggest is None or n == 0:
        return [Diagnostic("<scenario>", 1, 1, "spec.maxObjects", msg)]
    field_ = ("spec", "parallelism") if biggest.kind == "Job" else ("spec", "replicas")
    return [manifests.diagnostic(biggest, field_, f"{biggest.kind}/{biggest.metadata.name} asks for {n} pods; "
                                 + msg)]


def is_scenario_document(data: Any) -> bool:
    return isinstance(data, dict) and data.get("kind") == "Scenario" and str(data.get("apiVersion", "")).startswith(
        "k8ssim.io/")


def load_scenario(source, *, overrides=None, seed: Optional[int] = None,
                  filename: Optional[str] = None) -> LoadedScenario:
    from pydantic import ValidationError

    from k8ssim.scenario import schema
    from k8ssim.scenario.overrides import OverrideError, apply_overrides

    doc, name, base = _read_scenario_docs(source, filename)
    if not isinstance(doc.data, dict):
        raise InputError([Diagnostic(name, doc.line, 1, "", "a scenario must be a mapping")])
    if doc.data.get("kind") not in (None, "Scenario"):
        raise InputError([Diagnostic(name, *doc.locate(("kind",)), "kind",
                                     f'expected kind: Scenario (apiVersion: {schema.API_VERSION}), got '
                                     f'"{doc.data.get("kind")}"; use `k8ssim validate` for plain manifests')])
    try:
        applied = apply_overrides(doc.data, overrides or [])
        if seed is not None:
            applied += apply_overrides(doc.data, {"spec.seed": int(seed)})
    except OverrideError as e:
        raise InputError([Diagnostic("<command line>", 0, 0, "", str(e))]) from None
    try:
        model = schema.Scenario.model_validate(doc.data)
    except ValidationError as e:
        raise InputError(_pydantic_diagnostics(doc, e)) from None

    manifests = ManifestSet()
    errors: list = []
    h = hashlib.sha256(json.dumps(doc.data, sort_keys=True, default=str).encode())
    for i, ref in enumerate(model.spec.manifests):
        if ref.path is not None:
            path = ref.path if os.path.isabs(ref.path) else os.path.join(base, ref.path)
            if not os.path.exists(path):
                line, col = doc.locate(("spec", "manifests", i, "path"))
                errors.append(Diagnostic(name, line, col, f"spec.manifests[{i}].path",
                                         f"no such file or directory: {ref.path}"))
                continue
            for f in iter_manifest_files(path):
                display = os.path.relpath(f) if not os.path.isabs(ref.path) else f
                try:
                    with open(f, "rb") as fh:
                        h.update(fh.read())
                    manifests.extend(load_documents(load_file(f, display_name=display)))
                except InputError as e:
                    errors.extend(e.diagnostics)
        else:
            inline = ref.inline if isinstance(ref.inline, list) else [ref.inline]
            docs = []
            for j, item in enumerate(inline):
                prefix = ("spec", "manifests", i, "inline") + ((j,) if isinstance(ref.inline, list) else ())
                docs.append(_SubDocument(doc, prefix, item))
            try:
                manifests.extend(load_documents(docs))
            except InputError as e:
                errors.extend(e.diagnostics)
    errors.extend(_object_budget(model.spec, manifests))
    if errors:
        raise InputError(errors)
    return LoadedScenario(model=model, raw=doc.data, source=name, base_dir=base, digest=h.hexdigest(),
                          overrides=applied, manifests=manifests, warnings=list(manifests.warnings), document=doc)
