"""Side-by-side comparison of a scenario with its baseline, and the salary table behind costs.

Every figure is one *metric* (a dotted name such as ``coverage.private.share``), so a comparison
is a tidy table ``metric, baseline, scenario, delta`` and a sweep row is the scenario column of
it. Metrics come from the plan's KPIs (coverage, cover value, statuses, utilisation) and from the
bank itself (headcount by line, grade, certification and unit; cost when a salary table is given).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from allocator.contract import LINES, UNITS, parse_certifications
from allocator.errors import InputError, InputIssue
from allocator.instance import Instance
from allocator.io import read_table
from allocator.plan import Plan
from allocator.policy import Policy

SALARY_COLUMNS = ("line", "grade", "certification", "unit", "annual_cost")
#: the landing categories of a departed RM's customers (see :mod:`scenarios.run`)
LANDINGS = ("same_outlet", "up_tree", "elsewhere", "unassigned", "pooled")


# -- salaries -------------------------------------------------------------------------------------
def default_salaries_path() -> str:
    """The salary table shipped with the package (illustrative RMB figures; replace with yours)."""
    return str(resources.files("scenarios").joinpath("data/salaries.csv"))


def load_salaries(source: str | os.PathLike[str] | pd.DataFrame | None) -> pd.DataFrame | None:
    """A validated salary table: ``line, grade, certification, unit, annual_cost``.

    ``certification`` and ``unit`` are optional columns; an empty cell means "any". ``default``
    names the shipped table; ``None`` gives ``None`` (no costs).

    Raises
    ------
    allocator.errors.InputError
        Listing missing columns and bad costs.
    """
    if source is None:
        return None
    if isinstance(source, str) and source == "default":
        source = default_salaries_path()
    name = "salaries" if isinstance(source, pd.DataFrame) else os.fspath(source)
    frame = read_table(source, name=name)
    issues = [
        InputIssue(name, None, col, None, "required column is missing")
        for col in ("line", "grade", "annual_cost")
        if col not in frame.columns
    ]
    if issues:
        raise InputError(issues)
    out = pd.DataFrame(
        {
            col: frame[col].astype(str).str.strip().replace({"nan": ""})
            if col in frame.columns
            else ""
            for col in SALARY_COLUMNS[:-1]
        }
    )
    out["line"] = out["line"].str.lower()
    out["certification"] = out["certification"].str.upper()
    cost = pd.to_numeric(frame["annual_cost"], errors="coerce")
    bad = np.flatnonzero(~(cost >= 0).to_numpy())
    if bad.size:
        raise InputError(
            [
                InputIssue(
                    name,
                    int(i) + 2,
                    "annual_cost",
                    str(frame["annual_cost"].iloc[i]),
                    "must be a number >= 0",
                )
                for i in bad
            ]
        )
    out["annual_cost"] = cost.to_numpy(dtype=float)
    return out


def profile_costs(profiles: pd.DataFrame, salaries: pd.DataFrame, policy: Policy) -> pd.Series:
    """Annual cost of each RM profile (rows with ``line, grade, certifications, unit``).

    The most specific salary row wins: a row naming a certification the RM holds (CFP counts as
    AFP, as in the allocation rules) or the RM's unit beats a row leaving them empty; among
    equally specific rows the highest cost wins (a CFP+CPB holder is paid for the better one).
    NaN where no row matches: the caller reports such RMs as unpriced.
    """
    if profiles.empty:
        return pd.Series(dtype=float, index=profiles.index)
    held = [
        policy.expand_certifications(set(parse_certifications(c)))
        for c in profiles["certifications"]
    ]
    left = pd.DataFrame(
        {
            "pos": np.arange(len(profiles)),
            "line": profiles["line"].to_numpy(dtype=object),
            "grade": profiles["grade"].to_numpy(dtype=object),
            "unit_rm": profiles["unit"].to_numpy(dtype=object),
        }
    )
    m = left.merge(salaries, on=["line", "grade"], how="inner")
    ok = (m["unit"] == "") | (m["unit"] == m["unit_rm"])
    ok &= np.array(
        [c == "" or c in held[p] for c, p in zip(m["certification"], m["pos"], strict=True)],
        dtype=bool,
    )
    m = m[ok].assign(spec=(m["certification"] != "").astype(int) + (m["unit"] != "").astype(int))
    best = m.sort_values(["pos", "spec", "annual_cost"]).groupby("pos").tail(1)
    cost = np.full(len(profiles), np.nan)
    cost[best["pos"].to_numpy(dtype=int)] = best["annual_cost"].to_numpy(dtype=float)
    return pd.Series(cost, index=profiles.index)


# -- metrics --------------------------------------------------------------------------------------
def headcount_metrics(
    instance: Instance, policy: Policy, salaries: pd.DataFrame | None = None
) -> dict[str, float]:
    """Active RMs by line, grade, certification (as held, CFP not counted as AFP) and unit; and
    their annual cost when ``salaries`` is given."""
    rms = instance.rms[instance.rms["active"].to_numpy(dtype=bool)]
    out: dict[str, float] = {"headcount.total": float(len(rms))}
    for line in LINES:
        out[f"headcount.line.{line}"] = float((rms["line"] == line).sum())
    for grade in policy.grades:
        out[f"headcount.grade.{grade}"] = float((rms["grade"] == grade).sum())
    held = rms["certifications"].str.split(";").explode()
    held = held[held.notna() & (held != "")]
    certs = sorted(set(held) | {c for t in policy.tiers.values() for c in t.certifications})
    for cert in certs:
        out[f"headcount.certification.{cert}"] = float((held == cert).sum())
    out["headcount.certification.none"] = float((rms["certifications"] == "").sum())
    for unit in UNITS:
        out[f"headcount.unit.{unit}"] = float((rms["unit"] == unit).sum())
    if salaries is not None:
        cost = profile_costs(rms, salaries, policy)
        out["cost.total"] = float(cost.sum(skipna=True))
        for line in LINES:
            out[f"cost.line.{line}"] = float(
                cost[(rms["line"] == line).to_numpy()].sum(skipna=True)
            )
        out["cost.unpriced_rms"] = float(cost.isna().sum())
    return out


def plan_metrics(plan: Plan) -> dict[str, float]:
    """The plan's KPIs as flat metrics (coverage and uncovered customers by tier, cover value,
    statuses, utilisation per line)."""
    k = plan.kpis
    out: dict[str, float] = {
        "customers": float(k["customers"]),
        "individual": float(k.get("individual", k["customers"])),
        "assigned": float(k["assigned"]),
        "cover_value": float(k["cover_value"]),
        "cover_value_max": float(k["cover_value_max"]),
        "cover_share": k["cover_value"] / k["cover_value_max"]
        if k["cover_value_max"]
        else math.nan,
    }
    for tier in plan.policy.all_tier_names():
        t = k["coverage_by_tier"].get(tier)
        if t is None:
            continue
        out[f"coverage.{tier}.customers"] = float(t["customers"])
        out[f"coverage.{tier}.assigned"] = float(t["assigned"])
        out[f"coverage.{tier}.share"] = float(t["share"])
        out[f"uncovered.{tier}"] = float(t["customers"] - t["assigned"])
    for status, n in k["status_counts"].items():
        out[f"status.{status}"] = float(n)
    for line in LINES:
        u = k["utilisation"].get(line)
        if u is None:
            continue
        for stat in ("p50", "p95", "max"):
            out[f"utilisation.{line}.{stat}"] = float(u[stat])
    out["overloaded_rms"] = float(k["overloaded_rms"])
    out["underloaded_rms"] = float(k["underloaded_rms"])
    return out


def changed_vs(baseline: Plan, scenario: Plan) -> int:
    """Customers of both plans whose RM differs between them (what the scenario changes)."""
    a = baseline.assignments.set_index("customer_id")["rm_id"]
    b = scenario.assignments.set_index("customer_id")["rm_id"]
    common = a.index.intersection(b.index)
    return int((a.loc[common] != b.loc[common]).sum())


def all_metrics(
    plan: Plan, instance: Instance, policy: Policy, salaries: pd.DataFrame | None = None
) -> dict[str, float]:
    """Every metric of one side of a comparison."""
    return {**plan_metrics(plan), **headcount_metrics(instance, policy, salaries)}


def comparison_table(baseline: Mapping[str, float], scenario: Mapping[str, float]) -> pd.DataFrame:
    """``metric, baseline, scenario, delta`` over the union of both metric sets (baseline order
    first); a metric one side lacks is NaN there, except counts of things, which are 0."""
    names = list(dict.fromkeys([*baseline, *scenario]))

    def value(side: Mapping[str, float], name: str) -> float:
        if name in side:
            return float(side[name])
        countable = name.startswith(("status.", "headcount.", "uncovered.", "handover.")) or (
            name.startswith("coverage.") and not name.endswith(".share")
        )
        return 0.0 if countable else math.nan

    base = np.array([value(baseline, n) for n in names], dtype=float)
    scen = np.array([value(scenario, n) for n in names], dtype=float)
    return pd.DataFrame({"metric": names, "baseline": base, "scenario": scen, "delta": scen - base})


def handover_metrics(handover: pd.DataFrame) -> dict[str, Any]:
    """Counts of the departed RMs' customers by where they landed."""
    out = {"handover.customers": float(len(handover))}
    for landing in LANDINGS:
        out[f"handover.{landing}"] = (
            float((handover["landing"] == landing).sum()) if len(handover) else 0.0
        )
    return out
