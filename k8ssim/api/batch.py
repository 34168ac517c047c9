"""batch/v1 kinds: Job and CronJob (``k8s.io/api/batch/v1/types.go``)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Optional

from k8ssim.api.apps import PodTemplateSpec
from k8ssim.api.meta import KubeObject, LabelSelector, ObjectMeta


@dataclass(slots=True)
class JobSpec:
    parallelism: Optional[int] = 1
    completions: Optional[int] = 1  # None = work-queue mode
    completion_mode: str = "NonIndexed"  # NonIndexed | Indexed
    backoff_limit: Optional[int] = 6
    backoff_limit_per_index: Optional[int] = None
    max_failed_indexes: Optional[int] = None
    active_deadline_seconds: Optional[int] = None
    ttl_seconds_after_finished: Optional[int] = None
    suspend: bool = False
    selector: Optional[LabelSelector] = None
    manual_selector: bool = False
    template: PodTemplateSpec = field(default_factory=PodTemplateSpec)
    pod_failure_policy: Optional[Any] = None  # raw rules (dicts)
    pod_replacement_policy: str = "TerminatingOrFailed"


@dataclass(slots=True)
class JobCondition:
    type: str  # Complete | Failed | Suspended | FailureTarget | SuccessCriteriaMet
    status: str
    reason: str = ""
    message: str = ""
    last_transition_time: Optional[float] = None


@dataclass(slots=True)
class JobStatus:
    active: int = 0
    succeeded: int = 0
    failed: int = 0
    ready: int = 0
    terminating: int = 0
    start_time: Optional[float] = None
    completion_time: Optional[float] = None
    conditions: list = field(default_factory=list)
    completed_indexes: str = ""
    failed_indexes: str = ""


@dataclass(eq=False, repr=False)
class Job(KubeObject):
    kind: ClassVar[str] = "Job"
    api_version: ClassVar[str] = "batch/v1"
    resource: ClassVar[str] = "jobs"
    metadata: ObjectMeta = field(default_factory=ObjectMeta)
    spec: JobSpec = field(default_factory=JobSpec)
    status: JobStatus = field(default_factory=JobStatus)
    raw: Optional[dict] = None


@dataclass(slots=True)
class JobTemplateSpec:
    labels: dict = field(default_factory=dict)
    annotations: dict = field(default_factory=dict)
    spec: JobSpec = field(default_factory=JobSpec)


@dataclass(slots=True)
class CronJobSpec:
    schedule: str = ""
    time_zone: Optional[str] = None
    starting_deadline_seconds: Optional[int] = None
    concurrency_policy: str = "Allow"  # Allow | Forbid | Replace
    suspend: bool = False
    job_template: JobTemplateSpec = field(default_factory=JobTemplateSpec)
    successful_jobs_history_limit: int = 3
    failed_jobs_history_limit: int = 1


@dataclass(slots=True)
class CronJobStatus:
    active: list = field(default_factory=list)  # of (namespace, name, uid)
    last_schedule_time: Optional[float] = None
    last_successful_time: Optional[float] = None


@dataclass(eq=False, repr=False)
class CronJob(KubeObject):
    kind: ClassVar[str] = "CronJob"
    api_version: ClassVar[str] = "batch/v1"
    resource: ClassVar[str] = "cronjobs"
    metadata: ObjectMeta = field(default_factory=ObjectMeta)
    spec: CronJobSpec = field(default_factory=CronJobSpec)
    status: CronJobStatus = field(default_factory=CronJobStatus)
    raw: Optional[dict] = None
