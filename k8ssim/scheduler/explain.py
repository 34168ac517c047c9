"""Recording of scheduling attempts for ``k8ssim explain`` (optional, off by default).

One row per fact, as a plain tuple with the columns :data:`COLUMNS`:

* ``filter``   — node, rejecting plugin ("" when the node passed), code in ``detail`` ... the reason;
* ``score``    — node, plugin, raw, normalized and weighted score;
* ``total``    — node, summed weighted score;
* ``victim``   — node, victim pod key in ``detail``;
* ``result``   — node chosen ("" when none), outcome in ``plugin`` (Scheduled / Unschedulable /
  Error / Nominated) and the message in ``detail``.

The Scheduler calls the recorder only behind ``if self.recorder is not None``, so switched off it
costs one attribute check per attempt. ``records()`` is a list that a DataFrame can be built from:
``pandas.DataFrame(rec.records(), columns=COLUMNS)``.
"""
from __future__ import annotations

from typing import Iterable, Optional

__all__ = ["COLUMNS", "ExplainRecorder"]

COLUMNS = ("time", "pod", "attempt", "kind", "node", "plugin", "raw", "normalized", "weighted", "detail")


class ExplainRecorder:
    """Collects explain rows; ``pods`` limits recording to these pod keys (``ns/name``)."""

    def __init__(self, pods: Optional[Iterable[str]] = None):
        self._rows: list = []
        self.pods = set(pods) if pods is not None else None

    def wants(self, pod_key: str) -> bool:
        return self.pods is None or pod_key in self.pods

    def filter(self, t: float, pod: str, attempt: int, node: str, status) -> None:
        if status is None or status.is_success():
            self._rows.append((t, pod, attempt, "filter", node, "", 0, 0, 0, "Success"))
        else:
            self._rows.append((t, pod, attempt, "filter", node, status.plugin, 0, 0, 0,
                               f"{status.code}: {status.message()}"))

    def scores(self, t: float, pod: str, attempt: int, node_scores: list) -> None:
        rows = self._rows
        for nps in node_scores:
            for ps in nps.scores:
                rows.append((t, pod, attempt, "score", nps.name, ps.name, ps.raw, ps.normalized, ps.score, ""))
            rows.append((t, pod, attempt, "total", nps.name, "", 0, 0, nps.total_score, ""))

    def victims(self, t: float, pod: str, attempt: int, node: str, victims: Iterable) -> None:
        for v in victims:
            self._rows.append((t, pod, attempt, "victim", node, "", 0, 0, 0, v.key()))

    def result(self, t: float, pod: str, attempt: int, node: str, outcome: str, message: str = "") -> None:
        self._rows.append((t, pod, attempt, "result", node, outcome, 0, 0, 0, message))

    def records(self) -> list:
        """All rows so far (tuples in :data:`COLUMNS` order)."""
        return self._rows

    def for_pod(self, pod: str) -> list:
        return [r for r in self._rows if r[1] == pod]

    def clear(self) -> None:
        self._rows.clear()
