"""The bad-input corpus (validation.md §7e), run end to end through the CLI in a subprocess.

Each case is ``tests/bad_inputs/NNN-name.expected.json`` (see ``tests/bad_inputs/README.md``) with the
scenario ``NNN-name.yaml`` beside it (manifests it references in ``NNN-name/``), or a ``generate`` key
naming a builder below for inputs too big or too binary to commit (alias bomb, 10,000-deep nesting,
11 MiB, a Latin-1 byte) or that need a filesystem set-up (an output path through a symlink).

Every case must: exit 2; print located diagnostics ``file:line:col: error: ...`` that match the
expected regex(es) (at the expected line, in the expected file, when given); print no traceback and
nothing on stdout; leave no output directory and no file at all in its working directory (the canary of
row 10 included); and stay within 200 MB peak RSS (of the CLI process itself) and a few CPU seconds.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BAD = REPO / "tests" / "bad_inputs"
CASES = sorted(p.name[: -len(".expected.json")] for p in BAD.glob("*.expected.json"))

DIAG = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): (?P<severity>error|warning): (?P<msg>.*)$")
MAX_RSS_BYTES = 200 * 1024 * 1024
MAX_CPU_SECONDS = 5.0  # validation.md asks for 1 s wall; this bound only catches blow-ups, not noise

SCENARIO_HEAD = """apiVersion: k8ssim.io/v1alpha1
kind: Scenario
metadata:
  name: bad-input
"""
SCENARIO_SPEC = """spec:
  duration: 1m
  cluster:
    nodePools:
      - name: general
        instanceType: m5.large
        count: 1
"""


# ------------------------------------------------------------------------------------ generators
def gen_alias_bomb(tmp: Path) -> tuple[Path, list]:
    """Billion laughs, 9 levels of 9: 9**9 ≈ 3.9e8 leaves from ~400 bytes."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, cur in zip("abcdefgh", "bcdefghi"):
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    p = tmp / "001-alias-bomb.yaml"
    p.write_text("\n".join(lines) + "\n")
    return p, []


def gen_deep_nesting(tmp: Path) -> tuple[Path, list]:
    p = tmp / "003-deep-nesting.yaml"
    p.write_text(SCENARIO_HEAD + "  description: " + "[" * 10_000 + "]" * 10_000 + "\n" + SCENARIO_SPEC)
    return p, []


def gen_latin1_label(tmp: Path) -> tuple[Path, list]:
    """A label value written in Latin-1 (``café`` with byte 0xE9) on line 6."""
    p = tmp / "008-latin1-byte.yaml"
    p.write_bytes((SCENARIO_HEAD + "  labels:\n    team: caf").encode() + b"\xe9\n" + SCENARIO_SPEC.encode())
    return p, []


def gen_eleven_mib(tmp: Path) -> tuple[Path, list]:
    """A valid scenario padded with comment lines to 11 MiB."""
    p = tmp / "014-over-10-mib.yaml"
    pad = ("# " + "x" * 97 + "\n") * (11 * 1024 * 1024 // 100 + 1)
    p.write_text(SCENARIO_HEAD + SCENARIO_SPEC + pad)
    assert p.stat().st_size > 11 * 1024 * 1024
    return p, []


def gen_symlink_output(tmp: Path) -> tuple[Path, list]:
    """``-o link/out`` where ``link`` is a symbolic link to another directory."""
    (tmp / "elsewhere").mkdir()
    os.symlink(tmp / "elsewhere", tmp / "link")
    return BAD / "051-output-through-symlink.yaml", ["-o", str(tmp / "link" / "out")]


GENERATORS = {
    "alias_bomb": gen_alias_bomb,
    "deep_nesting": gen_deep_nesting,
    "latin1_label": gen_latin1_label,
    "eleven_mib": gen_eleven_mib,
    "symlink_output": gen_symlink_output,
}


# ------------------------------------------------------------------------------------ the runner
# ``python -m k8ssim ARGS`` (runpy with alter_sys, exactly what -m does) that also writes its own peak RSS
# to $K8SSIM_TEST_PEAK_RSS at exit: VmHWM of its own address space (rusage of a forked child would
# include the parent's pytest process, which can be far larger than the CLI itself).
_MAIN = """
import atexit, os, resource, runpy, sys
def _peak():
    try:
        with open("/proc/self/status") as fh:
            kib = next(int(l.split()[1]) for l in fh if l.startswith("VmHWM:"))
        peak = kib * 1024
    except OSError:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # bytes on macOS
    with open(os.environ["K8SSIM_TEST_PEAK_RSS"], "w") as fh:
        fh.write(str(peak))
atexit.register(_peak)
sys.argv[0] = "k8ssim"
runpy.run_module("k8ssim", run_name="__main__", alter_sys=True)
"""


def _run(argv: list, cwd: Path, tmp: Path) -> tuple[int, str, str, float, int]:
    """Run ``python -m k8ssim *argv``; return (exit code, stdout, stderr, CPU seconds, peak RSS bytes)."""
    env = dict(os.environ, K8SSIM_TEST_PEAK_RSS=str(tmp / "peak_rss.txt"))
    with open(tmp / "stdout.txt", "wb") as out, open(tmp / "stderr.txt", "wb") as err:
        proc = subprocess.Popen([sys.executable, "-c", _MAIN, *argv], cwd=cwd, stdout=out, stderr=err,
                                stdin=subprocess.DEVNULL, env=env)
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        except BaseException:
            proc.kill()
            raise
        proc.returncode = os.waitstatus_to_exitcode(status)
    peak_file = tmp / "peak_rss.txt"
    peak = int(peak_file.read_text()) if peak_file.exists() else -1
    return (proc.returncode, (tmp / "stdout.txt").read_text(errors="replace"),
            (tmp / "stderr.txt").read_text(errors="replace"), usage.ru_utime + usage.ru_stime, peak)


def test_corpus_is_complete():
    """Every row of §7e this corpus covers has at least one case, and every case has its input."""
    rows = {int(stem[:3]) for stem in CASES}
    assert {1, 3, 4, 7, 8, 10, 12, 14, 15, 16, 18, 19, 21, 23, 25, 26, 28, 32, 33, 34, 36, 40, 42, 46, 51} <= rows
    for stem in CASES:
        exp = json.loads((BAD / f"{stem}.expected.json").read_text())
        assert exp["command"] in ("run", "validate"), stem
        assert set(exp) <= {"exit", "message", "line", "command", "file", "args", "output", "generate",
                            "canary"}, stem
        assert exp.get("generate") in GENERATORS or (BAD / f"{stem}.yaml").exists(), stem


@pytest.mark.parametrize("stem", CASES)
def test_bad_input(stem: str, tmp_path: Path):
    exp = json.loads((BAD / f"{stem}.expected.json").read_text())
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    if exp.get("generate"):
        scenario, extra = GENERATORS[exp["generate"]](tmp_path)
    else:
        scenario, extra = BAD / f"{stem}.yaml", []
    out = tmp_path / "out"
    argv = [exp["command"], str(scenario)]
    if exp["command"] == "run":
        argv.append("--no-progress")
        if exp.get("output", True):
            argv += ["-o", str(out)]
    argv += extra + list(exp.get("args", []))
    before = set(os.listdir(tmp_path))

    code, stdout, stderr, cpu, peak_rss = _run(argv, cwd, tmp_path)

    shown = f"\n$ k8ssim {' '.join(argv)}\n--- stderr ---\n{stderr[-3000:]}\n--- stdout ---\n{stdout[-1000:]}"
    assert "Traceback" not in stderr, shown
    assert code == exp["exit"], shown
    assert stdout == "", shown
    diags = [m for m in map(DIAG.match, stderr.splitlines()) if m]
    assert any(d["severity"] == "error" for d in diags), "no file:line:col: error: line" + shown
    for d in diags:
        if d["file"] != "<command line>":
            assert int(d["line"]) >= 1 and int(d["col"]) >= 1, shown
    regexes = exp["message"] if isinstance(exp["message"], list) else [exp["message"]]
    lines = exp.get("line")
    lines = lines if isinstance(lines, list) else [lines] * len(regexes)
    for rx, line in zip(regexes, lines, strict=True):
        hits = [d for d in diags if d["severity"] == "error" and re.search(rx, d["msg"])]
        assert hits, f"no error matches {rx!r}" + shown
        if line is not None:
            assert any(int(d["line"]) == line for d in hits), f"{rx!r} not at line {line}" + shown
        if "file" in exp:
            assert any(d["file"].replace(os.sep, "/").endswith(exp["file"]) for d in hits), \
                f"{rx!r} not located in {exp['file']}" + shown
    # no side effects: no output directory, nothing written in the working directory, no canary
    assert not out.exists(), shown
    assert os.listdir(cwd) == [], shown
    if exp.get("canary"):
        assert not (cwd / exp["canary"]).exists()
    assert set(os.listdir(tmp_path)) - {"stderr.txt", "stdout.txt", "peak_rss.txt"} == before, shown
    if exp.get("generate") == "symlink_output":
        assert os.listdir(tmp_path / "elsewhere") == [], shown
    # bounded: a bomb must be refused, not expanded
    assert 0 < peak_rss < MAX_RSS_BYTES, f"peak RSS {peak_rss} bytes" + shown
    assert cpu < MAX_CPU_SECONDS, f"{cpu:.2f} CPU seconds" + shown
