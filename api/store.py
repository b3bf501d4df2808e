"""The job store: datasets, jobs (the queue), plans, API keys and workers, in one database.

Every function here is a short transaction, safe to call from several processes at once: the web
process, each worker and the supervisor share the database and nothing else. State changes of a job
are conditional updates (``UPDATE ... WHERE status = ... AND worker_id = ...``), so a worker that
lost its job to the reaper cannot overwrite what happened since.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import CursorResult, Engine, Executable, case, func, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from api.db import writer
from api.models import ApiKey, Dataset, DatasetTable, Job, JobPlan, Worker, utcnow

#: job statuses; the last three are final
QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"
FINAL = frozenset({DONE, FAILED, CANCELLED})
STATUSES = (QUEUED, RUNNING, DONE, FAILED, CANCELLED)
_PG_SUBMIT_LOCK = 7_423_002  # advisory lock serialising the queue-length check of submissions


class QueueFullError(Exception):
    """The queue holds ``max_queued`` jobs already."""

    def __init__(self, queued: int, max_queued: int):
        self.queued, self.max_queued = queued, max_queued
        super().__init__(f"{queued} jobs queued (limit {max_queued})")


def new_id(prefix: str) -> str:
    """A random, unguessable id with a readable prefix (``ds_``, ``job_``)."""
    return f"{prefix}_{uuid.uuid4().hex}"


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


def _count(session: Session, statement: Executable) -> int:
    """Rows changed by an UPDATE (how the conditional state changes know they won)."""
    result = session.execute(statement)
    assert isinstance(result, CursorResult)
    return int(result.rowcount)


class Store:
    """Access to the database, one short transaction per call.

    Parameters
    ----------
    engine
        The engine (see :func:`api.db.make_engine`); the schema must be at head.
    """

    def __init__(self, engine: Engine):
        self.engine = engine
        self._read = sessionmaker(engine, expire_on_commit=False)
        self._write = sessionmaker(writer(engine), expire_on_commit=False)

    @contextmanager
    def reading(self) -> Iterator[Session]:
        with self._read() as session:
            yield session

    @contextmanager
    def writing(self) -> Iterator[Session]:
        with self._write() as session, session.begin():
            yield session

    # -- datasets ----------------------------------------------------------------------------
    def add_dataset(
        self,
        tables: dict[str, bytes],
        *,
        n_customers: int,
        n_rms: int,
        n_branches: int,
        branches_given: bool,
        sha256: str,
        name: str | None = None,
        parent_id: str | None = None,
        derivation: dict[str, Any] | None = None,
        created_by: str | None = None,
    ) -> Dataset:
        """Store a validated dataset (its tables as Parquet bytes) and return its record."""
        ds = Dataset(
            id=new_id("ds"),
            name=name,
            created_at=utcnow(),
            created_by=created_by,
            parent_id=parent_id,
            derivation=derivation,
            n_customers=n_customers,
            n_rms=n_rms,
            n_branches=n_branches,
            branches_given=branches_given,
            size_bytes=sum(len(b) for b in tables.values()),
            sha256=sha256,
        )
        with self.writing() as s:
            s.add(ds)
            s.flush()
            for table, data in tables.items():
                s.add(DatasetTable(dataset_id=ds.id, name=table, data=data))
        return ds

    def get_dataset(self, dataset_id: str) -> Dataset | None:
        with self.reading() as s:
            return s.get(Dataset, dataset_id)

    def find_dataset(self, name: str) -> Dataset | None:
        """The newest dataset called ``name``."""
        with self.reading() as s:
            q = select(Dataset).where(Dataset.name == name).order_by(Dataset.created_at.desc())
            return s.scalars(q.limit(1)).first()

    def list_datasets(self, *, limit: int = 100, offset: int = 0) -> list[Dataset]:
        with self.reading() as s:
            q = select(Dataset).order_by(Dataset.created_at.desc(), Dataset.id)
            return list(s.scalars(q.limit(limit).offset(offset)))

    def count_datasets(self) -> int:
        with self.reading() as s:
            return int(s.scalar(select(func.count()).select_from(Dataset)) or 0)

    def dataset_tables(self, dataset_id: str) -> dict[str, bytes]:
        with self.reading() as s:
            rows = s.execute(
                select(DatasetTable.name, DatasetTable.data).where(
                    DatasetTable.dataset_id == dataset_id
                )
            )
            return {name: bytes(data) for name, data in rows}

    # -- jobs: submission and reading ---------------------------------------------------------
    def submit_job(
        self,
        *,
        dataset_id: str,
        params: dict[str, Any],
        kind: str = "solve",
        max_queued: int,
        created_by: str | None = None,
    ) -> Job:
        """Queue a job, unless ``max_queued`` jobs are queued already.

        Raises
        ------
        QueueFullError
            When the queue is full (the check and the insert are one serialised transaction).
        """
        with self.writing() as s:
            if s.get_bind().dialect.name == "postgresql":
                s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_SUBMIT_LOCK})
            queued = int(s.scalar(select(func.count()).where(Job.status == QUEUED)) or 0)
            if queued >= max_queued:
                raise QueueFullError(queued, max_queued)
            job = Job(
                id=new_id("job"),
                kind=kind,
                dataset_id=dataset_id,
                status=QUEUED,
                params=params,
                attempts=0,
                cancel_requested=False,
                has_plan=False,
                created_by=created_by,
                created_at=utcnow(),
            )
            s.add(job)
        return job

    def get_job(self, job_id: str) -> Job | None:
        with self.reading() as s:
            return s.get(Job, job_id)

    def list_jobs(
        self,
        *,
        status: str | None = None,
        dataset_id: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[Job]:
        with self.reading() as s:
            q = select(Job).order_by(Job.created_at.desc(), Job.id)
            if status is not None:
                q = q.where(Job.status == status)
            if dataset_id is not None:
                q = q.where(Job.dataset_id == dataset_id)
            return list(s.scalars(q.limit(limit).offset(offset)))

    def count_jobs_by_status(self) -> dict[str, int]:
        with self.reading() as s:
            rows = s.execute(select(Job.status, func.count()).group_by(Job.status))
            counts = dict.fromkeys(STATUSES, 0)
            counts.update({status: int(n) for status, n in rows})
            return counts

    def solve_seconds_histogram(self, bounds: Sequence[float]) -> tuple[list[int], float, int]:
        """Cumulative counts of finished solves per upper bound, their sum and count (for
        Prometheus: the solves happen in other processes, so the numbers come from here)."""
        with self.reading() as s:
            cols = [func.sum(case((Job.solve_seconds <= b, 1), else_=0)) for b in bounds]
            row = s.execute(
                select(func.count(Job.solve_seconds), func.sum(Job.solve_seconds), *cols).where(
                    Job.solve_seconds.is_not(None)
                )
            ).one()
            count, total, *buckets = row
            return [int(b or 0) for b in buckets], float(total or 0.0), int(count or 0)

    def get_plan(self, job_id: str) -> bytes | None:
        with self.reading() as s:
            data = s.scalar(select(JobPlan.data).where(JobPlan.job_id == job_id))
            return None if data is None else bytes(data)

    def latest_plan_job(self, dataset_id: str) -> Job | None:
        """The newest finished solve of ``dataset_id`` that has a plan (done first; else a
        cancelled one with its best-so-far plan)."""
        with self.reading() as s:
            q = (
                select(Job)
                .where(
                    Job.dataset_id == dataset_id,
                    Job.kind == "solve",
                    Job.has_plan.is_(True),
                    Job.status.in_((DONE, CANCELLED)),
                )
                .order_by((Job.status == DONE).desc(), Job.finished_at.desc())
            )
            return s.scalars(q.limit(1)).first()

    def request_cancel(self, job_id: str) -> Job | None:
        """Cancel a job: a queued one at once; a running one by a flag its worker polls. Final
        jobs are left as they are. Returns the job as it is after the call."""
        now = utcnow()
        with self.writing() as s:
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
        return self.get_job(job_id)

    # -- jobs: the worker's side --------------------------------------------------------------
    def claim_job(self, worker_id: str) -> Job | None:
        """Take the oldest queued job for ``worker_id``, atomically.

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
        with self.writing() as s:
            job_id = s.execute(stmt).scalar_one_or_none()
        return None if job_id is None else self.get_job(job_id)

    def heartbeat(self, job_id: str, worker_id: str) -> Beat:
        """Refresh a running job's heartbeat; tell the worker whether it still owns the job and
        whether a cancel was asked."""
        with self.writing() as s:
            n = _count(
                s,
                update(Job)
                .where(Job.id == job_id, Job.worker_id == worker_id, Job.status == RUNNING)
                .values(heartbeat_at=utcnow()),
            )
            cancel = bool(s.scalar(select(Job.cancel_requested).where(Job.id == job_id)))
        return Beat(owned=n == 1, cancel=cancel)

    def record_progress(
        self, job_id: str, worker_id: str, stage: str | None, progress: dict[str, Any]
    ) -> None:
        """Write a best-so-far report of a running job (also a heartbeat)."""
        with self.writing() as s:
            _count(
                s,
                update(Job)
                .where(Job.id == job_id, Job.worker_id == worker_id, Job.status == RUNNING)
                .values(stage=stage, progress=progress, heartbeat_at=utcnow()),
            )

    def finish_job(
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
        """Record the end of a job the worker still owns; ``False`` when it does not (the reaper
        took it), in which case nothing is written."""
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
        with self.writing() as s:
            n = _count(
                s,
                update(Job)
                .where(Job.id == job_id, Job.worker_id == worker_id, Job.status == RUNNING)
                .values(**values),
            )
            if n == 1 and plan is not None:
                s.add(JobPlan(job_id=job_id, data=plan))
        return n == 1

    def release_job(self, job_id: str, worker_id: str) -> bool:
        """Put a job back in the queue without counting the attempt (a worker shutting down
        cleanly)."""
        with self.writing() as s:
            n = _count(
                s,
                update(Job)
                .where(Job.id == job_id, Job.worker_id == worker_id, Job.status == RUNNING)
                .values(
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
        """Handle running jobs whose heartbeat is older than ``stale_seconds`` (their worker died):
        re-queue those claimed fewer than ``max_attempts`` times, fail the others, and cancel the
        ones whose cancel was asked."""
        cutoff = utcnow() - dt.timedelta(seconds=stale_seconds)
        out: list[Reaped] = []
        with self.writing() as s:
            lost = s.execute(
                select(Job.id, Job.attempts, Job.cancel_requested).where(
                    Job.status == RUNNING, Job.heartbeat_at < cutoff
                )
            ).all()
            for job_id, attempts, cancel in lost:
                note = {
                    "type": "urn:rmalloc:problem:worker-lost",
                    "title": "Worker lost",
                    "status": 500,
                    "detail": f"the worker stopped sending heartbeats (attempt {attempts})",
                }
                base = (
                    update(Job)
                    .where(Job.id == job_id, Job.status == RUNNING, Job.heartbeat_at < cutoff)
                    .execution_options(synchronize_session=False)
                )
                if cancel:
                    values = {"status": CANCELLED, "finished_at": utcnow(), "stage": None}
                    action = CANCELLED
                elif attempts < max_attempts:
                    values = {
                        "status": QUEUED,
                        "worker_id": None,
                        "stage": None,
                        "heartbeat_at": None,
                        "progress": None,
                        "error": {**note, "requeued": True},
                    }
                    action = "requeued"
                else:
                    note["detail"] = (
                        f"the worker stopped sending heartbeats on attempt {attempts} of "
                        f"{max_attempts}; the job is not retried again"
                    )
                    values = {
                        "status": FAILED,
                        "finished_at": utcnow(),
                        "stage": None,
                        "error": note,
                    }
                    action = FAILED
                if _count(s, base.values(**values)) == 1:
                    out.append(Reaped(job_id, action))
        return out

    # -- API keys ------------------------------------------------------------------------------
    def add_key(self, key_id: str, secret_sha256: str, role: str, name: str | None) -> ApiKey:
        key = ApiKey(
            id=key_id, secret_sha256=secret_sha256, role=role, name=name, created_at=utcnow()
        )
        with self.writing() as s:
            s.add(key)
        return key

    def get_key(self, key_id: str) -> ApiKey | None:
        with self.reading() as s:
            return s.get(ApiKey, key_id)

    def list_keys(self) -> list[ApiKey]:
        with self.reading() as s:
            return list(s.scalars(select(ApiKey).order_by(ApiKey.created_at, ApiKey.id)))

    def revoke_key(self, key_id: str) -> ApiKey | None:
        with self.writing() as s:
            key = s.get(ApiKey, key_id)
            if key is not None and key.revoked_at is None:
                key.revoked_at = utcnow()
        return key

    def count_active_keys(self, role: str | None = None) -> int:
        with self.reading() as s:
            q = select(func.count()).select_from(ApiKey).where(ApiKey.revoked_at.is_(None))
            if role is not None:
                q = q.where(ApiKey.role == role)
            return int(s.scalar(q) or 0)

    # -- workers -------------------------------------------------------------------------------
    def worker_beat(self, worker_id: str, *, host: str, pid: int, job_id: str | None) -> None:
        """Record that a worker is alive (and what it runs)."""
        now = utcnow()
        with self.writing() as s:
            w = s.get(Worker, worker_id)
            if w is None:
                s.add(
                    Worker(
                        id=worker_id,
                        host=host,
                        pid=pid,
                        started_at=now,
                        heartbeat_at=now,
                        job_id=job_id,
                    )
                )
            else:
                w.heartbeat_at, w.job_id, w.stopped_at = now, job_id, None

    def worker_stopped(self, worker_id: str) -> None:
        with self.writing() as s:
            s.execute(
                update(Worker)
                .where(Worker.id == worker_id)
                .values(stopped_at=utcnow(), job_id=None)
            )

    def last_worker_heartbeat(self) -> dt.datetime | None:
        """The newest heartbeat of a worker that has not stopped."""
        with self.reading() as s:
            return s.scalar(
                select(func.max(Worker.heartbeat_at)).where(Worker.stopped_at.is_(None))
            )

    def list_workers(self, *, limit: int = 50) -> list[Worker]:
        with self.reading() as s:
            q = select(Worker).order_by(Worker.heartbeat_at.desc()).limit(limit)
            return list(s.scalars(q))
