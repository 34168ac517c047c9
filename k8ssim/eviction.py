"""The Eviction API: ``POST /api/v1/namespaces/<ns>/pods/<name>/eviction``
(``pkg/registry/core/pod/storage/eviction.go``, ``EvictionREST.Create``).

:func:`evict` is what ``kubectl drain`` and every PDB-respecting client call. The decision is
:func:`disruption_util.eviction_allowed` (canIgnorePDB, more than one PDB, unhealthy-pod policy,
checkAndDecrement); on success the PDB status write of ``checkAndDecrement`` is done
(:func:`disruption_util.apply_eviction_to_pdb`, plus the DisruptionAllowed condition when the budget
reaches 0), then ``addConditionAndDeletePod``: the pod gets ``DisruptionTarget=True``
(``EvictionByEvictionAPI``) and is deleted gracefully (``grace_period_seconds`` or the pod's
terminationGracePeriodSeconds).

Errors, as the apiserver answers:

* :class:`NotFound` — no such pod;
* :class:`TooManyRequests` (429) — "Cannot evict pod as it would violate the pod's disruption budget.",
  ``retry_after_seconds`` 0 (10 while the PDB's status has not observed its generation) and ``causes``
  ``[("DisruptionBudget", "The disruption budget <name> needs <d> healthy pods and has <c> currently")]``;
* :class:`Forbidden` (403) — the PDB's disruptionsAllowed is negative or its disruptedPods map is too big;
* :class:`EvictionInternalError` (500) — the pod is selected by more than one PDB.

Every request is recorded in the event log (source ``apiserver``, kind ``Eviction``, detail
``<code>`` or ``<code>: <message>``) — the apiserver's audit trail of ``create pods/eviction``.
"""
from __future__ import annotations

from typing import Optional

from k8ssim.controllers import disruption_util as du
from k8ssim.controllers.disruption import update_disruption_allowed_condition
from k8ssim.store import errors as E

SOURCE = "apiserver"
DISRUPTION_BUDGET_CAUSE = "DisruptionBudget"  # policyv1.DisruptionBudgetCause
EVICTION_REASON = "EvictionByEvictionAPI"
EVICTION_MESSAGE = "Eviction API: evicting"


class EvictionInternalError(E.StoreError):
    """500 returned as a bare ``metav1.Status`` (no reason): the pod has more than one PDB."""

    code = 500
    reason = ""


def _record(engine, key: str, detail: str) -> None:
    engine.log.record(engine.now, SOURCE, "Eviction", key, detail)


def evict(store, engine, namespace: str, name: str, *, grace_period_seconds: Optional[int] = None) -> None:
    """Evict pod ``namespace/name`` now, respecting its PodDisruptionBudget (see module doc)."""
    key = f"{namespace}/{name}"
    try:
        pod = store.get("pods", namespace, name)
    except E.NotFound as e:
        _record(engine, key, f"404: {e}")
        raise
    now = engine.now
    decision = du.eviction_allowed(store.list("poddisruptionbudgets", namespace=namespace), pod)
    if not decision.allowed:
        if decision.code == 429:
            err = E.TooManyRequests(decision.message, decision.retry_after_seconds)
            err.causes = [(DISRUPTION_BUDGET_CAUSE, decision.cause)]
            _record(engine, key, f"429: {decision.cause}")
            raise err
        if decision.code == 403:
            err = E.Forbidden("poddisruptionbudget.policy", decision.pdb.metadata.name, decision.message)
            _record(engine, key, f"403: {err}")
            raise err
        err = EvictionInternalError(decision.message)
        _record(engine, key, f"{decision.code}: {decision.message}")
        raise err
    if decision.decrement:
        # checkAndDecrement's status write: the PDB controller must not count this pod as healthy any more
        pdb = store.get("poddisruptionbudgets", namespace, decision.pdb.metadata.name)
        new = du.apply_eviction_to_pdb(pdb, name, now)
        if new.status.disruptions_allowed == 0:
            update_disruption_allowed_condition(new.status, now)
        store.update_status(new)
    _add_condition_and_delete(store, pod, grace_period_seconds, now)
    _record(engine, key, "201")


def _add_condition_and_delete(store, pod, grace_period_seconds: Optional[int], now: float) -> None:
    """``addConditionAndDeletePod``: DisruptionTarget=True on the latest pod, then the graceful delete."""
    latest = store.get("pods", pod.metadata.namespace, pod.metadata.name)
    c = latest.status.condition("DisruptionTarget")
    if c is None or c.status != "True" or c.reason != EVICTION_REASON or c.message != EVICTION_MESSAGE:
        upd = latest.copy()
        upd.status.set_condition("DisruptionTarget", "True", now, EVICTION_REASON, EVICTION_MESSAGE)
        store.update_status(upd)
    store.delete("pods", pod.metadata.namespace, pod.metadata.name, grace_period_seconds=grace_period_seconds)
