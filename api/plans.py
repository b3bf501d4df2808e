"""Stored plans, and the library's :class:`~allocator.plan.Plan` rebuilt from them.

A worker stores a plan's table (Parquet) and KPIs; explaining one customer needs the compiled
problem as well. Compiling is deterministic, so the web process recompiles the dataset under the
job's policy and pairs it with the stored assignment: no solve runs in the web process, and nothing
but data is ever read back from the database (no pickles). The rebuilt plans of the last few jobs
are cached (a finished job's plan never changes).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

import numpy as np
import pandas as pd

from allocator.compile import compile_problem
from allocator.plan import Plan
from allocator.policy import load_policy
from allocator.solution import Solution, SolutionStatus, StageResult, Termination
from api.ingest import from_parquet, load_dataset
from api.models import Job
from api.store import Store


def plan_frame(store: Store, job_id: str) -> pd.DataFrame | None:
    """The stored plan table of a job, or ``None`` when it has none."""
    data = store.get_plan(job_id)
    return None if data is None else from_parquet(data)


def _solution(assignment: np.ndarray, solve: dict[str, Any]) -> Solution:
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


def rebuild_plan(store: Store, job: Job) -> Plan:
    """The :class:`Plan` of a finished job, from its stored table and KPIs.

    Raises
    ------
    LookupError
        When the job has no stored plan.
    """
    table = plan_frame(store, job.id)
    if table is None:
        raise LookupError(job.id)
    dataset_id, policy_source = job.dataset_id, job.params.get("policy")
    result = job.result or {}
    if job.kind == "scenario" and result.get("derived_dataset_id"):
        # a scenario's plan is a plan of the edited bank, under the edited policy
        dataset_id, policy_source = result["derived_dataset_id"], result.get("policy")
    policy = load_policy(policy_source)
    instance = load_dataset(store, dataset_id, policy)
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
        solution=_solution(assignment, solve),
        compiled=compiled,
    )


class PlanCache:
    """Rebuilt plans of the last few jobs (a final job's plan never changes)."""

    def __init__(self, size: int = 2):
        self.size = size
        self._items: OrderedDict[str, Plan] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, store: Store, job: Job) -> Plan:
        with self._lock:
            if job.id in self._items:
                self._items.move_to_end(job.id)
                return self._items[job.id]
        plan = rebuild_plan(store, job)
        with self._lock:
            self._items[job.id] = plan
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return plan
