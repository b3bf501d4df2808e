"""Database records as response bodies (the one place that knows both shapes)."""

from __future__ import annotations

from typing import Any

from api.models import ApiKey, Dataset, Job
from api.schemas import DatasetCounts, DatasetOut, JobOut, KeyOut, Kpis, Progress, ScenarioResult


def dataset_out(ds: Dataset) -> DatasetOut:
    return DatasetOut(
        id=ds.id,
        name=ds.name,
        created_at=ds.created_at,
        created_by=ds.created_by,
        parent_id=ds.parent_id,
        derivation=ds.derivation,
        counts=DatasetCounts(customers=ds.n_customers, rms=ds.n_rms, branches=ds.n_branches),
        branches_given=ds.branches_given,
        size_bytes=ds.size_bytes,
        sha256=ds.sha256,
    )


def _num(value: Any) -> float | None:
    """A JSON-safe number (NaN and infinities, which JSON lacks, become null)."""
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number and abs(number) != float("inf") else None


def job_out(job: Job) -> JobOut:
    progress = dict(job.progress or {})
    prog = Progress(
        stage=progress.get("stage"),
        objective=_num(progress.get("objective")),
        bound=_num(progress.get("bound")),
        gap=_num(progress.get("gap")),
        seconds=_num(progress.get("seconds")),
    )
    return JobOut(
        id=job.id,
        kind=job.kind,  # type: ignore[arg-type]
        dataset_id=job.dataset_id,
        status=job.status,  # type: ignore[arg-type]
        stage=job.stage,
        params=job.params,
        progress=prog if job.progress else None,
        objective=prog.objective,
        bound=prog.bound,
        gap=prog.gap,
        kpis=Kpis.model_validate(job.kpis) if job.kpis else None,
        result=ScenarioResult.model_validate(job.result) if job.result else None,
        error=job.error,
        has_plan=job.has_plan,
        attempts=job.attempts,
        cancel_requested=job.cancel_requested,
        worker_id=job.worker_id,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
        solve_seconds=job.solve_seconds,
    )


def key_out(key: ApiKey) -> KeyOut:
    return KeyOut(
        id=key.id,
        role=key.role,  # type: ignore[arg-type]
        name=key.name,
        branch_id=key.branch_id,
        created_at=key.created_at,
        revoked_at=key.revoked_at,
    )
