"""Located input errors.

Every problem with user input is a :class:`FieldError` (a path inside one object and a message) that
the loader turns into a :class:`Diagnostic` (file, line, column) once it knows where the object came
from. Diagnostics print as ``file:line:col: error: field.path: message`` like a compiler, and an
:class:`InputError` carries all of them (never just the first) up to the CLI, which exits 2.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Sequence, Union

PathElem = Union[str, int]
Path = tuple  # tuple[PathElem, ...]


def format_path(path: Sequence[PathElem]) -> str:
    """``("spec", "containers", 0, "name")`` -> ``spec.containers[0].name`` (``<root>`` if empty)."""
    out = []
    for p in path:
        if isinstance(p, int):
            out.append(f"[{p}]")
        else:
            s = str(p)
            if out and not (s.replace("-", "").replace("_", "").isalnum()):
                out.append(f"[{s!r}]")
            else:
                out.append(("." if out else "") + s)
    return "".join(out) if out else "<root>"


@dataclass(frozen=True)
class FieldError:
    """A problem at ``path`` inside one object (no file position yet)."""

    path: tuple
    message: str
    severity: str = "error"  # "error" | "warning"

    def __str__(self) -> str:
        return f"{format_path(self.path)}: {self.message}"


@dataclass(frozen=True)
class Diagnostic:
    """A located problem: ``file:line:col: severity: field.path: message`` (line/col are 1-based)."""

    file: str
    line: int
    col: int
    path: str
    message: str
    severity: str = "error"

    def format(self) -> str:
        where = f"{self.file}:{self.line}:{self.col}"
        if self.path:
            return f"{where}: {self.severity}: {self.path}: {self.message}"
        return f"{where}: {self.severity}: {self.message}"

    __str__ = format


@dataclass
class InputError(Exception):
    """Raised with every diagnostic found; the CLI prints them and exits 2."""

    diagnostics: list = field(default_factory=list)

    def __post_init__(self) -> None:
        Exception.__init__(self, self.format())

    def format(self) -> str:
        return "\n".join(d.format() for d in self.diagnostics)

    @property
    def errors(self) -> list:
        return [d for d in self.diagnostics if d.severity == "error"]


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """`` (did you mean "x"?)`` for the closest candidate, or an empty string."""
    import difflib

    cands = list(candidates)
    best = difflib.get_close_matches(word, cands, n=1, cutoff=0.6)
    if not best:
        low = {c.lower(): c for c in cands}
        if word.lower() in low:
            best = [low[word.lower()]]
    return f' (did you mean "{best[0]}"?)' if best else ""
