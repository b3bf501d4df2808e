"""The workforce job kinds in the worker: ``headcount`` (a workforce plan) and ``sweep``.

A job of these kinds is queued like any other (:class:`WorkforceJob` is the job's parameters:
the solve parameters plus what the kind needs, stored as JSON with the job) and run by
:func:`api.jobs.execute`, which hands it here by its kind. What comes back is the job's
``result`` (JSON): no plan table is stored, since neither kind is one allocation.

Time: a job has one time limit, shared by its parts (the planner's solves, the verifying
allocation, the coverage curve, each quarter's allocation; a sweep's baseline and points), so
the worker's watchdog, which stops a job past its limit, is not needed in normal runs.
"""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from allocator.instance import Instance
from allocator.params import SolveParams
from allocator.pipeline import solve
from allocator.policy import Policy
from allocator.solution import SolveControl
from api.services.params import JobParams

#: the job kinds this module runs
WORKFORCE_KINDS = ("headcount", "sweep")

Progress = Callable[[str | None, dict[str, Any]], None]


@dataclass(frozen=True)
class WorkforceJob(JobParams):
    """A workforce job's parameters: the solve parameters, and ``workforce`` (the request's
    planning fields) under the job's kind."""

    job_kind: str = "headcount"
    workforce: Mapping[str, Any] | None = None

    @property
    def kind(self) -> str:
        return self.job_kind

    def to_json(self) -> dict[str, Any]:
        out = super().to_json()
        out["workforce"] = dict(self.workforce or {})
        return out


def _records(frame: pd.DataFrame | None) -> list[dict[str, Any]] | None:
    """A table as JSON records (NaN as null, numbers as numbers)."""
    if frame is None:
        return None
    return json.loads(frame.to_json(orient="records", default_handler=str))  # type: ignore[no-any-return]


def run_headcount(
    instance: Instance,
    policy: Policy,
    request: Mapping[str, Any],
    params: SolveParams,
    control: SolveControl,
    write_progress: Progress,
) -> dict[str, Any]:
    """A workforce plan of the dataset (:func:`scenarios.headcount.plan_headcount`), its
    coverage curve and, when asked, the plan over quarters; the result holds the hires rows,
    the staffing checks before and after, and the report."""
    from scenarios.headcount import plan_headcount
    from scenarios.headcount.curve import coverage_curve
    from scenarios.headcount.horizon import plan_over_quarters
    from scenarios.headcount.report import report_payload

    total = params.time_limit
    quarters = request.get("quarters")
    options: dict[str, Any] = {
        "staff": pd.DataFrame(request["staff"]) if request.get("staff") else None,
        "enforce": request.get("enforce") or (),
        "mode": request.get("mode", "cost"),
        "budget": request.get("budget"),
        "quota": request.get("quota"),
        "time_limit": max(5.0, total / 10),
    }
    write_progress("planning", {"stage": "planning"})
    plan = plan_headcount(
        instance,
        request["targets"],
        policy=policy,
        verify=bool(request.get("verify", True)),
        verify_time_limit=max(3.0, total / 10),  # today, and up to three rounds
        seed=params.seed,
        workers=params.workers,
        **options,
    )
    curve = None
    if request.get("curve", True) and plan.planner is not None and not control.stop.is_set():
        write_progress("curve", {"stage": "curve"})
        curve = coverage_curve(plan.planner)
    horizon = None
    if quarters and not control.stop.is_set():
        write_progress("quarters", {"stage": "quarters"})
        horizon = plan_over_quarters(
            instance,
            request["targets"],
            quarters=int(quarters),
            policy=policy,
            allocate_time_limit=max(3.0, total / (4 * (int(quarters) + 1))),
            seed=params.seed,
            workers=params.workers,
            **options,
        )
    return {
        "status": plan.status,
        "mode": plan.params.mode,
        "targets": plan.targets,
        "summary": plan.summary(),
        "hires": _records(plan.hires),
        "checks_before": _records(plan.checks_before),
        "checks_after": _records(plan.checks_after),
        "required_rms": _records(plan.required),
        "audit": _records(plan.audit),
        "verification": _records(plan.verification),
        "report": dict(report_payload(plan, curve=curve, quarters=horizon)),
    }


def run_sweep_job(
    instance: Instance,
    policy: Policy,
    spec_data: Mapping[str, Any],
    params: SolveParams,
    control: SolveControl,
    write_progress: Progress,
) -> dict[str, Any]:
    """A sweep of the dataset (:func:`scenarios.sweep.run_sweep`, one point after another in
    the worker); the result holds one row per grid point and the coverage chart."""
    from scenarios.run import BankRun
    from scenarios.spec import load_spec
    from scenarios.sweep import coverage_chart, run_sweep

    spec = load_spec({**spec_data, "baseline": "sample"})  # the dataset is the baseline
    assert spec.sweep is not None  # checked at submission
    points = len(list(spec.sweep.points()))
    per_solve = max(2.0, params.time_limit / (points + 1))
    write_progress("baseline", {"stage": "baseline"})
    base = solve(instance, policy, params.replace(time_limit=per_solve), control)
    write_progress("sweep", {"stage": "sweep", "points": points})
    result = run_sweep(
        spec,
        scheduler="serial",
        time_limit=per_solve,
        progress=False,
        baseline=BankRun(instance, policy, base),
    )
    fig = result.chart()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    chart = coverage_chart(spec)
    return {
        "name": spec.name,
        "x": chart.x,
        "tiers": list(chart.tiers or []),
        "table": _records(result.table),
        "chart_png_base64": base64.b64encode(buf.getvalue()).decode("ascii"),
    }


def run_workforce_job(
    kind: str,
    stored: Mapping[str, Any],
    request: JobParams,
    *,
    instance: Instance,
    policy: Policy,
    params: SolveParams,
    control: SolveControl,
    write_progress: Progress,
) -> dict[str, Any]:
    """Run a job of a workforce kind; its ``result``.

    Parameters
    ----------
    kind
        ``headcount`` or ``sweep``.
    stored
        The job's stored parameters (``workforce`` holds the planning fields).
    request
        The same, read as :class:`~api.services.params.JobParams` (a sweep's spec).
    """
    if kind == "headcount":
        return run_headcount(
            instance, policy, stored.get("workforce") or {}, params, control, write_progress
        )
    return run_sweep_job(instance, policy, request.spec or {}, params, control, write_progress)
