"""Typed errors of the services: what went wrong in domain terms, never in HTTP terms.

The services are called by the routers, the worker and the command line alike, so they say *what*
is wrong (no such job; the job is already finished; the queue is full) and leave *how to answer*
to their caller. :func:`api.errors.install` maps each class here to a problem document in one
place; the command line prints the message.
"""

from __future__ import annotations


class ServiceError(Exception):
    """Base of the errors a service raises on purpose.

    Parameters
    ----------
    detail
        What is wrong, in words for the client (ids may appear; customer data never does).
    """

    def __init__(self, detail: str):
        self.detail = detail
        super().__init__(detail)


class NotFoundError(ServiceError):
    """No record with this id (a 404 for the caller)."""

    def __init__(self, resource: str, record_id: str):
        self.resource, self.record_id = resource, record_id
        super().__init__(f"no {resource} {record_id!r}")


class ConflictError(ServiceError):
    """The record exists but its state forbids the change (a 409 for the caller)."""


class JobFinishedError(ConflictError):
    """A final job cannot be cancelled: its outcome is recorded for good."""

    def __init__(self, job_id: str, status: str):
        self.job_id, self.status = job_id, status
        super().__init__(f"job {job_id} is already {status}")


class NoPlanError(ConflictError):
    """The job has no plan (yet, or at all)."""

    def __init__(self, job_id: str, status: str, final: bool):
        self.job_id, self.status = job_id, status
        state = "has no plan" if final else f"is {status}; no plan yet"
        super().__init__(f"job {job_id} {state}")


class LastAdminKeyError(ConflictError):
    """Revoking this key would leave the service with no one able to manage keys."""

    def __init__(self) -> None:
        super().__init__("this is the last active admin key; create another admin key first")


class InvalidParameterError(ServiceError):
    """A value a request names is wrong (a 422 for the caller); ``field`` names it
    (``dataset_id``, ``time_limit``, ``settings.lns``) so the client can fix it without
    guessing."""

    def __init__(self, field: str, detail: str):
        self.field = field
        super().__init__(detail)


class QueueFullError(ServiceError):
    """The queue holds ``max_queued`` jobs already (back-pressure: a 429 for the caller)."""

    def __init__(self, queued: int, max_queued: int):
        self.queued, self.max_queued = queued, max_queued
        super().__init__(f"{queued} jobs are queued (limit {max_queued}); retry later")


class ForbiddenError(ServiceError):
    """The caller may not do this, whatever its role (a 403): approving one's own proposal."""
