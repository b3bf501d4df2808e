"""Plans: the table a worker stored for a job, and the library's :class:`~allocator.plan.Plan`
rebuilt from it.

A worker stores a plan's table (Parquet) and KPIs; explaining one customer, or recommending RMs
against a plan's loads, needs the compiled problem as well. Compiling is deterministic, so the
web process recompiles the dataset under the job's policy and pairs it with the stored assignment:
no solve runs in the web process, and nothing but data is ever read back from the database (no
pickles). A final job's plan never changes, so the rebuilt plans of the last few jobs are cached.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select

from allocator.compile import compile_problem
from allocator.coverage import assign_coverage
from allocator.plan import Plan
from allocator.solution import Solution, SolutionStatus, StageResult, Termination
from api.ingest import from_parquet
from api.models import Job, JobPlan
from api.services.base import Service
from api.services.datasets import DatasetService
from api.services.errors import NoPlanError, NotFoundError
from api.services.jobs import CANCELLED, DONE, FINAL
from api.services.policies import PolicyCache
from api.services.session import Database


def solution_of(assignment: np.ndarray, solve: dict[str, Any]) -> Solution:
    """A :class:`Solution` from an assignment and the ``solve`` KPIs stored with it.

    Values a newer or older library wrote that this one does not know are read leniently
    (a feasible status, a converged search): the plan is explained, not judged, here.
    """

    def status(value: Any) -> SolutionStatus:
        try:
            return SolutionStatus(value)
        except ValueError:
            return SolutionStatus.FEASIBLE

    stages = [
        StageResult(
            name=str(s.get("name", "")),
            objective=float(s.get("objective") or 0.0),
            bound=float(s["bound"]) if s.get("bound") is not None else float("nan"),
            status=status(s.get("status")),
            seconds=float(s.get("seconds") or 0.0),
        )
        for s in solve.get("stages", [])
    ]
    try:
        termination = Termination(str(solve.get("termination")))
    except ValueError:
        termination = Termination.CONVERGED
    return Solution(
        assignment=assignment,
        status=status(solve.get("status")),
        termination=termination,
        stages=stages,
        backend=str(solve.get("backend", "")),
        seconds=float(solve.get("seconds") or 0.0),
    )


class PlanService(Service):
    """Read stored plans and rebuild them as :class:`Plan` objects.

    Parameters
    ----------
    db
        The database.
    datasets, policies
        Where a plan's bank and policy come from when it is rebuilt.
    cache_size
        Rebuilt plans kept (a rebuild compiles the bank: seconds for a large one).
    """

    def __init__(
        self,
        db: Database,
        datasets: DatasetService,
        policies: PolicyCache,
        *,
        cache_size: int = 2,
    ):
        super().__init__(db)
        self.datasets = datasets
        self.policies = policies
        self.cache_size = cache_size
        self._plans: OrderedDict[str, Plan] = OrderedDict()
        self._lock = threading.Lock()

    def require_job(self, job_id: str) -> Job:
        """The job ``job_id`` (:class:`NotFoundError` when there is none)."""
        with self.db.reading() as s:
            job = s.get(Job, job_id)
        if job is None:
            raise NotFoundError("job", job_id)
        return job

    @staticmethod
    def dataset_of(job: Job) -> str:
        """The bank a job's plan is a plan of: a scenario's edited bank, else the job's."""
        result = job.result or {}
        if job.kind == "scenario" and result.get("derived_dataset_id"):
            return str(result["derived_dataset_id"])
        return job.dataset_id

    def data(self, job_id: str) -> bytes | None:
        """The stored plan table of a job (Parquet bytes), or ``None``."""
        with self.db.reading() as s:
            data = s.scalar(select(JobPlan.data).where(JobPlan.job_id == job_id))
            return None if data is None else bytes(data)

    def table(self, job: Job) -> pd.DataFrame:
        """The plan table of a job.

        Raises
        ------
        NoPlanError
            When the job has no plan (yet, or at all).
        """
        data = self.data(job.id) if job.has_plan else None
        if data is None:
            raise NoPlanError(job.id, job.status, final=job.status in FINAL)
        return from_parquet(data)

    def latest_job(self, dataset_id: str) -> Job | None:
        """The newest finished solve of ``dataset_id`` that has a plan (a done one first; else
        a cancelled one with its best-so-far plan): the loads a recommendation starts from."""
        with self.db.reading() as s:
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

    def rebuild(self, job: Job) -> Plan:
        """The :class:`Plan` of a finished job, from its stored table and KPIs (uncached).

        Raises
        ------
        NoPlanError
            When the job has no stored plan.
        """
        table = self.table(job)
        dataset_id, policy_source = job.dataset_id, job.params.get("policy")
        result = job.result or {}
        if job.kind == "scenario" and result.get("derived_dataset_id"):
            # a scenario's plan is a plan of the edited bank, under the edited policy
            dataset_id, policy_source = result["derived_dataset_id"], result.get("policy")
        policy = self.policies.load(policy_source)
        instance = self.datasets.load_instance(dataset_id, policy)
        compiled = compile_problem(instance, policy)
        index = compiled.rms.index
        rm_ids = table["rm_id"].fillna("").astype(str)
        by_customer = dict(zip(table["customer_id"].astype(str), rm_ids, strict=True))
        assignment = np.array(
            [index.get(by_customer.get(str(c), ""), -1) for c in compiled.problem.customer_ids],
            dtype=np.int64,
        )
        solve = (job.kpis or {}).get("solve", {})
        return Plan(
            assignments=table,
            kpis=job.kpis or {},
            solution=solution_of(assignment, solve),
            compiled=compiled,
            # the roles are a function of the plan and the bank: settled again, not stored
            coverage=assign_coverage(compiled, assignment),
        )

    def plan(self, job: Job) -> Plan:
        """:meth:`rebuild`, from the cache of the last few jobs when there."""
        with self._lock:
            if job.id in self._plans:
                self._plans.move_to_end(job.id)
                return self._plans[job.id]
        plan = self.rebuild(job)
        with self._lock:
            self._plans[job.id] = plan
            while len(self._plans) > self.cache_size:
                self._plans.popitem(last=False)
        return plan
