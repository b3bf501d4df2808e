"""Staffing: how many RMs of each role sit where, and who they are.

Why counted from service capacity: a bank staffs a centre for the workload of the customers it
serves, at a target utilisation, with floors (every outlet has a retail RM) and a few real
shortages (one city short of CFP holders, some key customers without a dedicated RM). Counting
the same way makes a generated bank tight where real ones are, and ``tightness`` scales it.
Each unit's RM is *placed* first (role and seat), then slots are counted per (role, seat, grade
needed) and filled with RMs whose grade and certifications follow their role's mix.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from allocator.contract import LINES, parse_certifications
from allocator.policy import Policy
from allocator.synth.branches import Tree
from allocator.synth.config import GeneratorConfig
from allocator.synth.draws import (
    draw_in,
    exact_count,
    exact_labels,
    pick_by_probability,
    rescale_counts,
    stochastic_round,
)
from allocator.synth.frames import id_strings
from allocator.synth.needs import CORPORATE, PolicyView
from allocator.synth.roles import (
    CAPACITY_FACTORS,
    CERT_MIX,
    CORP_CITY,
    CORP_OUTLET,
    CORP_PROVINCE,
    DEDICATED,
    DEDICATED_GRADE_STEP,
    GRADE_MIX,
    RETAIL_OUTLET,
    ROLE_LINE,
    ROLE_NAMES,
    ROLE_UNIT,
    VIP,
    WEALTH,
    role_of,
)
from allocator.synth.units import Units

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]
Objects = npt.NDArray[np.object_]


@dataclass(frozen=True)
class Placement:
    """Where each unit's RM was counted: the role and the branch it sits at (its *seat*)."""

    role: Ints
    seat: Ints


@dataclass(frozen=True)
class Staff:
    """The generated RMs: the contract frame (generation order) and private bookkeeping."""

    frame: pd.DataFrame
    role: Ints
    seat: Ints  # branch index
    dedicated_to: Ints  # unit served one-to-one; -1 for shared (and spare dedicated) RMs


def staff_bank(
    units: Units,
    place: Placement,
    tree: Tree,
    view: PolicyView,
    cfg: GeneratorConfig,
    rng: np.random.Generator,
    *,
    tightness: float,
    n_rms: int | None,
    deposits: Floats | None = None,
) -> Staff:
    """RMs counted from service capacity, role by role and seat by seat.

    ``deposits`` (per branch: its corporate customers' deposits, contract v1.1) adds the
    staffing rule's other trigger: an outlet whose deposits reach ``corporate_rm_min_deposits``
    has a corporate RM.
    """
    slots = _slots(units, place, tree, view, cfg, rng, tightness, deposits)
    desired = slots["desired"].to_numpy()
    count = np.maximum(slots["min"].to_numpy(), stochastic_round(desired, rng))
    if n_rms is not None:
        count = rescale_counts(count, n_rms, rng)
    return _hire(slots.assign(count=count), units, place, tree, view, cfg, rng)


def place_units(
    units: Units, tree: Tree, view: PolicyView, cfg: GeneratorConfig, rng: np.random.Generator
) -> Placement:
    """Role and seat of each unit's RM (see :func:`role_of`), with two spreads: an outlet-role
    unit's RM sits at the sub-branch with probability ``outlet_rm_at_subbranch_share``; a
    dedicated RM below city level sits at the customer's sub-branch or in the city's marketing
    department, half and half."""
    pol = view.policy
    sub_r, city_r = pol.level_rank("subbranch"), pol.level_rank("city")
    role, seat = role_of(units.needs, units.scope, tree, view)
    level = tree.level[np.maximum(seat, 0)]
    u = rng.random(units.n)
    outlet_role = np.isin(role, [RETAIL_OUTLET, CORP_OUTLET]) & (level < sub_r)
    seat = np.where(
        outlet_role & (u < cfg.outlet_rm_at_subbranch_share), tree.ancestor_at(seat, sub_r), seat
    )
    low = (role == DEDICATED) & (level < city_r)
    seat = np.where(low & (u < 0.5), tree.ancestor_at(seat, city_r), seat)
    seat = np.where(low & (u >= 0.5), tree.ancestor_at(seat, sub_r), seat)
    return Placement(role=role, seat=np.where(seat < 0, units.scope, seat))


def _slots(
    units: Units,
    place: Placement,
    tree: Tree,
    view: PolicyView,
    cfg: GeneratorConfig,
    rng: np.random.Generator,
    tightness: float,
    deposits: Floats | None,
) -> pd.DataFrame:
    """Staffing slots (role, seat, grade needed) with the RMs desired and a floor.

    Desired = workload / (default capacity x target utilisation x tightness); for dedicated RMs
    key units x ``key_rm_cover`` / tightness, per grade needed.
    """
    served = ~units.needs.pooled
    cap = np.array([view.policy.default_capacity[line] for line in LINES])  # type: ignore[index]
    fill = cfg.target_utilisation * tightness
    ded = place.role == DEDICATED
    demand = np.where(
        ded, cfg.key_rm_cover / tightness, units.needs.workload / (cap[units.needs.line] * fill)
    )
    outlets = tree.of_level(view.policy.level_rank("outlet"))
    frame = pd.DataFrame(
        {
            # every outlet gets a retail slot (its floor is one RM), served demand or not
            "role": np.r_[place.role[served], np.full(outlets.size, RETAIL_OUTLET)],
            "branch": np.r_[place.seat[served], outlets],
            "grade": np.r_[np.where(ded, units.needs.grade, -1)[served], np.full(outlets.size, -1)],
            "desired": np.r_[demand[served], np.zeros(outlets.size)],
        }
    )
    slots = frame.groupby(["role", "branch", "grade"], as_index=False, sort=True).agg(
        desired=("desired", "sum")
    )
    return _apply_floors(slots, units, place, tree, view, cfg, rng, deposits)


def _apply_floors(
    slots: pd.DataFrame,
    units: Units,
    place: Placement,
    tree: Tree,
    view: PolicyView,
    cfg: GeneratorConfig,
    rng: np.random.Generator,
    deposits: Floats | None,
) -> pd.DataFrame:
    """Staffing floors (every outlet a retail RM; an outlet with ``corporate_rm_min_customers``
    corporate customers, or corporate ``deposits`` of ``corporate_rm_min_deposits``, a corporate
    RM, as has a sub-branch with customers of its own; every
    centre or department with work one RM) and the one city short of CFP holders: its wealth
    centre staffed at ``short_city_cfp_fill`` of need, no floor, no CFP in its VIP centre."""
    sub_r = view.policy.level_rank("subbranch")
    r = slots["role"].to_numpy()
    b = slots["branch"].to_numpy()
    level = tree.level[b]
    floor_ = np.isin(r, [VIP, WEALTH, CORP_CITY, CORP_PROVINCE]).astype(np.int64)
    floor_[(r == RETAIL_OUTLET) & (level < sub_r)] = 1
    corp = (units.needs.line == CORPORATE) & ~units.needs.pooled & (place.role == CORP_OUTLET)
    per_branch = np.bincount(units.scope[corp], weights=units.size[corp], minlength=tree.level.size)
    many = per_branch[b] >= cfg.corporate_rm_min_customers
    if deposits is not None:
        many |= deposits[b] >= cfg.corporate_rm_min_deposits
    floor_[(r == CORP_OUTLET) & (level < sub_r) & many] = 1
    floor_[(r == CORP_OUTLET) & (level >= sub_r) & (per_branch[b] > 0)] = 1
    desired = slots["desired"].to_numpy().copy()
    cities = np.unique(b[r == WEALTH])
    short = int(rng.choice(cities)) if cities.size else -1
    in_short = (r == WEALTH) & (b == short)
    desired[in_short] *= cfg.short_city_cfp_fill
    floor_[in_short] = 0
    return slots.assign(desired=desired, min=floor_, short=(b == short) & np.isin(r, [VIP, WEALTH]))


def _hire(
    slots: pd.DataFrame,
    units: Units,
    place: Placement,
    tree: Tree,
    view: PolicyView,
    cfg: GeneratorConfig,
    rng: np.random.Generator,
) -> Staff:
    """RM rows for the slot counts: line, unit, grade, certifications, capacity, active."""
    pol = view.policy
    count = slots["count"].to_numpy()
    role = np.repeat(slots["role"].to_numpy(), count).astype(np.int64)
    branch = np.repeat(slots["branch"].to_numpy(), count).astype(np.int64)
    need_grade = np.repeat(slots["grade"].to_numpy(), count).astype(np.int64)
    short = np.repeat(slots["short"].to_numpy(), count).astype(bool)
    n = role.size
    grade, certs = _grades_and_certs(role, need_grade, short, pol, rng)
    unit_name = ROLE_UNIT[role].copy()
    unit_name[(role == DEDICATED) & (tree.level[branch] < pol.level_rank("city"))] = "outlet"
    line = ROLE_LINE[role]
    default = np.array([pol.default_capacity[x] for x in LINES])[line]  # type: ignore[index]
    capacity = np.full(n, np.nan)
    explicit = rng.random(n) < cfg.explicit_capacity_share
    factor = rng.choice(list(CAPACITY_FACTORS), size=n, p=list(CAPACITY_FACTORS.values()))
    capacity[explicit] = np.round(default[explicit] * factor[explicit])
    n_off = exact_count(n, draw_in(rng, cfg.inactive_share), cfg.inactive_share)
    inactive = exact_labels(n, [n_off], rng) == 0
    dedicated_to = _dedicate(role, branch, need_grade, units, place, rng)
    width = max(5, len(str(max(n - 1, 0))))
    frame = pd.DataFrame(
        {
            "rm_id": id_strings("M", rng.permutation(n).astype(np.int64), width),
            "line": np.asarray(LINES, dtype=object)[line],
            "grade": grade,
            "branch_id": tree.ids[branch],
            "certifications": certs,
            "unit": unit_name,
            "capacity": capacity,
            "active": ~inactive,
        }
    )
    return Staff(frame=frame, role=role, seat=branch, dedicated_to=dedicated_to)


def _grades_and_certs(
    role: Ints, need_grade: Ints, short: Bools, policy: Policy, rng: np.random.Generator
) -> tuple[Objects, Objects]:
    """Grade and certifications of each RM from its role's mix (loops over roles, not RMs).

    A dedicated RM's grade is the one its key customer needs, sometimes a step above or short.
    RMs of the city short of CFP holders hold no CFP.
    """
    n = role.size
    grade = np.full(n, "", dtype=object)
    certs = np.full(n, "", dtype=object)
    for k, name in enumerate(ROLE_NAMES):
        sel = np.flatnonzero(role == k)
        if sel.size == 0:
            continue
        if name in GRADE_MIX:
            grade[sel] = pick_by_probability(GRADE_MIX[name], sel.size, rng, policy.grades)
        no_cfp = [c for c in CERT_MIX[name] if "CFP" not in parse_certifications(c)]
        plain, cut = sel[~short[sel]], sel[short[sel]]
        certs[plain] = pick_by_probability(CERT_MIX[name], plain.size, rng)
        certs[cut] = pick_by_probability(CERT_MIX[name], cut.size, rng, no_cfp)
    ded = np.flatnonzero(role == DEDICATED)
    steps = np.array(list(DEDICATED_GRADE_STEP), dtype=np.int64)
    p = np.array(list(DEDICATED_GRADE_STEP.values()))
    rank = np.maximum(need_grade[ded], 0) + rng.choice(steps, size=ded.size, p=p / p.sum())
    rank = np.clip(rank, 0, len(policy.grades) - 1)
    grade[ded] = np.asarray(policy.grades, dtype=object)[rank]
    return grade, certs


def _dedicate(
    role: Ints,
    branch: Ints,
    need_grade: Ints,
    units: Units,
    place: Placement,
    rng: np.random.Generator,
) -> Ints:
    """Match dedicated RMs to the key units their slot was counted for, at random (a short slot
    leaves some units without; a long one leaves spare RMs). Vectorised by rank within slot."""
    out = np.full(role.size, -1, dtype=np.int64)
    key = np.flatnonzero((place.role == DEDICATED) & ~units.needs.pooled)
    ded = np.flatnonzero(role == DEDICATED)
    if key.size == 0 or ded.size == 0:
        return out
    todo = pd.DataFrame(
        {
            "branch": place.seat[key],
            "grade": units.needs.grade[key],
            "unit": key,
            "tie": rng.random(key.size),
        }
    ).sort_values(["branch", "grade", "tie"])
    todo["rank"] = todo.groupby(["branch", "grade"]).cumcount()
    rms = pd.DataFrame({"branch": branch[ded], "grade": need_grade[ded], "rm": ded})
    rms["rank"] = rms.groupby(["branch", "grade"]).cumcount()
    pairs = rms.merge(todo, on=["branch", "grade", "rank"], how="inner")
    out[pairs["rm"].to_numpy()] = pairs["unit"].to_numpy()
    return out
