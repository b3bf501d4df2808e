"""The knobs of a generated bank: :class:`GeneratorConfig`, a parameter object that checks itself.

Why one frozen object: every share and size of a synthetic bank is a round figure of DOMAIN.md
(practice figures where the directive is silent), and a bank is only reproducible if the figures
travel with the seed. Ranges ``(lo, hi)`` are drawn once per bank, so two seeds give two plausible
banks rather than one bank twice; a bad range is refused when the object is made, not deep inside
a draw.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

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
        customers is 60-120 % of the default 500 points; 85 % leaves room to move). Above 1
        the bank is staffed below its demand (a harsh bank; staffing floors aside).
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

    The contract v1.1 knobs below are all off by default (a bank then has only the v1.1 columns'
    "absent" values, byte for byte the bank of a v1 generator); :meth:`v11` and :meth:`harsh`
    switch them on.

    executives
        A deputy head (``deputy_heads_per_subbranch``) and a head per sub-branch, a city head per
        city (DOMAIN.md: they co-cover retail customers from 1M / 2M / 5M of assets).
    executive_vacancy_share
        Executive posts left vacant (a sub-branch without a deputy head: its customers' co-cover
        roles stay empty, with a reason).
    co_cover_capacity, co_cover_capacity_given_share
        Customers an executive co-covers at most, drawn per executive (practice: tens, not
        hundreds; a busy sub-branch has more rich customers than that, so the richest come
        first); the rest leave the cell empty (the policy's default).
    assistant_post_every, assistant_post_seat_share
        The N+1 RM assistant (DOMAIN.md): one ``assistant_post`` per N RMs of a seat (branch and
        unit) where paperwork is heavy (this share of the seats with RMs); 0: none. They serve
        nobody.
    composite_subbranch_share, composite_rm_share
        Sub-branches that are first-level or county sub-branches (at a level of the policy's
        ``coverage.composite_levels``), and the share of the outlet RMs sitting there who are
        composite RMs (``line: both``: DOMAIN.md, 公私业务一起做). They keep their capacity.
    designated_vip_share
        VIP centres holding a CFP RM that are designated to serve private customers
        (``designated_private``; DOMAIN.md: the wealth centre *or a designated VIP centre*).
    previous_tier_share
        Customers with last quarter's tier on record (``previous_tier``); new customers have
        none. Customers whose RM still fits a lower tier (``outgrew_share``) were in it.
    downgrade_share, months_below
        Per tier or band held by value, the share of its customers who fell below its line
        last quarter (their value now within ``downgrade_window`` below it), with
        ``months_below`` drawn in this range (practice: downgrades wait 3 months, 6 for
        private, so some are held and some not). They were staffed and booked as their held
        tier.
    deposit_multiple, deposit_sigma, no_deposit_share
        Corporate ``deposits``: annual contribution times a lognormal multiple (median, sigma);
        some firms keep no deposits here. 0: no deposits column.
    corporate_rm_min_deposits
        An outlet whose corporate deposits reach this has a corporate RM (the staffing rule:
        >= 10,000,000).
    forbid_share
        Customers who complained about today's RM (``forbid_rm_ids`` names it).
    leaver_share
        RMs who left and are missing from the roster while today's book still names them (HR
        exports drop leavers; DOMAIN.md: banks weed out 3-5 % of RMs a year).
    group_span_share
        Groups with members in other cities of the province (the group's RM must sit at the
        province).
    dedicated_extra_share, dedicated_extra_customers
        Dedicated RMs who also keep a few other customers today (a one-to-one rule broken in
        today's book, as real books have).
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
    # -- contract v1.1 (off by default) --
    executives: bool = False
    deputy_heads_per_subbranch: tuple[int, int] = (1, 2)
    executive_vacancy_share: float = 0.05
    co_cover_capacity: Range = (20.0, 80.0)
    co_cover_capacity_given_share: float = 0.9
    assistant_post_every: int = 0
    assistant_post_seat_share: float = 0.5
    composite_subbranch_share: float = 0.0
    composite_rm_share: Range = (0.5, 0.8)
    designated_vip_share: float = 0.0
    previous_tier_share: float = 0.0
    downgrade_share: Range = (0.0, 0.0)
    months_below: tuple[int, int] = (1, 6)
    deposit_multiple: float = 0.0
    deposit_sigma: float = 1.0
    no_deposit_share: float = 0.1
    corporate_rm_min_deposits: float = 10_000_000.0
    forbid_share: float = 0.0
    # -- harsher banks (off by default) --
    leaver_share: Range = (0.0, 0.0)
    group_span_share: float = 0.0
    dedicated_extra_share: float = 0.0
    dedicated_extra_customers: tuple[int, int] = (1, 4)

    def __post_init__(self) -> None:
        problems: list[str] = []
        ranges: dict[str, Range] = {
            "customers_per_outlet": self.customers_per_outlet,
            "retail_share": self.retail_share,
            "potential_share": self.potential_share,
            "inactive_share": self.inactive_share,
            "retail_margin": self.retail_margin,
            "co_cover_capacity": self.co_cover_capacity,
            "composite_rm_share": self.composite_rm_share,
            "downgrade_share": self.downgrade_share,
            "leaver_share": self.leaver_share,
            **{f"retail_tier_shares.{k}": v for k, v in self.retail_tier_shares.items()},
            **{f"list_tier_shares.{k}": v for k, v in self.list_tier_shares.items()},
            **{f"band_shares.{k}": v for k, v in self.band_shares.items()},
        }
        for name, (lo, hi) in ranges.items():
            if not 0 <= lo <= hi:
                problems.append(f"{name}: need 0 <= lo <= hi, got ({lo}, {hi})")
        for name in (
            "outlets_per_subbranch",
            "subbranches_per_city",
            "group_size",
            "dedicated_extra_customers",
        ):
            lo_i, hi_i = getattr(self, name)
            if not 1 <= lo_i <= hi_i:
                problems.append(f"{name}: need 1 <= lo <= hi, got ({lo_i}, {hi_i})")
        if self.group_size[0] < 2:
            problems.append("group_size: a group has at least 2 members")
        for name in ("customers_per_province", "min_outlets", "min_cities"):
            if getattr(self, name) < 1:
                problems.append(f"{name} must be >= 1")
        if not 0 < self.target_utilisation <= 1.25:
            problems.append("target_utilisation must be in (0, 1.25]")
        if not 0 < self.lock_budget <= 1:
            problems.append("lock_budget must be in (0, 1]")
        for name in _SHARES:
            if not 0 <= getattr(self, name) <= 1:
                problems.append(f"{name} must be in [0, 1]")
        for name in ("composite_rm_share", "downgrade_share", "leaver_share"):
            if getattr(self, name)[1] > 1:
                problems.append(f"{name}: a share is at most 1")
        lo_d, hi_d = self.deputy_heads_per_subbranch
        if not 0 <= lo_d <= hi_d:
            problems.append(f"deputy_heads_per_subbranch: need 0 <= lo <= hi, got ({lo_d}, {hi_d})")
        lo_m, hi_m = self.months_below
        if not 0 <= lo_m <= hi_m <= 120:
            problems.append(f"months_below: need 0 <= lo <= hi <= 120, got ({lo_m}, {hi_m})")
        if self.co_cover_capacity[0] < 1:
            problems.append("co_cover_capacity: an executive co-covers at least 1 customer")
        if self.assistant_post_every < 0:
            problems.append("assistant_post_every must be >= 0 (0: no assistant posts)")
        for name in ("deposit_multiple", "deposit_sigma", "corporate_rm_min_deposits"):
            if not getattr(self, name) >= 0:
                problems.append(f"{name} must be >= 0")
        if problems:
            raise ValueError("invalid GeneratorConfig: " + "; ".join(problems))

    # -- presets -------------------------------------------------------------------------------
    @classmethod
    def v11(cls, **changes: Any) -> GeneratorConfig:
        """A realistic contract-v1.1 bank: executives and N+1 assistant posts, composite RMs at
        county sub-branches, designated VIP centres, last quarter's tiers with downgrades the
        hysteresis must hold, corporate deposits and a few complaints (:data:`V11_KNOBS`);
        ``changes`` override any field."""
        return dataclasses.replace(cls(), **{**V11_KNOBS, **changes})

    @classmethod
    def harsh(cls, **changes: Any) -> GeneratorConfig:
        """A v1.1 bank that is hard on purpose (:data:`HARSH_KNOBS` over :data:`V11_KNOBS`):
        leavers missing from the roster, capacity below demand, many key accounts competing for
        few senior and intermediate RMs, dedicated RMs that also serve others, groups spanning
        cities. The issue asked for it: do not tune the allocator to its own generator."""
        return dataclasses.replace(cls(), **{**V11_KNOBS, **HARSH_KNOBS, **changes})


#: the share knobs checked to lie in [0, 1]
_SHARES = (
    "executive_vacancy_share",
    "co_cover_capacity_given_share",
    "assistant_post_seat_share",
    "composite_subbranch_share",
    "designated_vip_share",
    "previous_tier_share",
    "no_deposit_share",
    "forbid_share",
    "group_span_share",
    "dedicated_extra_share",
)

#: :meth:`GeneratorConfig.v11`: every contract v1.1 feature at a realistic level. Sources:
#: DOMAIN.md (executives per sub-branch and city, N+1 assistants, composite RMs of county
#: sub-branches, designated VIP centres, the 10M deposits rule, 3/6-month downgrade waits);
#: the shares are round practice figures (a third to a half of sub-branches are county ones,
#: a few per cent of a tier fall below its line in a quarter, complaints are rare).
V11_KNOBS: dict[str, Any] = {
    "executives": True,
    "assistant_post_every": 6,
    "composite_subbranch_share": 0.4,
    "designated_vip_share": 0.5,
    "previous_tier_share": 0.95,
    "downgrade_share": (0.03, 0.08),
    "deposit_multiple": 15.0,
    "forbid_share": 0.002,
}

#: :meth:`GeneratorConfig.harsh` on top of :data:`V11_KNOBS`: the issue's "leavers missing from
#: the roster (3-5 % of RMs), tight capacity, big corporate components with many key accounts,
#: dedicated RMs". Staffed for 105 % utilisation and then losing leavers, inactive RMs and cut
#: capacities, the bank's roles have less capacity than demand (staffing floors aside: every
#: outlet keeps its retail RM); key accounts are 3.5-5.5 %
#: of corporate customers (a real bank: 734 of 15,000 in one component) with dedicated RMs for
#: 60 % of them.
HARSH_KNOBS: dict[str, Any] = {
    "retail_share": (0.82, 0.88),
    "band_shares": {"key10m": (0.01, 0.02), "key3m": (0.025, 0.035)},
    "target_utilisation": 1.05,
    "key_rm_cover": 0.6,
    "short_city_cfp_fill": 0.3,
    "no_rm_share": 0.06,
    "key_shared_share": 0.7,
    "capacity_cut_share": 0.06,
    "cross_role_share": 0.1,
    "lock_share": 0.02,
    "leaver_share": (0.03, 0.05),
    "group_span_share": 0.3,
    "dedicated_extra_share": 0.15,
    "forbid_share": 0.005,
}

#: the named presets of ``rmalloc generate --preset``
PRESETS: dict[str, Callable[[], GeneratorConfig]] = {
    "default": GeneratorConfig,
    "v1.1": GeneratorConfig.v11,
    "harsh": GeneratorConfig.harsh,
}
