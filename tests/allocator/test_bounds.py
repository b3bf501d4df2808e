"""Bounds on every number (issue 13, cases 1 and 2): a policy or a file number beyond the limits
of :mod:`allocator.bounds` is refused where it is read, naming where; every accepted number,
even at the limits, solves to a plan the independent checker accepts."""

from __future__ import annotations

from typing import Any

import pytest
from tinybank import frames

from allocator import allocate
from allocator.bounds import MAX_AMOUNT, MAX_CAPACITY, MAX_PRIORITY, MAX_TOTAL, MAX_WORKLOAD
from allocator.checker import check_plan
from allocator.compile import compile_problem
from allocator.errors import InputError, PolicyError
from allocator.policy import load_policy
from allocator.validation import load_instance


# -- the policy -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("override", "field", "words"),
    [
        ({"tiers": {"mid": {"workload": 1e19}}}, "tiers.mid.workload", "at most 1,000,000"),
        ({"tiers": {"mid": {"workload": "1e19"}}}, "tiers.mid.workload", "at most 1,000,000"),
        ({"tiers": {"mid": {"workload": "1e309"}}}, "tiers.mid.workload", "finite"),
        ({"tiers": {"mid": {"workload": float("nan")}}}, "tiers.mid.workload", "finite"),
        ({"tiers": {"mid": {"priority": 10**10}}}, "tiers.mid.priority", "at most"),
        ({"bands": {"key3m": {"priority": -1}}}, "bands.key3m.priority", "at least 0"),
        ({"bands": {"key3m": {"workload": 2e6}}}, "bands.key3m.workload", "at most"),
        ({"tiers": {"high": {"aum_min": 1e16}}}, "tiers.high.aum_min", "at most"),
        ({"bands": {"key10m": {"contribution_min": "inf"}}}, "contribution_min", "finite"),
        ({"default_capacity": {"retail": 9.3e18}}, "default_capacity.retail", "at most"),
        ({"default_capacity": {"retail": 0}}, "default_capacity.retail", "more than 0"),
        ({"continuity": {"max_moved_share": float("nan")}}, "max_moved_share", "finite"),
    ],
)
def test_policy_numbers_out_of_bounds_name_the_field(
    override: dict[str, Any], field: str, words: str
) -> None:
    with pytest.raises(PolicyError) as exc:
        load_policy(override)
    text = str(exc.value)
    assert field in text and words in text
    assert "pydantic" not in text and "http" not in text and "type=" not in text


def test_policy_at_the_limits_is_valid() -> None:
    policy = load_policy(
        {
            "tiers": {"mid": {"workload": MAX_WORKLOAD, "priority": MAX_PRIORITY}},
            "default_capacity": {"retail": MAX_CAPACITY},
        }
    )
    assert policy.tiers["mid"].workload == MAX_WORKLOAD


# -- the files --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("table", "column", "value"),
    [
        ("rms", "capacity", "9.3e18"),
        ("rms", "capacity", "1000000001"),
        ("customers", "aum", "1e16"),
        ("customers", "annual_contribution", "2e15"),
        ("customers", "deposits", "1e300"),
    ],
)
def test_file_numbers_out_of_bounds_name_the_cell(table: str, column: str, value: str) -> None:
    c, r, b = frames([{}], [{}])
    frame = {"customers": c, "rms": r}[table]
    frame[column] = "1"
    frame.loc[0, column] = value
    with pytest.raises(InputError) as exc:
        load_instance(c, r, b)
    [issue] = exc.value.issues
    assert (issue.file, issue.row, issue.column, issue.value) == (table, 2, column, value)
    assert "at most" in issue.message


# -- compile: exact integers at the extremes --------------------------------------------------
EXTREME_POLICY = {
    "tiers": {"mid": {"workload": MAX_WORKLOAD, "priority": MAX_PRIORITY}},
    "default_capacity": {"retail": MAX_CAPACITY},
}


def extreme_bank() -> Any:
    """Every number at its limit: workloads, priorities, capacities, amounts."""
    rms = [{"capacity": str(MAX_CAPACITY)}, {}, {"capacity": "2000000"}]
    customers = [{"aum": str(MAX_AMOUNT) if i == 0 else "300000"} for i in range(6)]
    customers[1]["current_rm_id"] = "M2"
    c, r, b = frames(rms, customers)
    for i in range(6):  # mid needs 200,000 <= aum < 500,000; aum 1e15 is private
        c.loc[i, "annual_contribution"] = str(MAX_AMOUNT)
    return load_instance(c, r, b, policy=EXTREME_POLICY)


def test_compiled_integers_at_the_extremes_are_exact() -> None:
    compiled = compile_problem(extreme_bank(), load_policy(EXTREME_POLICY))
    p = compiled.problem
    assert p.pair_weight.max() == MAX_WORKLOAD * p.weight_scale
    assert int(p.capacity.max()) == int(MAX_CAPACITY) * p.weight_scale
    assert p.pair_value.max() == MAX_PRIORITY
    assert (p.capacity >= 0).all() and (p.pair_weight >= 0).all()


@pytest.mark.parametrize("backend", ["milp", "cpsat", "flow", "decompose", "lns", "greedy"])
def test_every_backend_solves_the_extremes_to_a_valid_plan(backend: str) -> None:
    instance = extreme_bank()
    plan = allocate(instance, policy=EXTREME_POLICY, backend=backend, time_limit=10, workers=1)
    assert check_plan(instance, plan.assignments, load_policy(EXTREME_POLICY)).ok
    # each retail RM takes one mid customer (workload 10^6), the big one as many as there are
    mid = plan.assignments[plan.assignments["tier"] == "mid"]
    assert (mid["rm_id"] != "").sum() == len(mid)


def test_totals_beyond_exact_arithmetic_are_refused() -> None:
    # four decimals make the weight scale 10^4: 10^6 points become 10^10 each, and
    # 10^6 customers of them would sum past 2^53; a capacity total is easier to reach
    policy = {"tiers": {"mid": {"workload": 1.0001}}}
    n_rms = int(MAX_TOTAL / (MAX_CAPACITY * 10_000)) + 2
    c, r, b = frames([{"capacity": str(MAX_CAPACITY)}] * n_rms, [{"aum": "300000"}])
    instance = load_instance(c, r, b, policy=policy)
    with pytest.raises(InputError) as exc:
        compile_problem(instance, load_policy(policy))
    [issue] = exc.value.issues
    assert issue.file == "rms" and "capacity of the RMs" in issue.message
