"""What several routers do alike: queue a job and answer 202, read a finished job or a job's
plan, check a spec.

A solve, a scenario, a sweep and a workforce plan are all queued the same way (the server's time
limit, the queue bound, the audit entry, the log line, the ``Location`` header), so one function
does it and each router only says what its job runs. Keeping it in one place keeps those answers
alike: a client that polls one kind of job polls them all the same way.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, Response

from allocator.policy import Policy
from api.auth import Principal
from api.deps import (
    AuditDep,
    DatasetsDep,
    JobsDep,
    Planner,
    PlansDep,
    PoliciesDep,
    ReviewsDep,
    SettingsDep,
    Viewer,
)
from api.errors import Conflict, Forbidden, NotFound
from api.models import Job
from api.schemas import JobOut
from api.services.datasets import DatasetService
from api.services.jobs import JobService
from api.services.params import JobParams, time_limit_within
from api.views import job_out

if TYPE_CHECKING:
    import pandas as pd

    from allocator.plan import Plan
    from api.scope import BranchScope


def bank_wide(principal: Principal) -> None:
    """Workforce planning covers the whole bank: a key scoped to a branch may not run or read
    it (403), as it would show staff and customers beyond the branch."""
    if principal.branch_id:
        raise Forbidden(
            "workforce planning covers the whole bank: use a key that is not scoped to a branch"
        )


def finished(jobs: JobService, job_id: str, kind: str) -> Job:
    """The done job ``job_id`` of ``kind`` (404 for another kind, 409 while not done)."""
    job = jobs.require(job_id)
    if job.kind != kind:
        raise NotFound(f"job {job_id} is not a {kind} job")
    if job.status != "done" or not job.result:
        raise Conflict(f"job {job_id} is {job.status}: GET /v1/jobs/{job_id} for its progress")
    return job


class JobSubmission:
    """What a route that queues a job needs, as one dependency: the caller (a planner), the
    server's limits and the services a submission reads and writes.

    Each such route declares ``submit: Submission`` instead of the same seven parameters, and
    ends with :meth:`queue`.
    """

    def __init__(
        self,
        response: Response,
        principal: Planner,
        settings: SettingsDep,
        datasets: DatasetsDep,
        jobs: JobsDep,
        policies: PoliciesDep,
        audit: AuditDep,
    ) -> None:
        self.response = response
        self.principal = principal
        self.settings = settings
        self.datasets = datasets
        self.jobs = jobs
        self.policies = policies
        self.audit = audit

    def time_limit(self, requested: float | None) -> float:
        """The job's time limit: ``requested``, else the server's default, never above its
        maximum (one job must not hold a worker for hours); a 422 naming ``time_limit``."""
        return time_limit_within(
            requested,
            default=self.settings.default_time_limit,
            maximum=self.settings.max_time_limit,
        )

    def queue(
        self,
        work: JobParams,
        dataset_id: str,
        logger: logging.Logger,
        message: str,
        location: str = "/v1/jobs",
        *,
        audited: bool = True,
        log_key: bool = False,
    ) -> JobOut:
        """Queue ``work`` on ``dataset_id`` and shape the 202 answer.

        Parameters
        ----------
        work
            What the job runs, checked already (a bad request is a 422 before it is queued).
        logger, message
            The router's own logger and line, so logs still say which route queued the job.
        location
            Where the client polls: the ``Location`` header is ``{location}/{job id}``.
        audited
            Whether the submission is written to the audit log (``job.submit``).
        log_key
            Whether the log line names the caller's key too.

        Raises
        ------
        api.services.errors.QueueFullError
            With ``max_queued`` jobs queued already (a 429).
        """
        key_id = self.principal.key_id
        job = self.jobs.submit(
            work, dataset_id=dataset_id, max_queued=self.settings.max_queued, created_by=key_id
        )
        if audited:
            self.audit.record(key_id, "job.submit", "job", job.id, detail={"kind": job.kind})
        extra = {"job_id": job.id, "dataset_id": job.dataset_id}
        if log_key:
            extra["key_id"] = key_id
        logger.info(message, extra=extra)
        self.response.headers["Location"] = f"{location}/{job.id}"
        return job_out(job)


#: the dependency of a route that queues a job
Submission = Annotated[JobSubmission, Depends()]


def done(kind: str) -> Callable[[str, Principal, JobService], Job]:
    """A dependency: the path's ``job_id``, a done job of ``kind`` read by a key that is not
    scoped to a branch (403; 404 for another kind, 409 while not done), so that every route
    reading a workforce result refuses the same requests the same way."""

    def dependency(job_id: str, principal: Viewer, jobs: JobsDep) -> Job:
        bank_wide(principal)
        return finished(jobs, job_id, kind)

    return dependency


@dataclass
class PlanReader:
    """The path's job as a caller reads its plan, as one dependency: the job, its plan or plan
    table, and what the caller's key may see of it.

    The routes that read a plan (its table, an explanation, the quarter report, coverage, the RMs'
    and branches' books) take these five parameters and open alike: the job (404 when there is
    none), its plan (409 while there is none), the caller's branch scope (``None`` for a key
    that sees the whole bank). Nothing is read before a route asks, in the order it asks, so a
    bad query parameter is still a 422 before a missing job is a 404, and a plan is rebuilt only
    where a route needs it.
    """

    job_id: str
    principal: Viewer
    jobs: JobsDep
    plans: PlansDep
    reviews: ReviewsDep

    @cached_property
    def job(self) -> Job:
        """The job (404 for none)."""
        return self.jobs.require(self.job_id)

    def plan(self) -> Plan:
        """The job's plan, rebuilt or cached (409 while there is none)."""
        return self.plans.plan(self.job)

    def table(self) -> pd.DataFrame:
        """The job's plan table (409 while there is none)."""
        return self.plans.table(self.job)

    def scope(self) -> BranchScope | None:
        """What the caller's key sees of the job's bank (``None``: all of it)."""
        return self.reviews.scope(self.job, self.principal)


#: the dependency of a route that reads a job's plan
PlanRead = Annotated[PlanReader, Depends()]


def applied_spec(
    parsed: Any, datasets: DatasetService, dataset_id: str, policy: Policy
) -> dict[str, Any]:
    """A parsed spec's edits applied to the dataset's bank (a dry run), and the spec to store.

    The edits are pure and cheap next to a solve, so an edit naming an RM the bank does not
    have, or an edited bank that breaks the contract, is a 422 at submission rather than a
    failed job later. The stored spec has no baseline: the dataset is it.

    Raises
    ------
    allocator.errors.InputError
        Every problem of the edits on this bank (a 422).
    """
    from scenarios.edits import apply_edits

    apply_edits(datasets.load_instance(dataset_id, policy), policy, parsed.edits, seed=parsed.seed)
    out: dict[str, Any] = parsed.to_dict()
    out.pop("baseline", None)
    return out
