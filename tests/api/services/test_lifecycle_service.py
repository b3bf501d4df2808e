"""LifecycleService and AuditService against SQLite and PostgreSQL: the lifecycle's steps, one
effective plan per lineage (the database's own index), an append-only history and audit log,
and four eyes."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import text
from tests_api_helpers import stub_bank  # type: ignore[import-not-found]

from allocator.params import SolveParams
from api.auth import Principal, Role
from api.ingest import to_parquet
from api.services import Services
from api.services.errors import ConflictError, ForbiddenError, InvalidParameterError
from api.services.jobs import DONE
from api.services.params import JobParams

TODAY = dt.datetime.now(dt.UTC).date()
PROPOSER = Principal("k-planner", Role.planner, "Ann")
APPROVER = Principal("k-approver", Role.approver, "Bo")


def _plan(services: Services, ds: str, rms: list[str]) -> str:
    job = services.jobs.submit(JobParams(SolveParams(time_limit=1.0)), dataset_id=ds, max_queued=9)
    services.jobs.claim("w")
    table = pd.DataFrame(
        {
            "customer_id": ["c1", "c2"],
            "rm_id": rms,
            "tier": "mid",
            "status": "kept",
            "reason": "",
            "previous_rm_id": ["r1", "r1"],
        }
    )
    assert services.jobs.finish(job.id, "w", status=DONE, plan=to_parquet(table), kpis={})
    return job.id


@pytest.fixture
def lineage(services: Services) -> tuple[str, str]:
    for who in (PROPOSER, APPROVER):
        services.keys.add(who.key_id, "0" * 64, who.role.value, who.name)
    root = services.datasets.add(stub_bank(n_customers=2, n_rms=2))
    child = services.datasets.add(
        stub_bank(n_customers=2, n_rms=2, sha256="1" * 64), parent_id=root.id
    )
    return root.id, child.id


def _effective(services: Services, job_id: str) -> None:
    job = services.jobs.require(job_id)
    services.lifecycle.propose(job, PROPOSER)
    services.lifecycle.approve(job, APPROVER, TODAY)


def test_steps_history_and_one_effective_per_lineage(services: Services, lineage) -> None:
    root, child = lineage
    life = services.lifecycle
    first, second = _plan(services, root, ["r1", "r2"]), _plan(services, child, ["r2", "r2"])
    assert life.lineage(child) == root
    job = services.jobs.require(first)
    life.propose(job, PROPOSER)
    with pytest.raises(ForbiddenError):
        life.approve(job, PROPOSER, TODAY)
    with pytest.raises(ForbiddenError):  # another key of the same person
        life.approve(job, Principal("k-other", Role.approver, " ann "), TODAY)
    with pytest.raises(InvalidParameterError):
        life.approve(job, APPROVER, TODAY - dt.timedelta(days=1))
    assert life.approve(job, APPROVER, TODAY).state == "effective"
    with pytest.raises(ConflictError):
        life.propose(job, PROPOSER)
    _effective(services, second)
    states = {j: life.state(services.jobs.require(j)).state for j in (first, second)}
    assert states == {first: "superseded", second: "effective"}
    c1 = life.history(root, "c1")
    assert [(p.rm_id, p.job_id, p.valid_to) for p in c1] == [
        ("r1", first, TODAY),
        ("r2", second, None),
    ]
    assert [p.rm_id for p in life.history(root, "c2")] == ["r2"]  # unchanged: no new row
    actions = [e.action for e in services.audit.page(limit=50)[0]]
    assert actions.count("plan.effective") == 2 and "plan.supersede" in actions


def test_the_database_keeps_history_and_audit_append_only(services: Services, lineage) -> None:
    _effective(services, _plan(services, lineage[0], ["r1", "r2"]))
    for statement in (
        "UPDATE rm_history SET rm_id = 'x'",
        "DELETE FROM rm_history",
        "UPDATE audit_log SET actor = 'x'",
        "DELETE FROM audit_log",
    ):
        with pytest.raises(Exception, match="append-only"), services.engine.begin() as conn:
            conn.execute(text(statement))


def test_two_effective_plans_of_a_lineage_are_refused_by_the_database(
    services: Services, lineage
) -> None:
    root = lineage[0]
    a, b = _plan(services, root, ["r1", "r2"]), _plan(services, root, ["r2", "r2"])
    _effective(services, a)
    # the service never writes two; should anything try, the database's own index refuses
    with pytest.raises(Exception, match=r"(?i)unique"), services.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO plan_states (job_id, lineage_id, state, created_at) "
                "VALUES (:j, :l, 'effective', CURRENT_TIMESTAMP)"
            ),
            {"j": b, "l": root},
        )
