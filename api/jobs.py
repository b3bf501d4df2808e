"""What a worker does with a claimed job: load, solve (or run the scenario), and say how it went.

:func:`execute` never raises: every outcome -- a plan, a failure with its reason, a stop -- is an
:class:`Outcome` the worker records. Errors are stored as problem documents; what reaches the
logs is their type and the job's id, never data (an exception's message may quote a customer).

The job's stored JSON is read back into typed :class:`~allocator.params.SolveParams`
(:class:`api.services.params.JobParams`), the server-owned fields set from the worker's settings,
and the plan comes out of the library's one pipeline (:func:`allocator.pipeline.solve`), which
checks it before it leaves: a plan that breaks a hard rule fails the job
(``urn:rmalloc:problem:plan-breach``) instead of being stored. The job's policy is parsed once,
and that one object serves the dataset's validation and the solve.
"""

from __future__ import annotations

import logging
import math
import threading
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from allocator.errors import InputError, PlanBreachError, PolicyError
from allocator.params import SolveParams
from allocator.pipeline import solve
from allocator.plan import Plan
from allocator.policy import Policy
from allocator.solution import Progress, SolveControl
from api.errors import (
    input_error_problem,
    plan_breach_problem,
    policy_error_problem,
    problem,
)
from api.ingest import from_parquet, to_parquet
from api.models import Job
from api.review import restate
from api.services.datasets import DatasetService
from api.services.params import JobParams
from api.services.policies import PolicyCache
from api.workforce_jobs import WORKFORCE_KINDS, run_workforce_job

if TYPE_CHECKING:  # scenarios are optional in a build: imported where a scenario runs
    from scenarios.spec import ScenarioSpec

log = logging.getLogger(__name__)

#: reads the stored plan table (Parquet bytes) of a job by id, or ``None``
PlanTables = Callable[[str], bytes | None]
#: solution statuses that come with a usable plan
_PLAN_STATUSES = ("optimal", "feasible")


@dataclass
class Outcome:
    """The end of a job as the worker saw it (the worker picks the final status)."""

    plan: bytes | None = None
    kpis: dict[str, Any] | None = None
    result: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    progress: dict[str, Any] | None = None
    solve_seconds: float | None = None

    @property
    def failed(self) -> bool:
        return self.error is not None


@dataclass
class ProgressWriter:
    """``SolveControl.on_progress`` for a job: keeps the best so far and writes it to the database
    at most every ``min_seconds`` (a solver may report hundreds of times a second)."""

    write: Callable[[str | None, dict[str, Any]], None]
    min_seconds: float = 1.0
    last: dict[str, Any] = field(default_factory=dict)
    _written_at: float = 0.0
    _stage: str | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, p: Progress) -> None:
        report = {
            "stage": p.stage,
            "objective": _finite(p.objective),
            "bound": _finite(p.bound),
            "gap": gap(p.objective, p.bound),
            "seconds": round(float(p.seconds), 3),
        }
        now = time.monotonic()
        with self._lock:
            self.last = report
            due = now - self._written_at >= self.min_seconds or p.stage != self._stage
            if not due:
                return
            self._written_at, self._stage = now, p.stage
        try:
            self.write(p.stage, report)
        except Exception as exc:  # progress is best effort: never let it break the solve
            log.warning("progress not written", extra={"error_type": type(exc).__name__})


def _finite(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def gap(objective: Any, bound: Any) -> float | None:
    """Relative gap |bound - objective| / max(|objective|, 1e-9), ``None`` without a bound."""
    obj, bnd = _finite(objective), _finite(bound)
    if obj is None or bnd is None:
        return None
    return abs(bnd - obj) / max(abs(obj), 1e-9)


def headline(kpis: dict[str, Any]) -> dict[str, Any]:
    """Progress-shaped summary of a finished solve: its first objective stage (cover value)."""
    solve = kpis.get("solve", {})
    stages = solve.get("stages") or [{}]
    first = stages[0]
    return {
        "stage": first.get("name"),
        "objective": _finite(first.get("objective")),
        "bound": _finite(first.get("bound")),
        "gap": _finite(first.get("gap")),
        "seconds": _finite(solve.get("seconds")),
    }


def _has_plan(kpis: dict[str, Any]) -> bool:
    return kpis.get("solve", {}).get("status") in _PLAN_STATUSES


def _internal_problem(exc: BaseException) -> dict[str, Any]:
    return problem(
        "internal",
        "The job failed",
        500,
        f"unexpected {type(exc).__name__} in the worker; the worker logged it",
    )


def execute(
    job: Job,
    control: SolveControl,
    *,
    datasets: DatasetService,
    policies: PolicyCache,
    solver_workers: int,
    progress_seconds: float,
    write_progress: Callable[[str | None, dict[str, Any]], None],
    plans: PlanTables | None = None,
) -> Outcome:
    """Run a claimed job to its end (or until ``control.stop``); never raises.

    Parameters
    ----------
    job
        The claimed job.
    control
        The solve's stop event; its ``on_progress`` is set here.
    datasets, policies
        Where the bank and the policy come from (a scenario also stores its edited bank).
    solver_workers
        Solver threads: the server's setting, whatever the job says.
    progress_seconds
        Least time between two progress writes.
    write_progress
        Writes a best-so-far report of the job.
    plans
        Reads a stored plan table by job id (a re-solve's warm start).
    """
    writer = ProgressWriter(write_progress, progress_seconds)
    control.on_progress = writer
    started = time.monotonic()
    try:
        request = JobParams.from_json(job.params)
        params = request.for_worker(workers=solver_workers)
        write_progress("loading", {"stage": "loading"})
        policy = policies.load(request.policy)
        if job.kind == "scenario":
            outcome = _run_scenario(datasets, job, request, params, policy, control, write_progress)
        elif job.kind in WORKFORCE_KINDS:  # a workforce plan or a sweep: a result, no plan table
            result = run_workforce_job(
                job.kind,
                job.params,
                request,
                instance=datasets.load_instance(job.dataset_id, policy),
                policy=policy,
                params=params,
                control=control,
                write_progress=write_progress,
            )
            outcome = Outcome(result=result)
        else:
            instance = datasets.load_instance(job.dataset_id, policy)
            write_progress("solving", {"stage": "solving"})
            hint = _review_hint(request, plans) if request.review else None
            plan = solve(instance, policy, params, control, hint=hint)
            outcome = _plan_outcome(plan, request.review)
    except InputError as exc:
        outcome = Outcome(error=input_error_problem(exc))
    except PolicyError as exc:
        outcome = Outcome(error=policy_error_problem(exc))
    except PlanBreachError as exc:
        # the rules and counts only: the checker's details name customers
        log.error(
            "plan breaks hard rules",
            extra={"job_id": job.id, "backend": exc.backend, "rules": dict(exc.rules)},
        )
        outcome = Outcome(error=plan_breach_problem(exc))
    except Exception as exc:
        log.error(
            "job failed",
            extra={
                "job_id": job.id,
                "error_type": type(exc).__name__,
                "traceback": "".join(traceback.format_tb(exc.__traceback__)),
            },
        )
        outcome = Outcome(error=_internal_problem(exc))
    outcome.solve_seconds = round(time.monotonic() - started, 3)
    if outcome.progress is None and writer.last:
        outcome.progress = writer.last
    return outcome


def _review_hint(request: JobParams, plans: PlanTables | None) -> pd.Series | None:
    """A re-solve starts from the plan it came from (few changes beyond the decisions)."""
    source = (request.review or {}).get("source_job_id")
    data = plans(str(source)) if plans is not None and source else None
    if data is None:
        return None
    table = from_parquet(data)
    return pd.Series(
        table["rm_id"].fillna("").astype(str).to_numpy(),
        index=table["customer_id"].astype(str),
    )


def _plan_outcome(plan: Plan, review: Mapping[str, Any] | None = None) -> Outcome:
    """A solve's plan as an outcome; a failure when the solve ended without a usable plan.
    A re-solve's plan is restated in terms of the real book (:func:`api.review.restate`)."""
    kpis = plan.kpis
    if not _has_plan(kpis):
        return Outcome(
            kpis=kpis,
            progress=headline(kpis),
            error=problem(
                "no-plan",
                "No plan found",
                422,
                f"the solve ended {kpis.get('solve', {}).get('status')} "
                f"({kpis.get('solve', {}).get('termination')}) without a valid plan",
            ),
        )
    table = plan.assignments
    if review:
        table, kpis = restate(table, kpis, review.get("accepted", {}), review.get("rejected", {}))
    return Outcome(plan=to_parquet(table), kpis=kpis, progress=headline(kpis))


def _scenario_spec(request: JobParams) -> ScenarioSpec:
    from scenarios.spec import load_spec

    spec = dict(request.spec or {})
    # The dataset is the baseline: the placeholder is never loaded (the worker passes the solved
    # dataset as the baseline run), and the server reads no file a client names.
    spec["baseline"] = "sample"
    return load_spec(spec)


def _run_scenario(
    datasets: DatasetService,
    job: Job,
    request: JobParams,
    params: SolveParams,
    policy: Policy,
    control: SolveControl,
    write_progress: Callable[[str | None, dict[str, Any]], None],
) -> Outcome:
    from scenarios.run import BankRun, run_scenario

    spec = _scenario_spec(request)
    if request.seed_from_spec:
        params = params.replace(seed=spec.seed)
    instance = datasets.load_instance(job.dataset_id, policy)
    write_progress("baseline", {"stage": "baseline"})
    baseline_plan = solve(instance, policy, params, control)
    if control.stop.is_set():
        return Outcome(progress=headline(baseline_plan.kpis))
    write_progress("scenario", {"stage": "scenario", **_jsonable_headline(baseline_plan.kpis)})
    result = run_scenario(
        spec,
        time_limit=params.time_limit,
        seed=params.seed,
        workers=params.workers,
        backend=params.backend,
        baseline=BankRun(instance, policy, baseline_plan),
    )
    derived_id = None
    if result.solved:
        derived = datasets.save_instance(
            result.instance,
            name=f"{spec.name} (scenario of {job.dataset_id})",
            parent_id=job.dataset_id,
            derivation={"kind": "scenario", "job_id": job.id, "spec": spec.to_dict()},
            created_by=job.created_by,
        )
        derived_id = derived.id
    comparison = result.comparison.astype(object)
    comparison = comparison.where(comparison.notna(), None)
    summary = {
        "name": spec.name,
        "solved": result.solved,
        "derived_dataset_id": derived_id,
        "policy": result.policy.to_dict() if result.solved else None,
        "comparison": comparison.to_dict(orient="records"),
        "kpis": result.kpis(),
    }
    kpis = result.plan.kpis
    return Outcome(
        plan=to_parquet(result.plan.assignments),
        kpis=kpis,
        result=json_safe(summary),
        progress=headline(kpis),
    )


def _jsonable_headline(kpis: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in headline(kpis).items() if k != "stage"}


def json_safe(value: Any) -> Any:
    """JSON-safe: NaN/inf to ``None``, NumPy scalars to Python ones (JSON columns reject both)."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        try:
            value = value.item()
        except (TypeError, ValueError):
            return str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
