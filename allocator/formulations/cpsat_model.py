"""The CP-SAT formulation of a :class:`~allocator.problem.Problem`.

Model (one Boolean per eligible pair, ``x[p]``):

- at most one RM per customer (exactly one when required);
- capacity: ``sum(weight[p] * x[p]) <= capacity[r]`` per RM, written only where it can bind;
- groups: ``y[g, r]`` says group ``g`` uses RM ``r``; ``x[p] -> y[g, r]``; at most one ``y``
  per group;
- one-to-one: ``d[r]`` says RM ``r`` is dedicated; an exclusive pair implies it, and a dedicated RM
  serves at most one *unit* (a group, or a customer outside any group).

Used by the ``cpsat`` backend for every stage, by ``lns`` for its later stages and its
neighbourhood sub-solves, and by the benchmarks' plain CP-SAT baseline.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from allocator.problem import Problem

#: utilisation is optimised in integer units of 1/UTIL_SCALE
UTIL_SCALE = 1000


def cp_model() -> Any:
    """OR-Tools' ``cp_model`` module (imported on first use: it is heavy)."""
    from ortools.sat.python import cp_model as module

    return module


class CpSatModel:
    """The CP-SAT model of one problem, with the expressions of the three stages.

    A formulation only: it builds variables and constraints and says what each stage's objective
    is; running the solver is :mod:`allocator.engines.cpsat`'s job and the stage loop
    :mod:`allocator.staging`'s.
    """

    def __init__(self, problem: Problem):
        cp = cp_model()
        self.cp = cp
        self.problem = problem
        m = cp.CpModel()
        self.model = m
        n_pairs = problem.n_pairs
        self.x = [m.new_bool_var(f"x{p}") for p in range(n_pairs)]
        x = self.x
        ptr = problem.customer_ptr
        self.infeasible_required = False
        for c in range(problem.n_customers):
            s, e = int(ptr[c]), int(ptr[c + 1])
            if problem.required[c]:
                if s == e:
                    self.infeasible_required = True
                    continue
                m.add_exactly_one(x[s:e])
            elif e - s > 1:
                m.add_at_most_one(x[s:e])

        by_rm = np.argsort(problem.pair_rm, kind="stable")
        rm_counts = np.bincount(problem.pair_rm, minlength=problem.n_rms)
        rm_ptr = np.concatenate([[0], np.cumsum(rm_counts)])
        self.rm_pairs = [by_rm[rm_ptr[r] : rm_ptr[r + 1]] for r in range(problem.n_rms)]
        w = problem.pair_weight
        for r, ps in enumerate(self.rm_pairs):
            if ps.size and int(w[ps].sum()) > int(problem.capacity[r]):
                m.add(
                    cp.LinearExpr.weighted_sum([x[p] for p in ps], w[ps].tolist())
                    <= int(problem.capacity[r])
                )

        self._groups(m)
        self._one_to_one(m)
        self._move_caps(m)

        self.value = cp.LinearExpr.weighted_sum(x, problem.pair_value.tolist())
        # continuity: fewest moved, then (exact tie-break) fewest customers dropped by today's RM
        cur = problem.current[problem.pair_customer]
        moved = (cur >= 0) & (problem.pair_rm != cur)
        keepable = cur >= 0
        self.keepable = int((problem.current >= 0).sum())
        k1 = self.keepable + 1
        coef = np.where(moved, k1, 0) - keepable.astype(np.int64)
        nz = np.flatnonzero(coef)
        self.moves = cp.LinearExpr.weighted_sum([x[p] for p in nz], coef[nz].tolist())
        self.util = m.new_int_var(0, UTIL_SCALE, "max_util")
        self._util_added = False

    def add_balance(self) -> None:
        """The utilisation constraints, added only for the balance stage: they double the
        model's terms and would slow the earlier stages for nothing."""
        if self._util_added:
            return
        cp, p, x, w = self.cp, self.problem, self.x, self.problem.pair_weight
        for r, ps in enumerate(self.rm_pairs):
            cap = int(p.capacity[r])
            if ps.size and cap > 0:
                self.model.add(
                    cp.LinearExpr.weighted_sum([x[q] for q in ps], (w[ps] * UTIL_SCALE).tolist())
                    <= cap * self.util
                )
        self._util_added = True

    def stage_objective(self, name: str) -> tuple[Any, str, float]:
        """(expression, ``"max"`` or ``"min"``, scale to the stage's natural unit) of a stage.

        Continuity is one expression: ``(K + 1) * moved - kept`` with ``K`` the customers with a
        keepable RM, so fewest moved wins and fewest dropped breaks ties exactly.
        """
        if name == "cover_value":
            return self.value, "max", 1.0
        if name == "continuity":
            return self.moves, "min", 1.0
        if name == "balance":
            self.add_balance()
            return self.util, "min", 1.0 / UTIL_SCALE
        raise ValueError(f"unknown objective stage {name!r}")

    def expression_value(self, name: str, assignment: npt.NDArray[np.int64]) -> int:
        """The value stage ``name``'s expression takes on ``assignment`` (for :meth:`hold`)."""
        p = self.problem
        if name == "cover_value":
            return int(p.cover_value(assignment))
        if name == "continuity":  # K * moved - kept, as built in __init__
            kept = int(((p.current >= 0) & (assignment == p.current)).sum())
            return self.keepable * int(p.moves(assignment)) - kept
        if name == "balance":
            return 0
        raise ValueError(f"unknown objective stage {name!r}")

    def hold(self, name: str, value: int) -> None:
        """Keep stage ``name`` at least as good as ``value`` (in the expression's own units) in
        every later solve of this model."""
        if name == "balance":
            return  # the last stage: nothing after it to protect
        expr, sense, _ = self.stage_objective(name)
        self.model.add(expr >= value if sense == "max" else expr <= value)

    def _move_caps(self, m: Any) -> None:
        """At most ``move_cap[r]`` of RM ``r``'s customers today go to another RM."""
        p = self.problem
        if not p.has_move_caps:
            return
        assert p.move_cap is not None
        q, from_rm = p.moving_pairs()
        order = np.argsort(from_rm, kind="stable")
        q, from_rm = q[order], from_rm[order]
        bounds = np.searchsorted(from_rm, np.arange(p.n_rms + 1))
        for r in np.flatnonzero(p.move_cap >= 0):
            qs = q[bounds[r] : bounds[r + 1]]
            if qs.size > p.move_cap[r]:
                m.add(sum(self.x[int(j)] for j in qs) <= int(p.move_cap[r]))

    def _groups(self, m: Any) -> None:
        p = self.problem
        self.y: dict[tuple[int, int], Any] = {}
        if p.n_groups == 0:
            return
        pair_group = p.group[p.pair_customer]
        in_group = np.flatnonzero(pair_group >= 0)
        per_group: dict[int, list[Any]] = {}
        for q in in_group:
            key = (int(pair_group[q]), int(p.pair_rm[q]))
            var = self.y.get(key)
            if var is None:
                var = m.new_bool_var(f"y{key[0]}_{key[1]}")
                self.y[key] = var
                per_group.setdefault(key[0], []).append(var)
            m.add_implication(self.x[q], var)
        for vars_ in per_group.values():
            if len(vars_) > 1:
                m.add_at_most_one(vars_)

    def _one_to_one(self, m: Any) -> None:
        p = self.problem
        self.dedicated: dict[int, Any] = {}
        excl_pairs = np.flatnonzero(p.exclusive[p.pair_customer])
        if excl_pairs.size == 0:
            return
        dedicated: dict[int, Any] = self.dedicated
        for q in excl_pairs:
            r = int(p.pair_rm[q])
            if r not in dedicated:
                dedicated[r] = m.new_bool_var(f"d{r}")
            m.add_implication(self.x[q], dedicated[r])
        for r, d in dedicated.items():
            units: list[Any] = []
            seen_groups: set[int] = set()
            for q in self.rm_pairs[r]:
                g = int(p.group[p.pair_customer[q]])
                if g < 0:
                    units.append(self.x[q])
                elif g not in seen_groups:
                    seen_groups.add(g)
                    units.append(self.y[(g, r)])
            if len(units) > 1:
                m.add(sum(units) <= 1).only_enforce_if(d)

    # -- helpers ---------------------------------------------------------------------------------
    def hint(self, assignment: npt.NDArray[np.int64]) -> None:
        """Hint an assignment on every variable (pairs, groups, dedicated RMs, utilisation), so
        that a feasible hint is a first solution at once."""
        p = self.problem
        m = self.model
        m.clear_hints()
        chosen = np.zeros(p.n_pairs, dtype=bool)
        assigned = np.flatnonzero(assignment >= 0)
        idx = p.pair_index(assigned, assignment[assigned])
        chosen[idx[idx >= 0]] = True
        for q, var in enumerate(self.x):
            m.add_hint(var, bool(chosen[q]))
        used = {(int(p.group[c]), int(assignment[c])) for c in assigned if p.group[c] >= 0}
        for key, var in self.y.items():
            m.add_hint(var, key in used)
        dedicated = {int(assignment[c]) for c in assigned if p.exclusive[c]}
        for r, var in self.dedicated.items():
            m.add_hint(var, r in dedicated)
        if idx.size and (idx >= 0).all():
            loads = p.loads(assignment)
            has = p.capacity > 0
            top = (loads[has] * UTIL_SCALE + p.capacity[has] - 1) // p.capacity[has]
            m.add_hint(self.util, int(min(top.max(), UTIL_SCALE)) if top.size else 0)

    def assignment(self, solver: Any) -> npt.NDArray[np.int64]:
        p = self.problem
        values = np.fromiter((solver.boolean_value(v) for v in self.x), dtype=bool, count=p.n_pairs)
        out = np.full(p.n_customers, -1, dtype=np.int64)
        out[p.pair_customer[values]] = p.pair_rm[values]
        return out
