"""``k8ssim conformance DIR``: run every vector file in DIR, one line per file, then ``N passed, M failed``."""
from __future__ import annotations

import importlib
import json
import os
import sys
import traceback
from dataclasses import dataclass, field


class Mismatch(AssertionError):
    """k8ssim's answer differs from the upstream expectation."""


def expect_equal(got, want, what: str = "") -> None:
    if got != want:
        raise Mismatch(f"{what + ': ' if what else ''}got {got!r}, want {want!r}")


@dataclass
class FileResult:
    file: str
    passed: int = 0
    failed: int = 0
    failures: list = field(default_factory=list)  # (vector id, message)
    error: str = ""


def handler_for(stem: str):
    """The case module for a vector file stem, or None when k8ssim has none yet."""
    try:
        return importlib.import_module(f"k8ssim.conformance.cases.{stem}")
    except ModuleNotFoundError as e:
        if e.name and e.name.endswith(f"cases.{stem}"):
            return None
        raise


def run_file(path: str) -> FileResult:
    stem = os.path.splitext(os.path.basename(path))[0]
    res = FileResult(file=os.path.basename(path))
    try:
        with open(path, encoding="utf-8") as fh:
            doc = json.load(fh)
    except (OSError, ValueError) as e:
        res.error = f"cannot read: {e}"
        res.failed = 1
        return res
    mod = handler_for(stem)
    vectors = doc.get("vectors", [])
    if mod is None:
        res.error = "no handler in k8ssim for this file"
        res.failed = len(vectors) or 1
        res.failures = [(v.get("id", "?"), "no handler") for v in vectors]
        return res
    for v in vectors:
        vid = v.get("id", "?")
        name = v.get("upstream_case") or v.get("description") or ""
        try:
            mod.run(v, doc)
            res.passed += 1
        except AssertionError as e:
            res.failed += 1
            res.failures.append((vid, f"{name}: {e}"))
        except Exception as e:  # a crash in our code is a failure of that vector, not of the run
            res.failed += 1
            tb = traceback.format_exception_only(type(e), e)[-1].strip()
            res.failures.append((vid, f"{name}: crashed: {tb}"))
    return res


def run_dir(directory: str, only: str | None = None, verbose: bool = False, out=sys.stdout) -> int:
    files = sorted(f for f in os.listdir(directory) if f.endswith(".json"))
    if only:
        files = [f for f in files if only in f]
    total_p = total_f = 0
    for f in files:
        r = run_file(os.path.join(directory, f))
        total_p += r.passed
        total_f += r.failed
        status = "ok  " if r.failed == 0 else "FAIL"
        extra = f"  ({r.error})" if r.error else ""
        print(f"{status} {r.file}: {r.passed} passed, {r.failed} failed{extra}", file=out)
        if verbose or (r.failed and not r.error):
            for vid, msg in r.failures[: (None if verbose else 5)]:
                print(f"     {vid}: {msg}", file=out)
            if not verbose and len(r.failures) > 5:
                print(f"     ... {len(r.failures) - 5} more", file=out)
    print(f"{total_p} passed, {total_f} failed", file=out)
    return 0 if total_f == 0 else 1
