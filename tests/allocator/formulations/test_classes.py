"""The MILP's aggregation: interchangeable customers counted, and the optimum unchanged.

The classes are checked by hand on tiny problems (who is grouped, who never is), the counts and
their spreading back to customers round-trip, a hash collision cannot merge different customers,
and the aggregated MILP reaches the same proven lexicographic optimum as the plain one -- by
enumeration on tiny problems with many twins, and against the plain model on generated banks.
"""

from __future__ import annotations

import numpy as np
import pytest
from pairproblem import Pair, optimum, problem

from allocator.backends import from_name
from allocator.compile import compile_problem
from allocator.engines.highs import highs_available
from allocator.formulations import classes as classes_module
from allocator.formulations.classes import build_classes
from allocator.formulations.milp_model import build_model
from allocator.params import SolveOptions
from allocator.policy import default_policy
from allocator.problem import Problem
from allocator.solution import Solution, SolutionStatus
from allocator.synth import GeneratorConfig, generate_bank

needs_highs = pytest.mark.skipif(not highs_available(), reason="highspy does not load")


def twins() -> Problem:
    """c0..c3 alike (r0, r1); c4 alike but on r1 today; c5 alike but in a group with c6;
    c7 alike but one-to-one; c8 alike but worth more at r1."""
    pairs: list[Pair] = []
    for c in range(9):
        pairs += [(c, 0, 1, 10), (c, 1, 1, 20 if c == 8 else 10)]
    return problem(9, [4, 3], pairs, groups=[[5, 6]], exclusive=[7], current={4: 1})


def test_interchangeable_customers_share_a_class() -> None:
    cl = build_classes(twins())
    cls = cl.customer_class
    assert cls[0] == cls[1] == cls[2] == cls[3]
    assert len(set(cls.tolist())) == 6  # {c0..c3}, then c4..c8 alone (c5, c6 in a group)
    assert cl.size[cls[0]] == 4 and cl.n_cols == 2 * 6
    assert np.all(np.diff(cl.col_key) > 0)  # sorted by class, then RM


def test_without_aggregation_the_columns_are_the_pairs() -> None:
    p = twins()
    cl = build_classes(p, aggregate=False)
    assert np.array_equal(cl.col_pair, np.arange(p.n_pairs))
    assert np.array_equal(cl.customer_class, np.arange(p.n_customers))


def test_a_hash_collision_never_merges_different_customers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    p = twins()
    monkeypatch.setattr(
        classes_module, "_customer_hash", lambda q: np.zeros(q.n_customers, dtype=np.uint64)
    )
    cls = build_classes(p).customer_class
    assert cls[8] != cls[0]  # same hash, degree, RM today: still told apart pair by pair
    assert cls[0] == cls[3]


def test_counts_spread_back_keep_the_reference_rms() -> None:
    p = twins()
    cl = build_classes(p)
    a = np.array([0, 1, 1, -1, 1, 0, 0, 1, 1])
    back = cl.disaggregate(cl.counts(a), reference=a)
    assert np.array_equal(back, a)  # every member keeps its RM where the counts allow
    other = cl.disaggregate(cl.counts(a), reference=np.array([1, 1, 1, 1, -1, -1, -1, -1, -1]))
    assert np.array_equal(cl.counts(other), cl.counts(a))
    # the class's two places at r1 go to two of those it had there, its place at r0 to another
    assert other[:4].tolist() == [1, 1, 0, -1]
    assert p.lex_key(other) == p.lex_key(a)


def test_rows_hold_for_counts_of_valid_assignments() -> None:
    p = twins()
    model = build_model(p)
    for a in ([0, 0, 1, 1, 1, -1, -1, -1, 1], [1, 1, 1, -1, 0, 0, 0, 0, -1]):
        a = np.array(a)
        cols = model.columns(a)
        entry_row = np.repeat(np.arange(model.rows.n_rows), np.diff(model.rows.start))
        act = np.bincount(
            entry_row, weights=model.rows.value * cols[model.rows.index], minlength=len(entry_row)
        )[: model.rows.n_rows]
        ok = np.all(act >= model.rows.lower - 1e-9) and np.all(act <= model.rows.upper + 1e-9)
        assert bool(ok) == (p.violations(a) == [])


def milp(p: Problem, aggregate: bool, time_limit: float = 20.0) -> Solution:
    options = SolveOptions(
        time_limit=time_limit, workers=1, settings={"milp": {"aggregate": aggregate}}
    )
    return from_name("milp").solve(p, options)


def twin_heavy(seed: int) -> Problem:
    """Seven customers of three kinds (so classes form), random capacities and side rules."""
    rng = np.random.default_rng(seed)
    kinds = [
        [
            (r, int(rng.integers(1, 3)), int(rng.choice([10, 100])))
            for r in range(3)
            if rng.random() < 0.7
        ]
        or [(0, 1, 10)]
        for _ in range(3)
    ]
    kind = rng.integers(0, 3, 7)
    pairs = [(c, r, w, v) for c in range(7) for r, w, v in kinds[kind[c]]]
    current = {c: kinds[kind[c]][0][0] for c in range(7) if rng.random() < 0.4}
    return problem(
        7,
        rng.integers(1, 5, 3).tolist(),
        pairs,
        groups=[[0, 1]] if seed % 2 else [],
        exclusive=[2] if seed % 3 == 0 else [],
        current=current,
    )


@needs_highs
@pytest.mark.parametrize("seed", range(12))
def test_aggregated_milp_reaches_the_enumerated_optimum(seed: int) -> None:
    p = twin_heavy(seed)
    assert build_classes(p).n_classes < p.n_customers or seed % 3 == 0  # twins do form
    sol = milp(p, aggregate=True)
    best = optimum(p)
    assert best is not None and sol.status == SolutionStatus.OPTIMAL
    a = sol.assignment
    assert p.violations(a) == []
    got = (p.cover_value(a), p.moves(a), p.dropped(a), p.max_utilisation(a))
    assert got[:3] == best[:3] and got[3] == pytest.approx(best[3])


@needs_highs
@pytest.mark.parametrize(
    "n, seed, harsh", [(300, 1, False), (300, 2, False), (400, 3, True), (300, 4, True)]
)
def test_aggregated_and_plain_milp_prove_the_same_optimum(n: int, seed: int, harsh: bool) -> None:
    config = GeneratorConfig.harsh() if harsh else None
    p = compile_problem(generate_bank(n, seed, config=config), default_policy()).problem
    plain, aggregated = milp(p, aggregate=False, time_limit=60), milp(p, aggregate=True)
    assert plain.status == aggregated.status == SolutionStatus.OPTIMAL
    assert p.violations(aggregated.assignment) == []
    key_plain, key_agg = p.lex_key(plain.assignment), p.lex_key(aggregated.assignment)
    assert key_agg[:-1] == key_plain[:-1] and key_agg[-1] == pytest.approx(key_plain[-1])
    assert build_classes(p).n_cols < p.n_pairs  # the bank has twins to count


def test_a_bad_aggregate_setting_is_refused() -> None:
    with pytest.raises(ValueError, match="aggregate"):
        from_name("milp").settings(SolveOptions(settings={"milp": {"aggregate": "yes"}}))
