"""Jobs: the queue in the database, and every job's state from submission to its end.

Several processes share this table and nothing else: the web process submits and cancels, each
worker claims, beats, reports progress and finishes, and the reaper (in idle workers, the
supervisor and the web process) handles jobs whose worker died. Every state change of a running
job is therefore a conditional ``UPDATE ... WHERE status = 'running' AND worker_id = ...`` whose
row count says whether it won: a worker that lost its job to the reaper cannot overwrite what
happened since, and no lock is held across a solve.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Update, case, func, select, text, update

from api.models import Job, JobPlan, utcnow
from api.services.base import RecordService
from api.services.errors import JobFinishedError, QueueFullError
from api.services.params import JobParams
from api.services.session import new_id, rowcount

#: job statuses; the last three are final
QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"
FINAL = frozenset({DONE, FAILED, CANCELLED})
STATUSES = (QUEUED, RUNNING, DONE, FAILED, CANCELLED)
#: advisory lock serialising the queue-length check of submissions on PostgreSQL (SQLite
#: serialises writers anyway); the number is arbitrary but owned by this service
PG_SUBMIT_LOCK = 7_423_002


@dataclass(frozen=True)
class Beat:
    """What a worker learns from a heartbeat: whether it still owns the job, and whether the job
    is to be cancelled."""

    owned: bool
    cancel: bool


@dataclass(frozen=True)
class Reaped:
    """One lost job handled by the reaper: ``action`` is ``requeued``, ``failed`` or
    ``cancelled``."""

    job_id: str
    action: str


def _worker_lost(attempts: int) -> dict[str, Any]:
    """The problem document of a job whose worker stopped sending heartbeats."""
    return {
        "type": "urn:rmalloc:problem:worker-lost",
        "title": "Worker lost",
        "status": 500,
        "detail": f"the worker stopped sending heartbeats (attempt {attempts})",
    }


class JobService(RecordService[Job]):
    """Submit, read, run and end jobs (over the database it is given, see :class:`Service`)."""

    model, noun = Job, "job"

    # -- submission and reading --------------------------------------------------------------
    def submit(
        self,
        job: JobParams,
        *,
        dataset_id: str,
        max_queued: int,
        created_by: str | None = None,
    ) -> Job:
        """Queue a job, unless ``max_queued`` jobs are queued already.

        Parameters
        ----------
        job
            What to run (typed; stored as JSON, :meth:`JobParams.to_json`).
        dataset_id
            The bank to solve (the caller checked it exists).
        max_queued
            Back-pressure: the most jobs that may wait.
        created_by
            The submitting key's id.

        Raises
        ------
        QueueFullError
            When the queue is full. The count and the insert are one serialised transaction, so
            concurrent submissions cannot overfill it.
        """
        with self.db.writing() as s:
            if self.db.dialect == "postgresql":
                s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PG_SUBMIT_LOCK})
            queued = int(s.scalar(select(func.count()).where(Job.status == QUEUED)) or 0)
            if queued >= max_queued:
                raise QueueFullError(queued, max_queued)
            record = Job(
                id=new_id("job"),
                kind=job.kind,
                dataset_id=dataset_id,
                status=QUEUED,
                params=job.to_json(),
                attempts=0,
                cancel_requested=False,
                has_plan=False,
                created_by=created_by,
                created_at=utcnow(),
            )
            s.add(record)
        return record

    def page(
        self,
        *,
        status: str | None = None,
        dataset_id: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[Job]:
        """One page of jobs, newest first, optionally of one status and one dataset."""
        with self.db.reading() as s:
            q = select(Job).order_by(Job.created_at.desc(), Job.id)
            if status is not None:
                q = q.where(Job.status == status)
            if dataset_id is not None:
                q = q.where(Job.dataset_id == dataset_id)
            return list(s.scalars(q.limit(limit).offset(offset)))

    def count_by_status(self) -> dict[str, int]:
        """Jobs per status (every status present, zero when there is none)."""
        with self.db.reading() as s:
            rows = s.execute(select(Job.status, func.count()).group_by(Job.status))
            counts = dict.fromkeys(STATUSES, 0)
            counts.update({status: int(n) for status, n in rows})
            return counts

    def solve_seconds_histogram(self, bounds: Sequence[float]) -> tuple[list[int], float, int]:
        """Cumulative counts of finished solves per upper bound, their sum and count.

        For Prometheus: the solves happen in other processes, so the numbers come from the
        database at scrape time rather than from an in-process histogram.
        """
        with self.db.reading() as s:
            cols = [func.sum(case((Job.solve_seconds <= b, 1), else_=0)) for b in bounds]
            row = s.execute(
                select(func.count(Job.solve_seconds), func.sum(Job.solve_seconds), *cols).where(
                    Job.solve_seconds.is_not(None)
                )
            ).one()
            count, total, *buckets = row
            return [int(b or 0) for b in buckets], float(total or 0.0), int(count or 0)

    def cancel(self, job_id: str) -> Job:
        """Cancel a job: a queued one at once; a running one by a flag its worker polls (the
        worker then stops the solve and keeps its best plan so far).

        Returns
        -------
        Job
            The job as it is after the call.

        Raises
        ------
        NotFoundError
            When there is no such job.
        JobFinishedError
            When the job is final already: its outcome stays as recorded.
        """
        job = self.require(job_id)
        if job.status in FINAL:
            raise JobFinishedError(job.id, job.status)
        now = utcnow()
        with self.db.writing() as s:
            s.execute(
                update(Job)
                .where(Job.id == job_id, Job.status == QUEUED)
                .values(status=CANCELLED, cancel_requested=True, finished_at=now, stage=None)
            )
            s.execute(
                update(Job)
                .where(Job.id == job_id, Job.status == RUNNING)
                .values(cancel_requested=True)
            )
        return self.get(job_id) or job

    # -- the worker's side -------------------------------------------------------------------
    def claim(self, worker_id: str) -> Job | None:
        """Take the oldest queued job for ``worker_id``, atomically; ``None`` when none waits.

        One ``UPDATE ... WHERE status = 'queued'`` over a sub-select (``FOR UPDATE SKIP LOCKED``
        on PostgreSQL, so concurrent workers pass each other; SQLite serialises writers anyway).
        """
        now = utcnow()
        oldest = (
            select(Job.id)
            .where(Job.status == QUEUED)
            .order_by(Job.created_at, Job.id)
            .limit(1)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        stmt = (
            update(Job)
            .where(Job.id == oldest, Job.status == QUEUED)
            .values(
                status=RUNNING,
                worker_id=worker_id,
                attempts=Job.attempts + 1,
                started_at=now,
                heartbeat_at=now,
                stage="starting",
            )
            .returning(Job.id)
        )
        with self.db.writing() as s:
            job_id = s.execute(stmt).scalar_one_or_none()
        return None if job_id is None else self.get(job_id)

    @staticmethod
    def _owned(job_id: str, worker_id: str) -> Update:
        """``UPDATE`` of a job only while ``worker_id`` runs it (see the module docstring)."""
        return update(Job).where(
            Job.id == job_id, Job.worker_id == worker_id, Job.status == RUNNING
        )

    def heartbeat(self, job_id: str, worker_id: str) -> Beat:
        """Refresh a running job's heartbeat; tell the worker whether it still owns the job and
        whether a cancel was asked."""
        with self.db.writing() as s:
            n = rowcount(s, self._owned(job_id, worker_id).values(heartbeat_at=utcnow()))
            cancel = bool(s.scalar(select(Job.cancel_requested).where(Job.id == job_id)))
        return Beat(owned=n == 1, cancel=cancel)

    def progress(
        self, job_id: str, worker_id: str, stage: str | None, progress: dict[str, Any]
    ) -> None:
        """Write a best-so-far report of a running job (also a heartbeat)."""
        with self.db.writing() as s:
            s.execute(
                self._owned(job_id, worker_id).values(
                    stage=stage, progress=progress, heartbeat_at=utcnow()
                )
            )

    def finish(
        self,
        job_id: str,
        worker_id: str,
        *,
        status: str,
        plan: bytes | None = None,
        kpis: dict[str, Any] | None = None,
        result: dict[str, Any] | None = None,
        error: dict[str, Any] | None = None,
        progress: dict[str, Any] | None = None,
        solve_seconds: float | None = None,
    ) -> bool:
        """Record the end of a job the worker still owns, with its plan in the same transaction
        (a reader never sees ``has_plan`` without the plan).

        Returns
        -------
        bool
            ``False`` when the worker no longer owns the job (the reaper took it); nothing is
            written then.

        Raises
        ------
        ValueError
            When ``status`` is not final.
        """
        if status not in FINAL:
            raise ValueError(f"not a final status: {status!r}")
        values: dict[str, Any] = {
            "status": status,
            "finished_at": utcnow(),
            "stage": None,
            "kpis": kpis,
            "result": result,
            "error": error,
            "has_plan": plan is not None,
            "solve_seconds": solve_seconds,
        }
        if progress is not None:
            values["progress"] = progress
        with self.db.writing() as s:
            n = rowcount(s, self._owned(job_id, worker_id).values(**values))
            if n == 1 and plan is not None:
                s.add(JobPlan(job_id=job_id, data=plan))
        return n == 1

    def release(self, job_id: str, worker_id: str) -> bool:
        """Put a job back in the queue without counting the attempt: a worker shutting down
        cleanly did not fail the job, and a restart of the service must lose none."""
        with self.db.writing() as s:
            n = rowcount(
                s,
                self._owned(job_id, worker_id).values(
                    status=QUEUED,
                    worker_id=None,
                    attempts=Job.attempts - 1,
                    stage=None,
                    progress=None,
                    heartbeat_at=None,
                ),
            )
        return n == 1

    def reap(self, *, stale_seconds: float, max_attempts: int) -> list[Reaped]:
        """Handle running jobs whose heartbeat is older than ``stale_seconds`` (their worker
        died): re-queue those claimed fewer than ``max_attempts`` times, fail the others, and
        cancel the ones whose cancel was asked.

        A job that kills its worker every time (out of memory, say) must not circle forever,
        hence the attempt limit; each change is conditional on the heartbeat still being stale,
        so a worker that comes back in time keeps its job.
        """
        cutoff = utcnow() - dt.timedelta(seconds=stale_seconds)
        out: list[Reaped] = []
        with self.db.writing() as s:
            lost = s.execute(
                select(Job.id, Job.attempts, Job.cancel_requested).where(
                    Job.status == RUNNING, Job.heartbeat_at < cutoff
                )
            ).all()
            for job_id, attempts, cancel in lost:
                values, action = self._reaped_values(attempts, cancel, max_attempts)
                stmt = (
                    update(Job)
                    .where(Job.id == job_id, Job.status == RUNNING, Job.heartbeat_at < cutoff)
                    .execution_options(synchronize_session=False)
                    .values(**values)
                )
                if rowcount(s, stmt) == 1:
                    out.append(Reaped(job_id, action))
        return out

    @staticmethod
    def _reaped_values(
        attempts: int, cancel: bool, max_attempts: int
    ) -> tuple[dict[str, Any], str]:
        """The new state of a lost job, and the name of what was done."""
        note = _worker_lost(attempts)
        if cancel:
            return {"status": CANCELLED, "finished_at": utcnow(), "stage": None}, CANCELLED
        if attempts < max_attempts:
            values = {
                "status": QUEUED,
                "worker_id": None,
                "stage": None,
                "heartbeat_at": None,
                "progress": None,
                "error": {**note, "requeued": True},
            }
            return values, "requeued"
        note["detail"] = (
            f"the worker stopped sending heartbeats on attempt {attempts} of "
            f"{max_attempts}; the job is not retried again"
        )
        return {"status": FAILED, "finished_at": utcnow(), "stage": None, "error": note}, FAILED
