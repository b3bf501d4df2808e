"""The quarterly re-allocation as properties over harsh random banks (tests/randombanks.py), for
every backend: every plan passes the checker and the reason checker (the pipeline raises
otherwise), it is never lexicographically worse than today's book made feasible, and a re-run of
an unchanged bank is a fixed point (nobody moved, no cover lost)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from randombanks import banks, instance_of, rerun_bank

from allocator import allocate
from allocator.backends import available_backends
from allocator.checker import check_plan
from allocator.errors import InputError
from allocator.heuristics.start import book_start

BACKENDS = [b for b in available_backends() if b != "milp-cbc"]  # CBC: slow to start, same model
SETTINGS = settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))


def over_random_banks(test: Callable[..., None]) -> Callable[..., None]:
    """``test(backend, bank)`` for every backend, each over Hypothesis's harsh random banks."""
    return pytest.mark.parametrize("backend", BACKENDS)(SETTINGS(given(bank=banks())(test)))


def solve(bank, backend):
    try:
        inst = instance_of(bank)
        return allocate(inst, policy=bank["policy"] or None, backend=backend, time_limit=10,
                        workers=1, seed=0)  # fmt: skip
    except InputError as exc:  # conflicting locks: a legitimate, explained rejection
        assert exc.issues and all(i.row for i in exc.issues)
        return None


@over_random_banks
def test_plans_hold_every_rule_and_reason_and_beat_the_book(backend, bank):
    plan = solve(bank, backend)
    if plan is None:
        return
    report = check_plan(plan.instance, plan.assignments, plan.policy, reasons=True,
                        solve=plan.kpis["solve"])  # fmt: skip
    assert report.ok, report.summary()
    p = plan.compiled.problem
    book = book_start(p)
    assert p.lex_key(plan.solution.assignment) <= p.lex_key(book)


@over_random_banks
def test_an_unchanged_rerun_is_a_fixed_point(backend, bank):
    first = solve(bank, backend)
    if first is None:
        return
    book = dict(zip(first.assignments["customer_id"], first.assignments["rm_id"], strict=True))
    again = solve(rerun_bank(bank, book), backend)
    if again is None:  # the plan's own locks conflict: only possible with broken locks
        return
    assert again.kpis["status_counts"]["moved"] == 0
    assert again.kpis["cover_value"] >= first.kpis["cover_value"]
