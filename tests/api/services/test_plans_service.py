"""PlanService: stored plan tables, the plan to recommend from, plans rebuilt for explaining."""

from __future__ import annotations

import pytest

from allocator.instance import Instance
from allocator.params import SolveParams
from allocator.pipeline import solve
from api.ingest import to_parquet
from api.jobs import json_safe
from api.models import Job
from api.services import Services
from api.services.errors import NoPlanError
from api.services.jobs import CANCELLED, DONE
from api.services.params import JobParams

GREEDY = SolveParams(time_limit=5.0, backend="greedy", workers=1)


def _finished(services: Services, dataset_id: str, *, status: str = DONE, plan: bool) -> Job:
    """A job of ``dataset_id`` claimed and finished with ``status`` (and a greedy plan)."""
    jobs = services.jobs
    job = jobs.submit(JobParams(GREEDY), dataset_id=dataset_id, max_queued=100)
    assert jobs.claim("w") is not None
    data = kpis = None
    if plan:
        instance = services.datasets.load_instance(dataset_id)
        solved = solve(instance, None, GREEDY)
        data, kpis = to_parquet(solved.assignments), json_safe(solved.kpis)
    assert jobs.finish(job.id, "w", status=status, plan=data, kpis=kpis)
    return jobs.require(job.id)


@pytest.fixture
def dataset_id(services: Services, small_bank: Instance) -> str:
    return services.datasets.save_instance(small_bank).id


def test_no_plan_is_a_typed_conflict(services: Services, dataset_id: str) -> None:
    failed = _finished(services, dataset_id, status="failed", plan=False)
    with pytest.raises(NoPlanError, match="has no plan"):
        services.plans.plan(failed)
    queued = services.jobs.submit(JobParams(GREEDY), dataset_id=dataset_id, max_queued=10)
    with pytest.raises(NoPlanError, match="is queued; no plan yet"):
        services.plans.table(queued)


def test_latest_job_prefers_a_done_solve(services: Services, dataset_id: str) -> None:
    assert services.plans.latest_job(dataset_id) is None
    done = _finished(services, dataset_id, plan=True)
    _finished(services, dataset_id, status=CANCELLED, plan=True)
    assert services.plans.latest_job(dataset_id).id == done.id  # type: ignore[union-attr]


def test_rebuilt_plan_explains_and_is_cached(services: Services, dataset_id: str) -> None:
    job = _finished(services, dataset_id, plan=True)
    table = services.plans.table(job)
    assert list(table.columns[:5]) == ["customer_id", "rm_id", "tier", "status", "reason"]
    plan = services.plans.plan(job)
    assert services.plans.plan(job) is plan  # a final job's plan never changes
    row = table.loc[table["rm_id"].fillna("") != ""].iloc[0]
    explained = plan.explain(str(row["customer_id"]))
    assert explained["rm_id"] == row["rm_id"]
    assert plan.kpis == job.kpis
