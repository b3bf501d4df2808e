"""Taking back needless moves (:mod:`allocator.heuristics.moveback`): cover never lower, moves
strictly lower when anything changes, every hard rule kept."""

from __future__ import annotations

import numpy as np
from pairproblem import problem

from allocator import allocate
from allocator.checker import check_plan
from allocator.compile import compile_problem
from allocator.heuristics.moveback import take_back
from allocator.heuristics.start import book_start
from allocator.policy import default_policy
from allocator.synth import generate_bank
from allocator.validation import load_instance


def test_a_needless_move_is_taken_back():
    # c0 is on r1 today's r0 has room and values it as much
    p = problem(1, [5, 5], [(0, 0, 1, 10), (0, 1, 1, 10)], current={0: 0})
    out = take_back(p, np.array([1]))
    assert out.tolist() == [0]


def test_a_free_customer_is_ejected_to_make_room():
    # r0 (capacity 1) holds newcomer c1; c0 was moved to r1; c1 is worth as much on r2
    p = problem(
        2,
        [1, 5, 5],
        [(0, 0, 1, 10), (0, 1, 1, 10), (1, 0, 1, 7), (1, 2, 1, 7)],
        current={0: 0},
    )
    out = take_back(p, np.array([1, 0]))
    assert out.tolist() == [0, 2]
    assert p.moves(out) == 0 and p.cover_value(out) == 17 and not p.violations(out)


def test_nothing_changes_when_taking_back_would_lower_cover():
    # c0 is worth less at home; and c1 (a newcomer) would be worth less on r2
    p = problem(
        3,
        [1, 5, 5],
        [(0, 0, 1, 5), (0, 1, 1, 10), (1, 0, 1, 7), (1, 2, 1, 6), (2, 0, 1, 10), (2, 2, 1, 10)],
        current={0: 0, 2: 0},
    )
    a = np.array([1, -1, 2])  # c2 moved to r2, r0 free: but c0 is worth less at home
    b = np.array([1, 0, 2])  # c2 could go home only by pushing c1 to a lower value
    assert take_back(p, a).tolist() == [1, -1, 0]  # c2 home costs nothing: taken back
    assert take_back(p, b).tolist() == b.tolist()


def _pair_group(home_capacity: int):
    return problem(
        2,
        [home_capacity, 5],
        [(0, 0, 1, 10), (0, 1, 1, 10), (1, 0, 1, 10), (1, 1, 1, 10)],
        groups=[[0, 1]],
        current={0: 0, 1: 0},
    )


def test_a_group_member_is_not_moved_alone():
    # room at home for one member only: the group stays together where it is
    p = _pair_group(1)
    assert take_back(p, np.array([1, 1])).tolist() == [1, 1]


def test_a_group_goes_home_whole():
    p = _pair_group(2)
    out = take_back(p, np.array([1, 1]))
    assert out.tolist() == [0, 0] and p.moves(out) == 0 and not p.violations(out)


def test_a_one_to_one_customer_goes_home_only_to_an_idle_rm():
    pairs = [(0, 0, 1, 50), (0, 1, 1, 50), (1, 0, 1, 10), (1, 2, 1, 10)]
    p = problem(2, [5, 5, 5], pairs, exclusive=[0], current={0: 0})
    assert take_back(p, np.array([1, -1])).tolist() == [0, -1]
    assert take_back(p, np.array([1, 0])).tolist() == [1, 0]  # newcomer c1 holds r0


def test_no_rm_dedicated_to_a_one_to_one_customer_is_joined():
    p = problem(
        2,
        [5, 5],
        [(0, 0, 1, 10), (0, 1, 1, 10), (1, 0, 1, 10)],
        exclusive=[1],
        current={0: 0},
    )
    a = np.array([1, 0])
    assert take_back(p, a).tolist() == [1, 0]


def _bank(n: int, seed: int):
    policy = default_policy()
    bank = generate_bank(n, seed)
    inst = load_instance(bank.customers, bank.rms, bank.branches, policy=policy)
    return inst, policy, compile_problem(inst, policy).problem


def test_on_a_generated_bank_moves_never_rise_and_cover_never_falls():
    _, _, p = _bank(1500, 3)
    rng = np.random.default_rng(0)
    base = book_start(p)
    # needless moves: lone customers sent to another RM with room at the same value
    a = base.copy()
    slack = p.capacity - p.loads(a)
    lone = np.flatnonzero((p.group < 0) & ~p.exclusive & (p.current >= 0) & (a == p.current))
    busy = np.zeros(p.n_rms, dtype=bool)
    busy[a[p.exclusive & (a >= 0)]] = True
    for c in rng.permutation(lone)[:200].tolist():
        sl = p.pairs_of(c)
        here = p.pair_value[p.lookup_pairs([c], [a[c]])[0]]
        for r, w, v in zip(p.pair_rm[sl], p.pair_weight[sl], p.pair_value[sl], strict=True):
            if r != a[c] and v == here and slack[r] >= w and not busy[r]:
                slack[a[c]] += w
                slack[r] -= w
                a[c] = r
                break
    assert not p.violations(a)
    out = take_back(p, a)
    assert not p.violations(out)
    assert p.cover_value(out) >= p.cover_value(a)
    assert p.moves(out) <= p.moves(a)
    assert p.moves(a) > 0 and p.moves(out) < p.moves(a)


def test_the_flow_plan_passes_the_checker():
    inst, policy, _ = _bank(1500, 4)
    plan = allocate(inst, policy=policy, backend="flow", time_limit=20, workers=1, seed=0)
    report = check_plan(plan.instance, plan.assignments, plan.policy, reasons=True)
    assert report.ok, report.summary()
    p = plan.compiled.problem
    a = plan.solution.assignment
    again = take_back(p, a)
    assert p.moves(again) == p.moves(a)  # the flow's plan has no needless move left


def test_a_customer_moved_in_is_ejected_home():
    # r0 (capacity 1) holds c1, moved in from r2 (full when c1 left, room now); c0 moved to r1
    p = problem(
        2,
        [1, 5, 1],
        [(0, 0, 1, 10), (0, 1, 1, 10), (1, 0, 1, 7), (1, 2, 1, 7)],
        current={0: 0, 1: 2},
    )
    out = take_back(p, np.array([1, 0]))
    assert out.tolist() == [0, 2]
    assert p.moves(out) == 0
