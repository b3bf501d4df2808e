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

import importlib
from typing import Any

#: each public name and the module it lives in, imported on first use: ``import
#: allocator.checker`` must not pull in solver code through this package
_HOMES = {
    "Instance": "allocator.instance",
    "Plan": "allocator.plan",
    "Policy": "allocator.policy",
    "SolveParams": "allocator.params",
    "allocate": "allocator.allocation",
    "check_plan": "allocator.checker",
    "load_instance": "allocator.validation",
    "load_policy": "allocator.policy",
    "recommend": "allocator.recommendation",
    "solve": "allocator.pipeline",
}

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
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(name)
    return getattr(importlib.import_module(home), name)
