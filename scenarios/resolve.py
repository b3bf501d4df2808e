"""Incremental re-solve: solve only what the edits touched, reuse the baseline plan elsewhere.

The eligibility graph of a bank falls apart into connected components (customers joined to the
RMs they may get, group members to each other), and the allocator's lexicographic objective
separates over them (:mod:`allocator.decomposition`): cover value and moves add up, the largest
utilisation is a max. So a component that the edits left *identical* -- same customers, same RMs,
no changed row among them, and the same component in the baseline -- has the same optimum as in
the baseline, and the baseline plan's restriction to it is that optimum (or, when the baseline
stopped at its time limit, exactly as good as the baseline was: the merged status then says
``feasible``). Only the other components are solved, warm-started from the hint.

This is the strongest warm start there is: most of a scenario is the baseline, so most of the
work is not done again. It is exact whenever the baseline was (see above), and when the edits
change the policy (everything may change) or touch every component, it falls back to a full
solve.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from allocator.backends import choose_backend
from allocator.compile import compile_problem
from allocator.decomposition import Part, components, merge, subproblem
from allocator.instance import Instance
from allocator.params import SolveParams
from allocator.pipeline import backend_strategy, solve_compiled
from allocator.plan import Plan
from allocator.policy import Policy
from allocator.problem import Problem, trivial_bound
from allocator.solution import Solution, SolutionStatus, SolveControl, StageResult, Termination

log = logging.getLogger(__name__)

Ints = npt.NDArray[np.int64]

#: the least time the touched part gets under ``budget="share"`` (when the limit allows), so a
#: small change still has time to be proven optimal
MIN_RESOLVE_SECONDS = 10.0


@dataclass(frozen=True)
class Reuse:
    """How much of the baseline a re-solve kept: customers in reused and re-solved components."""

    reused_customers: int
    solved_customers: int
    reused_components: int
    solved_components: int


def changed_ids(before: pd.DataFrame, after: pd.DataFrame, key: str) -> set[str]:
    """Ids whose row differs between two normalised frames (added and removed ids included)."""
    a = before.set_index(key)
    b = after.set_index(key)
    out = set(a.index.symmetric_difference(b.index))
    common = a.index.intersection(b.index)
    if set(a.columns) != set(b.columns):
        return out | set(common)
    differs = np.zeros(len(common), dtype=bool)
    for col in a.columns:
        x, y = a.loc[common, col].to_numpy(), b.loc[common, col].to_numpy()
        same = np.asarray(x == y, dtype=bool)
        if x.dtype.kind == "f":
            same |= np.isnan(x.astype(float)) & np.isnan(y.astype(float))
        differs |= ~same
    return out | set(common[differs])


def _labels(problem: Problem) -> tuple[list[Ints], Ints, list[frozenset[str]]]:
    """Components of ``problem``: their customer indices, the component of every customer (-1
    for one without pairs), and the RM ids of each component."""
    comps = components(problem)
    label = np.full(problem.n_customers, -1, dtype=np.int64)
    for k, cust in enumerate(comps):
        label[cust] = k
    pl = label[problem.pair_customer]
    pairs = np.unique(np.stack([pl, problem.pair_rm.astype(np.int64)]), axis=1)
    cuts = np.searchsorted(pairs[0], np.arange(len(comps) + 1))
    rms = [frozenset(problem.rm_ids[pairs[1, cuts[k] : cuts[k + 1]]]) for k in range(len(comps))]
    return comps, label, rms


def _reused_part(problem: Problem, cust: Ints, baseline: Plan, optimal: bool) -> Part | None:
    """The clean customers as one solved part, with the baseline plan's assignment."""
    sub, rm_idx = subproblem(problem, cust)
    planned = baseline.assignments.set_index("customer_id")["rm_id"]
    local_of = {r: i for i, r in enumerate(sub.rm_ids)}
    a = np.array([local_of.get(planned.get(c, ""), -1) for c in sub.customer_ids], dtype=np.int64)
    if sub.violations(a):
        return None
    status = SolutionStatus.OPTIMAL if optimal else SolutionStatus.FEASIBLE
    stages = []
    for stage in sub.stages:
        value = sub.stage_value(stage, a)
        bound = value if optimal else trivial_bound(sub, stage)
        stages.append(StageResult(stage, value, bound, status, 0.0))
    solution = Solution(a, status, Termination.CONVERGED, stages, "reuse", 0.0)
    return Part(customer_idx=cust, rm_idx=rm_idx, solution=solution, problem=sub)


def resolve(
    baseline_instance: Instance,
    baseline_plan: Plan,
    instance: Instance,
    policy: Policy,
    hint: pd.Series,
    *,
    backend: str = "auto",
    time_limit: float = 30.0,
    seed: int = 0,
    workers: int = 2,
    control: SolveControl | None = None,
    budget: Literal["share", "full"] = "share",
) -> tuple[Plan, Reuse | None]:
    """Solve the edited bank, reusing the baseline plan on the components the edits left alone.

    The plan comes out of the one solve pipeline (:func:`allocator.pipeline.solve_compiled`,
    checked like every other plan); this module only brings the *strategy*: which components to
    reuse and which to solve.

    Parameters
    ----------
    budget
        ``share``: the touched part gets the share of ``time_limit`` its size (eligible pairs)
        would get inside a full solve -- the decomposing backend gives each part a budget
        proportional to its size over ``workers`` lanes -- but at least
        :data:`MIN_RESOLVE_SECONDS`: the same effort per pair as a full solve, none spent again
        on the reused parts. ``full``: the whole ``time_limit``.

    Returns the plan and what was reused (``None`` when it fell back to a full solve, warm-started
    from ``hint``: a changed policy, nothing to reuse, or a part that found no solution).
    """
    params = SolveParams(time_limit=time_limit, seed=seed, workers=workers, backend=backend)
    compiled = compile_problem(instance, policy, hint=hint)
    reuse: list[Reuse] = []

    def strategy(problem: Problem, prm: SolveParams, ctl: SolveControl | None) -> Solution:
        if policy != baseline_plan.policy:
            return backend_strategy(problem, prm, ctl)
        found = _reusing(baseline_instance, baseline_plan, instance, problem, prm, ctl, budget)
        if found is None:
            return backend_strategy(problem, prm, ctl)
        solution, what = found
        reuse.append(what)
        return solution

    plan = solve_compiled(compiled, params, control, strategy=strategy)
    return plan, (reuse[0] if reuse else None)


def _reusing(
    baseline_instance: Instance,
    baseline_plan: Plan,
    instance: Instance,
    problem: Problem,
    params: SolveParams,
    control: SolveControl | None,
    budget: Literal["share", "full"],
) -> tuple[Solution, Reuse] | None:
    """The merged solution of the reused and the re-solved components, or ``None`` when a full
    solve is needed (nothing to reuse, or a part found no solution)."""
    t0 = time.monotonic()
    base_problem = baseline_plan.compiled.problem
    comps, _, rms_of = _labels(problem)
    _, base_label, base_rms = _labels(base_problem)
    base_size = np.bincount(base_label[base_label >= 0], minlength=len(base_rms))
    where = pd.Index(base_problem.customer_ids).get_indexer(pd.Index(problem.customer_ids))
    label_then = np.where(where >= 0, base_label[np.maximum(where, 0)], -1)
    dirty_c = changed_ids(baseline_instance.customers, instance.customers, "customer_id")
    dirty_r = changed_ids(baseline_instance.rms, instance.rms, "rm_id")
    touched = np.isin(problem.customer_ids, list(dirty_c))
    clean: list[Ints] = []
    solve: list[Ints] = []
    for k, cust in enumerate(comps):
        then = np.unique(label_then[cust])
        same = (
            then.size == 1
            and then[0] >= 0
            and base_size[then[0]] == cust.size
            and base_rms[then[0]] == rms_of[k]
            and not (dirty_r & rms_of[k])
            and not touched[cust].any()
        )
        (clean if same else solve).append(cust)
    if not clean:
        return None
    optimal = baseline_plan.solution.status == SolutionStatus.OPTIMAL
    reused = _reused_part(problem, np.sort(np.concatenate(clean)), baseline_plan, optimal)
    if reused is None:
        return None
    parts = [reused]
    name = "reuse"
    if solve:
        cust = np.sort(np.concatenate(solve))
        sub, rm_idx = subproblem(problem, cust)
        solver = choose_backend(sub, params.backend)
        name = f"{solver.name}+reuse"
        limit = params.time_limit
        if budget == "share":
            share = limit * max(1, params.workers) * sub.n_pairs / max(problem.n_pairs, 1)
            limit = min(limit, max(MIN_RESOLVE_SECONDS, share))
        options = params.replace(time_limit=limit).options()
        solution = solver.solve(sub, options, control)
        if solution.status in (SolutionStatus.NO_SOLUTION, SolutionStatus.INFEASIBLE):
            return None
        parts.append(Part(customer_idx=cust, rm_idx=rm_idx, solution=solution, problem=sub))
    merged = merge(problem, parts, backend=name, seconds=time.monotonic() - t0)
    if problem.violations(merged.assignment):  # never hand out a plan that breaks a rule
        log.warning("incremental re-solve broke a rule; solving in full")
        return None
    n_clean = sum(len(c) for c in clean)
    n_solve = sum(len(c) for c in solve)
    log.info(
        "re-solve: reused %d customers in %d components, solved %d in %d",
        n_clean,
        len(clean),
        n_solve,
        len(solve),
    )
    return merged, Reuse(n_clean, n_solve, len(clean), len(solve))
