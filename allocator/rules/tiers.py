"""Customer tiers: which tier and band each customer is in, and what that costs and is worth.

Tiers and bands come from the policy: the tiers of the customer's line are tried in order and the
first whose conditions hold wins; then the first band of that line whose ``contribution_min`` the
customer meets is put on top. Then the hysteresis (contract v1.1): a customer whose value fell
below its previous tier keeps it for the policy's wait. Vectorised: one pass of boolean masks per
tier, none per customer.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from allocator.contract import LINES
from allocator.policy import Policy, Requirements

TIER_COLUMNS = ("tier", "base_tier", "band", "workload", "priority", "pooled", "held", "value_tier")
Objs = npt.NDArray[np.object_]


def assign_tiers(customers: pd.DataFrame, policy: Policy) -> pd.DataFrame:
    """Tier, band, workload and priority of every customer.

    Parameters
    ----------
    customers
        Normalised customers (``segment``, ``aum``, ``annual_contribution``, ``list_tier``;
        ``previous_tier`` and ``months_below`` when given, for the hysteresis).
    policy
        The effective policy.

    Returns
    -------
    pandas.DataFrame
        Same index as ``customers``; columns ``tier`` (the label a plan shows: the band when one
        applies, else the base tier), ``base_tier``, ``band`` ("" when none), ``workload`` (points;
        the band's when it sets one), ``priority`` (the band's when one applies), ``pooled``,
        ``held`` (the tier the hysteresis keeps, "" when it keeps none) and ``value_tier`` (the
        label by today's value alone). A customer whose line has no matching tier gets tier ""
        (the policy validator ensures each line has a catch-all tier, so this only happens with
        unknown segments).
    """
    n = len(customers)
    # string columns as masks per distinct value, made once: comparing a million Python strings
    # once per tier and band is what made this slow
    segment = _Masks(customers["segment"])
    aum = customers["aum"].to_numpy(dtype=float)
    contribution = customers["annual_contribution"].to_numpy(dtype=float)
    list_tier = _Masks(customers["list_tier"])

    base = np.full(n, "", dtype=object)
    undecided = np.ones(n, dtype=bool)
    for name, tier in policy.tiers.items():
        hit = undecided & segment.eq(tier.line)
        if tier.aum_min is not None:
            hit &= aum >= tier.aum_min
        if tier.list_tier is not None:
            hit &= list_tier.eq(tier.list_tier)
        base[hit] = name
        undecided &= ~hit

    band = np.full(n, "", dtype=object)
    pooled_names = [k for k, t in policy.tiers.items() if t.pooled]
    open_ = ~np.isin(base, pooled_names) & (base != "")
    for line in LINES:
        for name, b in policy.bands_of(line).items():
            hit = open_ & segment.eq(line) & (contribution >= b.contribution_min)
            band[hit] = name
            open_ &= ~hit

    value_tier = np.where(band != "", band, base)
    held = hysteresis(customers, value_tier, policy)
    for name in np.unique(held[held != ""]):
        sel = held == name
        if name in policy.bands:
            band[sel] = name
        else:
            base[sel] = name

    workload = np.zeros(n, dtype=float)
    priority = np.zeros(n, dtype=np.int64)
    pooled = np.zeros(n, dtype=bool)
    for name, tier in policy.tiers.items():
        hit = base == name
        workload[hit] = tier.workload
        priority[hit] = tier.priority
        pooled[hit] = tier.pooled
    for name, b in policy.bands.items():
        hit = band == name
        priority[hit] = b.priority
        if b.workload is not None:
            workload[hit] = b.workload

    label = np.where(band != "", band, base)
    return pd.DataFrame(
        {
            "tier": label,
            "base_tier": base,
            "band": band,
            "workload": workload,
            "priority": priority,
            "pooled": pooled,
            "held": held,
            "value_tier": value_tier,
        },
        index=customers.index,
    )


def held_tiers(policy: Policy) -> dict[str, str]:
    """The tiers and bands the hysteresis can hold, with their line: those a customer is in by
    *value* (an ``aum_min`` tier, a contribution band). A named list (``hq``, ``potential``)
    is a decision, not a value, so leaving it takes effect at once."""
    out: dict[str, str] = {
        k: t.line for k, t in policy.tiers.items() if t.aum_min is not None and not t.pooled
    }
    out.update({k: b.line for k, b in policy.bands.items()})
    return out


def hysteresis(
    customers: pd.DataFrame, value_tier: npt.NDArray[np.object_], policy: Policy
) -> Objs:
    """The tier each customer keeps although its value fell below it ("" for none).

    A customer keeps ``previous_tier`` when that tier is held by value (:func:`held_tiers`), of
    the customer's line, worth more than the tier its value gives today (a higher priority),
    and the customer has been below its line for fewer months (``months_below``) than the
    policy's wait for it. Upgrades are immediate: a higher tier by value always wins.
    """
    n = len(customers)
    out = np.full(n, "", dtype=object)
    hy = policy.hysteresis
    if not hy.enabled or "previous_tier" not in customers.columns:
        return out
    previous = customers["previous_tier"].to_numpy(dtype=object)
    if not (previous != "").any():
        return out
    months = customers["months_below"].to_numpy(dtype=np.int64)
    segment = customers["segment"].to_numpy(dtype=object)
    worth = {k: t.priority for k, t in policy.tiers.items()}
    worth.update({k: b.priority for k, b in policy.bands.items()})
    today = np.array([worth.get(v, 0) for v in value_tier], dtype=np.int64)
    for name, line in held_tiers(policy).items():
        sel = (previous == name) & (segment == line) & (today < worth[name])
        out[sel & (months < hy.wait(name))] = name
    return out


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
