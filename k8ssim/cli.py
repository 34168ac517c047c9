"""``k8ssim`` command line: run | validate | conformance | schema | explain | version.

Exit codes: 0 success, 1 failure (e.g. conformance mismatches), 2 bad input (located messages on
stderr, nothing written), 3 invariant violation. Heavy libraries are imported only by the command that
needs them, so ``k8ssim --help`` answers fast.
"""
from __future__ import annotations

import argparse
import os
import sys

EXIT_OK, EXIT_FAIL, EXIT_INPUT, EXIT_INVARIANT = 0, 1, 2, 3


def _parser() -> argparse.ArgumentParser:
    from k8ssim import __version__

    p = argparse.ArgumentParser(prog="k8ssim", description="Discrete-event simulator of Kubernetes clusters (v1.35).")
    p.add_argument("--version", action="version", version=f"k8ssim {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    r = sub.add_parser("run", help="run a scenario and write its tables")
    r.add_argument("scenario", help="scenario file (apiVersion: k8ssim.io/v1alpha1, kind: Scenario)")
    r.add_argument("-o", "--output", default=None, help="output directory (default: runs/<scenario name>)")
    r.add_argument("--seed", type=int, default=None, help="override spec.seed")
    r.add_argument("--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE",
                   help="override a scenario value, e.g. --set spec.cluster.nodePools[0].count=5 (repeatable)")
    r.add_argument("--no-progress", action="store_true", help="no progress bar")
    r.add_argument("--explain", action="store_true", help="record every scheduling attempt (for `k8ssim explain`)")
    r.add_argument("--check-invariants", action="store_true",
                   help="check cluster invariants after every event (slower); a violation exits 3")
    r.add_argument("-q", "--quiet", action="store_true", help="no summary")

    v = sub.add_parser("validate", help="check scenario files and Kubernetes manifests")
    v.add_argument("files", nargs="+", help="scenario files, manifest files or directories of manifests")

    c = sub.add_parser("conformance", help="run upstream-derived test vectors")
    c.add_argument("dir", help="directory of vector files (the layout of shared/vectors)")
    c.add_argument("-k", dest="only", default=None, help="only files whose name contains this")
    c.add_argument("-v", "--verbose", action="store_true")

    s = sub.add_parser("schema", help="print the scenario file's JSON Schema (for editors)")
    s.add_argument("-o", "--output", default=None)

    e = sub.add_parser("explain", help="show how the scheduler decided on one pod of a run")
    e.add_argument("run_dir")
    e.add_argument("pod", help="NAMESPACE/NAME or NAME (namespace default)")
    return p


def _print_diagnostics(err) -> None:
    for d in err.diagnostics:
        print(d.format(), file=sys.stderr)
    n = len(err.errors)
    if n:
        print(f"{n} error{'s' if n != 1 else ''}", file=sys.stderr)


class _Progress:
    def __init__(self, enabled: bool):
        self.enabled = enabled and sys.stderr.isatty()
        self.last = -1

    def __call__(self, now: float, until: float) -> None:
        if not self.enabled:
            return
        pct = int(100 * now / until) if until else 100
        if pct == self.last:
            return
        self.last = pct
        bar = "#" * (pct // 4) + "." * (25 - pct // 4)
        sys.stderr.write(f"\r[{bar}] {pct:3d}%  t={now:,.0f}s/{until:,.0f}s")
        if pct >= 100:
            sys.stderr.write("\n")
        sys.stderr.flush()


def cmd_run(args) -> int:
    from k8ssim.api.errors import InputError
    from k8ssim.outputs import check_output_dir
    from k8ssim.scenario.loader import load_scenario

    try:
        loaded = load_scenario(args.scenario, overrides=args.overrides, seed=args.seed)
        out = args.output or os.path.join("runs", loaded.model.metadata.name)
        check_output_dir(out)
    except InputError as e:
        _print_diagnostics(e)
        return EXIT_INPUT
    from k8ssim.invariants import InvariantViolation
    from k8ssim.simulation import Simulation

    try:
        sim = Simulation(loaded, record_explain=args.explain, check_invariants=args.check_invariants)
        result = sim.run(progress=_Progress(not args.no_progress))
    except InputError as e:
        _print_diagnostics(e)
        return EXIT_INPUT
    except InvariantViolation as e:
        print(f"\nerror: {e}", file=sys.stderr)
        return EXIT_INVARIANT
    path = result.write(out)
    if not args.quiet:
        print(result.summary_text, end="")
        print(f"\nwrote {os.path.relpath(path)}/ (run.json, " + ", ".join(
            f"{t}.parquet" for t in ("pods", "nodes", "events", "node_usage", "workloads")) + ")")
    return EXIT_OK


def cmd_validate(args) -> int:
    from k8ssim.api.errors import Diagnostic, InputError
    from k8ssim.api.manifests import iter_manifest_files, load_documents
    from k8ssim.api.yamlio import load_file
    from k8ssim.scenario.loader import is_scenario_document, load_scenario

    diags = []
    checked = 0
    for arg in args.files:
        if not os.path.exists(arg):
            diags.append(Diagnostic(arg, 0, 0, "", f"cannot read {arg}: No such file or directory"))
            continue
        for f in iter_manifest_files(arg):
            checked += 1
            try:
                docs = load_file(f)
                if len(docs) == 1 and is_scenario_document(docs[0].data):
                    loaded = load_scenario(f)
                    diags.extend(loaded.warnings)
                else:
                    ms = load_documents(docs)
                    diags.extend(ms.warnings)
            except InputError as e:
                diags.extend(e.diagnostics)
    for d in diags:
        print(d.format(), file=sys.stderr)
    errors = [d for d in diags if d.severity == "error"]
    if errors:
        print(f"{len(errors)} error{'s' if len(errors) != 1 else ''} in {checked} file(s)", file=sys.stderr)
        return EXIT_INPUT
    print(f"{checked} file(s) valid")
    return EXIT_OK


def cmd_conformance(args) -> int:
    from k8ssim.conformance.runner import run_dir

    if not os.path.isdir(args.dir):
        print(f"{args.dir}: not a directory", file=sys.stderr)
        return EXIT_INPUT
    return run_dir(args.dir, only=args.only, verbose=args.verbose)


def cmd_schema(args) -> int:
    import json

    from k8ssim.scenario.schema import json_schema

    text = json.dumps(json_schema(), indent=2, sort_keys=True) + "\n"
    if args.output:
        with open(args.output, "w", encoding="utf-8") as fh:
            fh.write(text)
    else:
        sys.stdout.write(text)
    return EXIT_OK


def cmd_explain(args) -> int:
    from k8ssim.explain_view import explain_command

    return explain_command(args.run_dir, args.pod)


def main(argv=None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return EXIT_OK
    handler = {"run": cmd_run, "validate": cmd_validate, "conformance": cmd_conformance, "schema": cmd_schema,
               "explain": cmd_explain}[args.command]
    try:
        return handler(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
