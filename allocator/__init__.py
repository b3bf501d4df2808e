"""rm-allocator: allocate a bank's customers to its relationship managers.

The library: contract I/O and validation, policy as data, compilation to a solver-neutral
problem, backends, the plan with KPIs and explanations, and an independent checker.

>>> from allocator import allocate
>>> plan = allocate("customers.csv", "rms.csv", "branches.csv", time_limit=10)  # doctest: +SKIP
>>> plan.assignments.head(); plan.kpis; plan.explain("K0000001")             # doctest: +SKIP

Every plan comes out of one pipeline (:func:`allocator.pipeline.solve`, also exported as
``solve``) that checks it with the independent checker before handing it out.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "Instance",
    "Plan",
    "Policy",
    "SolveParams",
    "allocate",
    "check_plan",
    "load_instance",
    "load_policy",
    "recommend",
    "solve",
]


def __getattr__(name: str) -> Any:
    # lazy: `import allocator.checker` must not pull in solver code through this package
    if name == "allocate":
        from allocator.allocation import allocate

        return allocate
    if name == "solve":
        from allocator.pipeline import solve

        return solve
    if name == "SolveParams":
        from allocator.params import SolveParams

        return SolveParams
    if name == "Plan":
        from allocator.plan import Plan

        return Plan
    if name == "recommend":
        from allocator.recommendation import recommend

        return recommend
    if name == "check_plan":
        from allocator.checker import check_plan

        return check_plan
    if name == "load_instance":
        from allocator.validation import load_instance

        return load_instance
    if name in ("load_policy", "Policy"):
        from allocator import policy

        return getattr(policy, name)
    if name == "Instance":
        from allocator.instance import Instance

        return Instance
    raise AttributeError(name)
