"""``k8ssim explain RUN_DIR POD``: how the scheduler decided on one pod, from the run's
``explain.parquet`` (written when the run had ``--explain``), printed as tables; and the same as a
DataFrame from Python (:func:`explain_frame`, ``Result.explain``)."""
from __future__ import annotations

import os
import sys

from k8ssim.scheduler.explain import COLUMNS


def explain_frame(records):
    import pandas as pd

    return pd.DataFrame.from_records(list(records), columns=list(COLUMNS))


def _table(headers, rows) -> str:
    from k8ssim.summary import _table as table

    return table(headers, rows)


def render(df, pod: str) -> str:
    """The text ``k8ssim explain`` prints for ``pod`` (``ns/name``)."""
    sub = df[df.pod == pod]
    if sub.empty:
        return f"no scheduling attempts recorded for {pod}\n"
    out = []
    for attempt, a in sub.groupby("attempt", sort=True):
        t = a.time.iloc[0]
        out.append(f"attempt {attempt} at t={t:g}s")
        f = a[a.kind == "filter"]
        if len(f):
            passed = f[f.detail == "Success"]
            failed = f[f.detail != "Success"]
            out.append(f"  filter: {len(passed)} of {len(f)} nodes feasible")
            if len(failed):
                rows = [(r.node, r.plugin, r.detail) for r in failed.itertuples()]
                out.append("  " + _table(["NODE", "REJECTED BY", "REASON"], rows).replace("\n", "\n  "))
        s = a[a.kind == "score"]
        if len(s):
            totals = a[a.kind == "total"].set_index("node").weighted
            plugins = sorted(s.plugin.unique())
            rows = []
            for node, g in s.groupby("node", sort=False):
                by = {r.plugin: f"{r.raw}/{r.normalized}/{r.weighted}" for r in g.itertuples()}
                rows.append((node, *[by.get(p, "-") for p in plugins], int(totals.get(node, 0))))
            rows.sort(key=lambda r: (-r[-1], r[0]))
            out.append("  scores (raw/normalized/weighted):")
            out.append("  " + _table(["NODE", *plugins, "TOTAL"], rows).replace("\n", "\n  "))
        for r in a[a.kind == "victim"].itertuples():
            out.append(f"  preemption victim on {r.node}: {r.detail}")
        for r in a[a.kind == "result"].itertuples():
            where = f" -> {r.node}" if r.node else ""
            out.append(f"  result: {r.plugin}{where}" + (f": {r.detail}" if r.detail else ""))
        out.append("")
    return "\n".join(out)


def explain_command(run_dir: str, pod: str) -> int:
    import pandas as pd

    path = os.path.join(run_dir, "explain.parquet")
    if not os.path.exists(path):
        print(f"{run_dir}: no explain.parquet (run the scenario with `k8ssim run --explain`)", file=sys.stderr)
        return 2
    key = pod if "/" in pod else f"default/{pod}"
    df = pd.read_parquet(path)
    text = render(df, key)
    sys.stdout.write(text)
    return 0 if not text.startswith("no scheduling attempts") else 1
