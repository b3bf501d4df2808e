"""Running scenarios: no edits reproduces the baseline, departures leave no customer undecided,
the comparison has every figure, and the written bank re-checks."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from allocator.checker import check_plan
from allocator.instance import Instance
from allocator.policy import Policy, load_policy
from allocator.validation import load_instance
from scenarios.edits import remove_rms
from scenarios.run import BankRun, handover_hint, run_scenario
from scenarios.spec import AddRms, RemoveRms, ScenarioSpec

LIMIT = 20.0


def spec(*edits, **kw) -> ScenarioSpec:
    return ScenarioSpec(baseline="sample", edits=list(edits), **kw)


def test_no_edits_reproduces_the_baseline(baseline_run: BankRun) -> None:
    result = run_scenario(spec(), baseline=baseline_run, time_limit=LIMIT, workers=1)
    assert not result.solved and result.plan is baseline_run.plan
    deltas = result.comparison["delta"].to_numpy(dtype=float)
    assert np.all((deltas == 0) | np.isnan(deltas))


def test_resolving_an_unchanged_bank_reproduces_the_baseline(baseline_run: BankRun) -> None:
    """The warm-started solve itself (not the shortcut) lands on the baseline's optimum."""
    result = run_scenario(
        spec(),
        baseline=baseline_run,
        time_limit=LIMIT,
        workers=1,
        reuse_unchanged=False,
        incremental=False,
    )
    assert result.solved and result.reuse is None
    assert result.plan.kpis["solve"]["status"] == "optimal"
    base, scen = baseline_run.plan.kpis, result.plan.kpis
    for key in ("assigned", "cover_value", "coverage_by_tier", "status_counts"):
        assert scen[key] == base[key]
    assert result.metric("utilisation.retail.max") == result.metric(
        "utilisation.retail.max", "baseline"
    )


def test_departures_leave_no_customer_without_a_decision(baseline_run: BankRun) -> None:
    gone = ["R_O1A", "V_S1A"]
    result = run_scenario(
        spec(RemoveRms(rm_ids=gone)), baseline=baseline_run, time_limit=LIMIT, workers=1
    )
    plan = result.plan.assignments.set_index("customer_id")
    book = result.handover
    today = baseline_run.instance.customers
    theirs = set(today.loc[today["current_rm_id"].isin(gone), "customer_id"])
    assert theirs and theirs <= set(book["customer_id"])
    rows = plan.loc[book["customer_id"]]
    assert not rows["rm_id"].isin(gone).any()
    decided = (rows["rm_id"] != "") | rows["status"].isin(["unassigned", "pooled"])
    assert decided.all()
    assert (rows.loc[rows["status"] == "unassigned", "reason"] != "").all()
    assert (
        rows.loc[rows.index.isin(theirs), "status"].isin(["reassigned", "unassigned", "pooled"])
    ).all()
    counts = book["landing"].value_counts()
    assert counts.sum() == result.metric("handover.customers") == len(book)
    for landing in ("same_outlet", "up_tree", "elsewhere", "unassigned", "pooled"):
        assert result.metric(f"handover.{landing}") == counts.get(landing, 0)
    assert counts.get("same_outlet", 0) > 0  # R_O1B sits in the same outlet and has room
    assert check_plan(result.instance, result.plan.assignments, result.policy).ok


def test_handover_hint_prefers_the_same_outlet(baseline_run: BankRun, policy: Policy) -> None:
    bank = remove_rms(baseline_run.instance, rm_ids=["R_O1A"])
    hint = handover_hint(baseline_run.plan, bank, policy, ["R_O1A"])
    today = bank.customers.set_index("customer_id")
    theirs = today.index[today["current_rm_id"] == "R_O1A"]
    hinted = hint.loc[theirs]
    assert not (hinted == "R_O1A").any()
    branch = bank.rms.set_index("rm_id")["branch_id"]
    landed = hinted[hinted != ""].map(branch)
    assert (landed == "O1").any()
    # the ladder: nothing lands further up while the outlet still had room for it
    order = {"O1": 0, "S1": 1, "C0": 2, "P1": 3, "HO": 4}
    assert landed.map(order).notna().all()
    # the hint never overloads an RM
    tiers = baseline_run.plan.compiled.tiers.set_index(bank.customers["customer_id"])
    load = tiers["workload"].groupby(hint).sum().drop("", errors="ignore")
    cap = bank.rms.set_index("rm_id")["capacity"].fillna(policy.default_capacity["retail"])
    assert (load <= cap.loc[load.index] + 1e-9).all()


def test_comparison_has_every_figure(baseline_run: BankRun) -> None:
    hire = AddRms(
        count=2,
        line="retail",
        grade="senior",
        certifications=["CFP"],
        branch_id="C0",
        unit="wealth_center",
    )
    result = run_scenario(
        spec(hire, salaries="default"), baseline=baseline_run, time_limit=LIMIT, workers=1
    )
    cmp = result.comparison
    assert list(cmp.columns) == ["metric", "baseline", "scenario", "delta"]
    names = set(cmp["metric"])
    for tier in ("private", "high", "mid"):
        assert {f"coverage.{tier}.share", f"uncovered.{tier}"} <= names
    for m in (
        "cover_value",
        "status.moved",
        "changed_vs_baseline",
        "utilisation.retail.p50",
        "utilisation.retail.p95",
        "utilisation.retail.max",
        "headcount.line.retail",
        "headcount.grade.senior",
        "headcount.certification.CFP",
        "headcount.unit.wealth_center",
        "cost.total",
    ):
        assert m in names, m
    assert result.metric("headcount.certification.CFP", "delta") == 2
    assert result.metric("headcount.total", "delta") == 2
    assert result.metric("cost.total", "delta") == 2 * 470_000  # senior CFP, shipped table
    np.testing.assert_allclose(cmp["delta"], cmp["scenario"] - cmp["baseline"])
    # hires never lower coverage: cover value is the allocator's first objective
    assert result.metric("cover_value", "delta") >= 0


def test_written_scenario_rechecks(baseline_run: BankRun, tmp_path: Path) -> None:
    s = spec(RemoveRms(rm_ids=["R_O2A"]), {"policy": {"default_capacity": {"retail": 450}}})
    result = run_scenario(s, baseline=baseline_run, time_limit=LIMIT, workers=1)
    written = result.write(tmp_path)
    for name in (
        "customers",
        "rms",
        "branches",
        "plan",
        "kpis",
        "comparison",
        "policy",
        "handover",
        "spec",
        "baseline_plan",
    ):
        assert written[name].is_file(), name
    bank = load_instance(
        tmp_path / "customers.csv", tmp_path / "rms.csv", tmp_path / "branches.csv"
    )
    policy = load_policy(tmp_path / "policy.yaml")
    plan = pd.read_csv(tmp_path / "plan.csv", dtype=str, keep_default_na=False)
    assert check_plan(bank, plan, policy).ok
    kpis = json.loads((tmp_path / "kpis.json").read_text())
    assert kpis["solved"] and kpis["handover"]["customers"] > 0
    cmp = pd.read_csv(tmp_path / "comparison.csv")
    assert list(cmp.columns) == ["metric", "baseline", "scenario", "delta"]


def test_a_spec_file_runs_end_to_end(bank_dir: Path, tmp_path: Path) -> None:
    spec_file = tmp_path / "s.yaml"
    spec_file.write_text(
        f"baseline: {{customers: {bank_dir}/customers.csv, rms: {bank_dir}/rms.csv, "
        f"branches: {bank_dir}/branches.csv}}\n"
        "edits:\n  - certify: {rm_ids: [V_S1A], add: [CFP]}\n"
    )
    result = run_scenario(spec_file, time_limit=LIMIT, workers=1)
    assert result.solved
    assert result.metric("headcount.certification.CFP", "delta") == 1
    # a CFP holder in the VIP centre can now serve private clients: coverage cannot drop
    assert result.metric("coverage.private.share") >= result.metric(
        "coverage.private.share", "baseline"
    )


def test_bad_edit_is_an_input_error(baseline_run: BankRun) -> None:
    from allocator.errors import InputError

    with pytest.raises(InputError, match="GHOST"):
        run_scenario(spec(RemoveRms(rm_ids=["GHOST"])), baseline=baseline_run, time_limit=LIMIT)


def test_instance_is_not_mutated_by_a_run(baseline_run: BankRun, small_bank: Instance) -> None:
    before = small_bank.rms.copy(deep=True)
    run_scenario(
        spec(RemoveRms(rm_ids=["R_O3A"])), baseline=baseline_run, time_limit=LIMIT, workers=1
    )
    pd.testing.assert_frame_equal(small_bank.rms, before)


def test_incremental_resolve_equals_a_full_solve(baseline_run: BankRun) -> None:
    """Reusing the untouched components is exact: the same optimum as solving everything."""
    edits = (
        RemoveRms(rm_ids=["R_O3A"]),
        AddRms(count=1, line="retail", grade="rm", branch_id="O2", unit="outlet"),
    )
    inc = run_scenario(spec(*edits), baseline=baseline_run, time_limit=LIMIT, workers=1)
    full = run_scenario(
        spec(*edits), baseline=baseline_run, time_limit=LIMIT, workers=1, incremental=False
    )
    assert inc.reuse is not None and inc.reuse.reused_customers > 0
    assert inc.reuse.solved_customers > 0
    assert inc.plan.kpis["solve"]["status"] == full.plan.kpis["solve"]["status"] == "optimal"
    for key in ("assigned", "cover_value", "coverage_by_tier"):
        assert inc.plan.kpis[key] == full.plan.kpis[key]
    assert inc.plan.kpis["status_counts"]["moved"] == full.plan.kpis["status_counts"]["moved"]
    stage = {s["name"]: s["objective"] for s in inc.plan.kpis["solve"]["stages"]}
    stage_full = {s["name"]: s["objective"] for s in full.plan.kpis["solve"]["stages"]}
    assert stage == pytest.approx(stage_full)
    assert check_plan(inc.instance, inc.plan.assignments, inc.policy).ok
    # the reused part is the baseline plan itself
    base = baseline_run.plan.assignments.set_index("customer_id")["rm_id"]
    mine = inc.plan.assignments.set_index("customer_id")["rm_id"]
    far = baseline_run.instance.customers
    s1 = far.loc[
        far["branch_id"].isin(["O1", "O2"]) & (far["segment"] == "corporate"), "customer_id"
    ]
    assert (mine.loc[s1] == base.loc[s1]).all()


def test_a_policy_edit_solves_in_full(baseline_run: BankRun) -> None:
    edit = {"policy": {"default_capacity": {"retail": 450}}}
    result = run_scenario(spec(edit), baseline=baseline_run, time_limit=LIMIT, workers=1)
    assert result.solved and result.reuse is None


def test_changed_ids_compares_rows_not_objects(small_bank: Instance) -> None:
    from scenarios.edits import certify, set_capacity
    from scenarios.resolve import changed_ids

    rms = small_bank.rms
    assert changed_ids(rms, rms.copy(deep=True), "rm_id") == set()  # NaN capacities are equal
    edited = certify(
        set_capacity(small_bank, capacity=9, rm_ids=["K_O1R"]), rm_ids=["V_S1A"], add=["CFP"]
    )
    assert changed_ids(rms, edited.rms, "rm_id") == {"K_O1R", "V_S1A"}
    fewer = rms[rms["rm_id"] != "R_O1A"]
    assert changed_ids(rms, fewer, "rm_id") == {"R_O1A"}
