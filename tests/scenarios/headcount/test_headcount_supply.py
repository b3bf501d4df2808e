"""Who could serve whom: the allocator's classes and eligibility, refined by the RMs a customer
forbids (``forbid_rm_ids``)."""

from __future__ import annotations

from collections.abc import Callable

from allocator.instance import Instance
from allocator.policy import Policy
from scenarios.headcount.planner import Planner

TinyBank = Callable[[int, float], Instance]


def test_a_customer_who_forbids_the_only_rm_needs_another(
    tiny_bank: TinyBank, policy: Policy
) -> None:
    bank = tiny_bank(5, 20)  # V1 has room for all five
    assert Planner.build(bank, {"high": 1.0}, policy=policy).solve()[1].empty
    cust = bank.customers.copy()
    cust["forbid_rm_ids"] = ""
    cust.loc[0, "forbid_rm_ids"] = "V1"
    planner = Planner.build(bank.replace(customers=cust), {"high": 1.0}, policy=policy)
    assert len(planner.supply.class_n) == 2  # the forbidding customer in a class of its own
    _, actions = planner.solve()
    assert actions["count"].sum() == 1 and actions["action"].iloc[0] == "hire"  # not V1 certified
