"""The knobs of a generated bank: :class:`GeneratorConfig`, a parameter object that checks itself.

Why one frozen object: every share and size of a synthetic bank is a round figure of DOMAIN.md
(practice figures where the directive is silent), and a bank is only reproducible if the figures
travel with the seed. Ranges ``(lo, hi)`` are drawn once per bank, so two seeds give two plausible
banks rather than one bank twice; a bad range is refused when the object is made, not deep inside
a draw.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

#: a share or size drawn uniformly per bank
Range = tuple[float, float]


def _ranges(**kw: Range) -> dict[str, Range]:
    """A ``{name: (lo, hi)}`` mapping (a typed ``dict(...)`` for the default factories)."""
    return dict(kw)


@dataclass(frozen=True)
class GeneratorConfig:
    """Shares and sizes of a generated bank. Ranges ``(lo, hi)`` are drawn uniformly per bank.

    Every default is a round figure of DOMAIN.md (practice figures where the directive is silent);
    the comment on each field gives its source.

    Attributes
    ----------
    customers_per_outlet
        Customers per outlet (practice: a city outlet keeps a few thousand customers).
    outlets_per_subbranch, subbranches_per_city
        Fan-out of the tree (practice: a sub-branch runs a handful of outlets, a city a handful
        of sub-branches).
    customers_per_province
        One province per this many customers (DESIGN.md: a province has ~10^6 customers).
    min_outlets, min_cities
        Floors so that even a tiny sample bank has several outlets and two cities (branch scope
        and city-level shortages are then visible).
    outlet_size_sigma
        Spread of outlet sizes (lognormal weights): outlets are not all alike.
    retail_share
        Share of retail customers (the brief: 90-95 %).
    retail_tier_shares
        Share of retail customers per AUM tier of the policy, by tier name (practice: private
        banking 0.1-0.3 %, high-end 3-6 %, mid-end 8-15 %); the rest fall below the lowest
        threshold. A policy tier not named here gets no customer.
    potential_share
        Share of retail customers on the ``potential`` list (taken among the low-AUM ones).
    list_tier_shares
        Share of corporate customers per named list, by ``list_tier`` (the directive's lists:
        hq ~0.5 %, province ~2 %, city ~5 %).
    band_shares
        Share of corporate customers per contribution band, by band name (>= 10M: 0.5-1 %;
        3M-10M: 1.5-2 %, so >= 3M is 2-3 %).
    list_affinity
        How strongly the named lists favour big contributors (0: not at all).
    group_member_share, group_size
        Share of corporate customers in a group, and group sizes (2-6 members, one city).
    corporate_at_subbranch_share
        Share of corporate customers homed at a sub-branch rather than an outlet.
    aum_body_median, aum_body_sigma, aum_tail_alpha
        Lognormal body below the lowest AUM threshold; Pareto exponent above it (wealth is
        Pareto-tailed, exponent ~1.5).
    contribution_body_median, contribution_body_sigma, contribution_tail_alpha
        The same for corporate annual contribution below and above the lowest band.
    retail_margin
        Retail annual contribution as a fraction of AUM.
    target_utilisation
        Utilisation the bank staffs for at ``tightness`` 1 (practice: a book of 300-600 mid-end
        customers is 60-120 % of the default 500 points; 85 % leaves room to move).
    outlet_rm_at_subbranch_share
        Share of outlet-unit RMs (retail and corporate) sitting at the sub-branch, not an outlet.
    corporate_rm_min_customers
        An outlet with this many corporate customers has a corporate RM (staffing rule: >= 50).
    key_rm_cover
        Dedicated (one-to-one) RMs per key corporate customer or group at ``tightness`` 1.
    short_city_cfp_fill
        Staffing of the wealth centre of the one city short of CFP holders, relative to need.
    inactive_share
        RMs who left or are on leave (practice: a few per cent a quarter).
    explicit_capacity_share
        RMs whose row gives a capacity (part-timers, new joiners, stars); the rest use the
        policy default.
    no_rm_share
        Customers of a served tier who have no RM today (the articles' "unmanaged" customers).
    outgrew_share
        Customers whose RM still fits their previous, lower tier (re-tiering is monthly).
    downgrade_window, downgraded_keep_rm
        Pooled customers within this fraction of the lowest served tier's AUM keep their old RM
        with this probability (downgrades wait 3 months).
    key_shared_share
        Key customers without a dedicated RM who share an ordinary RM (the rest have none).
    popularity_sigma, star_share, star_weight
        Uneven books: some RMs attract more customers; stars twice as many (overloaded RMs).
    capacity_cut_share
        RMs whose capacity was cut below today's book (part-time, other duties).
    cross_role_share
        Customers whose RM is of another role or seat than the one counted for them (a VIP RM
        serving a mid customer).
    lock_share
        Customers locked to their RM (~1 %).
    lock_budget
        A locked book stays at or below this fraction of the RM's capacity.
    dead_lock_share
        Customers locked to an RM who has left (locks that cannot hold).
    """

    customers_per_outlet: Range = (1500.0, 3000.0)
    outlets_per_subbranch: tuple[int, int] = (2, 4)
    subbranches_per_city: tuple[int, int] = (3, 6)
    customers_per_province: int = 1_000_000
    min_outlets: int = 4
    min_cities: int = 2
    outlet_size_sigma: float = 0.35
    retail_share: Range = (0.90, 0.95)
    retail_tier_shares: Mapping[str, Range] = field(
        default_factory=lambda: _ranges(private=(0.001, 0.003), high=(0.03, 0.06), mid=(0.08, 0.15))
    )
    potential_share: Range = (0.02, 0.05)
    list_tier_shares: Mapping[str, Range] = field(
        default_factory=lambda: _ranges(
            hq=(0.004, 0.006), province=(0.015, 0.025), city=(0.04, 0.06)
        )
    )
    band_shares: Mapping[str, Range] = field(
        default_factory=lambda: _ranges(key10m=(0.005, 0.01), key3m=(0.015, 0.02))
    )
    list_affinity: float = 0.8
    group_member_share: float = 0.10
    group_size: tuple[int, int] = (2, 6)
    corporate_at_subbranch_share: float = 0.2
    aum_body_median: float = 20_000.0
    aum_body_sigma: float = 1.6
    aum_tail_alpha: float = 1.5
    contribution_body_median: float = 80_000.0
    contribution_body_sigma: float = 1.5
    contribution_tail_alpha: float = 1.3
    retail_margin: Range = (0.002, 0.012)
    target_utilisation: float = 0.85
    outlet_rm_at_subbranch_share: float = 0.25
    corporate_rm_min_customers: int = 50
    key_rm_cover: float = 0.95
    short_city_cfp_fill: float = 0.5
    inactive_share: Range = (0.03, 0.05)
    explicit_capacity_share: float = 0.10
    no_rm_share: float = 0.04
    outgrew_share: float = 0.08
    downgrade_window: float = 0.6
    downgraded_keep_rm: float = 0.3
    key_shared_share: float = 0.5
    popularity_sigma: float = 0.25
    star_share: float = 0.03
    star_weight: float = 2.0
    cross_role_share: float = 0.05
    capacity_cut_share: float = 0.02
    lock_share: float = 0.01
    lock_budget: float = 0.5
    dead_lock_share: float = 0.0002

    def __post_init__(self) -> None:
        problems: list[str] = []
        ranges: dict[str, Range] = {
            "customers_per_outlet": self.customers_per_outlet,
            "retail_share": self.retail_share,
            "potential_share": self.potential_share,
            "inactive_share": self.inactive_share,
            "retail_margin": self.retail_margin,
            **{f"retail_tier_shares.{k}": v for k, v in self.retail_tier_shares.items()},
            **{f"list_tier_shares.{k}": v for k, v in self.list_tier_shares.items()},
            **{f"band_shares.{k}": v for k, v in self.band_shares.items()},
        }
        for name, (lo, hi) in ranges.items():
            if not 0 <= lo <= hi:
                problems.append(f"{name}: need 0 <= lo <= hi, got ({lo}, {hi})")
        for name in ("outlets_per_subbranch", "subbranches_per_city", "group_size"):
            lo_i, hi_i = getattr(self, name)
            if not 1 <= lo_i <= hi_i:
                problems.append(f"{name}: need 1 <= lo <= hi, got ({lo_i}, {hi_i})")
        if self.group_size[0] < 2:
            problems.append("group_size: a group has at least 2 members")
        for name in ("customers_per_province", "min_outlets", "min_cities"):
            if getattr(self, name) < 1:
                problems.append(f"{name} must be >= 1")
        if not 0 < self.target_utilisation <= 1:
            problems.append("target_utilisation must be in (0, 1]")
        if not 0 < self.lock_budget <= 1:
            problems.append("lock_budget must be in (0, 1]")
        if problems:
            raise ValueError("invalid GeneratorConfig: " + "; ".join(problems))
