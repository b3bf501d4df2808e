"""The headcount MILP: the least-cost hires whose capacity covers each tier's target.

Customers are aggregated into *classes* of equal eligibility, exactly as the allocator
aggregates them, and who may serve a class is decided by the allocator's own eligibility rules
(:mod:`allocator.rules`) run on the existing RMs and the candidates together: the planner and
the allocator cannot disagree about eligibility. The formulation (:class:`HeadcountModel`) is
apart from the solving (:func:`solve_with_highs`), which only runs a built model and says how it
stopped.

- ``h[p]`` (integer): hires of candidate profile ``p``;
- existing RMs with the same eligible classes are one *supply node*; each candidate is one;
  ``x[n, k] >= 0`` is how many customers of class ``k`` node ``n`` serves, within the node's
  capacity in workload points (net of packing loss: ``packing_margin``); one-to-one classes (key
  corporate bands) take a whole RM each (``d[n]`` dedicated RMs, integer);
- each targeted tier ``t``: at least ``ceil(target_t * customers_t)`` customers served;
- the enforced staffing rules (:mod:`scenarios.headcount.constraints`).

Minimise the hires' annual cost.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Set
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import pandas as pd

from allocator.contract import certification_list
from allocator.highs import highs_threads
from allocator.instance import Instance
from allocator.policy import Policy
from allocator.rules import BranchTable, RmTable, assign_tiers, build_classes, eligible_class_pairs
from scenarios.headcount.bank import active_rms, branch_levels
from scenarios.headcount.constraints import HireSums, add_staffing_constraints
from scenarios.headcount.profiles import (
    HIRE_COLUMNS,
    PROFILE_COLUMNS,
    candidate_profiles,
    profile_roles,
)
from scenarios.headcount.rules import StaffingRules

if TYPE_CHECKING:
    import pulp

#: columns of the model's expectation per tier
EXPECTED_COLUMNS = ("tier", "customers", "target", "need", "model_covers")

#: solve statuses that come with a set of hires
SOLVED = ("optimal", "feasible")


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
        prob.solve(pulp.HiGHS(msg=False, timeLimit=time_limit, threads=threads))
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
    """A built MILP: the problem, the hire variables (candidate row -> variable) and the flow
    variables into each class."""

    prob: pulp.LpProblem
    hires: dict[int, Any]
    flow: dict[int, list[Any]]


class ModelResult(NamedTuple):
    """What one solve gives: the hires (``HIRE_COLUMNS``), the status and, per targeted tier,
    ``tier, customers, target, need, model_covers``."""

    hires: pd.DataFrame
    status: str
    expected: pd.DataFrame


class HeadcountModel:
    """The headcount MILP of one bank (see the module docstring).

    The data -- classes, eligibility, supply nodes, candidates -- is built once here; :meth:`solve`
    formulates and solves the MILP, and may be called again with extra demand (the verification
    rounds of :func:`~scenarios.headcount.plan.plan_headcount`) without rebuilding it.

    Parameters
    ----------
    instance, policy
        The bank today and its allocation policy (eligibility, workloads, capacities).
    rules
        Staffing rules and hiring options.
    salaries
        The salary table that prices candidates.
    targets
        Tier -> share of its customers to cover (implied targets included).
    enforce
        Staffing rules to impose as constraints.
    staff
        ``branch_id, staff`` for the RM-share rule, or None.

    Attributes
    ----------
    notes
        Assumptions made and why a target cannot be reached, in words (grows as solves add
        theirs).
    cands
        The candidate profiles with their cost and roles; ``cand_keep`` are the rows the model
        may hire.
    """

    def __init__(
        self,
        instance: Instance,
        policy: Policy,
        rules: StaffingRules,
        salaries: pd.DataFrame,
        targets: dict[str, float],
        enforce: Set[str],
        staff: pd.DataFrame | None,
    ) -> None:
        self.instance, self.policy, self.rules = instance, policy, rules
        self.targets, self.enforce, self.staff = targets, enforce, staff
        self.notes: list[str] = []
        self.cands = candidate_profiles(instance, policy, rules, salaries, enforce)
        self.rms = active_rms(instance).reset_index(drop=True)
        self._classes()
        if "deposits" not in instance.customers.columns:
            self.notes.append(
                "corporate deposits: no 'deposits' column, annual_contribution is used as the proxy"
            )
        if staff is None and "rm_share" in enforce:
            self.notes.append("rm_share: no staff table given, so staff = RMs and the rule holds")
        self._nodes()
        self._prune_candidates()

    # -- data ------------------------------------------------------------------------------------
    def _classes(self) -> None:
        """Customer classes (count, workload, tier, one-to-one) and the targeted classes' eligible
        suppliers among existing RMs (rows ``0..n_exist-1``) and candidates (after them)."""
        cust, policy, targets = self.instance.customers, self.policy, self.targets
        tiers = assign_tiers(cust, policy)
        cand_rms = self.cands.assign(
            rm_id=[f"\0cand{i}" for i in range(len(self.cands))], capacity=np.nan, active=True
        )
        both = pd.concat(
            [self.rms[list(cand_rms.columns.drop("cost"))], cand_rms.drop(columns="cost")],
            ignore_index=True,
        )
        br = BranchTable.build(self.instance.branches, policy)
        rmt = RmTable.build(both, br, policy)
        classes = build_classes(cust, tiers, br, rmt, policy)
        pairs = eligible_class_pairs(classes, rmt, br, policy)
        self.n_exist = len(self.rms)
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

    def _prune_candidates(self) -> None:
        """Drop candidates that serve no targeted class and no enforced rule, and keep only the
        cheapest of candidates that are interchangeable (same branch, unit, line, classes,
        capacity and rule roles)."""
        off = self.n_exist
        roles = profile_roles(self.cands, self.policy, self.rules)
        self.cands = c = pd.concat([self.cands, roles], axis=1)
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

    # -- the MILP --------------------------------------------------------------------------------
    def _cost_weights(self) -> np.ndarray:
        """Each candidate's objective weight: its cost, with tie-breaks among equal costs -- hire
        closer to the customers (lower branch level), and without certifications that buy
        nothing -- a few millionths of the cost, far below any real salary difference."""
        lv_rank = {lv: i for i, lv in enumerate(self.policy.branch_levels)}
        lvl = branch_levels(self.instance)
        cands = self.cands
        level = np.array([lv_rank.get(lvl.get(b, ""), 0) for b in cands["branch_id"]], dtype=float)
        n_certs = np.array([len(certification_list(x)) for x in cands["certifications"]], float)
        cost = cands["cost"].to_numpy(dtype=float)
        return cost * (1 + 1e-6 * level + 1e-7 * n_certs)

    def build(self, extra: Mapping[str, int]) -> Formulation:
        """The MILP, with each tier's demand raised by ``extra`` customers (verification)."""
        import pulp

        prob = pulp.LpProblem("headcount", pulp.LpMinimize)
        off = self.n_exist
        h = {int(i): prob.add_variable(f"h{i}", lowBound=0, cat="Integer") for i in self.cand_keep}
        weight = self._cost_weights()
        prob += pulp.lpSum(float(weight[i]) * v for i, v in h.items())
        flow: dict[int, list[Any]] = {}  # class -> flow variables into it
        n_x = 0

        def node(classes: list[int], eff: Any, cap: float, count: Any, name: str) -> None:
            """One supply node: flows into its classes within its capacity ``eff``, less
            ``cap`` per RM dedicated to a one-to-one customer (at most ``count`` of them)."""
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
        if self.enforce:
            self.notes += add_staffing_constraints(
                prob,
                HireSums(h, self.cands),
                self.enforce,
                instance=self.instance,
                policy=self.policy,
                rules=self.rules,
                rms=self.rms,
                staff=self.staff,
            )
        return Formulation(prob, h, flow)

    def solve(self, time_limit: float, extra: Mapping[str, int] | None = None) -> ModelResult:
        """Build the MILP, solve it within ``time_limit`` seconds, read the hires off it.

        ``extra`` raises a tier's demand by that many customers (the shortfall a verifying
        allocation showed).
        """
        model = self.build(extra or {})
        status = solve_with_highs(model.prob, time_limit)
        counts = (
            {i: round(v.value() or 0) for i, v in model.hires.items()} if status in SOLVED else {}
        )
        hires = self._hires(counts)
        expected = self._expected(model.flow if counts else {})
        if status == "infeasible":
            self.notes.append(
                "no set of hires reaches the targets under the enforced rules: lower a target, "
                "allow more candidate branches, or check the notes above"
            )
        return ModelResult(hires, status, expected)

    # -- reading the solution --------------------------------------------------------------------
    def _hires(self, counts: Mapping[int, int]) -> pd.DataFrame:
        """The hires of a solution (``HIRE_COLUMNS``), in a stable order."""
        cost = self.cands["cost"].to_numpy(dtype=float)
        rows = [
            (*self.cands.loc[i, list(PROFILE_COLUMNS)], int(n), float(cost[i]) * n)
            for i, n in counts.items()
            if n > 0
        ]
        out = pd.DataFrame(rows, columns=list(HIRE_COLUMNS))
        return out.sort_values(
            ["branch_id", "unit", "line", "grade", "certifications"]
        ).reset_index(drop=True)

    def _expected(self, flow: Mapping[int, list[Any]]) -> pd.DataFrame:
        """Per targeted tier, the customers the solution's flows cover."""
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
        return pd.DataFrame(rows, columns=list(EXPECTED_COLUMNS))
