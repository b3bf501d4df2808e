"""The headcount MILP: the decisions whose capacity covers each tier's target, at least cost (or,
under a quota or a budget, the most coverage).

Data (options, who may serve whom, what each decision does to the staffing rules) is built once
by the modules above; :class:`HeadcountModel` formulates and :func:`solve_with_highs` runs it.

- ``x[d]`` (integer): how many of decision ``d`` (hires, redeployments, certifications,
  transfers), within its pool (an RM group's members, a branch's counter staff);
- each existing RM group and each serving decision is a *supply node*; ``f[n, k] >= 0`` is how
  many customers of class ``k`` node ``n`` serves, within the node's capacity in workload points
  (net of packing loss); one-to-one classes (key corporate bands) take a whole RM each (integer
  dedicated RMs per node). A group's RMs certified or moved leave its node for their own;
- each targeted tier ``t``: at least ``ceil(target_t * customers_t)`` customers served (mode
  ``cost``), or as many as the budget and quota allow, up to that (mode ``coverage``);
- the enforced staffing rules, the quota per branch (职数) and the budget.

Mode ``cost`` minimises the decisions' annual cost. Mode ``coverage`` maximises cover value (each
covered customer of a tier counts the policy's priority, as the allocator counts it), then, with
that fixed, minimises cost.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from allocator.contract import certification_list
from allocator.highs import highs_threads
from scenarios.headcount.constraints import QuotaRow, RuleRow, add_quota_rows, add_rule_rows
from scenarios.headcount.options import Catalogue
from scenarios.headcount.supply import Supply

if TYPE_CHECKING:
    import pulp

#: solve statuses that come with a set of decisions
SOLVED = ("optimal", "feasible")

Mode = Literal["cost", "coverage"]


def solve_with_highs(prob: pulp.LpProblem, time_limit: float) -> str:
    """Solve ``prob`` with HiGHS through PuLP; return how it stopped.

    One thread: the model is small, and HiGHS's scheduler is process-wide (see
    :mod:`allocator.highs`), so a planner running beside an allocation must not resize it.

    Returns
    -------
    str
        ``optimal``; ``feasible`` (the time limit hit with a solution); ``infeasible``
        (unbounded counts as infeasible: costs are positive, so it means a broken model);
        ``no_solution``.
    """
    import pulp

    with highs_threads(1) as threads:
        prob.solve(
            pulp.HiGHS(msg=False, timeLimit=max(time_limit, 1.0), threads=threads, gapRel=1e-7)
        )
    status = {
        pulp.LpStatusOptimal: "optimal",
        pulp.LpStatusInfeasible: "infeasible",
        pulp.LpStatusNotSolved: "no_solution",
        pulp.LpStatusUnbounded: "infeasible",
    }.get(prob.status, "no_solution")
    if status == "optimal" and prob.sol_status != pulp.LpSolutionOptimal:
        status = "feasible"
    return status


@dataclass
class Formulation:
    """A built MILP: the problem, the decision variables, the flow variables of each supply
    node (node -> [(class, variable)]) and the covered-customer variables (coverage mode)."""

    prob: pulp.LpProblem
    x: dict[int, Any]
    flows: dict[tuple[str, int], list[tuple[int, Any]]]
    covered: dict[str, Any] = field(default_factory=dict)
    cost: Any = None


@dataclass
class ModelResult:
    """One solve: the value of each decision, how the solve ended, and per targeted tier
    ``tier -> (customers, need, covered by the model)``; ``flows`` per supply node and class;
    in mode ``coverage``, ``covered``: the customers counted towards each target (at most its
    need), what the objective maximised."""

    values: dict[int, int]
    status: str
    expected: dict[str, tuple[float, int, float]]
    flows: dict[tuple[str, int], dict[int, float]]
    covered: dict[str, float] = field(default_factory=dict)


class HeadcountModel:
    """The headcount MILP of one bank (see the module docstring).

    Parameters
    ----------
    cat
        The options (decisions, existing RM groups, pools).
    supply
        Targeted classes and who may serve them.
    targets
        Tier -> share of its customers to cover (implied targets included).
    rules, quota
        Enforced staffing rules and quota rows (over the decisions).
    weights
        Per decision: its annual cost with tie-breaks (nearer the customers, no certification
        that buys nothing), the objective of mode ``cost``.
    mode, budget
        ``cost`` or ``coverage``; the most the decisions may cost a year (None: no limit).
    """

    def __init__(
        self,
        cat: Catalogue,
        supply: Supply,
        targets: Mapping[str, float],
        rules: list[RuleRow],
        quota: list[QuotaRow],
        weights: np.ndarray,
        mode: Mode = "cost",
        budget: float | None = None,
    ) -> None:
        self.cat, self.supply, self.targets = cat, supply, dict(targets)
        self.rules, self.quota, self.weights = rules, quota, weights
        self.mode, self.budget = mode, budget
        self.notes: list[str] = []
        self.keep = self._useful_decisions()

    # -- which decisions the model may take --------------------------------------------------
    def _useful_decisions(self) -> np.ndarray:
        """Decisions that serve a targeted class or help an enforced rule; among those that are
        interchangeable (same pool, classes, capacity and effect on every rule and quota), the
        cheapest."""
        d = self.cat.decisions
        s = self.supply
        n = len(d)
        rows = s.decision_row
        classes = [tuple(s.classes_of.get(int(r), ())) if r >= 0 else () for r in rows]
        group_classes = [tuple(s.classes_of.get(g, ())) for g in range(s.n_groups)]
        helps = np.zeros(n, dtype=bool)
        for row in self.rules:
            helps |= row.coef > 1e-12
        serves = np.array([bool(c) for c in classes], dtype=bool)
        certify = (d["kind"] == "certify_rm").to_numpy()
        for i in np.flatnonzero(certify):  # a certification serves only classes it opens
            g = int(d["group"].iloc[i])
            serves[i] = bool(set(classes[i]) - set(group_classes[g]))
        useful = serves | helps
        coefs = [r.coef for r in self.rules] + [q.coef for q in self.quota]
        signature = [tuple(round(float(c[i]), 9) for c in coefs) for i in range(n)]
        key = [
            (
                d["pool"].iloc[i],
                d["kind"].iloc[i] == "hire_staff",
                classes[i],
                round(float(s.capacity[rows[i]]), 6) if rows[i] >= 0 else 0.0,
                round(float(s.eff[rows[i]]), 6) if rows[i] >= 0 else 0.0,
                signature[i],
            )
            for i in range(n)
        ]
        order = np.lexsort((np.arange(n), self.weights))
        seen: set[tuple[Any, ...]] = set()
        keep = np.zeros(n, dtype=bool)
        for i in order:
            if useful[i] and key[i] not in seen:
                seen.add(key[i])
                keep[i] = True
        return np.flatnonzero(keep)

    # -- the MILP -------------------------------------------------------------------------------
    def build(
        self, extra: Mapping[str, int], mode: Mode | None = None, budget: float | None = None
    ) -> Formulation:
        """The MILP, with each tier's demand raised by ``extra`` customers (verification), in
        ``mode`` under ``budget`` (the model's own when not given)."""
        import pulp

        mode = mode or self.mode
        budget = self.budget if budget is None else budget

        s, d = self.supply, self.cat.decisions
        prob = pulp.LpProblem("headcount", pulp.LpMinimize)
        x = {int(i): prob.add_variable(f"x{i}", lowBound=0, cat="Integer") for i in self.keep}
        pool_of = d["pool"].to_numpy(dtype=object)
        in_pool: dict[str, list[Any]] = {}
        for i, v in x.items():
            if pool_of[i]:
                in_pool.setdefault(str(pool_of[i]), []).append(v)
        for j, (pool, cap) in enumerate(sorted(self.cat.pools.items())):
            if pool in in_pool:
                prob += pulp.lpSum(in_pool[pool]) <= cap, f"pool{j}"
        flows: dict[tuple[str, int], list[tuple[int, Any]]] = {}
        into: dict[int, list[Any]] = {}

        def node(
            key: tuple[str, int], classes: list[int], eff: Any, per_rm: float, count: Any
        ) -> None:
            """Flows into ``classes`` within capacity ``eff`` (``per_rm`` each of ``count`` RMs),
            less one RM's share per RM dedicated to a one-to-one customer (at most ``count``):
            a dedicated RM takes its own capacity away, no more (net of packing loss, as the
            capacity it had), or a lone RM could never be dedicated."""
            load: list[tuple[int, Any]] = []
            dedicated_flows: list[tuple[int, Any]] = []
            for k in classes:
                f = prob.add_variable(f"f{key[0]}{key[1]}_{k}", lowBound=0)
                flows.setdefault(key, []).append((k, f))
                into.setdefault(k, []).append(f)
                (dedicated_flows if s.class_excl[k] else load).append((k, f))
            dedicated: Any = 0
            if dedicated_flows:
                dedicated = prob.add_variable(f"n{key[0]}{key[1]}", lowBound=0, cat="Integer")
                prob.addConstraint(pulp.lpSum(f for _, f in dedicated_flows) <= dedicated)
                prob.addConstraint(dedicated <= count)
            if load:
                prob.addConstraint(
                    pulp.lpSum(s.class_w[k] * f for k, f in load) <= eff - per_rm * dedicated
                )

        group_of = d["group"].to_numpy(dtype=np.int64)
        by_group: dict[int, list[Any]] = {}
        for i, v in x.items():
            if group_of[i] >= 0:
                by_group.setdefault(int(group_of[i]), []).append(v)
        merged: dict[tuple[tuple[int, ...], float], list[int]] = {}
        for g in range(s.n_groups):
            classes = s.classes_of.get(g, [])
            if not classes:
                continue
            if g in by_group:
                n_g = int(self.cat.groups["count"].iloc[g])
                count = n_g - pulp.lpSum(by_group[g])
                node(("g", g), classes, float(s.eff[g]) * count, float(s.eff[g]), count)
            else:
                merged.setdefault((tuple(classes), float(s.capacity[g])), []).append(g)
        for j, ((classes_t, _cap), gs) in enumerate(sorted(merged.items())):
            counts = self.cat.groups["count"].to_numpy(dtype=float)[gs]
            eff_m = float((s.eff[gs] * counts).sum())
            node(("m", j), list(classes_t), eff_m, float(s.eff[gs[0]]), float(counts.sum()))
        for i, v in x.items():
            r = int(s.decision_row[i])
            if r >= 0 and s.classes_of.get(r):
                node(("d", i), s.classes_of[r], float(s.eff[r]) * v, float(s.eff[r]), v)
        for k, fs in into.items():
            prob += pulp.lpSum(fs) <= s.class_n[k]
        covered: dict[str, Any] = {}
        for tier, share in self.targets.items():
            need: float = min(
                math.ceil(share * s.tier_n[tier] - 1e-9) + extra.get(tier, 0), int(s.tier_n[tier])
            )
            served = pulp.lpSum(f for k, fs in into.items() if s.class_tier[k] == tier for f in fs)
            if mode == "coverage":
                covered[tier] = prob.add_variable(f"cov_{tier}", lowBound=0, upBound=max(need, 0))
                prob += covered[tier] <= served
            elif need > 0:
                prob += served >= need, f"target_{tier}"
        self.notes += add_rule_rows(prob, x, self.rules)
        add_quota_rows(prob, x, self.quota)
        cost = pulp.lpSum(float(self.cat.decisions["cost"].iloc[i]) * v for i, v in x.items())
        if budget is not None:
            prob += cost <= budget, "budget"
        prob += pulp.lpSum(float(self.weights[i]) * v for i, v in x.items())
        return Formulation(prob, x, flows, covered, cost)

    def covered_as_today(self, time_limit: float) -> dict[str, float]:
        """Customers per tier the bank covers with no decision at all, cover value first (a tier
        of higher priority takes capacity before a lower one), the model's estimate of what the
        allocator does with today's staff."""
        keep = self.keep
        self.keep = keep[:0]
        try:
            result = self.solve(time_limit, mode="coverage")
        finally:
            self.keep = keep
        return result.covered

    def _cover_value(self, form: Formulation) -> Any:
        import pulp

        prio = self.supply.tier_priority
        return pulp.lpSum(prio.get(t, 1.0) * v for t, v in form.covered.items())

    def solve(
        self,
        time_limit: float,
        extra: Mapping[str, int] | None = None,
        *,
        mode: Mode | None = None,
        budget: float | None = None,
    ) -> ModelResult:
        """Build the MILP, solve it within ``time_limit`` seconds, read the decisions off it.

        In mode ``coverage`` the time is shared by the two stages (cover value, then cost).
        ``mode`` and ``budget`` override the model's own for this solve (a coverage curve).
        """
        import pulp

        mode = mode or self.mode
        form = self.build(extra or {}, mode, budget)
        if mode == "coverage":
            objective = form.prob.objective
            form.prob.sense = pulp.LpMaximize
            form.prob.setObjective(self._cover_value(form))
            status = solve_with_highs(form.prob, time_limit / 2)
            read = self._read(form) if status in SOLVED else None
            if read is not None:
                best = float(pulp.value(form.prob.objective) or 0.0)
                form.prob += self._cover_value(form) >= best - 1e-6 * max(abs(best), 1.0), "best"
                form.prob.sense = pulp.LpMinimize
                form.prob.setObjective(objective)
                if solve_with_highs(form.prob, time_limit / 2) in SOLVED:
                    read = self._read(form)  # else the first stage's answer stands
        else:
            status = solve_with_highs(form.prob, time_limit)
            read = self._read(form) if status in SOLVED else None
        if status == "infeasible":
            self.notes.append(
                "no set of decisions reaches the targets under the enforced rules, quota and "
                "budget: lower a target, raise the budget or quota, allow more candidate "
                "branches, or use --mode coverage"
            )
        values, flows, covered = read if read is not None else ({}, {}, {})
        return ModelResult(values, status, self._expected(flows), flows, covered)

    @staticmethod
    def _read(
        form: Formulation,
    ) -> tuple[dict[int, int], dict[tuple[str, int], dict[int, float]], dict[str, float]]:
        """The solution in ``form``'s variables: decisions, flows per node, covered per tier."""
        values = {i: round(v.value() or 0) for i, v in form.x.items()}
        flows = {key: {k: float(f.value() or 0.0) for k, f in fs} for key, fs in form.flows.items()}
        covered = {t: float(v.value() or 0.0) for t, v in form.covered.items()}
        return values, flows, covered

    def _expected(
        self, flows: Mapping[tuple[str, int], Mapping[int, float]]
    ) -> dict[str, tuple[float, int, float]]:
        """Per targeted tier: customers, customers needed, customers the model covers."""
        s = self.supply
        out = {}
        for tier, share in self.targets.items():
            covered = sum(
                v for fs in flows.values() for k, v in fs.items() if s.class_tier[k] == tier
            )
            n = s.tier_n[tier]
            out[tier] = (n, math.ceil(share * n - 1e-9), covered)
        return out


def cost_weights(cat: Catalogue, level_rank: Mapping[str, int]) -> np.ndarray:
    """Each decision's objective weight: its cost, with tie-breaks among equal costs -- nearer
    the customers (lower branch level), without certifications that buy nothing -- a few
    millionths of the cost, far below any real salary difference."""
    d = cat.decisions
    level = np.array([level_rank.get(b, 0) for b in d["branch_id"]], dtype=float)
    n_certs = np.array([len(certification_list(c)) for c in d["certifications"]], dtype=float)
    cost = d["cost"].to_numpy(dtype=float)
    return cost * (1 + 1e-6 * level + 1e-7 * n_certs) + 1e-3
