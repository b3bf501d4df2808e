"""The notebook entry point: files or DataFrames in, a checked plan out.

A thin front door over :func:`allocator.pipeline.solve`, the one path every plan takes.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from allocator.instance import Instance
from allocator.params import SolveParams
from allocator.pipeline import solve
from allocator.plan import Plan
from allocator.policy import Policy, load_policy
from allocator.solution import SolveControl
from allocator.validation import as_instance

Source = str | Path | pd.DataFrame


def allocate(
    customers: Source | Instance,
    rms: Source | None = None,
    branches: Source | None = None,
    policy: Policy | Mapping[str, Any] | str | Path | None = None,
    *,
    backend: str = "auto",
    time_limit: float = 30.0,
    seed: int = 0,
    workers: int = 2,
    control: SolveControl | None = None,
    warm_start: Plan | pd.DataFrame | pd.Series | None = None,
    log_solver: bool = False,
    check: bool = True,
    params: SolveParams | None = None,
) -> Plan:
    """Allocate customers to RMs under a policy.

    Parameters
    ----------
    customers, rms, branches
        Contract v1 tables as paths (CSV, Parquet, Excel) or DataFrames; or an :class:`Instance`
        as ``customers`` (then ``rms`` and ``branches`` stay ``None``).
    policy
        ``None`` for the default policy v1, overrides as a mapping or a file, or a Policy.
    backend
        ``auto`` (by size and features), ``cpsat``, ``greedy``, or any registered backend.
    time_limit, seed, workers
        Every solve has a time limit (seconds), a seed and a worker count.
    control
        Watch progress and stop early (the plan keeps the best solution so far).
    warm_start
        A previous plan, or a table/Series customer_id -> rm_id, used as the solver's starting
        point (today's book otherwise). Continuity is always measured against today's book.
    check
        Verify the plan with the independent checker before returning it (on by default).
    params
        All solve parameters at once (:class:`~allocator.params.SolveParams`); when given, the
        keyword arguments ``backend`` to ``check`` are ignored.

    Returns
    -------
    Plan
        One row per customer with status and reason, KPIs, the solve's status, bound and gap.

    Raises
    ------
    allocator.errors.InputError
        Invalid input (every problem listed), including conflicting locks.
    allocator.errors.PlanBreachError
        The plan breaks a hard rule (a backend defect): nothing is handed out.
    """
    pol = load_policy(policy)
    instance = as_instance(customers, rms, branches, policy=pol)
    if params is None:
        params = SolveParams(
            time_limit=time_limit,
            seed=seed,
            workers=workers,
            backend=backend,
            log=log_solver,
            check=check,
        )
    return solve(instance, pol, params, control, hint=_hint_series(warm_start))


def _hint_series(warm_start: Plan | pd.DataFrame | pd.Series | None) -> pd.Series | None:
    if warm_start is None:
        return None
    if isinstance(warm_start, Plan):
        table = warm_start.assignments
    elif isinstance(warm_start, pd.Series):
        return warm_start
    else:
        table = warm_start
    return table.set_index("customer_id")["rm_id"]
