"""The one place k8ssim reads YAML: scenario files and Kubernetes manifests, treated as hostile input.

Semantics are YAML 1.1 as PyYAML's ``SafeLoader`` resolves it (what kubectl's go-yaml v2 also reads:
``yes``/``no``/``on``/``off`` are bools, ``1e3`` without a dot is a string), with merge keys (``<<``).
Timestamps and ``!!binary`` stay the original string (Kubernetes fields are strings), and non-string
mapping keys become their JSON string form as ``sigs.k8s.io/yaml`` ``convertToJSONableObject`` does
(``true``, ``1``, floats as Go ``FormatFloat(f, 'g', -1, 32)``; null and collection keys are errors).

Data is built directly from the parser's *event stream* (libyaml's ``CParser`` when available, else
PyYAML's pure parser), never by PyYAML's constructors, so that:

* only standard tags are constructed, nothing is ever executed (``!!python/...`` is an error);
* duplicate keys are errors naming both lines (like ``yaml.UnmarshalStrict``: ``key "x" already set in map``);
* aliases are expanded by copy (no shared sub-objects) under a node budget checked *before* copying,
  so a billion-laughs bomb fails in microseconds;
* nesting depth is checked event by event (and through aliases), so nothing recurses deeply;
* every key and value gets a 1-based (line, column) for located diagnostics.

Parser errors keep PyYAML's wording: when libyaml reports an error, the pure parser is re-run over the
same prefix and its message is used when it fails at the same place. Where the two parsers disagree
on valid input (libyaml, like go-yaml, accepts a tab after ``key:``), libyaml's verdict stands.

Limits: MAX_BYTES (before decoding), MAX_DEPTH (nested collections, also through aliases),
MAX_ALIAS_NODES (nodes produced by alias copies), MAX_NODES (all nodes of a stream).
"""
from __future__ import annotations

import os
import re
import struct
from dataclasses import dataclass, field
from typing import Any, Sequence

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import ScalarNode
from yaml.reader import Reader
from yaml.resolver import Resolver

from k8ssim.api.errors import Diagnostic, FieldError, InputError, format_path

__all__ = [
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_ALIAS_NODES",
    "MAX_NODES",
    "Document",
    "load_file",
    "load_string",
]

MAX_BYTES = 10 * 1024 * 1024
MAX_DEPTH = 64
MAX_ALIAS_NODES = 100_000
MAX_NODES = 500_000  # all nodes of one stream, alias copies included (bounds time and memory)
MAX_ERRORS = 100  # soft errors collected before giving up
_MAX_NUMBER_CHARS = 1000  # longer number-like plain scalars are rejected (no regex/big-int blow-up)
# The YAML 1.1 int/float resolvers only match values starting with one of "-+.0123456789" and made
# of these characters; any other long plain scalar is a string (bool/null/timestamp forms are short).
_NOT_NUMERIC = re.compile(r"[^-+0-9_.:eEoObBxXa-fA-F]")
_REFINE_LIMIT = 128 * 1024  # re-run the pure parser for PyYAML's wording only up to this offset

# libyaml's parser (via CSafeLoader, used only for its events); tests set this to None to force the
# pure-Python parser.
_CParser = getattr(yaml, "CSafeLoader", None)

_T = "tag:yaml.org,2002:"
_STR, _INT, _FLOAT, _BOOL, _NULL = _T + "str", _T + "int", _T + "float", _T + "bool", _T + "null"
_TIMESTAMP, _BINARY, _MERGE_TAG, _VALUE = _T + "timestamp", _T + "binary", _T + "merge", _T + "value"
_MAP, _SEQ = _T + "map", _T + "seq"
_SCALAR_TAGS = {_STR, _INT, _FLOAT, _BOOL, _NULL, _TIMESTAMP, _BINARY, _MERGE_TAG, _VALUE}

_RESOLVER = Resolver()
_CONSTRUCTOR = SafeConstructor()
_P = 1 << 32  # positions are encoded as line * _P + col
_BREAKS = re.compile("\r\n|[\n\r\x85\u2028\u2029]")

# Sentinels for the key slot of a mapping frame.
_NOKEY = object()  # expecting a key
_SKIP = object()  # key was bad: build the value, then drop it
_MERGE = object()  # key was "<<"


@dataclass
class Document:
    """One non-empty YAML document: plain JSON-like ``data`` plus where each part of it came from."""

    data: Any
    file: str
    index: int  # 0-based position in the stream (empty documents keep their slot)
    line: int  # 1-based line where the document starts
    # path -> position encoded as line * 2**32 + col (one int per node keeps big inputs small)
    _keys: dict = field(default_factory=dict, repr=False, compare=False)
    _values: dict = field(default_factory=dict, repr=False, compare=False)

    def locate(self, path: Sequence) -> tuple[int, int]:
        """1-based (line, col) of the element at ``path`` (str keys / int indices).

        A mapping entry is located at its key; a path that does not exist (a missing required field,
        or the inside of an alias copy) falls back to the longest existing prefix.
        """
        return self._find(tuple(path), self._keys, self._values)

    def locate_value(self, path: Sequence) -> tuple[int, int]:
        """Like :meth:`locate` but a mapping entry is located at its value."""
        return self._find(tuple(path), self._values, self._keys)

    def _find(self, path: tuple, first: dict, second: dict) -> tuple[int, int]:
        for n in range(len(path), -1, -1):
            p = path[:n]
            pos = first.get(p) or second.get(p)
            if pos is not None:
                return divmod(pos, _P)
        return (self.line, 1)

    def diagnostic(self, err: FieldError) -> Diagnostic:
        """Locate a :class:`FieldError` of this document."""
        line, col = self.locate(err.path)
        return Diagnostic(self.file, line, col, _fmt(err.path), err.message, err.severity)


def load_file(path: str | os.PathLike, *, display_name: str | None = None) -> list[Document]:
    """Read and parse a YAML file; raises :class:`InputError` for any problem (never anything else)."""
    name = display_name if display_name is not None else os.fspath(path)
    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_BYTES + 1)
    except (OSError, ValueError) as e:  # ValueError: embedded NUL in the path
        reason = getattr(e, "strerror", None) or str(e)
        raise InputError([Diagnostic(name, 1, 1, "", f"cannot read {name}: {reason}")]) from None
    return _load_bytes(raw, name)


def load_string(text: str | bytes, *, filename: str = "<string>") -> list[Document]:
    """Parse YAML from a string or bytes; raises :class:`InputError` for any problem."""
    if isinstance(text, str):
        if len(text) > MAX_BYTES:
            msg = f"input exceeds 10 MiB ({len(text)} characters > {MAX_BYTES})"
            raise InputError([Diagnostic(filename, 1, 1, "", msg)])
        text = text.encode("utf-8", "surrogatepass")  # a lone surrogate then fails UTF-8 decoding
    return _load_bytes(bytes(text), filename)


# ---------------------------------------------------------------------------------------------------
# bytes -> text -> documents


def _too_big(name: str, n: int) -> Diagnostic:
    return Diagnostic(name, 1, 1, "", f"input exceeds 10 MiB ({n} bytes > {MAX_BYTES})")


def _load_bytes(raw: bytes, name: str) -> list[Document]:
    if len(raw) > MAX_BYTES:
        raise InputError([_too_big(name, len(raw))])
    bom = 3 if raw.startswith(b"\xef\xbb\xbf") else 0
    try:
        text = raw[bom:].decode("utf-8")
    except UnicodeDecodeError as e:
        off = e.start + bom
        line, col = _line_col(raw[bom:off].decode("utf-8"), off - bom)
        raise InputError(
            [Diagnostic(name, line, col, "", f"input is not valid UTF-8 at byte offset {off}")]
        ) from None
    m = Reader.NON_PRINTABLE.search(text)
    if m is not None:  # PyYAML's Reader check and wording, located
        line, col = _line_col(text, m.start())
        msg = "unacceptable character #x%04x: special characters are not allowed" % ord(m.group())
        raise InputError([Diagnostic(name, line, col, "", msg)])
    builder = _Builder(name)
    try:
        return builder.run(text, _CParser)
    except _Abort:
        raise InputError(builder.errors) from None
    except yaml.YAMLError as e:
        raise InputError(_after_parse_error(e, text, name, builder.errors)) from None
    except RecursionError:
        raise InputError([Diagnostic(name, 1, 1, "", f"nesting depth > {MAX_DEPTH}")]) from None
    except MemoryError:
        raise InputError([Diagnostic(name, 1, 1, "", "out of memory while reading YAML")]) from None


def _after_parse_error(e: yaml.YAMLError, text: str, name: str, errors: list) -> list:
    """All diagnostics once the parser failed with ``e``.

    When libyaml failed, the pure parser is re-run over the same prefix: it gives PyYAML's wording
    when it fails at the same place.
    """
    mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
    if _CParser is not None and mark is not None:
        # libyaml scans ahead (up to its own depth limit of 1000) before emitting the first events of
        # a long flow line; cut the text where it failed to see whether our depth limit comes first.
        # Cutting never adds nesting, so a depth error found this way is genuine.
        cut = _Builder(name)
        try:
            cut.run(text[: mark.index], _CParser)
        except _Abort:
            if cut.errors and cut.errors[-1].message.startswith("nesting depth > "):
                return cut.errors
        except (yaml.YAMLError, RecursionError, MemoryError):
            pass
    if _CParser is not None and mark is not None and mark.index <= _REFINE_LIMIT:
        py = _Builder(name)
        try:
            py.run(text, None, stop=mark.index)
        except _Abort:
            if not py.passed_stop and not py.finished:  # our limits stopped the pure parser first
                return py.errors
        except yaml.MarkedYAMLError as pe:
            if _mark_lc(pe.problem_mark or pe.context_mark) == _mark_lc(mark):
                return py.errors + [_parse_diag(pe, name)]
        except (yaml.YAMLError, RecursionError, MemoryError):
            pass
    return errors + [_parse_diag(e, name)]


def _line_col(text: str, index: int) -> tuple[int, int]:
    """1-based line/column of character ``index``, counting line breaks as PyYAML and libyaml do."""
    line, start = 1, 0
    for m in _BREAKS.finditer(text, 0, index):
        line, start = line + 1, m.end()
    return line, index - start + 1


def _mark_lc(mark: Any) -> tuple[int, int] | None:
    if mark is None:
        return None
    return mark.line + 1, mark.column + 1


def _error_message(e: yaml.MarkedYAMLError) -> str:
    msg = e.problem or e.context or "invalid YAML"
    if e.problem and e.context:
        where = ""
        if e.context_mark is not None and _mark_lc(e.context_mark) != _mark_lc(e.problem_mark):
            line, col = _mark_lc(e.context_mark)
            where = f" started at line {line}, column {col}"
        msg = f"{msg} ({e.context}{where})"
    return msg


def _parse_diag(e: yaml.YAMLError, name: str) -> Diagnostic:
    """A parser error as a located Diagnostic."""
    if not isinstance(e, yaml.MarkedYAMLError):
        return Diagnostic(name, 1, 1, "", str(e).split("\n")[0])
    line, col = _mark_lc(e.problem_mark or e.context_mark) or (1, 1)
    msg = _error_message(e)
    if (e.problem or "").startswith("exceeded maximum nesting depth"):  # libyaml's own limit
        msg = f"nesting depth > {MAX_DEPTH} ({msg})"
    return Diagnostic(name, line, col, "", msg)


# ---------------------------------------------------------------------------------------------------
# scalars and keys


def _construct_scalar(tag: str, value: str) -> Any:
    """Value of a scalar with a standard tag; raises ValueError with a message for bad values."""
    if tag == _STR or tag == _TIMESTAMP or tag == _BINARY or tag == _MERGE_TAG or tag == _VALUE:
        return value
    if tag == _NULL:
        return None
    if tag == _BOOL:
        b = SafeConstructor.bool_values.get(value.lower())
        if b is None:
            raise ValueError(f"invalid value for tag '{tag}': {_short(value)}")
        return b
    if tag == _INT:
        if len(value) > _MAX_NUMBER_CHARS:
            raise ValueError(f"integer value too long ({len(value)} characters)")
        try:
            return _CONSTRUCTOR.construct_yaml_int(ScalarNode(tag, value))
        except (ValueError, IndexError):
            raise ValueError(f"invalid value for tag '{tag}': {_short(value)}") from None
    if tag == _FLOAT:
        try:
            return _CONSTRUCTOR.construct_yaml_float(ScalarNode(tag, value))
        except (ValueError, IndexError, OverflowError):
            raise ValueError(f"invalid value for tag '{tag}': {_short(value)}") from None
    raise AssertionError(tag)


_SCALARS: dict = {}  # (tag, value, implicit) -> _scalar(...) for short scalars (a pure function)


def _scalar(tag: str | None, value: str, implicit: tuple) -> tuple[str, Any, str | None]:
    """(resolved tag, data, problem or None) of a scalar event."""
    if tag is None or tag == "!":
        if len(value) > _MAX_NUMBER_CHARS and implicit[0]:
            if value[0] in "-+.0123456789" and _NOT_NUMERIC.search(value) is None:
                return _STR, None, f"number-like plain scalar too long ({len(value)} characters); quote it"
            return _STR, value, None
        tag = _RESOLVER.resolve(ScalarNode, value, implicit)
    if tag not in _SCALAR_TAGS:
        return tag, None, _Builder.tag_problem(tag, "scalar")
    try:
        return tag, _construct_scalar(tag, value), None
    except ValueError as e:
        return tag, None, str(e)


def _short(value: str, n: int = 40) -> str:
    return repr(value if len(value) <= n else value[:n] + "...")


def _go_float32(x: float) -> str:
    """``strconv.FormatFloat(x, 'g', -1, 32)`` with go-yaml's .inf/.nan spellings."""
    if x != x:
        return ".nan"
    try:
        f = struct.unpack("f", struct.pack("f", x))[0]
    except OverflowError:
        f = float("inf") if x > 0 else float("-inf")
    if f in (float("inf"), float("-inf")):
        return ".inf" if f > 0 else "-.inf"
    if f == 0:
        return "-0" if str(f).startswith("-") else "0"
    for prec in range(1, 10):  # shortest digits that round-trip through float32
        s = f"{f:.{prec - 1}e}"
        if struct.unpack("f", struct.pack("f", float(s)))[0] == f:
            break
    mant, exp_s = s.split("e")
    sign = "-" if mant.startswith("-") else ""
    digits = mant.lstrip("-").replace(".", "").rstrip("0") or "0"
    exp = int(exp_s)
    if exp < -4 or exp >= 6:  # Go uses %e for shortest 'g' when exp < -4 || exp >= 6
        m = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{sign}{m}e{'-' if exp < 0 else '+'}{abs(exp):02d}"
    if exp >= 0:
        ip = digits[: exp + 1].ljust(exp + 1, "0")
        fp = digits[exp + 1 :]
    else:
        ip, fp = "0", "0" * (-exp - 1) + digits
    return sign + ip + ("." + fp if fp else "")


def _key_string(value: Any) -> str | None:
    """JSON string form of a scalar mapping key (``sigs.k8s.io/yaml``), or None if unsupported."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _go_float32(value)
    return None


def _copy(value: Any) -> Any:
    """Deep copy of plain data (depth is bounded by MAX_DEPTH)."""
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _fmt(path: Sequence | None) -> str:
    return format_path(path) if path else ""


# ---------------------------------------------------------------------------------------------------
# the event-stream builder


class _Abort(Exception):
    def __init__(self, diagnostics: list) -> None:
        super().__init__()
        self.diagnostics = diagnostics


class _Frame:
    """An open mapping or sequence."""

    __slots__ = ("is_map", "path", "anchor", "mark", "bad", "items", "seen", "key", "merges", "size",
                 "height")

    def __init__(self, is_map: bool, path: tuple | None, anchor: str | None, mark: Any, bad: bool):
        self.is_map, self.path, self.anchor, self.mark, self.bad = is_map, path, anchor, mark, bad
        self.items: list = []  # sequence items, or (key, value) pairs
        self.seen: dict = {}  # key -> 1-based line of its first occurrence
        self.key: Any = _NOKEY
        self.merges: list = []  # (key, value, position) in PyYAML merge order
        self.size = 1  # nodes in the expanded subtree
        self.height = 1  # nesting of collections in the expanded subtree


class _Builder:
    """Turns parser events into Documents, enforcing the limits and collecting located errors."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.errors: list[Diagnostic] = []
        self.alias_nodes = 0
        self.nodes = 0
        self.stop: int | None = None  # give up once events start past this character
        self.passed_stop = False
        self.finished = False

    # -- errors ---------------------------------------------------------------------------------
    def soft(self, pos: int, path: tuple | None, message: str) -> None:
        line, col = divmod(pos, _P)
        self.errors.append(Diagnostic(self.name, line, col, _fmt(path), message))
        if len(self.errors) >= MAX_ERRORS:
            self.errors.append(Diagnostic(self.name, line, col, "", "too many errors, stopping"))
            raise _Abort(self.errors)

    def hard(self, pos: int, path: tuple | None, message: str) -> None:
        line, col = divmod(pos, _P)
        self.errors.append(Diagnostic(self.name, line, col, _fmt(path), message))
        raise _Abort(self.errors)

    # -- main loop --------------------------------------------------------------------------------
    def run(self, text: str, cparser: Any, stop: int | None = None) -> list[Document]:
        """Build all documents; with ``stop``, give up (``passed_stop``) past that character."""
        parser = cparser(text) if cparser is not None else yaml.SafeLoader(text)
        self.stop = stop
        docs: list[Document] = []
        index = -1
        try:
            while True:
                ev = self.next_event(parser)
                if ev is None or isinstance(ev, yaml.StreamEndEvent):
                    break
                if isinstance(ev, yaml.DocumentStartEvent):
                    index += 1
                    doc = self.document(parser, index, ev.start_mark.line + 1)
                    if doc is not None:
                        docs.append(doc)
        finally:
            parser.dispose()
        self.finished = True
        if self.errors:
            raise _Abort(self.errors)
        return docs

    def next_event(self, parser: Any) -> Any:
        ev = parser.get_event()
        if self.stop is not None and ev is not None and ev.start_mark.index > self.stop:
            self.passed_stop = True
            raise _Abort(self.errors)
        return ev

    def document(self, parser: Any, index: int, line: int) -> Document | None:
        self.keys: dict = {}
        self.values: dict = {}
        self.anchors: dict = {}  # name -> (data, size, height, kind, tag, position)
        self.open_anchors: set = set()
        self.stack: list[_Frame] = []
        self.root: Any = None
        while True:
            ev = self.next_event(parser)
            cls = type(ev)
            if cls is yaml.ScalarEvent:
                self.scalar(ev)
            elif cls is yaml.MappingStartEvent or cls is yaml.SequenceStartEvent:
                self.start(ev, cls is yaml.MappingStartEvent)
            elif cls is yaml.MappingEndEvent or cls is yaml.SequenceEndEvent:
                self.end()
            elif cls is yaml.AliasEvent:
                self.alias(ev)
            elif cls is yaml.DocumentEndEvent:
                break
            else:  # pragma: no cover - the parser guarantees the grammar
                raise yaml.YAMLError(f"unexpected event {ev!r}")
        if self.root is None:
            return None
        return Document(self.root, self.name, index, line, self.keys, self.values)

    # -- nodes ------------------------------------------------------------------------------------
    def child_path(self) -> tuple | None:
        """Path of the node about to be emitted (None when it is a key or is not recorded)."""
        if not self.stack:
            return ()
        top = self.stack[-1]
        if top.path is None:
            return None
        if not top.is_map:
            return top.path + (len(top.items),)
        if top.key is _NOKEY or top.key is _SKIP or top.key is _MERGE:
            return None
        return top.path + (top.key,)

    def scalar(self, ev: Any) -> None:
        lc = (ev.start_mark.line + 1) * _P + ev.start_mark.column + 1
        path = self.child_path()
        value = ev.value
        ckey = (ev.tag, value, ev.implicit)
        hit = _SCALARS.get(ckey) if len(value) <= 64 else None
        if hit is None:
            hit = _scalar(ev.tag, value, ev.implicit)
            if len(value) <= 64:
                if len(_SCALARS) >= 8192:
                    _SCALARS.clear()
                _SCALARS[ckey] = hit
        tag, data, problem = hit
        kind = "scalar"
        self.count(1, lc)
        if problem is not None:
            self.soft(lc, path, problem)
            data, kind = None, "error"
        if ev.anchor is not None:
            self.add_anchor(ev.anchor, (data, 1, 0, kind, tag, lc), lc)
        self.emit(data, 1, 0, kind, tag, lc, path)

    def start(self, ev: Any, is_map: bool) -> None:
        lc = (ev.start_mark.line + 1) * _P + ev.start_mark.column + 1
        path = self.child_path()
        if len(self.stack) + 1 > MAX_DEPTH:
            self.hard(lc, None, f"nesting depth > {MAX_DEPTH}")
        self.count(1, lc)
        tag = ev.tag
        bad = False
        if tag is not None and tag != "!" and tag != (_MAP if is_map else _SEQ):
            self.soft(lc, path, self.tag_problem(tag, "mapping" if is_map else "sequence"))
            bad = True
        if ev.anchor is not None:
            if ev.anchor in self.anchors or ev.anchor in self.open_anchors:
                self.duplicate_anchor(ev.anchor, lc)
            self.open_anchors.add(ev.anchor)
        self.stack.append(_Frame(is_map, path, ev.anchor, lc, bad))

    def end(self) -> None:
        fr = self.stack.pop()
        if fr.is_map:
            if fr.merges:
                data = {}
                for k, v, _ in fr.merges:
                    data[k] = v
                if fr.path is not None:
                    for k, _, mlc in fr.merges:
                        if k not in fr.seen:
                            self.keys[fr.path + (k,)] = mlc
                data.update(fr.items)
            else:
                data = dict(fr.items)
            kind = "mapping"
        else:
            data, kind = fr.items, "sequence"
        if fr.bad:
            data, kind = None, "error"
        tag = _MAP if fr.is_map else _SEQ
        if fr.anchor is not None:
            self.open_anchors.discard(fr.anchor)
            self.anchors[fr.anchor] = (data, fr.size, fr.height, kind, tag, fr.mark)
        self.emit(data, fr.size, fr.height, kind, tag, fr.mark, fr.path)

    def alias(self, ev: Any) -> None:
        lc = (ev.start_mark.line + 1) * _P + ev.start_mark.column + 1
        path = self.child_path()
        name = ev.anchor
        entry = self.anchors.get(name)
        if entry is None:
            if name in self.open_anchors:
                self.hard(lc, path, f"found recursive alias {name!r} (it refers to a node that contains it)")
            self.hard(lc, path, f"found undefined alias {name!r}")
        data, size, height, kind, tag, _ = entry
        self.alias_nodes += size
        if self.alias_nodes > MAX_ALIAS_NODES:
            self.hard(lc, path,
                      f"alias expansion limit exceeded ({self.alias_nodes} nodes > {MAX_ALIAS_NODES})")
        if len(self.stack) + height > MAX_DEPTH:
            self.hard(lc, None, f"nesting depth > {MAX_DEPTH} (through alias {name!r})")
        self.count(size, lc)
        self.emit(_copy(data), size, height, kind, tag, lc, path)

    # -- helpers ----------------------------------------------------------------------------------
    def add_anchor(self, name: str, entry: tuple, lc: int) -> None:
        if name in self.anchors or name in self.open_anchors:
            self.duplicate_anchor(name, lc)
        self.anchors[name] = entry

    def count(self, n: int, pos: int) -> None:
        self.nodes += n
        if self.nodes > MAX_NODES:
            self.hard(pos, None, f"input has too many nodes ({self.nodes} > {MAX_NODES})")

    def duplicate_anchor(self, name: str, lc: int) -> None:
        first = divmod(self.anchors[name][5], _P) if name in self.anchors else None
        where = f" (first occurrence at line {first[0]}, column {first[1]})" if first else ""
        self.hard(lc, None, f"found duplicate anchor {name!r}{where}")

    @staticmethod
    def tag_problem(tag: str, found: str) -> str:
        expected = {_MAP: "a mapping", _SEQ: "a sequence"}.get(tag)
        if expected is None and tag in _SCALAR_TAGS:
            expected = "a scalar"
        if expected is None:
            return f"could not determine a constructor for the tag {tag!r}"
        return f"expected {expected} node, but found {found}"

    def emit(self, data: Any, size: int, height: int, kind: str, tag: str, lc: int,
             path: tuple | None) -> None:
        """Hand a finished node to its parent (or make it the document root)."""
        if not self.stack:
            self.root = data
            if path is not None:
                self.values[()] = lc
            return
        top = self.stack[-1]
        top.size += size
        if height + 1 > top.height:
            top.height = height + 1
        if not top.is_map:
            top.items.append(data)
            if path is not None:
                self.values[path] = lc
            return
        if top.key is _NOKEY:
            self.take_key(top, data, kind, tag, lc)
            return
        key, top.key = top.key, _NOKEY
        if key is _SKIP:
            return
        if key is _MERGE:
            self.merge(top, data, kind, lc)
            return
        top.items.append((key, data))
        if path is not None:
            self.values[path] = lc

    def take_key(self, top: _Frame, data: Any, kind: str, tag: str, lc: int) -> None:
        top.key = _SKIP
        if kind == "error":
            return
        if kind != "scalar":
            self.soft(lc, top.path, f"unsupported map key of type {kind} (keys must be scalars)")
            return
        if tag == _MERGE_TAG:
            top.key = _MERGE
            return
        k = _key_string(data)
        if k is None:
            self.soft(lc, top.path, "unsupported map key of type null")
            return
        if k in top.seen:
            path = top.path + (k,) if top.path is not None else None
            self.soft(lc, path, f"key {_quote(k)} already set in map (first at line {top.seen[k]})")
            return
        top.seen[k] = lc // _P
        top.key = k
        if top.path is not None:
            self.keys[top.path + (k,)] = lc

    def merge(self, top: _Frame, data: Any, kind: str, lc: int) -> None:
        """PyYAML ``flatten_mapping``: ``<<: *a`` or ``<<: [*a, *b]`` (earlier sources win)."""
        if kind == "error":
            return
        if kind == "mapping":
            top.merges.extend((k, v, lc) for k, v in data.items())
        elif kind == "sequence" and all(isinstance(m, dict) for m in data):
            for m in reversed(data):
                top.merges.extend((k, v, lc) for k, v in m.items())
        else:
            found = "sequence containing a non-mapping" if kind == "sequence" else kind
            self.soft(lc, top.path,
                      f"expected a mapping or list of mappings for merging, but found {found}")


def _quote(s: str) -> str:
    """Go ``%q``-like quoting for messages."""
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
