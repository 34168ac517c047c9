"""The YAML reader: validation.md §7e YAML-layer rows, positions, real manifests, and fuzzing.

Expected messages, lines and columns come from the research table (§7e, §5.2) and from the input text
itself (computed here from where the offending characters are), never from the reader's output.
"""
from __future__ import annotations

import contextlib
import datetime
import os
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from k8ssim.api import yamlio
from k8ssim.api.errors import InputError
from k8ssim.api.yamlio import MAX_ALIAS_NODES, MAX_BYTES, MAX_DEPTH, Document, load_file, load_string

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
MANIFESTS = sorted(p for p in (SHARED / "manifests").rglob("*") if p.suffix in (".yaml", ".yml"))


@contextlib.contextmanager
def parser(kind: str):
    """Run with libyaml ("c") or PyYAML's pure parser ("py")."""
    saved = yamlio._CParser
    if kind == "py":
        yamlio._CParser = None
    try:
        yield
    finally:
        yamlio._CParser = saved


PARSERS = ["c", "py"] if yamlio._CParser is not None else ["py"]


def pos_of(text: str, needle: str, nth: int = 0) -> tuple[int, int]:
    """1-based (line, col) of the nth occurrence of ``needle`` in ``text``."""
    i = -1
    for _ in range(nth + 1):
        i = text.index(needle, i + 1)
    line = text.count("\n", 0, i) + 1
    return line, i - (text.rfind("\n", 0, i) + 1) + 1


def fail(src, **kw) -> InputError:
    with pytest.raises(InputError) as ei:
        load_string(src, **kw)
    return ei.value


# ---------------------------------------------------------------------------------------------------
# §7e YAML layer, table-driven


def lol_bomb(levels: int = 9, width: int = 9) -> str:
    """The classic billion-laughs document: ``a: &a ["lol", ...]``, ``b: &b [*a, ...]``, ..."""
    names = "abcdefghijklmnopqrstuvwxyz"
    lol = ",".join(['"lol"'] * width)
    lines = [f"a: &a [{lol}]"]
    for i in range(1, levels):
        lines.append(f"{names[i]}: &{names[i]} [{','.join(['*' + names[i - 1]] * width)}]")
    return "\n".join(lines) + "\n"


def bomb_expectation(levels: int = 9, width: int = 9) -> tuple[int, int, int]:
    """(N, line, col) from the counting rule: each alias copy produces size(anchor) nodes, a
    collection or scalar being one node; the first alias that takes the total past the cap fails."""
    size, total = 1 + width, 0  # level a: the list plus its scalars
    for level in range(1, levels):
        for k in range(width):
            total += size
            if total > MAX_ALIAS_NODES:
                line_text = lol_bomb(levels, width).splitlines()[level]
                col = line_text.index("[") + 2 + k * 3  # "*x," per alias
                return total, level + 1, col
        size = 1 + width * size
    raise AssertionError("bomb does not exceed the cap")


LATIN1 = b"metadata:\n  labels:\n    city: caf\xe9\n"
DUP = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
  selector: {}
  replicas: 3
"""
TAB = "metadata:\n  name: web\n\tlabels: {}\n"
PWNED = '!!python/object/apply:os.system ["touch k8ssim-pwned"]\n'

ROWS = [
    # (row id, input, message (exact, or prefix when ending in "..."), line, col, path)
    ("1-lol-bomb", lol_bomb(),
     "alias expansion limit exceeded ({0} nodes > 100000)".format(bomb_expectation()[0]),
     bomb_expectation()[1], bomb_expectation()[2], None),
    ("3-deep-flow-nesting", "[" * 10_000 + "]" * 10_000, "nesting depth > 64", 1, MAX_DEPTH + 1, ""),
    ("4-duplicate-key", DUP, 'key "replicas" already set in map (first at line 6)',
     *pos_of(DUP, "replicas", 1), "spec.replicas"),
    ("7-tab-indentation", TAB,
     "found character '\\t' that cannot start any token (while scanning for the next token)",
     3, 1, ""),
    ("8-latin1-byte", LATIN1, "input is not valid UTF-8 at byte offset %d" % LATIN1.index(b"\xe9"),
     3, len("    city: caf") + 1, ""),
    ("10-python-tag", PWNED,
     "could not determine a constructor for the tag 'tag:yaml.org,2002:python/object/apply:os.system'",
     1, 1, ""),
    ("10-python-tag-in-field", "metadata:\n  name: " + PWNED,
     "could not determine a constructor for the tag 'tag:yaml.org,2002:python/object/apply:os.system'",
     2, 9, "metadata.name"),
    ("14-eleven-mib", b"a: b\n" * (11 * 1024 * 1024 // 5),
     f"input exceeds 10 MiB ({11 * 1024 * 1024 // 5 * 5} bytes > {MAX_BYTES})", 1, 1, ""),
]


@pytest.mark.parametrize("kind", PARSERS)
@pytest.mark.parametrize("row,src,message,line,col,path", ROWS, ids=[r[0] for r in ROWS])
def test_bad_input_rows(kind, row, src, message, line, col, path):
    with parser(kind):
        err = fail(src, filename="bad.yaml")
    assert isinstance(err, InputError)
    d = err.diagnostics[-1]
    assert (d.file, d.message, d.line, d.col) == ("bad.yaml", message, line, col)
    if path is not None:
        assert d.path == path
    assert str(err).startswith(f"bad.yaml:{line}:{col}: error: ")


def test_row1_bomb_is_bounded_by_the_node_cap():
    """Work done is bounded by the cap: at most one anchor's size past MAX_ALIAS_NODES is counted,
    and the error comes before that copy is made."""
    n, _, _ = bomb_expectation()
    biggest_anchor = 1 + 9 * (1 + 9 * (1 + 9 * (1 + 9 * 10)))  # level e, the one being copied
    assert MAX_ALIAS_NODES < n <= MAX_ALIAS_NODES + biggest_anchor
    # the same bomb one level deeper (10**9 nodes if expanded) fails at the same alias
    err = fail(lol_bomb(levels=12))
    assert err.diagnostics[-1].message == f"alias expansion limit exceeded ({n} nodes > 100000)"


def test_row4_duplicate_keys_all_reported_with_both_lines():
    src = "a: 1\nb: 2\na: 3\nm: {x: 1, x: 2}\n"
    err = fail(src)
    got = [(d.line, d.col, d.path, d.message) for d in err.diagnostics]
    assert got == [
        (3, 1, "a", 'key "a" already set in map (first at line 1)'),
        (*pos_of(src, "x", 1), "m.x", 'key "x" already set in map (first at line 4)'),
    ]


def test_row8_utf8_bom_is_fine_and_offsets_count_it():
    assert load_string(b"\xef\xbb\xbfa: b\n")[0].data == {"a": "b"}
    src = b"\xef\xbb\xbfa: \xff\n"
    assert fail(src).diagnostics[0].message == "input is not valid UTF-8 at byte offset 6"


def test_row10_canary_never_created(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    payloads = [
        '!!python/object/apply:os.system ["touch CANARY"]',
        'x: !!python/object/apply:os.system ["touch CANARY"]',
        'x: !!python/object/new:os.system ["touch CANARY"]',
        "x: !!python/object/apply:subprocess.call [[touch, CANARY]]",
        "x: !!python/name:os.system",
        '- !!python/object/apply:os.system {args: ["touch CANARY"]}',
    ]
    for kind in PARSERS:
        with parser(kind):
            for p in payloads:
                err = fail(p)
                assert "could not determine a constructor for the tag 'tag:yaml.org,2002:python/" in str(err)
    assert not (tmp_path / "CANARY").exists()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("src", ["", "\n\n", "# only a comment\n", "# a\n# b\n", "---\n", "--- # c\n...\n"])
def test_row12_empty_or_comment_only_returns_no_documents(src):
    assert load_string(src) == []  # the scenario layer turns this into "scenario is empty"


def test_row14_size_checked_before_parsing(tmp_path):
    # the oversized input starts with a tab error: the size error wins, so it came first
    big = "\tx\n" + "#" * (MAX_BYTES + 10)
    assert fail(big).diagnostics[0].message.startswith("input exceeds 10 MiB")
    f = tmp_path / "big.yaml"
    f.write_bytes(big.encode())
    with pytest.raises(InputError) as ei:
        load_file(f, display_name="big.yaml")
    d = ei.value.diagnostics[0]
    assert (d.file, d.line, d.col) == ("big.yaml", 1, 1)
    assert d.message.startswith("input exceeds 10 MiB")
    # exactly 10 MiB of comments is allowed
    assert load_string("#" * (MAX_BYTES - 1) + "\n") == []


def test_row15_yaml11_bool_coercion_located():
    src = "metadata:\n  labels:\n    enabled: yes\n    quoted: \"yes\"\n    off: on\n"
    (doc,) = load_string(src)
    labels = doc.data["metadata"]["labels"]
    assert labels == {"enabled": True, "quoted": "yes", "false": True}
    assert type(labels["enabled"]) is bool
    assert doc.locate(("metadata", "labels", "enabled")) == pos_of(src, "enabled")
    assert doc.locate_value(("metadata", "labels", "enabled")) == pos_of(src, "yes")


# ---------------------------------------------------------------------------------------------------
# more hostile input


@pytest.mark.parametrize("kind", PARSERS)
@pytest.mark.parametrize(
    "src,message,where",
    [
        ("a: !foo bar\n", "could not determine a constructor for the tag '!foo'", "!foo"),
        ("a: !!set {x, y}\n", "could not determine a constructor for the tag 'tag:yaml.org,2002:set'", "!!set"),
        ("a: !!omap [x: 1]\n", "could not determine a constructor for the tag 'tag:yaml.org,2002:omap'", "!!omap"),
        ("a: !!str {x: 1}\n", "expected a scalar node, but found mapping", "!!str"),
        ("a: !!map [1]\n", "expected a mapping node, but found sequence", "!!map"),
        ("a: !!int abc\n", "invalid value for tag 'tag:yaml.org,2002:int': 'abc'", "!!int"),
        ("a: !!bool maybe\n", "invalid value for tag 'tag:yaml.org,2002:bool': 'maybe'", "!!bool"),
        ("a: !!float x1\n", "invalid value for tag 'tag:yaml.org,2002:float': 'x1'", "!!float"),
        ("a: 0b_\n", "invalid value for tag 'tag:yaml.org,2002:int': '0b_'", "0b_"),
        ("a: " + "1" * 2000 + "\n", "number-like plain scalar too long (2000 characters); quote it", "1"),
        ("a: !!int " + "1" * 2000 + "\n", "integer value too long (2000 characters)", "!!int"),
        ("a: 1" + ":30" * 700 + "\n", "number-like plain scalar too long (2101 characters); quote it", "1:"),
        ("a: *nope\n", "found undefined alias 'nope'", "*nope"),
        ("a: &r [1, *r]\n", "found recursive alias 'r' (it refers to a node that contains it)", "*r"),
        ("a: &x 1\nb: &x 2\n", "found duplicate anchor 'x' (first occurrence at line 1, column 4)", "&x 2"),
        ("? [a, b]\n: c\n", "unsupported map key of type sequence (keys must be scalars)", "[a"),
        ("~: c\n", "unsupported map key of type null", "~"),
        ("b: &b [1]\nm: {<<: *b}\n", "expected a mapping or list of mappings for merging, but found sequence containing a non-mapping", "*b}"),
        ("m: {<<: 3}\n", "expected a mapping or list of mappings for merging, but found scalar", "3}"),
    ],
)
def test_construction_errors_are_located(kind, src, message, where):
    with parser(kind):
        err = fail(src)
    d = err.diagnostics[-1]
    assert d.message == message
    assert (d.line, d.col) == pos_of(src, where)


@pytest.mark.parametrize("kind", PARSERS)
def test_nesting_depth_limits(kind):
    with parser(kind):
        ok = "[" * MAX_DEPTH + "]" * MAX_DEPTH
        assert load_string(ok)[0].data is not None
        block = "".join("  " * i + f"k{i}:\n" for i in range(MAX_DEPTH)) + "  " * MAX_DEPTH + "leaf\n"
        assert load_string(block)[0].data is not None  # 64 nested mappings
        deeper = "".join("  " * i + f"k{i}:\n" for i in range(MAX_DEPTH + 1)) + "  " * (MAX_DEPTH + 1) + "x: 1\n"
        d = fail(deeper).diagnostics[-1]
        assert (d.message, d.line, d.col) == ("nesting depth > 64", MAX_DEPTH + 1, 2 * MAX_DEPTH + 1)
        # depth reached through aliases (each anchor is 40 deep, the second nests the first)
        a = "[" * 40 + "]" * 40
        src = f"a: &a {a}\nb: {'[' * 30}*a{']' * 30}\n"
        d = fail(src).diagnostics[-1]
        assert d.message == "nesting depth > 64 (through alias 'a')"
        assert (d.line, d.col) == pos_of(src, "*a")
        big = "{" + "a: {" * 10_000
        assert fail(big).diagnostics[-1].message == "nesting depth > 64"


def test_libyaml_depth_error_beyond_the_refine_window_still_says_depth():
    src = "#" + "x" * (yamlio._REFINE_LIMIT + 10) + "\n" + "[" * 5000
    d = fail(src).diagnostics[-1]
    assert d.message.startswith("nesting depth > 64")
    assert d.line == 2


def test_total_node_cap():
    n = yamlio.MAX_NODES
    src = "- a\n" * (n + 1)
    d = fail(src).diagnostics[-1]
    assert (d.message, d.line, d.col) == (f"input has too many nodes ({n + 1} > {n})", n, 3)
    assert len(load_string("- a\n" * (n - 1))[0].data) == n - 1  # the list itself is a node


def test_alias_and_merge_semantics_match_pyyaml_without_sharing():
    src = """base: &b {x: 1, y: [1, 2]}
list: &l [a, b]
copy: *b
merged: {<<: *b, y: 2, z: 3}
multi: {<<: [*b, {x: 9, w: 0}], x: 5}
again: *l
"""
    (doc,) = load_string(src)
    assert doc.data == yaml.safe_load(src)
    d = doc.data
    assert d["copy"] is not d["base"] and d["copy"]["y"] is not d["base"]["y"]
    assert d["again"] is not d["list"]
    d["copy"]["y"].append(3)
    assert d["base"]["y"] == [1, 2]
    assert list(d["merged"]) == ["x", "y", "z"]  # PyYAML order: merged keys first
    assert doc.locate(("merged", "x")) == pos_of(src, "*b", 1)  # a merged key points at its source


def test_scalar_resolution_is_yaml11_and_keys_become_json_strings():
    src = """
s1: 1e3
f1: 1.0e+3
i1: 0x1F
i2: 0o17
i3: 017
i4: 1_000
i5: 1:30
t: 2024-01-02T03:04:05Z
d: 2024-01-02
n: ~
b: !!binary aGk=
1: int key
1.5: float key
1e20: str key
10000000.0: big float key
0.00001: tiny float key
1234567.0: float32 key
true: bool key
No: bool key too
"""
    (doc,) = load_string(src)
    assert doc.data == {
        "s1": "1e3", "f1": 1000.0, "i1": 31, "i2": "0o17", "i3": 15, "i4": 1000, "i5": 90,
        "t": "2024-01-02T03:04:05Z", "d": "2024-01-02", "n": None, "b": "aGk=",
        "1": "int key", "1.5": "float key", "1e20": "str key", "1e+07": "big float key",
        "1e-05": "tiny float key", "1.234567e+06": "float32 key",
        "true": "bool key", "false": "bool key too",
    }


def test_parse_errors_are_located_with_pyyaml_wording():
    for kind in PARSERS:
        with parser(kind):
            src = "a: [1, 2\nb: 3\n"
            d = fail(src).diagnostics[-1]
            assert d.message.startswith("expected ',' or ']', but got")
            src = "a: b\x00c\n"
            d = fail(src).diagnostics[-1]
            assert (d.message, d.line, d.col) == (
                "unacceptable character #x0000: special characters are not allowed", 1, 5)
            d = fail("x: 1\ny: \x07\n").diagnostics[-1]
            assert (d.message, d.line, d.col) == (
                "unacceptable character #x0007: special characters are not allowed", 2, 4)


def test_soft_errors_before_a_parse_error_are_kept():
    err = fail("a: 1\na: 2\nb: [\n")
    assert [d.line for d in err.diagnostics] == [2, 4]
    assert err.diagnostics[0].message == 'key "a" already set in map (first at line 1)'


def test_surrogates_and_unreadable_files(tmp_path):
    assert fail("a: \ud800\n").diagnostics[0].message == "input is not valid UTF-8 at byte offset 3"
    missing = tmp_path / "nope.yaml"
    with pytest.raises(InputError) as ei:
        load_file(missing, display_name="nope.yaml")
    assert ei.value.diagnostics[0].message == "cannot read nope.yaml: No such file or directory"
    with pytest.raises(InputError) as ei:
        load_file(tmp_path)
    assert ei.value.diagnostics[0].message.startswith(f"cannot read {tmp_path}: ")


# ---------------------------------------------------------------------------------------------------
# positions

MULTI = """# leading comment
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: app
    image: nginx
---
{ "apiVersion": "v1",   # flow style, with a comment
  kind: Service,
  spec: {ports: [{port: 80}, {port: 443}], },
}
---
# empty document: keeps its index slot
---
kind: Last
"""


def test_locate_multi_document_and_flow_style():
    docs = load_string(MULTI, filename="multi.yaml")
    assert [(d.index, d.line, d.file) for d in docs] == [(0, 2, "multi.yaml"), (1, 10, "multi.yaml"),
                                                         (3, 17, "multi.yaml")]
    pod, svc, last = docs
    assert pod.locate(()) == (2, 1)
    assert pod.locate(("metadata", "name")) == (5, 3)
    assert pod.locate_value(("metadata", "name")) == (5, 9)
    assert pod.locate(("spec", "containers", 0)) == pos_of(MULTI, "name: app")
    assert pod.locate(("spec", "containers", 0, "image")) == pos_of(MULTI, "image")
    assert svc.locate(("apiVersion",)) == pos_of(MULTI, '"apiVersion"')
    assert svc.locate(("kind",)) == pos_of(MULTI, "kind: Service")
    assert svc.locate(("spec", "ports", 1, "port")) == pos_of(MULTI, "port: 443")
    assert svc.locate_value(("spec", "ports", 1)) == pos_of(MULTI, "{port: 443}")
    assert last.locate(("kind",)) == (18, 1)


def test_locate_missing_path_falls_back_to_longest_prefix():
    pod = load_string(MULTI)[0]
    assert pod.locate(("spec", "containers", 0, "resources", "limits")) == pos_of(MULTI, "name: app")
    assert pod.locate(("spec", "nodeName")) == pos_of(MULTI, "spec")
    assert pod.locate(("nope", 3)) == (2, 1)
    # inside an alias copy: located at the alias
    src = "a: &a {x: {y: 1}}\nb: *a\n"
    (doc,) = load_string(src)
    assert doc.locate(("b", "x", "y")) == pos_of(src, "b")
    assert doc.locate_value(("b",)) == pos_of(src, "*a")


def test_diagnostic_from_field_error():
    from k8ssim.api.errors import FieldError

    pod = load_string(MULTI, filename="m.yaml")[0]
    d = pod.diagnostic(FieldError(("metadata", "name"), "Invalid value"))
    assert d.format() == "m.yaml:5:3: error: metadata.name: Invalid value"


# ---------------------------------------------------------------------------------------------------
# real manifests


def _expected(value):
    """``yaml.safe_load`` data in our conventions: JSON-string keys (sigs.k8s.io/yaml)."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if isinstance(k, bool):
                k = "true" if k else "false"
            elif isinstance(k, int):
                k = str(k)
            out[k] = _expected(v)
        return out
    if isinstance(value, list):
        return [_expected(v) for v in value]
    return value


def _same(got, want) -> bool:
    if isinstance(want, (datetime.date, datetime.datetime)):  # timestamps stay strings
        return isinstance(got, str) and yaml.safe_load(got) == want
    if isinstance(want, dict):
        return isinstance(got, dict) and list(got) == list(want) and all(_same(got[k], want[k]) for k in want)
    if isinstance(want, list):
        return isinstance(got, list) and len(got) == len(want) and all(map(_same, got, want))
    return type(got) is type(want) and got == want


def test_manifests_are_present():
    assert len(MANIFESTS) >= 150
    assert any("rejected-by-1.35" in str(p) for p in MANIFESTS)


@pytest.mark.parametrize("path", MANIFESTS, ids=[str(p.relative_to(SHARED / "manifests")) for p in MANIFESTS])
def test_real_manifest_loads_like_safe_load_all(path):
    docs = load_file(path, display_name=path.name)
    want = [_expected(d) for d in yaml.safe_load_all(path.read_bytes()) if d is not None]
    assert len(docs) == len(want)
    for doc, w in zip(docs, want):
        assert _same(doc.data, w)
        assert doc.file == path.name
        assert doc.locate(()) >= (doc.line, 1)
    if any(isinstance(d.data, dict) and "kind" in d.data for d in docs):
        d = next(d for d in docs if isinstance(d.data, dict) and "kind" in d.data)
        line, col = d.locate(("kind",))
        text = path.read_text(encoding="utf-8").splitlines()[line - 1]
        assert text[col - 1 :].lstrip('"').startswith("kind")


# ---------------------------------------------------------------------------------------------------
# fuzzing: nothing but InputError (or success) escapes, and data is plain, unshared JSON-like data


def _check_plain(value, seen: set) -> None:
    if isinstance(value, (dict, list)):
        assert id(value) not in seen, "shared sub-object"
        seen.add(id(value))
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for k, v in items:
            assert isinstance(k, (str, int))
            _check_plain(v, seen)
    else:
        assert value is None or isinstance(value, (str, int, float, bool))


def _load_or_input_error(src) -> None:
    try:
        docs = load_string(src)
    except InputError as e:
        assert e.diagnostics and all(d.line >= 1 and d.col >= 1 for d in e.diagnostics)
        return
    seen: set = set()
    for d in docs:
        assert isinstance(d, Document) and d.data is not None
        _check_plain(d.data, seen)


FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
YAMLISH = st.text(alphabet=st.sampled_from(list("ab:-[]{},&*!|>'\"#?%@`~.<=\n\t 01yesnotrue\x00\xe9")),
                  max_size=120)


@FUZZ
@given(st.binary(max_size=200))
def test_fuzz_random_bytes(data):
    for kind in PARSERS:
        with parser(kind):
            _load_or_input_error(data)


@FUZZ
@given(YAMLISH)
def test_fuzz_yamlish_text(text):
    for kind in PARSERS:
        with parser(kind):
            _load_or_input_error(text)


_SEEDS = [p for p in MANIFESTS if p.stat().st_size < 4000][:40]


@FUZZ
@given(
    st.sampled_from(_SEEDS or MANIFESTS),
    st.lists(st.tuples(st.floats(0, 1), st.sampled_from(["ins", "del", "set"]), st.binary(min_size=1, max_size=3)),
             min_size=1, max_size=6),
)
def test_fuzz_mutated_manifests(path, edits):
    data = bytearray(path.read_bytes())
    for where, op, chunk in edits:
        i = int(where * len(data))
        if op == "ins":
            data[i:i] = chunk
        elif op == "del":
            del data[i : i + len(chunk)]
        else:
            data[i : i + len(chunk)] = chunk
    for kind in PARSERS:
        with parser(kind):
            _load_or_input_error(bytes(data))
