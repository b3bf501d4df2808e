"""What the planner reads off the bank."""

from __future__ import annotations

from allocator.instance import Instance
from allocator.policy import Policy
from scenarios.edits import remove_rms
from scenarios.headcount.bank import active_rms, branch_levels, holds_any


def test_branch_levels(small_bank: Instance) -> None:
    levels = branch_levels(small_bank)
    assert levels["O1"] == "outlet" and levels["C0"] == "city" and len(levels) == 8


def test_inactive_rms_do_not_count(small_bank: Instance) -> None:
    bank = remove_rms(small_bank, rm_ids=["R_O1A"])
    assert len(active_rms(bank)) == len(active_rms(small_bank)) - 1
    assert "R_O1A" not in set(active_rms(bank)["rm_id"])


def test_a_cfp_holder_meets_an_afp_requirement(policy: Policy) -> None:
    assert holds_any("CFP", ["AFP"], policy)
    assert holds_any(" afp;CPB ", ["AFP"], policy)
    assert not holds_any("AFP", ["CFP"], policy)
    assert not holds_any("", ["AFP"], policy) and not holds_any(None, ["AFP"], policy)
