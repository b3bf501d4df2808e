"""Run a scenario: solve the baseline, apply the edits, re-solve warm-started, compare.

The scenario's solve starts from the baseline plan, twice over: the components of the
eligibility graph that the edits left identical keep the baseline plan as it is
(:mod:`scenarios.resolve`: exact, since the objective separates over components), and the rest is
solved with the baseline plan as the warm start. Like every allocation it keeps moves few against
today's book (continuity is an objective stage of the allocator). For the customers of departed
RMs the warm start is a *hand-over*: an eligible RM with room in the departed RM's own branch (its
outlet) first, then up the branch tree, nearest first, then anyone eligible. The solver may still
do better on cover value; :func:`handover_report` says where each of those customers landed.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from allocator.allocation import allocate
from allocator.instance import Instance
from allocator.io import write_csv_safe, write_instance
from allocator.plan import Plan
from allocator.policy import Policy, load_policy
from allocator.rules import BranchTable, RmTable, assign_tiers, build_classes, eligible_class_pairs
from allocator.solution import SolveControl
from allocator.validation import as_instance, load_instance
from scenarios.compare import (
    all_metrics,
    changed_vs,
    comparison_table,
    handover_metrics,
    load_salaries,
)
from scenarios.edits import apply_edits
from scenarios.resolve import Reuse, resolve
from scenarios.spec import Baseline, RemoveRms, ScenarioSpec, load_spec

log = logging.getLogger(__name__)

DEFAULT_TIME_LIMIT = 30.0


# -- the baseline ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class BankRun:
    """A bank, its policy and its solved plan: the baseline every scenario compares with."""

    instance: Instance
    policy: Policy
    plan: Plan


def load_baseline(baseline: Baseline) -> tuple[Instance, Policy]:
    """The baseline bank and policy a spec names (sample, generated, or files)."""
    policy = load_policy(baseline.policy)
    if baseline.generate is not None:
        from allocator.synth import generate_bank

        instance = generate_bank(baseline.generate.customers, seed=baseline.generate.seed)
        return instance, policy
    if baseline.sample:
        from allocator.synth import sample_bank_paths

        paths = sample_bank_paths()
        if isinstance(paths, Mapping):
            c, r, b = paths["customers"], paths["rms"], paths.get("branches")
        else:
            c, r, b = (*paths, None)[:3]
        return load_instance(c, r, b, policy=policy), policy
    assert baseline.customers is not None and baseline.rms is not None
    return load_instance(baseline.customers, baseline.rms, baseline.branches, policy=policy), policy


def solve_bank(
    customers: Instance | str | Path | pd.DataFrame,
    rms: str | Path | pd.DataFrame | None = None,
    branches: str | Path | pd.DataFrame | None = None,
    *,
    policy: Policy | Mapping[str, Any] | str | Path | None = None,
    time_limit: float = DEFAULT_TIME_LIMIT,
    seed: int = 0,
    workers: int = 2,
    backend: str = "auto",
) -> BankRun:
    """A baseline from a notebook: a bank (an Instance, or contract tables as DataFrames or
    paths) and a policy, solved. Pass it as ``baseline=`` to :func:`run_scenario` or
    :func:`scenarios.sweep.run_sweep`; the spec then needs no ``baseline``."""
    pol = load_policy(policy)
    instance = as_instance(customers, rms, branches, policy=pol)
    plan = allocate(
        instance, policy=pol, backend=backend, time_limit=time_limit, seed=seed, workers=workers
    )
    return BankRun(instance, pol, plan)


def solve_baseline(
    spec: ScenarioSpec | str | Path | Mapping[str, Any],
    *,
    time_limit: float | None = None,
    seed: int | None = None,
    workers: int = 2,
    backend: str = "auto",
    control: SolveControl | None = None,
) -> BankRun:
    """Load and solve the spec's baseline (today's book as the warm start); ``control`` watches
    the solve's progress and may stop it."""
    spec = load_spec(spec)
    if spec.baseline is None:
        raise ValueError("the spec names no baseline: give one, or pass baseline= (solve_bank)")
    instance, policy = load_baseline(spec.baseline)
    plan = allocate(
        instance,
        policy=policy,
        backend=backend,
        time_limit=_limit(spec, time_limit),
        seed=spec.seed if seed is None else seed,
        workers=workers,
        control=control,
    )
    return BankRun(instance, policy, plan)


def _limit(spec: ScenarioSpec, time_limit: float | None) -> float:
    if time_limit is not None:
        return time_limit
    return spec.time_limit if spec.time_limit is not None else DEFAULT_TIME_LIMIT


# -- hand-over -------------------------------------------------------------------------------------
def departed_rms(spec: ScenarioSpec) -> list[str]:
    """Every RM a ``remove_rms`` edit of the spec removes, in order."""
    out: list[str] = []
    for e in spec.edits:
        if isinstance(e, RemoveRms):
            out += [r for r in e.rm_ids if r not in out]
    return out


def _book_of(baseline_plan: Plan, instance: Instance, departed: Sequence[str]) -> pd.DataFrame:
    """The departed RMs' customers: today's book or the baseline plan names a departed RM.

    Returns ``customer_id, departed_rm_id`` (today's RM wins when both name one).
    """
    customers = instance.customers
    planned = (
        customers["customer_id"]
        .map(baseline_plan.assignments.set_index("customer_id")["rm_id"])
        .fillna("")
    )
    today = customers["current_rm_id"]
    gone = set(departed)
    who = np.where(today.isin(gone), today, np.where(planned.isin(gone), planned, ""))
    mask = who != ""
    return pd.DataFrame(
        {"customer_id": customers["customer_id"].to_numpy()[mask], "departed_rm_id": who[mask]}
    )


def handover_hint(
    baseline_plan: Plan, instance: Instance, policy: Policy, departed: Sequence[str]
) -> pd.Series:
    """The warm start of a scenario: the baseline plan, with the departed RMs' books handed over.

    Each departed customer (highest priority first; a group as one) is hinted to an eligible,
    active RM with room left after the baseline plan's loads: in the departed RM's branch first,
    then in its ancestors (nearest first), then any eligible RM. A one-to-one customer is hinted
    only to an RM with nothing else. Customers without a fitting RM get no hint.

    Returns
    -------
    pandas.Series
        customer_id -> rm_id ("" for none), for every customer of ``instance``.
    """
    customers = instance.customers
    base = baseline_plan.assignments.set_index("customer_id")["rm_id"]
    hint = customers["customer_id"].map(base).fillna("").to_numpy(dtype=object)
    book = _book_of(baseline_plan, instance, departed)
    gone = set(departed)
    hint[np.isin(hint, list(gone))] = ""
    if book.empty:
        return pd.Series(hint, index=customers["customer_id"].to_numpy(), dtype=object)

    tiers = assign_tiers(customers, policy)
    br = BranchTable.build(instance.branches, policy)
    rmt = RmTable.build(instance.rms, br, policy)
    classes = build_classes(customers, tiers, br, rmt, policy)
    pairs = eligible_class_pairs(classes, rmt, br, policy)
    workload = tiers["workload"].to_numpy(dtype=float)
    hinted = np.array([rmt.index.get(x, -1) if x else -1 for x in hint], dtype=np.int64)
    load = np.bincount(hinted[hinted >= 0], weights=workload[hinted >= 0], minlength=len(rmt.ids))
    exclusive_cls = classes.one_to_one
    cls_of = classes.class_of
    has_excl = np.zeros(len(rmt.ids), dtype=bool)
    excl_c = (cls_of >= 0) & (hinted >= 0)
    excl_c[excl_c] = exclusive_cls[cls_of[excl_c]]
    has_excl[hinted[excl_c]] = True

    pos_of = {c: i for i, c in enumerate(customers["customer_id"])}
    rm_branch = dict(zip(instance.rms["rm_id"], instance.rms["branch_id"], strict=True))
    group = customers["group_id"].to_numpy(dtype=object)
    priority = tiers["priority"].to_numpy(dtype=np.int64)
    pos = np.array([pos_of[c] for c in book["customer_id"]], dtype=np.int64)
    units: dict[str, list[int]] = {}
    departed_of: dict[str, str] = {}
    for p, d in zip(pos, book["departed_rm_id"], strict=True):
        if cls_of[p] < 0:
            continue  # pooled: no RM to hand over to
        key = group[p] or f"\0{p}"
        units.setdefault(key, []).append(int(p))
        departed_of.setdefault(key, d)
    order = sorted(units, key=lambda k: (-max(priority[p] for p in units[k]), min(units[k])))
    starts = np.searchsorted(pairs.k, np.arange(classes.n + 1))
    for key in order:
        members = units[key]
        cands: set[int] | None = None
        for p in members:
            k = cls_of[p]
            mine = set(pairs.r[starts[k] : starts[k + 1]].tolist())
            cands = mine if cands is None else cands & mine
        need = float(workload[members].sum())
        exclusive = bool(exclusive_cls[cls_of[members]].any())
        d_branch = br.index.get(rm_branch.get(departed_of[key], ""), -1)
        ladder = [int(b) for b in br.ancestors[d_branch] if b >= 0] if d_branch >= 0 else []
        best, best_key = -1, None
        for r in cands or ():
            if rmt.ids[r] in gone or has_excl[r] or (exclusive and load[r] > 0):
                continue
            room = rmt.capacity[r] - load[r]
            if room + 1e-9 < need:
                continue
            rank = ladder.index(rmt.branch[r]) if rmt.branch[r] in ladder else len(ladder)
            k2 = (rank, -room, r)
            if best_key is None or k2 < best_key:
                best, best_key = r, k2
        if best >= 0:
            for p in members:
                hint[p] = rmt.ids[best]
            load[best] += need
            has_excl[best] |= exclusive
    return pd.Series(hint, index=customers["customer_id"].to_numpy(), dtype=object)


def handover_report(
    baseline_plan: Plan, plan: Plan, instance: Instance, departed: Sequence[str]
) -> pd.DataFrame:
    """Where each customer of a departed RM landed in the scenario plan.

    ``landing`` is ``same_outlet`` (an RM of the departed RM's own branch), ``up_tree`` (an RM of
    an ancestor branch), ``elsewhere`` (another branch: below or beside it), ``unassigned`` or
    ``pooled`` (the plan's status). Every such customer has a plan row, hence a decision.
    """
    cols = ["customer_id", "departed_rm_id", "rm_id", "status", "landing"]
    book = _book_of(baseline_plan, instance, departed)
    if book.empty:
        return pd.DataFrame(columns=cols)
    rows = book.merge(plan.assignments[["customer_id", "rm_id", "status"]], on="customer_id")
    branch = dict(zip(instance.rms["rm_id"], instance.rms["branch_id"], strict=True))
    parent = dict(zip(instance.branches["branch_id"], instance.branches["parent_id"], strict=True))

    def ancestors(b: str) -> list[str]:
        out: list[str] = []
        while parent.get(b):
            b = parent[b]
            out.append(b)
        return out

    def landing(dep: str, rm: str, status: str) -> str:
        if status in ("unassigned", "pooled") or not rm:
            return "pooled" if status == "pooled" else "unassigned"
        home = branch.get(dep, "")
        if branch.get(rm) == home:
            return "same_outlet"
        return "up_tree" if branch.get(rm) in ancestors(home) else "elsewhere"

    rows["landing"] = [
        landing(d, r, s)
        for d, r, s in zip(rows["departed_rm_id"], rows["rm_id"], rows["status"], strict=True)
    ]
    return rows[cols]


# -- the run --------------------------------------------------------------------------------------
def _same_bank(a: Instance, pa: Policy, b: Instance, pb: Policy) -> bool:
    if a is b and pa is pb:
        return True
    return (
        pa == pb
        and a.branches_given == b.branches_given
        and a.customers.equals(b.customers)
        and a.rms.equals(b.rms)
        and a.branches.equals(b.branches)
    )


@dataclass
class ScenarioResult:
    """A solved scenario beside its baseline.

    Attributes
    ----------
    spec
        The scenario as run.
    baseline
        The baseline bank, policy and plan.
    instance, policy
        The edited bank and policy.
    plan
        The scenario's plan.
    comparison
        ``metric, baseline, scenario, delta``, one row per metric.
    handover
        Per customer of a departed RM: ``customer_id, departed_rm_id, rm_id, status, landing``.
    solved
        False when the edits changed nothing, so the baseline plan is the scenario's plan.
    reuse
        How much of the baseline plan an incremental re-solve kept (None: solved in full).
    """

    spec: ScenarioSpec
    baseline: BankRun
    instance: Instance
    policy: Policy
    plan: Plan
    comparison: pd.DataFrame
    handover: pd.DataFrame = field(default_factory=pd.DataFrame)
    solved: bool = True
    reuse: Reuse | None = None

    def metric(self, name: str, side: str = "scenario") -> float:
        """One value of the comparison (``side``: baseline, scenario or delta)."""
        row = self.comparison.loc[self.comparison["metric"] == name, side]
        if row.empty:
            raise KeyError(name)
        return float(row.iloc[0])

    def metrics(self) -> dict[str, float]:
        """The scenario column as a dict (one sweep row)."""
        return dict(zip(self.comparison["metric"], self.comparison["scenario"], strict=True))

    def kpis(self) -> dict[str, Any]:
        """kpis.json: both plans' KPIs, the hand-over counts and how the run went."""
        return {
            "name": self.spec.name,
            "solved": self.solved,
            "reuse": None if self.reuse is None else dataclasses.asdict(self.reuse),
            "baseline": self.baseline.plan.kpis,
            "scenario": self.plan.kpis,
            "handover": {
                k.removeprefix("handover."): v for k, v in handover_metrics(self.handover).items()
            }
            if len(self.handover)
            else {},
        }

    def write(self, out_dir: str | Path) -> dict[str, Path]:
        """Write plan.csv, baseline_plan.csv, kpis.json, comparison.csv, the edited bank
        (customers.csv, rms.csv, branches.csv), its policy.yaml, spec.yaml and, with departures,
        handover.csv. ``rmalloc check --customers customers.csv --rms rms.csv --branches
        branches.csv --policy policy.yaml --plan plan.csv`` re-checks the plan."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        written = {k: Path(v) for k, v in write_instance(self.instance, out).items()}
        self.plan.to_csv(out / "plan.csv")
        self.baseline.plan.to_csv(out / "baseline_plan.csv")
        write_csv_safe(self.comparison, out / "comparison.csv")
        (out / "kpis.json").write_text(json.dumps(self.kpis(), indent=2, default=_jsonable))
        (out / "policy.yaml").write_text(self.policy.to_yaml(), encoding="utf-8")
        (out / "spec.yaml").write_text(self.spec.to_yaml(), encoding="utf-8")
        written.update(
            {
                n: out / f"{n}.{ext}"
                for n, ext in (
                    ("plan", "csv"),
                    ("baseline_plan", "csv"),
                    ("comparison", "csv"),
                    ("kpis", "json"),
                    ("policy", "yaml"),
                    ("spec", "yaml"),
                )
            }
        )
        if len(self.handover):
            write_csv_safe(self.handover, out / "handover.csv")
            written["handover"] = out / "handover.csv"
        return written


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"not JSON-able: {type(value).__name__}")


def run_scenario(
    spec_or_path: ScenarioSpec | str | Path | Mapping[str, Any],
    *,
    time_limit: float | None = None,
    seed: int | None = None,
    workers: int = 2,
    backend: str = "auto",
    baseline: BankRun | None = None,
    salaries: str | Path | pd.DataFrame | None = None,
    reuse_unchanged: bool = True,
    incremental: bool = True,
    budget: Literal["share", "full"] = "share",
    control: SolveControl | None = None,
) -> ScenarioResult:
    """Solve a scenario warm-started from its baseline, and compare the two.

    Parameters
    ----------
    spec_or_path
        A :class:`ScenarioSpec`, its mapping, or a YAML/JSON file.
    time_limit
        Seconds per solve (default: the spec's ``time_limit``, else 30).
    seed
        Solver seed and seed of random edits (default: the spec's).
    workers
        Solver threads. 1 makes a run reproducible across machines and is what sweeps use.
    backend
        Allocator backend (``auto`` by default).
    baseline
        An already solved baseline (sweeps solve it once for every point); solved here if None.
    salaries
        A salary table (path or frame) or ``"default"``; the spec's ``salaries`` if None.
    reuse_unchanged
        When the edits leave bank and policy exactly as they were, take the baseline plan
        instead of solving again (the scenario then reproduces the baseline exactly).
    incremental
        Re-solve only the components of the eligibility graph the edits touched and keep the
        baseline plan on the others (:mod:`scenarios.resolve`; exact, as the objective separates
        over components). False: solve the whole edited bank, warm-started from the hint.
    budget
        Of an incremental re-solve: ``share`` gives the touched part the share of the time limit
        its size would get inside a full solve (at least 10 s), ``full`` the whole limit
        (:func:`scenarios.resolve.resolve`).
    control
        Watches the progress of both solves (the command line's progress line) and may stop
        them (each keeps its best plan so far).
    """
    spec = load_spec(spec_or_path)
    seed = spec.seed if seed is None else seed
    limit = _limit(spec, time_limit)
    if baseline is None:
        baseline = solve_baseline(
            spec, time_limit=limit, seed=seed, workers=workers, backend=backend, control=control
        )
    table = load_salaries(salaries if salaries is not None else spec.salaries)
    instance, policy = apply_edits(baseline.instance, baseline.policy, spec.edits, seed=seed)
    departed = departed_rms(spec)
    solved = not (
        reuse_unchanged and _same_bank(instance, policy, baseline.instance, baseline.policy)
    )
    reuse: Reuse | None = None
    if solved:
        hint = handover_hint(baseline.plan, instance, policy, departed)
        if incremental:
            plan, reuse = resolve(
                baseline.instance,
                baseline.plan,
                instance,
                policy,
                hint,
                backend=backend,
                time_limit=limit,
                seed=seed,
                workers=workers,
                control=control,
                budget=budget,
            )
        else:
            plan = allocate(
                instance,
                policy=policy,
                warm_start=hint,
                backend=backend,
                time_limit=limit,
                seed=seed,
                workers=workers,
                control=control,
            )
    else:
        plan = baseline.plan
    handover = handover_report(baseline.plan, plan, instance, departed)
    base_m = all_metrics(baseline.plan, baseline.instance, baseline.policy, table)
    scen_m = all_metrics(plan, instance, policy, table)
    scen_m["changed_vs_baseline"] = float(changed_vs(baseline.plan, plan))
    base_m["changed_vs_baseline"] = 0.0
    if departed:
        scen_m.update(handover_metrics(handover))
    comparison = comparison_table(base_m, scen_m)
    return ScenarioResult(
        spec=spec,
        baseline=baseline,
        instance=instance,
        policy=policy,
        plan=plan,
        comparison=comparison,
        handover=handover,
        solved=solved,
        reuse=reuse,
    )
