"""API errors of the store, shaped like ``k8s.io/apimachinery/pkg/api/errors`` (StatusError).

Each error has the HTTP ``code``, the ``reason`` (``metav1.StatusReason``) and the apiserver's message
wording, e.g. ``pods "web-1" not found``. ``qualified`` is the group-qualified resource as upstream
prints it (``pods``, ``deployments.apps``).
"""
from __future__ import annotations

from typing import Iterable, Optional, Union

__all__ = [
    "StoreError",
    "NotFound",
    "AlreadyExists",
    "Conflict",
    "Invalid",
    "Forbidden",
    "TooManyRequests",
    "Gone",
    "ServiceUnavailable",
    "OPTIMISTIC_LOCK_ERROR_MSG",
    "is_not_found",
    "is_already_exists",
    "is_conflict",
    "is_gone",
]

OPTIMISTIC_LOCK_ERROR_MSG = (
    "the object has been modified; please apply your changes to the latest version and try again"
)
"""``registry.OptimisticLockErrorMsg``."""


class StoreError(Exception):
    """Base of all store errors: ``code`` (HTTP status), ``reason`` and ``message``."""

    code: int = 500
    reason: str = "InternalError"

    def __init__(self, message: str, *, resource: str = "", name: str = ""):
        super().__init__(message)
        self.message = message
        self.resource = resource
        self.name = name

    def __str__(self) -> str:
        return self.message


class NotFound(StoreError):
    """404: ``NewNotFound``: ``<resource> "<name>" not found``."""

    code = 404
    reason = "NotFound"

    def __init__(self, qualified: str, name: str):
        super().__init__(f'{qualified} "{name}" not found', resource=qualified, name=name)


class AlreadyExists(StoreError):
    """409: ``NewAlreadyExists``: ``<resource> "<name>" already exists``."""

    code = 409
    reason = "AlreadyExists"

    def __init__(self, qualified: str, name: str):
        super().__init__(f'{qualified} "{name}" already exists', resource=qualified, name=name)


class Conflict(StoreError):
    """409: ``NewConflict``: ``Operation cannot be fulfilled on <resource> "<name>": <why>``."""

    code = 409
    reason = "Conflict"

    def __init__(self, qualified: str, name: str, why: str = OPTIMISTIC_LOCK_ERROR_MSG):
        super().__init__(
            f'Operation cannot be fulfilled on {qualified} "{name}": {why}', resource=qualified, name=name
        )


class Invalid(StoreError):
    """422: ``NewInvalid``: ``<Kind> "<name>" is invalid: <cause>[, <cause>...]``.

    ``causes`` are strings (``metadata.name: Required value: ...``) or objects with a ``path`` tuple and
    a ``message`` (``k8ssim.api.errors.FieldError``)."""

    code = 422
    reason = "Invalid"

    def __init__(self, kind: str, name: str, causes: Union[str, Iterable] = ()):
        if isinstance(causes, str):
            causes = [causes]
        self.causes = [_cause_text(c) for c in causes]
        if not self.causes:
            msg = f'{kind} "{name}" is invalid'
        elif len(self.causes) == 1:
            msg = f'{kind} "{name}" is invalid: {self.causes[0]}'
        else:
            msg = f'{kind} "{name}" is invalid: [{", ".join(self.causes)}]'
        super().__init__(msg, resource=kind, name=name)


def _cause_text(c) -> str:
    if isinstance(c, str):
        return c
    path = getattr(c, "path", None)
    message = getattr(c, "message", None)
    if path is not None and message is not None:
        try:
            from k8ssim.api.errors import format_path

            p = format_path(path)
        except Exception:  # pragma: no cover - format_path missing or odd path
            p = ".".join(str(x) for x in path)
        return f"{p}: {message}" if p else str(message)
    return str(c)


class Forbidden(StoreError):
    """403: ``NewForbidden``: ``<resource> "<name>" is forbidden: <why>``."""

    code = 403
    reason = "Forbidden"

    def __init__(self, qualified: str, name: str, why: str):
        if name:
            msg = f'{qualified} "{name}" is forbidden: {why}'
        else:
            msg = f"{qualified} is forbidden: {why}"
        super().__init__(msg, resource=qualified, name=name)


class TooManyRequests(StoreError):
    """429: ``NewTooManyRequests``; ``retry_after_seconds`` as in the Retry-After header."""

    code = 429
    reason = "TooManyRequests"

    def __init__(self, message: str = "Too many requests, please try again later.", retry_after_seconds: int = 1):
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


class Gone(StoreError):
    """410: ``NewResourceExpired``: ``too old resource version: <requested> (<oldest>)``."""

    code = 410
    reason = "Expired"

    def __init__(self, requested: int, oldest: int, resource: str = ""):
        super().__init__(f"too old resource version: {requested} ({oldest})", resource=resource)
        self.requested = requested
        self.oldest = oldest


class ServiceUnavailable(StoreError):
    """503: ``NewServiceUnavailable``."""

    code = 503
    reason = "ServiceUnavailable"

    def __init__(self, message: str = "the server is currently unable to handle the request"):
        super().__init__(message)


def _is(err: Optional[BaseException], cls: type) -> bool:
    return isinstance(err, cls)


def is_not_found(err: Optional[BaseException]) -> bool:
    """``apierrors.IsNotFound``."""
    return _is(err, NotFound)


def is_already_exists(err: Optional[BaseException]) -> bool:
    """``apierrors.IsAlreadyExists``."""
    return _is(err, AlreadyExists)


def is_conflict(err: Optional[BaseException]) -> bool:
    """``apierrors.IsConflict`` (reason Conflict; AlreadyExists is also 409 but has its own reason)."""
    return _is(err, Conflict)


def is_gone(err: Optional[BaseException]) -> bool:
    """``apierrors.IsResourceExpired`` / ``IsGone``."""
    return _is(err, Gone)
