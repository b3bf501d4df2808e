"""Customer tiers: which tier and band each customer is in, and what that costs and is worth.

Tiers and bands come from the policy: the tiers of the customer's line are tried in order and the
first whose conditions hold wins; then the first band of that line whose ``contribution_min`` the
customer meets is put on top. Vectorised: one pass of boolean masks per tier, none per customer.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from allocator.contract import LINES
from allocator.policy import Policy, Requirements

TIER_COLUMNS = ("tier", "base_tier", "band", "workload", "priority", "pooled")


def assign_tiers(customers: pd.DataFrame, policy: Policy) -> pd.DataFrame:
    """Tier, band, workload and priority of every customer.

    Parameters
    ----------
    customers
        Normalised customers (``segment``, ``aum``, ``annual_contribution``, ``list_tier``).
    policy
        The effective policy.

    Returns
    -------
    pandas.DataFrame
        Same index as ``customers``; columns ``tier`` (the label a plan shows: the band when one
        applies, else the base tier), ``base_tier``, ``band`` ("" when none), ``workload`` (points;
        the band's when it sets one), ``priority`` (the band's when one applies) and ``pooled``.
        A customer whose line has no matching tier gets tier "" (the policy validator ensures
        each line has a catch-all tier, so this only happens with unknown segments).
    """
    n = len(customers)
    # string columns as masks per distinct value, made once: comparing a million Python strings
    # once per tier and band is what made this slow
    segment = _Masks(customers["segment"])
    aum = customers["aum"].to_numpy(dtype=float)
    contribution = customers["annual_contribution"].to_numpy(dtype=float)
    list_tier = _Masks(customers["list_tier"])

    base = np.full(n, "", dtype=object)
    workload = np.zeros(n, dtype=float)
    priority = np.zeros(n, dtype=np.int64)
    pooled = np.zeros(n, dtype=bool)
    undecided = np.ones(n, dtype=bool)
    for name, tier in policy.tiers.items():
        hit = undecided & segment.eq(tier.line)
        if tier.aum_min is not None:
            hit &= aum >= tier.aum_min
        if tier.list_tier is not None:
            hit &= list_tier.eq(tier.list_tier)
        base[hit] = name
        workload[hit] = tier.workload
        priority[hit] = tier.priority
        pooled[hit] = tier.pooled
        undecided &= ~hit

    band = np.full(n, "", dtype=object)
    open_ = ~pooled & (base != "")
    for line in LINES:
        for name, b in policy.bands_of(line).items():
            hit = open_ & segment.eq(line) & (contribution >= b.contribution_min)
            band[hit] = name
            priority[hit] = b.priority
            if b.workload is not None:
                workload[hit] = b.workload
            open_ &= ~hit

    label = np.where(band != "", band, base)
    return pd.DataFrame(
        {
            "tier": label,
            "base_tier": base,
            "band": band,
            "workload": workload,
            "priority": priority,
            "pooled": pooled,
        },
        index=customers.index,
    )


class _Masks:
    """Equality masks of a string column, computed from its factorised codes (and cached)."""

    def __init__(self, column: pd.Series):
        self._codes, uniques = pd.factorize(column)
        self._code = {v: i for i, v in enumerate(uniques)}
        self._cache: dict[object, npt.NDArray[np.bool_]] = {}

    def eq(self, value: object) -> npt.NDArray[np.bool_]:
        """``column == value`` as a boolean array."""
        if value not in self._cache:
            code = self._code.get(value, -2)
            self._cache[value] = self._codes == code
        return self._cache[value]


def combined_requirements(policy: Policy, base_tier: str, band: str) -> Requirements:
    """The requirements a customer of ``base_tier`` (and ``band``, if any) puts on its RM.

    Both apply: units intersect, certifications add up, the higher minimum grade and branch level
    win, and one-to-one holds if either asks for it.
    """
    tier = policy.tiers[base_tier]
    if not band:
        return Requirements(
            units=tier.units,
            certifications=list(tier.certifications),
            min_grade=tier.min_grade,
            min_branch_level=tier.min_branch_level,
            one_to_one=tier.one_to_one,
        )
    b = policy.bands[band]
    if tier.units is None:
        units = b.units
    elif b.units is None:
        units = tier.units
    else:
        units = [u for u in tier.units if u in b.units]
    certs = list(dict.fromkeys([*tier.certifications, *b.certifications]))

    def _higher(x: str | None, y: str | None, order: list[str]) -> str | None:
        if x is None or y is None:
            return x if y is None else y
        return x if order.index(x) >= order.index(y) else y

    return Requirements(
        units=units,
        certifications=certs,
        min_grade=_higher(tier.min_grade, b.min_grade, policy.grades),
        min_branch_level=_higher(tier.min_branch_level, b.min_branch_level, policy.branch_levels),
        one_to_one=tier.one_to_one or b.one_to_one,
    )
