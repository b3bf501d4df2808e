"""Headcount planning: the least-cost hires that let the allocator reach coverage targets.

The model is a small MILP (PuLP, solved by HiGHS), not a ratio rule:

- *candidates* are hireable RM profiles (line x grade x certification x branch x unit, where the
  staffing rules file lets each unit hire), each priced from a salary table; ``h[p]`` (integer) is
  how many of profile ``p`` to hire;
- customers are aggregated into *classes* of equal eligibility (line, home branch, tier, band), as
  the allocator itself does (:mod:`allocator.rules`); who may serve a class is decided by
  the allocator's own eligibility rules, run on the existing RMs and the candidates together, so
  the planner and the allocator cannot disagree about eligibility;
- existing RMs with the same eligible classes are one *supply node*; each candidate is one;
  ``x[n, k] >= 0`` is how many customers of class ``k`` node ``n`` serves, within the node's
  capacity (workload points; net of packing loss, see ``packing_margin``); one-to-one classes
  (key corporate bands) take a whole RM each (``D[n]`` dedicated RMs, integer);
- each targeted tier ``t`` must have at least ``ceil(target_t * customers_t)`` customers served;
- the staffing rules of DOMAIN.md are always *checked* (before and after the hires) and, for the
  rules named in ``enforce``, are *constraints* of the model.

Minimise the hires' annual cost. :func:`verify_hires` then adds the hires as RMs, allocates and
checks the plan; with ``verify=True`` the planner raises a tier's demand by any shortfall the real
allocation shows (groups that must share an RM, whole customers) and solves again.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field

from allocator.errors import InputError, InputIssue
from allocator.highs import highs_threads
from allocator.instance import Instance
from allocator.io import read_table
from allocator.policy import UNITS, Policy, deep_merge, load_policy
from allocator.rules import BranchTable, RmTable, assign_tiers, build_classes, eligible_class_pairs
from scenarios.compare import load_salaries, profile_costs
from scenarios.edits import add_rms

RULE_NAMES = ("rm_share", "wealth_center", "vip_center", "corporate_outlet", "assistants")
HIRE_COLUMNS = ("line", "grade", "certifications", "branch_id", "unit", "count", "cost")

Unit = Literal["outlet", "vip_center", "wealth_center", "marketing"]


# -- staffing rules (data) ------------------------------------------------------------------------
class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CandidateBranches(_Model):
    """Where a unit may hire: branch levels, and only where the unit already has RMs."""

    levels: list[str]
    where_unit_exists: bool = False


class StaffingRules(_Model):
    """The staffing rules and hiring options (``scenarios/data/staffing.yaml`` documents each)."""

    rm_share_min: float = Field(ge=0, lt=1)
    wealth_center_min_staff: int = Field(ge=0)
    wealth_center_certifications: list[str]
    vip_center_min_staff: int = Field(ge=0)
    vip_center_min_certified: int = Field(ge=0)
    vip_center_certifications: list[str]
    corporate_outlet_min_deposits: float = Field(ge=0)
    corporate_outlet_min_customers: int = Field(ge=0)
    assistants_per: int = Field(ge=1)
    assistant_grade: str = "assistant"
    hire_grades: list[str]
    hire_certifications: list[str]
    line_units: dict[Literal["retail", "corporate"], list[Unit]]
    candidate_branches: dict[Unit, CandidateBranches]
    packing_margin: bool = True


def load_rules(
    source: str | os.PathLike[str] | Mapping[str, Any] | StaffingRules | None = None,
) -> StaffingRules:
    """The shipped staffing rules with ``source`` (a YAML file or a mapping) merged over them."""
    if isinstance(source, StaffingRules):
        return source
    text = resources.files("scenarios").joinpath("data/staffing.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    if source is not None:
        override = (
            source
            if isinstance(source, Mapping)
            else yaml.safe_load(Path(source).read_text("utf-8")) or {}
        )
        data = deep_merge(data, override)
    try:
        return StaffingRules.model_validate(data)
    except ValueError as exc:
        where = "staffing rules" if source is None or isinstance(source, Mapping) else str(source)
        raise InputError([InputIssue(where, None, None, None, str(exc))]) from exc


def load_staff(source: str | os.PathLike[str] | pd.DataFrame | None) -> pd.DataFrame | None:
    """The staff table ``branch_id, staff`` (all staff of the branch, RMs included)."""
    if source is None:
        return None
    name = "staff" if isinstance(source, pd.DataFrame) else os.fspath(source)
    frame = read_table(source, name=name)
    missing = [c for c in ("branch_id", "staff") if c not in frame.columns]
    if missing:
        raise InputError(
            [InputIssue(name, None, c, None, "required column is missing") for c in missing]
        )
    staff = pd.to_numeric(frame["staff"], errors="coerce")
    bad = np.flatnonzero(~(staff >= 0).to_numpy())
    if bad.size:
        raise InputError(
            [
                InputIssue(
                    name, int(i) + 2, "staff", str(frame["staff"].iloc[i]), "must be a number >= 0"
                )
                for i in bad
            ]
        )
    return pd.DataFrame({"branch_id": frame["branch_id"].astype(str).str.strip(), "staff": staff})


def parse_targets(text: str | Mapping[str, float], policy: Policy) -> dict[str, float]:
    """``"private=1.0,high=1,mid=0.95"`` (or a mapping) -> {tier: share}, checked against the
    policy: each tier must exist and be individually served, each share in [0, 1]."""
    if isinstance(text, str):
        pairs: dict[str, Any] = {}
        for part in filter(None, (p.strip() for p in text.split(","))):
            name, sep, value = part.partition("=")
            pairs[name.strip()] = value.strip() if sep else ""
    else:
        pairs = dict(text)
    issues: list[InputIssue] = []
    out: dict[str, float] = {}
    for name, value in pairs.items():
        try:
            share = float(value)
        except (TypeError, ValueError):
            share = math.nan
        tier = policy.tiers.get(name)
        if name not in policy.all_tier_names():
            issues.append(
                InputIssue(
                    "targets",
                    None,
                    name,
                    str(value),
                    f"unknown tier; the policy has {policy.all_tier_names()}",
                )
            )
        elif tier is not None and tier.pooled:
            issues.append(
                InputIssue(
                    "targets",
                    None,
                    name,
                    str(value),
                    "a pooled tier gets no RM, so it cannot have a target",
                )
            )
        elif not 0 <= share <= 1:
            issues.append(
                InputIssue("targets", None, name, str(value), "must be a share in [0, 1]")
            )
        else:
            out[name] = share
    if not pairs:
        issues.append(InputIssue("targets", None, None, None, "no target given"))
    if issues:
        raise InputError(issues)
    return out


# -- candidates -----------------------------------------------------------------------------------
def _levels(instance: Instance) -> dict[str, str]:
    return dict(zip(instance.branches["branch_id"], instance.branches["level"], strict=True))


def _certified(certs: str, wanted: Iterable[str], policy: Policy) -> bool:
    held = policy.expand_certifications({t for t in certs.split(";") if t})
    return bool(held & set(wanted))


def candidate_profiles(
    instance: Instance,
    policy: Policy,
    rules: StaffingRules,
    salaries: pd.DataFrame,
    enforce: Iterable[str] = (),
) -> pd.DataFrame:
    """Every hireable profile, priced: ``line, grade, certifications, branch_id, unit, cost``.

    Coverage profiles come from ``hire_grades`` x ``hire_certifications`` x ``line_units`` at the
    branches ``candidate_branches`` allows; wealth centre hires always hold a wealth centre
    certification. Rules in ``enforce`` add the profiles they may need where the coverage grid
    has none (a corporate RM at a busy outlet, an assistant at a branch with RMs, ...). Profiles
    without a salary row are dropped: a plan cannot price them.
    """
    levels = _levels(instance)
    active = instance.rms[instance.rms["active"].to_numpy(dtype=bool)]
    hosts = {u: set(active.loc[active["unit"] == u, "branch_id"]) for u in UNITS}
    rows: list[tuple[str, str, str, str, str]] = []
    for line, units in rules.line_units.items():
        for unit in units:
            where = rules.candidate_branches.get(unit)
            if where is None:
                continue
            at = [
                b for b, lv in levels.items() if not instance.branches_given or lv in where.levels
            ]
            if where.where_unit_exists and hosts[unit]:
                at = [b for b in at if b in hosts[unit]]
            for branch in at:
                for grade in rules.hire_grades:
                    for cert in rules.hire_certifications:
                        if unit == "wealth_center" and not _certified(
                            cert, rules.wealth_center_certifications, policy
                        ):
                            continue
                        rows.append((line, grade, cert, branch, unit))
    rows += _rule_profiles(instance, policy, rules, set(enforce), levels, hosts)
    frame = pd.DataFrame(
        list(dict.fromkeys(rows)), columns=["line", "grade", "certifications", "branch_id", "unit"]
    )
    frame["cost"] = profile_costs(frame, salaries, policy).to_numpy()
    return frame[frame["cost"].notna()].reset_index(drop=True)


def _rule_profiles(
    instance: Instance,
    policy: Policy,
    rules: StaffingRules,
    enforce: set[str],
    levels: dict[str, str],
    hosts: dict[str, set[str]],
) -> list[tuple[str, str, str, str, str]]:
    """Profiles the enforced staffing rules may need, at the branches they concern."""
    low = set(policy.branch_levels[:2])  # outlet, subbranch: the "outlet" unit; above: marketing

    def unit_at(b: str) -> str:
        return "outlet" if levels.get(b, policy.branch_levels[0]) in low else "marketing"

    certs = [c for c in rules.hire_certifications if c]
    rows: list[tuple[str, str, str, str, str]] = []
    grades = [g for g in policy.grades if g != rules.assistant_grade]
    if "wealth_center" in enforce:
        for b in hosts["wealth_center"]:
            rows += [
                ("retail", g, c, b, "wealth_center")
                for g in grades
                for c in rules.wealth_center_certifications
            ]
    if "vip_center" in enforce:
        for b in hosts["vip_center"]:
            rows += [("retail", g, c, b, "vip_center") for g in grades for c in ["", *certs]]
    if "corporate_outlet" in enforce:
        for b in busy_corporate_outlets(instance, policy, rules)["branch_id"]:
            rows += [("corporate", g, "", b, unit_at(b)) for g in grades]
    if "rm_share" in enforce or "assistants" in enforce:
        where = set(instance.rms["branch_id"]) | set(levels)
        for b in where:
            for line in ("retail", "corporate"):
                rows += [(line, g, "", b, unit_at(b)) for g in policy.grades]
    return rows


# -- staffing checks ------------------------------------------------------------------------------
def busy_corporate_outlets(
    instance: Instance, policy: Policy, rules: StaffingRules
) -> pd.DataFrame:
    """Outlets that must have a corporate RM: ``branch_id, deposits, corporate_customers``.

    Deposits are the customers' ``deposits`` column when there is one, else their
    ``annual_contribution`` (a proxy: the contract has no deposits column).
    """
    cust = instance.customers
    corp = cust[cust["segment"] == "corporate"]
    col = "deposits" if "deposits" in cust.columns else "annual_contribution"
    amount = pd.to_numeric(corp[col], errors="coerce").fillna(0.0)
    stats = (
        pd.DataFrame({"branch_id": corp["branch_id"], "deposits": amount})
        .groupby("branch_id", sort=True)
        .agg(deposits=("deposits", "sum"), corporate_customers=("deposits", "size"))
        .reset_index()
    )
    outlet = policy.branch_levels[0]
    lv = _levels(instance)
    stats = stats[stats["branch_id"].map(lv) == outlet]
    busy = (stats["deposits"] >= rules.corporate_outlet_min_deposits) | (
        stats["corporate_customers"] >= rules.corporate_outlet_min_customers
    )
    return stats[busy].reset_index(drop=True)


def staffing_checks(
    instance: Instance, policy: Policy, rules: StaffingRules, staff: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Each staffing rule per branch it concerns: ``rule, branch_id, required, actual, ok, note``.

    Only active RMs count. Staff of a wealth or VIP centre are its RMs (the inputs name no other
    staff); the RM share needs the staff table (without one the rule is not checked, and a row
    says so).
    """
    rms = instance.rms[instance.rms["active"].to_numpy(dtype=bool)]
    rows: list[tuple[str, str, float, float, bool | None, str]] = []
    per_branch = rms.groupby("branch_id").size()
    if staff is None:
        rows.append(
            (
                "rm_share",
                "",
                rules.rm_share_min,
                math.nan,
                None,
                "no staff table: not checked (give branch_id, staff)",
            )
        )
    else:
        for b, s in zip(staff["branch_id"], staff["staff"], strict=True):
            n = float(per_branch.get(b, 0))
            need = rules.rm_share_min * float(s)
            rows.append(
                (
                    "rm_share",
                    b,
                    need,
                    n,
                    n + 1e-9 >= need,
                    f"RMs >= {rules.rm_share_min:.0%} of {s:g} staff",
                )
            )
    for unit, min_staff, wanted, min_cert in (
        ("wealth_center", rules.wealth_center_min_staff, rules.wealth_center_certifications, None),
        (
            "vip_center",
            rules.vip_center_min_staff,
            rules.vip_center_certifications,
            rules.vip_center_min_certified,
        ),
    ):
        part = rms[rms["unit"] == unit]
        for b, grp in part.groupby("branch_id", sort=True):
            n = float(len(grp))
            cert = float(sum(_certified(c, wanted, policy) for c in grp["certifications"]))
            rows.append(
                (
                    f"{unit}.staff",
                    str(b),
                    float(min_staff),
                    n,
                    n >= min_staff,
                    f"at least {min_staff} staff",
                )
            )
            need = n if min_cert is None else float(min_cert)
            rows.append(
                (
                    f"{unit}.certified",
                    str(b),
                    need,
                    cert,
                    cert >= need,
                    ("all" if min_cert is None else f"at least {min_cert}")
                    + f" holding {'/'.join(wanted)}",
                )
            )
    busy = busy_corporate_outlets(instance, policy, rules)
    corp = rms[rms["line"] == "corporate"].groupby("branch_id").size()
    proxy = (
        "deposits" if "deposits" in instance.customers.columns else "annual_contribution (proxy)"
    )
    for b, dep, n_c in zip(
        busy["branch_id"], busy["deposits"], busy["corporate_customers"], strict=True
    ):
        have = float(corp.get(b, 0))
        rows.append(
            (
                "corporate_outlet",
                b,
                1.0,
                have,
                have >= 1,
                f"{n_c} corporate customers, {proxy} {dep:,.0f}",
            )
        )
    n_per = rules.assistants_per
    for b, grp in rms.groupby("branch_id", sort=True):
        assistants = float((grp["grade"] == rules.assistant_grade).sum())
        others = float(len(grp)) - assistants
        need = float(others // n_per)
        rows.append(
            (
                "assistants",
                str(b),
                need,
                assistants,
                assistants >= need,
                f"one assistant per {n_per} RMs ({others:g} RMs)",
            )
        )
    return pd.DataFrame(rows, columns=["rule", "branch_id", "required", "actual", "ok", "note"])


def required_rms(
    instance: Instance,
    policy: Policy,
    targets: Mapping[str, float] | None = None,
    service_capacity: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Each outlet's required RM count from service capacity (the articles' remedy).

    Per home branch and line: customers of the individually served tiers (times the tier's target
    when targets are given), and the RMs they need: ``ceil(sum(customers_t / per_rm_t))`` where
    ``per_rm_t`` is the service capacity table's ``customers_per_rm`` for the tier, else the
    line's default capacity divided by the tier's workload (policy). ``current_rms`` are the
    active RMs of the line sitting at the branch (RMs of ancestors serve it too: see the
    headcount plan for the network view).
    """
    tiers = assign_tiers(instance.customers, policy)
    served = ~tiers["pooled"].to_numpy(dtype=bool) & (tiers["tier"] != "").to_numpy()
    frame = pd.DataFrame(
        {
            "branch_id": instance.customers["branch_id"].to_numpy()[served],
            "line": instance.customers["segment"].to_numpy()[served],
            "tier": tiers["tier"].to_numpy()[served],
            "workload": tiers["workload"].to_numpy(dtype=float)[served],
        }
    )
    counts = (
        frame.groupby(["branch_id", "line", "tier"])
        .agg(customers=("workload", "size"), workload=("workload", "first"))
        .reset_index()
    )
    share = counts["tier"].map(lambda t: (targets or {}).get(t, 1.0 if not targets else 0.0))
    counts["targeted"] = np.ceil(counts["customers"] * share - 1e-9)
    per_rm = counts["line"].map(lambda ln: policy.default_capacity[ln]) / counts["workload"].where(
        counts["workload"] > 0
    )
    if service_capacity is not None:
        table = dict(
            zip(
                service_capacity["tier"],
                pd.to_numeric(service_capacity["customers_per_rm"]),
                strict=True,
            )
        )
        per_rm = counts["tier"].map(table).fillna(per_rm)
    counts["rm_share"] = counts["targeted"] / per_rm
    out = (
        counts.groupby(["branch_id", "line"])
        .agg(
            customers=("customers", "sum"),
            targeted=("targeted", "sum"),
            rm_need=("rm_share", "sum"),
        )
        .reset_index()
    )
    out["required_rms"] = np.ceil(out["rm_need"] - 1e-9).astype(int)
    rms = instance.rms[instance.rms["active"].to_numpy(dtype=bool)]
    have = rms.groupby(["branch_id", "line"]).size()
    out["current_rms"] = [
        int(have.get((b, ln), 0)) for b, ln in zip(out["branch_id"], out["line"], strict=True)
    ]
    out["gap"] = (out["required_rms"] - out["current_rms"]).clip(lower=0)
    lv = _levels(instance)
    out.insert(1, "level", out["branch_id"].map(lv))
    return out.drop(columns="rm_need")


# -- the plan -------------------------------------------------------------------------------------
@dataclass
class HeadcountPlan:
    """The least-cost hires and what they are expected to achieve.

    Attributes
    ----------
    hires
        ``line, grade, certifications, branch_id, unit, count, cost`` (cost = count x annual cost).
    status
        ``optimal``, ``feasible`` (time limit hit with a plan), ``infeasible`` or ``no_solution``.
    targets
        Tier -> share the plan was made for.
    expected
        Per tier: customers, target customers, customers the model covers.
    checks_before, checks_after
        :func:`staffing_checks` of the bank before and after the hires.
    notes
        Assumptions made and why a target cannot be reached, in words.
    verification
        Per tier: target and the share a real allocation reached (when verified).
    """

    hires: pd.DataFrame
    status: str
    targets: dict[str, float]
    expected: pd.DataFrame
    checks_before: pd.DataFrame
    checks_after: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    verification: pd.DataFrame | None = None
    seconds: float = 0.0

    @property
    def total_cost(self) -> float:
        return float(self.hires["cost"].sum()) if len(self.hires) else 0.0

    @property
    def total_hires(self) -> int:
        return int(self.hires["count"].sum()) if len(self.hires) else 0

    def summary(self) -> dict[str, Any]:
        """A JSON-able summary (for ``--report``)."""
        return {
            "status": self.status,
            "hires": self.total_hires,
            "annual_cost": self.total_cost,
            "targets": self.targets,
            "expected": self.expected.to_dict(orient="records"),
            "verification": None
            if self.verification is None
            else self.verification.to_dict(orient="records"),
            "notes": self.notes,
            "seconds": round(self.seconds, 3),
        }


def apply_hires(instance: Instance, hires: pd.DataFrame, prefix: str = "HIRE") -> Instance:
    """The bank with the hires added as active RMs (:func:`scenarios.edits.add_rms` per row)."""
    for row in hires.to_dict(orient="records"):
        instance = add_rms(
            instance,
            count=int(row["count"]),
            line=str(row["line"]),
            grade=str(row["grade"]),
            certifications=[c for c in str(row["certifications"]).split(";") if c],
            branch_id=str(row["branch_id"]),
            unit=str(row["unit"]),
            prefix=prefix,
        )
    return instance


def plan_headcount(
    instance: Instance,
    targets: Mapping[str, float] | str,
    *,
    policy: Policy | Mapping[str, Any] | str | None = None,
    salaries: str | os.PathLike[str] | pd.DataFrame | None = "default",
    staff: str | os.PathLike[str] | pd.DataFrame | None = None,
    enforce: Iterable[str] = (),
    rules: StaffingRules | Mapping[str, Any] | str | None = None,
    time_limit: float = 60.0,
    verify: bool = False,
    verify_time_limit: float = 30.0,
    rounds: int = 3,
    seed: int = 0,
) -> HeadcountPlan:
    """The least-cost hires so that coverage reaches ``targets`` (see the module docstring).

    Parameters
    ----------
    instance
        The bank today.
    targets
        Tier -> share of the tier's customers that must have an RM (``"private=1,mid=0.95"``).
    policy
        The allocation policy (eligibility, workloads, capacities).
    salaries
        Salary table (``"default"``: the shipped one).
    staff
        ``branch_id, staff`` (for the RM-share rule).
    enforce
        Staffing rules to impose as constraints: any of :data:`RULE_NAMES`.
    rules
        Staffing rules and hiring options (merged over ``scenarios/data/staffing.yaml``).
    time_limit
        Seconds for each MILP solve.
    verify
        Allocate with the hires and check the plan; raise a tier's demand by any shortfall and
        solve again (at most ``rounds`` times).
    verify_time_limit, seed
        Of the verifying allocation.
    """
    t0 = time.monotonic()
    pol = load_policy(policy)
    rls = load_rules(rules)
    goal = parse_targets(targets, pol)
    unknown = sorted(set(enforce) - set(RULE_NAMES))
    if unknown:
        raise InputError(
            [
                InputIssue("enforce", None, None, u, f"unknown rule; use {list(RULE_NAMES)}")
                for u in unknown
            ]
        )
    table = load_salaries(salaries)
    if table is None:
        raise InputError([InputIssue("salaries", None, None, None, "a salary table is required")])
    staff_df = load_staff(staff)
    implied = implied_targets(goal, pol, instance)
    model = _Milp(instance, pol, rls, table, {**implied, **goal}, set(enforce), staff_df)
    if implied:
        model.notes.append(
            f"planned at full coverage too, as the allocator serves them before a targeted tier "
            f"of lower priority: {sorted(implied)} (give them an explicit target to change this)"
        )
    extra: dict[str, int] = {}
    verification = None
    for _ in range(max(rounds, 1)):
        hires, status, expected = model.solve(time_limit, extra)
        if not verify or status not in ("optimal", "feasible"):
            break
        verification = verify_hires(
            instance, hires, goal, pol, time_limit=verify_time_limit, seed=seed
        )
        short = verification[~verification["ok"]]
        if short.empty:
            break
        for tier, missing in zip(short["tier"], short["missing"], strict=True):
            extra[tier] = extra.get(tier, 0) + int(missing)
    after = apply_hires(instance, hires) if len(hires) else instance
    notes = list(model.notes)
    if verification is not None and not verification["ok"].all():
        missed = verification.loc[~verification["ok"], "tier"].tolist()
        notes.append(f"verification: the allocation with these hires still misses {missed}")
    if extra:
        notes.append(f"verification raised demand by {extra} customers to absorb packing/groups")
    return HeadcountPlan(
        hires=hires,
        status=status,
        targets=goal,
        expected=expected,
        checks_before=staffing_checks(instance, pol, rls, staff_df),
        checks_after=staffing_checks(after, pol, rls, staff_df),
        notes=notes,
        verification=verification,
        seconds=time.monotonic() - t0,
    )


def implied_targets(
    targets: Mapping[str, float], policy: Policy, instance: Instance
) -> dict[str, float]:
    """Tiers without a target that the allocator would serve before a targeted tier.

    The allocator maximises cover value, so a customer of a higher-priority tier of the same line
    takes an RM's capacity before a targeted lower-priority one (a key corporate client takes a
    whole RM). To make a target reachable *by the allocator*, such tiers are planned at full
    coverage. Returns tier -> 1.0 for each (only tiers that have customers).
    """
    tiers = assign_tiers(instance.customers, policy)
    served = tiers[~tiers["pooled"].to_numpy(dtype=bool) & (tiers["tier"] != "").to_numpy()]
    prio = served.groupby("tier")["priority"].max()
    line = {
        t: (policy.tiers[t].line if t in policy.tiers else policy.bands[t].line) for t in prio.index
    }
    out: dict[str, float] = {}
    for t in prio.index:
        if t in targets:
            continue
        floor = [
            prio[u] for u in targets if u in prio.index and line[u] == line[t] and targets[u] > 0
        ]
        if floor and prio[t] > min(floor):
            out[str(t)] = 1.0
    return out


def verify_hires(
    instance: Instance,
    hires: pd.DataFrame,
    targets: Mapping[str, float],
    policy: Policy,
    *,
    time_limit: float = 30.0,
    seed: int = 0,
    workers: int = 2,
) -> pd.DataFrame:
    """Add the hires, allocate, check the plan: per tier ``tier, customers, target, assigned,
    share, missing, ok`` (``ok`` also requires the checker to pass)."""
    from allocator.allocation import allocate
    from allocator.checker import check_plan

    bank = apply_hires(instance, hires) if len(hires) else instance
    plan = allocate(bank, policy=policy, time_limit=time_limit, seed=seed, workers=workers)
    report = check_plan(bank, plan.assignments, policy)
    rows = []
    for tier, share in targets.items():
        t = plan.kpis["coverage_by_tier"].get(tier, {"customers": 0, "assigned": 0})
        need = math.ceil(share * t["customers"] - 1e-9)
        rows.append(
            (
                tier,
                t["customers"],
                share,
                t["assigned"],
                t["assigned"] / t["customers"] if t["customers"] else 1.0,
                max(need - t["assigned"], 0),
                t["assigned"] >= need and report.ok,
            )
        )
    return pd.DataFrame(
        rows, columns=["tier", "customers", "target", "assigned", "share", "missing", "ok"]
    )


# -- the MILP -------------------------------------------------------------------------------------
class _Milp:
    """Builds the data of the model once; :meth:`solve` builds and solves the MILP."""

    def __init__(
        self,
        instance: Instance,
        policy: Policy,
        rules: StaffingRules,
        salaries: pd.DataFrame,
        targets: dict[str, float],
        enforce: set[str],
        staff: pd.DataFrame | None,
    ) -> None:
        self.instance, self.policy, self.rules = instance, policy, rules
        self.targets, self.enforce, self.staff = targets, enforce, staff
        self.notes: list[str] = []
        cust = instance.customers
        tiers = assign_tiers(cust, policy)
        self.cands = candidate_profiles(instance, policy, rules, salaries, enforce)
        rms = instance.rms[instance.rms["active"].to_numpy(dtype=bool)].reset_index(drop=True)
        self.rms = rms
        cand_rms = self.cands.assign(
            rm_id=[f"\0cand{i}" for i in range(len(self.cands))], capacity=np.nan, active=True
        )
        both = pd.concat(
            [rms[list(cand_rms.columns.drop("cost"))], cand_rms.drop(columns="cost")],
            ignore_index=True,
        )
        br = BranchTable.build(instance.branches, policy)
        rmt = RmTable.build(both, br, policy)
        classes = build_classes(cust, tiers, br, rmt, policy)
        pairs = eligible_class_pairs(classes, rmt, br, policy)
        self.n_exist = len(rms)
        self.capacity = rmt.capacity
        cls_of = classes.class_of
        open_ = cls_of >= 0
        self.class_n = np.bincount(cls_of[open_], minlength=classes.n).astype(float)
        work = np.zeros(classes.n)
        work[cls_of[open_]] = tiers["workload"].to_numpy(dtype=float)[open_]
        self.class_w = work
        label = np.full(classes.n, "", dtype=object)
        label[cls_of[open_]] = tiers["tier"].to_numpy(dtype=object)[open_]
        self.class_tier = label
        self.class_excl = classes.one_to_one
        self.tier_n = {t: float(self.class_n[label == t].sum()) for t in targets}
        targeted = np.isin(label, list(targets)) & np.array(
            [targets.get(t, 0) > 0 for t in label], dtype=bool
        )
        keep = targeted[pairs.k]
        self.pk, self.pr = pairs.k[keep], pairs.r[keep]
        self.no_rm = [
            t
            for t in targets
            if targets[t] > 0
            and self.tier_n[t] > 0
            and not np.isin(self.pk, np.flatnonzero(label == t)).any()
        ]
        if self.no_rm:
            self.notes.append(
                f"no existing or hireable RM may serve tier(s) {self.no_rm}: check the branch tree "
                "and candidate_branches in the staffing rules"
            )
        if "deposits" not in cust.columns:
            self.notes.append(
                "corporate deposits: no 'deposits' column, annual_contribution is used as the proxy"
            )
        if staff is None and "rm_share" in enforce:
            self.notes.append("rm_share: no staff table given, so staff = RMs and the rule holds")
        self._nodes()

    def _nodes(self) -> None:
        """Supply nodes: existing RMs grouped by eligible classes; one node per candidate."""
        pk, pr = self.pk, self.pr
        margin = self.rules.packing_margin
        wmax = np.zeros(len(self.capacity))
        non_excl = ~self.class_excl[pk]
        np.maximum.at(wmax, pr[non_excl], self.class_w[pk[non_excl]])
        eff = self.capacity - (np.maximum(wmax - 1, 0) if margin else 0)
        self.eff = np.maximum(eff, 0)
        classes_of: dict[int, list[int]] = {}
        # grades outside hire_grades (assistants) are hired for the staffing rules only: the plan
        # does not count on them to serve customers (the allocator may still give them some)
        counted = np.ones(len(self.capacity), dtype=bool)
        counted[self.n_exist :] = self.cands["grade"].isin(self.rules.hire_grades).to_numpy()
        for k, r in zip(pk.tolist(), pr.tolist(), strict=True):
            if counted[r]:
                classes_of.setdefault(r, []).append(k)
        self.classes_of = classes_of
        groups: dict[tuple[int, ...], list[int]] = {}
        for r in range(self.n_exist):
            if r in classes_of:
                groups.setdefault(tuple(classes_of[r]), []).append(r)
        self.exist_nodes = [
            (list(key), float(self.eff[rs].sum()), float(self.capacity[rs].max()), len(rs))
            for key, rs in groups.items()
        ]
        self._prune_candidates()

    def _prune_candidates(self) -> None:
        """Drop candidates that serve no targeted class and no enforced rule, and keep only the
        cheapest of candidates that are interchangeable (same branch, unit, line, classes,
        capacity and rule roles)."""
        c = self.cands
        pol, rules = self.policy, self.rules
        off = self.n_exist
        roles = pd.DataFrame(
            {
                "wc_cert": [
                    _certified(x, rules.wealth_center_certifications, pol)
                    for x in c["certifications"]
                ],
                "vip_cert": [
                    _certified(x, rules.vip_center_certifications, pol) for x in c["certifications"]
                ],
                "assistant": (c["grade"] == rules.assistant_grade).to_numpy(),
            }
        )
        self.cands = c = pd.concat([c, roles], axis=1)
        # with rules to enforce, a candidate may be needed for its role alone (an assistant, a
        # corporate RM at a busy outlet): only dominance prunes then
        needed = np.array([(off + i) in self.classes_of for i in range(len(c))], dtype=bool)
        if self.enforce:
            needed[:] = True
        key = pd.DataFrame(
            {
                "branch": c["branch_id"],
                "unit": c["unit"],
                "line": c["line"],
                "classes": [tuple(self.classes_of.get(off + i, ())) for i in range(len(c))],
                "cap": self.capacity[off:],
                "eff": self.eff[off:],
                "wc": c["wc_cert"],
                "vip": c["vip_cert"],
                "asst": c["assistant"],
            }
        )
        order = np.lexsort((np.arange(len(c)), c["cost"].to_numpy()))
        first = ~key.iloc[order].duplicated(keep="first")
        cheapest = np.zeros(len(c), dtype=bool)
        cheapest[order[first.to_numpy()]] = True
        self.cand_keep = np.flatnonzero(needed & cheapest)

    def solve(
        self, time_limit: float, extra: Mapping[str, int]
    ) -> tuple[pd.DataFrame, str, pd.DataFrame]:
        import pulp

        prob = pulp.LpProblem("headcount", pulp.LpMinimize)
        off = self.n_exist
        cands = self.cands
        h = {int(i): prob.add_variable(f"h{i}", lowBound=0, cat="Integer") for i in self.cand_keep}
        # tie-breaks among equal costs: hire closer to the customers (lower branch level), and
        # without certifications that buy nothing
        lv_rank = {lv: i for i, lv in enumerate(self.policy.branch_levels)}
        lvl = _levels(self.instance)

        def weight(i: int) -> float:
            level = lv_rank.get(lvl.get(cands.at[i, "branch_id"], ""), 0)
            n_certs = len([t for t in str(cands.at[i, "certifications"]).split(";") if t])
            return float(cands.at[i, "cost"]) * (1 + 1e-6 * level + 1e-7 * n_certs)

        prob += pulp.lpSum(weight(i) * v for i, v in h.items())
        flow: dict[int, list[Any]] = {}  # class -> flow variables into it
        n_x = 0

        def node(
            classes: list[int],
            eff: pulp.LpAffineExpression | float,
            cap: float,
            count: Any,
            name: str,
        ) -> None:
            nonlocal n_x
            excl = [k for k in classes if self.class_excl[k]]
            general = [k for k in classes if not self.class_excl[k]]
            load = []
            for k in general:
                x = prob.add_variable(f"x{n_x}", lowBound=0)
                n_x += 1
                flow.setdefault(k, []).append(x)
                load.append(self.class_w[k] * x)
            dedicated: Any = 0
            if excl:
                dedicated = prob.add_variable(f"d_{name}", lowBound=0, cat="Integer")
                xs = []
                for k in excl:
                    x = prob.add_variable(f"x{n_x}", lowBound=0)
                    n_x += 1
                    flow.setdefault(k, []).append(x)
                    xs.append(x)
                prob.addConstraint(pulp.lpSum(xs) <= dedicated)
                prob.addConstraint(dedicated <= count)
            if load:
                prob.addConstraint(pulp.lpSum(load) <= eff - cap * dedicated)

        for j, (classes, eff, cap, count) in enumerate(self.exist_nodes):
            node(classes, eff, cap, count, f"e{j}")
        for i, v in h.items():
            classes = self.classes_of.get(off + i, [])
            if classes:
                node(
                    classes, float(self.eff[off + i]) * v, float(self.capacity[off + i]), v, f"c{i}"
                )
        for k, xs in flow.items():
            prob += pulp.lpSum(xs) <= self.class_n[k]
        for tier, share in self.targets.items():
            need = math.ceil(share * self.tier_n[tier] - 1e-9) + extra.get(tier, 0)
            need = min(need, int(self.tier_n[tier]))
            ks = [k for k in flow if self.class_tier[k] == tier]
            if need > 0:
                prob += pulp.lpSum(x for k in ks for x in flow[k]) >= need, f"target_{tier}"
        self._staffing(prob, h)

        with highs_threads(1) as threads:  # HiGHS's scheduler is process-wide: see allocator.highs
            prob.solve(pulp.HiGHS(msg=False, timeLimit=time_limit, threads=threads))
        status = {
            pulp.LpStatusOptimal: "optimal",
            pulp.LpStatusInfeasible: "infeasible",
            pulp.LpStatusNotSolved: "no_solution",
            pulp.LpStatusUnbounded: "infeasible",
        }.get(prob.status, "no_solution")
        if status == "optimal" and prob.sol_status != pulp.LpSolutionOptimal:
            status = "feasible"
        counts = (
            {i: round(v.value() or 0) for i, v in h.items()}
            if status in ("optimal", "feasible")
            else {}
        )
        hires = self._hires(counts)
        expected = self._expected(flow if counts else {})
        if status == "infeasible":
            self.notes.append(
                "no set of hires reaches the targets under the enforced rules: lower a target, "
                "allow more candidate branches, or check the notes above"
            )
        return hires, status, expected

    def _staffing(self, prob: Any, h: dict[int, Any]) -> None:
        """The enforced staffing rules as constraints on the hires."""
        import pulp

        if not self.enforce:
            return
        c = self.cands
        rms = self.rms
        rules, pol = self.rules, self.policy

        def hired(mask: np.ndarray) -> Any:
            return pulp.lpSum(v for i, v in h.items() if mask[i])

        at = {b: (c["branch_id"] == b).to_numpy() for b in set(c["branch_id"])}
        none = np.zeros(len(c), dtype=bool)
        if "rm_share" in self.enforce and self.staff is not None:
            for b, s in zip(self.staff["branch_id"], self.staff["staff"], strict=True):
                have = float((rms["branch_id"] == b).sum())
                rhs = rules.rm_share_min * float(s) - have
                if rhs > 0:
                    prob += (1 - rules.rm_share_min) * hired(at.get(b, none)) >= rhs
        for unit, min_staff, cert_col, min_cert in (
            ("wealth_center", rules.wealth_center_min_staff, "wc_cert", 0),
            ("vip_center", rules.vip_center_min_staff, "vip_cert", rules.vip_center_min_certified),
        ):
            if unit not in self.enforce:
                continue
            part = rms[rms["unit"] == unit]
            wanted = (
                rules.wealth_center_certifications
                if unit == "wealth_center"
                else rules.vip_center_certifications
            )
            for b, grp in part.groupby("branch_id"):
                in_unit = at.get(b, none) & (c["unit"] == unit).to_numpy()
                if len(grp) < min_staff:
                    prob += hired(in_unit) >= min_staff - len(grp)
                have = sum(_certified(x, wanted, pol) for x in grp["certifications"])
                if have < min_cert:
                    prob += hired(in_unit & c[cert_col].to_numpy()) >= min_cert - have
                if unit == "wealth_center" and have < len(grp):
                    self.notes.append(
                        f"wealth centre {b}: {len(grp) - have} RM(s) without "
                        f"{'/'.join(wanted)}: certify them (hiring cannot fix that)"
                    )
        if "corporate_outlet" in self.enforce:
            busy = busy_corporate_outlets(self.instance, pol, rules)
            corp = rms[rms["line"] == "corporate"]
            for b in busy["branch_id"]:
                if not (corp["branch_id"] == b).any():
                    prob += hired(at.get(b, none) & (c["line"] == "corporate").to_numpy()) >= 1
        if "assistants" in self.enforce:
            n = rules.assistants_per
            asst = c["assistant"].to_numpy()
            for b in set(rms["branch_id"]) | set(c["branch_id"]):
                here = rms[rms["branch_id"] == b]
                a_have = float((here["grade"] == rules.assistant_grade).sum())
                r_have = float(len(here)) - a_have
                mask = at.get(b, none)
                if not (mask.any() or r_have >= n):
                    continue
                prob += n * (a_have + hired(mask & asst)) >= r_have + hired(mask & ~asst) - (n - 1)

    def _hires(self, counts: Mapping[int, int]) -> pd.DataFrame:
        rows = []
        for i, n in counts.items():
            if n > 0:
                r = self.cands.loc[i]
                rows.append(
                    (
                        r["line"],
                        r["grade"],
                        r["certifications"],
                        r["branch_id"],
                        r["unit"],
                        int(n),
                        float(r["cost"]) * n,
                    )
                )
        out = pd.DataFrame(rows, columns=list(HIRE_COLUMNS))
        return out.sort_values(
            ["branch_id", "unit", "line", "grade", "certifications"]
        ).reset_index(drop=True)

    def _expected(self, flow: Mapping[int, list[Any]]) -> pd.DataFrame:
        rows = []
        for tier, share in self.targets.items():
            covered = sum(
                (x.value() or 0.0)
                for k, xs in flow.items()
                if self.class_tier[k] == tier
                for x in xs
            )
            n = self.tier_n[tier]
            rows.append((tier, n, share, math.ceil(share * n - 1e-9), covered))
        return pd.DataFrame(rows, columns=["tier", "customers", "target", "need", "model_covers"])


def write_hires(hires: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """HIRES.csv: ``line, grade, certifications, branch_id, unit, count, cost``."""
    target = Path(path)
    hires[list(HIRE_COLUMNS)].to_csv(target, index=False)
    return target
