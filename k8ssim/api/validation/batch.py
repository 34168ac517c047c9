"""batch/v1 validation: Job and CronJob.

Mirrors ``pkg/apis/batch/validation/validation.go`` (``validateJobSpec``, ``ValidateCronJobSpec``,
``validateScheduleFormat``) and the cron grammar of ``github.com/robfig/cron/v3`` (``ParseStandard``),
which the CronJob validation uses.
"""
from __future__ import annotations

import re
from typing import Any

from .core import validate_pod_template_spec
from .names import (
    StrMap,
    ErrorList, Path, as_dict, forbidden, invalid, is_int, not_supported, required, selector_matches,
    validate_label_selector, validate_nonnegative,
)

COMPLETION_MODES = ["NonIndexed", "Indexed"]
CONCURRENCY_POLICIES = ["Allow", "Forbid", "Replace"]
POD_REPLACEMENT_POLICIES = ["Failed", "TerminatingOrFailed"]
MAX_CRONJOB_NAME_LENGTH = 52


def parse_cron_schedule(spec: str) -> None:
    """Raise ValueError (robfig/cron wording) unless ``spec`` parses with the standard parser
    (:func:`k8ssim.api.cron.parse_standard`, the one the CronJob controller runs)."""
    from k8ssim.api.cron import parse_standard

    if spec.startswith("TZ=") or spec.startswith("CRON_TZ="):  # rejected apart (validateScheduleFormat)
        i = spec.find(" ")
        spec = spec[i:].strip() if i >= 0 else ""
    parse_standard(spec)


def validate_job_spec(spec: Any, sp: Path, manual_selector_check: bool = True) -> ErrorList:
    spec = as_dict(spec)
    errs: ErrorList = []
    for k in ("parallelism", "completions", "backoffLimit", "ttlSecondsAfterFinished", "backoffLimitPerIndex", "maxFailedIndexes"):
        errs += validate_nonnegative(spec.get(k), sp + (k,))
    ads = spec.get("activeDeadlineSeconds")
    if is_int(ads) and ads <= 0:
        errs.append(invalid(sp + ("activeDeadlineSeconds",), ads, "must be greater than zero"))
    cm = spec.get("completionMode")
    if cm is not None and cm not in COMPLETION_MODES:
        errs.append(not_supported(sp + ("completionMode",), cm, COMPLETION_MODES))
    if cm == "Indexed":
        if spec.get("completions") is None:
            errs.append(required(sp + ("completions",), "when completion mode is Indexed"))
    elif spec.get("backoffLimitPerIndex") is not None:
        errs.append(required(sp + ("completionMode",), "when backoffLimitPerIndex is specified, completionMode must be Indexed"))
    prp = spec.get("podReplacementPolicy")
    if prp is not None and prp not in POD_REPLACEMENT_POLICIES:
        errs.append(not_supported(sp + ("podReplacementPolicy",), prp, POD_REPLACEMENT_POLICIES))
    if spec.get("podFailurePolicy") is not None and prp == "TerminatingOrFailed":
        errs.append(not_supported(sp + ("podReplacementPolicy",), prp, ["Failed"]))
    tpl = spec.get("template")
    labels = as_dict(as_dict(as_dict(tpl).get("metadata")).get("labels"))
    if manual_selector_check and spec.get("manualSelector") is True:
        sel = spec.get("selector")
        if sel is None:
            errs.append(required(sp + ("selector",), ""))
        else:
            errs += validate_label_selector(sel, sp + ("selector",))
            if not selector_matches(sel, labels):
                errs.append(invalid(sp + ("template", "metadata", "labels"), StrMap(labels), "`selector` does not match template `labels`"))
    elif spec.get("selector") is not None:
        errs += validate_label_selector(spec.get("selector"), sp + ("selector",))
    errs += validate_pod_template_spec(tpl, sp + ("template",))
    rp = as_dict(as_dict(tpl).get("spec")).get("restartPolicy")
    if rp not in ("OnFailure", "Never"):
        errs.append(not_supported(sp + ("template", "spec", "restartPolicy"), rp or "", ["OnFailure", "Never"]))
    return errs


def validate_job(obj: dict) -> ErrorList:
    return validate_job_spec(obj.get("spec"), ("spec",))


def validate_cron_job(obj: dict) -> ErrorList:
    spec, sp = as_dict(obj.get("spec")), ("spec",)
    errs: ErrorList = []
    name = as_dict(obj.get("metadata")).get("name")
    if isinstance(name, str) and len(name) > MAX_CRONJOB_NAME_LENGTH:
        errs.append(invalid(("metadata", "name"), name, f"must be no more than {MAX_CRONJOB_NAME_LENGTH} characters"))
    sched = spec.get("schedule")
    if not sched:
        errs.append(required(sp + ("schedule",), ""))
    elif isinstance(sched, str):
        try:
            parse_cron_schedule(sched)
        except ValueError as e:
            errs.append(invalid(sp + ("schedule",), sched, str(e)))
        if "TZ" in sched:
            errs.append(invalid(sp + ("schedule",), sched, "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"))
    tz = spec.get("timeZone")
    if isinstance(tz, str):
        errs += _validate_time_zone(tz, sp + ("timeZone",))
    cp = spec.get("concurrencyPolicy")
    if cp in (None, ""):
        errs.append(required(sp + ("concurrencyPolicy",), ""))
    elif cp not in CONCURRENCY_POLICIES:
        errs.append(not_supported(sp + ("concurrencyPolicy",), cp, CONCURRENCY_POLICIES))
    for k in ("startingDeadlineSeconds", "successfulJobsHistoryLimit", "failedJobsHistoryLimit"):
        errs += validate_nonnegative(spec.get(k), sp + (k,))
    jt = as_dict(spec.get("jobTemplate"))
    errs += validate_job_spec(jt.get("spec"), sp + ("jobTemplate", "spec"), manual_selector_check=False)
    return errs


def _validate_time_zone(tz: str, path: Path) -> ErrorList:
    if tz == "":
        return [invalid(path, tz, "unknown time zone " + tz)]
    if tz.lower() == "local":
        return [invalid(path, tz, "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones")]
    try:
        import zoneinfo

        zoneinfo.ZoneInfo(tz)
    except Exception:  # noqa: BLE001 - any lookup failure means unknown
        return [invalid(path, tz, "unknown time zone " + tz)]
    if not re.fullmatch(r"[A-Za-z\.\-_0-9+]{1,14}(/[A-Za-z\.\-_0-9+]{1,14})*", tz):
        return [invalid(path, tz, "must be a valid IANA time zone name")]
    return []


__all__ = ["validate_job", "validate_cron_job", "validate_job_spec", "parse_cron_schedule", "forbidden"]
