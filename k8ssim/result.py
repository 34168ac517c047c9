"""The result of a run: tidy tables (pandas DataFrames, built on first access), ``run.json`` metadata,
Parquet files, and the kubectl-like summary.

Tables: ``pods``, ``nodes``, ``events``, ``node_usage``, ``workloads`` (see :mod:`k8ssim.metrics.recorder`
for columns). Times are simulated seconds.
"""
from __future__ import annotations

import json
import os
import platform
import shutil
import tempfile
from dataclasses import dataclass, field


from k8ssim.metrics.recorder import NODE_COLUMNS, NODE_USAGE_COLUMNS, POD_COLUMNS, WORKLOAD_COLUMNS

EVENT_COLUMNS = ["time", "source", "reason", "object", "message"]
TABLES = ("pods", "nodes", "events", "node_usage", "workloads")


@dataclass
class Result:
    meta: dict
    columns: dict  # table -> (column names, list of row tuples)
    summary_text: str = ""
    ignored: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    explain_records: list = field(default_factory=list)
    _frames: dict = field(default_factory=dict, repr=False)

    # -------------------------------------------------------------------------------- building
    @classmethod
    def from_simulation(cls, sim) -> "Result":
        from k8ssim import __version__
        from k8ssim.summary import summarize

        rec = sim.recorder
        pods = [tuple(r[c] for c in POD_COLUMNS) for r in rec.pods.values()]
        pods.sort(key=lambda r: (r[0], r[1], r[11]))
        nodes = [tuple(rec.nodes[n][c] for c in NODE_COLUMNS) for n in sorted(rec.nodes)]
        events = [(t, src, kind, key, detail) for (t, src, kind, key, detail) in sim.engine.log.rows()
                  if src != "apiserver"]
        loaded = sim.loaded
        meta = {
            "k8ssim_version": __version__,
            "scenario": loaded.source,
            "scenario_name": loaded.model.metadata.name,
            "scenario_hash": loaded.digest,
            "seed": loaded.spec.seed,
            "overrides": list(loaded.overrides),
            "fingerprint": sim.engine.fingerprint(),
            "events_logged": sim.engine.log.count,
            "simulated_seconds": sim.spec.duration,
            "wall_seconds": round(sim.wall_time, 3),
            "python": platform.python_version(),
            "ignored_objects": [f"{i.kind}/{i.name}" + (f" -n {i.namespace}" if i.namespace else "")
                                for i in loaded.manifests.ignored],
            "created_namespaces": list(sim.created_namespaces),
        }
        res = cls(
            meta=meta,
            columns={
                "pods": (POD_COLUMNS, pods),
                "nodes": (NODE_COLUMNS, nodes),
                "events": (EVENT_COLUMNS, events),
                "node_usage": (NODE_USAGE_COLUMNS, rec.node_usage),
                "workloads": (WORKLOAD_COLUMNS, rec.workloads),
            },
            ignored=list(loaded.manifests.ignored),
            warnings=[d.format() for d in loaded.warnings],
            explain_records=list(getattr(sim.scheduler, "explain_records", lambda: [])() or []),
        )
        res.summary_text = summarize(sim, res)
        return res

    # ---------------------------------------------------------------------------------- tables
    def table(self, name: str):
        if name not in self._frames:
            import pandas as pd

            cols, rows = self.columns[name]
            self._frames[name] = pd.DataFrame.from_records(rows, columns=cols)
        return self._frames[name]

    @property
    def pods(self):
        return self.table("pods")

    @property
    def nodes(self):
        return self.table("nodes")

    @property
    def events(self):
        return self.table("events")

    @property
    def node_usage(self):
        return self.table("node_usage")

    @property
    def workloads(self):
        return self.table("workloads")

    @property
    def explain(self):
        """Per-attempt scheduling decisions (runs with ``explain``); columns of ``scheduler.explain.COLUMNS``."""
        if "explain" not in self._frames:
            from k8ssim.explain_view import explain_frame

            self._frames["explain"] = explain_frame(self.explain_records)
        return self._frames["explain"]

    @property
    def fingerprint(self) -> str:
        return self.meta["fingerprint"]

    # ----------------------------------------------------------------------------------- write
    def write(self, out_dir: str) -> str:
        """Write ``run.json`` and one Parquet file per table into ``out_dir`` atomically: everything
        goes to a temporary sibling directory first, then replaces ``out_dir``."""
        out_dir = os.path.abspath(out_dir)
        parent = os.path.dirname(out_dir)
        os.makedirs(parent, exist_ok=True)
        tmp = tempfile.mkdtemp(prefix=".k8ssim-tmp-", dir=parent)
        try:
            for name in TABLES:
                self.table(name).to_parquet(os.path.join(tmp, f"{name}.parquet"), index=False)
            if self.explain_records:
                from k8ssim.explain_view import explain_frame

                explain_frame(self.explain_records).to_parquet(os.path.join(tmp, "explain.parquet"), index=False)
            with open(os.path.join(tmp, "run.json"), "w", encoding="utf-8") as fh:
                json.dump(self.meta, fh, indent=2, sort_keys=True)
                fh.write("\n")
            with open(os.path.join(tmp, "summary.txt"), "w", encoding="utf-8") as fh:
                fh.write(self.summary_text)
            if os.path.isdir(out_dir):
                shutil.rmtree(out_dir)
            os.replace(tmp, out_dir)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return out_dir


def load_result(run_dir: str) -> Result:
    """Read a run directory written by :meth:`Result.write`."""
    import pandas as pd

    with open(os.path.join(run_dir, "run.json"), encoding="utf-8") as fh:
        meta = json.load(fh)
    res = Result(meta=meta, columns={})
    for name in TABLES:
        path = os.path.join(run_dir, f"{name}.parquet")
        if os.path.exists(path):
            df = pd.read_parquet(path)
            res._frames[name] = df
            res.columns[name] = (list(df.columns), [])
    if os.path.exists(os.path.join(run_dir, "explain.parquet")):
        res._frames["explain"] = pd.read_parquet(os.path.join(run_dir, "explain.parquet"))
    summ = os.path.join(run_dir, "summary.txt")
    if os.path.exists(summ):
        with open(summ, encoding="utf-8") as fh:
            res.summary_text = fh.read()
    return res
