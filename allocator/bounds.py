"""The largest numbers the allocator accepts, and why they keep its integer arithmetic exact.

Every number a user hands in -- a policy's workloads, priorities, capacities and thresholds, a
file's capacities and amounts -- is checked against these limits where it is read (the policy by
:mod:`allocator.policy`, the files by :mod:`allocator.validation`), and refused with a message
naming where it came from. Without them a workload of ``1e19`` points overflowed int64 in
compile, and the plan broke capacity while every number in it looked fine.

Why these values keep compile's integer arithmetic from overflowing (int64 holds up to
``2**63 - 1 ~ 9.22e18``):

- a workload is at most :data:`MAX_WORKLOAD` = 10^6 points and compile scales workloads by at
  most 10^4 (:func:`allocator.compile.weight_scale`, four decimals), so one scaled weight is at
  most 10^10;
- a capacity is at most :data:`MAX_CAPACITY` = 10^9 points, scaled to at most 10^13;
- a priority (the value of covering one customer) is at most :data:`MAX_PRIORITY` = 10^9;
- compile then refuses a bank whose *totals* -- the scaled workload of the customers who could
  get an RM, the scaled capacity of the RMs, the summed priority -- exceed :data:`MAX_TOTAL` =
  2^53 (:func:`totals_problem`). Every load, objective value or capacity sum a backend or the
  checker forms is a sum over a subset of one of these, so it is at most 2^53: exact in float64
  (HiGHS, ``np.bincount`` with weights and the checker compute in float64), and the largest
  product formed from one, a load times CP-SAT's utilisation scale 10^3, is at most
  2^53 x 10^3 ~ 9.01e18 < 2^63. Per item the limits keep the totals themselves from overflowing
  before they are compared (they are summed in float64).

Amounts (``aum``, ``annual_contribution``, ``deposits``, tier thresholds) are only compared,
never summed in integers; :data:`MAX_AMOUNT` = 10^15 RMB (a thousand times the largest bank's
balance sheet) only keeps them finite and plausible.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

#: the largest workload of a tier or band, in points (policy v1: 1 to 8)
MAX_WORKLOAD = 1_000_000.0
#: the largest capacity of an RM, in workload points (file or policy default; v1: 60 and 500)
MAX_CAPACITY = 1_000_000_000.0
#: the largest priority of a tier or band (policy v1: at most 1000)
MAX_PRIORITY = 1_000_000_000
#: the largest amount in RMB: aum, annual contribution, deposits, tier thresholds
MAX_AMOUNT = 1e15
#: the largest total of scaled workloads, scaled capacities or priorities of one bank
MAX_TOTAL = 2**53


def totals_problem(weights: npt.ArrayLike, capacity: npt.ArrayLike, values: npt.ArrayLike) -> str:
    """Why a bank's totals are too large for exact arithmetic, or ``""`` when they are not.

    Parameters
    ----------
    weights
        The scaled workload of every customer who could get an RM.
    capacity
        The scaled capacity of every RM.
    values
        The priority of every customer who could get an RM.
    """
    checks = (
        ("workload of the customers", weights, "lower the policy's workloads"),
        ("capacity of the RMs", capacity, "lower the capacities"),
        ("priority of the customers", values, "lower the policy's priorities"),
    )
    for what, numbers, fix in checks:
        total = float(np.sum(np.asarray(numbers, dtype=np.float64)))
        if total > MAX_TOTAL:
            return (
                f"the summed {what} is {total:.4g} (as compiled), more than {MAX_TOTAL:.4g}, "
                f"the most the allocator computes exactly: {fix}, or give workloads with "
                "fewer decimals"
            )
    return ""
