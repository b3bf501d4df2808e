"""Tables of the service's database (SQLAlchemy 2 declarative).

Bulky payloads (a dataset's tables, a plan) sit in their own tables so that listing datasets and
polling jobs never reads them. Times are stored as naive UTC and handed out timezone-aware.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    TypeDecorator,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> dt.datetime:
    """The current time, timezone-aware UTC."""
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored as naive UTC (portable across SQLite and PostgreSQL), read back aware."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass an aware UTC datetime")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC)


class Base(DeclarativeBase):
    type_annotation_map = {dt.datetime: UTCDateTime, dict[str, Any]: JSON}  # noqa: RUF012


class Dataset(Base):
    """An uploaded (or derived) bank: immutable once written."""

    __tablename__ = "datasets"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(40))
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("datasets.id"), index=True)
    derivation: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    n_customers: Mapped[int] = mapped_column(Integer)
    n_rms: Mapped[int] = mapped_column(Integer)
    n_branches: Mapped[int] = mapped_column(Integer)
    branches_given: Mapped[bool] = mapped_column(Boolean)
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))


class DatasetTable(Base):
    """One table of a dataset (``customers``, ``rms`` or ``branches``) as Parquet bytes."""

    __tablename__ = "dataset_tables"

    dataset_id: Mapped[str] = mapped_column(
        ForeignKey("datasets.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(20), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class Job(Base):
    """A solve or scenario run; the queue is this table (``status = 'queued'``)."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_status_created", "status", "created_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), default="solve")
    dataset_id: Mapped[str] = mapped_column(ForeignKey("datasets.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="queued")
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    stage: Mapped[str | None] = mapped_column(String(40))
    progress: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    kpis: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    worker_id: Mapped[str | None] = mapped_column(String(120))
    has_plan: Mapped[bool] = mapped_column(Boolean, default=False)
    solve_seconds: Mapped[float | None] = mapped_column(Float)
    created_by: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column()
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column()
    finished_at: Mapped[dt.datetime | None] = mapped_column()


class JobPlan(Base):
    """The plan of a job (assignments as Parquet bytes); written once, by the worker."""

    __tablename__ = "job_plans"

    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class ApiKey(Base):
    """An API key: its public id, the SHA-256 of its secret, and its role. Never the secret."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    secret_sha256: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(20))
    name: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column()
    branch_id: Mapped[str | None] = mapped_column(String(200))


class Worker(Base):
    """A worker process, as it last reported (for /readyz and operators)."""

    __tablename__ = "workers"

    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    host: Mapped[str] = mapped_column(String(200))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    heartbeat_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    job_id: Mapped[str | None] = mapped_column(String(40))
    stopped_at: Mapped[dt.datetime | None] = mapped_column()


# -- from plan to effect (migration 0002) ---------------------------------------------------------
class PlanState(Base):
    """Where a job's plan stands in its lifecycle: ``draft`` -> ``proposed`` -> ``approved`` ->
    ``effective`` -> ``superseded``, with who and when for each step.

    A row exists from the first step on (a finished plan without one is a ``draft``). At most one
    plan per dataset *lineage* (the root of the ``parent_id`` chain) is ``effective`` at a time:
    a partial unique index says so to the database itself.
    """

    __tablename__ = "plan_states"
    __table_args__ = (
        Index(
            "ux_plan_states_one_effective",
            "lineage_id",
            unique=True,
            sqlite_where=text("state = 'effective'"),
            postgresql_where=text("state = 'effective'"),
        ),
    )

    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True)
    lineage_id: Mapped[str] = mapped_column(String(40), index=True)
    state: Mapped[str] = mapped_column(String(20))
    parent_job_id: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    proposed_by: Mapped[str | None] = mapped_column(String(40))
    proposed_at: Mapped[dt.datetime | None] = mapped_column()
    approved_by: Mapped[str | None] = mapped_column(String(40))
    approved_at: Mapped[dt.datetime | None] = mapped_column()
    effective_date: Mapped[dt.date | None] = mapped_column(Date)
    effective_at: Mapped[dt.datetime | None] = mapped_column()
    superseded_by: Mapped[str | None] = mapped_column(String(40))
    superseded_at: Mapped[dt.datetime | None] = mapped_column()


class MoveDecision(Base):
    """A reviewer's decision on one move of a plan (the latest per customer counts; every
    decision is also in the audit log)."""

    __tablename__ = "move_decisions"

    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    decision: Mapped[str] = mapped_column(String(10))
    rm_id: Mapped[str | None] = mapped_column(String(200))
    decided_by: Mapped[str] = mapped_column(String(40))
    decided_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class RmHistory(Base):
    """One customer's RM from a date on, written when a plan takes effect. Append-only (the
    database refuses updates and deletes): a period's end is the next row's start."""

    __tablename__ = "rm_history"
    __table_args__ = (Index("ix_rm_history_customer", "lineage_id", "customer_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    lineage_id: Mapped[str] = mapped_column(String(40))
    customer_id: Mapped[str] = mapped_column(String(200))
    rm_id: Mapped[str | None] = mapped_column(String(200))
    valid_from: Mapped[dt.date] = mapped_column(Date)
    job_id: Mapped[str] = mapped_column(String(40))
    approved_by: Mapped[str | None] = mapped_column(String(40))
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class AuditEntry(Base):
    """One state change, upload, key change or decision. Append-only (the database refuses
    updates and deletes). ``branch_id`` is the customer's branch for a decision, so a key scoped
    to a branch sees the entries of its subtree only."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str | None] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(40), index=True)
    resource: Mapped[str] = mapped_column(String(20))
    resource_id: Mapped[str | None] = mapped_column(String(200))
    branch_id: Mapped[str | None] = mapped_column(String(200))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)
